package resolver

import (
	"fmt"
	"slices"
	"strings"

	"github.com/envseal/envseal/conda"
)

// matcher is what the solver needs of a match spec. The production
// implementation wraps [conda.MatchSpec]; tests may plug in another one
// through [dialect] so that the SAT core can be exercised on its own.
type matcher interface {
	pkgName() string
	match(r *conda.Record) bool
	String() string
}

// dialect bundles the two pieces of conda semantics the solver depends on:
// parsing dependency strings and ordering versions.
type dialect struct {
	parse   func(s string) (matcher, error)
	compare func(a, b conda.Version) int
}

// condaMatcher adapts conda.MatchSpec to matcher.
type condaMatcher struct{ m conda.MatchSpec }

func (c condaMatcher) pkgName() string            { return c.m.Name }
func (c condaMatcher) match(r *conda.Record) bool { return c.m.Match(r) }

// String renders simple specs as users write them ("a >=2", "a 1.0 h1_0")
// and anything else in conda's canonical form.
func (c condaMatcher) String() string {
	m := c.m
	if m.Channel == nil && m.Subdir == "" && m.Namespace == "" && m.MD5 == "" && m.SHA256 == "" &&
		m.License == "" && m.LicenseFamily == "" && m.Features == nil && m.TrackFeatures == nil &&
		m.URL == "" && m.Fn == "" && m.BuildNumber.IsAny() && !strings.ContainsAny(m.Build, "^$[]") {
		s := m.Name
		if v := m.Version.String(); v != "" && v != "*" {
			s += " " + v
		} else if m.Build != "" {
			s += " *"
		}
		if m.Build != "" {
			s += " " + m.Build
		}
		return s
	}
	return m.String()
}

// condaDialect is the dialect used by Solve.
func condaDialect() dialect {
	return dialect{
		parse: func(s string) (matcher, error) {
			m, err := conda.ParseMatchSpec(s)
			if err != nil {
				return nil, err
			}
			return condaMatcher{m}, nil
		},
		compare: func(a, b conda.Version) int { return a.Compare(b) },
	}
}

// problem is a Request translated into the solver's terms.
type problem struct {
	specs     []matcher
	pins      []matcher
	channels  []string
	priority  ChannelPriority
	installed []*conda.Record
	locked    []*conda.Record
	virtual   []*conda.Record
}

// nameInfo holds the candidates of one package name, best first.
type nameInfo struct {
	name  string
	cands []int32 // variables, in preference order
	// channels lists the channels that offered the name (before strict
	// filtering), in priority order, for messages.
	channels []string
	// hidden are records strict channel priority set aside, for messages.
	hidden []*conda.Record
	err    error // loading error from the Index
}

// specInfo caches everything derived from one spec string.
type specInfo struct {
	raw    string
	m      matcher
	err    error // parse error, or a record-loading error
	name   int32 // name id; -1 when the spec could not be parsed
	cands  []int32
	forbid []int32 // candidates of the name that do NOT match (for constrains)
	fdone  bool
}

// pool owns the records reached by a solve. Variables are indexes into
// recs; variable 0 is the root (the request itself). A pool is shared by the
// re-solves of the improvement pass, so names are loaded and specs matched
// once per Solve call.
type pool struct {
	idx Index
	d   dialect
	p   *problem

	recs    []*conda.Record // var -> record; recs[0] == nil (root)
	varName []int32         // var -> name id
	pref    []bool          // var -> installed or locked record

	names  []nameInfo
	nameID map[string]int32
	specs  map[string]*specInfo

	rank      map[string]int // channel -> priority rank (0 = highest)
	requested map[string]bool
	// pinnedChannel names the requested names whose spec names a channel
	// ("pytorch::pytorch"): strict priority does not hide that channel's
	// records, as pixi lets a spec override strict priority.
	pinnedChannel map[string]bool
	preferred     map[string]bool // record key -> installed/locked
	extra         map[string][]*conda.Record
	virtual       map[string][]*conda.Record

	// For the dependency-version tie-break: records per name after channel
	// filtering (no variables), and the highest version each spec allows.
	fetched map[string]fetched
	raw     map[string][]*conda.Record
	rawTF   map[string]bool // name -> some available record has track_features or features
	depMax  map[string]depInfo
	tfCost  map[*conda.Record]int
	depSum  map[*conda.Record][]namedDep

	// active are the features switched on (see [activeFeatures]): their
	// track_features cost nothing more, and builds whose "features" field
	// carries one are preferred over the builds of their name that lack it.
	active map[string]bool
	// forced are the active features the request itself switches on (see
	// [requestedFeatures]); the others may be given up to switch fewer on.
	forced map[string]bool
	// featOn holds, per name id, the active features some candidate of the
	// name carries in its "features" field; featMiss counts, per variable,
	// how many of them its record lacks (conda's "featureless" metric).
	featOn   [][]string
	featMiss []int32
	// tie numbers the groups of candidates that conda's objective can only
	// tell apart by the number of packages they bring in, then by
	// timestamp: same name, preference, channel, version, features, build
	// number, noarch-ness and dependency versions (per variable; 0 for the
	// root).
	tie  []int32
	nTie int32
}

// depInfo summarises the available records a dependency string matches.
type depInfo struct {
	max   *conda.Version // highest version, nil when none matches
	minTF int            // fewest track_features among them
}

func newPool(idx Index, d dialect, p *problem, active map[string]bool) *pool {
	pl := &pool{
		active:        active,
		featMiss:      []int32{0},
		tie:           []int32{0},
		idx:           idx,
		d:             d,
		p:             p,
		recs:          []*conda.Record{nil},
		varName:       []int32{-1},
		pref:          []bool{false},
		nameID:        map[string]int32{},
		specs:         map[string]*specInfo{},
		rank:          map[string]int{},
		requested:     map[string]bool{},
		pinnedChannel: map[string]bool{},
		preferred:     map[string]bool{},
		extra:         map[string][]*conda.Record{},
		virtual:       map[string][]*conda.Record{},
		raw:           map[string][]*conda.Record{},
		fetched:       map[string]fetched{},
		rawTF:         map[string]bool{},
		depMax:        map[string]depInfo{},
		tfCost:        map[*conda.Record]int{},
		depSum:        map[*conda.Record][]namedDep{},
	}
	for i, ch := range p.channels {
		if _, ok := pl.rank[ch]; !ok {
			pl.rank[ch] = i
		}
	}
	for _, m := range p.specs {
		pl.requested[m.pkgName()] = true
		if cm, ok := m.(condaMatcher); ok && cm.m.Channel != nil {
			pl.pinnedChannel[m.pkgName()] = true
		}
	}
	for _, list := range [][]*conda.Record{p.installed, p.locked} {
		for _, r := range list {
			k := recordKey(r)
			if !pl.preferred[k] {
				pl.preferred[k] = true
				pl.extra[r.Name] = append(pl.extra[r.Name], r)
			}
		}
	}
	for _, r := range p.virtual {
		pl.virtual[r.Name] = append(pl.virtual[r.Name], r)
	}
	return pl
}

// recordKey identifies a package build across record copies.
func recordKey(r *conda.Record) string {
	fn := r.Fn
	if fn == "" {
		fn = r.Name + "-" + r.Version.String() + "-" + r.Build
	} else {
		fn = strings.TrimSuffix(strings.TrimSuffix(fn, ".conda"), ".tar.bz2")
	}
	return r.Channel + "/" + r.Subdir + "/" + fn
}

// isVirtualName reports whether name is a virtual package name (`__glibc`).
func isVirtualName(name string) bool { return strings.HasPrefix(name, "__") }

func (pl *pool) channelRank(ch string) int {
	if len(pl.p.channels) == 0 {
		return 0
	}
	if r, ok := pl.rank[ch]; ok {
		return r
	}
	return len(pl.p.channels)
}

// name returns the id of name, loading its candidates on first use.
func (pl *pool) name(name string) int32 {
	if id, ok := pl.nameID[name]; ok {
		return id
	}
	id := int32(len(pl.names))
	pl.nameID[name] = id
	pl.names = append(pl.names, nameInfo{name: name})
	pl.featOn = append(pl.featOn, nil)
	ni := &pl.names[id]

	recs, err := pl.fetch(name)
	if err != nil {
		ni.err = err
		return id
	}
	type cand struct {
		r    *conda.Record
		key  string
		rank int
		pref bool
		tf   int
		miss int
	}
	cs := make([]cand, 0, len(recs)+len(pl.extra[name]))
	seen := make(map[string]int, len(recs))
	add := func(r *conda.Record, pref bool) {
		k := recordKey(r)
		if i, ok := seen[k]; ok {
			// Same build twice: keep the .conda one; mark preference.
			if pref {
				cs[i].pref = true
			} else if strings.HasSuffix(r.Fn, ".conda") && !strings.HasSuffix(cs[i].r.Fn, ".conda") {
				cs[i].r = r
			}
			return
		}
		seen[k] = len(cs)
		cs = append(cs, cand{r: r, key: k, rank: pl.channelRank(r.Channel), pref: pref || pl.preferred[k]})
	}
	for _, r := range recs {
		add(r, false)
	}
	for _, r := range pl.extra[name] {
		add(r, true)
	}

	// Channels that offer the name, for messages.
	best := -1
	for _, c := range cs {
		if best < 0 || c.rank < best {
			best = c.rank
		}
	}
	chSeen := map[string]bool{}
	for _, c := range cs {
		if !chSeen[c.r.Channel] {
			chSeen[c.r.Channel] = true
			ni.channels = append(ni.channels, c.r.Channel)
		}
	}
	slices.SortFunc(ni.channels, func(a, b string) int {
		if d := pl.channelRank(a) - pl.channelRank(b); d != 0 {
			return d
		}
		return strings.Compare(a, b)
	})

	// Strict priority: a name found in a higher channel ignores lower ones
	// (installed and locked records stay available).
	if pl.p.priority == Strict && !isVirtualName(name) && !pl.pinnedChannel[name] {
		kept := cs[:0]
		for _, c := range cs {
			if c.rank == best || c.pref {
				kept = append(kept, c)
			} else {
				ni.hidden = append(ni.hidden, c.r)
			}
		}
		cs = kept
	}

	// Active features carried by some build of the name: the builds
	// lacking one of them rank below those that carry it (conda's second
	// feature term, right after the feature count).
	var on []string
	if len(pl.active) > 0 {
		for _, c := range cs {
			for _, f := range recordFeatures(c.r) {
				if pl.active[f] && !slices.Contains(on, f) {
					on = append(on, f)
				}
			}
		}
		slices.Sort(on)
		pl.featOn[id] = on
	}
	for i := range cs {
		cs[i].tf = pl.features(cs[i].r)
		if len(on) > 0 {
			fs := recordFeatures(cs[i].r)
			for _, f := range on {
				if !slices.Contains(fs, f) {
					cs[i].miss++
				}
			}
		}
	}
	requested := pl.requested[name]
	cmpVer := pl.d.compare
	// Sort a permutation (moving 48-byte structs costs more than the
	// comparisons); the key makes the order total, so any sort is stable.
	perm := make([]int32, len(cs))
	for i := range perm {
		perm[i] = int32(i)
	}
	// tied compares everything conda's objective ranks above timestamps;
	// builds it finds equal form a tie group (see [pool.tie]).
	tied := func(i, j int32) int {
		a, b := &cs[i], &cs[j]
		if a.pref != b.pref {
			if a.pref {
				return -1
			}
			return 1
		}
		if pl.p.priority != Disabled && a.rank != b.rank {
			return a.rank - b.rank
		}
		ra, rb := a.r, b.r
		tfa, tfb := a.tf, b.tf
		// With priority disabled conda's version_key puts the channel right
		// after the version: [version, channel, build number, noarch, ...].
		disabledRank := pl.p.priority == Disabled && a.rank != b.rank
		if requested {
			if c := cmpVer(rb.Version, ra.Version); c != 0 {
				return c
			}
			if disabledRank {
				return a.rank - b.rank
			}
			if tfa != tfb {
				return tfa - tfb
			}
			if a.miss != b.miss {
				return a.miss - b.miss
			}
		} else {
			if tfa != tfb {
				return tfa - tfb
			}
			if a.miss != b.miss {
				return a.miss - b.miss
			}
			if c := cmpVer(rb.Version, ra.Version); c != 0 {
				return c
			}
			if disabledRank {
				return a.rank - b.rank
			}
		}
		if ra.BuildNumber != rb.BuildNumber {
			if ra.BuildNumber > rb.BuildNumber {
				return -1
			}
			return 1
		}
		na, nb := ra.Subdir == "noarch", rb.Subdir == "noarch"
		if na != nb {
			if nb {
				return -1
			}
			return 1
		}
		return pl.compareDeps(ra, rb)
	}
	slices.SortFunc(perm, func(i, j int32) int {
		if c := tied(i, j); c != 0 {
			return c
		}
		a, b := &cs[i], &cs[j]
		ra, rb := a.r, b.r
		if ra.Timestamp != rb.Timestamp {
			if ra.Timestamp > rb.Timestamp {
				return -1
			}
			return 1
		}
		if c := strings.Compare(rb.Build, ra.Build); c != 0 {
			return c
		}
		if c := strings.Compare(a.key, b.key); c != 0 {
			return c
		}
		return int(i - j)
	})

	ni.cands = make([]int32, len(cs))
	for i, p := range perm {
		c := &cs[p]
		v := int32(len(pl.recs))
		if i == 0 || tied(perm[i-1], p) != 0 {
			pl.nTie++
		}
		pl.recs = append(pl.recs, c.r)
		pl.varName = append(pl.varName, id)
		pl.pref = append(pl.pref, c.pref)
		pl.featMiss = append(pl.featMiss, int32(c.miss))
		pl.tie = append(pl.tie, pl.nTie)
		ni.cands[i] = v
	}
	return id
}

// fetch returns the index's records of name (or the virtual ones). The
// Index is asked once per name and Solve call.
func (pl *pool) fetch(name string) ([]*conda.Record, error) {
	if isVirtualName(name) {
		return pl.virtual[name], nil
	}
	if f, ok := pl.fetched[name]; ok {
		return f.recs, f.err
	}
	var recs []*conda.Record
	var err error
	if pl.idx != nil {
		var got []*conda.Record
		got, err = pl.idx.Candidates(name)
		if err != nil {
			err = fmt.Errorf("loading candidates for %s: %w", name, err)
		}
		recs = make([]*conda.Record, 0, len(got))
		for _, r := range got {
			if r != nil && r.Name == name {
				recs = append(recs, r)
			}
		}
	}
	pl.fetched[name] = fetched{recs, err}
	return recs, err
}

type fetched struct {
	recs []*conda.Record
	err  error
}

// available returns the records of name that channel priority allows,
// without creating variables (used for tie-breaks only).
func (pl *pool) available(name string) []*conda.Record {
	if recs, ok := pl.raw[name]; ok {
		return recs
	}
	recs, err := pl.fetch(name)
	if err != nil {
		// The error surfaces when the solver loads the name for real.
		pl.raw[name] = nil
		return nil
	}
	if pl.p.priority == Strict && !isVirtualName(name) && !pl.pinnedChannel[name] {
		best := -1
		for _, r := range recs {
			if rk := pl.channelRank(r.Channel); best < 0 || rk < best {
				best = rk
			}
		}
		kept := make([]*conda.Record, 0, len(recs))
		for _, r := range recs {
			if pl.channelRank(r.Channel) == best {
				kept = append(kept, r)
			}
		}
		recs = kept
	}
	pl.raw[name] = recs
	for _, r := range recs {
		if len(r.TrackFeatures) > 0 || r.Features != "" {
			pl.rawTF[name] = true
			break
		}
	}
	return recs
}

// dep summarises the available records matching the dependency string.
func (pl *pool) dep(dep string) depInfo {
	if d, ok := pl.depMax[dep]; ok {
		return d
	}
	pl.depMax[dep] = depInfo{}
	m, err := pl.d.parse(dep)
	if err != nil || m.pkgName() == "" {
		return depInfo{}
	}
	var d depInfo
	d.minTF = -1
	for _, r := range pl.available(m.pkgName()) {
		if !m.match(r) {
			continue
		}
		if d.max == nil || pl.d.compare(r.Version, *d.max) > 0 {
			v := r.Version
			d.max = &v
		}
		if n := pl.ownFeatures(r); d.minTF < 0 || n < d.minTF {
			d.minTF = n
		}
	}
	d.minTF = max(d.minTF, 0)
	pl.depMax[dep] = d
	return d
}

// features is the number of features a record switches on in an
// environment: its own track_features, one per legacy "features" entry
// (conda makes each require a record tracking it), and the fewest its
// direct dependencies can be satisfied with; features already active cost
// nothing, as conda counts each feature once. conda minimises the
// environment's total; this one-level estimate ranks the builds of one name
// the same way in the common cases (mkl vs nomkl builds, pypy vs cpython).
func (pl *pool) features(r *conda.Record) int {
	if c, ok := pl.tfCost[r]; ok {
		return c
	}
	c := pl.ownFeatures(r)
	for _, d := range r.Depends {
		if n := depName(d); pl.available(n) != nil && pl.rawTF[n] {
			c += pl.dep(d).minTF
		}
	}
	pl.tfCost[r] = c
	return c
}

// ownFeatures counts the inactive features r tracks or carries.
func (pl *pool) ownFeatures(r *conda.Record) int {
	n := 0
	for _, f := range r.TrackFeatures {
		if !pl.active[f] {
			n++
		}
	}
	if r.Features != "" {
		for _, f := range recordFeatures(r) {
			if !pl.active[f] {
				n++
			}
		}
	}
	return n
}

// recordFeatures splits a record's legacy "features" field.
func recordFeatures(r *conda.Record) []string {
	if r.Features == "" {
		return nil
	}
	return strings.FieldsFunc(r.Features, func(c rune) bool { return c == ' ' || c == ',' })
}

// depName returns the package name a dependency string starts with.
func depName(dep string) string {
	dep = strings.TrimSpace(dep)
	if i := strings.IndexAny(dep, " =<>!~[;"); i >= 0 {
		dep = dep[:i]
	}
	if i := strings.LastIndex(dep, "::"); i >= 0 {
		dep = dep[i+2:]
	}
	return strings.ToLower(dep)
}

// namedDep is one dependency of a record, summarised for tie-breaks.
type namedDep struct {
	name string
	max  *conda.Version
}

// depSummary returns r's dependencies sorted by name with the highest
// version each allows (cached per record).
func (pl *pool) depSummary(r *conda.Record) []namedDep {
	if ds, ok := pl.depSum[r]; ok {
		return ds
	}
	ds := make([]namedDep, 0, len(r.Depends))
	for _, d := range r.Depends {
		ds = append(ds, namedDep{name: depName(d), max: pl.dep(d).max})
	}
	slices.SortStableFunc(ds, func(a, b namedDep) int { return strings.Compare(a.name, b.name) })
	pl.depSum[r] = ds
	return ds
}

// compareDeps orders two otherwise tied builds by the versions their
// dependencies allow: for each dependency name both have, the build whose
// spec admits a higher version scores a point; more points first. This
// stands in for conda's "maximise dependency versions" objective, which it
// ranks above timestamps: among numpy 1.15.0 builds for python 3.5, 3.6 and
// 3.7 the python 3.7 one comes first.
func (pl *pool) compareDeps(a, b *conda.Record) int {
	if len(a.Depends) == 0 || len(b.Depends) == 0 {
		return 0
	}
	da, db := pl.depSummary(a), pl.depSummary(b)
	score := 0
	i, j := 0, 0
	for i < len(da) && j < len(db) {
		switch c := strings.Compare(da[i].name, db[j].name); {
		case c < 0:
			i++
			continue
		case c > 0:
			j++
			continue
		}
		va, vb := da[i].max, db[j].max
		switch {
		case va != nil && vb == nil:
			score--
		case va == nil && vb != nil:
			score++
		case va != nil && vb != nil:
			if c := pl.d.compare(*va, *vb); c > 0 {
				score--
			} else if c < 0 {
				score++
			}
		}
		i++
		j++
	}
	return score
}

// spec parses and matches a dependency string once per pool.
func (pl *pool) spec(raw string) *specInfo {
	if si, ok := pl.specs[raw]; ok {
		return si
	}
	si := &specInfo{raw: raw, name: -1}
	pl.specs[raw] = si
	m, err := pl.d.parse(raw)
	if err != nil {
		si.err = fmt.Errorf("parsing dependency %q: %w", raw, err)
		return si
	}
	pl.fill(si, m)
	return si
}

// specFor wraps an already parsed matcher (a requested spec or pin).
func (pl *pool) specFor(m matcher) *specInfo {
	si := &specInfo{raw: m.String(), name: -1}
	pl.fill(si, m)
	return si
}

func (pl *pool) fill(si *specInfo, m matcher) {
	si.m = m
	n := m.pkgName()
	if n == "" || n == "*" {
		si.err = fmt.Errorf("spec %q names no package", si.raw)
		return
	}
	si.name = pl.name(n)
	ni := &pl.names[si.name]
	if ni.err != nil {
		si.err = ni.err
		return
	}
	for _, v := range ni.cands {
		if m.match(pl.recs[v]) {
			si.cands = append(si.cands, v)
		}
	}
}

// forbidden returns the candidates of si's name that do not match it.
func (pl *pool) forbidden(si *specInfo) []int32 {
	if si.fdone {
		return si.forbid
	}
	si.fdone = true
	all := pl.names[si.name].cands
	j := 0
	for _, v := range all {
		if j < len(si.cands) && si.cands[j] == v {
			j++
			continue
		}
		si.forbid = append(si.forbid, v)
	}
	return si.forbid
}
