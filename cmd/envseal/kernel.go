package main

import (
	"fmt"

	"github.com/envseal/envseal/ops"
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

func kernelDirs(c *cli.Context) ops.KernelDirOptions {
	return ops.KernelDirOptions{User: c.Bool("user"), PrefixDir: c.String("prefix-dir")}
}

func (g *globals) kernelInstall(c *cli.Context) error {
	res, err := ops.KernelInstall(c.Context, ops.KernelInstallOptions{Host: g.host(true, nil), KernelDirOptions: kernelDirs(c),
		Name: c.String("name"), Prefix: c.String("path"), KernelName: c.String("kernel-name"),
		DisplayName: c.String("display-name"), Lock: c.String("lock")})
	if err != nil {
		return err
	}
	if c.Bool("json") {
		return writeJSON(g.Out, res)
	}
	fmt.Fprintf(g.Out, "installed kernel %s in %s\n", res.Name, res.Dir)
	return nil
}

func (g *globals) kernelList(c *cli.Context) error {
	ks, err := ops.KernelList(c.Context, ops.KernelListOptions{Host: g.host(true, nil), KernelDirOptions: kernelDirs(c)})
	if err != nil {
		return err
	}
	if c.Bool("json") {
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
	dir, err := ops.KernelRemove(c.Context, ops.KernelRemoveOptions{Host: g.host(true, nil), KernelDirOptions: kernelDirs(c), Kernel: c.Args().First()})
	if err != nil {
		return err
	}
	if c.Bool("json") {
		return writeJSON(g.Out, map[string]string{"removed": dir})
	}
	fmt.Fprintf(g.Out, "removed %s\n", dir)
	return nil
}
