package main

import (
	"fmt"
	"io"

	"github.com/envseal/envseal/ops"
	"github.com/urfave/cli/v2"
)

func searchCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name: "search", Usage: "list the packages matching a spec, ordered as conda orders them", ArgsUsage: "SPEC",
		Description: `SPEC is a conda match spec: "numpy", "numpy>=1.26", "python=3.10",
"conda-forge::numpy 1.26.* py312*", "numpy[build_number=1]", "num*".
Records are listed by name, then version (conda's VersionOrder), then build.
When an exact name matches nothing, "*name*" is tried (as conda does).`,
		Flags: append(channelFlags(true),
			jsonFlag("print conda's JSON shape: {name: [record, ...]}"),
			&cli.BoolFlag{Name: "skip-flexible-search", Usage: "do not retry with *name* when nothing matches"},
		),
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return usagef("search: want exactly one SPEC, got %d arguments", c.NArg())
			}
			res, err := ops.Search(c.Context, ops.SearchOptions{Host: g.host(true, nil), ChannelOptions: channelOptions(c),
				Spec: c.Args().First(), SkipFlexible: c.Bool("skip-flexible-search")})
			if res != nil && res.Flexible != nil && !c.Bool("json") {
				fmt.Fprintf(g.Out, "No match found for: %s. Search: %s\n", res.Spec.String(), res.Flexible.String())
			}
			if err != nil {
				return jsonErrors(c, g.Out, err)
			}
			return g.show(c, res.CondaJSON(), res.WriteText)
		},
	}
}

func infoCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name: "info", Usage: "show the platform, virtual packages, directories and channels envseal uses",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "platform", Aliases: []string{"subdir"}, Usage: "show the virtual packages assumed for this platform"},
			jsonFlag("print as JSON (conda info --json keys where they exist)"),
		},
		Action: func(c *cli.Context) error {
			res, err := ops.Info(c.Context, ops.InfoOptions{Host: g.host(true, nil), Platform: c.String("platform")})
			if err != nil {
				return err
			}
			return g.show(c, res.CondaJSON(version), func(w io.Writer) { res.WriteText(w, version) })
		},
	}
}
