package main

import (
	"github.com/envseal/envseal/internal/cmdutil"
	"github.com/envseal/envseal/ops"
	"github.com/urfave/cli/v2"
)

func treeCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name: "tree", Usage: "show why each package is in an environment (its dependency tree)", ArgsUsage: "[REGEX]",
		Description: `Draws the tree from what you asked for (conda-meta/history, or the lock's
inputs) down to every dependency; "(*)" marks a subtree already drawn.
REGEX keeps the trees that reach a matching name; with -i it lists who needs
the matching packages instead (mamba's whoneeds).`,
		Flags: []cli.Flag{nameFlag, prefixFlag,
			&cli.StringFlag{Name: "lock", Usage: "read the tree from a lockfile instead of an environment"},
			&cli.StringFlag{Name: "platform", Usage: "with --lock: the platform (default this machine's)"},
			&cli.BoolFlag{Name: "invert", Aliases: []string{"i"}, Usage: "show what needs the matching packages"},
			jsonFlag("print the graph as JSON"),
			&cli.BoolFlag{Name: "dot", Usage: "print the graph in Graphviz's language"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() > 1 {
				return usagef("tree: at most one REGEX")
			}
			res, err := ops.Tree(c.Context, ops.TreeOptions{Host: g.host(true, nil), Name: c.String("name"),
				Prefix: c.String("prefix"), Lock: c.String("lock"), Platform: c.String("platform"), Filter: c.Args().First()})
			switch {
			case err != nil:
				return err
			case c.Bool("json"):
				return writeJSON(g.Out, res.JSON())
			case c.Bool("dot"):
				return res.Graph.DOT(g.Out)
			}
			return res.WriteText(g.Out, c.Bool("invert"), cmdutil.Fancy(g.Out, g.environ))
		},
	}
}
