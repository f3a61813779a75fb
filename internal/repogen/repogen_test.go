package repogen

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/envseal/envseal/conda"
	"github.com/envseal/envseal/internal/testkit"
)

func baseDocs(t testing.TB) [][]byte {
	t.Helper()
	dir := filepath.Join(testkit.CorpusRoot(), "conda-subchannel-demo")
	var out [][]byte
	for _, sd := range []string{"linux-64", "noarch"} {
		b, err := os.ReadFile(filepath.Join(dir, sd, "repodata.json"))
		if err != nil {
			t.Skipf("shared corpus not found (it lives beside the repository): %v", err)
		}
		out = append(out, b)
	}
	return out
}

type genRecord struct {
	Name    string   `json:"name"`
	Version string   `json:"version"`
	Build   string   `json:"build"`
	Depends []string `json:"depends"`
	Subdir  string   `json:"subdir"`
}

type genDoc struct {
	Info          struct{ Subdir string } `json:"info"`
	Packages      map[string]genRecord    `json:"packages"`
	PackagesConda map[string]genRecord    `json:"packages.conda"`
}

func TestGenerateDeterministicAndConsistent(t *testing.T) {
	base := baseDocs(t)
	opts := Options{Seed: 42, Records: 40_000, Base: base}
	var a, b bytes.Buffer
	st, err := Generate(&a, opts)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Generate(&b, opts); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatal("same options, different output")
	}
	var c bytes.Buffer
	if _, err := Generate(&c, Options{Seed: 43, Records: 40_000, Base: base}); err != nil {
		t.Fatal(err)
	}
	if sha256.Sum256(a.Bytes()) == sha256.Sum256(c.Bytes()) {
		t.Error("different seeds, same output")
	}

	var doc genDoc
	if err := json.Unmarshal(a.Bytes(), &doc); err != nil {
		t.Fatalf("output is not valid JSON: %v", err)
	}
	total := len(doc.Packages) + len(doc.PackagesConda)
	if total != opts.Records || st.Records != opts.Records || st.Bytes != int64(a.Len()) {
		t.Errorf("records: %d in document, stats %+v, want %d", total, st, opts.Records)
	}
	if st.Base != 2709+205 || st.Base+st.Stack+st.Synthetic != st.Records {
		t.Errorf("stats %+v", st)
	}
	if doc.Info.Subdir != "linux-64" {
		t.Errorf("info.subdir %q", doc.Info.Subdir)
	}

	byName := map[string][]genRecord{}
	baseKeys := map[string]bool{}
	for _, raw := range base {
		var d genDoc
		json.Unmarshal(raw, &d)
		for k := range d.Packages {
			baseKeys[k] = true
		}
		for k := range d.PackagesConda {
			baseKeys[k] = true
		}
	}
	var generated []genRecord
	for _, m := range []map[string]genRecord{doc.Packages, doc.PackagesConda} {
		for k, r := range m {
			byName[r.Name] = append(byName[r.Name], r)
			if !strings.HasPrefix(k, r.Name+"-"+r.Version+"-"+r.Build+".") {
				t.Fatalf("key %q does not match record %s %s %s", k, r.Name, r.Version, r.Build)
			}
			if !baseKeys[k] {
				generated = append(generated, r)
			}
		}
	}
	if len(generated) != st.Stack+st.Synthetic {
		t.Errorf("%d generated records, stats %+v", len(generated), st)
	}
	for _, want := range []string{"numpy", "scipy", "pandas", "matplotlib", "jupyter", "ipykernel", "python"} {
		if len(byName[want]) == 0 {
			t.Errorf("no %s records", want)
		}
	}
	// Every dependency of a generated record is satisfiable by some
	// record in the document.
	checked := map[string]bool{}
	for _, r := range generated {
		for _, d := range r.Depends {
			if checked[d] {
				continue
			}
			checked[d] = true
			f := strings.Fields(d)
			cands := byName[f[0]]
			if len(cands) == 0 {
				t.Fatalf("%s %s depends on %q: no such package", r.Name, r.Version, d)
			}
			var vs conda.VersionSpec
			if len(f) > 1 {
				var err error
				if vs, err = conda.ParseVersionSpec(f[1]); err != nil {
					t.Fatalf("%s: %v", d, err)
				}
			}
			ok := false
			for _, c := range cands {
				if len(f) > 1 {
					v, err := conda.ParseVersion(c.Version)
					if err != nil || !vs.Match(v) {
						continue
					}
				}
				if len(f) > 2 {
					if m, _ := path.Match(f[2], c.Build); !m {
						continue
					}
				}
				ok = true
				break
			}
			if !ok {
				t.Errorf("%s %s depends on %q: no record satisfies it", r.Name, r.Version, d)
			}
		}
	}
	t.Logf("%d records, %d names, %d bytes (%.0f bytes/record), %d distinct deps checked",
		st.Records, st.Names, st.Bytes, float64(st.Bytes)/float64(st.Records), len(checked))
}

func TestWriteFileAndErrors(t *testing.T) {
	base := baseDocs(t)
	p := filepath.Join(t.TempDir(), "repodata.json")
	st, err := WriteFile(p, Options{Seed: 1, Records: 100, Base: base})
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(p)
	if err != nil || fi.Size() != st.Bytes {
		t.Errorf("file %v, stats %+v", err, st)
	}
	// Fewer records than base+stack: just those.
	if st.Synthetic != 0 || st.Records != st.Base+st.Stack {
		t.Errorf("small document stats %+v", st)
	}
	if _, err := Generate(&bytes.Buffer{}, Options{Records: 10}); err == nil {
		t.Error("no base: no error")
	}
	if _, err := Generate(&bytes.Buffer{}, Options{Records: 10, Base: [][]byte{[]byte("{")}}); err == nil {
		t.Error("bad base: no error")
	}
	if _, err := WriteFile(filepath.Join(t.TempDir(), "missing", "x.json"), Options{Base: base}); err == nil || !strings.Contains(err.Error(), "x.json") {
		t.Errorf("unwritable path: %v", err)
	}
}
