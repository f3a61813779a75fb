package channel

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/envseal/envseal/conda"
	"github.com/klauspost/compress/zstd"
)

// fakeChannel serves repodata files from memory and counts requests.
type fakeChannel struct {
	mu       sync.Mutex
	files    map[string][]byte // path → body
	etags    map[string]string
	cc       string // Cache-Control sent with 200 and 304
	requests map[string]int
	statuses []string // "METHOD path status"
	token    string   // when set, paths must start with /t/<token>
	user     string   // when set, basic auth user:secret is required
}

func newFakeChannel() *fakeChannel {
	return &fakeChannel{files: map[string][]byte{}, etags: map[string]string{}, requests: map[string]int{}}
}

func (f *fakeChannel) set(path string, body []byte, etag string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.files[path] = body
	f.etags[path] = etag
}

func (f *fakeChannel) count(path string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests[path]
}

func (f *fakeChannel) total() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, c := range f.requests {
		n += c
	}
	return n
}

func (f *fakeChannel) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	path := r.URL.Path
	if f.token != "" {
		prefix := "/t/" + f.token
		if !strings.HasPrefix(path, prefix+"/") {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		path = strings.TrimPrefix(path, prefix)
	}
	if f.user != "" {
		u, p, ok := r.BasicAuth()
		if !ok || u != f.user || p != "secret" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
	}
	f.requests[path]++
	body, ok := f.files[path]
	if !ok {
		f.statuses = append(f.statuses, "GET "+path+" 404")
		http.NotFound(w, r)
		return
	}
	if f.cc != "" {
		w.Header().Set("Cache-Control", f.cc)
	}
	if et := f.etags[path]; et != "" {
		w.Header().Set("ETag", et)
		if r.Header.Get("If-None-Match") == et {
			f.statuses = append(f.statuses, "GET "+path+" 304")
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	f.statuses = append(f.statuses, "GET "+path+" 200")
	w.Header().Set("Content-Length", fmt.Sprint(len(body)))
	w.Write(body)
}

func repodataDoc(subdir string, pkgs ...string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, `{"info":{"subdir":%q},"packages":{`, subdir)
	for k, p := range pkgs {
		if k > 0 {
			b.WriteString(",")
		}
		// p is name-version-build
		parts := strings.Split(p, "-")
		n := len(parts)
		name := strings.Join(parts[:n-2], "-")
		fmt.Fprintf(&b, `%q:{"name":%q,"version":%q,"build":%q,"build_number":0,"depends":[],"subdir":%q}`,
			p+".tar.bz2", name, parts[n-2], parts[n-1], subdir)
	}
	b.WriteString(`},"packages.conda":{},"repodata_version":1}`)
	return []byte(b.String())
}

func zstdBytes(t testing.TB, b []byte) []byte {
	t.Helper()
	enc, err := zstd.NewWriter(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	return enc.EncodeAll(b, nil)
}

func newServer(t *testing.T, f *fakeChannel) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return srv
}

func names(t *testing.T, ix *Index, name string) []string {
	t.Helper()
	recs, err := ix.Candidates(name)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range recs {
		out = append(out, r.Fn)
	}
	return out
}

func TestHTTPLoadAndCache(t *testing.T) {
	ctx := context.Background()
	f := newFakeChannel()
	f.set("/ch/linux-64/repodata.json", repodataDoc("linux-64", "a-1.0-0", "a-2.0-0"), `"v1"`)
	f.set("/ch/noarch/repodata.json", repodataDoc("noarch", "b-1.0-0"), `"n1"`)
	srv := newServer(t, f)
	cache := t.TempDir()
	now := time.Unix(1_700_000_000, 0)
	l := &Loader{HTTPClient: srv.Client(), CacheDir: cache, Now: func() time.Time { return now }}
	src := []Source{{URL: srv.URL + "/ch", Name: "ch"}}

	// Cold: zst tried (404), then json.
	ix, err := l.LoadSources(ctx, src, "linux-64")
	if err != nil {
		t.Fatal(err)
	}
	if got := names(t, ix, "a"); len(got) != 2 {
		t.Fatalf("a: %v", got)
	}
	recs, _ := ix.Candidates("a")
	if want := srv.URL + "/ch/linux-64/a-1.0-0.tar.bz2"; recs[0].URL != want || recs[0].Channel != "ch" {
		t.Errorf("URL %q channel %q, want %q", recs[0].URL, recs[0].Channel, want)
	}
	if f.count("/ch/linux-64/repodata.json.zst") != 1 || f.count("/ch/linux-64/repodata.json") != 1 {
		t.Fatalf("requests %v", f.requests)
	}
	// Cache files are named by hash, with state beside them.
	key := cacheKey(srv.URL + "/ch/linux-64")
	if _, err := os.Stat(filepath.Join(cache, key+".json")); err != nil {
		t.Errorf("cache data: %v", err)
	}
	if _, err := os.Stat(filepath.Join(cache, key+".info.json")); err != nil {
		t.Errorf("cache state: %v", err)
	}

	// Warm, no max-age: conditional GET answered 304, and zst is not
	// asked again (it was missing a moment ago).
	before := f.total()
	ix, err = l.LoadSources(ctx, src, "linux-64")
	if err != nil {
		t.Fatal(err)
	}
	if got := names(t, ix, "a"); len(got) != 2 {
		t.Fatalf("a after 304: %v", got)
	}
	if f.total()-before != 2 || f.count("/ch/linux-64/repodata.json.zst") != 1 {
		t.Errorf("warm load made %d requests (%v), want 2 conditional GETs", f.total()-before, f.statuses)
	}
	if last := f.statuses[len(f.statuses)-1]; !strings.HasSuffix(last, " 304") {
		t.Errorf("last status %q, want a 304", last)
	}

	// Content changes: new ETag → 200 → new data.
	f.set("/ch/linux-64/repodata.json", repodataDoc("linux-64", "a-1.0-0", "a-2.0-0", "a-3.0-0"), `"v2"`)
	ix, err = l.LoadSources(ctx, src, "linux-64")
	if err != nil {
		t.Fatal(err)
	}
	if got := names(t, ix, "a"); len(got) != 3 {
		t.Fatalf("a after change: %v", got)
	}

	// max-age: within it, no request at all; after it, a conditional GET.
	f.mu.Lock()
	f.cc = "public, max-age=1200"
	f.mu.Unlock()
	if _, err := l.LoadSources(ctx, src, "linux-64"); err != nil { // 304s, records max-age
		t.Fatal(err)
	}
	before = f.total()
	now = now.Add(10 * time.Minute)
	if _, err := l.LoadSources(ctx, src, "linux-64"); err != nil {
		t.Fatal(err)
	}
	if n := f.total() - before; n != 0 {
		t.Errorf("fresh cache made %d requests", n)
	}
	now = now.Add(30 * time.Minute)
	if _, err := l.LoadSources(ctx, src, "linux-64"); err != nil {
		t.Fatal(err)
	}
	if n := f.total() - before; n != 2 {
		t.Errorf("stale cache made %d requests, want 2", n)
	}

	// Offline: a hit needs no server; a miss names the URL.
	off := &Loader{CacheDir: cache, Offline: true, Now: l.Now}
	before = f.total()
	ix, err = off.LoadSources(ctx, src, "linux-64")
	if err != nil {
		t.Fatalf("offline hit: %v", err)
	}
	if got := names(t, ix, "b"); len(got) != 1 || f.total() != before {
		t.Errorf("offline: b=%v, %d requests", got, f.total()-before)
	}
	_, err = off.LoadSources(ctx, []Source{{URL: srv.URL + "/other", Name: "other"}}, "linux-64")
	if !errors.Is(err, ErrNotCached) || !strings.Contains(err.Error(), srv.URL+"/other/linux-64/repodata.json") {
		t.Errorf("offline miss: %v", err)
	}

	// A tampered data file is not trusted.
	if err := os.WriteFile(filepath.Join(cache, key+".json"), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := off.LoadSources(ctx, src, "linux-64"); !errors.Is(err, ErrNotCached) {
		t.Errorf("offline with tampered cache: %v", err)
	}
}

func TestHTTPZstPreferred(t *testing.T) {
	f := newFakeChannel()
	f.set("/ch/linux-64/repodata.json.zst", zstdBytes(t, repodataDoc("linux-64", "z-1.0-0")), `"z"`)
	f.set("/ch/linux-64/repodata.json", repodataDoc("linux-64", "j-1.0-0"), `"j"`)
	srv := newServer(t, f)
	l := &Loader{HTTPClient: srv.Client(), CacheDir: t.TempDir()}
	ix, err := l.LoadSources(context.Background(), []Source{{URL: srv.URL + "/ch/"}}, "linux-64")
	if err != nil {
		t.Fatal(err)
	}
	if got := ix.Names(); len(got) != 1 || got[0] != "z" {
		t.Errorf("names %v, want [z] from the .zst", got)
	}
	if f.count("/ch/linux-64/repodata.json") != 0 {
		t.Errorf("repodata.json fetched although .zst exists")
	}
	if ch := ix.Channels(); len(ch) != 1 || ch[0] != srv.URL+"/ch" {
		t.Errorf("Channels() = %q", ch)
	}
	// Second load: conditional on the .zst.
	if _, err := l.LoadSources(context.Background(), []Source{{URL: srv.URL + "/ch"}}, "linux-64"); err != nil {
		t.Fatal(err)
	}
	if last := f.statuses[len(f.statuses)-1]; last != "GET /ch/noarch/repodata.json 404" && !strings.Contains(strings.Join(f.statuses, ","), "repodata.json.zst 304") {
		t.Errorf("statuses %v, want a 304 for the .zst", f.statuses)
	}
}

func TestHTTPMissingSubdirs(t *testing.T) {
	f := newFakeChannel()
	f.set("/only-noarch/noarch/repodata.json", repodataDoc("noarch", "n-1-0"), "")
	f.set("/only-linux/linux-64/repodata.json", repodataDoc("linux-64", "l-1-0"), "")
	srv := newServer(t, f)
	l := &Loader{HTTPClient: srv.Client(), CacheDir: t.TempDir()}
	ctx := context.Background()
	for _, ch := range []string{"only-noarch", "only-linux"} {
		if _, err := l.LoadSources(ctx, []Source{{URL: srv.URL + "/" + ch}}, "linux-64"); err != nil {
			t.Errorf("%s: %v", ch, err)
		}
	}
	_, err := l.LoadSources(ctx, []Source{{URL: srv.URL + "/only-noarch"}, {URL: srv.URL + "/nothing", Name: "nothing"}}, "linux-64")
	if !errors.Is(err, ErrNoRepodata) || !strings.Contains(err.Error(), "channel nothing") {
		t.Errorf("channel with neither subdir: %v", err)
	}
	// A 404 is cached: offline, it is still "absent", not "not cached".
	off := &Loader{CacheDir: l.CacheDir, Offline: true}
	if _, err := off.LoadSources(ctx, []Source{{URL: srv.URL + "/only-linux"}}, "linux-64"); err != nil {
		t.Errorf("offline with a cached 404: %v", err)
	}
}

func TestHTTPCredentialsNeverLeak(t *testing.T) {
	const token = "tk-SECRET-123"
	f := newFakeChannel()
	f.token = token
	f.set("/ch/linux-64/repodata.json", repodataDoc("linux-64", "a-1.0-0"), `"e"`)
	f.set("/ch/noarch/repodata.json", []byte(`{"packages":{"broken`), `"e"`)
	srv := newServer(t, f)
	cache := t.TempDir()
	l := &Loader{HTTPClient: srv.Client(), CacheDir: cache}
	tokURL := srv.URL + "/t/" + token + "/ch"
	_, err := l.LoadSources(context.Background(), []Source{{URL: tokURL}}, "linux-64")
	if err == nil {
		t.Fatal("garbled noarch loaded without error")
	}
	msg := err.Error()
	if strings.Contains(msg, token) {
		t.Errorf("error leaks the token: %s", msg)
	}
	if !strings.Contains(msg, srv.URL+"/ch/noarch/repodata.json") {
		t.Errorf("error does not name the URL: %s", msg)
	}

	f.set("/ch/noarch/repodata.json", repodataDoc("noarch", "b-1.0-0"), `"e"`)
	ix, err := l.LoadSources(context.Background(), []Source{{URL: tokURL}}, "linux-64")
	if err != nil {
		t.Fatal(err)
	}
	recs, _ := ix.Candidates("a")
	if len(recs) != 1 || strings.Contains(recs[0].URL, token) || strings.Contains(recs[0].Channel, token) {
		t.Errorf("record carries the token: %+v", recs)
	}
	if want := srv.URL + "/ch/linux-64/a-1.0-0.tar.bz2"; recs[0].URL != want {
		t.Errorf("URL %q, want %q", recs[0].URL, want)
	}
	entries, _ := os.ReadDir(cache)
	for _, e := range entries {
		if strings.Contains(e.Name(), token) {
			t.Errorf("cache file name %q leaks the token", e.Name())
		}
		b, _ := os.ReadFile(filepath.Join(cache, e.Name()))
		if strings.Contains(string(b), token) {
			t.Errorf("cache file %q contains the token", e.Name())
		}
	}

	// Without the token: 401, reported without credentials.
	_, err = l.LoadSources(context.Background(), []Source{{URL: srv.URL + "/ch"}}, "linux-64")
	if err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("missing token: %v", err)
	}

	// Basic auth in the URL is sent, and never shown.
	b := newFakeChannel()
	b.user = "alice"
	b.set("/ch/noarch/repodata.json", repodataDoc("noarch", "b-1.0-0"), "")
	bsrv := newServer(t, b)
	withAuth := strings.Replace(bsrv.URL, "http://", "http://alice:secret@", 1) + "/ch"
	ix, err = l.LoadSources(context.Background(), []Source{{URL: withAuth}}, "noarch")
	if err != nil {
		t.Fatalf("basic auth: %v", err)
	}
	if ch := ix.Channels()[0]; strings.Contains(ch, "secret") || strings.Contains(ch, "alice") {
		t.Errorf("channel name %q leaks credentials", ch)
	}
	b.user = "bob"
	_, err = (&Loader{HTTPClient: bsrv.Client()}).LoadSources(context.Background(), []Source{{URL: withAuth}}, "noarch")
	if err == nil || strings.Contains(err.Error(), "secret") {
		t.Errorf("bad basic auth: %v", err)
	}
}

func TestHTTPTruncatedResponse(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, ".zst") {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Length", "1000")
		w.Write([]byte(`{"packages":{}`))
	}))
	defer srv.Close()
	l := &Loader{HTTPClient: srv.Client()}
	_, err := l.LoadSources(context.Background(), []Source{{URL: srv.URL + "/ch"}}, "linux-64")
	if err == nil || !strings.Contains(err.Error(), srv.URL+"/ch/linux-64/repodata.json") {
		t.Errorf("truncated response: %v", err)
	}
}

func TestHTTPContextCancelled(t *testing.T) {
	f := newFakeChannel()
	srv := newServer(t, f)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	l := &Loader{HTTPClient: srv.Client()}
	_, err := l.LoadSources(ctx, []Source{{URL: srv.URL + "/ch"}}, "linux-64")
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled load: %v", err)
	}
}

func TestLoadCondaChannels(t *testing.T) {
	const token = "tk-XYZ-9"
	f := newFakeChannel()
	f.token = token
	f.set("/main/linux-64/repodata.json", repodataDoc("linux-64", "m-1-0"), "")
	f.set("/r/noarch/repodata.json", repodataDoc("noarch", "r-1-0"), "")
	f.set("/forge/osx-64/repodata.json", repodataDoc("osx-64", "o-1-0"), "")
	srv := newServer(t, f)
	cfg := conda.ChannelConfig{
		Alias:           srv.URL + "/t/" + token,
		DefaultChannels: []string{srv.URL + "/t/" + token + "/main", srv.URL + "/t/" + token + "/r"},
	}
	var chans []conda.Channel
	for _, s := range []string{"defaults", srv.URL + "/t/" + token + "/forge/osx-64"} {
		c, err := conda.ParseChannel(s, cfg)
		if err != nil {
			t.Fatal(err)
		}
		chans = append(chans, c)
	}
	l := &Loader{HTTPClient: srv.Client(), CacheDir: t.TempDir()}
	ix, err := l.Load(context.Background(), chans, "linux-64")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, sd := range ix.Subdirs() {
		got = append(got, sd.Subdir)
	}
	if want := []string{"linux-64", "noarch", "osx-64"}; strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("subdirs %v, want %v (defaults members, then the osx-64 channel)", got, want)
	}
	for _, n := range ix.Names() {
		recs, err := ix.Candidates(n)
		if err != nil || len(recs) != 1 {
			t.Fatalf("%s: %v %v", n, recs, err)
		}
		if strings.Contains(recs[0].URL, token) || strings.Contains(recs[0].Channel, token) {
			t.Errorf("%s leaks the token: %q %q", n, recs[0].URL, recs[0].Channel)
		}
	}
	if _, err := l.Load(context.Background(), []conda.Channel{{}}, "linux-64"); err == nil {
		t.Error("zero channel loaded")
	}
}
