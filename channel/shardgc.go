package channel

import (
	"context"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// PruneShards removes cached shards that no cached shard index lists and
// that were last written more than minAge ago, and returns how many files
// it removed and their size. It is the client-side garbage collection
// CEP-16 describes: shards are never revalidated, so without it the cache
// only grows as channels change. Every shard index in the cache counts,
// whichever channel it belongs to; minAge protects a shard another process
// has just fetched for an index it has not cached yet. Nothing happens
// without a CacheDir.
func (l *Loader) PruneShards(ctx context.Context, minAge time.Duration) (files int, bytes int64, err error) {
	if l.CacheDir == "" {
		return 0, 0, nil
	}
	keep := map[string]bool{}
	idx, err := filepath.Glob(filepath.Join(l.CacheDir, "*"+shardKeySuffix+".msgpack.zst"))
	if err != nil {
		return 0, 0, err
	}
	for _, p := range idx {
		raw, err := os.ReadFile(p)
		if err != nil {
			return 0, 0, fmt.Errorf("pruning shards: %w", err)
		}
		si, err := readShardIndexBytes(raw)
		if err != nil {
			// An unreadable index protects nothing; it is dropped on
			// its next load anyway.
			continue
		}
		for _, h := range si.hashes {
			keep[hex.EncodeToString(h[:])] = true
		}
	}
	dir := filepath.Join(l.CacheDir, "shards-v1")
	ents, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return 0, 0, nil
	}
	if err != nil {
		return 0, 0, fmt.Errorf("pruning shards: %w", err)
	}
	cutoff := l.now().Add(-minAge)
	for _, e := range ents {
		if err := ctx.Err(); err != nil {
			return files, bytes, err
		}
		name := e.Name()
		hash, ok := strings.CutSuffix(name, ".msgpack.zst")
		if ok && keep[hash] {
			continue
		}
		fi, err := e.Info()
		if err != nil || fi.IsDir() || fi.ModTime().After(cutoff) {
			continue
		}
		if err := os.Remove(filepath.Join(dir, name)); err == nil {
			files++
			bytes += fi.Size()
		}
	}
	return files, bytes, nil
}
