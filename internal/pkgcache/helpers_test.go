package pkgcache

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/envseal/envseal/conda"
	"github.com/envseal/envseal/internal/testkit"
	"github.com/envseal/envseal/internal/testkit/channelkit"
)

// corpusDir is the shared corpus of real conda data.
func corpusDir(t testing.TB) string { return testkit.Corpus(t) }

const zlibRepo = "conda/tests/data/conda_format_repo/linux-64"

// zlib returns the real zlib 1.2.11 record of the corpus repodata for fn
// ("zlib-1.2.11-h7b6447c_3.conda" or ".tar.bz2"), its archive bytes and
// the archive's path.
func zlib(t testing.TB, fn string) (*conda.Record, []byte, string) {
	t.Helper()
	dir := filepath.Join(corpusDir(t), zlibRepo)
	raw, err := os.ReadFile(filepath.Join(dir, "repodata.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rd struct {
		Packages      map[string]json.RawMessage `json:"packages"`
		PackagesConda map[string]json.RawMessage `json:"packages.conda"`
	}
	if err := json.Unmarshal(raw, &rd); err != nil {
		t.Fatal(err)
	}
	js, ok := rd.PackagesConda[fn]
	if !ok {
		js = rd.Packages[fn]
	}
	rec := new(conda.Record)
	if err := rec.UnmarshalJSON(js); err != nil {
		t.Fatal(err)
	}
	rec.Fn = fn
	rec.Channel = "https://repo.example.org/pkgs/main"
	p := filepath.Join(dir, fn)
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return rec, data, p
}

// synth builds a small .conda package in memory with the given files
// (plus info/index.json and info/paths.json) and returns its record and
// bytes.
func synth(t testing.TB, name string, files map[string]string) (*conda.Record, []byte) {
	t.Helper()
	p := channelkit.Package{Name: name, Depends: []string{"python >=3"}}
	for path, data := range files {
		p.Files = append(p.Files, channelkit.File{Path: path, Data: data})
	}
	data, err := channelkit.Conda(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	rec := &conda.Record{Name: name, Build: "0", Fn: p.Dist() + ".conda", Subdir: "noarch"}
	rec.Version, _ = conda.ParseVersion("1.0")
	setSums(rec, data)
	return rec, data
}

func setSums(rec *conda.Record, data []byte) {
	s := sha256.Sum256(data)
	m := md5.Sum(data)
	rec.SHA256, rec.MD5, rec.Size = hex.EncodeToString(s[:]), hex.EncodeToString(m[:]), int64(len(data))
}

// testCache returns a cache in a fresh temporary directory with fast
// retries.
func testCache(t testing.TB, client *http.Client) *Cache {
	t.Helper()
	return &Cache{Dirs: []string{filepath.Join(t.TempDir(), "pkgs")}, HTTPClient: client,
		RetryDelay: time.Millisecond, StallTimeout: 5 * time.Second}
}

// server serves archives by path and records every request. handle, when
// set, takes over a request (return true) before the default serving.
type server struct {
	*httptest.Server
	mu     sync.Mutex
	files  map[string][]byte
	reqs   []request
	handle func(w http.ResponseWriter, r *http.Request, n int) bool
	delay  time.Duration
}

type request struct {
	path, rangeHdr, auth string
}

func newServer(t testing.TB) *server {
	s := &server{files: map[string][]byte{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *server) add(path string, data []byte) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.files[path] = data
	return s.URL + path
}

func (s *server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	user, pass, _ := r.BasicAuth()
	s.reqs = append(s.reqs, request{r.URL.Path, r.Header.Get("Range"), user + ":" + pass})
	n := 0
	for _, q := range s.reqs {
		if q.path == r.URL.Path {
			n++
		}
	}
	data, ok := s.files[r.URL.Path]
	handle, delay := s.handle, s.delay
	s.mu.Unlock()
	if delay > 0 {
		time.Sleep(delay)
	}
	if handle != nil && handle(w, r, n) {
		return
	}
	if !ok {
		http.NotFound(w, r)
		return
	}
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(data))
}

func (s *server) requests(path string) []request {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []request
	for _, q := range s.reqs {
		if path == "" || q.path == path {
			out = append(out, q)
		}
	}
	return out
}

// listCache returns the names in a cache directory other than the lock
// directory, sorted.
func listCache(t testing.TB, dir string) []string {
	t.Helper()
	des, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, de := range des {
		if de.Name() != lockDir {
			out = append(out, de.Name())
		}
	}
	return out
}

func readRecord(t testing.TB, dir string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "info", recordFile))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func urlLines(t testing.TB, dir string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, urlsTxt))
	if err != nil {
		t.Fatal(err)
	}
	return strings.Fields(string(b))
}
