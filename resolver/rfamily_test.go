package resolver_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/envseal/envseal/conda"
	"github.com/envseal/envseal/resolver"
)

// TestRFamilyObjective records, on the 2018 r and defaults channels of the
// corpus, the terms of conda's objective that choose between the two R
// families for r-essentials 3.5.0. Its two builds, mro350_0 (mro-base) and
// r350_0 (r-base), share version and build number, so conda's requested
// terms tie and its feature count decides: the r350 answer switches on
// _r-mutex anacondar_1's feature (and blas openblas's nomkl), the mro350
// answer none. The r350 answer is one record smaller, but conda counts
// packages only after features and dependency versions, so the mro family
// wins, as conda 23.1's classic solver reports on the same files (feature
// count 0). libsolv without conda-forge's patches takes r350_0 because it
// compares build strings ("r350_0" above "mro350_0") where conda compares
// timestamps and features; resolver/doc.go lists that difference.
func TestRFamilyObjective(t *testing.T) {
	ix, chans := loadCorpus(t, "r")

	// The two builds tie on everything conda's requested terms look at.
	recs, err := ix.Candidates("r-essentials")
	if err != nil {
		t.Fatal(err)
	}
	builds := map[string]*conda.Record{}
	for _, r := range recs {
		if r.Channel == "r" && r.Version.String() == "3.5.0" {
			builds[r.Build] = r
		}
	}
	mro, rb := builds["mro350_0"], builds["r350_0"]
	if mro == nil || rb == nil {
		t.Fatalf("r-essentials 3.5.0 builds on r: %v", builds)
	}
	if mro.BuildNumber != rb.BuildNumber || len(mro.TrackFeatures)+len(rb.TrackFeatures) != 0 {
		t.Fatalf("builds differ before features: %d/%v vs %d/%v", mro.BuildNumber, mro.TrackFeatures, rb.BuildNumber, rb.TrackFeatures)
	}
	if mro.Timestamp <= rb.Timestamp {
		t.Errorf("mro350_0 timestamp %d not newer than r350_0's %d", mro.Timestamp, rb.Timestamp)
	}

	cases := []struct {
		name     string
		specs    []string
		base     string   // the R interpreter package in the answer
		mutex    string   // _r-mutex build
		features []string // track_features the answer switches on
		records  int
	}{
		{name: "request alone", specs: []string{"r-essentials"},
			base: "mro-base", mutex: "mro_2", records: 255},
		{name: "r350 build asked for", specs: []string{"r-essentials 3.5.0 r350_0"},
			base: "r-base", mutex: "anacondar_1", features: []string{"anacondar", "nomkl"}, records: 254},
		{name: "r-base asked for", specs: []string{"r-essentials", "r-base"},
			base: "r-base", mutex: "anacondar_1", features: []string{"anacondar", "nomkl"}, records: 254},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := corpusRequest(t, corpusCase{specs: c.specs}, chans)
			sol, err := resolver.Solve(context.Background(), ix, req)
			if err != nil {
				t.Fatal(err)
			}
			byName := map[string]*conda.Record{}
			var features []string
			for _, r := range sol.Records {
				byName[r.Name] = r
				for _, f := range r.TrackFeatures {
					if !slices.Contains(features, f) {
						features = append(features, f)
					}
				}
			}
			slices.Sort(features)
			if byName[c.base] == nil {
				t.Errorf("answer lacks %s", c.base)
			}
			for _, other := range []string{"mro-base", "r-base"} {
				if other != c.base && byName[other] != nil {
					t.Errorf("answer holds both %s and %s", c.base, other)
				}
			}
			if m := byName["_r-mutex"]; m == nil || m.Build != c.mutex {
				t.Errorf("_r-mutex %v, want build %s", m, c.mutex)
			}
			if !slices.Equal(features, c.features) {
				t.Errorf("features on %v, want %v", features, c.features)
			}
			if len(sol.Records) != c.records {
				t.Errorf("%d records, want %d", len(sol.Records), c.records)
			}
		})
	}
}

// TestRFamilyCondaAnswer compares the whole answer for r-essentials on the
// r channel before channel-4 (strict priority) with the one conda 23.1's
// classic solver gives on the same files (testdata/conda-answers; too slow,
// about half an hour, to sit in condaAnswers as a live run would need).
func TestRFamilyCondaAnswer(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "conda-answers", "r-essentials.txt"))
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, line := range strings.Split(string(data), "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			want = append(want, line)
		}
	}
	slices.Sort(want)
	channels := []string{"r", "channel-4"}
	ix := loadConda2018(t, channels)
	req := corpusRequest(t, corpusCase{specs: []string{"r-essentials"}}, channels)
	sol, err := resolver.Solve(context.Background(), ix, req)
	if err != nil {
		t.Fatal(err)
	}
	got := distStrings(sol)
	if len(want) != 255 || !slices.Contains(want, "r::mro-base-3.5.0-h1c2f66e_0") {
		t.Fatalf("answer file holds %d records", len(want))
	}
	if !slices.Equal(got, want) {
		extra, missing := setDiff(got, want)
		t.Errorf("answer differs from conda's\n  envseal only: %v\n  conda only:   %v", extra, missing)
	}
}
