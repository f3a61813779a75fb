package resolver

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/envseal/envseal/conda"
)

// Index supplies candidate records, one package name at a time.
//
// Candidates returns every record named name from all channels (in any
// order; the solver sorts them). It returns an empty slice and a nil error
// for an unknown name. The solver never modifies the records or the slice.
// An Index may also implement [NameLister]; Solve uses it to suggest near
// names in a [PackagesNotFoundError].
type Index interface {
	Candidates(name string) ([]*conda.Record, error)
}

// NameLister is an optional extension of [Index]: Names returns every
// package name the index knows, in any order.
type NameLister interface {
	Names() []string
}

// ChannelPriority selects how channel order affects candidate choice.
type ChannelPriority int

const (
	// Strict (the default, as in conda) ignores a package name in lower
	// priority channels once a higher priority channel has it.
	Strict ChannelPriority = iota
	// Flexible prefers records from higher priority channels but may use
	// lower ones when that is the only way to solve.
	Flexible
	// Disabled ranks records by version first; channel order only breaks
	// ties after version.
	Disabled
)

// String returns the conda spelling ("strict", "flexible", "disabled").
func (p ChannelPriority) String() string {
	switch p {
	case Strict:
		return "strict"
	case Flexible:
		return "flexible"
	case Disabled:
		return "disabled"
	}
	return fmt.Sprintf("ChannelPriority(%d)", int(p))
}

// ParseChannelPriority parses conda's channel_priority values: "strict",
// "flexible", "disabled" (also "true" for flexible and "false" for disabled,
// as older conda accepted).
func ParseChannelPriority(s string) (ChannelPriority, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "strict":
		return Strict, nil
	case "flexible", "true":
		return Flexible, nil
	case "disabled", "false":
		return Disabled, nil
	}
	return Strict, fmt.Errorf("parsing channel priority %q: want strict, flexible or disabled", s)
}

// Request describes one solve.
type Request struct {
	// Specs are the requested specs; every one must be satisfied.
	Specs []conda.MatchSpec
	// Channels lists channel names in priority order (highest first), as
	// they appear in Record.Channel. Records from channels not listed rank
	// below every listed channel. An empty list gives every channel the
	// same rank.
	Channels []string
	// ChannelPriority defaults to Strict.
	ChannelPriority ChannelPriority
	// Installed are the records of an existing environment. Each is kept
	// when possible: its name stays installed (the installed build is tried
	// first) unless the specs force a change or a removal. Installed records
	// are candidates even when the index or channel priority lacks them.
	Installed []*conda.Record
	// Locked are records from a previous solve (a lockfile). A locked
	// record is preferred over every other candidate of its name but is not
	// installed unless something needs the name.
	Locked []*conda.Record
	// Pins constrain names without requesting them: a pinned name, if it is
	// installed at all, must match its pin (conda's pinned_packages,
	// rattler's constraints).
	Pins []conda.MatchSpec
	// Virtual are the virtual packages of the target system (`__glibc`,
	// `__cuda`, ...). Dependencies on names starting with "__" are
	// satisfied only by these records. They are not part of the Solution.
	Virtual []*conda.Record
}

// Solution is the result of a successful solve.
type Solution struct {
	// Records are the chosen records, one per name, sorted by name.
	// Virtual packages are not included. The records are the pointers the
	// Index (or Request.Installed/Locked) supplied.
	Records []*conda.Record
}

// Solve chooses one record per needed package name so that every requested
// spec, every dependency and every constraint (run_constrained) of the
// chosen records, and every pin holds.
//
// # Preferences
//
// Among the solutions, Solve prefers, in order: installed and locked
// records; records from higher priority channels (see [ChannelPriority]);
// the highest versions of requested names; the fewest features switched
// on; builds carrying the legacy features that are on; the highest build
// numbers; architecture-specific over noarch builds; the highest versions
// of dependencies; the newest timestamps. The search is
// CDCL (conflict-driven clause learning) in the style of resolvo: it
// decides requested names first and always tries the most preferred
// candidate first, so the answer is the lexicographically preferred one in
// decision order. conda instead minimises a global objective (sums of
// version ranks); the two agree except when preferences of different names
// trade off against each other. A bounded improvement pass narrows that
// gap: for each requested name not at its highest version, Solve tries once
// to raise it while keeping every other requested name at least as high.
//
// # Errors
//
// When a requested spec matches no record Solve returns a
// [*PackagesNotFoundError]. When the request cannot be satisfied it returns
// an [*UnsolvableError] explaining why. Errors from idx are wrapped. If ctx
// is cancelled Solve returns an error wrapping ctx.Err().
//
// Solve is deterministic: the same index contents and request give the same
// answer. It does not modify its inputs and is safe to call concurrently
// (with an Index that is).
func Solve(ctx context.Context, idx Index, req Request) (*Solution, error) {
	p := &problem{
		channels:  req.Channels,
		priority:  req.ChannelPriority,
		installed: req.Installed,
		locked:    req.Locked,
		virtual:   req.Virtual,
	}
	for _, s := range req.Specs {
		p.specs = append(p.specs, condaMatcher{s})
	}
	for _, s := range req.Pins {
		p.pins = append(p.pins, condaMatcher{s})
	}
	return solveProblem(ctx, idx, condaDialect(), p)
}

// maxFeatureRounds bounds the re-solves that switch on features the
// previous answer turned out to contain.
const maxFeatureRounds = 4

// solveProblem runs the whole pipeline on a translated request.
//
// Legacy features make preferences depend on the answer: a feature is "on"
// when the environment contains a record whose track_features name it, and
// conda then prefers the builds whose "features" field carries it. The
// solve starts with the features the request itself switches on (see
// [requestedFeatures]); when the answer switches on another feature that
// some candidate carries in its "features" field, the request is solved
// again with that feature on as well.
func solveProblem(ctx context.Context, idx Index, d dialect, p *problem) (*Solution, error) {
	if p.priority < Strict || p.priority > Disabled {
		return nil, fmt.Errorf("solving: unknown channel priority %d", int(p.priority))
	}
	pl := newPool(idx, d, p, nil)
	forced := requestedFeatures(pl)
	active := forced
	for round := 0; ; round++ {
		pl.active, pl.forced = active, forced
		sol, err := solveOnce(ctx, pl)
		if err != nil || round+1 >= maxFeatureRounds {
			return sol, err
		}
		more := switchedOn(pl, sol)
		if len(more) == 0 {
			return sol, nil
		}
		active = maps.Clone(active)
		if active == nil {
			active = map[string]bool{}
		}
		for _, f := range more {
			active[f] = true
		}
		pl = newPool(idx, d, p, active)
	}
}

// requestedFeatures returns the features the request switches on: those
// tracked by every record a requested spec matches (the nomkl metapackage),
// and those tracked by installed records, which the solve tries to keep.
// It returns nil when there are none.
func requestedFeatures(pl *pool) map[string]bool {
	var on map[string]bool
	add := func(f string) {
		if on == nil {
			on = map[string]bool{}
		}
		on[f] = true
	}
	for _, m := range pl.p.specs {
		n := m.pkgName()
		if n == "" || n == "*" || isVirtualName(n) {
			continue
		}
		recs, err := pl.fetch(n)
		if err != nil {
			continue // reported when the name loads
		}
		var common []string
		first := true
		for _, r := range recs {
			if !m.match(r) {
				continue
			}
			if first {
				common, first = slices.Clone(r.TrackFeatures), false
				continue
			}
			common = slices.DeleteFunc(common, func(f string) bool { return !slices.Contains(r.TrackFeatures, f) })
		}
		for _, f := range common {
			add(f)
		}
	}
	for _, r := range pl.p.installed {
		for _, f := range r.TrackFeatures {
			add(f)
		}
	}
	return on
}

// switchedOn returns, sorted, the features the solution's records track
// that are not active in pl although some loaded candidate carries them in
// its "features" field (so that switching them on would change a
// preference).
func switchedOn(pl *pool, sol *Solution) []string {
	var tracked []string
	for _, r := range sol.Records {
		for _, f := range r.TrackFeatures {
			if !pl.active[f] && !slices.Contains(tracked, f) {
				tracked = append(tracked, f)
			}
		}
	}
	if len(tracked) == 0 {
		return nil
	}
	var out []string
	for _, r := range pl.recs[1:] {
		for _, f := range recordFeatures(r) {
			if slices.Contains(tracked, f) && !slices.Contains(out, f) {
				out = append(out, f)
			}
		}
	}
	slices.Sort(out)
	return out
}

// solveOnce solves the request over pl with pl's active features.
func solveOnce(ctx context.Context, pl *pool) (*Solution, error) {
	p := pl.p

	// Root specs: load, and report those nothing matches.
	roots := make([]*specInfo, len(p.specs))
	var missing []MissingSpec
	for i, m := range p.specs {
		n := m.pkgName()
		if n == "" || n == "*" {
			return nil, fmt.Errorf("solving: spec %q names no package", m.String())
		}
		roots[i] = pl.specFor(m)
		if ni := pl.names[roots[i].name]; ni.err != nil {
			return nil, fmt.Errorf("solving: %w", ni.err)
		}
		if len(roots[i].cands) == 0 {
			missing = append(missing, MissingSpec{Spec: m.String(), Name: n,
				NameExists: len(pl.names[roots[i].name].cands) > 0})
		}
	}
	if len(missing) > 0 {
		return nil, newPackagesNotFound(pl.idx, missing, p.channels)
	}
	pins := make([]*specInfo, len(p.pins))
	for i, m := range p.pins {
		n := m.pkgName()
		if n == "" || n == "*" {
			return nil, fmt.Errorf("solving: pin %q names no package", m.String())
		}
		pins[i] = pl.specFor(m)
		if err := pl.names[pins[i].name].err; err != nil {
			return nil, fmt.Errorf("solving: %w", err)
		}
	}

	s := newSolver(pl, roots, pins, nil, 0)
	res, err := s.run(ctx)
	if err != nil {
		return nil, err
	}
	if res == nil {
		return nil, s.unsolvable()
	}
	res, err = improve(ctx, pl, roots, pins, res)
	if err != nil {
		return nil, err
	}
	res, err = reduceFeatures(ctx, pl, roots, pins, res)
	if err != nil {
		return nil, err
	}
	res, err = improveFeatures(ctx, pl, roots, pins, res)
	if err != nil {
		return nil, err
	}
	res = pruneTies(pl, roots, pins, res)
	return finish(pl, roots, pins, res)
}

// improveConflictBudget bounds each re-solve of the improvement pass, and
// improveMaxSpecs the size of requests it runs on (a request of hundreds of
// specs, like a puzzle, is not a user's wish list).
const (
	improveConflictBudget = 1000
	improveMaxSpecs       = 16
)

// improve is the bounded improvement pass: for each requested spec whose
// chosen record is not of the highest version the spec allows, re-solve once
// requiring a strictly higher version of it while every other requested name
// keeps at least its current rank and every kept installed record stays. A
// better solution found this way replaces the current one.
func improve(ctx context.Context, pl *pool, roots, pins []*specInfo, sol []int32) ([]int32, error) {
	if len(roots) > improveMaxSpecs {
		return sol, nil
	}
	for i := range roots {
		chosen := chosenOf(pl, sol, roots[i])
		if chosen < 0 {
			continue
		}
		cv := pl.recs[chosen].Version
		// Better: earlier in preference order (so never from a lower
		// priority channel) and of a strictly higher version.
		var better []int32
		for _, v := range roots[i].cands {
			if v == chosen {
				break
			}
			if pl.d.compare(pl.recs[v].Version, cv) > 0 {
				better = append(better, v)
			}
		}
		if len(better) == 0 {
			continue
		}
		var extra [][]int32
		extra = append(extra, better)
		for j := range roots {
			if j == i {
				continue
			}
			c := chosenOf(pl, sol, roots[j])
			var keep []int32
			for _, v := range roots[j].cands {
				keep = append(keep, v)
				if v == c {
					break
				}
			}
			extra = append(extra, keep)
		}
		inSol := make(map[int32]bool, len(sol))
		for _, v := range sol {
			inSol[v] = true
		}
		for _, name := range softNames(pl) {
			for _, v := range pl.names[name].cands {
				if pl.pref[v] && inSol[v] {
					extra = append(extra, []int32{v})
				}
			}
		}
		s := newSolver(pl, roots, pins, extra, improveConflictBudget)
		res, err := s.run(ctx)
		if err != nil {
			return nil, err
		}
		if res != nil {
			sol = res
		}
	}
	return sol, nil
}

// improveFeatures is conda's feature metric as a bounded local search: for
// each chosen record that lacks an active feature some other build of its
// name carries (a "featureless" record, in conda's words), re-solve once
// requiring one of the builds that lack fewer, while every requested name
// keeps at least its version and channel and every kept installed record
// stays. The new answer replaces the old one when it switches on no more
// features and has fewer featureless records: conda ranks these two terms
// right after the versions of requested names, above their build numbers
// and above every dependency's version.
func improveFeatures(ctx context.Context, pl *pool, roots, pins []*specInfo, sol []int32) ([]int32, error) {
	if len(pl.active) == 0 || len(roots) > improveMaxSpecs {
		return sol, nil
	}
	tried := map[int32]bool{}
	for {
		target := int32(-1)
		for _, v := range sol {
			if pl.featMiss[v] > 0 && !tried[pl.varName[v]] {
				target = v
				break
			}
		}
		if target < 0 {
			return sol, nil
		}
		name := pl.varName[target]
		tried[name] = true
		var better []int32
		for _, v := range pl.names[name].cands {
			if pl.featMiss[v] < pl.featMiss[target] {
				better = append(better, v)
			}
		}
		if len(better) == 0 {
			continue
		}
		extra := append([][]int32{better}, keepRequested(pl, roots, sol)...)
		s := newSolver(pl, roots, pins, extra, improveConflictBudget)
		res, err := s.run(ctx)
		if err != nil {
			return nil, err
		}
		if res == nil {
			continue
		}
		if fc, fc0 := featureCount(pl, res), featureCount(pl, sol); fc < fc0 ||
			fc == fc0 && featurelessCount(pl, res) < featurelessCount(pl, sol) {
			sol = res
		}
	}
}

// pruneTies is conda's "prune unnecessary packages" term, which it ranks
// after every version and build term and before timestamps: among builds
// of one name that only their timestamps tell apart (a tie group), the one
// that lets the environment hold fewer packages wins. The solver decided
// such ties by timestamp; this pass swaps a chosen record for a tied
// sibling when the sibling's dependencies are already met and the swap
// leaves fewer records reachable from the request. On the 2018 defaults
// channel, readline alone takes 7.0 hb321a52_4 (no ncurses) over the newer
// ha6073c6_4, as conda and libsolv do; with ncurses needed anyway the newer
// one stays.
func pruneTies(pl *pool, roots, pins []*specInfo, sol []int32) []int32 {
	hasTie := false
	for _, v := range sol {
		if hasTiedSibling(pl, v) {
			hasTie = true
			break
		}
	}
	if !hasTie {
		return sol
	}
	byName := make(map[int32]int32, len(sol))
	for _, v := range sol {
		byName[pl.varName[v]] = v
	}
	// The installed names the answer keeps are roots of the reachability
	// too, and are not swapped.
	var kept []int32
	for _, n := range softNames(pl) {
		if v, ok := byName[n]; ok {
			kept = append(kept, v)
		}
	}
	base := reachable(pl, roots, kept, byName)
	if base == nil {
		return sol
	}
	size := len(base)
	for changed := true; changed; {
		changed = false
		for _, v := range sol {
			if !hasTiedSibling(pl, v) || slices.Contains(kept, v) {
				continue
			}
			name := pl.varName[v]
			for _, alt := range pl.names[name].cands {
				if alt == v || pl.tie[alt] != pl.tie[v] {
					continue
				}
				byName[name] = alt
				if next := reachable(pl, roots, kept, byName); next != nil && len(next) < size &&
					consistent(pl, roots, pins, next) {
					sol, size, changed = next, len(next), true
					byName = make(map[int32]int32, len(sol))
					for _, w := range sol {
						byName[pl.varName[w]] = w
					}
					break
				}
				byName[name] = v
			}
			if changed {
				break
			}
		}
	}
	return sol
}

// hasTiedSibling reports whether another candidate of v's name is in v's
// tie group.
func hasTiedSibling(pl *pool, v int32) bool {
	cands := pl.names[pl.varName[v]].cands
	i := slices.Index(cands, v)
	return i > 0 && pl.tie[cands[i-1]] == pl.tie[v] || i+1 < len(cands) && pl.tie[cands[i+1]] == pl.tie[v]
}

// reachable returns, sorted, the records of byName that the requested
// specs and the kept records need, following dependencies; nil when a
// needed name has no record.
func reachable(pl *pool, roots []*specInfo, kept []int32, byName map[int32]int32) []int32 {
	seen := make(map[int32]bool, len(byName))
	var stack []int32
	push := func(name int32) bool {
		v, ok := byName[name]
		if !ok {
			return false
		}
		if !seen[v] {
			seen[v] = true
			stack = append(stack, v)
		}
		return true
	}
	for _, si := range roots {
		if si.err != nil || !push(si.name) {
			return nil
		}
	}
	for _, v := range kept {
		push(pl.varName[v])
	}
	for len(stack) > 0 {
		v := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, d := range pl.recs[v].Depends {
			si := pl.spec(d)
			if si.err != nil || !push(si.name) {
				return nil
			}
		}
	}
	out := make([]int32, 0, len(seen))
	for v := range seen {
		out = append(out, v)
	}
	slices.Sort(out)
	return out
}

// consistent reports whether sol meets every requested spec, dependency,
// constraint and pin.
func consistent(pl *pool, roots, pins []*specInfo, sol []int32) bool {
	byName := make(map[int32]*conda.Record, len(sol))
	for _, v := range sol {
		byName[pl.varName[v]] = pl.recs[v]
	}
	met := func(si *specInfo, need bool) bool {
		if si.err != nil {
			return false
		}
		r, ok := byName[si.name]
		if !ok {
			return !need
		}
		return si.m.match(r)
	}
	for _, si := range roots {
		if !met(si, true) {
			return false
		}
	}
	for _, si := range pins {
		if !met(si, false) {
			return false
		}
	}
	for _, v := range sol {
		r := pl.recs[v]
		for _, d := range r.Depends {
			if !met(pl.spec(d), true) {
				return false
			}
		}
		for _, c := range r.Constrains {
			if !met(pl.spec(c), false) {
				return false
			}
		}
	}
	return true
}

// keepRequested returns the clauses that hold every requested name at its
// version (or higher) and channel in sol, and every kept installed record
// in place: what conda's objective ranks above the feature terms.
func keepRequested(pl *pool, roots []*specInfo, sol []int32) [][]int32 {
	var extra [][]int32
	for _, si := range roots {
		c := chosenOf(pl, sol, si)
		if c < 0 {
			continue
		}
		cr := pl.recs[c]
		var keep []int32
		for _, v := range si.cands {
			r := pl.recs[v]
			if pl.d.compare(r.Version, cr.Version) >= 0 &&
				(pl.p.priority == Disabled || pl.channelRank(r.Channel) <= pl.channelRank(cr.Channel)) {
				keep = append(keep, v)
			}
		}
		extra = append(extra, keep)
	}
	inSol := make(map[int32]bool, len(sol))
	for _, v := range sol {
		inSol[v] = true
	}
	for _, n := range softNames(pl) {
		for _, v := range pl.names[n].cands {
			if pl.pref[v] && inSol[v] {
				extra = append(extra, []int32{v})
			}
		}
	}
	return extra
}

// reduceFeatures is conda's feature count, the term it ranks right after
// the versions of the requested names, as a bounded local search. The
// candidate order counts the features a build brings in only one
// dependency level deep, so an answer may switch on a feature that a
// different choice further up would have avoided (r-digest's r-base build
// pulls in _r-mutex's anacondar feature two levels down; its mro build
// none). For each feature the answer switches on that the request does
// not force, re-solve once with every loaded record tracking it excluded,
// every requested name held at its version and every kept installed
// record in place; take the new answer when it switches on fewer features.
func reduceFeatures(ctx context.Context, pl *pool, roots, pins []*specInfo, sol []int32) ([]int32, error) {
	if len(roots) > improveMaxSpecs {
		return sol, nil
	}
	tried := map[string]bool{}
	for {
		f := ""
		for _, v := range sol {
			for _, t := range pl.recs[v].TrackFeatures {
				if !pl.forced[t] && !tried[t] && (f == "" || t < f) {
					f = t
				}
			}
		}
		if f == "" {
			return sol, nil
		}
		tried[f] = true
		without := slices.Clip(pins)
		for id := range pl.names {
			cands := pl.names[id].cands
			var allowed []int32
			for _, v := range cands {
				if !slices.Contains(pl.recs[v].TrackFeatures, f) {
					allowed = append(allowed, v)
				}
			}
			if len(allowed) < len(cands) {
				without = append(without, &specInfo{raw: "track_features!=" + f, name: int32(id), cands: allowed})
			}
		}
		s := newSolver(pl, roots, without, keepRequested(pl, roots, sol), improveConflictBudget)
		res, err := s.run(ctx)
		if err != nil {
			return nil, err
		}
		if res != nil && featureCount(pl, res) < featureCount(pl, sol) {
			sol = res
		}
	}
}

// featureCount is the number of distinct features the records of sol
// track: conda's feature count.
func featureCount(pl *pool, sol []int32) int {
	var fs []string
	for _, v := range sol {
		for _, f := range pl.recs[v].TrackFeatures {
			if !slices.Contains(fs, f) {
				fs = append(fs, f)
			}
		}
	}
	return len(fs)
}

// featurelessCount sums, over sol, the active features a record lacks
// while another build of its name carries them: conda's feature metric.
func featurelessCount(pl *pool, sol []int32) int {
	n := 0
	for _, v := range sol {
		n += int(pl.featMiss[v])
	}
	return n
}

// chosenOf returns the variable of sol that satisfies si, or -1.
func chosenOf(pl *pool, sol []int32, si *specInfo) int32 {
	for _, v := range sol {
		if pl.varName[v] == si.name {
			if slices.Contains(si.cands, v) {
				return v
			}
			return -1
		}
	}
	return -1
}

// finish checks the answer against every rule (a cheap guard against solver
// bugs) and builds the Solution.
func finish(pl *pool, roots, pins []*specInfo, sol []int32) (*Solution, error) {
	byName := map[int32]int32{}
	for _, v := range sol {
		if _, dup := byName[pl.varName[v]]; dup {
			return nil, fmt.Errorf("solving: internal error: two records for %s", pl.names[pl.varName[v]].name)
		}
		byName[pl.varName[v]] = v
	}
	satisfied := func(si *specInfo) bool {
		if si.err != nil {
			return false
		}
		v, ok := byName[si.name]
		return ok && si.m.match(pl.recs[v])
	}
	allowed := func(si *specInfo) bool {
		if si.err != nil {
			return false
		}
		v, ok := byName[si.name]
		return !ok || si.m.match(pl.recs[v])
	}
	for _, r := range roots {
		if !satisfied(r) {
			return nil, fmt.Errorf("solving: internal error: %s not satisfied", r.raw)
		}
	}
	for _, p := range pins {
		if !allowed(p) {
			return nil, fmt.Errorf("solving: internal error: pin %s violated", p.raw)
		}
	}
	out := make([]*conda.Record, 0, len(sol))
	for _, v := range sol {
		r := pl.recs[v]
		for _, d := range r.Depends {
			if !satisfied(pl.spec(d)) {
				return nil, fmt.Errorf("solving: internal error: %s %s needs %s", r.Name, r.Version, d)
			}
		}
		for _, c := range r.Constrains {
			if !allowed(pl.spec(c)) {
				return nil, fmt.Errorf("solving: internal error: %s %s constrains %s", r.Name, r.Version, c)
			}
		}
		if isVirtualName(r.Name) {
			continue
		}
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b *conda.Record) int { return strings.Compare(a.Name, b.Name) })
	return &Solution{Records: out}, nil
}
