// Package channelkit builds small conda packages and local channels for
// tests and examples: a .conda archive with info/index.json and
// info/paths.json from a list of files, and a channel directory indexed
// by internal/indexer. It is for tests and examples only (see
// internal/testkit); it imports internal/archive and internal/indexer, so
// their own tests cannot use it.
package channelkit

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"

	"github.com/envseal/envseal/internal/archive"
	"github.com/envseal/envseal/internal/indexer"
)

// File is one file of a Package.
type File struct {
	Path string      // slash-separated, relative to the prefix
	Mode fs.FileMode // 0 means 0644
	Data string
}

// Package describes a package: version "1.0", build "0" and subdir
// "noarch" unless set. Noarch ("generic", "python") is written to
// index.json when set.
type Package struct {
	Name, Version, Build string
	Subdir, Noarch       string
	Depends              []string
	Files                []File
}

func (p Package) withDefaults() Package {
	if p.Version == "" {
		p.Version = "1.0"
	}
	if p.Build == "" {
		p.Build = "0"
	}
	if p.Subdir == "" {
		p.Subdir = "noarch"
	}
	return p
}

// Dist is name-version-build.
func (p Package) Dist() string {
	p = p.withDefaults()
	return p.Name + "-" + p.Version + "-" + p.Build
}

// Conda returns the package as a .conda archive.
func Conda(ctx context.Context, p Package) ([]byte, error) {
	p = p.withDefaults()
	index := map[string]any{"name": p.Name, "version": p.Version, "build": p.Build, "build_number": 0,
		"depends": append([]string{}, p.Depends...), "subdir": p.Subdir}
	if p.Noarch != "" {
		index["noarch"] = p.Noarch
	}
	indexJSON, err := json.Marshal(index)
	if err != nil {
		return nil, err
	}
	files := append([]File(nil), p.Files...)
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	type pathEntry struct {
		Path   string `json:"_path"`
		Type   string `json:"path_type"`
		SHA256 string `json:"sha256"`
		Size   int    `json:"size_in_bytes"`
	}
	paths := []pathEntry{}
	members := []archive.File{{Path: "info/index.json", Mode: 0o644, Data: indexJSON}}
	for _, f := range files {
		sum := sha256.Sum256([]byte(f.Data))
		paths = append(paths, pathEntry{f.Path, "hardlink", hex.EncodeToString(sum[:]), len(f.Data)})
		mode := f.Mode
		if mode == 0 {
			mode = 0o644
		}
		members = append(members, archive.File{Path: f.Path, Mode: mode, Data: []byte(f.Data)})
	}
	pathsJSON, err := json.Marshal(map[string]any{"paths": paths, "paths_version": 1})
	if err != nil {
		return nil, err
	}
	members = append(members, archive.File{Path: "info/paths.json", Mode: 0o644, Data: pathsJSON})
	var buf bytes.Buffer
	if err := archive.Write(ctx, &buf, archive.FormatConda, members, nil); err != nil {
		return nil, fmt.Errorf("building %s.conda: %w", p.Dist(), err)
	}
	return buf.Bytes(), nil
}

// WriteChannel writes pkgs as .conda files into dir/<subdir>/ and indexes
// dir, with an (empty) subdir for each of extraSubdirs, so that a solve
// for that platform finds its repodata.
func WriteChannel(ctx context.Context, dir string, extraSubdirs []string, pkgs ...Package) error {
	for _, sub := range extraSubdirs {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return err
		}
	}
	for _, p := range pkgs {
		p = p.withDefaults()
		data, err := Conda(ctx, p)
		if err != nil {
			return err
		}
		sub := filepath.Join(dir, p.Subdir)
		if err := os.MkdirAll(sub, 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(sub, p.Dist()+".conda"), data, 0o644); err != nil {
			return err
		}
	}
	return indexer.Index(ctx, dir)
}
