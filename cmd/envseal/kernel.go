package main

import (
	"fmt"
	"io"

	"github.com/envseal/envseal/kernel"
	"github.com/envseal/envseal/ops"
	"github.com/urfave/cli/v2"
)

func kernelCommand(g *globals) *cli.Command {
	where := []cli.Flag{
		&cli.BoolFlag{Name: "user", Usage: "the user's Jupyter data directory (the default; $JUPYTER_DATA_DIR or ~/.local/share/jupyter)"},
		&cli.StringFlag{Name: "prefix-dir", Aliases: []string{"prefix"}, Usage: "the Jupyter data directory of this installation prefix (DIR/share/jupyter)"},
		jsonFlag("print JSON"),
	}
	dirs := func(c *cli.Context) ops.KernelDirOptions {
		return ops.KernelDirOptions{User: c.Bool("user"), PrefixDir: c.String("prefix-dir")}
	}
	return &cli.Command{
		Name: "kernel", Usage: "Jupyter kernels that start an environment's python through `envseal run`",
		Subcommands: []*cli.Command{
			{
				Name: "install", Usage: "write a kernelspec for an environment (sealed secrets reach the kernel, no file)",
				ArgsUsage: "[-n NAME | -p PATH] [--display-name TEXT] [--user | --prefix DIR]",
				Flags: append([]cli.Flag{
					nameFlag,
					&cli.StringFlag{Name: "path", Aliases: []string{"p"}, Usage: "environment path"},
					&cli.StringFlag{Name: "kernel-name", Usage: "kernel name (default envseal-<environment>)"},
					&cli.StringFlag{Name: "display-name", Usage: "name shown by Jupyter"},
					&cli.StringFlag{Name: "lock", Value: "envseal.lock", Usage: "lockfile whose secrets the kernel gets"},
				}, where...),
				Action: func(c *cli.Context) error {
					res, err := ops.KernelInstall(c.Context, ops.KernelInstallOptions{Host: g.host(true, nil), KernelDirOptions: dirs(c),
						Name: c.String("name"), Prefix: c.String("path"), KernelName: c.String("kernel-name"),
						DisplayName: c.String("display-name"), Lock: c.String("lock")})
					if err != nil {
						return err
					}
					return g.show(c, res, func(w io.Writer) { fmt.Fprintf(w, "installed kernel %s in %s\n", res.Name, res.Dir) })
				},
			},
			{
				Name: "list", Usage: "list the kernelspecs Jupyter finds (envseal's marked)", Flags: where,
				Action: func(c *cli.Context) error {
					ks, err := ops.KernelList(c.Context, ops.KernelListOptions{Host: g.host(true, nil), KernelDirOptions: dirs(c)})
					if err != nil {
						return err
					}
					return g.show(c, ks, func(w io.Writer) { kernel.WriteList(w, ks) })
				},
			},
			{
				Name: "remove", Usage: "remove an envseal kernelspec", ArgsUsage: "KERNEL", Flags: where,
				Before: wantArgs(1, "kernel remove: give one KERNEL name"),
				Action: func(c *cli.Context) error {
					dir, err := ops.KernelRemove(c.Context, ops.KernelRemoveOptions{Host: g.host(true, nil), KernelDirOptions: dirs(c), Kernel: c.Args().First()})
					if err != nil {
						return err
					}
					return g.show(c, map[string]string{"removed": dir}, func(w io.Writer) { fmt.Fprintf(w, "removed %s\n", dir) })
				},
			},
		},
	}
}
