package main

import (
	"io"

	"github.com/envseal/envseal/ops"
	"github.com/urfave/cli/v2"
)

func listCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name: "list", Usage: "list the packages installed in an environment",
		Flags: []cli.Flag{
			nameFlag, prefixFlag,
			jsonFlag("print conda's JSON shape"),
			&cli.BoolFlag{Name: "explicit", Usage: "print an @EXPLICIT file (package URLs) that recreates the environment"},
			&cli.BoolFlag{Name: "md5", Usage: "with --explicit: add #md5 to each URL"},
			&cli.BoolFlag{Name: "sha256", Usage: "with --explicit: add #sha256 to each URL"},
		},
		Action: func(c *cli.Context) error {
			res, err := ops.List(c.Context, ops.ListOptions{Host: g.host(true, nil), Name: c.String("name"), Prefix: c.String("prefix")})
			switch {
			case err != nil:
				return err
			case c.Bool("explicit") && !c.Bool("json"):
				_, err := g.Out.Write(res.Explicit(c.Bool("md5"), c.Bool("sha256")))
				return err
			}
			return g.show(c, res.CondaJSON(), res.WriteText)
		},
	}
}

func envsCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name: "envs", Usage: "list the environments in the envs directories", Flags: []cli.Flag{jsonFlag("print {\"envs\": [paths]}")},
		Action: func(c *cli.Context) error {
			res, err := ops.Envs(c.Context, ops.EnvsOptions{Host: g.host(true, nil)})
			if err != nil {
				return err
			}
			return g.show(c, res.CondaJSON(), res.WriteText)
		},
	}
}

func cleanCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name: "clean", Usage: "remove package archives and unused extracted packages from the package cache",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "all", Aliases: []string{"a"}, Usage: "--tarballs and --packages"},
			&cli.BoolFlag{Name: "tarballs", Aliases: []string{"t"}, Usage: "remove package archives"},
			&cli.BoolFlag{Name: "packages", Aliases: []string{"p"}, Usage: "remove extracted packages no environment uses"},
			&cli.BoolFlag{Name: "dry-run", Aliases: []string{"d"}, Usage: "only show what would be removed"},
			jsonFlag("print what was removed as JSON"),
			&cli.BoolFlag{Name: "yes", Aliases: []string{"y"}, Usage: "do not ask for confirmation"},
		},
		Action: func(c *cli.Context) error {
			dryRun := c.Bool("dry-run")
			res, err := ops.Clean(c.Context, ops.CleanOptions{Host: g.host(true, nil),
				Tarballs: c.Bool("tarballs") || c.Bool("all"), Packages: c.Bool("packages") || c.Bool("all"), DryRun: dryRun})
			if err != nil {
				return err
			}
			return g.show(c, res.CondaJSON(dryRun), func(w io.Writer) { res.WriteText(w, dryRun) })
		},
	}
}
