package main

import (
	"fmt"
	"strings"

	"github.com/envseal/envseal/guard"
	"github.com/envseal/envseal/ops"
	"github.com/urfave/cli/v2"
)

func mergeDriverCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name:      "merge-driver",
		Usage:     "git merge driver for envseal.lock (secrets merge per entry), or --install it",
		ArgsUsage: "%O %A %B %P",
		Description: `git runs it as 'envseal merge-driver %O %A %B %P' once registered with
--install (git config merge.envseal.* and a .gitattributes line; 'envseal
guard install' registers it too). Secrets merge per entry, by name; a name
changed on both sides is a conflict. Recipients merge as sets; if a side
removed one or rotated, the result gets a fresh data key. The MAC is computed
with your identity (ENVSEAL_IDENTITY_FILE, ENVSEAL_IDENTITY or
~/.config/envseal/identity.txt). Platforms changed on both sides conflict:
run 'envseal lock'. No value is ever printed.`,
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "install", Usage: "register the driver in this git repository"},
			&cli.StringFlag{Name: "envseal", Usage: "with --install: the envseal executable git runs (default: this one)"},
			identityFlag, envNameFlag,
		},
		Action: func(c *cli.Context) error {
			if c.Bool("install") {
				if c.NArg() != 0 {
					return usagef("merge-driver --install takes no arguments")
				}
				res, err := ops.MergeDriverInstall(c.Context, ops.MergeDriverInstallOptions{Envseal: c.String("envseal")})
				if err != nil {
					return err
				}
				printMergeDriver(g, res)
				return nil
			}
			if c.NArg() != 4 {
				return usagef("merge-driver: want %%O %%A %%B %%P (git passes them), or --install")
			}
			a := c.Args().Slice()
			res, err := ops.MergeDriver(c.Context, ops.MergeDriverOptions{Host: g.host(true, nil), IdentityOptions: identityOptions(c),
				Base: a[0], Ours: a[1], Theirs: a[2], Path: a[3]})
			if res != nil {
				if len(res.Secrets) > 0 {
					fmt.Fprintf(g.Err, "envseal: %s: took their %s\n", a[3], strings.Join(res.Secrets, ", "))
				}
				if len(res.Platforms) > 0 {
					fmt.Fprintf(g.Err, "envseal: %s: took their packages for %s\n", a[3], strings.Join(res.Platforms, ", "))
				}
				if res.Rekeyed {
					fmt.Fprintf(g.Err, "envseal: %s: a side removed a recipient or rotated: sealed under a fresh data key\n", a[3])
				}
			}
			return err
		},
	}
}

func printMergeDriver(g *globals, res *guard.MergeDriverResult) {
	if res.Already {
		fmt.Fprintf(g.Err, "envseal: merge driver registered (git config merge.envseal.*); %s already names it\n", res.Attributes)
		return
	}
	fmt.Fprintf(g.Err, "envseal: merge driver registered (git config merge.envseal.*) and named in %s: commit that file so merges of envseal.lock use it\n", res.Attributes)
}
