package resolver

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/envseal/envseal/conda"
)

// randomProblem builds a small random index and request from seed. Names
// are n0..n{k-1}; versions 1..4; dependencies and constrains use every
// comparison operator. The world is small enough to enumerate.
type randomProblem struct {
	recs     []*conda.Record
	specs    []string
	pins     []string
	channels []string
	priority ChannelPriority
	virtual  []*conda.Record
}

func genProblem(seed uint64, shape uint8) *randomProblem {
	rng := rand.New(rand.NewPCG(seed, uint64(shape)))
	nNames := 2 + rng.IntN(4)
	ops := []string{">=", "<=", "<", ">", "==", "!="}
	spec := func(name string) string {
		switch rng.IntN(4) {
		case 0:
			return name
		case 1:
			return fmt.Sprintf("%s %s%d,%s%d", name, ops[rng.IntN(2)], 1+rng.IntN(4), ops[2+rng.IntN(2)], 1+rng.IntN(4))
		default:
			return fmt.Sprintf("%s %s%d", name, ops[rng.IntN(len(ops))], 1+rng.IntN(4))
		}
	}
	p := &randomProblem{channels: []string{"c1", "c2"}, priority: ChannelPriority(rng.IntN(3))}
	for i := 0; i < nNames; i++ {
		name := fmt.Sprintf("n%d", i)
		nv := 1 + rng.IntN(3)
		for j := 0; j < nv; j++ {
			v, _ := conda.ParseVersion(fmt.Sprint(1 + rng.IntN(4)))
			r := &conda.Record{Name: name, Version: v, Build: fmt.Sprintf("b%d_%d", j, rng.IntN(2)),
				BuildNumber: int64(rng.IntN(2)), Channel: p.channels[rng.IntN(2)], Subdir: "linux-64",
				Timestamp: int64(rng.IntN(3))}
			r.Fn = fmt.Sprintf("%s-%s-%s.conda", name, v, r.Build)
			for d := rng.IntN(3); d > 0; d-- {
				dn := fmt.Sprintf("n%d", rng.IntN(nNames+1)) // n{nNames} never exists
				if dn != name {
					r.Depends = append(r.Depends, spec(dn))
				}
			}
			if rng.IntN(4) == 0 {
				r.Constrains = append(r.Constrains, spec(fmt.Sprintf("n%d", rng.IntN(nNames))))
			}
			if rng.IntN(5) == 0 {
				r.Depends = append(r.Depends, "__v >="+fmt.Sprint(1+rng.IntN(2)))
			}
			if rng.IntN(6) == 0 {
				r.TrackFeatures = []string{"f"}
			}
			p.recs = append(p.recs, r)
		}
	}
	if rng.IntN(2) == 0 {
		v, _ := conda.ParseVersion("1")
		p.virtual = []*conda.Record{{Name: "__v", Version: v, Build: "0", Channel: "@"}}
	}
	for s := 1 + rng.IntN(2); s > 0; s-- {
		p.specs = append(p.specs, spec(fmt.Sprintf("n%d", rng.IntN(nNames))))
	}
	if rng.IntN(4) == 0 {
		p.pins = append(p.pins, spec(fmt.Sprintf("n%d", rng.IntN(nNames))))
	}
	return p
}

func (p *randomProblem) request(tb testing.TB) Request {
	req := Request{Channels: p.channels, ChannelPriority: p.priority, Virtual: p.virtual}
	for _, s := range p.specs {
		req.Specs = append(req.Specs, mustSpec(tb, s))
	}
	for _, s := range p.pins {
		req.Pins = append(req.Pins, mustSpec(tb, s))
	}
	return req
}

func mustSpec(tb testing.TB, s string) conda.MatchSpec {
	m, err := conda.ParseMatchSpec(s)
	if err != nil {
		tb.Fatalf("spec %q: %v", s, err)
	}
	return m
}

// available applies channel priority the way the solver must: in strict
// mode only the highest channel offering a name counts.
func (p *randomProblem) available() map[string][]*conda.Record {
	out := map[string][]*conda.Record{}
	for _, r := range p.recs {
		out[r.Name] = append(out[r.Name], r)
	}
	if p.priority == Strict {
		for n, rs := range out {
			best := "c2"
			for _, r := range rs {
				if r.Channel == "c1" {
					best = "c1"
				}
			}
			var kept []*conda.Record
			for _, r := range rs {
				if r.Channel == best {
					kept = append(kept, r)
				}
			}
			out[n] = kept
		}
	}
	for _, r := range p.virtual {
		out[r.Name] = append(out[r.Name], r)
	}
	return out
}

// valid checks a full assignment (name -> record) against every rule.
func valid(tb testing.TB, p *randomProblem, chosen map[string]*conda.Record) error {
	sat := func(s string, needed bool) error {
		m := mustSpec(tb, s)
		r, ok := chosen[m.Name]
		switch {
		case !ok && needed:
			return fmt.Errorf("%s: nothing installed", s)
		case ok && !m.Match(r):
			return fmt.Errorf("%s: %s %s installed", s, r.Name, r.Version)
		}
		return nil
	}
	for _, s := range p.specs {
		if err := sat(s, true); err != nil {
			return fmt.Errorf("request %w", err)
		}
	}
	for _, s := range p.pins {
		if err := sat(s, false); err != nil {
			return fmt.Errorf("pin %w", err)
		}
	}
	for _, r := range chosen {
		for _, d := range r.Depends {
			if err := sat(d, true); err != nil {
				return fmt.Errorf("%s %s depends %w", r.Name, r.Version, err)
			}
		}
		for _, c := range r.Constrains {
			if err := sat(c, false); err != nil {
				return fmt.Errorf("%s %s constrains %w", r.Name, r.Version, err)
			}
		}
	}
	return nil
}

// exhaustive reports whether any choice of at most one record per name
// satisfies the problem.
func exhaustive(tb testing.TB, p *randomProblem) bool {
	avail := p.available()
	var names []string
	for n := range avail {
		names = append(names, n)
	}
	slices.Sort(names)
	chosen := map[string]*conda.Record{}
	var rec func(i int) bool
	rec = func(i int) bool {
		if i == len(names) {
			return valid(tb, p, chosen) == nil
		}
		if rec(i + 1) {
			return true
		}
		for _, r := range avail[names[i]] {
			chosen[names[i]] = r
			ok := rec(i + 1)
			delete(chosen, names[i])
			if ok {
				return true
			}
		}
		return false
	}
	return rec(0)
}

// checkProblem solves p and checks the answer: a solution must be valid and
// use only available records; an unsolvable or not-found answer must be
// confirmed by exhaustive search. The answer must not depend on the order
// the index returns records in.
func checkProblem(t *testing.T, seed uint64, shape uint8) {
	p := genProblem(seed, shape)
	req := p.request(t)
	sol, err := Solve(context.Background(), newMapIndex(p.recs), req)
	describe := func() string {
		var b strings.Builder
		fmt.Fprintf(&b, "seed %d shape %d priority %v\n", seed, shape, p.priority)
		for _, r := range p.recs {
			fmt.Fprintf(&b, "  %s %s %s channel=%s depends=%q constrains=%q tf=%v\n", r.Name, r.Version, r.Build, r.Channel, r.Depends, r.Constrains, r.TrackFeatures)
		}
		fmt.Fprintf(&b, "  virtual %d request %q pins %q", len(p.virtual), p.specs, p.pins)
		return b.String()
	}
	var ue *UnsolvableError
	var ne *PackagesNotFoundError
	switch {
	case err == nil:
		chosen := map[string]*conda.Record{}
		avail := p.available()
		for _, r := range sol.Records {
			if _, dup := chosen[r.Name]; dup {
				t.Fatalf("two records for %s\n%s", r.Name, describe())
			}
			if !slices.Contains(avail[r.Name], r) {
				t.Fatalf("%s %s %s is not available under %v priority\n%s", r.Name, r.Version, r.Build, p.priority, describe())
			}
			chosen[r.Name] = r
		}
		for _, v := range p.virtual {
			chosen[v.Name] = v
		}
		if err := valid(t, p, chosen); err != nil {
			t.Fatalf("invalid solution: %v\n%s", err, describe())
		}
	case errors.As(err, &ue):
		if exhaustive(t, p) {
			t.Fatalf("reported unsolvable, but a solution exists\n%v\n%s", err, describe())
		}
		if len(ue.Causes) == 0 {
			t.Fatalf("empty explanation\n%s", describe())
		}
	case errors.As(err, &ne):
		avail := p.available()
		for _, m := range ne.Missing {
			ms := mustSpec(t, m.Spec)
			for _, r := range avail[ms.Name] {
				if ms.Match(r) {
					t.Fatalf("%s reported missing but %s %s matches\n%s", m.Spec, r.Name, r.Version, describe())
				}
			}
		}
	default:
		t.Fatalf("unexpected error %v\n%s", err, describe())
	}

	// Determinism: reversed index order gives the same answer.
	rev := slices.Clone(p.recs)
	slices.Reverse(rev)
	sol2, err2 := Solve(context.Background(), newMapIndex(rev), req)
	if (err == nil) != (err2 == nil) || (err == nil && formatSolution(sol) != formatSolution(sol2)) ||
		(err != nil && err.Error() != err2.Error()) {
		t.Fatalf("answer depends on index order:\n%v %v\nvs\n%v %v\n%s", formatSolution(sol), err, formatSolution(sol2), err2, describe())
	}
}

func TestSolveProperties(t *testing.T) {
	n := 3000
	if testing.Short() {
		n = 300
	}
	for seed := uint64(0); seed < uint64(n); seed++ {
		checkProblem(t, seed, uint8(seed%7))
	}
}

func FuzzSolve(f *testing.F) {
	for i := uint64(0); i < 16; i++ {
		f.Add(i, uint8(i))
	}
	f.Fuzz(func(t *testing.T, seed uint64, shape uint8) {
		checkProblem(t, seed, shape)
	})
}
