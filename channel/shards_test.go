package channel

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/envseal/envseal/conda"
	"github.com/envseal/envseal/internal/indexer"
	"github.com/envseal/envseal/internal/progress"
	"github.com/klauspost/compress/zstd"
	"github.com/vmihailenco/msgpack/v5"
)

var update = flag.Bool("update", false, "rewrite golden files")

// recordLines renders records as sorted JSON lines, for comparisons.
func recordLines(recs []*conda.Record) []string {
	out := make([]string, len(recs))
	for k, r := range recs {
		out[k] = string(r.AppendJSON(nil))
	}
	sort.Strings(out)
	return out
}

func allLines(t testing.TB, ix *Index) []string {
	t.Helper()
	return recordLines(allRecords(t, ix))
}

func TestShardIndexCorpus(t *testing.T) {
	dir := filepath.Join("testdata", "sharded", "linux-64")
	raw, err := os.ReadFile(filepath.Join(dir, ShardIndexFile))
	if err != nil {
		t.Fatal(err)
	}
	si, err := readShardIndexBytes(raw)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(si.names, " "), "libgcc-ng zlib"; got != want {
		t.Errorf("names = %q, want %q", got, want)
	}
	if si.subdir != "linux-64" || si.version != 1 || si.baseURL != "" || si.shardsBaseURL != "" {
		t.Errorf("info = %+v", si)
	}
	for k, n := range si.names {
		// conda's test repository names each shard by its hash.
		file := filepath.Join(dir, hex.EncodeToString(si.hashes[k][:])+".msgpack.zst")
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatalf("shard of %s: %v", n, err)
		}
		if err := checkHash(b, si.hashes[k]); err != nil {
			t.Errorf("shard of %s: %v", n, err)
		}
	}
}

// TestShardedCorpusMatchesRepodata reads conda's real sharded test channel
// both ways: the shards and repodata.json must give the same records.
func TestShardedCorpusMatchesRepodata(t *testing.T) {
	ctx := context.Background()
	src := []Source{{URL: filepath.Join("testdata", "sharded"), Name: "defaults"}}
	sharded, err := (&Loader{}).LoadSources(ctx, src, "linux-64")
	if err != nil {
		t.Fatal(err)
	}
	if sd := sharded.Subdirs(); !sd[0].Sharded || sd[1].Sharded {
		t.Fatalf("Subdirs = %+v, want linux-64 sharded and noarch not", sd)
	}
	full, err := (&Loader{NoShards: true}).LoadSources(ctx, src, "linux-64")
	if err != nil {
		t.Fatal(err)
	}
	got, want := allLines(t, sharded), allLines(t, full)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("sharded records:\n%s\nrepodata.json records:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(got) != 2 || !strings.Contains(strings.Join(got, ""), "zlib-1.2.11-h7b6447c_3.conda") {
		t.Errorf("want libgcc-ng and the .conda zlib only, got %v", got)
	}
}

// cepShard is the CEP-16 example shard (rich), with hashes as raw bytes, a
// removed file, an unknown key and a msgpack timestamp.
func cepShard(t testing.TB) []byte {
	t.Helper()
	hexb := func(s string) []byte {
		b, err := hex.DecodeString(s)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	doc := map[string]any{
		"packages": map[string]any{
			"rich-10.15.2-pyhd8ed1ab_1.tar.bz2": map[string]any{
				"build": "pyhd8ed1ab_1", "build_number": 1,
				"depends": []string{"colorama >=0.4.0,<0.5.0", "commonmark >=0.9.0,<0.10.0", "dataclasses >=0.7,<0.9", "pygments >=2.6.0,<3.0.0", "python >=3.6.2", "typing_extensions >=3.7.4,<5.0.0"},
				"license": "MIT", "license_family": "MIT",
				"md5":  hexb("2456071b5d040cba000f72ced5c72032"),
				"name": "rich", "noarch": "python",
				"sha256": hexb("a38347390191fd3e60b17204f2f6470a013ec8753e1c2e8c9a892683f59c3e40"),
				"size":   153963, "subdir": "noarch",
				"timestamp": 1638891318904, "version": "10.15.2",
			},
			"rich-10.15.1-pyhd8ed1ab_1.tar.bz2": map[string]any{
				"build": "pyhd8ed1ab_1", "build_number": 1, "depends": []string{}, "name": "rich", "version": "10.15.1",
			},
		},
		"packages.conda": map[string]any{
			"rich-13.7.1-pyhd8ed1ab_0.conda": map[string]any{
				"build": "pyhd8ed1ab_0", "build_number": 0,
				"depends": []string{"markdown-it-py >=2.2.0", "pygments >=2.13.0,<3.0.0", "python >=3.7.0", "typing_extensions >=4.0.0,<5.0.0"},
				"license": "MIT", "license_family": "MIT",
				"md5":  hexb("ba445bf767ae6f0d959ff2b40c20912b"),
				"name": "rich", "noarch": "python",
				"sha256": hexb("2b26d58aa59e46f933c3126367348651b0dab6e0bf88014e857415bb184a4667"),
				"size":   184347, "subdir": "noarch",
				"timestamp":   time.UnixMilli(1709150578093).UTC(),
				"version":     "13.7.1",
				"run_exports": map[string]any{"weak": []string{"rich"}},
			},
		},
		"removed":      []string{"rich-10.15.1-pyhd8ed1ab_1.tar.bz2"},
		"future_field": []any{1, "x", nil},
	}
	var buf bytes.Buffer
	e := msgpack.NewEncoder(&buf)
	e.SetSortMapKeys(true)
	if err := e.Encode(doc); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestDecodeShardGolden(t *testing.T) {
	srs, err := decodeShard(cepShard(t))
	if err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	for _, sr := range srs {
		if !json.Valid(sr.json) {
			t.Errorf("%s: invalid JSON %s", sr.fn, sr.json)
		}
		var r conda.Record
		if err := r.UnmarshalJSON(sr.json); err != nil {
			t.Errorf("%s: %v", sr.fn, err)
		}
		got.WriteString(sr.fn + " conda=" + map[bool]string{true: "yes", false: "no"}[sr.conda] + "\n" + string(sr.json) + "\n")
	}
	golden := filepath.Join("testdata", "shard-cep16.golden")
	if *update {
		if err := os.WriteFile(golden, got.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got.String() != string(want) {
		t.Errorf("decodeShard:\n%s\nwant (%s):\n%s", got.String(), golden, want)
	}
}

// shardedFixture writes a sharded subdir (linux-64) for records given as
// "name version dep,dep" and returns its files (path below the channel →
// bytes) and the index.
func shardedFixture(t *testing.T, specs ...string) map[string][]byte {
	t.Helper()
	groups := map[string]map[string]json.RawMessage{}
	for _, s := range specs {
		f := strings.SplitN(s, " ", 3)
		deps := []string{}
		if len(f) == 3 {
			deps = strings.Split(f[2], ",")
		}
		fn := f[0] + "-" + f[1] + "-0.conda"
		rec := map[string]any{"name": f[0], "version": f[1], "build": "0", "build_number": 0, "depends": deps, "subdir": "linux-64",
			"sha256": strings.Repeat("ab", 32), "md5": strings.Repeat("cd", 16), "size": 10}
		raw, _ := json.Marshal(rec)
		if groups[f[0]] == nil {
			groups[f[0]] = map[string]json.RawMessage{}
		}
		groups[f[0]][fn] = raw
	}
	dir := t.TempDir()
	sub := filepath.Join(dir, "linux-64")
	src := func(yield func(string, map[string]json.RawMessage, map[string]json.RawMessage) error) error {
		var names []string
		for n := range groups {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			if err := yield(n, nil, groups[n]); err != nil {
				return err
			}
		}
		return nil
	}
	if _, err := indexer.WriteShards(context.Background(), sub, "linux-64", src, indexer.ShardOptions{}); err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	err := filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		files["/"+filepath.ToSlash(rel)] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// shardPath returns the server path of name's shard in files.
func shardPath(t *testing.T, files map[string][]byte, name string) string {
	t.Helper()
	si, err := readShardIndexBytes(files["/linux-64/"+ShardIndexFile])
	if err != nil {
		t.Fatal(err)
	}
	i := si.lookup(name)
	if i < 0 {
		t.Fatalf("no shard for %s", name)
	}
	return "/linux-64/shards/" + hex.EncodeToString(si.hashes[i][:]) + ".msgpack.zst"
}

func cachedShards(t *testing.T, cache string) []string {
	t.Helper()
	ents, _ := os.ReadDir(filepath.Join(cache, "shards-v1"))
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	return out
}

func TestShardedHTTP(t *testing.T) {
	files := shardedFixture(t, "a 1.0 b >=1", "a 2.0 b >=2", "b 1.0", "b 2.0 d", "c 1.0", "d 1.0")
	f := newFakeChannel()
	for p, b := range files {
		f.set(p, b, `"`+p+`"`)
	}
	srv := newServer(t, f)
	cache := t.TempDir()
	ctx := context.Background()
	load := func() *Index {
		ix, err := (&Loader{CacheDir: cache}).LoadSources(ctx, []Source{{URL: srv.URL, Name: "ch"}}, "linux-64")
		if err != nil {
			t.Fatal(err)
		}
		return ix
	}
	ix := load()
	if got := strings.Join(names(t, ix, "a"), " "); got != "a-1.0-0.conda a-2.0-0.conda" {
		t.Errorf("a = %q", got)
	}
	if got := strings.Join(names(t, ix, "d"), " "); got != "d-1.0-0.conda" {
		t.Errorf("d = %q", got)
	}
	// b was fetched in the background (a depends on it); wait for it.
	names(t, ix, "b")
	if n := f.count(shardPath(t, files, "c")); n != 0 {
		t.Errorf("c's shard was fetched %d times; nothing depends on it", n)
	}
	for _, n := range []string{"a", "b", "d"} {
		if c := f.count(shardPath(t, files, n)); c != 1 {
			t.Errorf("shard of %s fetched %d times, want 1", n, c)
		}
	}
	if got := len(cachedShards(t, cache)); got != 3 {
		t.Errorf("%d shards cached, want 3", got)
	}
	recs, _ := ix.Candidates("a")
	if u := recs[0].URL; u != srv.URL+"/linux-64/a-1.0-0.conda" || recs[0].Channel != "ch" {
		t.Errorf("URL %q channel %q", u, recs[0].Channel)
	}
	if recs[0].SHA256 != strings.Repeat("ab", 32) || recs[0].MD5 != strings.Repeat("cd", 16) {
		t.Errorf("hashes %q %q", recs[0].SHA256, recs[0].MD5)
	}

	// A second run revalidates the index and reads every shard from the cache.
	before := f.total()
	ix = load()
	names(t, ix, "a")
	names(t, ix, "b")
	names(t, ix, "d")
	if got := f.total() - before; got != 2 { // the index (304) and noarch's (404)
		t.Errorf("second run made %d requests, want 2; statuses %v", got, f.statuses)
	}
	if last := f.statuses[len(f.statuses)-1]; !strings.HasSuffix(last, "304") && !strings.Contains(strings.Join(f.statuses[len(f.statuses)-2:], " "), ShardIndexFile+" 304") {
		t.Errorf("index not revalidated with its ETag: %v", f.statuses)
	}
	// Offline reads the cache only.
	ix, err := (&Loader{CacheDir: cache, Offline: true}).LoadSources(ctx, []Source{{URL: srv.URL, Name: "ch"}}, "linux-64")
	if err != nil {
		t.Fatal(err)
	}
	names(t, ix, "a")
	if _, err := ix.Candidates("c"); !errors.Is(err, ErrNotCached) {
		t.Errorf("offline c: %v, want ErrNotCached", err)
	}
}

func TestShardedFallsBackToRepodata(t *testing.T) {
	f := newFakeChannel()
	f.set("/linux-64/repodata.json", repodataDoc("linux-64", "x-1.0-0"), `"r"`)
	srv := newServer(t, f)
	ix, err := (&Loader{CacheDir: t.TempDir()}).LoadSources(context.Background(), []Source{{URL: srv.URL}}, "linux-64")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(names(t, ix, "x"), " "); got != "x-1.0-0.tar.bz2" {
		t.Errorf("x = %q", got)
	}
	if ix.Subdirs()[0].Sharded {
		t.Error("read as sharded")
	}
}

func TestShardedErrors(t *testing.T) {
	// Each case breaks the shard of b, which a depends on.
	tests := []struct {
		name    string
		breakIt func(files map[string][]byte, shard string)
		want    string
	}{
		{"missing", func(files map[string][]byte, shard string) { delete(files, shard) }, "shard not found on the server (HTTP 404)"},
		{"hash mismatch", func(files map[string][]byte, shard string) {
			files[shard] = append(bytes.Clone(files[shard]), 0)
		}, "sha256 mismatch"},
		{"truncated", func(files map[string][]byte, shard string) {
			files[shard] = files[shard][:len(files[shard])/2]
		}, "sha256 mismatch"},
		{"corrupt, listed with its own hash", func(files map[string][]byte, shard string) {
			bad := zstdBytesT([]byte{0x81, 0xa8, 'p', 'a', 'c', 'k', 'a', 'g', 'e', 's', 0x81, 0xa1, 'x'}) // truncated msgpack
			relist(files, "b", bad)
		}, "shard:"},
		{"not zstd, listed with its own hash", func(files map[string][]byte, shard string) {
			relist(files, "b", []byte("<html>not a shard</html>"))
		}, "zstd"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			files := shardedFixture(t, "a 1.0 b", "b 1.0")
			tc.breakIt(files, shardPath(t, files, "b"))
			f := newFakeChannel()
			for p, b := range files {
				f.set(p, b, "")
			}
			srv := newServer(t, f)
			cache := t.TempDir()
			ix, err := (&Loader{CacheDir: cache}).LoadSources(context.Background(), []Source{{URL: srv.URL, Name: "team-ch"}}, "linux-64")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := ix.Candidates("a"); err != nil {
				t.Fatalf("a: %v", err)
			}
			_, err = ix.Candidates("b")
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range []string{"channel team-ch", `package "b"`, tc.want} {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if got := cachedShards(t, cache); len(got) != 1 {
				t.Errorf("cache holds %v, want a's shard only", got)
			}
			// The error is kept for the name, and nothing was cached for b.
			if _, err2 := ix.Candidates("b"); err2 == nil {
				t.Error("second call succeeded")
			}
		})
	}
}

func zstdBytesT(b []byte) []byte {
	enc, err := zstd.NewWriter(nil)
	if err != nil {
		panic(err)
	}
	defer enc.Close()
	return enc.EncodeAll(b, nil)
}

// relist replaces name's shard by raw and updates the index to list raw's
// hash (a channel that serves a bad shard consistently).
func relist(files map[string][]byte, name string, raw []byte) {
	si, err := readShardIndexBytes(files["/linux-64/"+ShardIndexFile])
	if err != nil {
		panic(err)
	}
	sum := sha256.Sum256(raw)
	hashes := map[string][]byte{}
	for k, n := range si.names {
		h := si.hashes[k]
		hashes[n] = h[:]
	}
	hashes[name] = sum[:]
	files["/linux-64/shards/"+hex.EncodeToString(sum[:])+".msgpack.zst"] = raw
	var buf bytes.Buffer
	e := msgpack.NewEncoder(&buf)
	e.SetSortMapKeys(true)
	e.Encode(map[string]any{"version": 1, "info": map[string]any{"base_url": "./", "shards_base_url": "./shards/", "subdir": "linux-64"}, "shards": hashes})
	files["/linux-64/"+ShardIndexFile] = zstdBytesT(buf.Bytes())
}

// TestShardsRoundTripCorpus shards the real conda-forge subset of the
// corpus with the indexer and reads it back: every record is the same as
// through repodata.json.
func TestShardsRoundTripCorpus(t *testing.T) {
	corpus := corpusDir(t)
	ctx := context.Background()
	dir := t.TempDir()
	for _, sd := range []string{"linux-64", "noarch"} {
		raw, err := os.ReadFile(filepath.Join(corpus, "conda-subchannel-demo", sd, "repodata.json"))
		if err != nil {
			t.Fatal(err)
		}
		sub := filepath.Join(dir, sd)
		os.MkdirAll(sub, 0o755)
		if err := os.WriteFile(filepath.Join(sub, "repodata.json"), raw, 0o644); err != nil {
			t.Fatal(err)
		}
		var rd indexer.Repodata
		d := json.NewDecoder(bytes.NewReader(raw))
		d.UseNumber()
		if err := d.Decode(&rd); err != nil {
			t.Fatal(err)
		}
		if _, err := indexer.WriteShards(ctx, sub, sd, indexer.RepodataShards(&rd), indexer.ShardOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	src := []Source{{URL: dir, Name: "conda-forge"}}
	sharded, err := (&Loader{}).LoadSources(ctx, src, "linux-64")
	if err != nil {
		t.Fatal(err)
	}
	full, err := (&Loader{NoShards: true}).LoadSources(ctx, src, "linux-64")
	if err != nil {
		t.Fatal(err)
	}
	if !sharded.Subdirs()[0].Sharded {
		t.Fatal("not read as sharded")
	}
	got, want := allLines(t, sharded), allLines(t, full)
	if len(got) != len(want) || len(got) < 1000 {
		t.Fatalf("%d sharded records, %d from repodata.json", len(got), len(want))
	}
	for k := range got {
		if got[k] != want[k] {
			t.Fatalf("record %d differs:\nsharded %s\nfull    %s", k, got[k], want[k])
		}
	}
}

func FuzzDecodeShard(f *testing.F) {
	f.Add(cepShard(f))
	for _, p := range []string{"testdata/sharded/linux-64/2dcdacf7009b4f1c21f452c5079384340257e0e1cbecb8ec484984d1fa85b115.msgpack.zst", "testdata/sharded/linux-64/56a0c19b47ba1a2d0f1390eda489b1c49a00d35814571057e6d81e0c93dfd157.msgpack.zst"} {
		raw, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		data, err := readZstd(raw)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		srs, err := decodeShard(data)
		if err != nil {
			if srs != nil {
				t.Fatalf("records with error %v", err)
			}
			return
		}
		for _, sr := range srs {
			if !json.Valid(sr.json) {
				t.Fatalf("%q: invalid JSON %q", sr.fn, sr.json)
			}
		}
	})
}

func FuzzParseShardIndex(f *testing.F) {
	raw, err := os.ReadFile("testdata/sharded/linux-64/" + ShardIndexFile)
	if err != nil {
		f.Fatal(err)
	}
	data, err := readZstd(raw)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Fuzz(func(t *testing.T, data []byte) {
		si, err := parseShardIndex(data)
		if err != nil {
			if si != nil {
				t.Fatal("index with error")
			}
			return
		}
		if !sort.StringsAreSorted(si.names) || len(si.names) != len(si.hashes) {
			t.Fatal("names unsorted or hashes missing")
		}
	})
}

func readZstd(raw []byte) ([]byte, error) {
	g, err := newFetchGroup(1)
	if err != nil {
		return nil, err
	}
	return g.unzstd(raw)
}

// TestShardedProgressSilent: with a progress writer that is not a
// terminal, downloads draw nothing.
func TestShardedProgressSilent(t *testing.T) {
	files := shardedFixture(t, "a 1.0 b", "b 1.0")
	f := newFakeChannel()
	for p, b := range files {
		f.set(p, b, "")
	}
	srv := newServer(t, f)
	var out bytes.Buffer
	ix, err := (&Loader{CacheDir: t.TempDir(), Progress: &out}).LoadSources(context.Background(), []Source{{URL: srv.URL}}, "linux-64")
	if err != nil {
		t.Fatal(err)
	}
	names(t, ix, "a")
	names(t, ix, "b")
	if out.Len() != 0 {
		t.Errorf("progress drawn to a non-terminal: %q", out.String())
	}
}

// TestShardedToken: shards of a channel behind a /t/<token>/ URL are
// fetched with the token, which appears in no record, error or cache name.
func TestShardedToken(t *testing.T) {
	files := shardedFixture(t, "a 1.0 b", "b 1.0")
	delete(files, shardPath(t, files, "b"))
	f := newFakeChannel()
	f.token = "tk-secret"
	for p, b := range files {
		f.set(p, b, "")
	}
	srv := newServer(t, f)
	cache := t.TempDir()
	ix, err := (&Loader{CacheDir: cache}).LoadSources(context.Background(), []Source{{URL: srv.URL + "/t/tk-secret"}}, "linux-64")
	if err != nil {
		t.Fatal(err)
	}
	recs, err := ix.Candidates("a")
	if err != nil || len(recs) != 1 {
		t.Fatalf("a: %v %v", recs, err)
	}
	if strings.Contains(recs[0].URL+recs[0].Channel, "tk-secret") {
		t.Errorf("record leaks the token: %s %s", recs[0].URL, recs[0].Channel)
	}
	_, err = ix.Candidates("b")
	if err == nil || strings.Contains(err.Error(), "tk-secret") || !strings.Contains(err.Error(), `package "b"`) {
		t.Errorf("missing shard error: %v", err)
	}
	filepath.Walk(cache, func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			b, _ := os.ReadFile(p)
			if strings.Contains(p, "tk-secret") || bytes.Contains(b, []byte("tk-secret")) {
				t.Errorf("cache file %s holds the token", p)
			}
		}
		return nil
	})
}

// TestShardProgressDrawn: on a terminal (forced here), a burst of shard
// loads shows one bar counting shards and bytes, closed with its total
// when the last load ends.
func TestShardProgressDrawn(t *testing.T) {
	var out bytes.Buffer
	p := &loadProgress{out: &out, opts: progress.Options{Force: true, Width: 80, Interval: -1}}
	p.shardLoadStart()
	p.shardLoadStart()
	p.shardFetched(1000)
	p.shardLoadEnd()
	p.shardFetched(500)
	if out.Len() != 0 {
		t.Errorf("drawn before the burst ended: %q", out.String())
	}
	p.shardLoadEnd()
	got := out.String()
	if !strings.Contains(got, "Total 1/1") || !strings.Contains(got, "1.5 kB") {
		t.Errorf("final frame %q, want the total of one bar and 1.5 kB", got)
	}
	// A later burst opens a new display.
	out.Reset()
	p.shardLoadStart()
	p.shardFetched(10)
	p.shardLoadEnd()
	if !strings.Contains(out.String(), "10 B") {
		t.Errorf("second burst %q", out.String())
	}
}

func TestPruneShards(t *testing.T) {
	files := shardedFixture(t, "a 1.0 b", "b 1.0", "c 1.0")
	f := newFakeChannel()
	for p, b := range files {
		f.set(p, b, `"1"`)
	}
	srv := newServer(t, f)
	cache := t.TempDir()
	l := &Loader{CacheDir: cache}
	ix, err := l.LoadSources(context.Background(), []Source{{URL: srv.URL}}, "linux-64")
	if err != nil {
		t.Fatal(err)
	}
	names(t, ix, "a")
	names(t, ix, "b")
	// A shard no index lists (left by an older index), and a stray temp.
	stale := filepath.Join(cache, "shards-v1", strings.Repeat("0", 64)+".msgpack.zst")
	os.WriteFile(stale, []byte("old"), 0o644)
	old := time.Now().Add(-48 * time.Hour)
	os.Chtimes(stale, old, old)
	fresh := filepath.Join(cache, "shards-v1", strings.Repeat("1", 64)+".msgpack.zst")
	os.WriteFile(fresh, []byte("new"), 0o644)
	for _, e := range cachedShards(t, cache) {
		p := filepath.Join(cache, "shards-v1", e)
		if p != fresh {
			os.Chtimes(p, old, old)
		}
	}
	n, size, err := l.PruneShards(context.Background(), 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if n != 1 || size != 3 {
		t.Errorf("pruned %d files, %d bytes; want the stale one", n, size)
	}
	got := cachedShards(t, cache)
	if len(got) != 3 { // a, b and the fresh unlisted one
		t.Errorf("left %v", got)
	}
	// The listed shards still serve offline.
	ix, err = (&Loader{CacheDir: cache, Offline: true}).LoadSources(context.Background(), []Source{{URL: srv.URL}}, "linux-64")
	if err != nil {
		t.Fatal(err)
	}
	names(t, ix, "b")
}

func TestPrefetch(t *testing.T) {
	files := shardedFixture(t, "a 1.0 b", "b 1.0", "c 1.0", "d 1.0")
	f := newFakeChannel()
	for p, b := range files {
		f.set(p, b, "")
	}
	srv := newServer(t, f)
	ix, err := (&Loader{CacheDir: t.TempDir()}).LoadSources(context.Background(), []Source{{URL: srv.URL}}, "linux-64")
	if err != nil {
		t.Fatal(err)
	}
	ix.Prefetch("a", "c", "unknown")
	deadline := time.Now().Add(10 * time.Second)
	for f.count(shardPath(t, files, "b")) == 0 || f.count(shardPath(t, files, "c")) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("a's dependency b and c were not fetched in the background")
		}
		time.Sleep(10 * time.Millisecond)
	}
	names(t, ix, "a")
	names(t, ix, "c")
	if n := f.count(shardPath(t, files, "d")); n != 0 {
		t.Errorf("d fetched %d times", n)
	}
	for _, n := range []string{"a", "b", "c"} {
		if c := f.count(shardPath(t, files, n)); c != 1 {
			t.Errorf("%s fetched %d times, want 1", n, c)
		}
	}
}
