package prefix

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/envseal/envseal/conda"
	"github.com/envseal/envseal/internal/archive"
	"github.com/envseal/envseal/internal/testkit"
)

// corpusDir is the shared corpus of real conda data.
var corpusDir = testkit.CorpusRoot()

// corpusFile returns a corpus path or skips the test when it is absent.
func corpusFile(t testing.TB, rel string) string { return testkit.Corpus(t, rel) }

// extractCorpus extracts a corpus package archive into pkgs/<dist> and
// returns the directory.
func extractCorpus(t testing.TB, pkgs, rel string) string {
	t.Helper()
	src := corpusFile(t, rel)
	dist, ok := archive.TrimExt(filepath.Base(src))
	if !ok {
		t.Fatalf("%s: not a package file name", rel)
	}
	dst := filepath.Join(pkgs, dist)
	opts := &archive.ExtractOptions{AllowCaseCollisions: true}
	if err := archive.Extract(context.Background(), src, dst, opts); err != nil {
		t.Fatalf("extracting %s: %v", rel, err)
	}
	return dst
}

// testFile is one file of a package built by buildPackage.
type testFile struct {
	path        string
	data        string
	mode        fs.FileMode // 0 means 0644
	link        string      // symlink target (path_type softlink)
	placeholder string
	fileMode    FileMode
	noLink      bool
}

// testPkg describes a package for buildPackage.
type testPkg struct {
	name, version, build string
	noarch               string
	entryPoints          []string
	files                []testFile
	legacy               bool // write info/files + has_prefix instead of paths.json
}

// buildPackage writes an extracted package directory under pkgs.
func buildPackage(t testing.TB, pkgs string, p testPkg) Package {
	t.Helper()
	if p.build == "" {
		p.build = "0"
	}
	dir := filepath.Join(pkgs, p.name+"-"+p.version+"-"+p.build)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(dir, "info"), 0o755))
	var entries []PathEntry
	var files, hasPrefix, noLink []string
	for _, f := range p.files {
		full := filepath.Join(dir, filepath.FromSlash(f.path))
		must(os.MkdirAll(filepath.Dir(full), 0o755))
		e := PathEntry{Path: f.path, PathType: PathHardlink, PrefixPlaceholder: f.placeholder, FileMode: f.fileMode, NoLink: f.noLink}
		if f.link != "" {
			must(os.Symlink(f.link, full))
			e.PathType = PathSoftlink
		} else {
			mode := f.mode
			if mode == 0 {
				mode = 0o644
			}
			must(os.WriteFile(full, []byte(f.data), mode))
			must(os.Chmod(full, mode))
			sum := sha256.Sum256([]byte(f.data))
			e.SHA256 = hex.EncodeToString(sum[:])
			e.Size = int64(len(f.data))
		}
		if f.placeholder != "" && e.FileMode == "" {
			e.FileMode = FileModeText
		}
		entries = append(entries, e)
		files = append(files, f.path)
		if f.placeholder != "" {
			hasPrefix = append(hasPrefix, f.placeholder+" "+string(e.FileMode)+" "+f.path)
		}
		if f.noLink {
			noLink = append(noLink, f.path)
		}
	}
	if p.legacy {
		must(os.WriteFile(filepath.Join(dir, "info", "files"), []byte(strings.Join(files, "\n")+"\n"), 0o644))
		if len(hasPrefix) > 0 {
			must(os.WriteFile(filepath.Join(dir, "info", "has_prefix"), []byte(strings.Join(hasPrefix, "\n")+"\n"), 0o644))
		}
		if len(noLink) > 0 {
			must(os.WriteFile(filepath.Join(dir, "info", "no_link"), []byte(strings.Join(noLink, "\n")+"\n"), 0o644))
		}
	} else {
		data, err := json.MarshalIndent(pathsJSON{Paths: entries, PathsVersion: 1}, "", "  ")
		must(err)
		must(os.WriteFile(filepath.Join(dir, "info", "paths.json"), data, 0o644))
	}
	idx := map[string]any{"name": p.name, "version": p.version, "build": p.build, "build_number": 0,
		"depends": []string{}, "subdir": "linux-64"}
	if p.noarch != "" {
		idx["noarch"] = p.noarch
		idx["subdir"] = "noarch"
	}
	data, err := json.Marshal(idx)
	must(err)
	must(os.WriteFile(filepath.Join(dir, "info", "index.json"), data, 0o644))
	if len(p.entryPoints) > 0 || p.noarch == "python" {
		lj := map[string]any{"noarch": map[string]any{"type": p.noarch, "entry_points": p.entryPoints}, "package_metadata_version": 1}
		data, err := json.Marshal(lj)
		must(err)
		must(os.WriteFile(filepath.Join(dir, "info", "link.json"), data, 0o644))
	}
	rec := new(conda.Record)
	must(rec.UnmarshalJSON(data2(t, idx)))
	rec.Channel = "https://conda.anaconda.org/test-channel"
	rec.URL = "https://conda.anaconda.org/test-channel/" + rec.Subdir + "/" + rec.DistName() + ".conda"
	rec.Fn = rec.DistName() + ".conda"
	return Package{Record: rec, Dir: dir}
}

func data2(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// snapshot and diffSnapshots are testkit's directory snapshots (lock
// files beside the directory are not inside it).
var (
	snapshot      = testkit.Snapshot
	diffSnapshots = testkit.DiffSnapshots
)

func sha256OfFile(t testing.TB, name string) string {
	t.Helper()
	s, err := sha256File(name)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
