package pkgcache

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	dbzip2 "github.com/dsnet/compress/bzip2"

	"github.com/envseal/envseal/conda"
	"github.com/envseal/envseal/internal/archive"
)

// TestCorruptEntry damages a cached package in several ways; each time the
// next fetch re-extracts it from the cached archive without downloading.
func TestCorruptEntry(t *testing.T) {
	rec, data, _ := zlib(t, zlibConda)
	srv := newServer(t)
	rec.URL = srv.add("/linux-64/"+zlibConda, data)
	c := testCache(t, srv.Client())
	ctx := context.Background()
	ents, err := c.Fetch(ctx, []*conda.Record{rec}, nil)
	if err != nil {
		t.Fatal(err)
	}
	dir := ents[0].Dir
	lib := filepath.Join(dir, "lib", "libz.so.1.2.11")
	recPath := filepath.Join(dir, "info", recordFile)
	for _, tc := range []struct {
		name   string
		damage func() error
	}{
		{"file-removed", func() error { return os.Remove(lib) }},
		{"file-truncated", func() error { return os.Truncate(lib, 100) }},
		{"no-marker", func() error { return os.Remove(recPath) }},
		{"half-written-marker", func() error { return os.Truncate(recPath, 10) }},
		{"other-build-marker", func() error {
			b, _ := os.ReadFile(recPath)
			return os.WriteFile(recPath, bytes.ReplaceAll(b, []byte(rec.SHA256), []byte(strings.Repeat("0", 64))), 0o644)
		}},
		{"dir-is-a-file", func() error {
			if err := os.RemoveAll(dir); err != nil {
				return err
			}
			return os.WriteFile(dir, []byte("junk"), 0o644)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.damage(); err != nil {
				t.Fatal(err)
			}
			if _, ok, _ := c.Lookup(rec); ok {
				t.Fatal("Lookup accepts the damaged entry")
			}
			ents, err := c.Fetch(ctx, []*conda.Record{rec}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !ents[0].Cached || ents[0].Dir != dir {
				t.Errorf("entry = %+v, want re-extracted from the cached archive", ents[0])
			}
			if st, err := os.Stat(lib); err != nil || st.Size() != 133384 {
				t.Errorf("lib not restored: %v", err)
			}
			if m := readRecord(t, dir); m["sha256"] != rec.SHA256 {
				t.Errorf("marker sha256 = %v", m["sha256"])
			}
			if n := len(srv.requests("")); n != 1 {
				t.Errorf("%d downloads, want the first one only", n)
			}
			if names := listCache(t, c.Dirs[0]); !slices.Equal(names, []string{urlsTxt, zlibDist, zlibConda}) {
				t.Errorf("cache holds %q (leftover temporary or trash directories?)", names)
			}
		})
	}
	t.Run("archive-corrupt-too", func(t *testing.T) {
		os.RemoveAll(dir)
		os.WriteFile(ents[0].Archive, bytes.Repeat([]byte{'x'}, len(data)), 0o644)
		got, err := c.Fetch(ctx, []*conda.Record{rec}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got[0].Cached {
			t.Error("corrupt archive was used")
		}
		if n := len(srv.requests("")); n != 2 {
			t.Errorf("%d downloads, want a second one", n)
		}
	})
}

// TestSeveralDirs uses a read-only cache directory (its urls.txt cannot
// be written, which works even as root) before a writable one.
func TestSeveralDirs(t *testing.T) {
	ctx := context.Background()
	rec, _, src := zlib(t, zlibConda)
	rec.URL = src
	root := t.TempDir()
	ro, rw := filepath.Join(root, "ro"), filepath.Join(root, "rw")
	if _, err := (&Cache{Dirs: []string{ro}}).Fetch(ctx, []*conda.Record{rec}, nil); err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(ro, urlsTxt))
	os.Mkdir(filepath.Join(ro, urlsTxt), 0o755) // makes the directory unwritable for us
	other, otherData := synth(t, "other", map[string]string{"share/other.txt": "hello"})
	otherPath := filepath.Join(root, other.Fn)
	os.WriteFile(otherPath, otherData, 0o644)
	other.URL = otherPath

	c := &Cache{Dirs: []string{ro, rw}}
	ents, err := c.Fetch(ctx, []*conda.Record{rec, other}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !ents[0].Cached || ents[0].Dir != filepath.Join(ro, zlibDist) || ents[0].Archive != filepath.Join(ro, zlibConda) {
		t.Errorf("zlib entry = %+v, want the read-only hit", ents[0])
	}
	if ents[1].Cached || ents[1].Dir != filepath.Join(rw, "other-1.0-0") {
		t.Errorf("other entry = %+v, want fetched into the writable dir", ents[1])
	}
	if b, err := os.ReadFile(filepath.Join(ents[1].Dir, "share", "other.txt")); err != nil || string(b) != "hello" {
		t.Errorf("other content = %q, %v", b, err)
	}

	// A read-only archive without its extraction is extracted into the
	// writable directory without copying it.
	os.RemoveAll(filepath.Join(ro, zlibDist))
	ents, err = c.Fetch(ctx, []*conda.Record{rec}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !ents[0].Cached || ents[0].Archive != filepath.Join(ro, zlibConda) || ents[0].Dir != filepath.Join(rw, zlibDist) {
		t.Errorf("entry = %+v", ents[0])
	}

	// Nothing writable: hits still work, misses say why.
	only := &Cache{Dirs: []string{ro}}
	os.Remove(filepath.Join(ro, zlibConda))
	_, err = only.Fetch(ctx, []*conda.Record{rec}, nil)
	if !errors.Is(err, ErrNoWritableDir) || !strings.Contains(err.Error(), ro) {
		t.Errorf("error = %v, want ErrNoWritableDir naming %s", err, ro)
	}
}

// TestConcurrentGoroutines fetches the same packages from two goroutines
// with separate Cache values over one directory: one download each, one
// consistent entry.
func TestConcurrentGoroutines(t *testing.T) {
	srv := newServer(t)
	srv.delay = 50 * time.Millisecond
	var recs []*conda.Record
	for i := range 3 {
		r, d := synth(t, fmt.Sprintf("pkg%d", i), map[string]string{"a.txt": strings.Repeat("a", 1000*i)})
		r.URL = srv.add("/noarch/"+r.Fn, d)
		recs = append(recs, r)
	}
	dir := filepath.Join(t.TempDir(), "pkgs")
	var wg sync.WaitGroup
	results := make([][]Entry, 2)
	errs := make([]error, 2)
	for g := range 2 {
		wg.Go(func() {
			c := &Cache{Dirs: []string{dir}, HTTPClient: srv.Client(), Jobs: 2}
			results[g], errs[g] = c.Fetch(context.Background(), recs, nil)
		})
	}
	wg.Wait()
	for g := range 2 {
		if errs[g] != nil {
			t.Fatalf("goroutine %d: %v", g, errs[g])
		}
	}
	checkShared(t, dir, srv, recs)
	for i := range recs {
		if results[0][i].Dir != results[1][i].Dir || results[0][i].Cached == results[1][i].Cached {
			t.Errorf("package %d: entries %+v and %+v, want the same dir, one downloaded and one cached", i, results[0][i], results[1][i])
		}
	}
}

// checkShared verifies the state of a cache that several fetchers filled:
// one request and one urls.txt line per package, valid entries, no
// leftovers.
func checkShared(t *testing.T, dir string, srv *server, recs []*conda.Record) {
	t.Helper()
	for _, r := range recs {
		if n := len(srv.requests("/noarch/" + r.Fn)); n != 1 {
			t.Errorf("%s downloaded %d times, want once", r.Fn, n)
		}
		dist, _ := archive.TrimExt(r.Fn)
		if !entryValid(filepath.Join(dir, dist), wantOf(r)) {
			t.Errorf("%s: entry not valid", dist)
		}
	}
	if l := urlLines(t, dir); len(l) != len(recs) {
		t.Errorf("urls.txt has %d lines, want %d: %q", len(l), len(recs), l)
	}
	for _, n := range listCache(t, dir) {
		if strings.HasPrefix(n, ".") || strings.HasSuffix(n, partialExt) {
			t.Errorf("leftover %s", n)
		}
	}
}

// TestConcurrentProcesses runs two copies of the test binary that fetch
// the same packages into the same directory at once.
func TestConcurrentProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("starts subprocesses")
	}
	srv := newServer(t)
	srv.delay = 100 * time.Millisecond
	var recs []*conda.Record
	var urls []string
	for i := range 3 {
		r, d := synth(t, fmt.Sprintf("proc%d", i), map[string]string{"b.txt": strings.Repeat("b", 5000*i)})
		r.URL = srv.add("/noarch/"+r.Fn, d)
		recs = append(recs, r)
		urls = append(urls, fmt.Sprintf("%s %s %d", r.URL, r.SHA256, r.Size))
	}
	dir := filepath.Join(t.TempDir(), "pkgs")
	syncDir := t.TempDir() // children write ready-N, then wait for "go"
	var cmds []*exec.Cmd
	var outs []*bytes.Buffer
	for i := range 2 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
		cmd.Env = append(os.Environ(), "PKGCACHE_HELPER=1", "PKGCACHE_DIR="+dir, "PKGCACHE_URLS="+strings.Join(urls, ","),
			"PKGCACHE_SYNC="+syncDir, fmt.Sprintf("PKGCACHE_ID=%d", i))
		out := new(bytes.Buffer)
		cmd.Stdout, cmd.Stderr = out, out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds, outs = append(cmds, cmd), append(outs, out)
	}
	// Release both children at the same moment so that their fetches overlap.
	deadline := time.Now().Add(30 * time.Second)
	for {
		a, _ := os.Stat(filepath.Join(syncDir, "ready-0"))
		b, _ := os.Stat(filepath.Join(syncDir, "ready-1"))
		if a != nil && b != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("children did not start")
		}
		time.Sleep(5 * time.Millisecond)
	}
	os.WriteFile(filepath.Join(syncDir, "go"), nil, 0o644)
	cached := 0
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Fatalf("process %d: %v\n%s", i, err, outs[i])
		}
		cached += strings.Count(outs[i].String(), "cached=true")
	}
	checkShared(t, dir, srv, recs)
	if cached != len(recs) {
		t.Errorf("%d cache hits across both processes, want %d (one per package)", cached, len(recs))
	}
}

// TestHelperProcess is the body of TestConcurrentProcesses' children.
func TestHelperProcess(t *testing.T) {
	if os.Getenv("PKGCACHE_HELPER") != "1" {
		t.Skip("helper for TestConcurrentProcesses")
	}
	var recs []*conda.Record
	for _, u := range strings.Split(os.Getenv("PKGCACHE_URLS"), ",") {
		var r conda.Record
		if _, err := fmt.Sscanf(u, "%s %s %d", &r.URL, &r.SHA256, &r.Size); err != nil {
			t.Fatal(err)
		}
		recs = append(recs, &r)
	}
	syncDir := os.Getenv("PKGCACHE_SYNC")
	os.WriteFile(filepath.Join(syncDir, "ready-"+os.Getenv("PKGCACHE_ID")), nil, 0o644)
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(time.Millisecond) {
		if _, err := os.Stat(filepath.Join(syncDir, "go")); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("never released")
		}
	}
	c := &Cache{Dirs: []string{os.Getenv("PKGCACHE_DIR")}, Jobs: 2}
	ents, err := c.Fetch(context.Background(), recs, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		fmt.Printf("%s cached=%v\n", e.Dir, e.Cached)
	}
}

// TestHostileArchive serves conda's tar traversal test archives (wrapped
// as .tar.bz2 packages with correct checksums): each is refused and leaves
// nothing in the cache or outside it.
func TestHostileArchive(t *testing.T) {
	dir := filepath.Join(corpusDir(t), "conda", "tests", "data", "tar_traversal")
	tars, _ := filepath.Glob(filepath.Join(dir, "*.tar"))
	if len(tars) == 0 {
		t.Skip("no tar_traversal archives in the corpus")
	}
	for _, p := range tars {
		name := strings.TrimSuffix(filepath.Base(p), ".tar")
		t.Run(name, func(t *testing.T) {
			raw, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			zw, _ := dbzip2.NewWriter(&buf, nil)
			zw.Write(raw)
			zw.Close()
			root := t.TempDir()
			src := filepath.Join(root, "channel", "evil-1.0-0.tar.bz2")
			os.MkdirAll(filepath.Dir(src), 0o755)
			os.WriteFile(src, buf.Bytes(), 0o644)
			rec := &conda.Record{Name: "evil", Build: "0", Fn: "evil-1.0-0.tar.bz2", URL: "file://" + filepath.ToSlash(src)}
			setSums(rec, buf.Bytes())
			pkgs := filepath.Join(root, "deep", "er", "pkgs")
			c := &Cache{Dirs: []string{pkgs}}
			_, err = c.Fetch(context.Background(), []*conda.Record{rec}, nil)
			if !errors.Is(err, archive.ErrUnsafe) || !strings.Contains(err.Error(), "evil-1.0-0.tar.bz2") {
				t.Fatalf("error = %v, want an unsafe-archive error naming the package", err)
			}
			assertNoEntry(t, pkgs)
			// Nothing escaped into the directories around the cache.
			filepath.WalkDir(root, func(q string, d os.DirEntry, err error) error {
				if err == nil && !d.IsDir() && q != src && !strings.HasPrefix(q, pkgs+string(filepath.Separator)) {
					t.Errorf("file written outside the cache: %s", q)
				}
				return nil
			})
		})
	}
}

func TestClean(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	var recs []*conda.Record
	var archBytes int64
	for _, n := range []string{"keep", "drop"} {
		r, d := synth(t, n, map[string]string{"share/" + n: strings.Repeat(n, 100)})
		r.URL = filepath.Join(root, r.Fn)
		os.WriteFile(r.URL, d, 0o644)
		recs = append(recs, r)
		archBytes += int64(len(d))
	}
	pkgs := filepath.Join(root, "pkgs")
	c := &Cache{Dirs: []string{pkgs}}
	if _, err := c.Fetch(ctx, recs, nil); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(pkgs, "x-1-0.conda.partial"), []byte("12345"), 0o644)
	os.Mkdir(filepath.Join(pkgs, tmpPrefix+"crashed-1.0-0-123456"), 0o755)

	dry, err := c.CleanTarballs(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	wantTar := []string{filepath.Join(pkgs, "drop-1.0-0.conda"), filepath.Join(pkgs, "keep-1.0-0.conda"), filepath.Join(pkgs, "x-1-0.conda.partial")}
	if !slices.Equal(dry.Paths, wantTar) || dry.Bytes != archBytes+5 {
		t.Errorf("dry run = %+v, want %q and %d bytes", dry, wantTar, archBytes+5)
	}
	if _, err := os.Stat(wantTar[0]); err != nil {
		t.Error("dry run removed a file")
	}
	rep, err := c.CleanTarballs(ctx, false)
	if err != nil || !slices.Equal(rep.Paths, wantTar) {
		t.Errorf("CleanTarballs = %+v, %v", rep, err)
	}

	// A package being fetched (its lock held) is left alone.
	r, _ := c.newRun(false)
	unlock, err := r.lock(ctx, pkgs, "drop-1.0-0", true)
	if err != nil {
		t.Fatal(err)
	}
	rep, err = c.CleanUnused(ctx, map[string]bool{"keep-1.0-0": true}, false)
	if err != nil || !slices.Equal(rep.Paths, []string{filepath.Join(pkgs, tmpPrefix+"crashed-1.0-0-123456")}) {
		t.Errorf("CleanUnused while locked = %+v, %v", rep, err)
	}
	unlock()
	rep, err = c.CleanUnused(ctx, map[string]bool{"keep-1.0-0": true}, false)
	if err != nil || !slices.Equal(rep.Paths, []string{filepath.Join(pkgs, "drop-1.0-0")}) || rep.Bytes == 0 {
		t.Errorf("CleanUnused = %+v, %v", rep, err)
	}
	if names := listCache(t, pkgs); !slices.Equal(names, []string{"keep-1.0-0", urlsTxt}) {
		t.Errorf("cache after cleaning holds %q", names)
	}
	// The kept package is still a hit.
	if _, ok, _ := c.Lookup(recs[0]); !ok {
		t.Error("kept package no longer found")
	}
}

// TestHTTPClientNotShared makes sure a nil HTTPClient does not fall back
// to http.DefaultClient (whose transport tests could replace).
func TestHTTPClientNotShared(t *testing.T) {
	r, err := (&Cache{Dirs: []string{t.TempDir()}}).newRun(false)
	if err != nil {
		t.Fatal(err)
	}
	if r.client == http.DefaultClient || r.client.Transport == http.DefaultTransport {
		t.Error("nil HTTPClient uses the default client or transport")
	}
}
