package ops

import (
	"context"
	"fmt"

	"github.com/envseal/envseal/conda"
	"github.com/envseal/envseal/env"
	"github.com/envseal/envseal/secrets"
)

// IdentityOptions say which identity opens a lock's sealed secrets and
// which environment name they are bound to.
type IdentityOptions struct {
	// IdentityFile is an age or SSH identity file; "" searches
	// ENVSEAL_IDENTITY, ENVSEAL_IDENTITY_FILE, the keygen default and
	// ~/.ssh/id_ed25519, ~/.ssh/id_rsa.
	IdentityFile string
	// EnvName is the environment name the secrets are bound to; "" means
	// the name: of the environment.yml beside the lock, else "default".
	EnvName string
	// PluginUI is how age plugins (age-plugin-yubikey…) named by
	// identities reach the user: a PIN prompt, "touch your key"; nil
	// fails their requests.
	PluginUI *secrets.PluginUI
}

// LockedOptions are SolveOptions plus what installing from a lockfile
// needs.
type LockedOptions struct {
	SolveOptions
	// LockEnv is the environment of a pixi.lock ("" for "default").
	LockEnv string
	// Frozen installs the lock even if its environment.yml changed.
	Frozen bool
	// Identity opens the lock's secrets when a ${VAR} placeholder of a
	// package URL is not in the environment.
	Identity IdentityOptions
}

// CreateOptions are the options of [Create] and [CreateFromLock].
type CreateOptions struct {
	Host
	LockedOptions
	// DryRun solves (or reads the lock) and changes nothing.
	DryRun bool
}

// Plan is a solved environment: what Create links, or what Install and
// Update link into an existing prefix.
type Plan struct {
	// Name and Prefix are the target ("" for a dry run without one).
	Name, Prefix string
	// Platform is the target platform.
	Platform conda.Platform
	// Records are the records to link.
	Records []*conda.Record
	// Virtual are the virtual packages the solve assumed.
	Virtual []conda.VirtualPackage
	// Channels are the channels searched, in priority order.
	Channels []conda.Channel
}

// Channel returns the searched channel whose canonical name a record
// carries.
func (p *Plan) Channel(name string) (conda.Channel, bool) {
	return channelNamed(p.Channels, name)
}

func channelNamed(chans []conda.Channel, name string) (conda.Channel, bool) {
	for _, ch := range chans {
		if ch.Name() == name {
			return ch, true
		}
	}
	return conda.Channel{}, false
}

func (in *solveInput) plan(recs []*conda.Record) *Plan {
	return &Plan{Name: in.name, Prefix: in.prefix, Platform: in.setup.platform, Records: recs, Virtual: in.virtual, Channels: in.setup.channels}
}

// CreateResult is what [Create] or [CreateFromLock] did.
type CreateResult struct {
	Prefix string
	DryRun bool
	// Plan is the solved environment (Create only).
	Plan *Plan
	// Packages is the number of packages installed (conda and pip ones
	// from a lock). Platform and Locked are set by CreateFromLock: the
	// lock's records as written (URLs with their ${VAR} placeholders), in
	// dependency order.
	Platform conda.Platform
	Locked   []*conda.Record
	Packages int
	// From is the lockfile CreateFromLock read.
	From string
}

// Create solves specs and an optional environment.yml (o.File) and builds
// a new environment at o.Name or o.Prefix; an existing one is an error.
// It sends [*PlanReady] before it links anything, then installs the
// file's pip: section with the environment's own pip. With DryRun it only
// solves. Lockfiles are [CreateFromLock]'s.
func Create(ctx context.Context, o CreateOptions) (*CreateResult, error) {
	h := &o.Host
	cfg, err := h.config()
	if err != nil {
		return nil, err
	}
	in, err := h.readSolveInput(o.SolveOptions, cfg)
	if err != nil {
		return nil, err
	}
	if o.DryRun {
		sol, _, err := h.solve(ctx, in, nil)
		if err != nil {
			return nil, err
		}
		return &CreateResult{Prefix: in.prefix, DryRun: true, Plan: in.plan(sol.Records)}, nil
	}
	if in.prefix == "" {
		return nil, usagef("create: give -n NAME or -p PREFIX (or a name in the environment file)")
	}
	if prefixExists(in.prefix) {
		return nil, fmt.Errorf("an environment already exists at %s: change it with `envseal install -p %s`, or remove it first with `envseal remove -p %s --all`", in.prefix, in.prefix, in.prefix)
	}
	sol, _, err := h.solve(ctx, in, nil)
	if err != nil {
		return nil, err
	}
	plan := in.plan(sol.Records)
	h.emit(&PlanReady{Plan: plan})
	var vars []env.Variable
	if in.file != nil {
		vars = append([]env.Variable{}, in.file.Variables...)
	}
	ch := change{link: dependencyOrder(sol.Records)}
	if _, err := h.apply(ctx, in.cfg, ch, applyOptions{
		prefix:      in.prefix,
		requested:   requestedNames(in.specs),
		updateSpecs: specStrings(in.specs),
		variables:   vars,
		quiet:       h.Quiet,
		urlFor:      in.setup.credentialedURL,
	}); err != nil {
		return nil, err
	}
	if err := h.installPipSection(ctx, in.prefix, o.File, in.file, h.Quiet); err != nil {
		return nil, err
	}
	return &CreateResult{Prefix: in.prefix, Plan: plan, Packages: len(plan.Records)}, nil
}

// IsLockFile tells a lockfile (envseal.lock, conda-lock.yml, pixi.lock,
// @EXPLICIT) from an environment.yml by its content.
func IsLockFile(path string) (bool, error) { return isLockFile(path) }
