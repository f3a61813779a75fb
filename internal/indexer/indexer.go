// Package indexer writes repodata for a local channel directory, as
// conda-index does: for each subdir (linux-64/, noarch/, ...) it reads
// info/index.json from every .conda and .tar.bz2 file and writes
// repodata.json and repodata.json.zst. `envseal index DIR` and the fixture
// channel generator call [Index]; it sits beside internal/archive, which it
// uses to read the archives.
//
// It owns writing repodata (full and sharded) for a directory. It imports
// internal/archive and internal/atomicfile only and must not import conda,
// channel or ops.
package indexer

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"github.com/envseal/envseal/internal/atomicfile"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/envseal/envseal/internal/archive"
	"github.com/klauspost/compress/zstd"
)

// isKnownSubdir reports whether name is a conda subdir, indexed even when
// empty. Other subdirectories are indexed when they hold a package file.
func isKnownSubdir(name string) bool {
	switch name {
	case "noarch", "linux-64", "linux-aarch64", "linux-ppc64le", "linux-s390x",
		"linux-32", "linux-armv6l", "linux-armv7l", "osx-64", "osx-arm64",
		"win-64", "win-32", "win-arm64", "emscripten-wasm32", "wasi-wasm32",
		"freebsd-64", "zos-z":
		return true
	}
	return false
}

// Index writes <subdir>/repodata.json and <subdir>/repodata.json.zst for
// every subdir of the channel directory dir, and an empty
// noarch/repodata.json when noarch/ is absent. Records hold the fields of
// each archive's info/index.json (without arch and platform) plus md5,
// sha256 and size computed from the file; keys are sorted and the output is
// byte-stable. Files are replaced atomically (temp file, fsync, rename). A
// broken archive fails the whole call with an error naming the file.
func Index(ctx context.Context, dir string) error {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("indexing %s: %w", dir, err)
	}
	sawNoarch := false
	for _, e := range ents {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		sub := filepath.Join(dir, e.Name())
		pkgs, err := packageFiles(sub)
		if err != nil {
			return fmt.Errorf("indexing %s: %w", sub, err)
		}
		if len(pkgs) == 0 && !isKnownSubdir(e.Name()) {
			continue
		}
		if e.Name() == "noarch" {
			sawNoarch = true
		}
		if err := IndexSubdir(ctx, sub); err != nil {
			return err
		}
	}
	if !sawNoarch {
		sub := filepath.Join(dir, "noarch")
		if err := os.MkdirAll(sub, 0o755); err != nil {
			return fmt.Errorf("indexing %s: %w", dir, err)
		}
		if err := IndexSubdir(ctx, sub); err != nil {
			return err
		}
	}
	return nil
}

func packageFiles(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range ents {
		if e.Type().IsRegular() && !strings.HasPrefix(e.Name(), ".") {
			if _, err := archive.FormatOf(e.Name()); err == nil {
				out = append(out, e.Name())
			}
		}
	}
	sort.Strings(out)
	return out, nil
}

// Repodata is the document written to repodata.json.
type Repodata struct {
	Info struct {
		Subdir string `json:"subdir"`
	} `json:"info"`
	Packages        map[string]map[string]any `json:"packages"`
	PackagesConda   map[string]map[string]any `json:"packages.conda"`
	Removed         []string                  `json:"removed"`
	RepodataVersion int                       `json:"repodata_version"`
}

// IndexSubdir indexes one subdir directory (its base name is the subdir).
func IndexSubdir(ctx context.Context, sub string) error {
	rd, err := BuildRepodata(ctx, sub)
	if err != nil {
		return err
	}
	data, err := MarshalRepodata(rd)
	if err != nil {
		return fmt.Errorf("indexing %s: %w", sub, err)
	}
	if err := writeAtomic(filepath.Join(sub, "repodata.json"), data); err != nil {
		return fmt.Errorf("indexing %s: %w", sub, err)
	}
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderConcurrency(1), zstd.WithEncoderLevel(zstd.SpeedBetterCompression))
	if err != nil {
		return fmt.Errorf("indexing %s: %w", sub, err)
	}
	zst := enc.EncodeAll(data, nil)
	enc.Close()
	if err := writeAtomic(filepath.Join(sub, "repodata.json.zst"), zst); err != nil {
		return fmt.Errorf("indexing %s: %w", sub, err)
	}
	return nil
}

// MarshalRepodata encodes rd as conda-index does: two-space indentation,
// sorted keys, a trailing newline.
func MarshalRepodata(rd *Repodata) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(rd); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// BuildRepodata reads every package of the subdir directory sub and returns
// its repodata without writing anything.
func BuildRepodata(ctx context.Context, sub string) (*Repodata, error) {
	subdir := filepath.Base(sub)
	names, err := packageFiles(sub)
	if err != nil {
		return nil, fmt.Errorf("indexing %s: %w", sub, err)
	}
	records := make([]map[string]any, len(names))
	errs := make([]error, len(names))
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for i, name := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			if err := ctx.Err(); err != nil {
				errs[i] = err
				return
			}
			records[i], errs[i] = record(ctx, filepath.Join(sub, name), subdir)
		}()
	}
	wg.Wait()
	rd := &Repodata{
		Packages:        map[string]map[string]any{},
		PackagesConda:   map[string]map[string]any{},
		Removed:         []string{},
		RepodataVersion: 1,
	}
	rd.Info.Subdir = subdir
	for i, name := range names {
		if errs[i] != nil {
			return nil, fmt.Errorf("indexing %s: %w", sub, errs[i])
		}
		if strings.HasSuffix(name, ".conda") {
			rd.PackagesConda[name] = records[i]
		} else {
			rd.Packages[name] = records[i]
		}
	}
	return rd, nil
}

// record builds the repodata record of one archive. Values are decoded
// (numbers kept exact) and re-encoded, so escapes such as \u003c in an
// index.json come out as plain characters.
func record(ctx context.Context, path, subdir string) (map[string]any, error) {
	raw, err := archive.ReadIndexJSON(ctx, path)
	if err != nil {
		return nil, err
	}
	var rec map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&rec); err != nil {
		return nil, fmt.Errorf("%s: parsing info/index.json: %w", path, err)
	}
	if rec == nil {
		return nil, fmt.Errorf("%s: info/index.json is not an object", path)
	}
	for _, k := range []string{"name", "version", "build"} {
		if s, _ := rec[k].(string); s == "" {
			return nil, fmt.Errorf("%s: info/index.json has no %q string", path, k)
		}
	}
	if v, ok := rec["subdir"]; ok {
		if s, _ := v.(string); s != subdir {
			return nil, fmt.Errorf("%s: info/index.json says subdir %v, but the file is in %s", path, v, subdir)
		}
	} else {
		rec["subdir"] = subdir
	}
	if _, ok := rec["depends"]; !ok {
		rec["depends"] = []string{}
	}
	// Repodata records do not carry arch and platform (conda-index drops
	// them; compare the corpus repodata of conda_format_repo).
	delete(rec, "arch")
	delete(rec, "platform")
	md5sum, sha, size, err := hashFile(path)
	if err != nil {
		return nil, err
	}
	rec["md5"] = md5sum
	rec["sha256"] = sha
	rec["size"] = size
	return rec, nil
}

func hashFile(path string) (md5sum, sha string, size int64, err error) {
	f, err := os.Open(path)
	if err != nil {
		return "", "", 0, err
	}
	defer f.Close()
	m, s := md5.New(), sha256.New()
	size, err = io.Copy(io.MultiWriter(m, s), f)
	if err != nil {
		return "", "", 0, fmt.Errorf("hashing %s: %w", path, err)
	}
	return hex.EncodeToString(m.Sum(nil)), hex.EncodeToString(s.Sum(nil)), size, nil
}

// writeAtomic replaces path with data: a temp file in the same directory,
// fsync, rename, then fsync of the directory.
func writeAtomic(path string, data []byte) error {
	return atomicfile.WriteFile(path, data, 0o644)
}
