package oci

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"oras.land/oras-go/v2/registry/remote/retry"

	"github.com/envseal/envseal/channel"
	"github.com/envseal/envseal/conda"
	"github.com/envseal/envseal/internal/archive"
	"github.com/envseal/envseal/internal/pkgcache"
)

// tinyPackage builds a small real .conda package.
func tinyPackage(t *testing.T, name, version, build, subdir string) (fn string, data []byte, rec map[string]any) {
	t.Helper()
	return tinyArchive(t, archive.FormatConda, name, version, build, subdir)
}

// tinyPackageBz2 is tinyPackage as a .tar.bz2.
func tinyPackageBz2(t *testing.T, name, version, build, subdir string) (fn string, data []byte, rec map[string]any) {
	t.Helper()
	return tinyArchive(t, archive.FormatTarBz2, name, version, build, subdir)
}

func tinyArchive(t *testing.T, format archive.Format, name, version, build, subdir string) (fn string, data []byte, rec map[string]any) {
	t.Helper()
	idx := map[string]any{"name": name, "version": version, "build": build, "build_number": 0, "depends": []string{}, "subdir": subdir}
	idxJSON, _ := json.Marshal(idx)
	content := []byte("hello from " + name + "\n")
	sum := sha256.Sum256(content)
	paths, _ := json.Marshal(map[string]any{"paths_version": 1, "paths": []map[string]any{
		{"_path": "share/" + name + ".txt", "path_type": "hardlink", "sha256": hex.EncodeToString(sum[:]), "size_in_bytes": len(content)},
	}})
	var buf bytes.Buffer
	files := []archive.File{
		{Path: "info/index.json", Mode: 0o644, Data: idxJSON},
		{Path: "info/paths.json", Mode: 0o644, Data: paths},
		{Path: "share/" + name + ".txt", Mode: 0o644, Data: content},
	}
	if err := archive.Write(context.Background(), &buf, format, files, nil); err != nil {
		t.Fatal(err)
	}
	data = buf.Bytes()
	s := sha256.Sum256(data)
	rec = idx
	rec["sha256"] = hex.EncodeToString(s[:])
	rec["size"] = len(data)
	ext := ".conda"
	if format == archive.FormatTarBz2 {
		ext = ".tar.bz2"
	}
	return name + "-" + version + "-" + build + ext, data, rec
}

type testChannel struct {
	reg  *fakeRegistry
	url  string // oci://HOST/team/ch
	pkgs map[string][]byte
	recs map[string]map[string]any
}

// newTestChannel publishes (synthetically) a linux-64 subdir with three
// packages: one with "+" in its version, one whose name starts with "_".
func newTestChannel(t *testing.T) *testChannel {
	reg := newFakeRegistry(t)
	tc := &testChannel{reg: reg, url: "oci://" + reg.host() + "/team/ch", pkgs: map[string][]byte{}, recs: map[string]map[string]any{}}
	rd := map[string]any{"info": map[string]any{"subdir": "linux-64"}, "packages": map[string]any{}, "repodata_version": 1}
	conda := map[string]any{}
	for _, p := range [][3]string{{"tiny", "1.0+local", "h0_0"}, {"_private", "2", "0"}, {"other", "1!3.1", "0"}} {
		fn, data, rec := tinyPackage(t, p[0], p[1], p[2], "linux-64")
		tc.pkgs[fn], tc.recs[fn] = data, rec
		conda[fn] = rec
		reg.put("team/ch/linux-64/"+RepoName(p[0]), EncodeTag(p[1]+"-"+p[2]),
			layerSpec{MediaTypeCondaV2, fn, data},
			layerSpec{MediaTypeIndexJSON, "index.json", []byte(`{}`)})
	}
	rd["packages.conda"] = conda
	raw, _ := json.Marshal(rd)
	reg.put("team/ch/linux-64/repodata.json", RepodataTag, layerSpec{MediaTypeRepodata, "repodata.json", raw})
	return tc
}

func fastRetry() retry.Policy {
	return &retry.GenericPolicy{Retryable: retry.DefaultPredicate, Backoff: retry.DefaultBackoff, MinWait: time.Millisecond, MaxWait: 5 * time.Millisecond, MaxRetry: 3}
}

// clientFor returns an http.Client whose transport serves oci:// through a
// Transport, as cmd/envseal wires it.
func clientFor(tr *Transport) *http.Client {
	base := &http.Transport{}
	tr.Base = base
	if tr.Retry == nil {
		tr.Retry = fastRetry()
	}
	base.RegisterProtocol("oci", tr)
	return &http.Client{Transport: base}
}

func TestLoadRepodataFromRegistry(t *testing.T) {
	t.Parallel()
	tc := newTestChannel(t)
	// The manifest of the repodata is rate-limited twice first.
	tc.reg.tooMany["/v2/team/ch/linux-64/repodata.json/manifests/latest"] = 2
	ch, err := conda.ParseChannel(tc.url, conda.ChannelConfig{})
	if err != nil {
		t.Fatal(err)
	}
	cache := t.TempDir()
	l := &channel.Loader{HTTPClient: clientFor(&Transport{}), CacheDir: cache}
	idx, err := l.Load(context.Background(), []conda.Channel{ch}, "linux-64")
	if err != nil {
		t.Fatal(err)
	}
	for _, tcase := range []struct{ name, url string }{
		{"tiny", tc.url + "/linux-64/tiny-1.0+local-h0_0.conda"},
		{"_private", tc.url + "/linux-64/_private-2-0.conda"},
		{"other", tc.url + "/linux-64/other-1!3.1-0.conda"},
	} {
		recs, err := idx.Candidates(tcase.name)
		if err != nil || len(recs) != 1 {
			t.Fatalf("Candidates(%s) = %v, %v", tcase.name, recs, err)
		}
		if recs[0].URL != tcase.url || recs[0].Channel != tc.url {
			t.Errorf("%s: URL %s channel %s, want %s and %s", tcase.name, recs[0].URL, recs[0].Channel, tcase.url, tc.url)
		}
	}
	// Anonymous token flow: a token for the repodata repository, pull only.
	if want := "repository:team/ch/linux-64/repodata.json:pull"; !strings.Contains(strings.Join(tc.reg.scopes, " "), want) {
		t.Errorf("token scopes %v, want %s", tc.reg.scopes, want)
	}
	for _, a := range tc.reg.accepts {
		if !strings.Contains(a, MediaTypeManifest) {
			t.Errorf("manifest request Accept %q lacks %s", a, MediaTypeManifest)
		}
	}
	if n := tc.reg.count("429 GET /v2/team/ch/linux-64/repodata.json/manifests/latest"); n != 2 {
		t.Errorf("%d manifest requests answered 429, want 2", n)
	}
	// Each of .zst (no such layer: 404) and .json resolved the tag once,
	// after the retries.
	if n := tc.reg.count("GET /v2/team/ch/linux-64/repodata.json/manifests/latest"); n != 2 {
		t.Errorf("%d authorized manifest requests served, want 2", n)
	}
	// noarch is not there: skipped, not an error (as a 404 subdir).

	// A second load revalidates: the layer digest is the ETag, so the
	// blob is not fetched again.
	blobs := tc.reg.count("GET /v2/team/ch/linux-64/repodata.json/blobs/")
	if _, err := l.Load(context.Background(), []conda.Channel{ch}, "linux-64"); err != nil {
		t.Fatal(err)
	}
	if n := tc.reg.count("GET /v2/team/ch/linux-64/repodata.json/blobs/"); n != blobs {
		t.Errorf("repodata blob fetched again (%d -> %d) although unchanged", blobs, n)
	}
}

func fetchCache(t *testing.T, tc *testChannel, tr *Transport) (*pkgcache.Cache, string) {
	dir := t.TempDir()
	return &pkgcache.Cache{Dirs: []string{dir}, HTTPClient: clientFor(tr), Retries: -1}, dir
}

func record(t *testing.T, tc *testChannel, fn string, withSHA bool) *conda.Record {
	t.Helper()
	raw, _ := json.Marshal(tc.recs[fn])
	rec := new(conda.Record)
	if err := rec.UnmarshalJSON(raw); err != nil {
		t.Fatal(err)
	}
	rec.Fn, rec.URL, rec.Channel = fn, tc.url+"/linux-64/"+fn, tc.url
	if !withSHA {
		rec.SHA256, rec.Size = "", 0
	}
	return rec
}

func TestFetchPackageByDigestAndByTag(t *testing.T) {
	t.Parallel()
	tc := newTestChannel(t)
	c, _ := fetchCache(t, tc, &Transport{})
	fn := "tiny-1.0+local-h0_0.conda"
	ents, err := c.Fetch(context.Background(), []*conda.Record{record(t, tc, fn, true)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(ents[0].Dir, "share", "tiny.txt")); err != nil {
		t.Errorf("extracted package: %v", err)
	}
	// Known sha256: straight to the blob, no manifest.
	if n := tc.reg.count("GET /v2/team/ch/linux-64/tiny/manifests/"); n != 0 {
		t.Errorf("%d manifest requests for a package of known digest", n)
	}
	if n := tc.reg.count("GET /v2/team/ch/linux-64/tiny/blobs/sha256:" + tc.recs[fn]["sha256"].(string)); n != 1 {
		t.Errorf("%d blob requests, want 1", n)
	}
	// Unknown digest (md5-only record): through the tag and its layer.
	fn2 := "_private-2-0.conda"
	if _, err := c.Fetch(context.Background(), []*conda.Record{record(t, tc, fn2, false)}, nil); err != nil {
		t.Fatal(err)
	}
	if n := tc.reg.count("GET /v2/team/ch/linux-64/zzz_private/manifests/2-0"); n != 1 {
		t.Errorf("%d manifest requests for zzz_private:2-0, want 1", n)
	}
}

// cacheEmpty fails when dir holds any archive, partial or extracted package.
func cacheEmpty(t *testing.T, dir string) {
	t.Helper()
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if n := e.Name(); n != "urls.txt" && !strings.HasPrefix(n, ".envseal-locks") {
			t.Errorf("the package cache holds %s after a failure", n)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "urls.txt")); len(b) != 0 {
		t.Errorf("urls.txt records %q after a failure", b)
	}
}

func TestFailuresNameTheChannelAndCacheNothing(t *testing.T) {
	t.Parallel()
	t.Run("wrong package digest", func(t *testing.T) {
		t.Parallel()
		tc := newTestChannel(t)
		fn := "tiny-1.0+local-h0_0.conda"
		bad := bytes.Clone(tc.pkgs[fn])
		bad[len(bad)/2] ^= 0xff
		tc.reg.corrupt["sha256:"+tc.recs[fn]["sha256"].(string)] = bad
		c, dir := fetchCache(t, tc, &Transport{})
		_, err := c.Fetch(context.Background(), []*conda.Record{record(t, tc, fn, true)}, nil)
		var ve *pkgcache.VerifyError
		if !errors.As(err, &ve) || !strings.Contains(err.Error(), tc.url+"/linux-64/"+fn) {
			t.Fatalf("error %v, want a sha256 mismatch naming %s", err, tc.url)
		}
		cacheEmpty(t, dir)
	})
	t.Run("wrong layer digest", func(t *testing.T) {
		t.Parallel()
		tc := newTestChannel(t)
		fn := "_private-2-0.conda"
		bad := bytes.Clone(tc.pkgs[fn])
		bad[10] ^= 0xff
		tc.reg.corrupt["sha256:"+tc.recs[fn]["sha256"].(string)] = bad
		c, dir := fetchCache(t, tc, &Transport{})
		_, err := c.Fetch(context.Background(), []*conda.Record{record(t, tc, fn, false)}, nil)
		if err == nil || !strings.Contains(err.Error(), "oci channel "+tc.url) || !strings.Contains(err.Error(), "digest") {
			t.Fatalf("error %v, want a digest mismatch naming oci channel %s", err, tc.url)
		}
		cacheEmpty(t, dir)
	})
	t.Run("wrong repodata digest", func(t *testing.T) {
		t.Parallel()
		tc := newTestChannel(t)
		var m struct{ Layers []struct{ Digest string } }
		json.Unmarshal(tc.reg.manifests["team/ch/linux-64/repodata.json:latest"], &m)
		tc.reg.corrupt[m.Layers[0].Digest] = []byte(`{"packages":{}, "info":{"subdir":"linux-64"}}` + strings.Repeat(" ", 10))
		cache := t.TempDir()
		ch, _ := conda.ParseChannel(tc.url, conda.ChannelConfig{})
		l := &channel.Loader{HTTPClient: clientFor(&Transport{}), CacheDir: cache}
		_, err := l.Load(context.Background(), []conda.Channel{ch}, "linux-64")
		if err == nil || !strings.Contains(err.Error(), tc.url) {
			t.Fatalf("error %v, want one naming %s", err, tc.url)
		}
		repodataCacheEmpty(t, cache)
	})
	t.Run("missing tag", func(t *testing.T) {
		t.Parallel()
		tc := newTestChannel(t)
		c, dir := fetchCache(t, tc, &Transport{})
		rec := record(t, tc, "tiny-1.0+local-h0_0.conda", false)
		rec.URL = tc.url + "/linux-64/tiny-9.9-h0_0.conda"
		rec.Fn = "tiny-9.9-h0_0.conda"
		_, err := c.Fetch(context.Background(), []*conda.Record{rec}, nil)
		if !errors.Is(err, pkgcache.ErrNotFound) || !strings.Contains(err.Error(), tc.url+"/linux-64/tiny-9.9-h0_0.conda") {
			t.Fatalf("error %v, want not found naming %s", err, tc.url)
		}
		cacheEmpty(t, dir)
		// A channel with no repodata at all.
		cache := t.TempDir()
		ch, _ := conda.ParseChannel("oci://"+tc.reg.host()+"/team/nothing", conda.ChannelConfig{})
		l := &channel.Loader{HTTPClient: clientFor(&Transport{}), CacheDir: cache}
		_, err = l.Load(context.Background(), []conda.Channel{ch}, "linux-64")
		if !errors.Is(err, channel.ErrNoRepodata) || !strings.Contains(err.Error(), "oci://"+tc.reg.host()+"/team/nothing") {
			t.Fatalf("error %v, want ErrNoRepodata naming the channel", err)
		}
	})
	t.Run("bad credentials", func(t *testing.T) {
		t.Parallel()
		tc := newTestChannel(t)
		tc.reg.user, tc.reg.pw = "ci", "right-password"
		cache := t.TempDir()
		ch, _ := conda.ParseChannel(tc.url, conda.ChannelConfig{})
		l := &channel.Loader{HTTPClient: clientFor(&Transport{Auth: Auth{Username: "ci", Password: "wrong-password"}}), CacheDir: cache}
		_, err := l.Load(context.Background(), []conda.Channel{ch}, "linux-64")
		if err == nil || !strings.Contains(err.Error(), tc.url) || !strings.Contains(err.Error(), "401") {
			t.Fatalf("error %v, want a 401 naming %s", err, tc.url)
		}
		if strings.Contains(err.Error(), "wrong-password") || strings.Contains(err.Error(), fakeToken) {
			t.Errorf("error shows a credential: %v", err)
		}
		repodataCacheEmpty(t, cache)

		c, dir := fetchCache(t, tc, &Transport{Auth: Auth{Username: "ci", Password: "wrong-password"}})
		_, err = c.Fetch(context.Background(), []*conda.Record{record(t, tc, "tiny-1.0+local-h0_0.conda", true)}, nil)
		if err == nil || !strings.Contains(err.Error(), tc.url) || !strings.Contains(err.Error(), "401") {
			t.Fatalf("package fetch error %v, want a 401 naming %s", err, tc.url)
		}
		cacheEmpty(t, dir)
	})
}

func repodataCacheEmpty(t *testing.T, dir string) {
	t.Helper()
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		// "Not there" states are fine (no shard index, no noarch subdir).
		var st struct {
			NotFound bool `json:"not_found"`
		}
		b, _ := os.ReadFile(filepath.Join(dir, e.Name()))
		if strings.HasSuffix(e.Name(), ".info.json") && json.Unmarshal(b, &st) == nil && st.NotFound {
			continue
		}
		if strings.HasSuffix(e.Name(), ".shards.info.json") {
			continue
		}
		t.Errorf("the repodata cache holds %s after a failure: %s", e.Name(), b)
	}
}

func TestCredentialSources(t *testing.T) {
	t.Parallel()
	load := func(t *testing.T, tc *testChannel, url string, tr *Transport) error {
		ch, err := conda.ParseChannel(url, conda.ChannelConfig{})
		if err != nil {
			t.Fatal(err)
		}
		l := &channel.Loader{HTTPClient: clientFor(tr)}
		_, err = l.Load(context.Background(), []conda.Channel{ch}, "linux-64")
		return err
	}
	for _, c := range []struct {
		name   string
		url    func(*testChannel) string
		tr     func(t *testing.T, tc *testChannel) *Transport
		wantOK bool
	}{
		{"none", func(tc *testChannel) string { return tc.url }, func(*testing.T, *testChannel) *Transport { return &Transport{} }, false},
		{"static", func(tc *testChannel) string { return tc.url }, func(*testing.T, *testChannel) *Transport {
			return &Transport{Auth: Auth{Username: "ci", Password: "pw"}}
		}, true},
		{"static for another host", func(tc *testChannel) string { return tc.url }, func(*testing.T, *testChannel) *Transport {
			return &Transport{Auth: Auth{Username: "ci", Password: "pw", Hosts: []string{"ghcr.io"}}}
		}, false},
		{"url user info", func(tc *testChannel) string {
			return "oci://ci:pw@" + tc.reg.host() + "/team/ch"
		}, func(*testing.T, *testChannel) *Transport { return &Transport{} }, true},
		{"docker config", func(tc *testChannel) string { return tc.url }, func(t *testing.T, tc *testChannel) *Transport {
			p := filepath.Join(t.TempDir(), "config.json")
			if err := os.WriteFile(p, []byte(dockerAuth(tc.reg.host(), "ci", "pw")), 0o600); err != nil {
				t.Fatal(err)
			}
			return &Transport{Auth: Auth{DockerConfig: p}}
		}, true},
		{"missing docker config", func(tc *testChannel) string { return tc.url }, func(t *testing.T, tc *testChannel) *Transport {
			return &Transport{Auth: Auth{DockerConfig: filepath.Join(t.TempDir(), "none.json")}}
		}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			tc := newTestChannel(t)
			tc.reg.user, tc.reg.pw = "ci", "pw"
			err := load(t, tc, c.url(tc), c.tr(t, tc))
			if c.wantOK != (err == nil) {
				t.Fatalf("load: %v, want success %v", err, c.wantOK)
			}
			if err != nil && (!strings.Contains(err.Error(), "401") || strings.Contains(err.Error(), ":pw@")) {
				t.Errorf("error %v: want a 401 without credentials", err)
			}
		})
	}
}

func TestUnsupportedRequests(t *testing.T) {
	t.Parallel()
	tc := newTestChannel(t)
	client := clientFor(&Transport{})
	for _, c := range []struct {
		method, path string
		want         int
	}{
		{http.MethodGet, "/linux-64/repodata_shards.msgpack.zst", http.StatusNotFound},
		{http.MethodGet, "/linux-64/repodata.json.zst", http.StatusNotFound}, // no zst layer
		{http.MethodHead, "/linux-64/repodata.json", http.StatusOK},
		{http.MethodPut, "/linux-64/repodata.json", http.StatusMethodNotAllowed},
	} {
		req, _ := http.NewRequest(c.method, tc.url+c.path, nil)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", c.method, c.path, err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.want {
			t.Errorf("%s %s: %d, want %d", c.method, c.path, resp.StatusCode, c.want)
		}
	}
	_ = fmt.Sprint()
}
