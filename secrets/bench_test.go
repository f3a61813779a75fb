package secrets

import (
	"fmt"
	"sort"
	"testing"
)

// benchTeam returns n identities of the given kind ("pq", "classic", or
// "mixed": half of each) and their recipients, plus the identity whose
// recipient sorts last (the last one age tries when opening).
func benchTeam(b *testing.B, kind string, n int) ([]Recipient, Identity) {
	b.Helper()
	type member struct {
		r  Recipient
		id Identity
	}
	var team []member
	for i := 0; i < n; i++ {
		gen := GenerateClassicIdentity
		if kind == "pq" || kind == "mixed" && i%2 == 0 {
			gen = GenerateIdentity
		}
		g, err := gen()
		if err != nil {
			b.Fatal(err)
		}
		team = append(team, member{g.Recipient(), g})
	}
	sort.Slice(team, func(i, j int) bool { return team[i].r.String() < team[j].r.String() })
	rs := make([]Recipient, n)
	for i, m := range team {
		rs[i] = m.r
	}
	return rs, team[n-1].id
}

const benchSecrets = 10

func benchSeal(b *testing.B, env string, rs []Recipient) []byte {
	o, err := New(env, rs...)
	if err != nil {
		b.Fatal(err)
	}
	defer o.Close()
	for i := 0; i < benchSecrets; i++ {
		if err := o.Set(fmt.Sprintf("SECRET_%02d", i), []byte("a secret value of forty bytes, roughly..")); err != nil {
			b.Fatal(err)
		}
	}
	s, err := o.Seal()
	if err != nil {
		b.Fatal(err)
	}
	text, err := s.Marshal()
	if err != nil {
		b.Fatal(err)
	}
	return text
}

// BenchmarkSection measures, for teams of 1, 10 and 50 recipients that are
// post-quantum, classic (X25519) or half of each, in one run:
//
//   - seal: a new section of 10 secrets (New, Set, Seal, Marshal): what
//     creating, rotating or removing a recipient costs, since the data key is
//     wrapped for every recipient;
//   - write: setting one secret in an existing section (Parse, Open, Set,
//     Seal, Marshal), which re-wraps nothing;
//   - open: Parse and Open with the identity age tries last.
//
// Each reports the marshalled section's size as section-bytes.
func BenchmarkSection(b *testing.B) {
	for _, kind := range []string{"classic", "pq", "mixed"} {
		for _, n := range []int{1, 10, 50} {
			if kind == "mixed" && n == 1 {
				continue
			}
			rs, last := benchTeam(b, kind, n)
			text := benchSeal(b, "bench", rs)
			size := float64(len(text))
			b.Run(fmt.Sprintf("seal/%s/%d", kind, n), func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					benchSeal(b, "bench", rs)
				}
				b.ReportMetric(size, "section-bytes")
			})
			b.Run(fmt.Sprintf("write/%s/%d", kind, n), func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					s, err := ParseSection(text)
					if err != nil {
						b.Fatal(err)
					}
					o, err := s.Open("bench", last)
					if err != nil {
						b.Fatal(err)
					}
					if err := o.Set("SECRET_03", []byte("a new value")); err != nil {
						b.Fatal(err)
					}
					s2, err := o.Seal()
					if err != nil {
						b.Fatal(err)
					}
					if _, err := s2.Marshal(); err != nil {
						b.Fatal(err)
					}
					o.Close()
				}
				b.ReportMetric(size, "section-bytes")
			})
			b.Run(fmt.Sprintf("open/%s/%d", kind, n), func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					s, err := ParseSection(text)
					if err != nil {
						b.Fatal(err)
					}
					o, err := s.Open("bench", last)
					if err != nil {
						b.Fatal(err)
					}
					o.Close()
				}
				b.ReportMetric(size, "section-bytes")
			})
		}
	}
}
