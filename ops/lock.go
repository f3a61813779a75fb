package ops

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/envseal/envseal/conda"
	"github.com/envseal/envseal/env"
	"github.com/envseal/envseal/lockfile"
)

// lockTarget is one platform's solve input.
type lockTarget struct {
	in     *solveInput
	inputs lockfile.Inputs
}

// lockTargetsFor is lockTargets for the platforms given (empty: the
// file's, else this machine's).
// envPath is the environment file's path (for a pip: section's --pylock).
func (h *Host) lockTargetsFor(o SolveOptions, cfg *config, f *env.File, envPath string, platforms []string) ([]lockTarget, error) {
	if len(platforms) == 0 {
		platforms = f.Platforms
	}
	if len(platforms) == 0 {
		platforms = []string{string(conda.HostPlatform())}
	}
	priority, err := channelPriority(o, cfg)
	if err != nil {
		return nil, err
	}
	cutoff, err := excludeNewer(o, cfg, f)
	if err != nil {
		return nil, err
	}
	var out []lockTarget
	seen := map[string]bool{}
	for _, p := range platforms {
		plat, err := conda.ParsePlatform(p)
		if err != nil {
			return nil, usagef("--platform: %v", err)
		}
		if seen[string(plat)] {
			continue
		}
		seen[string(plat)] = true
		setup, err := h.newChannelSetupPlatform(o.ChannelOptions, cfg, f.Channels, string(plat))
		if err != nil {
			return nil, err
		}
		in := &solveInput{cfg: cfg, setup: setup, file: f, priority: priority, addPip: cfg.AddPipAsPythonDependency && !o.NoPip, cutoff: cutoff}
		if in.specs, err = fileSpecs(f, plat, setup.chCfg); err != nil {
			return nil, err
		}
		if err := setup.addSpecChannels(in.specs); err != nil {
			return nil, err
		}
		vps, err := h.virtualPackages(plat)
		if err != nil {
			return nil, err
		}
		inputs := lockfile.Inputs{
			Platform:        plat,
			Specs:           specStrings(in.specs),
			PyPISpecs:       pylockPins(f.Pip, envPath),
			ChannelPriority: priority.String(),
			ExcludeNewer:    cutoff,
		}
		for _, ch := range setup.channels {
			templ, _ := lockfile.RedactChannelURL(ch.URLWithCredentials())
			if !ch.HasCredentials() {
				templ = ch.Name()
			}
			inputs.Channels = append(inputs.Channels, templ)
		}
		// "nodefaults" is an input of its own: it decides whether the
		// configured channels join the solve, so a file gaining or losing
		// it makes the lock stale even when the list happens to be equal.
		if setup.noDefaults {
			inputs.Channels = append(inputs.Channels, noDefaultsMarker)
		}
		// Only what the user chose is an input: CONDA_OVERRIDE_* values
		// and the documented defaults of a foreign platform. What this
		// machine happens to detect (its kernel, its CPU level) must not
		// make a teammate's lock stale.
		for _, v := range vps {
			if _, overridden := h.lookupEnv("CONDA_OVERRIDE_" + strings.ToUpper(strings.TrimPrefix(v.Name, "__"))); overridden || v.Defaulted {
				inputs.VirtualPackages = append(inputs.VirtualPackages, v.String())
			}
		}
		out = append(out, lockTarget{in: in, inputs: inputs})
	}
	return out, nil
}

// LockOptions are the options of [Lock]. SolveOptions.File defaults to
// environment.yml; its Platform, Name, Prefix and Specs are not used.
type LockOptions struct {
	Host
	SolveOptions
	// Platforms to lock; empty means the file's platforms:, else this
	// machine's.
	Platforms []string
	// Output is the lockfile to write (default envseal.lock).
	Output string
	// Check only compares the lock with its inputs: a stale lock is an
	// error naming the input that changed.
	Check bool
	// Update relocks only these names, keeping the other locked records
	// where possible.
	Update []string
	// LockTimeout bounds the wait for another envseal writing Output (0:
	// a minute).
	LockTimeout time.Duration
}

// LockResult is what [Lock] did.
type LockResult struct {
	// Output is the lockfile written (or checked).
	Output string `json:"output"`
	// Checked: Check found the lock up to date.
	Checked bool `json:"checked"`
	// Packages is the number of conda records locked per platform.
	Packages map[conda.Platform]int `json:"packages"`
	// Placeholders are the ${VAR} names channel credentials were
	// written as.
	Placeholders []string `json:"placeholders,omitempty"`
	// Replaced: a lock existed at Output before this one was written.
	Replaced bool `json:"replaced"`
	// Changes are, per platform, the packages that differ from the lock
	// that was replaced (none when nothing changed or none existed).
	Changes []lockfile.PlatformDiff `json:"changes"`
}

// Lock solves an environment file for every platform and writes the
// lockfile, keeping the secrets: section of an existing one as it is.
// The pip: section is locked for this machine's platform only.
func Lock(ctx context.Context, o LockOptions) (*LockResult, error) {
	h := &o.Host
	cfg, err := h.config()
	if err != nil {
		return nil, err
	}
	file := o.File
	if file == "" {
		file = "environment.yml"
	}
	f, err := env.ReadFile(file)
	if err != nil {
		return nil, err
	}
	h.warnFile(file, f)
	targets, err := h.lockTargetsFor(o.SolveOptions, cfg, f, file, o.Platforms)
	if err != nil {
		return nil, err
	}
	out := o.Output
	if out == "" {
		out = "envseal.lock"
	}
	res := &LockResult{Output: out, Packages: map[conda.Platform]int{}}
	old, err := lockfile.ReadFile(out, lockfile.DecodeOptions{Filename: out, Format: lockfile.FormatEnvseal})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	span := relativeSpan(o.SolveOptions, cfg, f)
	if span != "" && old != nil && old.Metadata.ExcludeNewerSpan == span && !old.Metadata.ExcludeNewer.IsZero() {
		for _, t := range targets {
			t.in.cutoff = old.Metadata.ExcludeNewer
		}
		for i := range targets {
			targets[i].inputs.ExcludeNewer = old.Metadata.ExcludeNewer
		}
	}
	if o.Check {
		if old == nil {
			return nil, fmt.Errorf("%s does not exist: run `envseal lock`", out)
		}
		var inputs []lockfile.Inputs
		for _, t := range targets {
			inputs = append(inputs, t.inputs)
		}
		if stale := old.StaleAll(inputs); len(stale) > 0 {
			return nil, &StaleLockError{Lock: out, File: file, Changed: stale}
		}
		res.Checked = true
		return res, nil
	}
	l := lockfile.New()
	l.Metadata.Sources = []string{filepath.ToSlash(file)}
	update := o.Update
	for _, t := range targets {
		var locked []*conda.Record
		if len(update) > 0 && old != nil {
			skip := map[string]bool{}
			for _, n := range update {
				skip[n] = true
			}
			for _, r := range old.Records(t.inputs.Platform) {
				if !skip[r.Name] {
					locked = append(locked, r)
				}
			}
		}
		sol, _, err := h.solveWith(ctx, t.in, nil, locked)
		if err != nil {
			return nil, fmt.Errorf("locking %s: %w", t.inputs.Platform, err)
		}
		// Records of a channel with credentials keep them in their URL
		// here; Redact below turns them into ${VAR} placeholders, so an
		// install from the lock can put them back (from the environment or
		// the sealed secrets) and reach the private channel.
		recs := make([]*conda.Record, len(sol.Records))
		for i, r := range sol.Records {
			recs[i] = r
			if u := t.in.setup.credentialedURL(r); u != r.URL {
				cp := *r
				cp.URL = u
				recs[i] = &cp
			}
		}
		l.SetRecords(t.inputs.Platform, recs)
		l.SetInputs(t.inputs)
		l.Metadata.ExcludeNewer = t.inputs.ExcludeNewer
		if !l.Metadata.ExcludeNewer.IsZero() {
			l.Metadata.ExcludeNewerSpan = span
		}
		if len(f.Pip) > 0 {
			if t.inputs.Platform != conda.HostPlatform() {
				h.noticef("the pip: section is not locked for %s: pip resolves only for the platform it runs on (%s)", t.inputs.Platform, conda.HostPlatform())
			} else {
				pkgs, err := h.resolvePipSection(ctx, cfg, t.in, sol.Records, file)
				if err != nil {
					return nil, err
				}
				if l.PyPI == nil {
					l.PyPI = map[conda.Platform][]*lockfile.PyPIPackage{}
				}
				l.PyPI[t.inputs.Platform] = pkgs
			}
		}
		if len(l.Metadata.Channels) == 0 {
			for _, ch := range t.inputs.Channels {
				if ch != noDefaultsMarker {
					l.Metadata.Channels = append(l.Metadata.Channels, ch)
				}
			}
			l.Metadata.ChannelPriority = t.inputs.ChannelPriority
		}
		res.Packages[t.inputs.Platform] = len(sol.Records)
		if !h.Quiet {
			h.noticef("locked %d packages for %s", len(sol.Records), t.inputs.Platform)
		}
	}
	if vars := l.Redact(); len(vars) > 0 {
		names := make([]string, 0, len(vars))
		for k := range vars {
			names = append(names, k)
		}
		sort.Strings(names)
		res.Placeholders = names
		h.noticef("channel credentials were written as placeholders: %s\n  store their values with `envseal secrets set NAME` (or export them) so installs can expand them", strings.Join(names, ", "))
	}
	l.Sort()
	// The solve ran without the write lock (it can take long); the secrets
	// section is read again under it, so a `secrets set` that landed
	// meanwhile is kept.
	wl, err := h.lockForWrite(ctx, out, o.LockTimeout)
	if err != nil {
		return nil, err
	}
	defer wl.Release()
	current, err := lockfile.ReadFile(out, lockfile.DecodeOptions{Filename: out, Format: lockfile.FormatEnvseal})
	switch {
	case err == nil:
		l.Secrets = current.Secrets
		res.Replaced = true
		res.Changes = lockfile.Diff(current, l)
	case errors.Is(err, fs.ErrNotExist):
		l.Secrets = nil
	default:
		return nil, err
	}
	if err := lockfile.WriteFile(out, l); err != nil {
		return nil, err
	}
	if !h.Quiet {
		h.noticef("wrote %s", out)
	}
	return res, nil
}

// isLockFile tells a lockfile (envseal.lock, conda-lock.yml, pixi.lock,
// @EXPLICIT) from an environment.yml by its content.
func isLockFile(path string) (bool, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return false, err
	}
	return lockfile.Detect(data) != lockfile.FormatUnknown, nil
}
