package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	"github.com/envseal/envseal/kernel"
	"github.com/urfave/cli/v2"
)

func kernelCommand(g *globals) *cli.Command {
	where := []cli.Flag{
		&cli.BoolFlag{Name: "user", Usage: "the user's Jupyter data directory (the default; $JUPYTER_DATA_DIR or ~/.local/share/jupyter)"},
		&cli.StringFlag{Name: "prefix-dir", Aliases: []string{"prefix"}, Usage: "the Jupyter data directory of this installation prefix (DIR/share/jupyter)"},
		&cli.BoolFlag{Name: "json", Usage: "print JSON"},
	}
	return &cli.Command{
		Name:  "kernel",
		Usage: "Jupyter kernels that start an environment's python through `envseal run`",
		Subcommands: []*cli.Command{
			{
				Name:      "install",
				Usage:     "write a kernelspec for an environment (sealed secrets reach the kernel, no file)",
				ArgsUsage: "[-n NAME | -p PATH] [--display-name TEXT] [--user | --prefix DIR]",
				Flags: append([]cli.Flag{
					nameFlag(),
					&cli.StringFlag{Name: "path", Aliases: []string{"p"}, Usage: "environment path"},
					&cli.StringFlag{Name: "kernel-name", Usage: "kernel name (default envseal-<environment>)"},
					&cli.StringFlag{Name: "display-name", Usage: "name shown by Jupyter"},
					&cli.StringFlag{Name: "lock", Value: "envseal.lock", Usage: "lockfile whose secrets the kernel gets"},
				}, where...),
				Action: func(c *cli.Context) error { return g.kernelInstall(c) },
			},
			{
				Name:   "list",
				Usage:  "list the kernelspecs Jupyter finds (envseal's marked)",
				Flags:  where,
				Action: func(c *cli.Context) error { return g.kernelList(c) },
			},
			{
				Name:      "remove",
				Usage:     "remove an envseal kernelspec",
				ArgsUsage: "KERNEL",
				Flags:     where,
				Action:    func(c *cli.Context) error { return g.kernelRemove(c) },
			},
		},
	}
}

func (g *globals) jupyterDirs() kernel.Dirs {
	d := kernel.Dirs{Home: g.getenv("HOME"), DataDir: g.getenv("JUPYTER_DATA_DIR"),
		XDGDataHome: g.getenv("XDG_DATA_HOME"), GOOS: runtime.GOOS}
	if p := g.getenv("JUPYTER_PATH"); p != "" {
		d.Path = filepath.SplitList(p)
	}
	return d
}

// kernelDataDirs returns the data directory chosen by --user/--prefix
// (install) and the directories to search (list, remove).
func (g *globals) kernelDataDirs(c *cli.Context) (target string, search []string, err error) {
	d := g.jupyterDirs()
	if c.Bool("user") && c.String("prefix-dir") != "" {
		return "", nil, usagef("%s: --user and --prefix cannot be used together", c.Command.Name)
	}
	if p := c.String("prefix-dir"); p != "" {
		abs, err := filepath.Abs(expandHome(p, g.getenv("HOME")))
		if err != nil {
			return "", nil, err
		}
		dir := kernel.PrefixDataDir(abs)
		return dir, []string{dir}, nil
	}
	target, err = d.UserDataDir()
	if err != nil {
		return "", nil, err
	}
	if c.Bool("user") {
		return target, []string{target}, nil
	}
	return target, d.SearchPath(), nil
}

func (g *globals) kernelInstall(c *cli.Context) error {
	if c.String("name") != "" && c.String("path") != "" {
		return usagef("kernel install: -n/--name and -p/--path cannot be used together")
	}
	cfg, err := loadConfig(g.getenv)
	if err != nil {
		return err
	}
	var envName, prefix string
	switch {
	case c.String("path") != "":
		if prefix, err = filepath.Abs(expandHome(c.String("path"), g.getenv("HOME"))); err != nil {
			return err
		}
		envName = filepath.Base(prefix)
	case c.String("name") != "":
		envName = c.String("name")
		if err := checkEnvName(envName); err != nil {
			return err
		}
		prefix = filepath.Join(cfg.EnvsDirs[0], envName)
	default:
		return usagef("kernel install: give -n NAME or -p PATH")
	}
	if !prefixExists(prefix) {
		return fmt.Errorf("no environment at %s (create one with `envseal create`)", prefix)
	}
	lock, err := filepath.Abs(c.String("lock"))
	if err != nil {
		return err
	}
	if _, err := os.Stat(lock); err != nil {
		return fmt.Errorf("kernel install: the lock %s: %w (give --lock FILE: its sealed secrets reach the kernel)", lock, err)
	}
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("kernel install: finding envseal's own path: %w", err)
	}
	if exe, err = filepath.EvalSymlinks(exe); err != nil {
		return err
	}
	name := c.String("kernel-name")
	if name == "" {
		name = kernel.NameFor(envName)
	}
	display := c.String("display-name")
	if display == "" {
		display = fmt.Sprintf("Python (%s, envseal)", envName)
	}
	target, _, err := g.kernelDataDirs(c)
	if err != nil {
		return err
	}
	dir, err := kernel.Install(kernel.InstallOptions{Name: name, DisplayName: display, Envseal: exe,
		Lock: lock, Prefix: prefix, DataDir: target})
	if err != nil {
		return err
	}
	if c.Bool("json") {
		return writeJSON(g.Out, map[string]string{"name": filepath.Base(dir), "dir": dir})
	}
	fmt.Fprintf(g.Out, "installed kernel %s in %s\n", filepath.Base(dir), dir)
	return nil
}

func (g *globals) kernelList(c *cli.Context) error {
	_, search, err := g.kernelDataDirs(c)
	if err != nil {
		return err
	}
	ks, err := kernel.List(search)
	if err != nil {
		return err
	}
	if c.Bool("json") {
		if ks == nil {
			ks = []*kernel.Kernel{}
		}
		return writeJSON(g.Out, ks)
	}
	for _, k := range ks {
		mark := " "
		if k.Envseal {
			mark = "*"
		}
		fmt.Fprintf(g.Out, "%s %-24s %s\n", mark, k.Name, k.Dir)
		if k.Envseal {
			fmt.Fprintf(g.Out, "    %s (lock %s)\n", k.Prefix, k.Lock)
		}
	}
	return nil
}

func (g *globals) kernelRemove(c *cli.Context) error {
	if c.NArg() != 1 {
		return usagef("kernel remove: give one KERNEL name")
	}
	_, search, err := g.kernelDataDirs(c)
	if err != nil {
		return err
	}
	dir, err := kernel.Remove(search, c.Args().First(), false)
	if errors.Is(err, kernel.ErrBadName) {
		return usagef("kernel remove: %v", err)
	}
	if err != nil {
		return err
	}
	if c.Bool("json") {
		return writeJSON(g.Out, map[string]string{"removed": dir})
	}
	fmt.Fprintf(g.Out, "removed %s\n", dir)
	return nil
}
