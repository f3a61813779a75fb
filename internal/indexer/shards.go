package indexer

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/klauspost/compress/zstd"
	"github.com/vmihailenco/msgpack/v5"
)

// This file writes the CEP-16 sharded form of a subdir's repodata, in the
// layout rattler-index writes: <subdir>/repodata_shards.msgpack.zst (the
// index: info with base_url "./" and shards_base_url "./shards/", and the
// sha256 of each package name's shard as 32 raw bytes) and
// <subdir>/shards/<sha256>.msgpack.zst (one per name: "packages",
// "packages.conda" and "removed", md5 and sha256 as raw bytes). Map keys
// are written sorted, so the same repodata gives the same bytes.

// ShardIndexFile is the name of a subdir's shard index.
const ShardIndexFile = "repodata_shards.msgpack.zst"

// ShardsDir is the directory, inside the subdir, that holds the shards.
const ShardsDir = "shards"

// ShardInfo describes a written sharded subdir.
type ShardInfo struct {
	Names int   // package names (shards referenced by the index)
	Bytes int64 // compressed bytes of the index and every shard
}

// ShardOptions tune [WriteShards].
type ShardOptions struct {
	// CreatedAt goes into the index's info.created_at; the zero value
	// leaves it out (byte-stable output).
	CreatedAt time.Time
	// Level is the zstd level; 0 means zstd.SpeedBetterCompression.
	Level zstd.EncoderLevel
}

// ShardSource yields a subdir's records grouped by package name: for each
// name, in sorted order, call yield with the records of "packages" and
// "packages.conda" (file name → raw JSON of the record).
type ShardSource func(yield func(name string, packages, packagesConda map[string]json.RawMessage) error) error

// WriteShards writes the sharded form of a subdir into sub (see the file
// comment). Shards already present are kept (their name is their content);
// the index is replaced atomically, after every shard it lists exists.
func WriteShards(ctx context.Context, sub, subdir string, src ShardSource, opts ShardOptions) (ShardInfo, error) {
	var info ShardInfo
	level := opts.Level
	if level == 0 {
		level = zstd.SpeedBetterCompression
	}
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderConcurrency(1), zstd.WithEncoderLevel(level))
	if err != nil {
		return info, err
	}
	defer enc.Close()
	dir := filepath.Join(sub, ShardsDir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return info, fmt.Errorf("writing shards of %s: %w", sub, err)
	}
	hashes := map[string][]byte{}
	err = src(func(name string, pkgs, pkgsConda map[string]json.RawMessage) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		raw, err := encodeShard(pkgs, pkgsConda)
		if err != nil {
			return fmt.Errorf("shard of package %q: %w", name, err)
		}
		z := enc.EncodeAll(raw, nil)
		sum := sha256.Sum256(z)
		hashes[name] = sum[:]
		info.Bytes += int64(len(z))
		path := filepath.Join(dir, hex.EncodeToString(sum[:])+".msgpack.zst")
		if old, err := os.ReadFile(path); err == nil && sha256.Sum256(old) == sum {
			return nil
		}
		if err := writeShard(path, z); err != nil {
			return fmt.Errorf("shard of package %q: %w", name, err)
		}
		return nil
	})
	if err != nil {
		return info, fmt.Errorf("writing shards of %s: %w", sub, err)
	}
	idx, err := encodeShardIndex(subdir, hashes, opts.CreatedAt)
	if err != nil {
		return info, fmt.Errorf("writing shards of %s: %w", sub, err)
	}
	z := enc.EncodeAll(idx, nil)
	info.Bytes += int64(len(z))
	info.Names = len(hashes)
	if err := writeAtomic(filepath.Join(sub, ShardIndexFile), z); err != nil {
		return info, fmt.Errorf("writing shards of %s: %w", sub, err)
	}
	return info, nil
}

// writeShard writes one shard file (temp file, rename) without an fsync:
// a channel has tens of thousands of them. A shard lost or torn by a crash
// fails its hash check, naming the package, and is rewritten by the next
// run (existing shards are kept only when their content hashes to their
// name).
func writeShard(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".shard-*")
	if err != nil {
		return err
	}
	_, werr := f.Write(data)
	cerr := f.Close()
	if werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Chmod(f.Name(), 0o644)
	}
	if werr == nil {
		werr = os.Rename(f.Name(), path)
	}
	if werr != nil {
		os.Remove(f.Name())
	}
	return werr
}

// RepodataShards is the [ShardSource] of a repodata document built by
// [BuildRepodata].
func RepodataShards(rd *Repodata) ShardSource {
	return func(yield func(string, map[string]json.RawMessage, map[string]json.RawMessage) error) error {
		type group struct{ pkgs, conda map[string]json.RawMessage }
		groups := map[string]*group{}
		add := func(recs map[string]map[string]any, isConda bool) error {
			for fn, rec := range recs {
				name, _ := rec["name"].(string)
				if name == "" {
					return fmt.Errorf("record %q has no name", fn)
				}
				raw, err := json.Marshal(rec)
				if err != nil {
					return fmt.Errorf("record %q: %w", fn, err)
				}
				g := groups[name]
				if g == nil {
					g = &group{pkgs: map[string]json.RawMessage{}, conda: map[string]json.RawMessage{}}
					groups[name] = g
				}
				if isConda {
					g.conda[fn] = raw
				} else {
					g.pkgs[fn] = raw
				}
			}
			return nil
		}
		if err := add(rd.Packages, false); err != nil {
			return err
		}
		if err := add(rd.PackagesConda, true); err != nil {
			return err
		}
		names := make([]string, 0, len(groups))
		for n := range groups {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			if err := yield(n, groups[n].pkgs, groups[n].conda); err != nil {
				return err
			}
		}
		return nil
	}
}

// encodeShard encodes one shard: records decoded from JSON (numbers kept
// as integers where they are), md5 and sha256 as raw bytes, keys sorted.
func encodeShard(pkgs, pkgsConda map[string]json.RawMessage) ([]byte, error) {
	conv := func(m map[string]json.RawMessage) (map[string]any, error) {
		out := make(map[string]any, len(m))
		for fn, raw := range m {
			var rec map[string]any
			d := json.NewDecoder(bytes.NewReader(raw))
			d.UseNumber()
			if err := d.Decode(&rec); err != nil {
				return nil, fmt.Errorf("record %q: %w", fn, err)
			}
			for _, k := range []string{"md5", "sha256"} {
				if s, ok := rec[k].(string); ok {
					if b, err := hex.DecodeString(s); err == nil {
						rec[k] = b
					}
				}
			}
			out[fn] = numbers(rec)
		}
		return out, nil
	}
	p, err := conv(pkgs)
	if err != nil {
		return nil, err
	}
	c, err := conv(pkgsConda)
	if err != nil {
		return nil, err
	}
	doc := map[string]any{"packages": p, "packages.conda": c, "removed": []string{}}
	return marshalSorted(doc)
}

// numbers replaces json.Number values by int64 (or float64) recursively.
func numbers(v any) any {
	switch v := v.(type) {
	case json.Number:
		if i, err := v.Int64(); err == nil {
			return i
		}
		if f, err := v.Float64(); err == nil {
			return f
		}
		return v.String()
	case map[string]any:
		for k, x := range v {
			v[k] = numbers(x)
		}
		return v
	case []any:
		for k, x := range v {
			v[k] = numbers(x)
		}
		return v
	default:
		return v
	}
}

func encodeShardIndex(subdir string, hashes map[string][]byte, created time.Time) ([]byte, error) {
	info := map[string]any{"base_url": "./", "shards_base_url": "./" + ShardsDir + "/", "subdir": subdir}
	if !created.IsZero() {
		info["created_at"] = created.UTC().Format(time.RFC3339)
	}
	return marshalSorted(map[string]any{"version": 1, "info": info, "shards": hashes})
}

func marshalSorted(v any) ([]byte, error) {
	var buf bytes.Buffer
	e := msgpack.NewEncoder(&buf)
	e.SetSortMapKeys(true)
	e.UseCompactInts(true)
	if err := e.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// IndexShards is [Index] that also writes the sharded form of every subdir.
func IndexShards(ctx context.Context, dir string) error {
	if err := Index(ctx, dir); err != nil {
		return err
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("indexing %s: %w", dir, err)
	}
	for _, e := range ents {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		sub := filepath.Join(dir, e.Name())
		raw, err := os.ReadFile(filepath.Join(sub, "repodata.json"))
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			return fmt.Errorf("indexing %s: %w", sub, err)
		}
		var rd Repodata
		d := json.NewDecoder(bytes.NewReader(raw))
		d.UseNumber()
		if err := d.Decode(&rd); err != nil {
			return fmt.Errorf("indexing %s: reading repodata.json: %w", sub, err)
		}
		if _, err := WriteShards(ctx, sub, e.Name(), RepodataShards(&rd), ShardOptions{}); err != nil {
			return err
		}
	}
	return nil
}
