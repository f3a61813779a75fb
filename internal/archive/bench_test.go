package archive

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/envseal/envseal/internal/testkit"
)

// goTreeFiles packs $GOROOT/src/go (about 2.6 MB of real source in ~600
// files) as package files: a deterministic, sizeable input present wherever
// the tests run.
func goTreeFiles(tb testing.TB) []File {
	tb.Helper()
	root := filepath.Join(runtime.GOROOT(), "src", "go")
	files := []File{{Path: "info/index.json", Mode: 0o644,
		Data: []byte(`{"name":"gosrc","version":"1","build":"0","build_number":0}`)}}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		files = append(files, File{Path: "src/" + filepath.ToSlash(rel), Mode: 0o644, Data: b})
		return nil
	})
	if err != nil {
		tb.Skipf("GOROOT source not available: %v", err)
	}
	return files
}

type benchArchive struct {
	name, path string
	size       int64 // uncompressed bytes, for MB/s
}

func benchArchives(b *testing.B) []benchArchive {
	dir := b.TempDir()
	var out []benchArchive
	files := goTreeFiles(b)
	var total int64
	for _, f := range files {
		total += int64(len(f.Data))
	}
	for _, format := range []Format{FormatConda, FormatTarBz2} {
		var buf bytes.Buffer
		if err := Write(context.Background(), &buf, format, files, nil); err != nil {
			b.Fatal(err)
		}
		p := filepath.Join(dir, "gosrc-1-0"+format.Ext())
		if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
			b.Fatal(err)
		}
		out = append(out, benchArchive{"gosrc" + format.Ext(), p, total})
	}
	corpus := testkit.CorpusRoot()
	for _, c := range []string{"rattler/test-data/andes-1.8.3-pyhd8ed1ab_0.conda",
		"conda/tests/data/legacy_repodata/noarch/moto-1.3.7-py_0.tar.bz2"} {
		p, _ := filepath.Abs(filepath.Join(corpus, c))
		if _, err := os.Stat(p); err == nil {
			tmp := filepath.Join(b.TempDir(), "x")
			Extract(context.Background(), p, tmp, nil)
			var n int64
			filepath.WalkDir(tmp, func(_ string, d fs.DirEntry, _ error) error {
				if d != nil && d.Type().IsRegular() {
					if fi, err := d.Info(); err == nil {
						n += fi.Size()
					}
				}
				return nil
			})
			out = append(out, benchArchive{filepath.Base(p), p, n})
		}
	}
	return out
}

// BenchmarkExtract compares Extract with the external tools on the same
// archives in the same run: `unzip -p | zstd -d | tar -x` for .conda and
// `tar -xjf` for .tar.bz2.
func BenchmarkExtract(b *testing.B) {
	ctx := context.Background()
	for _, a := range benchArchives(b) {
		b.Run(a.name+"/envseal", func(b *testing.B) {
			b.SetBytes(a.size)
			for i := 0; i < b.N; i++ {
				dst := filepath.Join(b.TempDir(), "dst")
				if err := Extract(ctx, a.path, dst, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
		var script string
		if filepath.Ext(a.path) == ".conda" {
			script = `cd "$2" && for m in $(unzip -Z1 "$1" '*.tar.zst'); do unzip -p "$1" "$m" | zstd -dq | tar -x || exit 1; done`
		} else {
			script = `tar -xjf "$1" -C "$2"`
		}
		b.Run(a.name+"/cli", func(b *testing.B) {
			for _, tool := range []string{"tar", "zstd", "unzip", "bzip2"} {
				if _, err := exec.LookPath(tool); err != nil {
					b.Skipf("%s not on PATH", tool)
				}
			}
			b.SetBytes(a.size)
			for i := 0; i < b.N; i++ {
				dst := b.TempDir()
				if out, err := exec.Command("sh", "-c", script, "sh", a.path, dst).CombinedOutput(); err != nil {
					b.Fatalf("%v: %s", err, out)
				}
			}
		})
	}
}

// TestWriteReadableByCLI checks that archives from Write are read by the
// standard tools (unzip, zstd, tar, bzip2) with the same content.
func TestWriteReadableByCLI(t *testing.T) {
	for _, tool := range []string{"tar", "zstd", "unzip", "bzip2"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not on PATH", tool)
		}
	}
	ctx := context.Background()
	for _, format := range []Format{FormatConda, FormatTarBz2} {
		t.Run(format.String(), func(t *testing.T) {
			var buf bytes.Buffer
			if err := Write(ctx, &buf, format, sampleFiles(), nil); err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			p := filepath.Join(dir, "libx-1.0-h0_0"+format.Ext())
			os.WriteFile(p, buf.Bytes(), 0o644)
			ours, cli := filepath.Join(dir, "ours"), filepath.Join(dir, "cli")
			if err := Extract(ctx, p, ours, nil); err != nil {
				t.Fatal(err)
			}
			os.Mkdir(cli, 0o755)
			script := `tar -xjf "$1" -C "$2"`
			if format == FormatConda {
				script = `unzip -tq "$1" >/dev/null && cd "$2" && for m in $(unzip -Z1 "$1" '*.tar.zst'); do unzip -p "$1" "$m" | zstd -dq | tar -x || exit 1; done`
			}
			if out, err := exec.Command("sh", "-c", script, "sh", p, cli).CombinedOutput(); err != nil {
				t.Fatalf("%v: %s", err, out)
			}
			a, b := snapshot(t, ours), snapshot(t, cli)
			if len(a) != len(b) {
				t.Fatalf("ours %d paths, cli %d paths", len(a), len(b))
			}
			for k, v := range a {
				if b[k] != v {
					t.Errorf("%s: ours %+v, cli %+v", k, v, b[k])
				}
			}
		})
	}
}
