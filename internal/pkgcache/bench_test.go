package pkgcache

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/envseal/envseal/conda"
	"github.com/envseal/envseal/internal/archive"
)

// benchPackages are real archives of the corpus, each with a record
// carrying its computed size and digests.
func benchPackages(b *testing.B) []*conda.Record {
	corpus := corpusDir(b)
	var recs []*conda.Record
	for _, p := range []string{
		zlibRepo + "/" + zlibConda,
		zlibRepo + "/" + zlibBz2,
		"rattler/test-data/andes-1.8.3-pyhd8ed1ab_0.conda",
		"conda/tests/data/legacy_repodata/noarch/moto-1.3.7-py_0.tar.bz2",
	} {
		full := filepath.Join(corpus, filepath.FromSlash(p))
		data, err := os.ReadFile(full)
		if err != nil {
			continue
		}
		rec := &conda.Record{Fn: filepath.Base(full), URL: "file://" + filepath.ToSlash(full)}
		setSums(rec, data)
		recs = append(recs, rec)
	}
	if len(recs) == 0 {
		b.Skip("no corpus archives")
	}
	return recs
}

// BenchmarkFetchExtract compares a cold fetch through the cache (copy from
// a file:// channel, sha256+md5, extraction, repodata_record.json, rename)
// with the command-line tools extracting the same archive
// (`unzip -p | zstd -d | tar -x` for .conda, `tar -xjf` for .tar.bz2), and
// shows the cost of the bare extraction and of a warm hit (marker and paths.json check). MB/s are of
// the archive size.
func BenchmarkFetchExtract(b *testing.B) {
	ctx := context.Background()
	for _, rec := range benchPackages(b) {
		src := strings.TrimPrefix(rec.URL, "file://")
		b.Run(rec.Fn+"/cache-cold", func(b *testing.B) {
			b.SetBytes(rec.Size)
			for b.Loop() {
				c := &Cache{Dirs: []string{b.TempDir()}}
				if _, err := c.Fetch(ctx, []*conda.Record{rec}, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(rec.Fn+"/extract-only", func(b *testing.B) {
			b.SetBytes(rec.Size)
			for b.Loop() {
				if err := archive.Extract(ctx, src, filepath.Join(b.TempDir(), "x"), nil); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(rec.Fn+"/cache-warm", func(b *testing.B) {
			c := &Cache{Dirs: []string{b.TempDir()}}
			if _, err := c.Fetch(ctx, []*conda.Record{rec}, nil); err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				ents, err := c.Fetch(ctx, []*conda.Record{rec}, nil)
				if err != nil || !ents[0].Cached {
					b.Fatal(err, ents)
				}
			}
		})
		script := `tar -xjf "$1" -C "$2"`
		tools := []string{"tar", "bzip2"}
		if strings.HasSuffix(rec.Fn, ".conda") {
			// tar exits 1 on the empty symlink targets of early .conda
			// files (zlib's); everything else is extracted.
			script = `cd "$2" && for m in $(unzip -Z1 "$1" '*.tar.zst'); do unzip -p "$1" "$m" | zstd -dq | tar -x 2>/dev/null; done; test -d info`
			tools = []string{"tar", "zstd", "unzip"}
		}
		b.Run(rec.Fn+"/cli", func(b *testing.B) {
			for _, tool := range tools {
				if _, err := exec.LookPath(tool); err != nil {
					b.Skipf("%s not on PATH", tool)
				}
			}
			b.SetBytes(rec.Size)
			for b.Loop() {
				dst := b.TempDir()
				if out, err := exec.Command("sh", "-c", script, "sh", src, dst).CombinedOutput(); err != nil {
					b.Fatalf("%v: %s", err, out)
				}
			}
		})
	}
}
