package ops

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/envseal/envseal/channel"
	"github.com/envseal/envseal/conda"
	"github.com/envseal/envseal/env"
	"github.com/envseal/envseal/resolver"
)

// SolveOptions are what a solving operation (Create, Install, Update,
// Lock) is asked for, with conda's meaning.
type SolveOptions struct {
	ChannelOptions
	// Name or Prefix is the target environment (not both); both empty
	// means the environment file's name: or prefix:.
	Name, Prefix string
	// File is an environment.yml whose specs and channels are used.
	File string
	// Specs are match specs added to the file's.
	Specs []string
	// ChannelPriority is strict, flexible or disabled; "" means the
	// configured one. StrictChannelPriority forces strict.
	ChannelPriority       string
	StrictChannelPriority bool
	// NoPip does not add pip to python's dependencies.
	NoPip bool
	// ExcludeNewer hides records published after a cut-off: an RFC 3339
	// date or time, or a duration before now (7d, 2w, 36h); "" means the
	// environment file's exclude_newer, else the configuration's.
	ExcludeNewer string
}

// solveInput is what a solving command asked for, after reading flags and
// the environment file.
type solveInput struct {
	cfg      *config
	setup    *channelSetup
	file     *env.File // nil without -f
	specs    []conda.MatchSpec
	priority resolver.ChannelPriority
	addPip   bool
	name     string                 // environment name, "" when given by path
	prefix   string                 // target prefix ("" for a dry run without -n/-p)
	virtual  []conda.VirtualPackage // what the solve assumed (set by solve)
	cutoff   time.Time              // exclude-newer cut-off; zero for none
}

// readSolveInput gathers specs, channels and options from the command line
// and an optional environment file.
func (h *Host) readSolveInput(o SolveOptions, cfg *config) (*solveInput, error) {
	in := &solveInput{cfg: cfg, addPip: cfg.AddPipAsPythonDependency && !o.NoPip}
	var fileChannels []string
	if path := o.File; path != "" {
		f, err := env.ReadFile(path)
		if err != nil {
			return nil, err
		}
		h.warnFile(path, f)
		in.file = f
		fileChannels = f.Channels
	}
	setup, err := h.newChannelSetup(o.ChannelOptions, cfg, fileChannels)
	if err != nil {
		return nil, err
	}
	in.setup = setup
	if in.file != nil {
		if in.specs, err = fileSpecs(in.file, setup.platform, setup.chCfg); err != nil {
			return nil, err
		}
	}
	for _, arg := range o.Specs {
		spec, err := conda.ParseMatchSpecWithConfig(arg, setup.chCfg)
		if err != nil {
			return nil, &UsageError{Msg: err.Error()}
		}
		h.warnIgnoredBrackets("", arg, spec)
		in.specs = append(in.specs, spec)
	}
	if err := setup.addSpecChannels(in.specs); err != nil {
		return nil, err
	}
	if in.priority, err = channelPriority(o, cfg); err != nil {
		return nil, err
	}
	in.name, in.prefix, err = h.targetPrefix(o.Name, o.Prefix, cfg, in.file)
	if err != nil {
		return nil, err
	}
	if in.cutoff, err = excludeNewer(o, cfg, in.file); err != nil {
		return nil, err
	}
	return in, nil
}

func hasName(specs []conda.MatchSpec, name string) bool {
	for _, s := range specs {
		if s.Name == name {
			return true
		}
	}
	return false
}

// targetPrefix resolves -n/-p (or the file's name/prefix) to a path.
func (h *Host) targetPrefix(name, prefix string, cfg *config, f *env.File) (string, string, error) {
	if name != "" && prefix != "" {
		return "", "", usagef("-n/--name and -p/--prefix cannot be used together")
	}
	if name == "" && prefix == "" && f != nil {
		name, prefix = f.Name, f.Prefix
		if prefix != "" {
			name = ""
		}
	}
	switch {
	case prefix != "":
		abs, err := filepath.Abs(expandHome(prefix, h.getenv("HOME")))
		if err != nil {
			return "", "", err
		}
		return filepath.Base(abs), abs, nil
	case name != "":
		if err := checkEnvName(name); err != nil {
			return "", "", err
		}
		return name, filepath.Join(cfg.EnvsDirs[0], name), nil
	}
	return "", "", nil
}

// checkEnvName refuses names that are not a single safe path element.
func checkEnvName(name string) error {
	if err := env.CheckName(name); err != nil {
		return usagef("invalid environment: %v", err)
	}
	return nil
}

// solve loads the channels and runs the resolver for in.
func (h *Host) solve(ctx context.Context, in *solveInput, installed []*conda.Record) (*resolver.Solution, *channel.Index, error) {
	return h.solveWith(ctx, in, installed, nil)
}

// solveWith is solve with locked records to prefer (a relock).
func (h *Host) solveWith(ctx context.Context, in *solveInput, installed, locked []*conda.Record) (*resolver.Solution, *channel.Index, error) {
	if len(in.specs) == 0 {
		return nil, nil, usagef("nothing to install: give specs or -f environment.yml")
	}
	idx, err := in.setup.load(ctx, in.setup.channels)
	if err != nil {
		return nil, nil, err
	}
	vps, err := h.virtualPackages(in.setup.platform)
	if err != nil {
		return nil, nil, err
	}
	req := resolver.Request{
		Specs:           in.specs,
		ChannelPriority: in.priority,
		Installed:       installed,
		Locked:          locked,
	}
	for _, ch := range in.setup.channels {
		req.Channels = append(req.Channels, ch.Name())
	}
	in.virtual = vps
	for _, v := range vps {
		req.Virtual = append(req.Virtual, v.Record())
	}
	var ri resolver.Index = idx
	if in.addPip {
		ri = &pipIndex{Index: idx}
	}
	ri, explain := withCutoff(ri, in.cutoff)
	sol, err := resolver.Solve(ctx, ri, req)
	if err != nil {
		return nil, idx, explain(err)
	}
	return sol, idx, nil
}

// pipIndex adds "pip" to the dependencies of python 2.x and 3.x records,
// as conda's add_pip_as_python_dependency does, when the channels have
// pip at all.
type pipIndex struct {
	*channel.Index
}

func (p *pipIndex) Candidates(name string) ([]*conda.Record, error) {
	recs, err := p.Index.Candidates(name)
	if err != nil || name != "python" || len(recs) == 0 {
		return recs, err
	}
	pips, err := p.Index.Candidates("pip")
	if err != nil || len(pips) == 0 {
		return recs, err
	}
	out := make([]*conda.Record, len(recs))
	for i, r := range recs {
		v := r.Version.String()
		if !(strings.HasPrefix(v, "2.") || strings.HasPrefix(v, "3.")) || containsName(r.Depends, "pip") {
			out[i] = r
			continue
		}
		cp := *r
		cp.Depends = append(append(make([]string, 0, len(r.Depends)+1), r.Depends...), "pip")
		out[i] = &cp
	}
	return out, nil
}

func containsName(deps []string, name string) bool {
	for _, d := range deps {
		n, _, _ := strings.Cut(strings.TrimSpace(d), " ")
		if n == name {
			return true
		}
	}
	return false
}

// prefixExists reports whether prefix holds an environment.
func prefixExists(prefix string) bool {
	_, err := os.Stat(filepath.Join(prefix, "conda-meta"))
	return err == nil
}

// fileSpecs are the conda specs of an environment file for plat (selectors
// applied), plus pip when the file has a pip: section and asks for no pip,
// as conda adds it. A spec naming a channel is read with chCfg, so that
// "defaults::" and custom channel names mean what the configuration says.
func fileSpecs(f *env.File, plat conda.Platform, chCfg conda.ChannelConfig) ([]conda.MatchSpec, error) {
	deps, err := f.DependenciesFor(string(plat))
	if err != nil {
		return nil, err
	}
	specs := make([]conda.MatchSpec, 0, len(deps)+1)
	for _, d := range deps {
		spec := d.Spec
		if spec.Channel != nil && d.Text != "" {
			if spec, err = conda.ParseMatchSpecWithConfig(d.Text, chCfg); err != nil {
				return nil, fmt.Errorf("environment file line %d: %w", d.Line, err)
			}
		}
		specs = append(specs, spec)
	}
	if len(f.Pip) > 0 && !hasName(specs, "pip") {
		pip, _ := conda.ParseMatchSpec("pip")
		specs = append(specs, pip)
	}
	return specs, nil
}

// channelPriority is the configured channel priority, overridden by
// --channel-priority and --strict-channel-priority.
func channelPriority(o SolveOptions, cfg *config) (resolver.ChannelPriority, error) {
	mode := cfg.ChannelPriority
	if m := o.ChannelPriority; m != "" {
		mode = m
	}
	if o.StrictChannelPriority {
		mode = "strict"
	}
	p, err := resolver.ParseChannelPriority(mode)
	if err != nil {
		return 0, usagef("--channel-priority: %v", err)
	}
	return p, nil
}

// warnFile reports the problems conda tolerates in the environment file at
// path: the parser's warnings, and bracket text its specs drop.
func (h *Host) warnFile(path string, f *env.File) {
	for _, w := range f.Warnings {
		h.warnf("%s", w.String())
	}
	for _, d := range f.Dependencies {
		where := path
		if d.Line > 0 {
			where = fmt.Sprintf("%s:%d:%d", path, d.Line, d.Column)
		}
		h.warnIgnoredBrackets(where, d.String(), d.Spec)
	}
}

// warnIgnoredBrackets says that spec (written text) lost the bracket text
// conda's parser drops, such as pip-style extras ("nbconvert[execute]").
func (h *Host) warnIgnoredBrackets(where, text string, spec conda.MatchSpec) {
	if spec.IgnoredBrackets == "" {
		return
	}
	if where != "" {
		where += ": "
	}
	h.warnf("%s%q: ignoring %q in brackets, as conda does (only key=value pairs count there; pip extras belong in the pip: section); solving for %s",
		where, text, spec.IgnoredBrackets, spec.String())
}
