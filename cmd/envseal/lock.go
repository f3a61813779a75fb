package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/envseal/envseal/conda"
	"github.com/envseal/envseal/env"
	"github.com/envseal/envseal/lockfile"
	"github.com/envseal/envseal/resolver"
	"github.com/urfave/cli/v2"
)

func lockCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name:  "lock",
		Usage: "solve environment.yml for every platform and write envseal.lock",
		Description: `Platforms come from --platform (repeatable), else platforms: in the file,
else this machine's. Foreign platforms are solved with default virtual
packages (see envseal info --platform P). The lock records every input
that changes the solve, so --check can tell which one changed. The
secrets: section of an existing lock is kept as it is.`,
		Flags: append(channelFlagsNoPlatform(),
			&cli.StringFlag{Name: "file", Aliases: []string{"f"}, Value: "environment.yml", Usage: "the environment file"},
			&cli.StringSliceFlag{Name: "platform", Usage: "platform to lock (repeat for several)"},
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Value: "envseal.lock", Usage: "the lockfile to write"},
			&cli.BoolFlag{Name: "check", Usage: "only check that the lock is up to date (exit 1 and say which input changed if not)"},
			&cli.StringSliceFlag{Name: "update", Usage: "relock only these names, keeping the other locked records where possible"},
			&cli.BoolFlag{Name: "strict-channel-priority", Usage: "same as --channel-priority strict"},
			&cli.StringFlag{Name: "channel-priority", Usage: "strict (default), flexible or disabled"},
			&cli.BoolFlag{Name: "no-pip", Usage: "do not add pip to python's dependencies"},
			excludeNewerFlag(),
			quietFlag(),
			lockTimeoutFlag,
		),
		Action: func(c *cli.Context) error { return g.lock(c) },
	}
}

// channelFlagsNoPlatform are channelFlags without --platform (lock takes
// several).
func channelFlagsNoPlatform() []cli.Flag {
	var out []cli.Flag
	for _, f := range channelFlags() {
		if f.Names()[0] != "platform" {
			out = append(out, f)
		}
	}
	return out
}

// lockTarget is one platform's solve input.
type lockTarget struct {
	in     *solveInput
	inputs lockfile.Inputs
}

// lockTargets builds the solve inputs of every platform to lock.
func (g *globals) lockTargets(c *cli.Context, cfg *config, f *env.File) ([]lockTarget, error) {
	return g.lockTargetsFor(c, cfg, f, c.StringSlice("platform"))
}

// lockTargetsFor is lockTargets for the platforms given (empty: the
// file's, else this machine's).
func (g *globals) lockTargetsFor(c *cli.Context, cfg *config, f *env.File, platforms []string) ([]lockTarget, error) {
	if len(platforms) == 0 {
		platforms = f.Platforms
	}
	if len(platforms) == 0 {
		platforms = []string{string(conda.HostPlatform())}
	}
	priority, err := channelPriority(c, cfg)
	if err != nil {
		return nil, err
	}
	cutoff, err := excludeNewer(c, cfg, f)
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
		setup, err := g.newChannelSetupFor(c, cfg, f.Channels, plat)
		if err != nil {
			return nil, err
		}
		in := &solveInput{cfg: cfg, setup: setup, file: f, priority: priority, addPip: cfg.AddPipAsPythonDependency && !c.Bool("no-pip"), cutoff: cutoff}
		if in.specs, err = fileSpecs(f, plat, setup.chCfg); err != nil {
			return nil, err
		}
		if err := setup.addSpecChannels(in.specs); err != nil {
			return nil, err
		}
		vps, err := g.virtualPackages(plat)
		if err != nil {
			return nil, err
		}
		inputs := lockfile.Inputs{
			Platform:        plat,
			Specs:           specStrings(in.specs),
			PyPISpecs:       append([]string(nil), f.Pip...),
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
			if _, overridden := g.lookupEnv("CONDA_OVERRIDE_" + strings.ToUpper(strings.TrimPrefix(v.Name, "__"))); overridden || v.Defaulted {
				inputs.VirtualPackages = append(inputs.VirtualPackages, v.String())
			}
		}
		out = append(out, lockTarget{in: in, inputs: inputs})
	}
	return out, nil
}

// newChannelSetupFor is newChannelSetup for an explicit platform.
func (g *globals) newChannelSetupFor(c *cli.Context, cfg *config, fileChannels []string, plat conda.Platform) (*channelSetup, error) {
	return g.newChannelSetupPlatform(c, cfg, fileChannels, string(plat))
}

func (g *globals) lock(c *cli.Context) error {
	cfg, err := loadConfig(g.getenv)
	if err != nil {
		return err
	}
	f, err := env.ReadFile(c.String("file"))
	if err != nil {
		return err
	}
	g.warnFile(c.String("file"), f)
	targets, err := g.lockTargets(c, cfg, f)
	if err != nil {
		return err
	}
	out := c.String("output")
	old, err := lockfile.ReadFile(out, lockfile.DecodeOptions{Filename: out, Format: lockfile.FormatEnvseal})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if c.Bool("check") {
		if old == nil {
			return fmt.Errorf("%s does not exist: run `envseal lock`", out)
		}
		var inputs []lockfile.Inputs
		for _, t := range targets {
			inputs = append(inputs, t.inputs)
		}
		if stale := old.StaleAll(inputs); len(stale) > 0 {
			return fmt.Errorf("%s is out of date with %s:\n  %s\nrun `envseal lock` to update it", out, c.String("file"), strings.Join(stale, "\n  "))
		}
		fmt.Fprintf(g.Out, "%s is up to date\n", out)
		return nil
	}
	l := lockfile.New()
	l.Metadata.Sources = []string{filepath.ToSlash(c.String("file"))}
	update := c.StringSlice("update")
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
		sol, err := g.solveLocked(c.Context, t.in, locked)
		if err != nil {
			return fmt.Errorf("locking %s: %w", t.inputs.Platform, err)
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
		if len(f.Pip) > 0 {
			if t.inputs.Platform != conda.HostPlatform() {
				fmt.Fprintf(g.Err, "envseal: the pip: section is not locked for %s: pip resolves only for the platform it runs on (%s)\n", t.inputs.Platform, conda.HostPlatform())
			} else {
				pkgs, err := g.resolvePipSection(c.Context, cfg, t.in, sol.Records, c.String("file"))
				if err != nil {
					return err
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
		if !c.Bool("quiet") {
			fmt.Fprintf(g.Err, "envseal: locked %d packages for %s\n", len(sol.Records), t.inputs.Platform)
		}
	}
	if vars := l.Redact(); len(vars) > 0 {
		names := make([]string, 0, len(vars))
		for k := range vars {
			names = append(names, k)
		}
		sort.Strings(names)
		fmt.Fprintf(g.Err, "envseal: channel credentials were written as placeholders: %s\n  store their values with `envseal secrets set NAME` (or export them) so installs can expand them\n", strings.Join(names, ", "))
	}
	l.Sort()
	// The solve ran without the write lock (it can take long); the secrets
	// section is read again under it, so a `secrets set` that landed
	// meanwhile is kept.
	wl, err := g.lockForWrite(c, out)
	if err != nil {
		return err
	}
	defer wl.Release()
	current, err := lockfile.ReadFile(out, lockfile.DecodeOptions{Filename: out, Format: lockfile.FormatEnvseal})
	switch {
	case err == nil:
		l.Secrets = current.Secrets
	case errors.Is(err, fs.ErrNotExist):
		l.Secrets = nil
	default:
		return err
	}
	if err := lockfile.WriteFile(out, l); err != nil {
		return err
	}
	if !c.Bool("quiet") {
		fmt.Fprintf(g.Err, "envseal: wrote %s\n", out)
	}
	return nil
}

// solveLocked solves in, preferring the locked records.
func (g *globals) solveLocked(ctx context.Context, in *solveInput, locked []*conda.Record) (*resolver.Solution, error) {
	sol, _, err := g.solveWith(ctx, in, nil, locked)
	return sol, err
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
