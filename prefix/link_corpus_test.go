package prefix

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/envseal/envseal/conda"
)

// checkLinked verifies every linked path of res against the package's
// paths.json: plain files have the package's sha256, files with a
// placeholder have it replaced by prefix (and no placeholder left).
func checkLinked(t *testing.T, prefix string, pkg Package, rec *InstalledRecord) {
	t.Helper()
	src, err := ReadPaths(pkg.Dir)
	if err != nil {
		t.Fatal(err)
	}
	bySrc := map[string]PathEntry{}
	for _, e := range src {
		bySrc[e.Path] = e
	}
	checked := 0
	for _, e := range rec.PathsData {
		full := filepath.Join(prefix, filepath.FromSlash(e.Path))
		if _, err := os.Lstat(full); err != nil {
			t.Errorf("%s: %v", e.Path, err)
			continue
		}
		switch {
		case e.PathType == PathSoftlink:
			// A symlink, or a link the packager flattened into a file
			// (warned about by Apply).
			continue
		case e.PathType == PathPyc || e.PathType == PathEntryPoint || e.PathType == PathDirectory:
			continue
		}
		got := sha256OfFile(t, full)
		if e.PrefixPlaceholder != "" {
			data, _ := os.ReadFile(full)
			if bytes.Contains(data, []byte(e.PrefixPlaceholder)) {
				t.Errorf("%s: placeholder left in file", e.Path)
			}
			if !bytes.Contains(data, []byte(prefix)) {
				t.Errorf("%s: prefix %s not in file", e.Path, prefix)
			}
			if got != e.SHA256InPrefix {
				t.Errorf("%s: sha256_in_prefix %s, file %s", e.Path, e.SHA256InPrefix, got)
			}
		} else if got != e.SHA256 {
			t.Errorf("%s: sha256 %s, paths.json says %s", e.Path, got, e.SHA256)
		}
		checked++
	}
	if checked == 0 {
		t.Error("no file checked")
	}
	t.Logf("%s: %d files checked against paths.json (%d source entries)", rec.DistName(), checked, len(bySrc))
}

func TestLinkCorpusZlib(t *testing.T) {
	t.Parallel()
	for _, archiveName := range []string{"zlib-1.2.11-h7b6447c_3.conda", "zlib-1.2.11-h7b6447c_3.tar.bz2"} {
		t.Run(archiveName, func(t *testing.T) {
			t.Parallel()
			tmp := t.TempDir()
			dir := extractCorpus(t, filepath.Join(tmp, "pkgs"), "conda/tests/data/conda_format_repo/linux-64/"+archiveName)
			pkg := Package{Dir: dir, Tarball: "/cache/" + archiveName, RequestedSpec: "zlib"}
			prefix := filepath.Join(tmp, "envs", "z")
			res, err := Apply(context.Background(), prefix, &Plan{Link: []Package{pkg}, UpdateSpecs: []string{"zlib"}}, testOpts())
			if err != nil {
				t.Fatal(err)
			}
			rec := res.Linked[0]
			checkLinked(t, prefix, pkg, rec)
			pc, err := os.ReadFile(filepath.Join(prefix, "lib/pkgconfig/zlib.pc"))
			if err != nil || !strings.HasPrefix(string(pc), "prefix="+prefix+"\n") {
				t.Errorf("zlib.pc = %q, %v", pc, err)
			}
			// The archive's symlinks were flattened (tar.bz2) or written
			// with empty targets (.conda): copied, or skipped with a
			// warning, never silently.
			if len(res.Warnings) != 2 || !strings.Contains(res.Warnings[0], "lib/libz.so") {
				t.Errorf("warnings = %q", res.Warnings)
			}
			if strings.HasSuffix(archiveName, ".tar.bz2") {
				if _, err := os.Stat(filepath.Join(prefix, "lib/libz.so")); err != nil {
					t.Error(err)
				}
			}
			if rec.Fn != archiveName || rec.PackageTarballFullPath != "/cache/"+archiveName || rec.RequestedSpec != "zlib" {
				t.Errorf("record = fn %q tarball %q spec %q", rec.Fn, rec.PackageTarballFullPath, rec.RequestedSpec)
			}
		})
	}
}

func TestLinkCorpusXtensorIO(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	dir := extractCorpus(t, filepath.Join(tmp, "pkgs"), "quetz/plugins/quetz_harvester/tests/data/xtensor-io-0.10.3-hb585cf6_0.tar.bz2")
	pkg := Package{Dir: dir}
	prefix := filepath.Join(tmp, "x")
	res, err := Apply(context.Background(), prefix, &Plan{Link: []Package{pkg}}, testOpts())
	if err != nil {
		t.Fatal(err)
	}
	rec := res.Linked[0]
	checkLinked(t, prefix, pkg, rec)
	n := 0
	for _, e := range rec.PathsData {
		if e.PrefixPlaceholder != "" {
			n++
			if len(e.PrefixPlaceholder) != 255 {
				t.Errorf("%s: placeholder of %d bytes, want 255", e.Path, len(e.PrefixPlaceholder))
			}
		}
	}
	if n != 3 {
		t.Errorf("%d placeholder files, want 3", n)
	}
}

// pythonPackage builds a "python" package whose bin/python runs the host's
// python3 (when there is one) so that noarch: python packages can be
// byte-compiled. version is the host's version when python3 exists.
func pythonPackage(t *testing.T, pkgs string) (Package, bool) {
	t.Helper()
	host, err := exec.LookPath("python3")
	version := "3.11.7"
	if err == nil {
		out, err := exec.Command(host, "-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])").Output()
		if err == nil {
			version = strings.TrimSpace(string(out))
		} else {
			host = ""
		}
	}
	script := "#!/bin/sh\nexec " + shQuote(host) + " \"$@\"\n"
	if host == "" {
		script = "#!/bin/sh\nexit 1\n"
	}
	p := buildPackage(t, pkgs, testPkg{name: "python", version: version, build: "h0_cpython", files: []testFile{
		{path: "bin/python", data: script, mode: 0o755},
	}})
	return p, host != ""
}

func TestLinkCorpusNoarchPython(t *testing.T) {
	t.Parallel()
	cases := []struct {
		archive, entryPoint, module string
	}{
		{"rattler/test-data/andes-1.8.3-pyhd8ed1ab_0.conda", "andes", "andes.cli"},
		{"conda/tests/data/legacy_repodata/noarch/moto-1.3.7-py_0.tar.bz2", "moto_server", "moto.server"},
	}
	for _, tc := range cases {
		t.Run(filepath.Base(tc.archive), func(t *testing.T) {
			t.Parallel()
			tmp := t.TempDir()
			pkgs := filepath.Join(tmp, "pkgs")
			dir := extractCorpus(t, pkgs, tc.archive)
			py, havePython := pythonPackage(t, pkgs)
			pkg := Package{Dir: dir}
			prefix := filepath.Join(tmp, "envs", "py")
			res, err := Apply(context.Background(), prefix, &Plan{Link: []Package{py, pkg}}, testOpts())
			if err != nil {
				t.Fatal(err)
			}
			info, _ := newPythonInfo(py.Record, prefix)
			rec := res.Linked[1]
			checkLinked(t, prefix, pkg, rec)
			var sitePkgs, pycs, eps int
			for _, e := range rec.PathsData {
				switch {
				case e.PathType == PathPyc:
					pycs++
					if !strings.Contains(e.Path, "/__pycache__/") || !strings.HasSuffix(e.Path, ".cpython-"+strings.ReplaceAll(info.version, ".", "")+".pyc") {
						t.Errorf("pyc path %s", e.Path)
					}
				case e.PathType == PathEntryPoint:
					eps++
				case strings.HasPrefix(e.Path, info.sitePackages+"/"):
					sitePkgs++
				case strings.HasPrefix(e.Path, "site-packages/"):
					t.Errorf("%s not moved to %s", e.Path, info.sitePackages)
				}
			}
			if sitePkgs == 0 {
				t.Error("nothing linked into site-packages")
			}
			if eps != 1 {
				t.Errorf("%d entry points, want 1", eps)
			}
			if havePython && pycs == 0 {
				t.Error("no .pyc compiled although python is available")
			}
			t.Logf("%d site-packages files, %d pyc, python available: %v, warnings %q", sitePkgs, pycs, havePython, res.Warnings)
			script, err := os.ReadFile(filepath.Join(prefix, "bin", tc.entryPoint))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(string(script), "#!"+prefix+"/bin/python\n") || !strings.Contains(string(script), "from "+tc.module+" import main\n") {
				t.Errorf("entry point script:\n%s", script)
			}
			if st, _ := os.Stat(filepath.Join(prefix, "bin", tc.entryPoint)); st.Mode().Perm()&0o111 == 0 {
				t.Error("entry point not executable")
			}
			// Every .pyc listed exists.
			for _, f := range rec.Files {
				if _, err := os.Lstat(filepath.Join(prefix, f)); err != nil {
					t.Errorf("files lists %s: %v", f, err)
				}
			}
		})
	}
}

// TestNoarchInPlace installs python first, then a noarch: python package
// into the existing prefix: the installed python gives the site-packages
// directory and compiles the byte code of the staged files.
func TestNoarchInPlace(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	pkgs := filepath.Join(tmp, "pkgs")
	py, havePython := pythonPackage(t, pkgs)
	tool := buildPackage(t, pkgs, testPkg{name: "tool", version: "1", noarch: "python",
		entryPoints: []string{"tool-cli = tool.cli:main"},
		files: []testFile{
			{path: "site-packages/tool/__init__.py", data: "X = 1\n"},
			{path: "site-packages/tool/cli.py", data: "def main():\n    return 0\n"},
			{path: "site-packages/tool/broken.py", data: "def (:\n"},
			{path: "python-scripts/tool-script", data: "#!/usr/bin/env python\n", mode: 0o755},
		}})
	prefix := filepath.Join(tmp, "envs", "n")
	ctx := context.Background()
	if _, err := Apply(ctx, prefix, &Plan{Link: []Package{py}}, testOpts()); err != nil {
		t.Fatal(err)
	}
	res, err := Apply(ctx, prefix, &Plan{Link: []Package{tool}}, testOpts())
	if err != nil {
		t.Fatal(err)
	}
	info, _ := newPythonInfo(py.Record, prefix)
	sp := info.sitePackages
	for _, p := range []string{sp + "/tool/__init__.py", sp + "/tool/cli.py", "bin/tool-script", "bin/tool-cli"} {
		if _, err := os.Stat(filepath.Join(prefix, p)); err != nil {
			t.Error(err)
		}
	}
	var pycs []string
	for _, e := range res.Linked[0].PathsData {
		if e.PathType == PathPyc {
			pycs = append(pycs, e.Path)
		}
	}
	if havePython {
		want := []string{info.pycPath(sp + "/tool/__init__.py"), info.pycPath(sp + "/tool/cli.py")}
		if strings.Join(pycs, ",") != strings.Join(want, ",") {
			t.Errorf("pyc = %v, want %v (broken.py has none)", pycs, want)
		}
		for _, p := range pycs {
			if _, err := os.Stat(filepath.Join(prefix, p)); err != nil {
				t.Error(err)
			}
		}
		out, err := exec.Command(filepath.Join(prefix, "bin", "tool-cli")).CombinedOutput()
		if err == nil {
			t.Logf("entry point ran: %q", out)
		} else {
			// The host python does not look in our site-packages; the
			// script itself must still be a valid python file.
			if out, err := exec.Command("python3", "-m", "py_compile", filepath.Join(prefix, "bin", "tool-cli")).CombinedOutput(); err != nil {
				t.Errorf("entry point is not valid python: %v %s", err, out)
			}
		}
	}
	if _, err := os.Stat(filepath.Join(prefix, stageDir)); err == nil {
		t.Error("stage left behind")
	}
}

func TestPythonSitePackagesPath(t *testing.T) {
	t.Parallel()
	rec := &conda.Record{Name: "python", PythonSitePackagesPath: "lib/python3.13t/site-packages"}
	var err error
	if rec.Version, err = conda.ParseVersion("3.13.1"); err != nil {
		t.Fatal(err)
	}
	py, err := newPythonInfo(rec, "/env")
	if err != nil {
		t.Fatal(err)
	}
	if got := py.noarchTarget("site-packages/a/b.py"); got != "lib/python3.13t/site-packages/a/b.py" {
		t.Errorf("target = %s", got)
	}
	if got := py.noarchTarget("python-scripts/tool"); got != "bin/tool" {
		t.Errorf("script target = %s", got)
	}
	if got := py.pycPath("lib/python3.13t/site-packages/a/b.py"); got != "lib/python3.13t/site-packages/a/__pycache__/b.cpython-313.pyc" {
		t.Errorf("pyc = %s", got)
	}
	rec.PythonSitePackagesPath = "../escape"
	if _, err := newPythonInfo(rec, "/env"); err == nil {
		t.Error("escaping python_site_packages_path accepted")
	}
}
