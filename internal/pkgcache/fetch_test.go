package pkgcache

import (
	"context"
	"errors"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/envseal/envseal/conda"
)

const (
	zlibConda = "zlib-1.2.11-h7b6447c_3.conda"
	zlibBz2   = "zlib-1.2.11-h7b6447c_3.tar.bz2"
	zlibDist  = "zlib-1.2.11-h7b6447c_3"
	token     = "tk-0123456789abcdef-SECRET"
)

// TestFetchFileChannel fetches the real zlib package in both formats from
// the corpus channel through a file:// URL and a plain path.
func TestFetchFileChannel(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		fn    string
		plain bool
	}{{zlibConda, false}, {zlibBz2, false}, {zlibConda, true}} {
		t.Run(tc.fn+map[bool]string{true: "/path", false: "/file-url"}[tc.plain], func(t *testing.T) {
			rec, data, src := zlib(t, tc.fn)
			if tc.plain {
				rec.URL = src
			} else {
				rec.URL = "file://" + filepath.ToSlash(src)
			}
			c := testCache(t, nil)
			pkgs := c.Dirs[0]
			got, err := c.Fetch(ctx, []*conda.Record{rec}, nil)
			if err != nil {
				t.Fatal(err)
			}
			e := got[0]
			if e.Record != rec || e.Cached || e.Dir != filepath.Join(pkgs, zlibDist) || e.Archive != filepath.Join(pkgs, tc.fn) {
				t.Fatalf("entry = %+v", e)
			}
			if b, err := os.ReadFile(e.Archive); err != nil || string(b) != string(data) {
				t.Errorf("archive in cache differs from the source (%v)", err)
			}
			// Real package content: the library symlinks and the pkgconfig file.
			// Real package content. (Its lib/libz.so links were lost by
			// the converter: empty targets in the .conda, empty files in
			// the .tar.bz2.)
			for p, size := range map[string]int64{"lib/libz.so.1.2.11": 133384, "lib/pkgconfig/zlib.pc": 281, "include/zlib.h": 96239} {
				if st, err := os.Stat(filepath.Join(e.Dir, p)); err != nil || st.Size() != size {
					t.Errorf("%s: %v, want %d bytes", p, err, size)
				}
			}
			m := readRecord(t, e.Dir)
			want := map[string]any{
				"name": "zlib", "version": "1.2.11", "build": "h7b6447c_3", "build_number": 3.0,
				"fn": tc.fn, "sha256": rec.SHA256, "md5": rec.MD5, "size": float64(rec.Size),
				"url": "file://" + filepath.ToSlash(src), "channel": "https://repo.example.org/pkgs/main",
				"subdir": "linux-64", "license": "zlib",
			}
			for k, v := range want {
				if m[k] != v {
					t.Errorf("repodata_record.json %s = %v, want %v", k, m[k], v)
				}
			}
			if deps, _ := m["depends"].([]any); len(deps) != 1 || deps[0] != "libgcc-ng >=7.3.0" {
				t.Errorf("repodata_record.json depends = %v", m["depends"])
			}
			if l := urlLines(t, pkgs); !slices.Equal(l, []string{want["url"].(string)}) {
				t.Errorf("urls.txt = %q", l)
			}
			if names := listCache(t, pkgs); !slices.Equal(names, []string{urlsTxt, zlibDist, tc.fn}) {
				t.Errorf("cache holds %q", names)
			}

			// Second fetch: a hit, nothing downloaded or extracted again.
			st, _ := os.Stat(filepath.Join(e.Dir, "info", recordFile))
			again, err := c.Fetch(ctx, []*conda.Record{rec}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !again[0].Cached || again[0].Dir != e.Dir || again[0].Archive != e.Archive {
				t.Errorf("second fetch = %+v, want a cache hit", again[0])
			}
			st2, _ := os.Stat(filepath.Join(e.Dir, "info", recordFile))
			if !st.ModTime().Equal(st2.ModTime()) {
				t.Error("cache hit rewrote the entry")
			}
			if l := urlLines(t, pkgs); len(l) != 1 {
				t.Errorf("urls.txt after a hit = %q", l)
			}
			if e, ok, err := c.Lookup(rec); err != nil || !ok || e.Dir != again[0].Dir {
				t.Errorf("Lookup = %+v, %v, %v", e, ok, err)
			}
		})
	}
}

// TestFetchHTTP downloads over HTTP with a channel token and basic auth:
// they are sent, but kept out of urls.txt and repodata_record.json.
func TestFetchHTTP(t *testing.T) {
	rec, data, _ := zlib(t, zlibConda)
	srv := newServer(t)
	path := "/t/" + token + "/pkgs/main/linux-64/" + zlibConda
	srv.add(path, data)
	u := strings.Replace(srv.URL, "://", "://alice:pa55word@", 1) + path
	rec.URL = "https://should-not-be-used.invalid/" + zlibConda
	c := testCache(t, srv.Client())
	var progress strings.Builder
	c.Progress = &progress // not a terminal: nothing is drawn
	got, err := c.Fetch(context.Background(), []*conda.Record{rec}, func(*conda.Record) string { return u })
	if err != nil {
		t.Fatal(err)
	}
	if progress.Len() != 0 {
		t.Errorf("progress drawn to a non-terminal: %q", progress.String())
	}
	if reqs := srv.requests(path); len(reqs) != 1 || reqs[0].auth != "alice:pa55word" || reqs[0].rangeHdr != "" {
		t.Errorf("requests = %+v, want one with basic auth", reqs)
	}
	clean := srv.URL + "/pkgs/main/linux-64/" + zlibConda
	if m := readRecord(t, got[0].Dir); m["url"] != clean {
		t.Errorf("recorded url = %v, want %v", m["url"], clean)
	}
	if l := urlLines(t, c.Dirs[0]); !slices.Equal(l, []string{clean}) {
		t.Errorf("urls.txt = %q, want the credential-free URL", l)
	}
	assertNoSecret(t, c.Dirs[0], token, "pa55word")
}

// assertNoSecret checks that no file of the cache mentions a credential.
func assertNoSecret(t *testing.T, dir string, secrets ...string) {
	t.Helper()
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() || strings.HasSuffix(p, ".conda") || strings.HasSuffix(p, ".bz2") {
			return err
		}
		b, _ := os.ReadFile(p)
		for _, s := range secrets {
			if strings.Contains(string(b), s) || strings.Contains(p, s) {
				t.Errorf("%s contains a credential", p)
			}
		}
		return nil
	})
}

// assertNoEntry checks that the cache holds nothing for the package (no
// archive, partial, extracted or temporary directory).
func assertNoEntry(t *testing.T, pkgs string) {
	t.Helper()
	for _, n := range listCache(t, pkgs) {
		if n != urlsTxt {
			t.Errorf("cache holds %s after a failure", n)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(pkgs, urlsTxt)); len(b) != 0 {
		t.Errorf("urls.txt = %q after a failure", b)
	}
}

func TestVerifyFailures(t *testing.T) {
	_, data, _ := zlib(t, zlibConda)
	srv := newServer(t)
	path := "/t/" + token + "/linux-64/" + zlibConda
	u := srv.add(path, data)
	for _, tc := range []struct {
		name       string
		edit       func(*conda.Record)
		what, want string
	}{
		{"sha256", func(r *conda.Record) { r.SHA256 = strings.Repeat("ab", 32) }, "sha256",
			"sha256 mismatch: want " + strings.Repeat("ab", 32) + ", got f33afff2144e1d6c4cf2e3e184937db8bf825b4537df74662aea5ee207b6a31b"},
		{"md5-only", func(r *conda.Record) { r.SHA256, r.MD5 = "", strings.Repeat("0", 32) }, "md5",
			"md5 mismatch: want " + strings.Repeat("0", 32) + ", got cb23839f06da92ec92c6d2d2d5e0cb4a"},
		{"size-short", func(r *conda.Record) { r.Size++ }, "size", "size mismatch: want 105918 bytes, got 105917"},
		{"size-long", func(r *conda.Record) { r.Size -= 100 }, "size", "size mismatch: want 105817 bytes, got more than 105817"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec, _, _ := zlib(t, zlibConda)
			tc.edit(rec)
			rec.URL = u
			c := testCache(t, srv.Client())
			ents, err := c.Fetch(context.Background(), []*conda.Record{rec}, nil)
			var ve *VerifyError
			if !errors.As(err, &ve) || ve.What != tc.what || ve.Package != zlibConda {
				t.Fatalf("error = %v, want a %s VerifyError", err, tc.what)
			}
			msg := err.Error()
			for _, s := range []string{tc.want, zlibConda, "/t/<TOKEN>/"} {
				if !strings.Contains(msg, s) {
					t.Errorf("error %q does not contain %q", msg, s)
				}
			}
			if strings.Contains(msg, token) {
				t.Errorf("error %q shows the token", msg)
			}
			if len(ents) != 1 || ents[0].Dir != "" || ents[0].Record != rec {
				t.Errorf("entries = %+v", ents)
			}
			assertNoEntry(t, c.Dirs[0])
		})
	}
	t.Run("md5-only-ok", func(t *testing.T) {
		rec, _, _ := zlib(t, zlibConda)
		rec.SHA256, rec.URL = "", u
		c := testCache(t, srv.Client())
		ents, err := c.Fetch(context.Background(), []*conda.Record{rec}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if m := readRecord(t, ents[0].Dir); m["sha256"] != "f33afff2144e1d6c4cf2e3e184937db8bf825b4537df74662aea5ee207b6a31b" {
			t.Errorf("computed sha256 not recorded: %v", m["sha256"])
		}
		// A later fetch that knows only the md5 is a hit.
		again, err := c.Fetch(context.Background(), []*conda.Record{rec}, nil)
		if err != nil || !again[0].Cached {
			t.Errorf("second md5-only fetch = %+v, %v", again, err)
		}
	})
}

func TestHTTPStatus(t *testing.T) {
	rec, data, _ := zlib(t, zlibConda)
	t.Run("404-no-retry", func(t *testing.T) {
		srv := newServer(t)
		r := *rec
		r.URL = srv.URL + "/t/" + token + "/linux-64/" + zlibConda
		c := testCache(t, srv.Client())
		_, err := c.Fetch(context.Background(), []*conda.Record{&r}, nil)
		var he *HTTPError
		if !errors.Is(err, ErrNotFound) || !errors.As(err, &he) || he.StatusCode != 404 {
			t.Fatalf("error = %v, want a 404 HTTPError matching ErrNotFound", err)
		}
		if n := len(srv.requests("")); n != 1 {
			t.Errorf("%d requests for a 404, want 1 (no retry)", n)
		}
		if msg := err.Error(); strings.Contains(msg, token) || !strings.Contains(msg, zlibConda) || !strings.Contains(msg, "404") {
			t.Errorf("error text %q: want the package and status, never the token", msg)
		}
		assertNoEntry(t, c.Dirs[0])
	})
	t.Run("500-then-ok", func(t *testing.T) {
		srv := newServer(t)
		path := "/linux-64/" + zlibConda
		srv.add(path, data)
		srv.handle = func(w http.ResponseWriter, r *http.Request, n int) bool {
			if n <= 2 {
				http.Error(w, "busy", http.StatusInternalServerError)
				return true
			}
			return false
		}
		r := *rec
		r.URL = srv.URL + path
		c := testCache(t, srv.Client())
		if _, err := c.Fetch(context.Background(), []*conda.Record{&r}, nil); err != nil {
			t.Fatal(err)
		}
		if n := len(srv.requests(path)); n != 3 {
			t.Errorf("%d requests, want 3 (two 500s, then success)", n)
		}
	})
	t.Run("503-exhausted", func(t *testing.T) {
		srv := newServer(t)
		srv.handle = func(w http.ResponseWriter, r *http.Request, n int) bool {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return true
		}
		r := *rec
		r.URL = srv.URL + "/linux-64/" + zlibConda
		c := testCache(t, srv.Client())
		c.Retries = 2
		start := time.Now()
		_, err := c.Fetch(context.Background(), []*conda.Record{&r}, nil)
		if err == nil || !strings.Contains(err.Error(), "after 3 attempts") || !strings.Contains(err.Error(), "503") {
			t.Fatalf("error = %v", err)
		}
		if n := len(srv.requests("")); n != 3 {
			t.Errorf("%d requests, want 3", n)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("took %v with a 1ms retry delay", d)
		}
	})
	t.Run("connection-refused", func(t *testing.T) {
		srv := newServer(t)
		u := srv.URL + "/t/" + token + "/linux-64/" + zlibConda
		srv.Close()
		r := *rec
		r.URL = u
		c := testCache(t, nil)
		c.Retries = 1
		_, err := c.Fetch(context.Background(), []*conda.Record{&r}, nil)
		if err == nil || !strings.Contains(err.Error(), "after 2 attempts") || strings.Contains(err.Error(), token) {
			t.Fatalf("error = %v, want 2 attempts and no token", err)
		}
	})
}

// TestResume drops the connection in the middle of the body; the retry
// asks for the rest with a Range request.
func TestResume(t *testing.T) {
	rec, data, _ := zlib(t, zlibConda)
	half := len(data) / 2
	dropFirst := func(srv *server, rangeOK bool) {
		srv.handle = func(w http.ResponseWriter, r *http.Request, n int) bool {
			if n == 1 {
				w.Header().Set("Content-Length", strconv.Itoa(len(data)))
				w.WriteHeader(http.StatusOK)
				w.Write(data[:half])
				w.(http.Flusher).Flush()
				conn, _, err := http.NewResponseController(w).Hijack()
				if err == nil {
					conn.Close()
				}
				return true
			}
			if !rangeOK {
				r.Header.Del("Range")
			}
			return false
		}
	}
	t.Run("range", func(t *testing.T) {
		srv := newServer(t)
		path := "/linux-64/" + zlibConda
		srv.add(path, data)
		dropFirst(srv, true)
		r := *rec
		r.URL = srv.URL + path
		c := testCache(t, srv.Client())
		ents, err := c.Fetch(context.Background(), []*conda.Record{&r}, nil)
		if err != nil {
			t.Fatal(err)
		}
		reqs := srv.requests(path)
		if len(reqs) != 2 || reqs[0].rangeHdr != "" || reqs[1].rangeHdr != "bytes="+strconv.Itoa(half)+"-" {
			t.Fatalf("requests = %+v, want a full GET then Range bytes=%d-", reqs, half)
		}
		if b, _ := os.ReadFile(ents[0].Archive); string(b) != string(data) {
			t.Error("resumed archive differs")
		}
	})
	t.Run("no-range-restart", func(t *testing.T) {
		srv := newServer(t)
		path := "/linux-64/" + zlibConda
		srv.add(path, data)
		dropFirst(srv, false)
		r := *rec
		r.URL = srv.URL + path
		c := testCache(t, srv.Client())
		if _, err := c.Fetch(context.Background(), []*conda.Record{&r}, nil); err != nil {
			t.Fatal(err)
		}
		if reqs := srv.requests(path); len(reqs) != 2 {
			t.Fatalf("requests = %+v", reqs)
		}
	})
	t.Run("partial-from-earlier-run", func(t *testing.T) {
		srv := newServer(t)
		path := "/linux-64/" + zlibConda
		srv.add(path, data)
		r := *rec
		r.URL = srv.URL + path
		c := testCache(t, srv.Client())
		os.MkdirAll(c.Dirs[0], 0o755)
		os.WriteFile(filepath.Join(c.Dirs[0], zlibConda+partialExt), data[:1000], 0o644)
		if _, err := c.Fetch(context.Background(), []*conda.Record{&r}, nil); err != nil {
			t.Fatal(err)
		}
		if reqs := srv.requests(path); len(reqs) != 1 || reqs[0].rangeHdr != "bytes=1000-" {
			t.Fatalf("requests = %+v, want one Range bytes=1000-", reqs)
		}
	})
	t.Run("stale-partial", func(t *testing.T) {
		// A partial of other content: the resumed result fails the
		// checksum, and one fresh download follows.
		srv := newServer(t)
		path := "/linux-64/" + zlibConda
		srv.add(path, data)
		r := *rec
		r.URL = srv.URL + path
		c := testCache(t, srv.Client())
		os.MkdirAll(c.Dirs[0], 0o755)
		os.WriteFile(filepath.Join(c.Dirs[0], zlibConda+partialExt), make([]byte, 1000), 0o644)
		if _, err := c.Fetch(context.Background(), []*conda.Record{&r}, nil); err != nil {
			t.Fatal(err)
		}
		if reqs := srv.requests(path); len(reqs) != 2 || reqs[0].rangeHdr != "bytes=1000-" || reqs[1].rangeHdr != "" {
			t.Fatalf("requests = %+v, want a resume then a fresh GET", reqs)
		}
	})
	t.Run("stall", func(t *testing.T) {
		srv := newServer(t)
		path := "/linux-64/" + zlibConda
		srv.add(path, data)
		release := make(chan struct{})
		defer close(release)
		srv.handle = func(w http.ResponseWriter, r *http.Request, n int) bool {
			if n == 1 {
				w.Header().Set("Content-Length", strconv.Itoa(len(data)))
				w.Write(data[:half])
				w.(http.Flusher).Flush()
				select { // hang until the client gives up (or the test ends)
				case <-r.Context().Done():
				case <-release:
				}
				return true
			}
			return false
		}
		r := *rec
		r.URL = srv.URL + path
		c := testCache(t, srv.Client())
		c.StallTimeout = 200 * time.Millisecond
		if _, err := c.Fetch(context.Background(), []*conda.Record{&r}, nil); err != nil {
			t.Fatal(err)
		}
		if reqs := srv.requests(path); len(reqs) != 2 || reqs[1].rangeHdr != "bytes="+strconv.Itoa(half)+"-" {
			t.Fatalf("requests = %+v, want a stalled GET then a resume", reqs)
		}
	})
}

// TestPartialFailure checks that one failing package does not stop the
// others and that the joined error names only the failed one.
func TestPartialFailure(t *testing.T) {
	rec, data, _ := zlib(t, zlibConda)
	srv := newServer(t)
	rec.URL = srv.add("/linux-64/"+zlibConda, data)
	missing, _ := synth(t, "missing", map[string]string{"a.txt": "a"})
	missing.URL = srv.URL + "/noarch/" + missing.Fn
	gone, _ := synth(t, "gone", map[string]string{"b.txt": "b"})
	gone.URL = "file://" + filepath.ToSlash(filepath.Join(t.TempDir(), gone.Fn))
	c := testCache(t, srv.Client())
	ents, err := c.Fetch(context.Background(), []*conda.Record{missing, rec, gone}, nil)
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), missing.Fn) || !strings.Contains(err.Error(), gone.Fn) || strings.Contains(err.Error(), zlibConda) {
		t.Fatalf("error = %v", err)
	}
	if n := len(strings.Split(err.Error(), "\n")); n != 2 {
		t.Errorf("error has %d lines, want one per failed package: %v", n, err)
	}
	if ents[0].Dir != "" || ents[0].Record != missing || ents[1].Dir == "" || ents[2].Dir != "" {
		t.Errorf("entries = %+v", ents)
	}
}

func TestCancelled(t *testing.T) {
	rec, _, src := zlib(t, zlibConda)
	rec.URL = src
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	c := testCache(t, nil)
	_, err := c.Fetch(ctx, []*conda.Record{rec}, nil)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error = %v, want context.Canceled", err)
	}
}

func TestInvalidFileName(t *testing.T) {
	for _, fn := range []string{"../evil-1.0-0.conda", ".hidden-1.0-0.conda", "evil-1.0-0.zip", `a\b-1.0-0.conda`} {
		rec, _ := synth(t, "evil", map[string]string{"x": "x"})
		rec.Fn = fn
		rec.URL = "file:///nonexistent/" + fn
		c := testCache(t, nil)
		if _, err := c.Fetch(context.Background(), []*conda.Record{rec}, nil); err == nil || !strings.Contains(err.Error(), "invalid package file name") {
			t.Errorf("fn %q: error = %v", fn, err)
		}
	}
}

func TestParseSource(t *testing.T) {
	for _, tc := range []struct {
		raw, shown, clean string
		local             bool
		err               string
	}{
		{"https://conda.anaconda.org/t/" + token + "/conda-forge/noarch/x-1-0.conda",
			"https://conda.anaconda.org/t/<TOKEN>/conda-forge/noarch/x-1-0.conda",
			"https://conda.anaconda.org/conda-forge/noarch/x-1-0.conda", false, ""},
		{"https://host.example/base/t/" + token + "/ch/linux-64/x-1-0.conda",
			"https://host.example/base/t/<TOKEN>/ch/linux-64/x-1-0.conda",
			"https://host.example/base/ch/linux-64/x-1-0.conda", false, ""},
		{"https://u:p4ss@host.example/ch/linux-64/x-1-0.tar.bz2?sig=abc",
			"https://***@host.example/ch/linux-64/x-1-0.tar.bz2",
			"https://host.example/ch/linux-64/x-1-0.tar.bz2", false, ""},
		{"file:///srv/ch/noarch/x-1-0.conda", "file:///srv/ch/noarch/x-1-0.conda", "file:///srv/ch/noarch/x-1-0.conda", true, ""},
		{"/srv/ch/noarch/x-1-0.conda", "/srv/ch/noarch/x-1-0.conda", "file:///srv/ch/noarch/x-1-0.conda", true, ""},
		{"ftp://host/x-1-0.conda", "", "", false, "unsupported URL scheme"},
		{"file://otherhost/x-1-0.conda", "", "", false, "not supported"},
	} {
		s, err := parseSource(tc.raw)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("parseSource(%q) error = %v, want %q", tc.raw, err, tc.err)
			}
			continue
		}
		if err != nil || s.shown != tc.shown || s.clean != tc.clean || (s.local != "") != tc.local {
			t.Errorf("parseSource(%q) = shown %q clean %q local %q, %v", tc.raw, s.shown, s.clean, s.local, err)
		}
		if msg := s.scrub("GET " + tc.raw + " failed"); strings.Contains(msg, token) || strings.Contains(msg, "p4ss") || strings.Contains(msg, "sig=abc") {
			t.Errorf("scrub left a credential: %q", msg)
		}
	}
}
