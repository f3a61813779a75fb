package indexer

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"

	"github.com/klauspost/compress/zstd"
	"github.com/vmihailenco/msgpack/v5"
)

func unzstdFile(t *testing.T, path string) []byte {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec, err := zstd.NewReader(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	data, err := dec.DecodeAll(raw, nil)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return data
}

// TestIndexShards indexes conda's real zlib packages with shards and reads
// the result back as CEP-16 describes it: the index lists one shard per
// name by the sha256 of its compressed bytes, and the shard holds the
// records of repodata.json with md5 and sha256 as raw bytes.
func TestIndexShards(t *testing.T) {
	repo := filepath.Join(corpusDir(t), "conda", "tests", "data", "conda_format_repo")
	ch := t.TempDir()
	for _, ext := range []string{".conda", ".tar.bz2"} {
		copyFile(t, filepath.Join(repo, "linux-64/zlib-1.2.11-h7b6447c_3"+ext), filepath.Join(ch, "linux-64/zlib-1.2.11-h7b6447c_3"+ext))
	}
	ctx := context.Background()
	if err := IndexShards(ctx, ch); err != nil {
		t.Fatal(err)
	}
	first, err := os.ReadFile(filepath.Join(ch, "linux-64", ShardIndexFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := IndexShards(ctx, ch); err != nil {
		t.Fatal(err)
	}
	if again, _ := os.ReadFile(filepath.Join(ch, "linux-64", ShardIndexFile)); !bytes.Equal(first, again) {
		t.Error("shard index not byte-stable")
	}

	var idx struct {
		Version int               `msgpack:"version"`
		Info    map[string]string `msgpack:"info"`
		Shards  map[string][]byte `msgpack:"shards"`
	}
	if err := msgpack.Unmarshal(unzstdFile(t, filepath.Join(ch, "linux-64", ShardIndexFile)), &idx); err != nil {
		t.Fatal(err)
	}
	if idx.Version != 1 || idx.Info["subdir"] != "linux-64" || idx.Info["base_url"] != "./" || idx.Info["shards_base_url"] != "./shards/" {
		t.Errorf("index header %d %v", idx.Version, idx.Info)
	}
	h := idx.Shards["zlib"]
	if len(idx.Shards) != 1 || len(h) != 32 {
		t.Fatalf("shards = %v", idx.Shards)
	}
	path := filepath.Join(ch, "linux-64", "shards", hex.EncodeToString(h)+".msgpack.zst")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if sum := sha256.Sum256(raw); !bytes.Equal(sum[:], h) {
		t.Error("shard file does not hash to its index entry")
	}
	var shard struct {
		Packages      map[string]map[string]any `msgpack:"packages"`
		PackagesConda map[string]map[string]any `msgpack:"packages.conda"`
		Removed       []string                  `msgpack:"removed"`
	}
	if err := msgpack.Unmarshal(unzstdFile(t, path), &shard); err != nil {
		t.Fatal(err)
	}
	want := readRepodata(t, filepath.Join(repo, "linux-64", "repodata.json"))
	for key, got := range map[string]map[string]map[string]any{"packages": shard.Packages, "packages.conda": shard.PackagesConda} {
		if len(got) != 1 {
			t.Errorf("%s: %d records, want 1", key, len(got))
		}
		for fn, rec := range got {
			w := want[key].(map[string]any)[fn].(map[string]any)
			for _, k := range []string{"md5", "sha256"} {
				b, ok := rec[k].([]byte)
				if !ok || hex.EncodeToString(b) != w[k] {
					t.Errorf("%s %s: %s = %#v, want the bytes of %v", key, fn, k, rec[k], w[k])
				}
			}
			if rec["name"] != "zlib" || rec["version"] != w["version"] || rec["build"] != w["build"] {
				t.Errorf("%s %s: %v", key, fn, rec)
			}
		}
	}
	if shard.Removed == nil || len(shard.Removed) != 0 {
		t.Errorf("removed = %#v, want an empty list", shard.Removed)
	}
}
