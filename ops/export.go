package ops

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"

	"github.com/envseal/envseal/conda"
	"github.com/envseal/envseal/env"
	"github.com/envseal/envseal/internal/atomicfile"
	"github.com/envseal/envseal/lockfile"
	pfx "github.com/envseal/envseal/prefix"
)

// ExportOptions are the options of [Export].
type ExportOptions struct {
	Host
	// Name or Prefix is the environment to export (default: the active
	// one); Lock exports a lockfile instead.
	Name, Prefix string
	Lock         string
	// LockEnv is the environment of a pixi.lock.
	LockEnv string
	// Format is environment (default), explicit, conda-lock, pixi or
	// envseal.
	Format string
	// FromHistory (environment format) writes only the specs that were
	// asked for; NoBuilds writes name=version without the build.
	FromHistory, NoBuilds bool
	// Platform is the platform to export from a lock ("" for this
	// machine's, or CONDA_SUBDIR).
	Platform string
	// Output is a file to write atomically; "" only returns the data.
	Output string
}

// ExportResult is what [Export] produced.
type ExportResult struct {
	Data []byte
}

// Export writes an environment (or a lock) as environment.yml,
// @EXPLICIT, conda-lock.yml, pixi.lock or envseal.lock.
func Export(ctx context.Context, o ExportOptions) (*ExportResult, error) {
	h := &o.Host
	cfg, err := h.config()
	if err != nil {
		return nil, err
	}
	format := o.Format
	if format == "" {
		format = "environment"
	}
	var data []byte
	if path := o.Lock; path != "" {
		data, err = h.exportLock(o, path, format)
	} else {
		data, err = h.exportPrefix(ctx, o, cfg, format)
	}
	if err != nil {
		return nil, err
	}
	if out := o.Output; out != "" {
		if err := atomicfile.WriteFile(out, data, 0o644); err != nil {
			return nil, err
		}
	}
	return &ExportResult{Data: data}, nil
}

func (h *Host) exportPrefix(ctx context.Context, o ExportOptions, cfg *config, format string) ([]byte, error) {
	prefix, err := h.existingPrefix(ctx, o.Name, o.Prefix, cfg, "export")
	if err != nil {
		return nil, err
	}
	pd, err := pfx.ReadPrefix(ctx, prefix)
	if err != nil {
		return nil, err
	}
	recs := make([]*conda.Record, 0, len(pd.Records))
	for _, r := range pd.Records {
		recs = append(recs, &r.Record)
	}
	if format == "environment" || format == "yml" || format == "yaml" {
		vars, err := h.withoutSealed(fileVariables(pd.Variables), "envseal.lock")
		if err != nil {
			return nil, err
		}
		f := &env.File{Name: filepath.Base(prefix), Prefix: prefix, Variables: vars}
		if o.Name != "" {
			f.Name = o.Name
		}
		f.Channels = recordChannels(recs)
		var specs []string
		if o.FromHistory {
			specs = pd.RequestedSpecs()
		} else {
			specs = pinnedSpecs(recs, o.NoBuilds)
		}
		if err := addDependencies(f, specs); err != nil {
			return nil, err
		}
		if f.Pip, err = pipExportLines(ctx, prefix, o.FromHistory); err != nil {
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
		pkgs, err := prefixPyPI(ctx, prefix)
		if err != nil {
			return nil, err
		}
		l.PyPI = map[conda.Platform][]*lockfile.PyPIPackage{plat: pkgs}
		h.warnDropped(l, format, plat)
	}
	return encodeLock(l, format, plat, o.LockEnv)
}

func (h *Host) exportLock(o ExportOptions, path, format string) ([]byte, error) {
	l, err := lockfile.ReadFile(path, lockfile.DecodeOptions{Filename: path, Environment: o.LockEnv})
	if err != nil {
		return nil, err
	}
	plat, err := h.targetPlatform(o.Platform)
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
		specs := pinnedSpecs(recs, o.NoBuilds)
		if o.FromHistory {
			if in := l.Metadata.Inputs[plat]; in != nil {
				specs = in.Specs
			}
		}
		if err := addDependencies(f, specs); err != nil {
			return nil, err
		}
		return f.Marshal()
	}
	h.warnDropped(l, format, plat)
	return encodeLock(l, format, plat, o.LockEnv)
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

// fileVariables converts a prefix's conda-meta/state variables to an
// environment file's variables: section.
func fileVariables(vs []pfx.Variable) []env.Variable {
	var out []env.Variable
	for _, v := range vs {
		out = append(out, env.Variable(v))
	}
	return out
}
