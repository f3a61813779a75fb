package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// cli runs envseal in-process with a private root and HOME, so that no test
// reads the user's configuration or writes outside t.TempDir().
type cliEnv struct {
	t     *testing.T
	env   map[string]string
	stdin string // what the next run reads on stdin
}

func newCLI(t *testing.T) *cliEnv {
	t.Helper()
	home := t.TempDir()
	return &cliEnv{t: t, env: map[string]string{
		"HOME":         home,
		"ENVSEAL_ROOT": filepath.Join(home, "root"),
		"PATH":         os.Getenv("PATH"),
	}}
}

func (e *cliEnv) run(args ...string) (stdout, stderr string, code int) {
	e.t.Helper()
	var out, errb bytes.Buffer
	var environ []string
	for k, v := range e.env {
		environ = append(environ, k+"="+v)
	}
	code = run(context.Background(), append([]string{"envseal"}, args...), streams{In: strings.NewReader(e.stdin), Out: &out, Err: &errb}, environ)
	e.stdin = ""
	return out.String(), errb.String(), code
}

// writeChannel writes a local channel with one repodata.json per subdir.
func writeChannel(t *testing.T, subdirs map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for sub, data := range subdirs {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, sub, "repodata.json"), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// A small channel whose orderings are not the file order: versions that
// sort differently as strings, equal versions with different builds, and a
// .conda shadowing a .tar.bz2.
const testLinux64 = `{
  "info": {"subdir": "linux-64"},
  "packages": {
    "foo-1.10-h1_0.tar.bz2": {"name": "foo", "version": "1.10", "build": "h1_0", "build_number": 0, "depends": ["bar >=2"], "subdir": "linux-64", "md5": "aa", "size": 10, "timestamp": 1700000000000},
    "foo-1.9-h1_0.tar.bz2":  {"name": "foo", "version": "1.9",  "build": "h1_0", "build_number": 0, "depends": [], "subdir": "linux-64", "md5": "bb", "size": 11, "timestamp": 1600000000},
    "foo-1.9-h0_1.tar.bz2":  {"name": "foo", "version": "1.9",  "build": "h0_1", "build_number": 1, "depends": [], "subdir": "linux-64", "md5": "cc", "size": 12},
    "foo-1.10rc1-h1_0.tar.bz2": {"name": "foo", "version": "1.10rc1", "build": "h1_0", "build_number": 0, "depends": [], "subdir": "linux-64"},
    "foobar-2.0-0.tar.bz2":  {"name": "foobar", "version": "2.0", "build": "0", "build_number": 0, "depends": [], "subdir": "linux-64"}
  },
  "packages.conda": {
    "foo-1.10-h1_0.conda": {"name": "foo", "version": "1.10", "build": "h1_0", "build_number": 0, "depends": ["bar >=2"], "constrains": ["baz <3"], "subdir": "linux-64", "md5": "dd", "sha256": "ee", "size": 9, "timestamp": 1700000000000}
  },
  "repodata_version": 1
}`

const testNoarch = `{
  "info": {"subdir": "noarch"},
  "packages": {
    "bar-2.0-pyh_0.tar.bz2": {"name": "bar", "version": "2.0", "build": "pyh_0", "build_number": 0, "depends": ["python"], "noarch": "python", "subdir": "noarch"}
  },
  "packages.conda": {}
}`

func testChannel(t *testing.T) string {
	return writeChannel(t, map[string]string{"linux-64": testLinux64, "noarch": testNoarch})
}

func TestSearchOrderAndTable(t *testing.T) {
	e := newCLI(t)
	ch := testChannel(t)
	out, errs, code := e.run("search", "--override-channels", "-c", ch, "--platform", "linux-64", "foo")
	if code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var got []string
	for _, l := range lines[1:] {
		f := strings.Fields(l)
		got = append(got, f[1]+" "+f[2])
	}
	// VersionOrder: 1.9 < 1.10rc1 < 1.10; equal versions by build string.
	want := []string{"1.9 h0_1", "1.9 h1_0", "1.10rc1 h1_0", "1.10 h1_0"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("order:\n got %v\nwant %v", got, want)
	}
	if !strings.HasPrefix(lines[0], "# Name") {
		t.Errorf("header: %q", lines[0])
	}
}

func TestSearchJSONShape(t *testing.T) {
	e := newCLI(t)
	ch := testChannel(t)
	out, errs, code := e.run("search", "--json", "--override-channels", "-c", ch, "--platform", "linux-64", "foo>=1.10")
	if code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, errs)
	}
	var got map[string][]map[string]any
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	recs := got["foo"]
	if len(got) != 1 || len(recs) != 1 {
		t.Fatalf("want one foo record (1.10; 1.10rc1 < 1.10), got %v", got)
	}
	r := recs[0]
	for _, k := range []string{"name", "version", "build", "build_number", "depends", "constrains", "subdir", "channel", "url", "fn", "md5", "sha256", "size", "timestamp"} {
		if _, ok := r[k]; !ok {
			t.Errorf("record lacks %q: %v", k, r)
		}
	}
	if r["fn"] != "foo-1.10-h1_0.conda" {
		t.Errorf("fn = %v: the .conda record must shadow the .tar.bz2", r["fn"])
	}
	if r["md5"] != "dd" || r["sha256"] != "ee" {
		t.Errorf("hashes from the wrong record: %v", r)
	}
	if !strings.HasSuffix(r["channel"].(string), "/linux-64") || !strings.HasPrefix(r["channel"].(string), "file://") {
		t.Errorf("channel = %v, want the subdir URL", r["channel"])
	}
	if r["timestamp"].(float64) != 1700000000000 {
		t.Errorf("timestamp = %v, want milliseconds", r["timestamp"])
	}
}

func TestSearchTimestampSecondsBecomeMilliseconds(t *testing.T) {
	e := newCLI(t)
	ch := testChannel(t)
	out, errs, code := e.run("search", "--json", "--override-channels", "-c", ch, "--platform", "linux-64", "foo==1.9=h1_0")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var got map[string][]map[string]any
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	if len(got["foo"]) != 1 || got["foo"][0]["timestamp"].(float64) != 1600000000000 {
		t.Errorf("got %v", got)
	}
}

func TestSearchNoarchAndGlob(t *testing.T) {
	e := newCLI(t)
	ch := testChannel(t)
	out, errs, code := e.run("search", "--override-channels", "-c", ch, "--platform", "linux-64", "ba*")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(out, "bar") || strings.Contains(out, "foo") {
		t.Errorf("glob search output:\n%s", out)
	}
}

func TestSearchFlexible(t *testing.T) {
	e := newCLI(t)
	ch := testChannel(t)
	out, _, code := e.run("search", "--override-channels", "-c", ch, "--platform", "linux-64", "oba")
	if code != 0 || !strings.Contains(out, "No match found for: oba. Search: *oba*") || !strings.Contains(out, "foobar") {
		t.Errorf("exit %d, output:\n%s", code, out)
	}
	_, errs, code := e.run("search", "--skip-flexible-search", "--override-channels", "-c", ch, "--platform", "linux-64", "oba")
	if code != exitError || !strings.Contains(errs, "oba") {
		t.Errorf("exit %d, stderr:\n%s", code, errs)
	}
}

func TestSearchErrors(t *testing.T) {
	ch := testChannel(t)
	tests := []struct {
		name     string
		args     []string
		code     int
		contains string
	}{
		{"bad spec", []string{"search", "--override-channels", "-c", ch, "foo>>1"}, exitUsage, `"foo>>1"`},
		{"override without -c", []string{"search", "--override-channels", "foo"}, exitUsage, "--override-channels"},
		{"not found", []string{"search", "--skip-flexible-search", "--override-channels", "-c", ch, "--platform", "linux-64", "nosuchpkg"}, exitError, "nosuchpkg"},
		{"missing channel", []string{"search", "--override-channels", "-c", filepath.Join(ch, "nope"), "foo"}, exitError, "nope"},
		{"bad platform", []string{"search", "--override-channels", "-c", ch, "--platform", "beos-64", "foo"}, exitUsage, "beos-64"},
		{"no spec", []string{"search", "--override-channels", "-c", ch}, exitUsage, "SPEC"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newCLI(t)
			_, errs, code := e.run(tc.args...)
			if code != tc.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, tc.code, errs)
			}
			if !strings.Contains(errs, tc.contains) {
				t.Errorf("stderr lacks %q:\n%s", tc.contains, errs)
			}
		})
	}
}

func TestSearchJSONError(t *testing.T) {
	e := newCLI(t)
	ch := testChannel(t)
	out, _, code := e.run("search", "--json", "--skip-flexible-search", "--override-channels", "-c", ch, "--platform", "linux-64", "nosuchpkg")
	if code != exitError {
		t.Fatalf("exit %d", code)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if got["exception_name"] != "PackagesNotFoundError" || got["success"] != false {
		t.Errorf("got %v", got)
	}
}

func TestSearchChannelFromSpec(t *testing.T) {
	e := newCLI(t)
	ch := testChannel(t)
	other := writeChannel(t, map[string]string{"noarch": `{"info":{"subdir":"noarch"},"packages":{"foo-9.0-0.tar.bz2":{"name":"foo","version":"9.0","build":"0","build_number":0,"depends":[],"subdir":"noarch"}}}`})
	// The spec's channel replaces the -c channels.
	out, errs, code := e.run("search", "--override-channels", "-c", other, "--platform", "linux-64", "file://"+ch+"::foo")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if strings.Contains(out, "9.0") || !strings.Contains(out, "1.10") {
		t.Errorf("output:\n%s", out)
	}
}

// corpusDir is ../shared/corpus relative to the repository root, or
// $ENVSEAL_CORPUS, or /work/shared/corpus (for a worktree that is not
// beside it).
func corpusDir(t *testing.T) string {
	t.Helper()
	d := filepath.Join("..", "..", "..", "shared", "corpus")
	if env := os.Getenv("ENVSEAL_CORPUS"); env != "" {
		d = env
	} else if _, err := os.Stat(d); err != nil {
		d = "/work/shared/corpus"
	}
	if _, err := os.Stat(d); err != nil {
		t.Skipf("shared corpus not found at %s (it sits beside the clone in CI): %v", d, err)
	}
	abs, _ := filepath.Abs(d)
	return abs
}

func TestSearchCorpusCondaForge(t *testing.T) {
	ch := filepath.Join(corpusDir(t), "conda-subchannel-demo")
	e := newCLI(t)
	out, errs, code := e.run("search", "--json", "--override-channels", "-c", ch, "--platform", "linux-64", "python=3.9")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var got map[string][]map[string]any
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	recs := got["python"]
	if len(recs) == 0 {
		t.Fatal("no python 3.9 records in the conda-forge subset")
	}
	for i, r := range recs {
		v := r["version"].(string)
		if !strings.HasPrefix(v, "3.9.") {
			t.Errorf("python=3.9 matched %s", v)
		}
		if i > 0 {
			pv := recs[i-1]["version"].(string)
			if pv == v && recs[i-1]["build"].(string) > r["build"].(string) {
				t.Errorf("builds out of order at %d: %s > %s", i, recs[i-1]["build"], r["build"])
			}
		}
	}
}

func TestInfoVirtualPackages(t *testing.T) {
	e := newCLI(t)
	e.env["CONDA_OVERRIDE_CUDA"] = "12.4"
	out, errs, code := e.run("info", "--json", "--platform", "osx-arm64")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var got struct {
		Platform  string     `json:"platform"`
		Virtual   [][]string `json:"virtual_pkgs"`
		Defaulted []string   `json:"virtual_pkgs_defaulted"`
		PkgsDirs  []string   `json:"pkgs_dirs"`
		Channels  []string   `json:"channels"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if got.Platform != "osx-arm64" {
		t.Errorf("platform %q", got.Platform)
	}
	have := map[string]string{}
	for _, v := range got.Virtual {
		have[v[0]] = v[1]
	}
	if _, ok := have["__osx"]; !ok {
		t.Errorf("no __osx for osx-arm64: %v", got.Virtual)
	}
	if have["__cuda"] != "12.4" {
		t.Errorf("CONDA_OVERRIDE_CUDA not honoured: %v", got.Virtual)
	}
	if _, ok := have["__glibc"]; ok {
		t.Errorf("__glibc on osx: %v", got.Virtual)
	}
	if len(got.Defaulted) == 0 {
		t.Errorf("foreign platform defaults not reported")
	}
	if len(got.PkgsDirs) != 1 || !strings.HasSuffix(got.PkgsDirs[0], filepath.Join("root", "pkgs")) {
		t.Errorf("pkgs_dirs %v", got.PkgsDirs)
	}
	if len(got.Channels) != 2 || got.Channels[0] != "https://conda.anaconda.org/conda-forge/osx-arm64" {
		t.Errorf("channels %v", got.Channels)
	}
}

func TestInfoReadsCondarc(t *testing.T) {
	e := newCLI(t)
	rc := filepath.Join(e.env["HOME"], ".condarc")
	if err := os.WriteFile(rc, []byte("channels: [bioconda, conda-forge]\nchannel_alias: https://mirror.example/\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errs, code := e.run("info", "--json", "--platform", "linux-64")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(out, "https://mirror.example/bioconda/linux-64") {
		t.Errorf("condarc channels/alias not used:\n%s", out)
	}
}

func TestUnknownFlagIsUsageError(t *testing.T) {
	e := newCLI(t)
	_, _, code := e.run("search", "--no-such-flag", "x")
	if code != exitUsage {
		t.Errorf("exit %d, want %d", code, exitUsage)
	}
}

// TestExitCodeOfFailedChild: a library error wrapping a child's
// *exec.ExitError (pip, an activation script) is a plain error (1), not
// the child's status, which could read as usage (2) or tampering (4).
func TestExitCodeOfFailedChild(t *testing.T) {
	for _, status := range []string{"2", "4"} {
		err := exec.Command("sh", "-c", "exit "+status).Run()
		if err == nil {
			t.Fatal("sh exited 0")
		}
		wrapped := fmt.Errorf("pip install: %w", err)
		if got := exitCode(context.Background(), wrapped); got != exitError {
			t.Errorf("child status %s: exit code %d, want %d", status, got, exitError)
		}
	}
	if got := exitCode(context.Background(), &silentError{code: 7, err: errors.New("child")}); got != 7 {
		t.Errorf("silentError: exit code %d, want 7", got)
	}
}
