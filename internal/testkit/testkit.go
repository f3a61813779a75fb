// Package testkit holds the helpers several packages' tests share: where
// the shared corpus of real conda data is, snapshots of directory trees,
// and a loopback HTTP server for a directory. It imports only the
// standard library, so the tests of every package (conda and
// internal/archive included) can use it; helpers that build conda
// packages live in [channelkit], which needs internal/archive.
//
// It is for tests: nothing else may import it (internal/layout).
package testkit

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// CorpusRoot returns the directory of the shared corpus of real conda
// data (/work/shared/corpus; see its SOURCES.md): $ENVSEAL_CORPUS when
// set, else shared/corpus beside the repository (as CI checks it out),
// else /work/shared/corpus. When none exists it returns the path beside
// the repository, so a caller's os.Stat fails and says where it looked.
func CorpusRoot() string {
	if d := os.Getenv("ENVSEAL_CORPUS"); d != "" {
		return d
	}
	var candidates []string
	if root, ok := moduleRoot(); ok {
		candidates = append(candidates, filepath.Join(filepath.Dir(root), "shared", "corpus"))
	}
	candidates = append(candidates, filepath.Join(string(filepath.Separator), "work", "shared", "corpus"))
	for _, c := range candidates {
		if fi, err := os.Stat(c); err == nil && fi.IsDir() {
			return c
		}
	}
	return candidates[0]
}

// moduleRoot finds the directory holding go.mod above the working
// directory (a package's directory under go test).
func moduleRoot() (string, bool) {
	dir, err := os.Getwd()
	if err != nil {
		return "", false
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, true
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false
		}
		dir = parent
	}
}

// Corpus returns the absolute path of rel (slash-separated parts) in the
// shared corpus, skipping the test when it is absent.
func Corpus(tb testing.TB, rel ...string) string {
	tb.Helper()
	p := filepath.Join(CorpusRoot(), filepath.FromSlash(strings.Join(rel, "/")))
	if _, err := os.Stat(p); err != nil {
		tb.Skipf("shared corpus: %s not available (%v); set ENVSEAL_CORPUS or put the corpus beside the repository", p, err)
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		tb.Fatal(err)
	}
	return abs
}

// TreeEntry summarises one path of a directory tree.
type TreeEntry struct {
	Kind string // "f" file, "d" directory, "l" symlink
	Mode fs.FileMode
	Hash string // sha256 of a file's content
	Link string // a symlink's target
}

// Snapshot returns every path below dir (slash-separated, relative) with
// its kind, permission bits, content hash or link target.
func Snapshot(tb testing.TB, dir string) map[string]TreeEntry {
	tb.Helper()
	out := map[string]TreeEntry{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == dir {
			return nil
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		info, err := os.Lstat(p)
		if err != nil {
			return err
		}
		switch {
		case info.Mode()&fs.ModeSymlink != 0:
			l, err := os.Readlink(p)
			if err != nil {
				return err
			}
			out[rel] = TreeEntry{Kind: "l", Link: l}
		case info.IsDir():
			out[rel] = TreeEntry{Kind: "d"}
		default:
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			if strings.HasPrefix(rel, "conda-meta/") {
				// The link-time mtimes a record keeps (for envseal verify)
				// differ between two builds of the same prefix.
				b = linkedMtime.ReplaceAll(b, nil)
			}
			out[rel] = TreeEntry{Kind: "f", Mode: info.Mode().Perm(), Hash: SHA256Hex(b)}
		}
		return nil
	})
	if err != nil {
		tb.Fatalf("snapshot of %s: %v", dir, err)
	}
	return out
}

// DiffSnapshots describes how two snapshots differ ("" when equal), in at
// most nine lines.
func DiffSnapshots(a, b map[string]TreeEntry) string {
	var lines []string
	for k, v := range a {
		if w, ok := b[k]; !ok {
			lines = append(lines, "only in first: "+k)
		} else if v != w {
			lines = append(lines, "differs: "+k)
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			lines = append(lines, "only in second: "+k)
		}
	}
	sort.Strings(lines)
	if len(lines) > 8 {
		lines = append(lines[:8], "…")
	}
	return strings.Join(lines, "\n")
}

// SHA256Hex is the lower-case hex sha256 of data.
func SHA256Hex(data []byte) string {
	s := sha256.Sum256(data)
	return hex.EncodeToString(s[:])
}

// ServeDir serves dir on a loopback httptest server, closed when the
// test ends. With prefix ("/t/<token>/private") only paths below it are
// served, the prefix removed, and others get 403, as a token-protected
// channel answers.
func ServeDir(tb testing.TB, dir, prefix string) *httptest.Server {
	tb.Helper()
	files := http.FileServer(http.Dir(dir))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if prefix != "" {
			if !strings.HasPrefix(r.URL.Path, prefix+"/") {
				http.Error(w, fmt.Sprintf("forbidden: not under %s", prefix), http.StatusForbidden)
				return
			}
			r.URL.Path = strings.TrimPrefix(r.URL.Path, prefix)
		}
		files.ServeHTTP(w, r)
	}))
	tb.Cleanup(srv.Close)
	return srv
}

// linkedMtime is the link-time mtime a conda-meta record keeps.
var linkedMtime = regexp.MustCompile(`"envseal_mtime_ns": [0-9]+,?`)
