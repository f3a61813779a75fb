package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/envseal/envseal/internal/testkit"
)

// corpusChannels writes the 2018 corpus indexes as local channels in dir:
// channel-4 (conda's index4.json, defaults linux-64 and noarch of Aug 2018)
// and r (the anaconda r channel's linux-64 repodata).
func corpusChannels(dir string) (string, error) {
	for name, rel := range map[string]string{"channel-4": "conda/tests/data/index4.json", "r": "conda/tests/data/repodata/r_linux-64.json"} {
		data, err := os.ReadFile(filepath.Join(testkit.CorpusRoot(), filepath.FromSlash(rel)))
		if err != nil {
			return "", err
		}
		var doc struct {
			Packages map[string]map[string]any `json:"packages"`
		}
		if err := json.Unmarshal(data, &doc); err != nil || doc.Packages == nil {
			doc.Packages = nil
			if err := json.Unmarshal(data, &doc.Packages); err != nil { // a flat fn → record index
				return "", err
			}
		}
		subdirs := map[string]map[string]any{"linux-64": {}, "noarch": {}}
		for fn, rec := range doc.Packages {
			sub, _ := rec["subdir"].(string)
			if sub != "noarch" {
				sub = "linux-64"
			}
			subdirs[sub][fn] = rec
		}
		for sub, pkgs := range subdirs {
			out, err := json.Marshal(map[string]any{"info": map[string]string{"subdir": sub}, "packages": pkgs})
			if err == nil {
				err = os.MkdirAll(filepath.Join(dir, name, sub), 0o755)
			}
			if err == nil {
				err = os.WriteFile(filepath.Join(dir, name, sub, "repodata.json"), out, 0o644)
			}
			if err != nil {
				return "", err
			}
		}
	}
	return dir, nil
}

// TestCondaAnswersThroughCLI replays conda 23.1 classic's answers on the
// 2018 corpus channels (the answers the resolver's tests hold) through
// `envseal create --dry-run --json`: legacy features (scipy with nomkl),
// the tie after version, build number and features (readline), and the
// R family that r-essentials takes (conda's feature count keeps the mro
// builds; see resolver/doc.go).
func TestCondaAnswersThroughCLI(t *testing.T) {
	testkit.Corpus(t, "conda", "tests", "data", "index4.json")
	root, err := corpusChannels(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	rEssentials, err := os.ReadFile(filepath.Join("..", "..", "resolver", "testdata", "conda-answers", "r-essentials.txt"))
	if err != nil {
		t.Fatal(err)
	}
	var rWant []string
	for _, line := range strings.Split(string(rEssentials), "\n") {
		if _, dist, ok := strings.Cut(strings.TrimSpace(line), "::"); ok && !strings.HasPrefix(line, "#") {
			rWant = append(rWant, dist)
		}
	}
	for _, tc := range []struct {
		name     string
		channels []string
		specs    []string
		want     []string // name-version-build, the whole answer
	}{
		{"scipy nomkl", []string{"channel-4"}, []string{"scipy", "nomkl"}, []string{
			"blas-1.0-openblas", "ca-certificates-2018.03.07-0", "libedit-3.1.20170329-h6b74fdf_2", "libffi-3.2.1-hd88cf55_4",
			"libgcc-ng-8.2.0-hdf63c60_0", "libgfortran-ng-7.2.0-hdf63c60_3", "libopenblas-0.2.20-h9ac9557_7", "libstdcxx-ng-8.2.0-hdf63c60_0",
			"ncurses-6.1-hf484d3e_0", "nomkl-3.0-0", "numpy-1.14.2-py36_nomklh2b20989_1", "openssl-1.0.2p-h14c3975_0",
			"python-3.6.6-hc3d631a_0", "readline-7.0-ha6073c6_4", "scipy-1.1.0-py36_nomklh9c1e066_0", "sqlite-3.24.0-h84994c4_0",
			"tk-8.6.7-hc745277_3", "xz-5.2.4-h14c3975_4", "zlib-1.2.11-ha838bed_2"}},
		{"readline", []string{"channel-4"}, []string{"readline"}, []string{"libgcc-ng-8.2.0-hdf63c60_0", "readline-7.0-hb321a52_4"}},
		{"readline ncurses", []string{"channel-4"}, []string{"readline", "ncurses"}, []string{"libgcc-ng-8.2.0-hdf63c60_0",
			"libstdcxx-ng-8.2.0-hdf63c60_0", "ncurses-6.1-hf484d3e_0", "readline-7.0-ha6073c6_4"}},
		{"r-essentials", []string{"r", "channel-4"}, []string{"r-essentials"}, rWant},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newCLI(t)
			args := []string{"create", "--dry-run", "--json", "-n", "x", "--platform", "linux-64", "--no-pip", "--override-channels"}
			for _, ch := range tc.channels {
				args = append(args, "-c", filepath.Join(root, ch))
			}
			out, errs, code := e.run(append(args, tc.specs...)...)
			if code != 0 {
				t.Fatalf("exit %d: %s%s", code, out, errs)
			}
			var plan struct {
				Actions struct {
					Link []struct {
						Name, Version string
						Build         string `json:"build_string"`
					} `json:"LINK"`
				} `json:"actions"`
			}
			if err := json.Unmarshal([]byte(out), &plan); err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, l := range plan.Actions.Link {
				got = append(got, l.Name+"-"+l.Version+"-"+l.Build)
			}
			slices.Sort(got)
			want := slices.Sorted(slices.Values(tc.want))
			if len(want) < 2 || !slices.Equal(got, want) {
				t.Errorf("got %d records, want conda's %d\ngot:  %v\nwant: %v", len(got), len(want), got, want)
			}
		})
	}
}
