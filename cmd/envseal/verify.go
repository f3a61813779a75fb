package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/envseal/envseal/conda"
	"github.com/envseal/envseal/internal/pkgcache"
	"github.com/envseal/envseal/lockfile"
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
	if c.Bool("prune") && !c.Bool("repair") {
		return usagef("verify: --prune needs --repair")
	}
	cfg, err := loadConfig(g.getenv)
	if err != nil {
		return err
	}
	prefix, err := g.existingPrefix(c, cfg)
	if err != nil {
		return err
	}
	opts := &pfx.VerifyOptions{Full: c.Bool("full")}
	if path := c.String("lock"); path != "" {
		l, err := lockfile.ReadFile(path, lockfile.DecodeOptions{Filename: path})
		if err != nil {
			return err
		}
		plat, err := g.targetPlatform("")
		if err != nil {
			return err
		}
		opts.Locked = l.Records(plat)
		if opts.Locked == nil {
			opts.Locked = []*conda.Record{}
		}
	}
	rep, err := pfx.Verify(c.Context, prefix, opts)
	if err != nil {
		return err
	}
	if c.Bool("repair") && (len(rep.Damaged()) > 0 || (c.Bool("prune") && len(rep.Foreign) > 0)) {
		cache, err := g.packageCache(cfg, c.Bool("json"))
		if err != nil {
			return err
		}
		res, err := pfx.Repair(c.Context, prefix, rep, cacheSource{cache}, &pfx.RepairOptions{
			Prune: c.Bool("prune"), Cmd: historyCmd(os.Args),
			Apply: &pfx.ApplyOptions{Version: "envseal " + version},
		})
		if err != nil {
			return err
		}
		if !c.Bool("json") {
			for _, d := range res.Relinked {
				fmt.Fprintf(g.Err, "relinked %s\n", d)
			}
			for _, f := range res.Pruned {
				fmt.Fprintf(g.Err, "removed foreign %s\n", f)
			}
		}
		if rep, err = pfx.Verify(c.Context, prefix, opts); err != nil {
			return err
		}
	}
	if c.Bool("json") {
		if err := writeJSON(g.Out, rep); err != nil {
			return err
		}
	} else {
		printVerify(g.Out, rep)
	}
	if rep.Clean {
		return nil
	}
	return &silentError{code: exitDrift, err: fmt.Errorf("%s has drifted", prefix)}
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

// cacheSource hands prefix.Repair the package cache's extractions.
type cacheSource struct{ c *pkgcache.Cache }

func (s cacheSource) Packages(ctx context.Context, recs []*conda.Record, again bool) ([]pfx.Package, error) {
	if again {
		for _, r := range recs {
			if err := s.c.Discard(ctx, r); err != nil {
				return nil, err
			}
		}
	}
	entries, err := s.c.Fetch(ctx, recs, nil)
	if err != nil {
		return nil, err
	}
	out := make([]pfx.Package, len(entries))
	for i, e := range entries {
		out[i] = pfx.Package{Record: recs[i], Dir: e.Dir, Tarball: e.Archive}
	}
	return out, nil
}
