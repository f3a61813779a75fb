package resolver

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/envseal/envseal/conda"
)

func cutoffRecords(t *testing.T, lines ...string) []*conda.Record {
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

func TestCutoffIndex(t *testing.T) {
	t.Parallel()
	recs := cutoffRecords(t,
		"app 1.0 h_0 depends=[lib >=1] timestamp=1704067200000", // 2024-01-01
		"app 2.0 h_0 depends=[lib >=2] timestamp=1735689600000", // 2025-01-01
		"lib 1.0 h_0 timestamp=1704067200000",
		"lib 2.0 h_0 timestamp=1740000000000", // 2025-02-19
		"lib 2.1 h_0 timestamp=1750000000000", // 2025-06-15
		"old 1.0 h_0",                         // no timestamp: always visible
		"needy 1.0 h_0 depends=[lib >=2] timestamp=1704067200000",
	)
	tests := []struct {
		name    string
		cut     string
		request []string
		want    []string // name-version of the solution
		wantErr []string // substrings of the error
	}{
		{name: "no cut-off", request: []string{"app"}, want: []string{"app-2.0", "lib-2.1"}},
		{name: "mid 2024", cut: "2024-06-01", request: []string{"app", "old"}, want: []string{"app-1.0", "lib-1.0", "old-1.0"}},
		{name: "between lib 2.0 and 2.1", cut: "2025-03-01T00:00:00Z", request: []string{"app"}, want: []string{"app-2.0", "lib-2.0"}},
		{name: "exact cut keeps the record", cut: "2025-01-01T00:00:00Z", request: []string{"app 2.0"}, wantErr: []string{"lib >=2 is met only", "the newest excluded candidate is lib 2.1"}},
		{name: "requested spec only newer", cut: "2024-06-01", request: []string{"app >=2"},
			wantErr: []string{"app >=2 is met only by records published after the exclude-newer cut-off 2024-06-02T00:00:00Z", "the newest excluded candidate is app 2.0 h_0, published 2025-01-01T00:00:00Z"}},
		{name: "dependency only newer", cut: "2024-06-01", request: []string{"needy"},
			wantErr: []string{"lib >=2 is met only by records published after the exclude-newer cut-off 2024-06-02T00:00:00Z", "newest excluded candidate is lib 2.1 h_0, published 2025-06-15", "(and 1 older one)"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var cut time.Time
			if tc.cut != "" {
				var err error
				if cut, err = conda.ParseExcludeNewer(tc.cut, time.Time{}); err != nil {
					t.Fatal(err)
				}
			}
			ix := NewCutoffIndex(newMapIndex(recs), cut)
			var req Request
			for _, s := range tc.request {
				ms, err := conda.ParseMatchSpec(s)
				if err != nil {
					t.Fatal(err)
				}
				req.Specs = append(req.Specs, ms)
			}
			sol, err := Solve(context.Background(), ix, req)
			err = ix.Explain(err)
			if err != nil && testing.Verbose() {
				t.Log(err)
			}
			if tc.wantErr != nil {
				if err == nil {
					t.Fatalf("solved %v, want an error", sol.Records)
				}
				for _, w := range tc.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q\nlacks %q", err, w)
					}
				}
				var ce *CutoffError
				if !errors.As(err, &ce) {
					t.Errorf("error is %T, want a *CutoffError", err)
				}
				var us *UnsolvableError
				var nf *PackagesNotFoundError
				if !errors.As(err, &us) && !errors.As(err, &nf) {
					t.Errorf("the solver's error is not wrapped: %T", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range sol.Records {
				got = append(got, r.Name+"-"+r.Version.String())
			}
			if strings.Join(got, " ") != strings.Join(tc.want, " ") {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestCutoffIndexCopiesOnlyWhenHiding(t *testing.T) {
	t.Parallel()
	recs := cutoffRecords(t, "a 1.0 h_0 timestamp=1000", "a 2.0 h_0 timestamp=3000")
	base := newMapIndex(recs)
	ix := NewCutoffIndex(base, time.UnixMilli(5000))
	got, _ := ix.Candidates("a")
	if len(got) != 2 {
		t.Fatalf("got %d records, want 2", len(got))
	}
	ix = NewCutoffIndex(base, time.UnixMilli(2000))
	got, _ = ix.Candidates("a")
	if len(got) != 1 || got[0].Version.String() != "1.0" {
		t.Fatalf("got %v, want a 1.0 only", got)
	}
	if len(ix.Names()) != 1 {
		t.Errorf("Names = %v", ix.Names())
	}
}

func BenchmarkCutoffIndex(b *testing.B) {
	v, err := conda.ParseVersion("1.0")
	if err != nil {
		b.Fatal(err)
	}
	var recs []*conda.Record
	for i := 0; i < 2000; i++ {
		recs = append(recs, &conda.Record{Name: "p", Version: v, Build: "b", Timestamp: int64(i) * 1000})
	}
	base := newMapIndex(recs)
	for _, bc := range []struct {
		name string
		cut  time.Time
	}{{"none", time.Time{}}, {"keep-all", time.UnixMilli(1 << 40)}, {"hide-half", time.UnixMilli(1000 * 1000)}} {
		b.Run(bc.name, func(b *testing.B) {
			ix := NewCutoffIndex(base, bc.cut)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := ix.Candidates("p"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
