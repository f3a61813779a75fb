package resolver

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/envseal/envseal/conda"
)

func mustRecords(t *testing.T, lines ...string) []*conda.Record {
	t.Helper()
	var out []*conda.Record
	for _, l := range lines {
		r, err := parseRecordLine(l)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

func specs(t *testing.T, ss ...string) []conda.MatchSpec {
	t.Helper()
	var out []conda.MatchSpec
	for _, s := range ss {
		m, err := conda.ParseMatchSpec(s)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

func TestSolveCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	idx := newMapIndex(mustRecords(t, "a 1.0 0"))
	_, err := Solve(ctx, idx, Request{Specs: specs(t, "a")})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want an error wrapping context.Canceled", err)
	}
}

type failingIndex struct {
	mapIndex
	fail string
}

var errBroken = errors.New("broken shard")

func (f *failingIndex) Candidates(name string) ([]*conda.Record, error) {
	if name == f.fail {
		return nil, errBroken
	}
	return f.mapIndex.Candidates(name)
}

func TestSolveIndexError(t *testing.T) {
	base := newMapIndex(mustRecords(t, "a 1.0 0 depends=[b]", "b 1.0 0"))
	for _, fail := range []string{"a", "b"} {
		t.Run(fail, func(t *testing.T) {
			_, err := Solve(context.Background(), &failingIndex{*base, fail}, Request{Specs: specs(t, "a")})
			if !errors.Is(err, errBroken) {
				t.Fatalf("got %v, want an error wrapping errBroken", err)
			}
			if !strings.Contains(err.Error(), "loading candidates for "+fail) {
				t.Errorf("error %q does not name %s", err, fail)
			}
		})
	}
}

func TestSolveDoesNotModifyInputs(t *testing.T) {
	recs := mustRecords(t, "a 1.0 0 depends=[b]", "b 1.0 0", "b 2.0 0")
	before := make([]conda.Record, len(recs))
	for i, r := range recs {
		before[i] = *r
	}
	req := Request{Specs: specs(t, "a"), Installed: recs[1:2]}
	sol, err := Solve(context.Background(), newMapIndex(recs), req)
	if err != nil {
		t.Fatal(err)
	}
	if got := formatSolution(sol); got != "a 1.0 0\nb 1.0 0" {
		t.Errorf("solution %q", got)
	}
	for i, r := range recs {
		if r.Name != before[i].Name || !slices.Equal(r.Depends, before[i].Depends) {
			t.Errorf("record %d modified", i)
		}
	}
	// The returned records are the index's pointers.
	if sol.Records[0] != recs[0] {
		t.Error("solution does not return the index's record pointers")
	}
}

func TestSolveRejectsNamelessSpec(t *testing.T) {
	idx := newMapIndex(mustRecords(t, "a 1.0 0"))
	_, err := Solve(context.Background(), idx, Request{Specs: specs(t, "*")})
	if err == nil || !strings.Contains(err.Error(), "names no package") {
		t.Fatalf("got %v", err)
	}
}

func TestSolveBadPriority(t *testing.T) {
	idx := newMapIndex(mustRecords(t, "a 1.0 0"))
	if _, err := Solve(context.Background(), idx, Request{Specs: specs(t, "a"), ChannelPriority: 7}); err == nil {
		t.Fatal("want an error for an unknown channel priority")
	}
}

func TestParseChannelPriority(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want ChannelPriority
		ok   bool
	}{
		{"strict", Strict, true},
		{" Flexible ", Flexible, true},
		{"disabled", Disabled, true},
		{"true", Flexible, true},
		{"false", Disabled, true},
		{"loose", Strict, false},
	} {
		got, err := ParseChannelPriority(tc.in)
		if (err == nil) != tc.ok || (tc.ok && got != tc.want) {
			t.Errorf("ParseChannelPriority(%q) = %v, %v", tc.in, got, err)
		}
		if tc.ok && got.String() == "" {
			t.Errorf("%v has no name", got)
		}
	}
	if s := ChannelPriority(9).String(); s != "ChannelPriority(9)" {
		t.Errorf("String of unknown priority = %q", s)
	}
}

func TestEditDistance(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"numpy", "numpy", 0},
		{"numpy", "numpyy", 1},
		{"numpy", "nmupy", 1}, // transposition
		{"numpy", "scipy", 3},
		{"", "abc", 3},
		{"kitten", "sitting", 3},
	} {
		if got := editDistance(tc.a, tc.b, 10); got != tc.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
	if got := editDistance("aaaaaaaa", "bbbbbbbb", 2); got != 2 {
		t.Errorf("bounded distance = %d, want the bound 2", got)
	}
}

func TestSuggest(t *testing.T) {
	names := []string{"matplotlib", "matplotlib-base", "numba", "numpy", "numpy-base", "pandas", "__glibc"}
	for _, tc := range []struct {
		q    string
		want []string
	}{
		{"numpyy", []string{"numpy"}},
		{"nupmy", []string{"numpy"}},
		{"Pandas", nil}, // same name, different case: not a suggestion
		{"matplotlb", []string{"matplotlib"}},
		{"glibc", nil}, // virtual names are never suggested
		{"zzz", nil},
		{"numpy-bas", []string{"numpy-base", "numpy"}},
	} {
		if got := suggest(tc.q, names); !slices.Equal(got, tc.want) {
			t.Errorf("suggest(%q) = %q, want %q", tc.q, got, tc.want)
		}
	}
}
