package channel

import (
	"bytes"
	"context"
	"fmt"
	"hash/crc32"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestIndexEncodeDecode(t *testing.T) {
	data := repodataDoc("linux-64", "a-1.0-0", "b-2.0-1", "a-1.1-0", "c-d-3-0")
	sc, err := scanRepodata(data)
	if err != nil {
		t.Fatal(err)
	}
	st := stampOf(data, int64(len(data)), 42)
	b := encodeIndex(sc, st)
	got, err := decodeIndex(b, st, len(data))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, sc) {
		t.Errorf("decoded %+v, want %+v", got, sc)
	}
	stale := []struct {
		name string
		b    []byte
		st   docStamp
		n    int
	}{
		{"other mtime", b, docStamp{st.size, 43, st.edges}, len(data)},
		{"other size", b, docStamp{st.size + 1, st.mtimeNs, st.edges}, len(data)},
		{"other edges", b, docStamp{st.size, st.mtimeNs, st.edges + 1}, len(data)},
		{"shorter document", b, st, len(data) - 10},
		{"truncated", b[:len(b)-5], st, len(data)},
		{"flipped byte", flip(b, 40), st, len(data)},
		{"empty", nil, st, len(data)},
	}
	for _, tc := range stale {
		if _, err := decodeIndex(tc.b, tc.st, tc.n); err != errStaleIndex {
			t.Errorf("%s: err = %v, want errStaleIndex", tc.name, err)
		}
	}
}

func flip(b []byte, i int) []byte {
	c := append([]byte(nil), b...)
	c[i] ^= 0xff
	return c
}

// TestLocalIndex loads a local repodata.json three times: the first load
// writes the per-name index, the second reads it, and a changed document
// invalidates it.
func TestLocalIndex(t *testing.T) {
	ch := t.TempDir()
	sub := filepath.Join(ch, "linux-64")
	os.MkdirAll(sub, 0o755)
	path := filepath.Join(sub, "repodata.json")
	if err := os.WriteFile(path, repodataDoc("linux-64", "a-1.0-0", "b-2.0-1"), 0o644); err != nil {
		t.Fatal(err)
	}
	cache := t.TempDir()
	l := &Loader{CacheDir: cache}
	load := func() *Index {
		ix, err := l.LoadSources(context.Background(), []Source{{URL: ch, Name: "local"}}, "linux-64")
		if err != nil {
			t.Fatal(err)
		}
		return ix
	}
	ix := load()
	if got := strings.Join(names(t, ix, "b"), " "); got != "b-2.0-1.tar.bz2" {
		t.Errorf("b = %q", got)
	}
	idx := l.localIndexPath(path)
	first, err := os.ReadFile(idx)
	if err != nil {
		t.Fatalf("no index written: %v", err)
	}
	// The index matches the document, so the next load uses it.
	sc, err := decodeIndex(first, stampFile(t, path), int(fileSize(t, path)))
	if err != nil {
		t.Fatal(err)
	}
	if len(sc.names) != 2 {
		t.Fatalf("index names %v", sc.names)
	}
	ix = load()
	if got := strings.Join(names(t, ix, "a"), " "); got != "a-1.0-0.tar.bz2" {
		t.Errorf("a from the index = %q", got)
	}

	// A new document (same size, new mtime) invalidates the index.
	if err := os.WriteFile(path, repodataDoc("linux-64", "a-1.0-0", "c-2.0-1"), 0o644); err != nil {
		t.Fatal(err)
	}
	future := time.Now().Add(time.Minute)
	os.Chtimes(path, future, future)
	ix = load()
	if got := strings.Join(names(t, ix, "c"), " "); got != "c-2.0-1.tar.bz2" {
		t.Errorf("c after the change = %q", got)
	}
	if got := names(t, ix, "b"); len(got) != 0 {
		t.Errorf("b after the change = %v", got)
	}

	// A corrupt index is a miss, not an error.
	os.WriteFile(idx, []byte("garbage"), 0o600)
	ix = load()
	if got := strings.Join(names(t, ix, "c"), " "); got != "c-2.0-1.tar.bz2" {
		t.Errorf("c with a corrupt index = %q", got)
	}
}

func fileSize(t *testing.T, path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

func stampFile(t *testing.T, path string) docStamp {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(path)
	return stampOf(data, fi.Size(), fi.ModTime().UnixNano())
}

func FuzzDecodeIndex(f *testing.F) {
	data := repodataDoc("linux-64", "a-1.0-0", "b-2.0-1")
	sc, err := scanRepodata(data)
	if err != nil {
		f.Fatal(err)
	}
	st := stampOf(data, int64(len(data)), 1)
	f.Add(encodeIndex(sc, st))
	f.Fuzz(func(t *testing.T, b []byte) {
		// Fix the checksum so the fuzzer reaches the structure checks.
		if len(b) >= 4 {
			b = encodeChecksum(b[:len(b)-4])
		}
		got, err := decodeIndex(b, st, len(data))
		if err != nil {
			return
		}
		for _, e := range got.entries {
			if uint64(e.valOff)+uint64(e.valLen) > uint64(len(data)) || int(e.keyOff)+int(e.keyLen) > len(data) {
				t.Fatal("entry outside the document")
			}
		}
	})
}

func encodeChecksum(body []byte) []byte {
	out := append([]byte(nil), body...)
	var sum [4]byte
	c := crc32.Checksum(body, castagnoli)
	sum[0], sum[1], sum[2], sum[3] = byte(c), byte(c>>8), byte(c>>16), byte(c>>24)
	return append(out, sum[:]...)
}

// TestHTTPStreamedToCache: with a cache, a downloaded repodata.json.zst is
// decompressed straight into the cache file; a truncated or corrupt body
// is an error naming the URL and leaves no cache file behind.
func TestHTTPStreamedToCache(t *testing.T) {
	good := repodataDoc("linux-64", "a-1.0-0")
	tests := []struct {
		name string
		body []byte
		cl   int
		want string
	}{
		{"good", zstdBytesT(good), 0, ""},
		{"truncated", zstdBytesT(good)[:20], len(zstdBytesT(good)), "truncated response"},
		{"not zstd", []byte("<html>oops</html>"), 0, "zstd"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if !strings.HasSuffix(r.URL.Path, "/linux-64/repodata.json.zst") {
					http.NotFound(w, r)
					return
				}
				if tc.cl > 0 {
					w.Header().Set("Content-Length", fmt.Sprint(tc.cl))
				}
				w.Write(tc.body)
			}))
			defer srv.Close()
			cache := t.TempDir()
			ix, err := (&Loader{CacheDir: cache}).LoadSources(context.Background(), []Source{{URL: srv.URL + "/ch"}}, "linux-64")
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				if got := strings.Join(names(t, ix, "a"), " "); got != "a-1.0-0.tar.bz2" {
					t.Errorf("a = %q", got)
				}
				if _, err := os.Stat(filepath.Join(cache, cacheKey(srv.URL+"/ch/linux-64")+".idx")); err != nil {
					t.Errorf("no per-name index beside the cached document: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), srv.URL+"/ch/linux-64/repodata.json.zst") {
				t.Fatalf("err = %v, want %q and the URL", err, tc.want)
			}
			ents, _ := os.ReadDir(cache)
			for _, e := range ents {
				if (strings.HasSuffix(e.Name(), ".json") && !strings.HasSuffix(e.Name(), ".info.json")) || strings.Contains(e.Name(), ".tmp-") {
					t.Errorf("cache holds %s after a failed download", e.Name())
				}
			}
		})
	}
}

// TestLocalZstCopy: a local channel with only repodata.json.zst is read
// through a decompressed copy in the cache, which a changed .zst replaces.
func TestLocalZstCopy(t *testing.T) {
	ch := t.TempDir()
	sub := filepath.Join(ch, "linux-64")
	os.MkdirAll(sub, 0o755)
	zst := filepath.Join(sub, "repodata.json.zst")
	if err := os.WriteFile(zst, zstdBytesT(repodataDoc("linux-64", "a-1.0-0")), 0o644); err != nil {
		t.Fatal(err)
	}
	l := &Loader{CacheDir: t.TempDir()}
	load := func(name string) string {
		ix, err := l.LoadSources(context.Background(), []Source{{URL: ch}}, "linux-64")
		if err != nil {
			t.Fatal(err)
		}
		if src := ix.Subdirs()[0].Source; src != zst {
			t.Errorf("source %s, want %s", src, zst)
		}
		return strings.Join(names(t, ix, name), " ")
	}
	if got := load("a"); got != "a-1.0-0.tar.bz2" {
		t.Errorf("a = %q", got)
	}
	copyPath := strings.TrimSuffix(l.localIndexPath(zst), ".idx") + ".json"
	if b, err := os.ReadFile(copyPath); err != nil || !bytes.Equal(b, repodataDoc("linux-64", "a-1.0-0")) {
		t.Fatalf("decompressed copy: %v", err)
	}
	if got := load("a"); got != "a-1.0-0.tar.bz2" {
		t.Errorf("a from the copy = %q", got)
	}
	if err := os.WriteFile(zst, zstdBytesT(repodataDoc("linux-64", "b-2.0-0", "b-2.1-0")), 0o644); err != nil {
		t.Fatal(err)
	}
	future := time.Now().Add(time.Minute)
	os.Chtimes(zst, future, future)
	if got := load("b"); got != "b-2.0-0.tar.bz2 b-2.1-0.tar.bz2" {
		t.Errorf("b after the change = %q", got)
	}
}
