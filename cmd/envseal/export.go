package main

import (
	"fmt"
	"github.com/envseal/envseal/internal/atomicfile"
	"os"
	"path/filepath"
	"sort"

	"github.com/envseal/envseal/conda"
	"github.com/envseal/envseal/env"
	"github.com/envseal/envseal/lockfile"
	pfx "github.com/envseal/envseal/prefix"
	"github.com/urfave/cli/v2"
)

func exportCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name:  "export",
		Usage: "write an environment (or a lock) as environment.yml, @EXPLICIT, conda-lock.yml or pixi.lock",
		Flags: []cli.Flag{
			nameFlag(), prefixFlag(),
			&cli.StringFlag{Name: "lock", Usage: "export this lockfile instead of an environment"},
			&cli.StringFlag{Name: "lock-env", Usage: "with a pixi.lock: the environment to read"},
			&cli.StringFlag{Name: "format", Value: "environment", Usage: "environment, explicit, conda-lock, pixi or envseal"},
			&cli.BoolFlag{Name: "from-history", Usage: "environment format: only the specs that were asked for"},
			&cli.BoolFlag{Name: "no-builds", Usage: "environment format: name=version without the build string"},
			&cli.StringFlag{Name: "platform", Usage: "platform to export from a lock (default this machine's)"},
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write to this file (atomically) instead of stdout"},
		},
		Action: func(c *cli.Context) error { return g.export(c) },
	}
}

func (g *globals) export(c *cli.Context) error {
	cfg, err := loadConfig(g.getenv)
	if err != nil {
		return err
	}
	format := c.String("format")
	var data []byte
	if path := c.String("lock"); path != "" {
		data, err = g.exportLock(c, path, format)
	} else {
		data, err = g.exportPrefix(c, cfg, format)
	}
	if err != nil {
		return err
	}
	if out := c.String("output"); out != "" {
		return writeFileAtomic(out, data, 0o644)
	}
	_, err = g.Out.Write(data)
	return err
}

func (g *globals) exportPrefix(c *cli.Context, cfg *config, format string) ([]byte, error) {
	prefix, err := g.existingPrefix(c, cfg)
	if err != nil {
		return nil, err
	}
	pd, err := pfx.ReadPrefix(c.Context, prefix)
	if err != nil {
		return nil, err
	}
	recs := make([]*conda.Record, 0, len(pd.Records))
	for _, r := range pd.Records {
		recs = append(recs, &r.Record)
	}
	if format == "environment" || format == "yml" || format == "yaml" {
		vars, err := withoutSealed(fileVariables(pd.Variables), "envseal.lock")
		if err != nil {
			return nil, err
		}
		f := &env.File{Name: filepath.Base(prefix), Prefix: prefix, Variables: vars}
		if c.String("name") != "" {
			f.Name = c.String("name")
		}
		f.Channels = recordChannels(recs)
		var specs []string
		if c.Bool("from-history") {
			specs = pd.RequestedSpecs()
		} else {
			specs = pinnedSpecs(recs, c.Bool("no-builds"))
		}
		if err := addDependencies(f, specs); err != nil {
			return nil, err
		}
		if f.Pip, err = pipExportLines(c.Context, prefix, c.Bool("from-history")); err != nil {
			return nil, err
		}
		return f.Marshal()
	}
	plat := conda.HostPlatform()
	for _, r := range recs {
		if r.Subdir != "" && r.Subdir != "noarch" {
			plat = conda.Platform(r.Subdir)
			break
		}
	}
	l := lockfile.FromRecords(map[conda.Platform][]*conda.Record{plat: recs})
	if lf, err := lockfile.ParseFormat(format); err == nil && lf == lockfile.FormatPylock {
		pkgs, err := prefixPyPI(c.Context, prefix)
		if err != nil {
			return nil, err
		}
		l.PyPI = map[conda.Platform][]*lockfile.PyPIPackage{plat: pkgs}
		for _, w := range lockfile.EncodeWarnings(l, lf, lockfile.EncodeOptions{Platform: plat}) {
			fmt.Fprintln(g.Err, "warning:", w)
		}
	}
	return encodeLock(l, format, plat, c.String("lock-env"))
}

func (g *globals) exportLock(c *cli.Context, path, format string) ([]byte, error) {
	l, err := lockfile.ReadFile(path, lockfile.DecodeOptions{Filename: path, Environment: c.String("lock-env")})
	if err != nil {
		return nil, err
	}
	plat, err := g.targetPlatform(c.String("platform"))
	if err != nil {
		return nil, err
	}
	if format == "environment" || format == "yml" || format == "yaml" {
		recs := l.Records(plat)
		if len(recs) == 0 {
			return nil, fmt.Errorf("%s has no packages for %s (it locks: %v)", path, plat, l.AllPlatforms())
		}
		f := &env.File{Name: "default", Channels: l.Metadata.Channels}
		if !l.Metadata.ExcludeNewer.IsZero() {
			f.ExcludeNewer = conda.FormatCutoff(l.Metadata.ExcludeNewer)
		}
		if len(f.Channels) == 0 {
			f.Channels = recordChannels(recs)
		}
		specs := pinnedSpecs(recs, c.Bool("no-builds"))
		if c.Bool("from-history") {
			if in := l.Metadata.Inputs[plat]; in != nil {
				specs = in.Specs
			}
		}
		if err := addDependencies(f, specs); err != nil {
			return nil, err
		}
		return f.Marshal()
	}
	if lf, err := lockfile.ParseFormat(format); err == nil {
		for _, w := range lockfile.EncodeWarnings(l, lf, lockfile.EncodeOptions{Platform: plat}) {
			fmt.Fprintln(g.Err, "warning:", w)
		}
	}
	return encodeLock(l, format, plat, c.String("lock-env"))
}

func encodeLock(l *lockfile.Lock, format string, plat conda.Platform, envName string) ([]byte, error) {
	f, err := lockfile.ParseFormat(format)
	if err != nil {
		return nil, usagef("--format: %v", err)
	}
	return lockfile.Encode(l, f, lockfile.EncodeOptions{Platform: plat, Environment: envName})
}

// pinnedSpecs are conda env export's exact pins: name=version=build.
func pinnedSpecs(recs []*conda.Record, noBuilds bool) []string {
	out := make([]string, 0, len(recs))
	for _, r := range recs {
		if noBuilds {
			out = append(out, r.Name+"="+r.Version.String())
		} else {
			out = append(out, r.Name+"="+r.Version.String()+"="+r.Build)
		}
	}
	return out
}

// recordChannels lists the records' channels, most used first, ties by
// name, as export writes them.
func recordChannels(recs []*conda.Record) []string {
	count := map[string]int{}
	for _, r := range recs {
		if r.Channel != "" && r.Channel != "@" {
			count[r.Channel]++
		}
	}
	var out []string
	for ch := range count {
		out = append(out, ch)
	}
	sort.Slice(out, func(i, j int) bool {
		if count[out[i]] != count[out[j]] {
			return count[out[i]] > count[out[j]]
		}
		return out[i] < out[j]
	})
	return out
}

func addDependencies(f *env.File, specs []string) error {
	for _, s := range specs {
		ms, err := conda.ParseMatchSpec(s)
		if err != nil {
			return err
		}
		f.Dependencies = append(f.Dependencies, env.Dependency{Text: s, Spec: ms})
	}
	return nil
}

// writeFileAtomic writes data to path via a synced temporary file and a
// rename, so a reader never sees half a file.
func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	return atomicfile.WriteFile(path, data, perm)
}

// fileVariables converts a prefix's conda-meta/state variables to an
// environment file's variables: section.
func fileVariables(vs []pfx.Variable) []env.Variable {
	var out []env.Variable
	for _, v := range vs {
		out = append(out, env.Variable(v))
	}
	return out
}
