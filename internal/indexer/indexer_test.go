package indexer

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/envseal/envseal/internal/archive"
	"github.com/envseal/envseal/internal/testkit"
	"github.com/klauspost/compress/zstd"
)

func corpusDir(t *testing.T) string { return testkit.Corpus(t) }

func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func readRepodata(t *testing.T, path string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return m
}

// TestIndexMatchesCondaIndex indexes the real zlib packages of conda's
// conda_format_repo and compares each record with the repodata.json that
// conda-index wrote for the same files.
func TestIndexMatchesCondaIndex(t *testing.T) {
	repo := filepath.Join(corpusDir(t), "conda", "tests", "data", "conda_format_repo")
	ch := t.TempDir()
	for _, sub := range []string{"linux-64/zlib-1.2.11-h7b6447c_3", "win-64/zlib-1.2.11-h62dcd97_3"} {
		for _, ext := range []string{".conda", ".tar.bz2"} {
			copyFile(t, filepath.Join(repo, sub+ext), filepath.Join(ch, sub+ext))
		}
	}
	if err := Index(context.Background(), ch); err != nil {
		t.Fatal(err)
	}
	for _, sub := range []string{"linux-64", "win-64"} {
		got := readRepodata(t, filepath.Join(ch, sub, "repodata.json"))
		want := readRepodata(t, filepath.Join(repo, sub, "repodata.json"))
		if got["repodata_version"] != 1.0 || got["info"].(map[string]any)["subdir"] != sub {
			t.Errorf("%s: header %v %v", sub, got["repodata_version"], got["info"])
		}
		for _, key := range []string{"packages", "packages.conda"} {
			g := got[key].(map[string]any)
			w := want[key].(map[string]any)
			if len(g) != 1 {
				t.Errorf("%s %s: %d records, want 1", sub, key, len(g))
			}
			for fn, rec := range g {
				wrec, ok := w[fn]
				if !ok {
					t.Errorf("%s %s: %s not in conda-index's repodata", sub, key, fn)
					continue
				}
				gj, _ := json.Marshal(rec)
				wj, _ := json.Marshal(wrec)
				if !bytes.Equal(gj, wj) {
					t.Errorf("%s %s %s:\n got %s\nwant %s", sub, key, fn, gj, wj)
				}
			}
		}
	}
	// noarch is absent from the channel: an empty one is written.
	noarch := readRepodata(t, filepath.Join(ch, "noarch", "repodata.json"))
	if len(noarch["packages"].(map[string]any)) != 0 || noarch["info"].(map[string]any)["subdir"] != "noarch" {
		t.Errorf("noarch repodata = %v", noarch)
	}
}

func TestIndexStableAndZst(t *testing.T) {
	repo := filepath.Join(corpusDir(t), "conda", "tests", "data")
	ch := t.TempDir()
	for _, f := range []string{"dependency-1.0-0.conda", "dependency-2.0-0.conda", "dependent-1.0-0.conda"} {
		copyFile(t, filepath.Join(repo, "test-recipes", "noarch", f), filepath.Join(ch, "noarch", f))
	}
	ctx := context.Background()
	if err := Index(ctx, ch); err != nil {
		t.Fatal(err)
	}
	first, _ := os.ReadFile(filepath.Join(ch, "noarch", "repodata.json"))
	if err := Index(ctx, ch); err != nil {
		t.Fatal(err)
	}
	second, _ := os.ReadFile(filepath.Join(ch, "noarch", "repodata.json"))
	if !bytes.Equal(first, second) {
		t.Fatal("repodata.json changed between two runs over the same files")
	}
	zst, err := os.ReadFile(filepath.Join(ch, "noarch", "repodata.json.zst"))
	if err != nil {
		t.Fatal(err)
	}
	dec, _ := zstd.NewReader(nil)
	defer dec.Close()
	plain, err := dec.DecodeAll(zst, nil)
	if err != nil || !bytes.Equal(plain, first) {
		t.Fatalf("repodata.json.zst does not decode to repodata.json (%v)", err)
	}
	m := readRepodata(t, filepath.Join(ch, "noarch", "repodata.json"))
	if n := len(m["packages.conda"].(map[string]any)); n != 3 {
		t.Errorf("%d .conda records, want 3", n)
	}
	ents, _ := os.ReadDir(filepath.Join(ch, "noarch"))
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".tmp") {
			t.Errorf("temp file %s left behind", e.Name())
		}
	}
}

func TestIndexErrors(t *testing.T) {
	corpus := corpusDir(t)
	tests := []struct {
		name string
		src  string // corpus file
		dst  string // path in the channel
		want string
	}{
		{"corrupt bz2", "conda-index/tests/index_data/corrupt/noarch/bad_package.tar.bz2", "noarch/bad_package.tar.bz2", "bad_package.tar.bz2"},
		{"empty conda", "conda-index/tests/index_data/corrupt/noarch/another_bad_package.conda", "noarch/another_bad_package.conda", "another_bad_package.conda"},
		{"wrong subdir", "conda/tests/data/conda_format_repo/win-64/zlib-1.2.11-h62dcd97_3.conda", "linux-64/zlib-1.2.11-h62dcd97_3.conda", "subdir"},
		{"no index.json", "conda-index/tests/archives/a.tar.bz2", "noarch/a-1-0.tar.bz2", "index.json"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ch := t.TempDir()
			copyFile(t, filepath.Join(corpus, tc.src), filepath.Join(ch, tc.dst))
			err := Index(context.Background(), ch)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Index = %v, want error containing %q", err, tc.want)
			}
		})
	}
}

// TestIndexNormalizesEscapes writes an archive whose index.json escapes
// '<' as \u003c (as Go's encoding/json does) and requires plain '<' and
// exact integers in the repodata.
func TestIndexNormalizesEscapes(t *testing.T) {
	ch := t.TempDir()
	idx := `{"name":"esc","version":"1.0","build":"h0_0","build_number":0,"depends":["python \u003e=3.7,\u003c4"],` +
		`"timestamp":1734566400123,"subdir":"noarch","noarch":"generic"}`
	var buf bytes.Buffer
	files := []archive.File{{Path: "info/index.json", Mode: 0o644, Data: []byte(idx)}}
	if err := archive.Write(context.Background(), &buf, archive.FormatConda, files, nil); err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(ch, "noarch"), 0o755)
	if err := os.WriteFile(filepath.Join(ch, "noarch", "esc-1.0-h0_0.conda"), buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Index(context.Background(), ch); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(filepath.Join(ch, "noarch", "repodata.json"))
	for _, want := range []string{`"python >=3.7,<4"`, `"timestamp": 1734566400123`, `"size": ` + strconv.Itoa(buf.Len())} {
		if !bytes.Contains(got, []byte(want)) {
			t.Errorf("repodata lacks %s:\n%s", want, got)
		}
	}
}
