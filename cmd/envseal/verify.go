package main

import (
	"fmt"

	"github.com/envseal/envseal/ops"
	"github.com/urfave/cli/v2"
)

func verifyCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name: "verify", Usage: "check an environment against its conda-meta records and a lock (exit 7 on drift)",
		ArgsUsage: "[-n NAME | -p PREFIX] [--lock FILE] [--json] [--repair [--prune]]",
		Description: `Every file the conda-meta records list is checked (sha256 and size; files
untouched since linking, by size and mtime, are not read unless --full).
Files in bin/ and site-packages that no record and no pip RECORD owns are
foreign. With --lock, the installed packages are compared with the lock's
for this platform. --repair relinks damaged packages from the package cache
in one journaled transaction; foreign files are removed only with --prune.`,
		Flags: []cli.Flag{
			nameFlag, prefixFlag,
			&cli.StringFlag{Name: "lock", Usage: "also compare with this lockfile's records for this platform"},
			jsonFlag("print the findings as JSON"),
			&cli.BoolFlag{Name: "repair", Usage: "relink damaged packages from the package cache"},
			&cli.BoolFlag{Name: "prune", Usage: "with --repair, also delete foreign files"},
			&cli.BoolFlag{Name: "full", Usage: "hash every file, even those untouched since linking"},
		},
		Action: func(c *cli.Context) error {
			asJSON := c.Bool("json")
			res, err := ops.Verify(c.Context, ops.VerifyOptions{Host: g.host(asJSON, nil), Name: c.String("name"), Prefix: c.String("prefix"),
				Lock: c.String("lock"), Full: c.Bool("full"), Repair: c.Bool("repair"), Prune: c.Bool("prune")})
			if err != nil {
				return err
			}
			if !asJSON {
				res.WriteRepairs(g.Err)
			}
			if err := g.show(c, res.Report, res.WriteText); err != nil || res.Report.Clean {
				return err
			}
			return &silentError{code: exitDrift, err: fmt.Errorf("%s has drifted", res.Report.Prefix)}
		},
	}
}
