// Command pkgs writes a local channel of N small synthetic packages (and a
// bench-all package depending on every one of them) for timing envseal
// create on a 100-package environment. Output is generated, never
// committed.
//
//	go run ./bench/pkgs -o .cache/bench-pkgs [-n 100] [-files 40]
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"

	"github.com/envseal/envseal/internal/archive"
	"github.com/envseal/envseal/internal/indexer"
)

func main() {
	out := flag.String("o", "", "channel directory to write")
	n := flag.Int("n", 100, "number of packages")
	files := flag.Int("files", 40, "files per package")
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "pkgs: -o DIR is required")
		os.Exit(2)
	}
	if err := run(*out, *n, *files); err != nil {
		fmt.Fprintln(os.Stderr, "pkgs:", err)
		os.Exit(1)
	}
}

func run(out string, n, files int) error {
	stamp := filepath.Join(out, fmt.Sprintf(".pkgs-%d-%d", n, files))
	if _, err := os.Stat(stamp); err == nil {
		return nil
	}
	ctx := context.Background()
	sub := filepath.Join(out, "noarch")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		return err
	}
	rng := rand.New(rand.NewSource(1))
	var all []string
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("bench-pkg-%03d", i)
		all = append(all, name)
		var fs []archive.File
		for j := 0; j < files; j++ {
			data := make([]byte, 512+rng.Intn(4096))
			rng.Read(data)
			fs = append(fs, archive.File{Path: fmt.Sprintf("share/%s/data-%02d.bin", name, j), Mode: 0o644, Data: data})
		}
		if err := writePackage(ctx, sub, name, nil, fs); err != nil {
			return err
		}
	}
	if err := writePackage(ctx, sub, "bench-all", all, nil); err != nil {
		return err
	}
	if err := indexer.Index(ctx, out); err != nil {
		return err
	}
	return os.WriteFile(stamp, nil, 0o644)
}

func writePackage(ctx context.Context, dir, name string, depends []string, files []archive.File) error {
	if depends == nil {
		depends = []string{}
	}
	index, _ := json.Marshal(map[string]any{
		"name": name, "version": "1.0", "build": "0", "build_number": 0,
		"depends": depends, "noarch": "generic", "subdir": "noarch", "license": "MIT",
		"timestamp": 1700000000000,
	})
	type pathEntry struct {
		Path   string `json:"_path"`
		Type   string `json:"path_type"`
		SHA256 string `json:"sha256"`
		Size   int    `json:"size_in_bytes"`
	}
	var paths []pathEntry
	var list bytes.Buffer
	for _, f := range files {
		paths = append(paths, pathEntry{Path: f.Path, Type: "hardlink", SHA256: sha256hex(f.Data), Size: len(f.Data)})
		list.WriteString(f.Path + "\n")
	}
	pj, _ := json.Marshal(map[string]any{"paths_version": 1, "paths": paths})
	all := append([]archive.File{
		{Path: "info/index.json", Mode: 0o644, Data: index},
		{Path: "info/paths.json", Mode: 0o644, Data: pj},
		{Path: "info/files", Mode: 0o644, Data: list.Bytes()},
	}, files...)
	f, err := os.Create(filepath.Join(dir, name+"-1.0-0.conda"))
	if err != nil {
		return err
	}
	defer f.Close()
	if err := archive.Write(ctx, f, archive.FormatConda, all, nil); err != nil {
		return err
	}
	return f.Close()
}
