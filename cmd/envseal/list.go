package main

import (
	"fmt"
	"path/filepath"

	"github.com/envseal/envseal/ops"
	"github.com/urfave/cli/v2"
)

func listCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name:  "list",
		Usage: "list the packages installed in an environment",
		Flags: []cli.Flag{
			nameFlag(), prefixFlag(),
			&cli.BoolFlag{Name: "json", Usage: "print conda's JSON shape"},
			&cli.BoolFlag{Name: "explicit", Usage: "print an @EXPLICIT file (package URLs) that recreates the environment"},
			&cli.BoolFlag{Name: "md5", Usage: "with --explicit: add #md5 to each URL"},
			&cli.BoolFlag{Name: "sha256", Usage: "with --explicit: add #sha256 to each URL"},
		},
		Action: func(c *cli.Context) error { return g.list(c) },
	}
}

func (g *globals) list(c *cli.Context) error {
	res, err := ops.List(c.Context, ops.ListOptions{Host: g.host(true, nil), Name: c.String("name"), Prefix: c.String("prefix")})
	if err != nil {
		return err
	}
	prefix, pd := res.Prefix, res.Installed
	switch {
	case c.Bool("json"):
		out := make([]map[string]any, 0, len(pd.Records))
		for _, r := range pd.Records {
			out = append(out, ops.DistJSON(&r.Record, ""))
		}
		return writeJSON(g.Out, out)
	case c.Bool("explicit"):
		_, err := g.Out.Write(res.Explicit(c.Bool("md5"), c.Bool("sha256")))
		return err
	}
	fmt.Fprintf(g.Out, "# packages in environment at %s:\n#\n", prefix)
	fmt.Fprintf(g.Out, "# %-23s %-15s %15s  Channel\n", "Name", "Version", "Build")
	for _, r := range pd.Records {
		fmt.Fprintf(g.Out, "%-25s %-15s %15s  %s\n", r.Name, r.Version.String(), r.Build, r.Channel)
	}
	return nil
}

func envsCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name:  "envs",
		Usage: "list the environments in the envs directories",
		Flags: []cli.Flag{&cli.BoolFlag{Name: "json", Usage: "print {\"envs\": [paths]}"}},
		Action: func(c *cli.Context) error {
			res, err := ops.Envs(c.Context, ops.EnvsOptions{Host: g.host(true, nil)})
			if err != nil {
				return err
			}
			envs, active := res.Envs, res.Active
			if c.Bool("json") {
				return writeJSON(g.Out, map[string]any{"envs": nonNil(envs)})
			}
			fmt.Fprintf(g.Out, "# envseal environments:\n#\n")
			for _, p := range envs {
				mark := " "
				if p == active {
					mark = "*"
				}
				fmt.Fprintf(g.Out, "%-25s %s  %s\n", filepath.Base(p), mark, p)
			}
			return nil
		},
	}
}

func cleanCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name:  "clean",
		Usage: "remove package archives and unused extracted packages from the package cache",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "all", Aliases: []string{"a"}, Usage: "--tarballs and --packages"},
			&cli.BoolFlag{Name: "tarballs", Aliases: []string{"t"}, Usage: "remove package archives"},
			&cli.BoolFlag{Name: "packages", Aliases: []string{"p"}, Usage: "remove extracted packages no environment uses"},
			&cli.BoolFlag{Name: "dry-run", Aliases: []string{"d"}, Usage: "only show what would be removed"},
			&cli.BoolFlag{Name: "json", Usage: "print what was removed as JSON"},
			&cli.BoolFlag{Name: "yes", Aliases: []string{"y"}, Usage: "do not ask for confirmation"},
		},
		Action: func(c *cli.Context) error { return g.clean(c) },
	}
}

func (g *globals) clean(c *cli.Context) error {
	res, err := ops.Clean(c.Context, ops.CleanOptions{Host: g.host(true, nil),
		Tarballs: c.Bool("tarballs") || c.Bool("all"), Packages: c.Bool("packages") || c.Bool("all"), DryRun: c.Bool("dry-run")})
	if err != nil {
		return err
	}
	if c.Bool("json") {
		return writeJSON(g.Out, res.CondaJSON(c.Bool("dry-run")))
	}
	verb := "Removed"
	if c.Bool("dry-run") {
		verb = "Would remove"
	}
	fmt.Fprintf(g.Out, "%s %s from the package cache.\n", verb, ops.HumanBytes(res.Bytes))
	return nil
}
