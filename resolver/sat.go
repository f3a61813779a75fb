package resolver

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// lit is a literal: variable<<1, plus 1 when negated.
type lit int32

func posLit(v int32) lit  { return lit(v << 1) }
func negLit(v int32) lit  { return lit(v<<1 | 1) }
func (l lit) v() int32    { return int32(l >> 1) }
func (l lit) isNeg() bool { return l&1 == 1 }
func (l lit) not() lit    { return l ^ 1 }

type clauseKind uint8

const (
	kindRequest    clauseKind = iota // root -> one of the candidates of a requested spec
	kindRequires                     // record -> one of the candidates of a dependency
	kindConstrains                   // record -> not c (c of the name, not matching)
	kindPin                          // root -> not c (c does not match a pin)
	kindExtra                        // root -> one of (improvement pass)
	kindLearnt                       // derived by conflict analysis
)

// clause is a disjunction of literals. lits[0] and lits[1] are watched.
type clause struct {
	lits []lit
	kind clauseKind
	src  int32     // requiring/constraining record (0 = root)
	spec *specInfo // the spec behind request/requires/constrains/pin
	// Learnt clauses remember how they were derived, for explanations.
	ante []ref
	zero []int32 // level-0 variables resolved away
}

// ref names one reason: a clause, or an at-most-one-per-name pair.
type ref struct {
	c    int32 // clause id, or refAMO
	a, b int32 // the pair when c == refAMO
}

const (
	refAMO      int32 = -2
	reasonNone  int32 = -1 // decisions and the root
	reasonAMOHi int32 = -2 // reason values <= -2 encode AMO(-(r+2))
)

// req is a requirement clause as seen by the decision heuristic.
type req struct {
	cid   int32
	src   int32
	cands []int32 // preference order (shared with specInfo)
	hint  int32   // index into cands of the last true candidate
}

// conflict describes a falsified constraint.
type conflict struct {
	lits []lit
	r    ref
}

// solver is one CDCL run over a pool. The pool grows while the solver runs
// (names load lazily), so per-variable slices grow with it.
type solver struct {
	pl     *pool
	roots  []*specInfo
	pins   []*specInfo
	extra  [][]int32
	budget int // max conflicts; 0 = unlimited

	value    []int8 // +1 true, -1 false, 0 unassigned
	level    []int32
	reason   []int32
	expanded []bool
	seen     []bool

	trail    []lit
	trailLim []int
	qhead    int
	expandQ  []int32

	clauses []clause
	watches [][]int32
	units   []int32 // unit clause ids, re-asserted on every propagation
	reqs    []req   // requirement clauses of records
	rootReq []req

	soft   []int32 // name ids of installed names to keep if possible
	final  *conflict
	scrat  [2]lit
	nConfl int

	// pending constrains: name id -> clauses to add when the name loads
	// (not used: constrained names are loaded eagerly).
}

func newSolver(pl *pool, roots, pins []*specInfo, extra [][]int32, budget int) *solver {
	s := &solver{pl: pl, roots: roots, pins: pins, extra: extra, budget: budget}
	s.soft = softNames(pl)
	s.grow()
	return s
}

// softNames lists the names of installed records that nobody requested, in
// name order; the solver tries to keep them installed.
func softNames(pl *pool) []int32 {
	var names []string
	seen := map[string]bool{}
	for _, r := range pl.p.installed {
		if !pl.requested[r.Name] && !seen[r.Name] && !isVirtualName(r.Name) {
			seen[r.Name] = true
			names = append(names, r.Name)
		}
	}
	slices.Sort(names)
	ids := make([]int32, len(names))
	for i, n := range names {
		ids[i] = pl.name(n)
	}
	return ids
}

// grow extends per-variable state to cover every variable of the pool.
func (s *solver) grow() {
	n := len(s.pl.recs)
	for len(s.value) < n {
		s.value = append(s.value, 0)
		s.level = append(s.level, 0)
		s.reason = append(s.reason, reasonNone)
		s.expanded = append(s.expanded, false)
		s.seen = append(s.seen, false)
		s.watches = append(s.watches, nil, nil)
	}
}

func (s *solver) litValue(l lit) int8 {
	v := s.value[l.v()]
	if l.isNeg() {
		return -v
	}
	return v
}

func (s *solver) decisionLevel() int32 { return int32(len(s.trailLim)) }

func (s *solver) assign(l lit, reason int32) {
	v := l.v()
	if l.isNeg() {
		s.value[v] = -1
	} else {
		s.value[v] = 1
	}
	s.level[v] = s.decisionLevel()
	s.reason[v] = reason
	s.trail = append(s.trail, l)
}

func (s *solver) backtrack(lvl int32) {
	if s.decisionLevel() <= lvl {
		return
	}
	start := s.trailLim[lvl]
	for i := len(s.trail) - 1; i >= start; i-- {
		v := s.trail[i].v()
		s.value[v] = 0
		s.reason[v] = reasonNone
	}
	s.trail = s.trail[:start]
	s.trailLim = s.trailLim[:lvl]
	s.qhead = start
	s.expandQ = s.expandQ[:0]
}

// addClause stores c, sets its watches for the current assignment and
// reports a conflict, or performs the unit propagation it implies.
func (s *solver) addClause(c clause) *conflict {
	cid := int32(len(s.clauses))
	s.clauses = append(s.clauses, c)
	cl := &s.clauses[cid]
	lits := cl.lits
	if len(lits) == 0 {
		return &conflict{r: ref{c: cid}}
	}
	if len(lits) == 1 {
		s.units = append(s.units, cid)
		switch s.litValue(lits[0]) {
		case 0:
			s.assign(lits[0], cid)
		case -1:
			return &conflict{lits: lits, r: ref{c: cid}}
		}
		return nil
	}
	// Move the two best literals to the front: true or unassigned first,
	// then false ones by decreasing level.
	better := func(a, b lit) bool {
		va, vb := s.litValue(a), s.litValue(b)
		if (va >= 0) != (vb >= 0) {
			return va >= 0
		}
		if va < 0 {
			return s.level[a.v()] > s.level[b.v()]
		}
		return false
	}
	for w := 0; w < 2; w++ {
		best := w
		for k := w + 1; k < len(lits); k++ {
			if better(lits[k], lits[best]) {
				best = k
			}
		}
		lits[w], lits[best] = lits[best], lits[w]
	}
	s.watches[lits[0]] = append(s.watches[lits[0]], cid)
	s.watches[lits[1]] = append(s.watches[lits[1]], cid)
	v0, v1 := s.litValue(lits[0]), s.litValue(lits[1])
	switch {
	case v0 == -1:
		return &conflict{lits: lits, r: ref{c: cid}}
	case v1 == -1 && v0 == 0:
		s.assign(lits[0], cid)
	}
	return nil
}

// propagate runs unit propagation, at-most-one-per-name propagation and
// lazy clause generation to a fixpoint.
func (s *solver) propagate() (*conflict, error) {
	for {
		for _, u := range s.units {
			l := s.clauses[u].lits[0]
			switch s.litValue(l) {
			case 0:
				s.assign(l, u)
			case -1:
				return &conflict{lits: s.clauses[u].lits, r: ref{c: u}}, nil
			}
		}
		for s.qhead < len(s.trail) {
			p := s.trail[s.qhead]
			s.qhead++
			if !p.isNeg() {
				v := p.v()
				if v != 0 {
					for _, c := range s.pl.names[s.pl.varName[v]].cands {
						if c == v {
							continue
						}
						switch s.value[c] {
						case 1:
							s.scrat = [2]lit{negLit(v), negLit(c)}
							return &conflict{lits: s.scrat[:], r: ref{c: refAMO, a: v, b: c}}, nil
						case 0:
							s.assign(negLit(c), reasonAMOHi-v)
						}
					}
				}
				if !s.expanded[v] {
					s.expandQ = append(s.expandQ, v)
				}
			}
			if c := s.propagateWatches(p.not()); c != nil {
				return c, nil
			}
		}
		if len(s.expandQ) == 0 {
			return nil, nil
		}
		v := s.expandQ[0]
		s.expandQ = s.expandQ[1:]
		if s.value[v] != 1 || s.expanded[v] {
			continue
		}
		s.expanded[v] = true
		c, err := s.expand(v)
		if err != nil || c != nil {
			return c, err
		}
	}
}

// propagateWatches visits the clauses watching fl, which just became false.
func (s *solver) propagateWatches(fl lit) *conflict {
	ws := s.watches[fl]
	i, j := 0, 0
	for i < len(ws) {
		cid := ws[i]
		i++
		lits := s.clauses[cid].lits
		if lits[0] == fl {
			lits[0], lits[1] = lits[1], lits[0]
		}
		if s.litValue(lits[0]) == 1 {
			ws[j] = cid
			j++
			continue
		}
		moved := false
		for k := 2; k < len(lits); k++ {
			if s.litValue(lits[k]) != -1 {
				lits[1], lits[k] = lits[k], lits[1]
				s.watches[lits[1]] = append(s.watches[lits[1]], cid)
				moved = true
				break
			}
		}
		if moved {
			continue
		}
		ws[j] = cid
		j++
		if s.litValue(lits[0]) == -1 {
			j += copy(ws[j:], ws[i:])
			s.watches[fl] = ws[:j]
			return &conflict{lits: lits, r: ref{c: cid}}
		}
		s.assign(lits[0], cid)
	}
	s.watches[fl] = ws[:j]
	return nil
}

// expand adds the clauses of a record that just became true: one per
// dependency and the constrains.
func (s *solver) expand(v int32) (*conflict, error) {
	r := s.pl.recs[v]
	var first *conflict
	note := func(c *conflict) {
		if c != nil && first == nil {
			first = c
		}
	}
	for _, d := range r.Depends {
		si := s.pl.spec(d)
		if si.err != nil && si.m != nil && si.name >= 0 && s.pl.names[si.name].err != nil {
			return nil, fmt.Errorf("solving: %s %s %s: %w", r.Name, r.Version, r.Build, si.err)
		}
		s.grow()
		lits := make([]lit, 0, 1+len(si.cands))
		lits = append(lits, negLit(v))
		for _, c := range si.cands {
			lits = append(lits, posLit(c))
		}
		cid := int32(len(s.clauses))
		note(s.addClause(clause{lits: lits, kind: kindRequires, src: v, spec: si}))
		if len(si.cands) > 0 {
			s.reqs = append(s.reqs, req{cid: cid, src: v, cands: si.cands})
		}
	}
	for _, d := range r.Constrains {
		si := s.pl.spec(d)
		if si.err != nil && si.m != nil && si.name >= 0 && s.pl.names[si.name].err != nil {
			return nil, fmt.Errorf("solving: %s %s %s: %w", r.Name, r.Version, r.Build, si.err)
		}
		s.grow()
		if si.err != nil {
			note(s.addClause(clause{lits: []lit{negLit(v)}, kind: kindConstrains, src: v, spec: si}))
			continue
		}
		for _, c := range s.pl.forbidden(si) {
			if c == v {
				// A record that rules itself out cannot be installed.
				note(s.addClause(clause{lits: []lit{negLit(v)}, kind: kindConstrains, src: v, spec: si}))
				continue
			}
			note(s.addClause(clause{lits: []lit{negLit(v), negLit(c)}, kind: kindConstrains, src: v, spec: si}))
		}
	}
	return first, nil
}

// reasonLits returns the clause that implied v (v's literal included).
func (s *solver) reasonLits(v int32) ([]lit, ref) {
	r := s.reason[v]
	if r >= 0 {
		return s.clauses[r].lits, ref{c: r}
	}
	a := reasonAMOHi - r
	s.scrat = [2]lit{negLit(a), negLit(v)}
	return s.scrat[:], ref{c: refAMO, a: a, b: v}
}

// analyze derives a 1UIP clause from a conflict at the current level.
func (s *solver) analyze(c *conflict) (clause, int32) {
	cur := s.decisionLevel()
	learnt := []lit{0}
	var ante []ref
	var zero []int32
	var marked []int32
	pathC := 0
	lits := c.lits
	r := c.r
	p := int32(-1)
	idx := len(s.trail) - 1
	for {
		ante = append(ante, r)
		for _, q := range lits {
			v := q.v()
			if v == p || s.seen[v] {
				continue
			}
			s.seen[v] = true
			marked = append(marked, v)
			switch {
			case s.level[v] == 0:
				zero = append(zero, v)
			case s.level[v] == cur:
				pathC++
			default:
				learnt = append(learnt, q)
			}
		}
		for !s.seen[s.trail[idx].v()] || s.level[s.trail[idx].v()] != cur {
			idx--
		}
		p = s.trail[idx].v()
		idx--
		pathC--
		if pathC <= 0 {
			learnt[0] = s.trail[idx+1].not()
			break
		}
		lits, r = s.reasonLits(p)
	}
	for _, v := range marked {
		s.seen[v] = false
	}
	bt := int32(0)
	for k := 1; k < len(learnt); k++ {
		if lv := s.level[learnt[k].v()]; lv > bt {
			bt = lv
			learnt[1], learnt[k] = learnt[k], learnt[1]
		}
	}
	return clause{lits: learnt, kind: kindLearnt, ante: ante, zero: zero}, bt
}

// run searches for a solution: the true variables in pool order, or nil
// when the problem is unsatisfiable (s.final is then set), or when the
// conflict budget ran out (s.final nil).
func (s *solver) run(ctx context.Context) ([]int32, error) {
	// Level 0: the root, the requests, the pins.
	s.assign(posLit(0), reasonNone)
	s.expanded[0] = true
	var first *conflict
	note := func(c *conflict) {
		if c != nil && first == nil {
			first = c
		}
	}
	for _, si := range s.roots {
		lits := []lit{negLit(0)}
		for _, c := range si.cands {
			lits = append(lits, posLit(c))
		}
		cid := int32(len(s.clauses))
		note(s.addClause(clause{lits: lits, kind: kindRequest, spec: si}))
		s.rootReq = append(s.rootReq, req{cid: cid, cands: si.cands})
	}
	for _, si := range s.pins {
		for _, c := range s.pl.forbidden(si) {
			note(s.addClause(clause{lits: []lit{negLit(0), negLit(c)}, kind: kindPin, spec: si}))
		}
	}
	for _, ex := range s.extra {
		lits := []lit{negLit(0)}
		for _, c := range ex {
			lits = append(lits, posLit(c))
		}
		cid := int32(len(s.clauses))
		note(s.addClause(clause{lits: lits, kind: kindExtra}))
		s.rootReq = append(s.rootReq, req{cid: cid, cands: ex})
	}
	if first != nil {
		s.final = first
		return nil, nil
	}

	for iter := 0; ; iter++ {
		if iter&63 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("solving: %w", err)
			}
		}
		c, err := s.propagate()
		if err != nil {
			return nil, err
		}
		if c != nil {
			s.nConfl++
			if s.budget > 0 && s.nConfl > s.budget {
				return nil, nil
			}
			maxLv := int32(0)
			for _, l := range c.lits {
				maxLv = max(maxLv, s.level[l.v()])
			}
			if maxLv == 0 {
				cc := *c
				cc.lits = slices.Clone(c.lits)
				s.final = &cc
				return nil, nil
			}
			s.backtrack(maxLv)
			learnt, bt := s.analyze(c)
			s.backtrack(bt)
			cid := int32(len(s.clauses))
			s.clauses = append(s.clauses, learnt)
			lits := s.clauses[cid].lits
			if len(lits) == 1 {
				s.units = append(s.units, cid)
			} else {
				s.watches[lits[0]] = append(s.watches[lits[0]], cid)
				s.watches[lits[1]] = append(s.watches[lits[1]], cid)
			}
			s.assign(lits[0], cid)
			continue
		}
		v := s.decide()
		if v < 0 {
			return s.model(), nil
		}
		s.trailLim = append(s.trailLim, len(s.trail))
		s.assign(posLit(v), reasonNone)
	}
}

// decide picks the next variable to set true, or -1 when every requirement
// of every installed record is met. Order: installed names to keep, then
// requested specs, then dependencies; within a group, the requirement with
// the fewest open candidates (fail first), its best open candidate.
func (s *solver) decide() int32 {
	for _, n := range s.soft {
		best := int32(-1)
		done := false
		for _, c := range s.pl.names[n].cands {
			if s.value[c] == 1 {
				done = true
				break
			}
			if s.value[c] == 0 && best < 0 {
				best = c
			}
		}
		if !done && best >= 0 {
			return best
		}
	}
	if v := s.pick(s.rootReq, false); v >= 0 {
		return v
	}
	return s.pick(s.reqs, true)
}

func (s *solver) pick(reqs []req, checkSrc bool) int32 {
	best, bestN := int32(-1), int(^uint(0)>>1)
	for i := range reqs {
		rq := &reqs[i]
		if checkSrc && s.value[rq.src] != 1 {
			continue
		}
		if h := rq.hint; int(h) < len(rq.cands) && s.value[rq.cands[h]] == 1 {
			continue
		}
		first, n, sat := int32(-1), 0, false
		for k, c := range rq.cands {
			switch s.value[c] {
			case 1:
				rq.hint = int32(k)
				sat = true
			case 0:
				if first < 0 {
					first = c
				}
				n++
			}
			if sat || n >= bestN {
				break
			}
		}
		if sat || first < 0 || n >= bestN {
			continue
		}
		best, bestN = first, n
		if n == 1 {
			break
		}
	}
	return best
}

// model returns the true record variables, sorted.
func (s *solver) model() []int32 {
	var out []int32
	for v := int32(1); v < int32(len(s.value)); v++ {
		if s.value[v] == 1 {
			out = append(out, v)
		}
	}
	return out
}

// describeVar renders a variable for debugging.
func (s *solver) describeVar(v int32) string {
	if v == 0 {
		return "<root>"
	}
	r := s.pl.recs[v]
	return strings.Join([]string{r.Name, r.Version.String(), r.Build}, " ")
}
