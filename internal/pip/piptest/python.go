package piptest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"

	"github.com/envseal/envseal/internal/archive"
	"github.com/envseal/envseal/internal/fixture"
	"github.com/gofrs/flock"
)

// FixtureChannel returns the fixture channel (internal/fixture), built on
// first use into the user's cache directory (<cache>/envseal-test/
// fixture-channel, shared by test processes under a file lock; later calls
// find it current and return at once). It skips tb when the channel cannot
// be built here: no CPython for this platform or no Go module proxy.
func FixtureChannel(tb testing.TB) string {
	tb.Helper()
	if _, err := fixture.Subdir(runtime.GOOS, runtime.GOARCH); err != nil {
		tb.Skipf("no fixture python: %v", err)
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	base := filepath.Join(cache, "envseal-test")
	if err := os.MkdirAll(base, 0o755); err != nil {
		tb.Fatal(err)
	}
	dir := filepath.Join(base, "fixture-channel")
	lock := flock.New(dir + ".lock")
	ctx := context.Background()
	if err := lock.Lock(); err != nil {
		tb.Fatal(err)
	}
	defer lock.Unlock()
	err = fixture.Build(ctx, dir, fixture.Options{})
	var dl *fixture.DownloadError
	if errors.As(err, &dl) {
		tb.Skipf("cannot build the fixture channel (no Go module proxy?): %v", err)
	}
	if err != nil {
		tb.Fatalf("building the fixture channel: %v", err)
	}
	return dir
}

// PythonPrefix builds a minimal conda prefix in a new temporary directory
// with CPython 3.10.16 and pip 24.3.1 from the fixture channel at
// channelDir, laid out as conda would: python's files with the text prefix
// placeholder replaced, pip's site-packages/ under
// lib/python3.10/site-packages/ (noarch: python) with INSTALLER "conda",
// bin/pip, and conda-meta/<dist>.json records listing each package's
// files. It returns the prefix path.
func PythonPrefix(tb testing.TB, channelDir string) string {
	tb.Helper()
	prefix := filepath.Join(tb.TempDir(), "prefix")
	if err := pythonPrefix(context.Background(), channelDir, prefix, tb.TempDir()); err != nil {
		tb.Fatal(err)
	}
	return prefix
}

// pythonPrefix does the work of [PythonPrefix]; scratch is an empty
// directory for pip's extraction.
func pythonPrefix(ctx context.Context, channelDir, prefix, scratch string) error {
	subdir, err := fixture.Subdir(runtime.GOOS, runtime.GOARCH)
	if err != nil {
		return err
	}
	pyPkg, err := onlyMatch(filepath.Join(channelDir, subdir, "python-3.10.*.conda"))
	if err != nil {
		return err
	}
	pipPkg, err := onlyMatch(filepath.Join(channelDir, "noarch", "pip-*.conda"))
	if err != nil {
		return err
	}

	// python: extract in place, then apply placeholders and move info/ out.
	if err := archive.Extract(ctx, pyPkg, prefix, nil); err != nil {
		return err
	}
	paths, err := readPaths(filepath.Join(prefix, "info"))
	if err != nil {
		return err
	}
	var pyFiles []string
	for _, p := range paths {
		pyFiles = append(pyFiles, p.Path)
		if p.Placeholder == "" || p.FileMode == "binary" {
			continue
		}
		fp := filepath.Join(prefix, filepath.FromSlash(p.Path))
		data, err := os.ReadFile(fp)
		if err != nil {
			return err
		}
		st, err := os.Stat(fp)
		if err != nil {
			return err
		}
		data = bytes.ReplaceAll(data, []byte(p.Placeholder), []byte(prefix))
		if err := os.Chmod(fp, 0o644); err != nil {
			return err
		}
		if err := os.WriteFile(fp, data, 0o644); err != nil {
			return err
		}
		if err := os.Chmod(fp, st.Mode().Perm()); err != nil {
			return err
		}
	}
	if err := writeCondaMeta(prefix, filepath.Join(prefix, "info"), pyPkg, pyFiles); err != nil {
		return err
	}
	if err := os.RemoveAll(filepath.Join(prefix, "info")); err != nil {
		return err
	}

	// pip: noarch python, site-packages/ -> lib/python3.10/site-packages/.
	pipDir := filepath.Join(scratch, "pip")
	if err := archive.Extract(ctx, pipPkg, pipDir, nil); err != nil {
		return err
	}
	pipPaths, err := readPaths(filepath.Join(pipDir, "info"))
	if err != nil {
		return err
	}
	sp := "lib/python3.10/site-packages/"
	var pipFiles []string
	for _, p := range pipPaths {
		rel, ok := strings.CutPrefix(p.Path, "site-packages/")
		if !ok {
			continue
		}
		dst := filepath.Join(prefix, filepath.FromSlash(sp+rel))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		if err := os.Rename(filepath.Join(pipDir, filepath.FromSlash(p.Path)), dst); err != nil {
			return err
		}
		pipFiles = append(pipFiles, sp+rel)
	}
	script := fmt.Sprintf("#!%s/bin/python3.10\n# -*- coding: utf-8 -*-\nimport re\nimport sys\nfrom pip._internal.cli.main import main\nif __name__ == '__main__':\n    sys.argv[0] = re.sub(r'(-script\\.pyw|\\.exe)?$', '', sys.argv[0])\n    sys.exit(main())\n", prefix)
	if err := os.WriteFile(filepath.Join(prefix, "bin", "pip"), []byte(script), 0o755); err != nil {
		return err
	}
	pipFiles = append(pipFiles, "bin/pip")
	return writeCondaMeta(prefix, filepath.Join(pipDir, "info"), pipPkg, pipFiles)
}

// onlyMatch returns the single file matching pattern.
func onlyMatch(pattern string) (string, error) {
	m, err := filepath.Glob(pattern)
	if err != nil {
		return "", err
	}
	if len(m) != 1 {
		return "", fmt.Errorf("piptest: %d files match %s, want 1", len(m), pattern)
	}
	return m[0], nil
}

type pathEntry struct {
	Path        string `json:"_path"`
	Placeholder string `json:"prefix_placeholder"`
	FileMode    string `json:"file_mode"`
}

func readPaths(info string) ([]pathEntry, error) {
	b, err := os.ReadFile(filepath.Join(info, "paths.json"))
	if err != nil {
		return nil, err
	}
	var doc struct {
		Paths []pathEntry `json:"paths"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("piptest: %s/paths.json: %w", info, err)
	}
	return doc.Paths, nil
}

// writeCondaMeta writes conda-meta/<dist>.json: index.json plus files,
// url and requested_spec, as conda records a linked package.
func writeCondaMeta(prefix, info, pkgPath string, files []string) error {
	b, err := os.ReadFile(filepath.Join(info, "index.json"))
	if err != nil {
		return err
	}
	var rec map[string]any
	if err := json.Unmarshal(b, &rec); err != nil {
		return fmt.Errorf("piptest: %s index.json: %w", pkgPath, err)
	}
	sort.Strings(files)
	dist, _ := archive.TrimExt(filepath.Base(pkgPath))
	rec["files"] = files
	rec["fn"] = filepath.Base(pkgPath)
	rec["url"] = "file://" + filepath.ToSlash(pkgPath)
	rec["requested_spec"] = rec["name"]
	out, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return err
	}
	dir := filepath.Join(prefix, "conda-meta")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, dist+".json"), out, 0o644)
}
