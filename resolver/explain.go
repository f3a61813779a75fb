package resolver

import (
	"fmt"
	"slices"
	"strings"

	"github.com/envseal/envseal/conda"
)

// UnsolvableError reports that no set of records satisfies a request. It
// carries the explanation as data: a tree whose roots are the requested
// specs (and pins) taking part in the conflict, whose inner nodes are the
// candidate records of each spec and whose leaves are the reasons those
// candidates cannot be installed. Error renders it as a short tree.
//
// The tree is built from the clauses the solver used to prove the request
// unsatisfiable (an unsatisfiable core), so it names only requirements that
// matter, but it is not guaranteed to be minimal.
type UnsolvableError struct {
	// Causes has one entry per requested spec or pin in the conflict, in
	// request order.
	Causes []*Cause
}

// Cause explains why a requirement cannot be met.
type Cause struct {
	// Spec is the requirement as written, e.g. "python >=3.11".
	Spec string
	// Requested is true for a requested spec, Pinned for a pin; both are
	// false for a dependency.
	Requested, Pinned bool
	// Missing is true when no record matches Spec; Channels then lists the
	// channels that offer the name at all (empty: none does).
	Missing  bool
	Channels []string
	// Unparsable is set when Spec could not be parsed.
	Unparsable bool
	// SeeAbove is set when the same requirement was explained earlier in the
	// tree; Groups is then empty.
	SeeAbove bool
	// Groups partitions the candidate records of Spec that take part in the
	// conflict by the reason they are excluded.
	Groups []*CandidateGroup
}

// CandidateGroup is a set of records of one name excluded for the same
// reasons.
type CandidateGroup struct {
	// Records are the candidates, most preferred first.
	Records []*conda.Record
	// Requires lists the dependencies of these records that cannot be met.
	Requires []*Cause
	// ConflictsWith lists records of the same name that other requirements
	// force, and only one record per name can be installed.
	ConflictsWith []*conda.Record
	// Constraints describes run_constrained conflicts and pins, as text
	// ("excluded by pin python 3.10.*", "bar 1.0 constrains foo <2").
	Constraints []string
}

// Error renders the explanation, for example:
//
//	cannot satisfy the request:
//	├─ python 3.10.* is requested, which can only be python 3.10.0
//	└─ foo >=2 is requested
//	   └─ foo 2.0 | 2.1 require python >=3.11
//	      └─ python 3.11.0 | 3.12.0 conflict with python 3.10.0
func (e *UnsolvableError) Error() string {
	var b strings.Builder
	b.WriteString("cannot satisfy the request:")
	for i, c := range e.Causes {
		writeCause(&b, c, "", i == len(e.Causes)-1)
	}
	return b.String()
}

func branch(last bool) (string, string) {
	if last {
		return "└─ ", "   "
	}
	return "├─ ", "│  "
}

func writeCause(b *strings.Builder, c *Cause, indent string, last bool) {
	head, more := branch(last)
	b.WriteString("\n" + indent + head)
	switch {
	case c.Requested:
		b.WriteString(c.Spec + " is requested")
	case c.Pinned:
		b.WriteString(c.Spec + " is pinned")
	default:
		b.WriteString(c.Spec)
	}
	switch {
	case c.Unparsable:
		b.WriteString(", which cannot be parsed")
		return
	case c.Missing:
		b.WriteString(", which does not exist")
		if len(c.Channels) > 0 {
			b.WriteString(" in " + strings.Join(c.Channels, ", "))
		}
		return
	case c.SeeAbove:
		b.WriteString(" (see above)")
		return
	}
	// A requested spec whose candidates only clash with other choices is
	// shown on one line; the clash is shown where the other side is.
	if len(c.Groups) == 1 && len(c.Groups[0].Requires) == 0 && len(c.Groups[0].Constraints) == 0 &&
		(c.Requested || c.Pinned) {
		b.WriteString(", which can only be " + describeRecords(c.Groups[0].Records))
		return
	}
	for i, g := range c.Groups {
		writeGroup(b, g, indent+more, i == len(c.Groups)-1)
	}
}

func writeGroup(b *strings.Builder, g *CandidateGroup, indent string, last bool) {
	head, more := branch(last)
	plural := distinctVersions(g.Records) > 1
	b.WriteString("\n" + indent + head + describeRecords(g.Records))
	var lines []func(last bool)
	if len(g.ConflictsWith) > 0 {
		verb := " conflicts with "
		if plural {
			verb = " conflict with "
		}
		b.WriteString(verb + describeRecords(g.ConflictsWith))
	}
	for _, s := range g.Constraints {
		lines = append(lines, func(last bool) {
			h, _ := branch(last)
			b.WriteString("\n" + indent + more + h + s)
		})
	}
	for _, r := range g.Requires {
		lines = append(lines, func(last bool) {
			verb := "requires "
			if plural {
				verb = "require "
			}
			rc := *r
			rc.Spec = verb + r.Spec
			writeCause(b, &rc, indent+more, last)
		})
	}
	for i, f := range lines {
		f(i == len(lines)-1)
	}
}

func distinctVersions(rs []*conda.Record) int {
	seen := map[string]bool{}
	for _, r := range rs {
		seen[r.Version.String()] = true
	}
	return len(seen)
}

// describeRecords renders records of one name: "foo 1.0 | 1.1", with long
// lists shortened.
func describeRecords(rs []*conda.Record) string {
	if len(rs) == 0 {
		return ""
	}
	var vs []string
	seen := map[string]bool{}
	for _, r := range rs {
		v := r.Version.String()
		if !seen[v] {
			seen[v] = true
			vs = append(vs, v)
		}
	}
	if len(vs) > 5 {
		return fmt.Sprintf("%s %s | %s | ... | %s (%d versions)", rs[0].Name, vs[0], vs[1], vs[len(vs)-1], len(vs))
	}
	return rs[0].Name + " " + strings.Join(vs, " | ")
}

// unsolvable builds the UnsolvableError from the final conflict.
func (s *solver) unsolvable() *UnsolvableError {
	cc := s.core()
	x := &explainer{s: s, core: cc, done: map[string]bool{}, amoDone: map[[2]int32]bool{}}
	return x.build()
}

// coreSet is the set of original constraints used to refute the request.
type coreSet struct {
	clauses  map[int32]bool
	amo      map[int32][]int32 // var -> same-name vars it clashes with
	requires map[int32][]int32 // record var -> requires clause ids
	cons     map[int32][]int32 // var -> constrains/pin clause ids it is in
}

func (s *solver) core() *coreSet {
	cs := &coreSet{clauses: map[int32]bool{}, amo: map[int32][]int32{},
		requires: map[int32][]int32{}, cons: map[int32][]int32{}}
	visitedVar := map[int32]bool{}
	derived := map[int32]bool{}
	amoSeen := map[[2]int32]bool{}
	type item struct {
		r     ref
		level bool // expand reasons of the literals' level-0 variables
	}
	var stack []item
	pushVar := func(v int32) {
		if visitedVar[v] || s.value[v] == 0 || s.level[v] != 0 || s.reason[v] == reasonNone {
			return
		}
		visitedVar[v] = true
		_, r := s.reasonLits(v)
		stack = append(stack, item{r: r, level: true})
	}
	stack = append(stack, item{r: s.final.r, level: true})
	for _, l := range s.final.lits {
		pushVar(l.v())
	}
	for len(stack) > 0 {
		it := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if it.r.c == refAMO {
			a, b := min(it.r.a, it.r.b), max(it.r.a, it.r.b)
			if !amoSeen[[2]int32{a, b}] {
				amoSeen[[2]int32{a, b}] = true
				cs.amo[a] = append(cs.amo[a], b)
				cs.amo[b] = append(cs.amo[b], a)
			}
			if it.level {
				pushVar(a)
				pushVar(b)
			}
			continue
		}
		cl := &s.clauses[it.r.c]
		if it.level {
			for _, l := range cl.lits {
				pushVar(l.v())
			}
		}
		if cl.kind == kindLearnt {
			if derived[it.r.c] {
				continue
			}
			derived[it.r.c] = true
			for _, a := range cl.ante {
				stack = append(stack, item{r: a})
			}
			for _, v := range cl.zero {
				pushVar(v)
			}
			continue
		}
		if cs.clauses[it.r.c] {
			continue
		}
		cs.clauses[it.r.c] = true
		switch cl.kind {
		case kindRequires:
			cs.requires[cl.src] = append(cs.requires[cl.src], it.r.c)
		case kindConstrains, kindPin:
			for _, l := range cl.lits {
				cs.cons[l.v()] = append(cs.cons[l.v()], it.r.c)
			}
		}
	}
	for _, m := range []map[int32][]int32{cs.amo, cs.requires, cs.cons} {
		for k := range m {
			slices.Sort(m[k])
			m[k] = slices.Compact(m[k])
		}
	}
	return cs
}

type explainer struct {
	s       *solver
	core    *coreSet
	done    map[string]bool
	amoDone map[[2]int32]bool
}

func (x *explainer) build() *UnsolvableError {
	e := &UnsolvableError{}
	// Requested specs in request order, then pins.
	for cid := range x.s.clauses {
		cl := &x.s.clauses[cid]
		if !x.core.clauses[int32(cid)] || cl.kind != kindRequest {
			continue
		}
		c := x.cause(cl.spec, cl.lits[1:], 0)
		c.Requested = true
		e.Causes = append(e.Causes, c)
	}
	pinned := map[*specInfo]bool{}
	for cid := range x.s.clauses {
		cl := &x.s.clauses[cid]
		if !x.core.clauses[int32(cid)] || cl.kind != kindPin || pinned[cl.spec] {
			continue
		}
		pinned[cl.spec] = true
	}
	for _, si := range x.s.pins {
		if pinned[si] {
			e.Causes = append(e.Causes, &Cause{Spec: si.raw, Pinned: true,
				Groups: []*CandidateGroup{{Records: x.recs(x.pinForbidden(si))}}})
		}
	}
	return e
}

func (x *explainer) pinForbidden(si *specInfo) []int32 {
	var out []int32
	for _, v := range x.s.pl.forbidden(si) {
		for _, cid := range x.core.cons[v] {
			if x.s.clauses[cid].kind == kindPin && x.s.clauses[cid].spec == si {
				out = append(out, v)
				break
			}
		}
	}
	return out
}

func (x *explainer) recs(vs []int32) []*conda.Record {
	out := make([]*conda.Record, len(vs))
	for i, v := range vs {
		out[i] = x.s.pl.recs[v]
	}
	return out
}

const maxExplainDepth = 12

// cause explains requirement si whose candidate literals are cands.
func (x *explainer) cause(si *specInfo, cands []lit, depth int) *Cause {
	c := &Cause{Spec: si.raw}
	if si.m == nil {
		c.Unparsable = true
		return c
	}
	if si.err != nil || len(si.cands) == 0 {
		c.Missing = true
		if si.name >= 0 {
			c.Channels = x.s.pl.names[si.name].channels
		}
		return c
	}
	if x.done[si.raw] || depth > maxExplainDepth {
		c.SeeAbove = true
		return c
	}
	x.done[si.raw] = true

	vars := make([]int32, 0, len(cands))
	for _, l := range cands {
		vars = append(vars, l.v())
	}
	// Preference order, as the spec lists them.
	order := map[int32]int{}
	for i, v := range si.cands {
		order[v] = i
	}
	slices.SortFunc(vars, func(a, b int32) int { return order[a] - order[b] })

	type entry struct {
		sig   string
		group *CandidateGroup
		reqs  []int32
		amo   []int32
	}
	var groups []*entry
	bySig := map[string]*entry{}
	for _, v := range vars {
		var sig []string
		reqs := x.core.requires[v]
		for _, cid := range reqs {
			sig = append(sig, "r:"+x.s.clauses[cid].spec.raw)
		}
		var cons []string
		for _, cid := range x.core.cons[v] {
			cons = append(cons, x.constraintText(cid, v))
		}
		sig = append(sig, cons...)
		var amo []int32
		if depth > 0 || len(reqs) > 0 || len(cons) > 0 {
			for _, o := range x.core.amo[v] {
				amo = append(amo, o)
			}
		}
		if len(amo) > 0 {
			sig = append(sig, "a:"+x.s.pl.names[x.s.pl.varName[v]].name)
		}
		key := strings.Join(sig, "\x00")
		en, ok := bySig[key]
		if !ok {
			en = &entry{sig: key, group: &CandidateGroup{Constraints: cons}, reqs: reqs}
			bySig[key] = en
			groups = append(groups, en)
		}
		en.group.Records = append(en.group.Records, x.s.pl.recs[v])
		en.amo = append(en.amo, amo...)
	}
	for _, en := range groups {
		slices.SortFunc(en.amo, func(a, b int32) int { return order2(x.s, a, b) })
		en.amo = slices.Compact(en.amo)
		en.group.ConflictsWith = x.recs(en.amo)
		for _, cid := range en.reqs {
			cl := &x.s.clauses[cid]
			en.group.Requires = append(en.group.Requires, x.cause(cl.spec, cl.lits[1:], depth+1))
		}
		c.Groups = append(c.Groups, en.group)
	}
	return c
}

// order2 orders variables of one name by preference.
func order2(s *solver, a, b int32) int {
	if a < b {
		return -1
	}
	if a > b {
		return 1
	}
	return 0
}

func (x *explainer) constraintText(cid int32, v int32) string {
	cl := &x.s.clauses[cid]
	if cl.kind == kindPin {
		return "excluded by pin " + cl.spec.raw
	}
	src := x.s.pl.recs[cl.src]
	if cl.src == v {
		var other int32 = -1
		for _, l := range cl.lits {
			if l.v() != v {
				other = l.v()
			}
		}
		if other > 0 {
			o := x.s.pl.recs[other]
			return fmt.Sprintf("constrains %s, which excludes %s %s", cl.spec.raw, o.Name, o.Version)
		}
		return "constrains " + cl.spec.raw
	}
	return fmt.Sprintf("excluded by %s %s, which constrains %s", src.Name, src.Version, cl.spec.raw)
}
