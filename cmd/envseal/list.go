package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	pfx "github.com/envseal/envseal/prefix"
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
	cfg, err := loadConfig(g.getenv)
	if err != nil {
		return err
	}
	prefix, err := g.existingPrefix(c, cfg)
	if err != nil {
		return err
	}
	pd, err := g.readPrefix(c, prefix)
	if err != nil {
		return err
	}
	switch {
	case c.Bool("json"):
		out := make([]map[string]any, 0, len(pd.Records))
		for _, r := range pd.Records {
			out = append(out, distJSON(&r.Record, ""))
		}
		return writeJSON(g.Out, out)
	case c.Bool("explicit"):
		return writeExplicit(g.Out, pd, c.Bool("md5"), c.Bool("sha256"))
	}
	fmt.Fprintf(g.Out, "# packages in environment at %s:\n#\n", prefix)
	fmt.Fprintf(g.Out, "# %-23s %-15s %15s  Channel\n", "Name", "Version", "Build")
	for _, r := range pd.Records {
		fmt.Fprintf(g.Out, "%-25s %-15s %15s  %s\n", r.Name, r.Version.String(), r.Build, r.Channel)
	}
	return nil
}

// writeExplicit prints conda's @EXPLICIT format: one package URL a line.
func writeExplicit(w io.Writer, pd *pfx.PrefixData, md5, sha bool) error {
	platform := ""
	for _, r := range pd.Records {
		if r.Subdir != "" && r.Subdir != "noarch" {
			platform = r.Subdir
			break
		}
	}
	fmt.Fprintln(w, "# This file may be used to create an environment using:")
	fmt.Fprintln(w, "# $ envseal create --name <env> --file <this file>   (or: conda create --name <env> --file <this file>)")
	if platform != "" {
		fmt.Fprintf(w, "# platform: %s\n", platform)
	}
	fmt.Fprintln(w, "@EXPLICIT")
	for _, r := range pd.Records { // sorted by name, as ReadPrefix returns them
		line := r.URL
		switch {
		case sha && r.SHA256 != "":
			line += "#sha256:" + r.SHA256
		case md5 && r.MD5 != "":
			line += "#" + r.MD5
		}
		fmt.Fprintln(w, line)
	}
	return nil
}

func envsCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name:  "envs",
		Usage: "list the environments in the envs directories",
		Flags: []cli.Flag{&cli.BoolFlag{Name: "json", Usage: "print {\"envs\": [paths]}"}},
		Action: func(c *cli.Context) error {
			cfg, err := loadConfig(g.getenv)
			if err != nil {
				return err
			}
			var envs []string
			for _, dir := range cfg.EnvsDirs {
				entries, err := os.ReadDir(dir)
				if err != nil {
					continue
				}
				for _, e := range entries {
					p := filepath.Join(dir, e.Name())
					if e.IsDir() && !strings.HasPrefix(e.Name(), ".") && prefixExists(p) {
						envs = append(envs, p)
					}
				}
			}
			if c.Bool("json") {
				return writeJSON(g.Out, map[string]any{"envs": nonNil(envs)})
			}
			active := g.getenv("CONDA_PREFIX")
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
	cfg, err := loadConfig(g.getenv)
	if err != nil {
		return err
	}
	tarballs := c.Bool("tarballs") || c.Bool("all")
	packages := c.Bool("packages") || c.Bool("all")
	if !tarballs && !packages {
		return usagef("clean: choose --tarballs, --packages or --all")
	}
	cache, err := g.packageCache(cfg, true)
	if err != nil {
		return err
	}
	result := map[string]any{}
	var total int64
	if tarballs {
		rep, err := cache.CleanTarballs(c.Context, c.Bool("dry-run"))
		if err != nil {
			return err
		}
		result["tarballs"] = map[string]any{"paths": nonNil(rep.Paths), "bytes": rep.Bytes}
		total += rep.Bytes
	}
	if packages {
		inUse, err := g.packagesInUse(c, cfg)
		if err != nil {
			return err
		}
		rep, err := cache.CleanUnused(c.Context, inUse, c.Bool("dry-run"))
		if err != nil {
			return err
		}
		result["packages"] = map[string]any{"paths": nonNil(rep.Paths), "bytes": rep.Bytes}
		total += rep.Bytes
	}
	if c.Bool("json") {
		result["success"], result["dry_run"] = true, c.Bool("dry-run")
		return writeJSON(g.Out, result)
	}
	verb := "Removed"
	if c.Bool("dry-run") {
		verb = "Would remove"
	}
	fmt.Fprintf(g.Out, "%s %s from the package cache.\n", verb, humanBytes(total))
	return nil
}

// packagesInUse returns the dist names linked into any environment of the
// envs directories.
func (g *globals) packagesInUse(c *cli.Context, cfg *config) (map[string]bool, error) {
	inUse := map[string]bool{}
	for _, dir := range cfg.EnvsDirs {
		entries, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		for _, e := range entries {
			p := filepath.Join(dir, e.Name())
			if !prefixExists(p) {
				continue
			}
			pd, err := pfx.ReadPrefix(c.Context, p)
			if err != nil {
				return nil, err
			}
			for _, r := range pd.Records {
				inUse[r.DistName()] = true
			}
		}
	}
	return inUse, nil
}
