package archive

import (
	"archive/tar"
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/envseal/envseal/internal/testkit"
)

// fuzzLimits keep fuzzed archives small and fast.
var fuzzLimits = Limits{MaxEntries: 256, MaxFileSize: 1 << 20, MaxTotalSize: 4 << 20, MaxZstdWindow: 1 << 22}

// addCorpusSeeds adds the small corpus archives matching glob patterns.
func addCorpusSeeds(f *testing.F, patterns ...string) {
	dir := testkit.CorpusRoot()
	for _, pat := range patterns {
		files, _ := filepath.Glob(filepath.Join(dir, pat))
		for _, file := range files {
			if st, err := os.Stat(file); err != nil || st.Size() > 64<<10 {
				continue
			}
			if b, err := os.ReadFile(file); err == nil {
				f.Add(b)
			}
		}
	}
}

func seedArchive(f *testing.F, format Format) {
	var buf bytes.Buffer
	files := []File{
		{Path: "info/index.json", Data: []byte(`{"name":"s","version":"1","build":"0"}`)},
		{Path: "lib/a", Mode: 0o644, Data: []byte("a")},
		{Path: "lib/b", Mode: fs.ModeSymlink, Linkname: "a"},
	}
	if err := Write(context.Background(), &buf, format, files, &WriteOptions{Level: 1}); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
}

// checkConfined fails if anything but dst appeared in parent, or if a
// symlink inside dst resolves outside it.
func checkConfined(t *testing.T, parent, dst string) {
	assertOnlyChild(t, parent, "dst")
	filepath.WalkDir(dst, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.Type()&fs.ModeSymlink == 0 {
			return nil
		}
		real, err := filepath.EvalSymlinks(p)
		if err != nil {
			return nil // dangling inside is allowed
		}
		if rel, err := filepath.Rel(dst, real); err != nil || rel == ".." || strings.HasPrefix(rel, "../") {
			t.Fatalf("symlink %s resolves outside the destination to %s", p, real)
		}
		return nil
	})
}

func FuzzExtractTar(f *testing.F) {
	addCorpusSeeds(f, "conda/tests/data/tar_traversal/*.tar")
	f.Add(makeTar(f, []tarEntry{{name: "a/b", data: "x"}, {name: "l", typ: tar.TypeSymlink, link: "a/b"}}))
	f.Fuzz(func(t *testing.T, data []byte) {
		parent := t.TempDir()
		dst := filepath.Join(parent, "dst")
		ExtractTar(context.Background(), bytes.NewReader(data), dst, &ExtractOptions{Limits: fuzzLimits})
		checkConfined(t, parent, dst)
	})
}

func FuzzExtractTarBz2(f *testing.F) {
	addCorpusSeeds(f, "quetz/quetz/tests/data/*.tar.bz2", "rattler/test-data/clobber/*.tar.bz2")
	seedArchive(f, FormatTarBz2)
	f.Fuzz(func(t *testing.T, data []byte) {
		parent := t.TempDir()
		dst := filepath.Join(parent, "dst")
		ExtractTarBz2(context.Background(), bytes.NewReader(data), dst, &ExtractOptions{Limits: fuzzLimits})
		checkConfined(t, parent, dst)
	})
}

func FuzzExtractConda(f *testing.F) {
	addCorpusSeeds(f, "rattler/test-data/sparse/*.conda", "rattler/test-data/zip64-extra-field-test.conda",
		"rattler/test-data/clobber/*.conda")
	seedArchive(f, FormatConda)
	f.Fuzz(func(t *testing.T, data []byte) {
		parent := t.TempDir()
		dst := filepath.Join(parent, "dst")
		ExtractConda(context.Background(), bytes.NewReader(data), int64(len(data)), dst, &ExtractOptions{Limits: fuzzLimits})
		checkConfined(t, parent, dst)
	})
}

func FuzzReadIndexJSON(f *testing.F) {
	addCorpusSeeds(f, "rattler/test-data/sparse/*.conda", "quetz/quetz/tests/data/*.tar.bz2")
	seedArchive(f, FormatConda)
	seedArchive(f, FormatTarBz2)
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, format := range []Format{FormatConda, FormatTarBz2} {
			m, err := ReadInfoFrom(context.Background(), bytes.NewReader(data), int64(len(data)), format, fuzzLimits, "index.json")
			if err != nil && m != nil {
				t.Fatalf("%v: non-nil map with error %v", format, err)
			}
			if len(m) > 1 {
				t.Fatalf("%v: asked for one file, got %d", format, len(m))
			}
		}
	})
}
