// Command shardgen adds the other forms of a channel's repodata beside a
// generated repodata.json, for the download benchmarks: repodata.json.zst
// and CEP-16 shards (repodata_shards.msgpack.zst and shards/), written by
// internal/indexer as `envseal index --shards` writes them.
//
//	go run ./bench/shardgen -c CHANNEL_DIR
//
// Every subdir of CHANNEL_DIR holding a repodata.json is converted. The
// document is read as a stream, record by record; records are grouped by
// name in memory (about the document's size).
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"

	"github.com/envseal/envseal/internal/indexer"
	"github.com/klauspost/compress/zstd"
)

func main() {
	dir := flag.String("c", "", "channel directory")
	flag.Parse()
	if *dir == "" {
		fmt.Fprintln(os.Stderr, "shardgen: -c DIR is required")
		os.Exit(2)
	}
	ents, err := os.ReadDir(*dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "shardgen:", err)
		os.Exit(1)
	}
	for _, e := range ents {
		sub := filepath.Join(*dir, e.Name())
		if _, err := os.Stat(filepath.Join(sub, "repodata.json")); err != nil {
			continue
		}
		if err := convert(sub, e.Name()); err != nil {
			fmt.Fprintln(os.Stderr, "shardgen:", err)
			os.Exit(1)
		}
	}
}

func convert(sub, subdir string) error {
	stamp := filepath.Join(sub, ".shardgen-done")
	if _, err := os.Stat(stamp); err == nil {
		return nil
	}
	src := filepath.Join(sub, "repodata.json")
	if err := writeZst(src, src+".zst"); err != nil {
		return err
	}
	groups, err := readGroups(src)
	if err != nil {
		return err
	}
	names := make([]string, 0, len(groups))
	for n := range groups {
		names = append(names, n)
	}
	sort.Strings(names)
	info, err := indexer.WriteShards(context.Background(), sub, subdir, func(yield func(string, map[string]json.RawMessage, map[string]json.RawMessage) error) error {
		for _, n := range names {
			g := groups[n]
			if err := yield(n, g[0], g[1]); err != nil {
				return err
			}
			delete(groups, n)
		}
		return nil
	}, indexer.ShardOptions{})
	if err != nil {
		return err
	}
	fmt.Printf("shardgen: %s: %d shards, %.1f MB compressed\n", sub, info.Names, float64(info.Bytes)/1e6)
	return os.WriteFile(stamp, nil, 0o644)
}

func writeZst(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst + ".tmp")
	if err != nil {
		return err
	}
	enc, err := zstd.NewWriter(out, zstd.WithEncoderLevel(zstd.SpeedDefault))
	if err != nil {
		return err
	}
	if _, err := io.Copy(enc, in); err != nil {
		return err
	}
	if err := enc.Close(); err != nil {
		return err
	}
	if err := out.Close(); err != nil {
		return err
	}
	return os.Rename(dst+".tmp", dst)
}

// readGroups streams a repodata.json and groups its records by name:
// name → [packages, packages.conda].
func readGroups(path string) (map[string][2]map[string]json.RawMessage, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	dec := json.NewDecoder(bufio.NewReaderSize(f, 1<<20))
	groups := map[string][2]map[string]json.RawMessage{}
	if _, err := dec.Token(); err != nil { // {
		return nil, err
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, _ := t.(string)
		section := -1
		switch key {
		case "packages":
			section = 0
		case "packages.conda":
			section = 1
		}
		if section < 0 {
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return nil, err
			}
			continue
		}
		if _, err := dec.Token(); err != nil { // {
			return nil, err
		}
		for dec.More() {
			t, err := dec.Token()
			if err != nil {
				return nil, err
			}
			fn, _ := t.(string)
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				return nil, fmt.Errorf("%s: record %q: %w", path, fn, err)
			}
			var head struct {
				Name string `json:"name"`
			}
			if err := json.Unmarshal(raw, &head); err != nil || head.Name == "" {
				return nil, errors.Join(fmt.Errorf("%s: record %q has no name", path, fn), err)
			}
			g := groups[head.Name]
			if g[0] == nil {
				g = [2]map[string]json.RawMessage{{}, {}}
				groups[head.Name] = g
			}
			g[section][fn] = raw
		}
		if _, err := dec.Token(); err != nil { // }
			return nil, err
		}
	}
	return groups, nil
}
