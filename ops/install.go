package ops

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/envseal/envseal/conda"
	"github.com/envseal/envseal/env"
	pfx "github.com/envseal/envseal/prefix"
)

// InstallOptions are the options of [Install] and [InstallLocked].
type InstallOptions struct {
	Host
	LockedOptions
	// DryRun solves and changes nothing.
	DryRun bool
}

// UpdateOptions are the options of [Update]; Specs name the packages to
// update.
type UpdateOptions struct {
	Host
	SolveOptions
	// All updates every package.
	All    bool
	DryRun bool
}

// Change is what a solve means for an existing prefix.
type Change struct {
	// Link are the records to link, in dependency order.
	Link []*conda.Record
	// Unlink are the installed names to unlink, sorted.
	Unlink []string
}

// Empty reports whether the change does nothing.
func (c Change) Empty() bool { return len(c.Link) == 0 && len(c.Unlink) == 0 }

func (ch change) export() Change { return Change{Link: ch.link, Unlink: ch.unlink} }

// InstallResult is what [Install], [Update] or [InstallLocked] did.
type InstallResult struct {
	Prefix string
	DryRun bool
	// Plan is the solve (its Records are the records linked); nil for
	// InstallLocked.
	Plan   *Plan
	Change Change
	// UpToDate: the conda packages already matched; nothing was linked.
	UpToDate bool
}

// Install adds specs (and an environment.yml's) to the environment at
// o.Name or o.Prefix (default: the active one, CONDA_PREFIX), keeping
// what is installed unless a spec needs a change, then installs the
// file's pip: section. It sends [*ChangeReady] before it changes the
// prefix. Lockfiles are [InstallLocked]'s.
func Install(ctx context.Context, o InstallOptions) (*InstallResult, error) {
	return modify(ctx, &o.Host, o.SolveOptions, "install", false, o.DryRun)
}

// Update updates the named packages (or all of them) of an environment to
// the newest versions its specs allow.
func Update(ctx context.Context, o UpdateOptions) (*InstallResult, error) {
	return modify(ctx, &o.Host, o.SolveOptions, "update", o.All, o.DryRun)
}

// existingPrefix resolves -n/-p (or the active environment) to a prefix
// that must hold an environment, after finishing or rolling back any
// transaction a killed envseal left in it.
func (h *Host) existingPrefix(ctx context.Context, name, prefix string, cfg *config, verb string) (string, error) {
	_, prefix, err := h.targetPrefix(name, prefix, cfg, nil)
	if err != nil {
		return "", err
	}
	if prefix == "" {
		prefix = h.getenv("CONDA_PREFIX")
	}
	if prefix == "" {
		return "", usagef("%s: give -n NAME or -p PREFIX (no environment is active)", verb)
	}
	if !prefixExists(prefix) {
		if _, err := os.Stat(prefix); err == nil {
			if err := pfx.Recover(ctx, prefix); err != nil {
				return "", err
			}
		}
		if !prefixExists(prefix) {
			return "", fmt.Errorf("no environment at %s (create one with `envseal create`)", prefix)
		}
	}
	if err := pfx.Recover(ctx, prefix); err != nil {
		return "", fmt.Errorf("recovering %s: %w", prefix, err)
	}
	return prefix, nil
}

// modify is install and update: solve the environment's requested specs
// plus the new ones against what is installed, then apply the difference.
func modify(ctx context.Context, h *Host, o SolveOptions, verb string, all, dryRun bool) (*InstallResult, error) {
	cfg, err := h.config()
	if err != nil {
		return nil, err
	}
	prefix, err := h.existingPrefix(ctx, o.Name, o.Prefix, cfg, verb)
	if err != nil {
		return nil, err
	}
	pd, err := h.readPrefix(ctx, prefix)
	if err != nil {
		return nil, err
	}
	in, err := h.readSolveInput(o, cfg)
	if err != nil {
		return nil, err
	}
	in.prefix, in.name = prefix, filepath.Base(prefix)
	newSpecs := in.specs
	installed := make([]*conda.Record, 0, len(pd.Records))
	for _, r := range pd.Records {
		installed = append(installed, &r.Record)
	}
	switch verb {
	case "update":
		if all {
			installed = nil
		} else {
			if len(newSpecs) == 0 {
				return nil, usagef("update: name the packages to update, or --all")
			}
			drop := map[string]bool{}
			for _, s := range newSpecs {
				if pd.Record(s.Name) == nil {
					return nil, fmt.Errorf("update: %s is not installed in %s", s.Name, prefix)
				}
				drop[s.Name] = true
			}
			kept := installed[:0]
			for _, r := range installed {
				if !drop[r.Name] {
					kept = append(kept, r)
				}
			}
			installed = kept
		}
	case "install":
		if len(newSpecs) == 0 {
			return nil, usagef("install: nothing to install: give specs or -f environment.yml")
		}
	}
	// The history's specs still hold; a new spec for the same name
	// replaces the old one.
	in.specs = mergeSpecs(pd.RequestedSpecs(), newSpecs, in.setup.chCfg)
	if len(in.specs) == 0 {
		for _, r := range pd.Records {
			s, _ := conda.ParseMatchSpec(r.Name)
			in.specs = append(in.specs, s)
		}
	}
	sol, _, err := h.solve(ctx, in, installed)
	if err != nil {
		return nil, err
	}
	ch := diffPrefix(sol.Records, pd.Records)
	res := &InstallResult{Prefix: prefix, DryRun: dryRun, Plan: in.plan(ch.link), Change: ch.export()}
	if len(ch.link) == 0 && len(ch.unlink) == 0 {
		res.UpToDate = true
		if !dryRun {
			if err := h.installPipSection(ctx, prefix, o.File, in.file, h.Quiet); err != nil {
				return nil, err
			}
		}
		return res, nil
	}
	h.emit(&ChangeReady{Prefix: prefix, Change: res.Change, Installed: pd})
	if dryRun {
		return res, nil
	}
	var vars []env.Variable
	if in.file != nil {
		vars = append([]env.Variable{}, in.file.Variables...)
	}
	if _, err := h.apply(ctx, cfg, ch, applyOptions{
		prefix:      prefix,
		requested:   requestedNames(newSpecs),
		updateSpecs: specStrings(newSpecs),
		variables:   vars,
		quiet:       h.Quiet,
		urlFor:      in.setup.credentialedURL,
	}); err != nil {
		return nil, err
	}
	if err := h.installPipSection(ctx, prefix, o.File, in.file, h.Quiet); err != nil {
		return nil, err
	}
	return res, nil
}

// mergeSpecs parses the history specs (with the channel configuration, so
// that "defaults::" and custom channel names mean what it says) and lets a
// new spec replace an old one of the same name.
func mergeSpecs(history []string, newSpecs []conda.MatchSpec, chCfg conda.ChannelConfig) []conda.MatchSpec {
	replaced := map[string]bool{}
	for _, s := range newSpecs {
		replaced[s.Name] = true
	}
	var out []conda.MatchSpec
	for _, h := range history {
		s, err := conda.ParseMatchSpecWithConfig(h, chCfg)
		if err != nil || replaced[s.Name] {
			continue
		}
		out = append(out, s)
	}
	return append(out, newSpecs...)
}

// RemoveOptions are the options of [Remove].
type RemoveOptions struct {
	Host
	// Name or Prefix is the environment (default: the active one).
	Name, Prefix string
	// Packages are the names (or specs) to remove.
	Packages []string
	// All removes the whole environment.
	All    bool
	DryRun bool
}

// RemoveResult is what [Remove] did.
type RemoveResult struct {
	Prefix string
	DryRun bool
	// All: the whole environment was (or would be) removed.
	All bool
	// Change lists what was unlinked: the packages and what depends on
	// them.
	Change Change
}

// Remove removes packages (and what depends on them) from an environment,
// or the whole environment with All. It sends [*ChangeReady] before it
// changes the prefix.
func Remove(ctx context.Context, o RemoveOptions) (*RemoveResult, error) {
	h := &o.Host
	cfg, err := h.config()
	if err != nil {
		return nil, err
	}
	prefix, err := h.existingPrefix(ctx, o.Name, o.Prefix, cfg, "remove")
	if err != nil {
		return nil, err
	}
	res := &RemoveResult{Prefix: prefix, DryRun: o.DryRun, All: o.All}
	if o.All {
		if o.DryRun {
			return res, nil
		}
		return res, removePrefix(prefix)
	}
	if len(o.Packages) == 0 {
		return nil, usagef("remove: name the packages to remove, or --all")
	}
	pd, err := pfx.ReadPrefix(ctx, prefix)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, n := range o.Packages {
		spec, err := conda.ParseMatchSpec(n)
		if err != nil {
			return nil, &UsageError{Msg: err.Error()}
		}
		if pd.Record(spec.Name) == nil {
			return nil, fmt.Errorf("package %s is not installed in %s", spec.Name, prefix)
		}
		names = append(names, spec.Name)
	}
	ch := change{unlink: dependents(pd.Records, names)}
	res.Change = ch.export()
	h.emit(&ChangeReady{Prefix: prefix, Change: res.Change, Installed: pd})
	if o.DryRun {
		return res, nil
	}
	if _, err := h.apply(ctx, cfg, ch, applyOptions{prefix: prefix, removeSpecs: names, quiet: true}); err != nil {
		return nil, err
	}
	return res, nil
}

// dependents returns names plus every installed package that depends on
// one of them, directly or not, sorted: removing a library removes what
// cannot work without it, as conda does.
func dependents(installed []*pfx.InstalledRecord, names []string) []string {
	gone := map[string]bool{}
	for _, n := range names {
		gone[n] = true
	}
	for changed := true; changed; {
		changed = false
		for _, r := range installed {
			if gone[r.Name] {
				continue
			}
			for _, d := range r.Depends {
				n, _, _ := strings.Cut(strings.TrimSpace(d), " ")
				if gone[n] {
					gone[r.Name] = true
					changed = true
					break
				}
			}
		}
	}
	out := make([]string, 0, len(gone))
	for n := range gone {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// removePrefix deletes a whole environment: it is first renamed aside in
// one step, so that it is never seen half deleted.
func removePrefix(prefix string) error {
	if prefix == "/" || filepath.Dir(prefix) == prefix {
		return errors.New("refusing to remove a root directory")
	}
	trash := filepath.Join(filepath.Dir(prefix), "."+filepath.Base(prefix)+".envseal-removing")
	if err := os.RemoveAll(trash); err != nil {
		return err
	}
	if err := os.Rename(prefix, trash); err != nil {
		return fmt.Errorf("removing %s: %w", prefix, err)
	}
	return os.RemoveAll(trash)
}

// readPrefix reads an environment's conda-meta, warning about the records
// it had to skip.
func (h *Host) readPrefix(ctx context.Context, prefix string) (*pfx.PrefixData, error) {
	pd, err := pfx.ReadPrefix(ctx, prefix)
	if err != nil {
		return nil, err
	}
	for _, p := range pd.Problems {
		h.warnf("%v", p)
	}
	return pd, nil
}
