package channel

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/envseal/envseal/internal/testkit"
)

func TestParseRepodataErrors(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want string // substring of the error
	}{
		{"empty", ``, "unexpected end"},
		{"not an object", `[]`, "want an object"},
		{"truncated in record", `{"packages":{"a-1-0.tar.bz2":{"name":"a","ver`, "unterminated string"},
		{"truncated after record", `{"packages":{"a-1-0.tar.bz2":{"name":"a"}`, "unexpected end"},
		{"unbalanced", `{"packages":{"a-1-0.tar.bz2":{"depends":["x"}}}`, "mismatched"},
		{"record not object", `{"packages":{"a-1-0.tar.bz2":[1]}}`, "is not an object"},
		{"trailing garbage", `{"packages":{}} x`, "after the top-level object"},
		{"missing colon", `{"packages" {}}`, "want ':'"},
		{"bad info", `{"info":[1],"packages":{}}`, "info"},
		{"bad repodata_version", `{"repodata_version":"two"}`, "repodata_version"},
		{"packages not an object", `{"packages":[]}`, "want an object"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ix, err := ParseRepodata([]byte(tc.doc), "mem://"+tc.name, FileOptions{})
			if err == nil {
				t.Fatalf("no error; index with %d entries", ix.Len())
			}
			if !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "mem://"+tc.name) {
				t.Errorf("error %q, want it to name the source and contain %q", err, tc.want)
			}
		})
	}
}

func TestDecodeErrorsAreLazy(t *testing.T) {
	// Structurally sound, but one record has a bad field: the scan
	// succeeds, other names decode, and the bad name reports the file and
	// the record.
	doc := `{"packages":{
		"good-1-0.tar.bz2":{"name":"good","version":"1","build":"0"},
		"bad-1-0.tar.bz2":{"name":"bad","version":"1","build_number":"x"}}}`
	ix, err := ParseRepodata([]byte(doc), "repo.json", FileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if recs, err := ix.Candidates("good"); err != nil || len(recs) != 1 {
		t.Errorf("good: %v %v", recs, err)
	}
	for i := 0; i < 2; i++ { // the error is cached and returned again
		_, err = ix.Candidates("bad")
		if err == nil || !strings.Contains(err.Error(), "repo.json") || !strings.Contains(err.Error(), "bad-1-0.tar.bz2") || !strings.Contains(err.Error(), "build_number") {
			t.Errorf("bad: %v", err)
		}
	}
	if recs, err := ix.Candidates("absent"); recs != nil || err != nil {
		t.Errorf("absent: %v %v", recs, err)
	}
}

func TestDecodeRecordFields(t *testing.T) {
	doc := `{"info":{"subdir":"linux-64","base_url":"https://mirror.example/pkgs/linux-64/"},
	"packages":{
	 "x-1.0-h_0.tar.bz2":{"name":"x","version":"1.0","build":"h_0","build_number":3,
	   "depends":["a >=1","b"],"constrains":null,"track_features":"f1, f2",
	   "features":"mkl","noarch":false,"arch":null,"platform":"linux","timestamp":1.5e9,
	   "md5":"m","sha256":"s","size":12,"license":"MIT","license_family":null,
	   "python_site_packages_path":"lib/py","extra":{"nested":[1,{"a":null}]},"fn":"ignored"},
	 "esc\u002dname-2-0.tar.bz2":{"name":"esc\u002dname","version":"2","build":"0","noarch":"python"}
	},
	"packages.conda":{"x-1.0-h_0.conda":{"name":"x","version":"1.0","build":"h_0","timestamp":1700000000123}}}`
	ix, err := ParseRepodata([]byte(doc), "mem", FileOptions{Channel: "ch"})
	if err != nil {
		t.Fatal(err)
	}
	if got := ix.Names(); !reflect.DeepEqual(got, []string{"esc-name", "x"}) {
		t.Errorf("Names() = %q", got)
	}
	recs, err := ix.Candidates("x")
	if err != nil || len(recs) != 1 {
		t.Fatalf("x: %v %v", recs, err)
	}
	r := recs[0]
	if r.Fn != "x-1.0-h_0.conda" || r.Timestamp != 1700000000123 || r.URL != "https://mirror.example/pkgs/linux-64/x-1.0-h_0.conda" || r.Subdir != "linux-64" {
		t.Errorf("x: %+v", r)
	}
	// The shadowed .tar.bz2 record, decoded on its own.
	tarOnly := doc[:strings.Index(doc, `"packages.conda"`)] + `"packages.conda":{}}`
	ix2, err := ParseRepodata([]byte(tarOnly), "mem2", FileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	recs, err = ix2.Candidates("x")
	if err != nil || len(recs) != 1 {
		t.Fatalf("x tar: %v %v", recs, err)
	}
	r = recs[0]
	if r.BuildNumber != 3 || !reflect.DeepEqual(r.Depends, []string{"a >=1", "b"}) || r.Constrains != nil ||
		!reflect.DeepEqual(r.TrackFeatures, []string{"f1", "f2"}) || r.Features != "mkl" || r.Noarch != "" ||
		r.Platform != "linux" || r.Arch != "" || r.Timestamp != 1_500_000_000_000 || r.MD5 != "m" || r.SHA256 != "s" ||
		r.Size != 12 || r.License != "MIT" || r.PythonSitePackagesPath != "lib/py" || r.URL != "https://mirror.example/pkgs/linux-64/x-1.0-h_0.tar.bz2" {
		t.Errorf("x tar: %+v", r)
	}
	recs, err = ix.Candidates("esc-name")
	if err != nil || len(recs) != 1 || recs[0].Fn != "esc-name-2-0.tar.bz2" || recs[0].Noarch != "python" {
		t.Errorf("escaped name: %+v %v", recs, err)
	}
}

func TestNameFromFn(t *testing.T) {
	for in, want := range map[string]string{
		"numpy-1.26.4-py39h_0.conda":    "numpy",
		"ld_impl_linux-64-2.40-h.conda": "ld_impl_linux-64",
		"a-1-0.tar.bz2":                 "a",
		"weird":                         "weird",
	} {
		if got := nameFromFn(in); got != want {
			t.Errorf("nameFromFn(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLocalGarbledFiles(t *testing.T) {
	corpus := corpusDir(t)
	good, err := os.ReadFile(filepath.Join(corpus, "conda-subchannel-demo/noarch/repodata.json"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cases := map[string][]byte{
		"truncated.json":   good[:len(good)/2],
		"garbled.json":     append(append([]byte{}, good[:1000]...), []byte("\x00\x01}}]]")...),
		"notzstd.json.zst": []byte("this is not zstd"),
		"notbz2.json.bz2":  []byte("BZh9 not really"),
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			p := filepath.Join(dir, name)
			if err := os.WriteFile(p, data, 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := LoadRepodataFile(context.Background(), p, FileOptions{})
			if err == nil || !strings.Contains(err.Error(), p) {
				t.Errorf("error %v does not name %s", err, p)
			}
		})
	}
	// A local channel whose subdir file is garbled names the file too.
	if err := os.MkdirAll(filepath.Join(dir, "ch", "noarch"), 0o755); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "ch", "noarch", "repodata.json")
	os.WriteFile(bad, good[:100], 0o644)
	_, err = (&Loader{}).LoadSources(context.Background(), []Source{{URL: filepath.Join(dir, "ch"), Name: "local"}}, "linux-64")
	if err == nil || !strings.Contains(err.Error(), bad) || !strings.Contains(err.Error(), "channel local") {
		t.Errorf("garbled local channel: %v", err)
	}
}

func TestCandidatesConcurrent(t *testing.T) {
	corpus := corpusDir(t)
	ix, err := LoadRepodataFile(context.Background(), filepath.Join(corpus, "conda-subchannel-demo/linux-64/repodata.json"), FileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	names := ix.Names()
	var wg sync.WaitGroup
	results := make([][]int, 8)
	for g := range results {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for k := range names {
				n := names[(k+g*7)%len(names)]
				recs, err := ix.Candidates(n)
				if err != nil {
					t.Error(err)
					return
				}
				results[g] = append(results[g], len(recs))
			}
		}(g)
	}
	wg.Wait()
	total := 0
	for _, c := range results[0] {
		total += c
	}
	if total != 2709 {
		t.Errorf("total %d, want 2709", total)
	}
}

func TestJoinAndSubdirs(t *testing.T) {
	a, _ := ParseRepodata([]byte(`{"packages":{"p-1-0.tar.bz2":{"name":"p","version":"1"}}}`), "a", FileOptions{Channel: "A", Subdir: "noarch"})
	b, _ := ParseRepodata([]byte(`{"packages":{"p-2-0.tar.bz2":{"name":"p","version":"2"},"q-1-0.tar.bz2":{"name":"q","version":"1"}}}`), "b", FileOptions{Channel: "B", Subdir: "noarch"})
	ix := Join(b, a)
	recs, _ := ix.Candidates("p")
	if len(recs) != 2 || recs[0].Channel != "B" || recs[1].Channel != "A" {
		t.Errorf("Join order: %+v", recs)
	}
	if got := ix.Channels(); !reflect.DeepEqual(got, []string{"B", "A"}) {
		t.Errorf("Channels() = %q", got)
	}
	if got := ix.Names(); !reflect.DeepEqual(got, []string{"p", "q"}) {
		t.Errorf("Names() = %q", got)
	}
	if sd := ix.Subdirs(); len(sd) != 2 || sd[0].Source != "b" || sd[0].Records != 2 {
		t.Errorf("Subdirs() = %+v", sd)
	}
}

func TestURLHandling(t *testing.T) {
	tests := []struct{ in, clean string }{
		{"https://conda.anaconda.org/t/abc-123/conda-forge/", "https://conda.anaconda.org/conda-forge"},
		{"https://user:pw@example.com/ch", "https://example.com/ch"},
		{"http://example.com/t/tok", "http://example.com"},
	}
	for _, tc := range tests {
		loc, err := parseLocation(tc.in)
		if err != nil {
			t.Fatal(err)
		}
		if loc.clean != tc.clean {
			t.Errorf("clean(%q) = %q, want %q", tc.in, loc.clean, tc.clean)
		}
	}
	if _, err := parseLocation("ftp://x/y"); err == nil {
		t.Errorf("ftp accepted")
	}
	if _, err := parseLocation("https://u:pw@exa mple.com/t/SECRET/x"); err == nil || strings.Contains(err.Error(), "SECRET") || strings.Contains(err.Error(), "pw") {
		t.Errorf("bad URL error leaks credentials: %v", err)
	}
	got, err := resolveBaseURL("https://h/ch/linux-64", "../linux-64")
	if err != nil || got != "https://h/ch/linux-64" {
		t.Errorf("relative base_url: %q %v", got, err)
	}
	got, err = resolveBaseURL("https://h/ch/linux-64", "https://other/x/")
	if err != nil || got != "https://other/x" {
		t.Errorf("absolute base_url: %q %v", got, err)
	}
}

func TestMaxAge(t *testing.T) {
	for cc, want := range map[string]int{"": 0, "max-age=30": 30, "public, max-age=1200": 1200, "max-age=60, no-cache": 0, "max-age=x": 0} {
		if got := int(maxAge(cc).Seconds()); got != want {
			t.Errorf("maxAge(%q) = %d, want %d", cc, got, want)
		}
	}
}

// FuzzIndexRepodata feeds arbitrary bytes to the scanner: it must return an
// error or an index whose every name decodes (or errors) without panic.
func FuzzIndexRepodata(f *testing.F) {
	f.Add([]byte(`{"info":{"subdir":"linux-64"},"packages":{"a-1-0.tar.bz2":{"name":"a","version":"1","build":"0","depends":["b >=1"]}},"packages.conda":{}}`))
	f.Add([]byte(`{"packages.conda":{"a-1-0.conda":{"name":"a","version":"1","timestamp":1.5,"noarch":true,"track_features":["x y"]}},"packages":{"a-1-0.tar.bz2":{}}}`))
	f.Add([]byte(`{"packages":{"x\"y-1-0.tar.bz2":{"name":"x\"y","version":"1"}}}`))
	f.Add([]byte(`{"info":{"base_url":"../x"},"packages":{"a":{"name":null,"version":"1"}}}`))
	if dir := testkit.CorpusRoot(); true {
		for _, p := range []string{"conda/tests/data/base_url_channel/linux-64/repodata.json", "rattler/test-data/channels/dummy/linux-64/repodata.json"} {
			if b, err := os.ReadFile(filepath.Join(dir, p)); err == nil {
				f.Add(b)
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ix, err := ParseRepodata(data, "fuzz", FileOptions{BaseURL: "https://h/c/noarch"})
		if err != nil {
			if ix != nil {
				t.Fatal("index with error")
			}
			return
		}
		valid := json.Valid(data)
		for _, n := range ix.Names() {
			recs, err := ix.Candidates(n)
			if err != nil {
				if valid {
					// Valid JSON may still hold wrongly typed fields.
					continue
				}
				continue
			}
			for _, r := range recs {
				if r.Name != n {
					t.Fatalf("record %q under %q", r.Name, n)
				}
			}
		}
		if _, err := json.Marshal(ix.Subdirs()); err != nil {
			t.Fatal(err)
		}
	})
}

// FuzzFlatIndex is FuzzIndexRepodata for the legacy flat layout.
func FuzzFlatIndex(f *testing.F) {
	f.Add([]byte(`{"a-1-0.tar.bz2":{"name":"a","version":"1","build":"0","subdir":"noarch"}}`))
	f.Add([]byte(`{"a-1-0.tar.bz2":{"name":"a"}, "b":{}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		sc, err := scanFlat(data)
		if err != nil {
			return
		}
		p := newPart("fuzz", "c", "noarch", "", data, sc)
		for i := range sc.names {
			recs, err := p.records(i)
			if err == nil {
				for _, r := range recs {
					if r.Name != sc.names[i] {
						t.Fatalf("record %q under %q", r.Name, sc.names[i])
					}
				}
			}
		}
	})
}
