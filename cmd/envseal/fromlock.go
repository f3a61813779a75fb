package main

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/envseal/envseal/conda"
	"github.com/envseal/envseal/env"
	"github.com/envseal/envseal/lockfile"
	pfx "github.com/envseal/envseal/prefix"
	"github.com/envseal/envseal/secrets"
	"github.com/urfave/cli/v2"
)

// lockedPlan reads a lockfile (any format) and returns the records of the
// target platform, with ${VAR} placeholders in their URLs expanded from
// the environment or the lock's sealed secrets. It refuses a stale lock
// (its environment.yml changed since) unless --frozen.
func (g *globals) lockedPlan(c *cli.Context, cfg *config, path string) (*lockfile.Lock, []*conda.Record, conda.Platform, []string, error) {
	l, err := lockfile.ReadFile(path, lockfile.DecodeOptions{Filename: path, Environment: c.String("lock-env")})
	if err != nil {
		return nil, nil, "", nil, err
	}
	plat, err := g.targetPlatform(c.String("platform"))
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
		if !c.Bool("frozen") {
			if err := g.checkFresh(c, cfg, l, path, plat); err != nil {
				return nil, nil, "", nil, err
			}
		}
	}
	lookup, openErr := g.placeholderLookupErr(c, l, path)
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
func (g *globals) checkFresh(c *cli.Context, cfg *config, l *lockfile.Lock, path string, plat conda.Platform) error {
	for _, src := range l.Metadata.Sources {
		p := src
		if !filepath.IsAbs(p) {
			p = filepath.Join(filepath.Dir(path), filepath.FromSlash(src))
		}
		f, err := env.ReadFile(p)
		if err != nil {
			continue
		}
		targets, err := g.lockTargetsFor(c, cfg, f, []string{string(plat)})
		if err != nil {
			return err
		}
		// Installing does not solve, so only what the environment file
		// says can make the lock stale here: its specs and pip lines (and
		// the channels, when this command names some). How the lock was
		// solved (channel flags, priority, virtual packages) is the lock's.
		in := targets[0].inputs
		if rec := l.Metadata.Inputs[plat]; rec != nil {
			if len(c.StringSlice("channel")) == 0 {
				in.Channels = rec.Channels
			}
			if !c.IsSet("channel-priority") && !c.IsSet("strict-channel-priority") {
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
func (g *globals) placeholderLookup(c *cli.Context, l *lockfile.Lock, path string) func(string) (string, bool) {
	lookup, _ := g.placeholderLookupErr(c, l, path)
	return lookup
}

// placeholderLookupErr is placeholderLookup plus a function that tells why
// the sealed secrets could not be opened (nil if they were, or were not
// needed), so that a tampered section is reported as such rather than as
// an unset placeholder.
func (g *globals) placeholderLookupErr(c *cli.Context, l *lockfile.Lock, path string) (func(string) (string, bool), func() error) {
	var opened *secrets.Opened
	var openErr error
	tried := false
	lookup := func(name string) (string, bool) {
		if v, ok := g.lookupEnv(name); ok {
			return v, true
		}
		if l.Secrets == nil {
			return "", false
		}
		if !tried {
			tried = true
			ids, _, err := g.identities(c)
			if err == nil {
				opened, err = l.Secrets.Open(lockEnvName(c, path), ids...)
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

// createFromLock creates an environment from a lockfile without solving
// and without reading any repodata.
func (g *globals) createFromLock(c *cli.Context, cfg *config) (err error) {
	name, prefix, err := g.targetPrefix(c, cfg, nil)
	if err != nil {
		return err
	}
	if prefix == "" {
		return usagef("create -f LOCKFILE: give -n NAME or -p PREFIX")
	}
	if prefixExists(prefix) {
		return fmt.Errorf("an environment already exists at %s: use `envseal install --locked -p %s -f %s`", prefix, prefix, c.String("file"))
	}
	_ = name
	l, recs, plat, specs, err := g.lockedPlan(c, cfg, c.String("file"))
	if err != nil {
		return err
	}
	quiet := c.Bool("json") || c.Bool("quiet")
	if c.Bool("json") {
		// The plan from the lock as written: its URLs still hold ${VAR}
		// placeholders, never the credentials lockedPlan put back.
		link := make([]map[string]any, 0, len(recs))
		for _, r := range dependencyOrder(l.Records(plat)) {
			link = append(link, distJSON(r, ""))
		}
		if c.Bool("dry-run") {
			return writeJSON(g.Out, map[string]any{"success": true, "dry_run": true, "prefix": prefix,
				"actions": map[string]any{"LINK": link, "PREFIX": prefix}})
		}
		defer func() {
			if err == nil {
				err = writeJSON(g.Out, map[string]any{"success": true, "dry_run": false, "prefix": prefix,
					"actions": map[string]any{"LINK": link, "PREFIX": prefix}})
			}
		}()
	}
	if !quiet || c.Bool("dry-run") {
		fmt.Fprintf(g.Out, "\n## Package Plan (from %s, %s, no solving) ##\n\n  environment location: %s\n\n", c.String("file"), plat, prefix)
		for _, r := range dependencyOrder(recs) {
			fmt.Fprintf(g.Out, "    %-24s %-14s %s\n", r.Name, r.Version.String(), r.Build)
		}
		fmt.Fprintln(g.Out)
	}
	if c.Bool("dry-run") {
		return nil
	}
	_, err = g.apply(c.Context, cfg, change{link: dependencyOrder(recs)}, applyOptions{
		prefix:      prefix,
		updateSpecs: specs,
		requested:   requestedFromStrings(specs),
		variables:   lockSourceVariables(l, c.String("file")),
		quiet:       quiet,
	})
	if err != nil {
		return err
	}
	if err := g.installLockedPyPI(c.Context, prefix, c.String("file"), l.PyPI[plat], g.placeholderLookup(c, l, c.String("file")), quiet); err != nil {
		return err
	}
	if !quiet {
		fmt.Fprintf(g.Out, "Created %s from %s (%d packages).\n", prefix, c.String("file"), len(recs)+len(l.PyPI[plat]))
	}
	return nil
}

// installLocked makes an existing environment match a lockfile.
func (g *globals) installLocked(c *cli.Context, cfg *config) error {
	prefix, err := g.existingPrefix(c, cfg)
	if err != nil {
		return err
	}
	path := c.String("file")
	if path == "" {
		path = "envseal.lock"
	}
	l, recs, plat, specs, err := g.lockedPlan(c, cfg, path)
	if err != nil {
		return err
	}
	pd, err := pfx.ReadPrefix(c.Context, prefix)
	if err != nil {
		return err
	}
	ch := diffPrefix(recs, pd.Records)
	pypi := func() error {
		return g.installLockedPyPI(c.Context, prefix, path, l.PyPI[plat], g.placeholderLookup(c, l, path), c.Bool("quiet"))
	}
	if len(ch.link) == 0 && len(ch.unlink) == 0 {
		fmt.Fprintln(g.Out, "# The conda packages already match the lock.")
		if c.Bool("dry-run") {
			return nil
		}
		return pypi()
	}
	if !c.Bool("quiet") {
		writeChangeTable(g.Out, prefix, ch, pd)
	}
	if c.Bool("dry-run") {
		return nil
	}
	if _, err = g.apply(c.Context, cfg, ch, applyOptions{prefix: prefix, updateSpecs: specs, requested: requestedFromStrings(specs), quiet: c.Bool("quiet")}); err != nil {
		return err
	}
	return pypi()
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
