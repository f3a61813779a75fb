package ops

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/envseal/envseal/conda"
	"github.com/envseal/envseal/env"
	"github.com/envseal/envseal/lockfile"
	pfx "github.com/envseal/envseal/prefix"
	"github.com/envseal/envseal/secrets"
)

// lockedPlan reads a lockfile (any format) and returns the records of the
// target platform, with ${VAR} placeholders in their URLs expanded from
// the environment or the lock's sealed secrets. It refuses a stale lock
// (its environment.yml changed since) unless --frozen.
func (h *Host) lockedPlan(o LockedOptions, cfg *config, path string) (*lockfile.Lock, []*conda.Record, conda.Platform, []string, error) {
	l, err := lockfile.ReadFile(path, lockfile.DecodeOptions{Filename: path, Environment: o.LockEnv})
	if err != nil {
		return nil, nil, "", nil, err
	}
	plat, err := h.targetPlatform(o.Platform)
	if err != nil {
		return nil, nil, "", nil, err
	}
	recs := l.Records(plat)
	if len(recs) == 0 {
		return nil, nil, "", nil, fmt.Errorf("%s has no packages for %s (it locks: %v); lock it with `envseal lock --platform %s`", path, plat, l.AllPlatforms(), plat)
	}
	var specs []string
	if in := l.Metadata.Inputs[plat]; in != nil {
		specs = in.Specs
		if !o.Frozen {
			if err := h.checkFresh(o.SolveOptions, cfg, l, path, plat); err != nil {
				return nil, nil, "", nil, err
			}
		}
	}
	lookup, openErr := h.placeholderLookupErr(o.Identity, l, path)
	for _, r := range recs {
		if strings.Contains(r.URL, "${") {
			u, err := lockfile.ExpandChannelURL(r.URL, lookup)
			if err != nil {
				if oerr := openErr(); oerr != nil {
					return nil, nil, "", nil, oerr
				}
				return nil, nil, "", nil, fmt.Errorf("%s: package %s: %w", path, r.DistName(), err)
			}
			r.URL = u
		}
		if r.SHA256 == "" && r.MD5 == "" {
			return nil, nil, "", nil, fmt.Errorf("%s: package %s has no sha256 or md5 to verify it by", path, r.DistName())
		}
	}
	return l, recs, plat, specs, nil
}

// checkFresh compares the lock with the environment file it was made
// from, when that file is still there.
func (h *Host) checkFresh(o SolveOptions, cfg *config, l *lockfile.Lock, path string, plat conda.Platform) error {
	for _, src := range l.Metadata.Sources {
		p := src
		if !filepath.IsAbs(p) {
			p = filepath.Join(filepath.Dir(path), filepath.FromSlash(src))
		}
		f, err := env.ReadFile(p)
		if err != nil {
			continue
		}
		targets, err := h.lockTargetsFor(o, cfg, f, p, []string{string(plat)})
		if err != nil {
			return err
		}
		// Installing does not solve, so only what the environment file
		// says can make the lock stale here: its specs and pip lines (and
		// the channels, when this command names some). How the lock was
		// solved (channel flags, priority, virtual packages) is the lock's.
		in := targets[0].inputs
		if rec := l.Metadata.Inputs[plat]; rec != nil {
			if len(o.Channels) == 0 {
				in.Channels = rec.Channels
			}
			if o.ChannelPriority == "" && !o.StrictChannelPriority {
				in.ChannelPriority = rec.ChannelPriority
			}
			in.VirtualPackages = rec.VirtualPackages
			in.ExcludeNewer = rec.ExcludeNewer // a "7d" in the file moves with the clock
		}
		if stale := l.Stale(in); len(stale) > 0 {
			return fmt.Errorf("%s is stale: %s changed since it was locked:\n  %s\nrelock with `envseal lock`, or use --frozen to install the lock as it is", path, src, strings.Join(stale, "\n  "))
		}
	}
	return nil
}

// placeholderLookup resolves ${NAME} from the environment first, then
// from the lock's sealed secrets (opened only if needed).
func (h *Host) placeholderLookup(o IdentityOptions, l *lockfile.Lock, path string) func(string) (string, bool) {
	lookup, _ := h.placeholderLookupErr(o, l, path)
	return lookup
}

// placeholderLookupErr is placeholderLookup plus a function that tells why
// the sealed secrets could not be opened (nil if they were, or were not
// needed), so that a tampered section is reported as such rather than as
// an unset placeholder.
func (h *Host) placeholderLookupErr(o IdentityOptions, l *lockfile.Lock, path string) (func(string) (string, bool), func() error) {
	var opened *secrets.Opened
	var openErr error
	tried := false
	lookup := func(name string) (string, bool) {
		if v, ok := h.lookupEnv(name); ok {
			return v, true
		}
		if l.Secrets == nil {
			return "", false
		}
		if !tried {
			tried = true
			ids, _, err := h.identities(o)
			if err == nil {
				opened, err = l.Secrets.Open(lockEnvName(o, path), ids...)
			}
			if err != nil {
				openErr = fmt.Errorf("opening the secrets of %s for ${%s}: %w", path, name, err)
			}
		}
		if opened == nil {
			return "", false
		}
		v, ok := opened.Get(name)
		return string(v), ok
	}
	return lookup, func() error { return openErr }
}

// CreateFromLock creates an environment from a lockfile (envseal.lock,
// conda-lock.yml, pixi.lock or @EXPLICIT; o.File) without solving and
// without reading any repodata. It sends [*LockedPlanReady] before it
// links anything; with DryRun it stops there.
func CreateFromLock(ctx context.Context, o CreateOptions) (*CreateResult, error) {
	h := &o.Host
	cfg, err := h.config()
	if err != nil {
		return nil, err
	}
	_, prefix, err := h.targetPrefix(o.Name, o.Prefix, cfg, nil)
	if err != nil {
		return nil, err
	}
	if prefix == "" {
		return nil, usagef("create -f LOCKFILE: give -n NAME or -p PREFIX")
	}
	if prefixExists(prefix) {
		return nil, fmt.Errorf("an environment already exists at %s: use `envseal install --locked -p %s -f %s`", prefix, prefix, o.File)
	}
	l, recs, plat, specs, err := h.lockedPlan(o.LockedOptions, cfg, o.File)
	if err != nil {
		return nil, err
	}
	res := &CreateResult{Prefix: prefix, DryRun: o.DryRun, Platform: plat, From: o.File,
		// The plan from the lock as written: its URLs still hold ${VAR}
		// placeholders, never the credentials lockedPlan put back.
		Locked: dependencyOrder(l.Records(plat))}
	h.emit(&LockedPlanReady{File: o.File, Platform: plat, Prefix: prefix, Records: dependencyOrder(recs)})
	if o.DryRun {
		return res, nil
	}
	_, err = h.apply(ctx, cfg, change{link: dependencyOrder(recs)}, applyOptions{
		prefix:      prefix,
		updateSpecs: specs,
		requested:   requestedFromStrings(specs),
		variables:   lockSourceVariables(l, o.File),
		quiet:       h.Quiet,
	})
	if err != nil {
		return nil, err
	}
	if err := h.installLockedPyPI(ctx, prefix, o.File, l.PyPI[plat], h.placeholderLookup(o.Identity, l, o.File), h.Quiet); err != nil {
		return nil, err
	}
	res.Packages = len(recs) + len(l.PyPI[plat])
	return res, nil
}

// InstallLocked makes an existing environment match a lockfile (o.File,
// default envseal.lock) without solving. It sends [*ChangeReady] before it
// changes anything, with an empty Change when the conda packages already
// match; the lock's pip packages are installed either way (not with
// DryRun).
func InstallLocked(ctx context.Context, o InstallOptions) (*InstallResult, error) {
	h := &o.Host
	cfg, err := h.config()
	if err != nil {
		return nil, err
	}
	prefix, err := h.existingPrefix(ctx, o.Name, o.Prefix, cfg, "install")
	if err != nil {
		return nil, err
	}
	path := o.File
	if path == "" {
		path = "envseal.lock"
	}
	l, recs, plat, specs, err := h.lockedPlan(o.LockedOptions, cfg, path)
	if err != nil {
		return nil, err
	}
	pd, err := pfx.ReadPrefix(ctx, prefix)
	if err != nil {
		return nil, err
	}
	ch := diffPrefix(recs, pd.Records)
	res := &InstallResult{Prefix: prefix, Change: ch.export(), DryRun: o.DryRun}
	pypi := func() error {
		return h.installLockedPyPI(ctx, prefix, path, l.PyPI[plat], h.placeholderLookup(o.Identity, l, path), h.Quiet)
	}
	h.emit(&ChangeReady{Prefix: prefix, Change: res.Change, Installed: pd})
	if len(ch.link) == 0 && len(ch.unlink) == 0 {
		res.UpToDate = true
		if o.DryRun {
			return res, nil
		}
		return res, pypi()
	}
	if o.DryRun {
		return res, nil
	}
	if _, err = h.apply(ctx, cfg, ch, applyOptions{prefix: prefix, updateSpecs: specs, requested: requestedFromStrings(specs), quiet: h.Quiet}); err != nil {
		return nil, err
	}
	return res, pypi()
}

func requestedFromStrings(specs []string) map[string]string {
	m := map[string]string{}
	for _, s := range specs {
		if ms, err := conda.ParseMatchSpec(s); err == nil && ms.IsExactName() {
			m[ms.Name] = s
		}
	}
	return m
}

// lockSourceVariables returns the variables: of the environment file a
// lock was made from, when it is still beside the lock (a lock does not
// hold them: they are not part of the solve).
func lockSourceVariables(l *lockfile.Lock, path string) []env.Variable {
	for _, src := range l.Metadata.Sources {
		p := src
		if !filepath.IsAbs(p) {
			p = filepath.Join(filepath.Dir(path), filepath.FromSlash(src))
		}
		if f, err := env.ReadFile(p); err == nil {
			return f.Variables
		}
	}
	return nil
}
