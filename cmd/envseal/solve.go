package main

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
	"github.com/urfave/cli/v2"
)

// solveFlags are the flags of the commands that solve (create, install,
// lock), with conda's names.
func solveFlags() []cli.Flag {
	return append(channelFlags(),
		nameFlag(), prefixFlag(),
		&cli.StringFlag{Name: "file", Aliases: []string{"f"}, Usage: "read specs and channels from an environment.yml"},
		&cli.BoolFlag{Name: "strict-channel-priority", Usage: "same as --channel-priority strict"},
		&cli.StringFlag{Name: "channel-priority", Usage: "strict (default), flexible or disabled"},
		&cli.BoolFlag{Name: "no-pip", Usage: "do not add pip to python's dependencies"},
		&cli.BoolFlag{Name: "json", Usage: "print conda's JSON shape"},
		&cli.BoolFlag{Name: "dry-run", Aliases: []string{"d"}, Usage: "only show what would be done"},
		&cli.BoolFlag{Name: "yes", Aliases: []string{"y"}, Usage: "do not ask for confirmation"},
		&cli.BoolFlag{Name: "frozen", Usage: "with a lockfile: install it as it is, even if its environment.yml changed"},
		&cli.StringFlag{Name: "lock-env", Usage: "with a pixi.lock: the environment to install (default \"default\")"},
		excludeNewerFlag(),
		quietFlag(),
	)
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
func (g *globals) readSolveInput(c *cli.Context, cfg *config) (*solveInput, error) {
	in := &solveInput{cfg: cfg, addPip: cfg.AddPipAsPythonDependency && !c.Bool("no-pip")}
	var fileChannels []string
	if path := c.String("file"); path != "" {
		f, err := env.ReadFile(path)
		if err != nil {
			return nil, err
		}
		g.warnFile(path, f)
		in.file = f
		fileChannels = f.Channels
	}
	setup, err := g.newChannelSetup(c, cfg, fileChannels)
	if err != nil {
		return nil, err
	}
	in.setup = setup
	if in.file != nil {
		if in.specs, err = fileSpecs(in.file, setup.platform, setup.chCfg); err != nil {
			return nil, err
		}
	}
	for _, arg := range c.Args().Slice() {
		spec, err := conda.ParseMatchSpecWithConfig(arg, setup.chCfg)
		if err != nil {
			return nil, &usageError{msg: err.Error()}
		}
		g.warnIgnoredBrackets("", arg, spec)
		in.specs = append(in.specs, spec)
	}
	if err := setup.addSpecChannels(in.specs); err != nil {
		return nil, err
	}
	if in.priority, err = channelPriority(c, cfg); err != nil {
		return nil, err
	}
	in.name, in.prefix, err = g.targetPrefix(c, cfg, in.file)
	if err != nil {
		return nil, err
	}
	if in.cutoff, err = excludeNewer(c, cfg, in.file); err != nil {
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
func (g *globals) targetPrefix(c *cli.Context, cfg *config, f *env.File) (name, prefix string, err error) {
	name, prefix = c.String("name"), c.String("prefix")
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
		abs, err := filepath.Abs(expandHome(prefix, g.getenv("HOME")))
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
func (g *globals) solve(ctx context.Context, in *solveInput, installed []*conda.Record) (*resolver.Solution, *channel.Index, error) {
	return g.solveWith(ctx, in, installed, nil)
}

// solveWith is solve with locked records to prefer (a relock).
func (g *globals) solveWith(ctx context.Context, in *solveInput, installed, locked []*conda.Record) (*resolver.Solution, *channel.Index, error) {
	if len(in.specs) == 0 {
		return nil, nil, usagef("nothing to install: give specs or -f environment.yml")
	}
	idx, err := in.setup.load(ctx, in.setup.channels)
	if err != nil {
		return nil, nil, err
	}
	vps, err := g.virtualPackages(in.setup.platform)
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

// quietFlag is -q on subcommands, as conda accepts it after the verb.
func quietFlag() cli.Flag {
	return &cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "no progress bars or plan tables"}
}

// nameFlag and prefixFlag are conda's -n/--name and -p/--prefix.
func nameFlag() cli.Flag {
	return &cli.StringFlag{Name: "name", Aliases: []string{"n"}, Usage: "environment name (under the envs directory)"}
}

func prefixFlag() cli.Flag {
	return &cli.StringFlag{Name: "prefix", Aliases: []string{"p"}, Usage: "environment path"}
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
func channelPriority(c *cli.Context, cfg *config) (resolver.ChannelPriority, error) {
	mode := cfg.ChannelPriority
	if m := c.String("channel-priority"); m != "" {
		mode = m
	}
	if c.Bool("strict-channel-priority") {
		mode = "strict"
	}
	p, err := resolver.ParseChannelPriority(mode)
	if err != nil {
		return 0, usagef("--channel-priority: %v", err)
	}
	return p, nil
}

// warnFile prints the problems conda tolerates in the environment file at
// path: the parser's warnings, and bracket text its specs drop.
func (g *globals) warnFile(path string, f *env.File) {
	for _, w := range f.Warnings {
		fmt.Fprintf(g.Err, "envseal: warning: %s\n", w.String())
	}
	for _, d := range f.Dependencies {
		where := path
		if d.Line > 0 {
			where = fmt.Sprintf("%s:%d:%d", path, d.Line, d.Column)
		}
		g.warnIgnoredBrackets(where, d.String(), d.Spec)
	}
}

// warnIgnoredBrackets says that spec (written text) lost the bracket text
// conda's parser drops, such as pip-style extras ("nbconvert[execute]").
func (g *globals) warnIgnoredBrackets(where, text string, spec conda.MatchSpec) {
	if spec.IgnoredBrackets == "" {
		return
	}
	if where != "" {
		where += ": "
	}
	fmt.Fprintf(g.Err, "envseal: warning: %s%q: ignoring %q in brackets, as conda does (only key=value pairs count there; pip extras belong in the pip: section); solving for %s\n",
		where, text, spec.IgnoredBrackets, spec.String())
}
