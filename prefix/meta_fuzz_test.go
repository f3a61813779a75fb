package prefix

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

func FuzzParseHistory(f *testing.F) {
	f.Add([]byte("==> 2019-01-01 10:00:00 <==\n# cmd: conda create\n+defaults::a-1-0\n# update specs: ['a', \"b[version='1']\"]\n"))
	f.Add([]byte("# remove specs: a,b\n-x\nbare-1-0\n"))
	f.Add([]byte("==> x <==\n# neutered specs: ['a'\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		revs, err := ParseHistory(data)
		if err != nil {
			return
		}
		// What we parsed, written back in our format, parses to the same
		// specs and dists.
		for _, r := range revs {
			e := historyEntry{time: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), cmd: "x", version: "1",
				added: r.Added, removed: r.Removed, updateSpecs: r.UpdateSpecs, removeSpecs: r.RemoveSpecs}
			back, err := ParseHistory(e.format())
			if err != nil {
				t.Fatalf("re-parsing %q: %v", e.format(), err)
			}
			if len(back) != 1 || !sameSet(back[0].Added, r.Added) || !sameSet(back[0].Removed, r.Removed) ||
				!sameList(back[0].UpdateSpecs, r.UpdateSpecs) || !sameList(back[0].RemoveSpecs, r.RemoveSpecs) {
				t.Fatalf("round trip of %+v gave %+v", r, back)
			}
		}
	})
}

func sameList(a, b []string) bool { return len(a) == 0 && len(b) == 0 || reflect.DeepEqual(a, b) }

func sameSet(a, b []string) bool {
	m := map[string]int{}
	for _, s := range a {
		m[s]++
	}
	for _, s := range b {
		m[s]--
	}
	for _, n := range m {
		if n != 0 {
			return false
		}
	}
	return true
}

func FuzzInstalledRecord(f *testing.F) {
	f.Add([]byte(`{"name":"a","version":"1","build":"0","files":["x"],"paths_data":{"paths":[{"_path":"x","path_type":"hardlink"}],"paths_version":1},"link":{"source":"/p","type":"hard-link"}}`))
	if ents, err := os.ReadDir(filepath.Join(corpusDir, "rattler/test-data/conda-meta")); err == nil {
		for i, e := range ents {
			if i%8 == 0 {
				if data, err := os.ReadFile(filepath.Join(corpusDir, "rattler/test-data/conda-meta", e.Name())); err == nil {
					f.Add(data)
				}
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var r InstalledRecord
		if err := r.UnmarshalJSON(data); err != nil {
			return
		}
		out, err := r.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		var back InstalledRecord
		if err := back.UnmarshalJSON(out); err != nil {
			t.Fatalf("re-reading %s: %v", out, err)
		}
		again, err := back.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		if string(again) != string(out) {
			t.Fatalf("encoding not stable:\n%s\n%s", out, again)
		}
	})
}
