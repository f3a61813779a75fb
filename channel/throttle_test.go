package channel

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/envseal/envseal/conda"
	"github.com/envseal/envseal/internal/indexer"
	"github.com/envseal/envseal/internal/throttle"
	"github.com/envseal/envseal/resolver"
)

// TestShardedOverThrottledLink serves the corpus's conda-forge subset in
// both forms through a 50 Mbit/s, 40 ms link and solves curl
// cold through each: the sharded client must transfer less and give the
// same answer as the full repodata.json.zst. (Timings belong to
// bench/netbench; this checks bytes and answers.)
func TestShardedOverThrottledLink(t *testing.T) {
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
		os.WriteFile(filepath.Join(sub, "repodata.json.zst"), zstdBytesT(raw), 0o644)
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
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tl := throttle.New(ln, 50e6, 40*time.Millisecond)
	files := http.FileServer(http.Dir(dir))
	mux := http.NewServeMux()
	mux.Handle("/sharded/", http.StripPrefix("/sharded", files))
	mux.Handle("/full/", http.StripPrefix("/full", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, ShardIndexFile) {
			http.NotFound(w, r)
			return
		}
		files.ServeHTTP(w, r)
	})))
	srv := &http.Server{Handler: mux}
	go srv.Serve(tl)
	t.Cleanup(func() { srv.Close() })

	specs := []conda.MatchSpec{}
	for _, s := range []string{"curl"} {
		ms, err := conda.ParseMatchSpec(s)
		if err != nil {
			t.Fatal(err)
		}
		specs = append(specs, ms)
	}
	solve := func(mode string) ([]string, int64, bool) {
		tl.ResetSent()
		ix, err := (&Loader{CacheDir: t.TempDir()}).LoadSources(ctx, []Source{{URL: "http://" + ln.Addr().String() + "/" + mode, Name: "conda-forge"}}, "linux-64")
		if err != nil {
			t.Fatal(err)
		}
		sol, err := resolver.Solve(ctx, ix, resolver.Request{Specs: specs})
		if err != nil {
			t.Fatalf("%s: %v", mode, err)
		}
		var out []string
		for _, r := range sol.Records {
			out = append(out, r.Fn+" "+strings.Replace(r.URL, "/"+mode+"/", "/", 1))
		}
		return out, tl.Sent(), ix.Subdirs()[0].Sharded
	}
	gotS, sentS, sharded := solve("sharded")
	gotF, sentF, _ := solve("full")
	if !sharded {
		t.Fatal("the sharded channel was not read through its shards")
	}
	if strings.Join(gotS, "\n") != strings.Join(gotF, "\n") {
		t.Errorf("answers differ:\nsharded %v\nfull    %v", gotS, gotF)
	}
	if len(gotS) < 3 {
		t.Errorf("solution %v", gotS)
	}
	t.Logf("sharded %d bytes, full %d bytes", sentS, sentF)
	if sentS >= sentF {
		t.Errorf("sharded transferred %d bytes, full %d", sentS, sentF)
	}
}
