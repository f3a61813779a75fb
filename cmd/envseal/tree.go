package main

import (
	"os"
	"regexp"
	"slices"
	"strings"

	"github.com/envseal/envseal/deptree"
	"github.com/envseal/envseal/ops"
	"github.com/urfave/cli/v2"
	"golang.org/x/term"
)

func treeCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name: "tree", Usage: "show why each package is in an environment (its dependency tree)", ArgsUsage: "[REGEX]",
		Description: `Draws the tree from what you asked for (conda-meta/history, or the lock's
inputs) down to every dependency; "(*)" marks a subtree already drawn.
REGEX keeps the trees that reach a matching name; with -i it lists who needs
the matching packages instead (mamba's whoneeds).`,
		Flags: []cli.Flag{nameFlag(), prefixFlag(),
			&cli.StringFlag{Name: "lock", Usage: "read the tree from a lockfile instead of an environment"},
			&cli.StringFlag{Name: "platform", Usage: "with --lock: the platform (default this machine's)"},
			&cli.BoolFlag{Name: "invert", Aliases: []string{"i"}, Usage: "show what needs the matching packages"},
			&cli.BoolFlag{Name: "json", Usage: "print the graph as JSON"},
			&cli.BoolFlag{Name: "dot", Usage: "print the graph in Graphviz's language"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() > 1 {
				return usagef("tree: at most one REGEX")
			}
			var re *regexp.Regexp
			if c.NArg() == 1 {
				var err error
				if re, err = regexp.Compile(c.Args().First()); err != nil {
					return usagef("tree: %v", err)
				}
			}
			res, err := ops.Tree(c.Context, ops.TreeOptions{Host: g.host(true, nil), Name: c.String("name"),
				Prefix: c.String("prefix"), Lock: c.String("lock"), Platform: c.String("platform")})
			if err != nil {
				return err
			}
			switch {
			case c.Bool("json"):
				return writeJSON(g.Out, map[string]any{"source": res.Source, "roots": res.Graph.Roots(), "packages": res.Graph.Nodes()})
			case c.Bool("dot"):
				return res.Graph.DOT(g.Out)
			}
			return res.Graph.Render(g.Out, deptree.Options{Filter: re, Invert: c.Bool("invert"), ASCII: !g.fancy()})
		},
	}
}

// fancy reports whether stdout is a terminal that may get box-drawing
// characters and colours: not when redirected, nor under NO_COLOR or
// TERM=dumb.
func (g *globals) fancy() bool {
	if !g.terminal() {
		return false
	}
	return !slices.ContainsFunc(g.environ, func(kv string) bool {
		return kv == "TERM=dumb" || strings.HasPrefix(kv, "NO_COLOR=") && kv != "NO_COLOR="
	})
}

// terminal reports whether stdout is a terminal (a person reads it).
func (g *globals) terminal() bool {
	f, ok := g.Out.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
