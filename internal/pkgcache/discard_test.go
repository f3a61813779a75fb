package pkgcache

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/envseal/envseal/conda"
)

// TestDiscard damages an extracted file in place (as a write through a
// prefix's hard link does), which Lookup cannot see, and checks that after
// Discard the next Fetch extracts the package anew from its archive
// without downloading it again.
func TestDiscard(t *testing.T) {
	ctx := context.Background()
	srv := newServer(t)
	rec, data := synth(t, "hurt", map[string]string{"share/hurt.txt": "pristine"})
	rec.URL = srv.add("/noarch/"+rec.Fn, data)
	c := testCache(t, srv.Client())
	entries, err := c.Fetch(ctx, []*conda.Record{rec}, nil)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(entries[0].Dir, "share", "hurt.txt")
	if err := os.WriteFile(file, []byte("damaged!"), 0o644); err != nil {
		t.Fatal(err)
	}
	if e, ok, _ := c.Lookup(rec); !ok || e.Dir != entries[0].Dir {
		t.Fatalf("a same-size change is invisible to Lookup: %v %v", e, ok)
	}
	if err := c.Discard(ctx, rec); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := c.Lookup(rec); ok {
		t.Fatal("Lookup still finds the discarded extraction")
	}
	again, err := c.Fetch(ctx, []*conda.Record{rec}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(filepath.Join(again[0].Dir, "share", "hurt.txt")); string(got) != "pristine" {
		t.Errorf("after Discard and Fetch: %q", got)
	}
	if n := len(srv.requests("/noarch/" + rec.Fn)); n != 1 {
		t.Errorf("%d downloads, want 1 (the archive was kept)", n)
	}
	// Discarding what is not cached is not an error.
	if err := c.Discard(ctx, rec); err != nil {
		t.Fatal(err)
	}
	if err := c.Discard(ctx, rec); err != nil {
		t.Fatal(err)
	}
}
