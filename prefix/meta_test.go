package prefix

import (
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/envseal/envseal/conda"
)

var update = flag.Bool("update", false, "rewrite testdata/link/*.golden")

// golden compares got with testdata/link/<name>, rewriting it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	file := filepath.Join("testdata", "link", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(got) != string(want) {
		t.Errorf("%s differs from the golden file:\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

func TestReadRattlerCondaMeta(t *testing.T) {
	t.Parallel()
	dir := corpusFile(t, "rattler/test-data/conda-meta")
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range ents {
		if !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		n++
		name := filepath.Join(dir, e.Name())
		r, err := readMetaRecord(name)
		if err != nil {
			t.Errorf("%s: %v", e.Name(), err)
			continue
		}
		if len(r.PathsData) != len(r.Files) || r.Link.Type != LinkHardlink || r.Link.Source == "" || r.SHA256 == "" {
			t.Errorf("%s: files %d paths %d link %+v sha256 %q", e.Name(), len(r.Files), len(r.PathsData), r.Link, r.SHA256)
		}
		// Round trip through our encoder.
		data, err := r.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		var back InstalledRecord
		if err := back.UnmarshalJSON(data); err != nil {
			t.Fatalf("%s: re-reading our encoding: %v", e.Name(), err)
		}
		back.URL, r.URL = "", ""
		if !reflect.DeepEqual(back.Files, r.Files) || !reflect.DeepEqual(back.PathsData, r.PathsData) || back.Link != r.Link ||
			back.DistName() != r.DistName() || back.RequestedSpec != r.RequestedSpec || back.SHA256 != r.SHA256 {
			t.Errorf("%s: round trip changed the record", e.Name())
		}
	}
	if n < 40 {
		t.Errorf("read %d records, want the 40 of the corpus", n)
	}
	// Binary-mode placeholders survive reading.
	r, err := readMetaRecord(filepath.Join(dir, "python-3.11.9-h932a869_0_cpython.json"))
	if err != nil {
		t.Fatal(err)
	}
	binary := 0
	for _, e := range r.PathsData {
		if e.FileMode == FileModeBinary && e.PrefixPlaceholder != "" {
			binary++
		}
	}
	if binary == 0 {
		t.Error("no binary-mode placeholder read from python's record")
	}
}

func TestReadPrefixCorrupt(t *testing.T) {
	t.Parallel()
	tests := []struct {
		dir      string
		records  []string
		problems []string
	}{
		{"conda/tests/data/corrupt/json", nil, []string{"corrupt-1.2.3-hashhash.json"}},
		{"conda/tests/data/corrupt/unicode", nil, []string{"corrupt-1.2.3-hashhash.json: not UTF-8"}},
		{"conda/tests/data/corrupt/dot_underscore", []string{"valid"}, []string{"._valid-1.0-0.json: macOS"}},
	}
	for _, tc := range tests {
		t.Run(filepath.Base(tc.dir), func(t *testing.T) {
			prefix := corpusFile(t, tc.dir)
			pd, err := ReadPrefix(context.Background(), prefix)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, r := range pd.Records {
				names = append(names, r.Name)
			}
			if !reflect.DeepEqual(names, tc.records) {
				t.Errorf("records = %v, want %v", names, tc.records)
			}
			if len(pd.Problems) != len(tc.problems) {
				t.Fatalf("problems = %v, want %v", pd.Problems, tc.problems)
			}
			for i, p := range pd.Problems {
				if !strings.Contains(p.Error(), tc.problems[i]) || !strings.Contains(p.Error(), filepath.Join(prefix, "conda-meta")) {
					t.Errorf("problem %q does not name the file / %q", p, tc.problems[i])
				}
			}
			if pd.Err() == nil {
				t.Error("Err() = nil")
			}
		})
	}
	if _, err := ReadPrefix(context.Background(), t.TempDir()); !errors.Is(err, ErrNotEnvironment) {
		t.Errorf("empty dir: %v", err)
	}
}

func TestReadPrefixNameMismatch(t *testing.T) {
	t.Parallel()
	prefix := t.TempDir()
	meta := filepath.Join(prefix, "conda-meta")
	os.MkdirAll(meta, 0o755)
	os.WriteFile(filepath.Join(meta, "a-1-0.json"), []byte(`{"name":"b","version":"1","build":"0"}`), 0o644)
	pd, err := ReadPrefix(context.Background(), prefix)
	if err != nil {
		t.Fatal(err)
	}
	if len(pd.Records) != 0 || len(pd.Problems) != 1 || !strings.Contains(pd.Problems[0].Error(), "does not match") {
		t.Errorf("records %v problems %v", pd.Records, pd.Problems)
	}
}

func goldenRecord(t *testing.T) *InstalledRecord {
	t.Helper()
	v, err := conda.ParseVersion("1.2.11")
	if err != nil {
		t.Fatal(err)
	}
	return &InstalledRecord{
		Record: conda.Record{Name: "zlib", Version: v, Build: "h7b6447c_3", BuildNumber: 3, Depends: []string{"libgcc-ng >=7.3.0"},
			Subdir: "linux-64", Timestamp: 1550007683000, MD5: "d5b2d8f8b2c0b3d0c3c8d1c4c7c4e3a2", SHA256: "0e8a3d1c1f9b5c3d2e4f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6c7d",
			Size: 105917, License: "zlib", Fn: "zlib-1.2.11-h7b6447c_3.conda",
			URL:     "https://user:secret@repo.example.com/t/tk-123/main/linux-64/zlib-1.2.11-h7b6447c_3.conda",
			Channel: "https://repo.example.com/main"},
		Files: []string{"include/zlib.h", "lib/libz.so", "lib/pkgconfig/zlib.pc"},
		PathsData: []PathEntry{
			{Path: "include/zlib.h", PathType: PathHardlink, SHA256: "4ddc82b4af931ab55f44d977bde81bfbc4151b5dcdccc03142831a301b5ec3c8", SHA256InPrefix: "4ddc82b4af931ab55f44d977bde81bfbc4151b5dcdccc03142831a301b5ec3c8", Size: 96239},
			{Path: "lib/libz.so", PathType: PathSoftlink, SHA256: "79aa69435cd17d98c25fbe1ac03aa6681b6edee04a5fb04c141ab1effcaa3c3f", SHA256InPrefix: "79aa69435cd17d98c25fbe1ac03aa6681b6edee04a5fb04c141ab1effcaa3c3f", Size: 133384},
			{Path: "lib/pkgconfig/zlib.pc", PathType: PathHardlink, SHA256: "5613df6f1a56c1c3e0c2aa3da9284b51de9682882a6a9ba7af68a07745cb3aac", SHA256InPrefix: "1111111111111111111111111111111111111111111111111111111111111111", Size: 281, FileMode: FileModeText, PrefixPlaceholder: DefaultPlaceholder},
		},
		Link:                   LinkInfo{Source: "/home/u/.envseal/pkgs/zlib-1.2.11-h7b6447c_3", Type: LinkHardlink},
		RequestedSpec:          "zlib",
		ExtractedPackageDir:    "/home/u/.envseal/pkgs/zlib-1.2.11-h7b6447c_3",
		PackageTarballFullPath: "/home/u/.envseal/pkgs/zlib-1.2.11-h7b6447c_3.conda",
	}
}

func TestInstalledRecordGolden(t *testing.T) {
	t.Parallel()
	r := goldenRecord(t)
	data, err := r.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "zlib-1.2.11-h7b6447c_3.json.golden", append(data, '\n'))
	if strings.Contains(string(data), "secret") || strings.Contains(string(data), "tk-123") {
		t.Error("credentials written to conda-meta")
	}
	var back InstalledRecord
	if err := back.UnmarshalJSON(data); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back.PathsData, r.PathsData) || !reflect.DeepEqual(back.Files, r.Files) || back.Link != r.Link {
		t.Error("round trip changed the record")
	}
}

func TestHistoryGolden(t *testing.T) {
	t.Parallel()
	old := goldenRecord(t)
	v, _ := conda.ParseVersion("1.3.1")
	newRec := &InstalledRecord{Record: conda.Record{Name: "zlib", Version: v, Build: "h4ab18f5_1", Subdir: "linux-64", Channel: "https://conda.anaconda.org/conda-forge"}}
	py, _ := conda.ParseVersion("3.12.1")
	pyRec := &InstalledRecord{Record: conda.Record{Name: "python", Version: py, Build: "h0_cpython", Subdir: "linux-64", Channel: "conda-forge"}}
	plan := &Plan{Cmd: "envseal install -n demo zlib=1.3 python", UpdateSpecs: []string{"zlib=1.3", "python", "numpy[version='>=1']"}, RemoveSpecs: []string{"six"}}
	opts := &ApplyOptions{Version: "0.3.0", Now: func() time.Time { return time.Date(2026, 11, 28, 17, 0, 0, 0, time.Local) }}
	entry := newHistoryEntry(plan, opts, []*InstalledRecord{newRec, pyRec}, []*InstalledRecord{old}).format()
	golden(t, "history.golden", entry)

	revs, err := ParseHistory(entry)
	if err != nil {
		t.Fatal(err)
	}
	want := Revision{Date: "2026-11-28 17:00:00", Cmd: plan.Cmd, CondaVersion: "0.3.0",
		Added:       []string{"conda-forge/linux-64::python-3.12.1-h0_cpython", "conda-forge/linux-64::zlib-1.3.1-h4ab18f5_1"},
		Removed:     []string{"https://repo.example.com/main/linux-64::zlib-1.2.11-h7b6447c_3"},
		UpdateSpecs: plan.UpdateSpecs, RemoveSpecs: plan.RemoveSpecs}
	if len(revs) != 1 || !reflect.DeepEqual(revs[0], want) {
		t.Errorf("parsed %+v\nwant %+v", revs, want)
	}
}

func TestRequestedSpecs(t *testing.T) {
	t.Parallel()
	text := `==> 2019-01-01 10:00:00 <==
# cmd: conda create -n x python=3.7 numpy
# conda version: 4.6.0
+defaults::python-3.7.0-h0_0
+defaults::numpy-1.15.0-py37_0
# update specs: ['python=3.7', 'numpy']
==> 2019-01-02 10:00:00 <==
# cmd: conda install scipy six
+defaults::scipy-1.1.0-py37_0
# install specs: scipy,six
==> 2019-01-03 10:00:00 <==
# cmd: conda remove numpy
-defaults::numpy-1.15.0-py37_0
# remove specs: ['numpy']
==> 2019-01-04 10:00:00 <==
# update specs: ["python[version='>=3.7']", 'features@']
`
	revs, err := ParseHistory([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	if len(revs) != 4 || revs[0].CondaVersion != "4.6.0" || len(revs[0].Added) != 2 || len(revs[2].Removed) != 1 {
		t.Fatalf("revisions %+v", revs)
	}
	got := requestedSpecs(revs, map[string]bool{"python": true, "scipy": true, "numpy": true})
	want := []string{"python[version='>=3.7']", "scipy"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("requested = %q, want %q", got, want)
	}
}

func TestParsePyStringList(t *testing.T) {
	t.Parallel()
	tests := map[string][]string{
		`[]`:                   nil,
		`['a']`:                {"a"},
		`['a', "b'c", 'd\'e']`: {"a", "b'c", "d'e"},
		`[ 'x' ,'y' ]`:         {"x", "y"},
	}
	for in, want := range tests {
		got, err := parsePyStringList(in)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%s = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{`['a'`, `[a]`, `['a' 'b']`, `['a`} {
		if _, err := parsePyStringList(bad); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
	for _, s := range []string{"a", "b'c", `d"e`, `both'"`, `back\slash`} {
		got, err := parsePyStringList(pyList([]string{s}))
		if err != nil || len(got) != 1 || got[0] != s {
			t.Errorf("round trip of %q: %q %v", s, got, err)
		}
	}
}

func TestState(t *testing.T) {
	t.Parallel()
	vars := []Variable{{"ZED", "1"}, {"ALPHA", `quote " and \ back`}}
	data := formatState([]byte(`{"other": {"k": 1}, "env_vars": {"OLD": "x"}}`), vars)
	want := `{"other": {"k":1}, "env_vars": {"ZED": "1", "ALPHA": "quote \" and \\ back"}}`
	if string(data) != want {
		t.Errorf("state = %s\nwant    %s", data, want)
	}
	got, err := parseStateVars(data)
	if err != nil || !reflect.DeepEqual(got, vars) {
		t.Errorf("parsed %v %v", got, err)
	}
	got, err = parseStateVars([]byte(`{"env_vars": {"A": "1", "B": "***unset***", "C": 3}}`))
	if err != nil || !reflect.DeepEqual(got, []Variable{{"A", "1"}, {"C", "3"}}) {
		t.Errorf("unset filtering: %v %v", got, err)
	}
}

func TestHistoryDist(t *testing.T) {
	t.Parallel()
	v, _ := conda.ParseVersion("23.0")
	tests := map[string]string{
		"https://conda.anaconda.org/conda-forge/noarch": "conda-forge/noarch::pip-23.0-pyhd8ed1ab_0",
		"conda-forge":                   "conda-forge/noarch::pip-23.0-pyhd8ed1ab_0",
		"":                              "<unknown>/noarch::pip-23.0-pyhd8ed1ab_0",
		"file:///home/u/channel":        "file:///home/u/channel/noarch::pip-23.0-pyhd8ed1ab_0",
		"https://u:p@example.com/t/x/c": "https://example.com/t/<TOKEN>/c/noarch::pip-23.0-pyhd8ed1ab_0",
	}
	for ch, want := range tests {
		r := &conda.Record{Name: "pip", Version: v, Build: "pyhd8ed1ab_0", Subdir: "noarch", Channel: ch}
		if got := HistoryDist(r); got != want {
			t.Errorf("HistoryDist(channel %q) = %q, want %q", ch, got, want)
		}
	}
}
