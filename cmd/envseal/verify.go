package main

import (
	"fmt"
	"io"

	"github.com/envseal/envseal/ops"
	pfx "github.com/envseal/envseal/prefix"
	"github.com/urfave/cli/v2"
)

func verifyCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name:      "verify",
		Usage:     "check an environment against its conda-meta records and a lock (exit 7 on drift)",
		ArgsUsage: "[-n NAME | -p PREFIX] [--lock FILE] [--json] [--repair [--prune]]",
		Description: `Every file the conda-meta records list is checked (sha256 and size; files
untouched since linking, by size and mtime, are not read unless --full).
Files in bin/ and site-packages that no record and no pip RECORD owns are
foreign. With --lock, the installed packages are compared with the lock's
for this platform. --repair relinks damaged packages from the package cache
in one journaled transaction; foreign files are removed only with --prune.`,
		Flags: []cli.Flag{
			nameFlag(), prefixFlag(),
			&cli.StringFlag{Name: "lock", Usage: "also compare with this lockfile's records for this platform"},
			&cli.BoolFlag{Name: "json", Usage: "print the findings as JSON"},
			&cli.BoolFlag{Name: "repair", Usage: "relink damaged packages from the package cache"},
			&cli.BoolFlag{Name: "prune", Usage: "with --repair, also delete foreign files"},
			&cli.BoolFlag{Name: "full", Usage: "hash every file, even those untouched since linking"},
		},
		Action: func(c *cli.Context) error { return g.verify(c) },
	}
}

func (g *globals) verify(c *cli.Context) error {
	asJSON := c.Bool("json")
	res, err := ops.Verify(c.Context, ops.VerifyOptions{Host: g.host(asJSON, nil), Name: c.String("name"), Prefix: c.String("prefix"),
		Lock: c.String("lock"), Full: c.Bool("full"), Repair: c.Bool("repair"), Prune: c.Bool("prune")})
	if err != nil {
		return err
	}
	if r := res.Repaired; r != nil && !asJSON {
		for _, d := range r.Relinked {
			fmt.Fprintf(g.Err, "relinked %s\n", d)
		}
		for _, f := range r.Pruned {
			fmt.Fprintf(g.Err, "removed foreign %s\n", f)
		}
	}
	rep := res.Report
	if asJSON {
		if err := writeJSON(g.Out, rep); err != nil {
			return err
		}
	} else {
		printVerify(g.Out, rep)
	}
	if rep.Clean {
		return nil
	}
	return &silentError{code: exitDrift, err: fmt.Errorf("%s has drifted", rep.Prefix)}
}

func printVerify(w io.Writer, rep *pfx.Report) {
	for _, p := range rep.Packages {
		head := p.Dist
		if head == "" {
			head = p.Name
		}
		fmt.Fprintf(w, "%s\n", head)
		switch p.Lock {
		case pfx.LockMissing:
			fmt.Fprintf(w, "  not installed: the lock pins %s\n", p.Locked)
		case pfx.LockExtra:
			fmt.Fprintf(w, "  not in the lock\n")
		case pfx.LockOtherBuild:
			fmt.Fprintf(w, "  other build: the lock pins %s\n", p.Locked)
		}
		for _, m := range p.Modified {
			fmt.Fprintf(w, "  modified (%s): %s\n", m.Reason, m.Path)
		}
		for _, m := range p.Missing {
			fmt.Fprintf(w, "  missing: %s\n", m)
		}
	}
	if len(rep.Foreign) > 0 {
		fmt.Fprintf(w, "foreign files (no package owns them)\n")
		for _, f := range rep.Foreign {
			fmt.Fprintf(w, "  %s\n", f)
		}
	}
	for _, p := range rep.MetaProblems {
		fmt.Fprintf(w, "unreadable: %s\n", p)
	}
	if rep.Clean {
		fmt.Fprintf(w, "%s: clean (%d files, %d hashed)\n", rep.Prefix, rep.Stats.Files, rep.Stats.Hashed)
		return
	}
	fmt.Fprintf(w, "%s: drift found (repair damaged files with --repair; lock drift with `envseal install --locked`)\n", rep.Prefix)
}
