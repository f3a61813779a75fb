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
	// Requested is true for a requested spec, false for a dependency.
	Requested bool
	// Missing is true when no record matches Spec; Channels then lists the
	// channels that offer the name at all (empty: none does), and HiddenIn
	// the lower priority channels whose matching records strict channel
	// priority set aside.
	Missing  bool
	Channels []string
	HiddenIn []string
	// Virtual is set when Spec names a virtual package (`__glibc`);
	// Provided then lists the system's virtual packages of that name.
	Virtual  bool
	Provided []*conda.Record
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
	// Constraints lists run_constrained conflicts and pins involving these
	// records.
	Constraints []Constraint
}

// Constraint is a run_constrained spec or a pin that takes part in a
// conflict.
type Constraint struct {
	// Spec is the constraint, e.g. "lib <2".
	Spec string
	// By is the record declaring it; nil for a pin. When By is one of the
	// group's records, the constraint excludes Excluded; otherwise it
	// excludes the group's records.
	By       *conda.Record
	Excluded []*conda.Record
}

func (c Constraint) text(plural bool, own bool) string {
	switch {
	case own:
		verb := "constrains "
		if plural {
			verb = "constrain "
		}
		if len(c.Excluded) == 0 {
			return verb + c.Spec + ", which excludes itself"
		}
		return verb + c.Spec + ", which excludes " + describeRecords(c.Excluded)
	case c.By == nil:
		if plural {
			return "are excluded by pin " + c.Spec
		}
		return "is excluded by pin " + c.Spec
	default:
		verb := "is excluded by "
		if plural {
			verb = "are excluded by "
		}
		return fmt.Sprintf("%s%s %s, which constrains %s", verb, c.By.Name, c.By.Version, c.Spec)
	}
}

// Error renders the explanation, for example:
//
//	cannot satisfy the request:
//	├─ python 3.10.* is requested, which can only be python 3.10.0
//	└─ foo >=2 is requested
//	   └─ foo 2.1 | 2.0 require python >=3.11
//	      └─ python 3.12.0 | 3.11.0 conflict with python 3.10.0
//
// Versions are listed most preferred first; long lists are shortened, and
// so is a tree of more than 40 lines (a refutation that needed a long
// search).
func (e *UnsolvableError) Error() string {
	var b strings.Builder
	b.WriteString("cannot satisfy the request:")
	for i, c := range e.Causes {
		writeCause(&b, c, "", i == len(e.Causes)-1)
	}
	out := b.String()
	if n := strings.Count(out, "\n"); n > maxErrorLines {
		cut := 0
		for i := 0; i < maxErrorLines; i++ {
			cut += strings.IndexByte(out[cut:], '\n') + 1
		}
		out = fmt.Sprintf("%s... (%d more lines)", out[:cut], n-maxErrorLines+1)
	}
	return out
}

// maxErrorLines bounds the tree Error renders; Causes holds all of it.
const maxErrorLines = 40

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
	default:
		b.WriteString(c.Spec)
	}
	writeCauseBody(b, c, indent+more)
}

// writeCauseBody writes what follows a requirement's label: why it fails,
// then its candidate groups below it at indent.
func writeCauseBody(b *strings.Builder, c *Cause, indent string) {
	switch {
	case c.Unparsable:
		b.WriteString(", which cannot be parsed")
		return
	case c.Missing && c.Virtual && len(c.Provided) > 0:
		b.WriteString(", but the system provides " + describeRecords(c.Provided))
		return
	case c.Missing && c.Virtual:
		b.WriteString(", which the system does not provide")
		return
	case c.Missing && len(c.HiddenIn) > 0:
		b.WriteString(", which only " + strings.Join(c.HiddenIn, ", ") + " has (strict channel priority takes")
		b.WriteString(" " + c.Channels[0] + "'s records only)")
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
		len(c.Groups[0].ConflictsWith) == 0 {
		b.WriteString(", which can only be " + describeRecords(c.Groups[0].Records))
		return
	}
	for i, g := range c.Groups {
		writeGroup(b, g, indent, i == len(c.Groups)-1)
	}
}

func writeGroup(b *strings.Builder, g *CandidateGroup, indent string, last bool) {
	head, more := branch(last)
	plural := distinctVersions(g.Records) > 1
	b.WriteString("\n" + indent + head + describeRecords(g.Records))
	reqVerb := "requires "
	if plural {
		reqVerb = "require "
	}
	if len(g.ConflictsWith) > 0 {
		verb := " conflicts with "
		if plural {
			verb = " conflict with "
		}
		b.WriteString(verb + describeRecords(g.ConflictsWith))
	}
	own := func(c Constraint) bool { return c.By != nil && slices.Contains(g.Records, c.By) }
	n := len(g.Constraints) + len(g.Requires)
	if len(g.ConflictsWith) == 0 && n == 1 {
		if len(g.Requires) == 1 {
			b.WriteString(" " + reqVerb + g.Requires[0].Spec)
			writeCauseBody(b, g.Requires[0], indent+more)
		} else {
			b.WriteString(" " + g.Constraints[0].text(plural, own(g.Constraints[0])))
		}
		return
	}
	i := 0
	for _, c := range g.Constraints {
		i++
		h, _ := branch(i == n)
		b.WriteString("\n" + indent + more + h + c.text(plural, own(c)))
	}
	for _, r := range g.Requires {
		i++
		rc := *r
		rc.Spec = reqVerb + r.Spec
		writeCause(b, &rc, indent+more, i == n)
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
	x := &explainer{s: s, core: cc, done: map[string]bool{}, consDone: map[int32]bool{}}
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
	s        *solver
	core     *coreSet
	done     map[string]bool
	consDone map[int32]bool // constrains/pin clauses already shown
}

func (x *explainer) build() *UnsolvableError {
	e := &UnsolvableError{}
	// Requested specs in request order, then pins.
	for cid := range x.s.clauses {
		cl := &x.s.clauses[cid]
		if !x.core.clauses[int32(cid)] || cl.kind != kindRequest {
			continue
		}
		c := x.cause(cl.spec, 0)
		c.Requested = true
		e.Causes = append(e.Causes, c)
	}
	return e
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
func (x *explainer) cause(si *specInfo, depth int) *Cause {
	c := &Cause{Spec: si.raw}
	if si.m == nil {
		c.Unparsable = true
		return c
	}
	if si.err != nil || len(si.cands) == 0 {
		c.Missing = true
		if si.name >= 0 {
			n := x.s.pl.names[si.name]
			if isVirtualName(n.name) {
				c.Virtual = true
				c.Provided = x.recs(n.cands)
			} else {
				c.Channels = n.channels
				seen := map[string]bool{}
				for _, r := range n.hidden {
					if si.m.match(r) && !seen[r.Channel] {
						seen[r.Channel] = true
						c.HiddenIn = append(c.HiddenIn, r.Channel)
					}
				}
			}
		}
		return c
	}
	if x.done[si.raw] || depth > maxExplainDepth {
		c.SeeAbove = true
		return c
	}
	x.done[si.raw] = true

	// Candidates in preference order; those the refutation never touched
	// (possible with learnt clauses) are left out.
	var vars []int32
	inSpec := make(map[int32]bool, len(si.cands))
	for _, v := range si.cands {
		inSpec[v] = true
	}
	for _, v := range si.cands {
		if len(x.core.requires[v]) > 0 || len(x.core.cons[v]) > 0 || len(x.core.amo[v]) > 0 {
			vars = append(vars, v)
		}
	}

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
		var cons []Constraint
		for _, cid := range x.core.cons[v] {
			if x.consDone[cid] {
				continue
			}
			x.consDone[cid] = true
			c := x.constraint(cid, v)
			cons = append(cons, c)
			if c.By != nil && c.By == x.s.pl.recs[v] {
				sig = append(sig, "o:"+c.Spec)
			} else {
				sig = append(sig, "c:"+c.Spec+"|"+recordKeyOf(c.By))
			}
		}
		// Clashes with other candidates of this same spec explain nothing
		// (the spec needs only one of them); keep clashes with records
		// other requirements force.
		var amo []int32
		if depth > 0 || len(reqs) > 0 || len(cons) > 0 {
			for _, o := range x.core.amo[v] {
				if !inSpec[o] {
					amo = append(amo, o)
				}
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
		} else {
			for k, c := range cons {
				if k < len(en.group.Constraints) {
					g := &en.group.Constraints[k]
					for _, r := range c.Excluded {
						if !slices.Contains(g.Excluded, r) {
							g.Excluded = append(g.Excluded, r)
						}
					}
				}
			}
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
			en.group.Requires = append(en.group.Requires, x.cause(cl.spec, depth+1))
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

func recordKeyOf(r *conda.Record) string {
	if r == nil {
		return "pin"
	}
	return recordKey(r)
}

func (x *explainer) constraint(cid int32, v int32) Constraint {
	cl := &x.s.clauses[cid]
	c := Constraint{Spec: cl.spec.raw}
	if cl.kind == kindPin {
		return c
	}
	c.By = x.s.pl.recs[cl.src]
	if cl.src == v {
		for _, l := range cl.lits {
			if l.v() != v {
				c.Excluded = append(c.Excluded, x.s.pl.recs[l.v()])
			}
		}
	}
	return c
}
