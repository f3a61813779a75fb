package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A channel where the requested python pin forces an older foo, pip is
// offered (so it is added to python's dependencies), and a constrains entry
// rules out the newest lib.
const solveLinux64 = `{
  "info": {"subdir": "linux-64"},
  "packages": {
    "python-3.10.16-h0_0.tar.bz2": {"name": "python", "version": "3.10.16", "build": "h0_0", "build_number": 0, "depends": [], "subdir": "linux-64", "size": 1000},
    "python-3.11.11-h0_0.tar.bz2": {"name": "python", "version": "3.11.11", "build": "h0_0", "build_number": 0, "depends": [], "subdir": "linux-64", "size": 1000},
    "foo-2.0-h0_0.tar.bz2": {"name": "foo", "version": "2.0", "build": "h0_0", "build_number": 0, "depends": ["python >=3.11"], "subdir": "linux-64"},
    "foo-1.5-h0_0.tar.bz2": {"name": "foo", "version": "1.5", "build": "h0_0", "build_number": 0, "depends": ["python >=3.9", "lib"], "constrains": ["lib <2"], "subdir": "linux-64"},
    "lib-2.0-h0_0.tar.bz2": {"name": "lib", "version": "2.0", "build": "h0_0", "build_number": 0, "depends": [], "subdir": "linux-64"},
    "lib-1.9-h0_0.tar.bz2": {"name": "lib", "version": "1.9", "build": "h0_0", "build_number": 0, "depends": [], "subdir": "linux-64"}
  }
}`

const solveNoarch = `{
  "info": {"subdir": "noarch"},
  "packages": {
    "pip-24.3.1-pyh_0.tar.bz2": {"name": "pip", "version": "24.3.1", "build": "pyh_0", "build_number": 0, "depends": ["python >=3.7"], "noarch": "python", "subdir": "noarch"}
  }
}`

func solveChannel(t *testing.T) string {
	return writeChannel(t, map[string]string{"linux-64": solveLinux64, "noarch": solveNoarch})
}

type planJSON struct {
	Success bool `json:"success"`
	DryRun  bool `json:"dry_run"`
	Actions struct {
		Link  []map[string]any `json:"LINK"`
		Fetch []map[string]any `json:"FETCH"`
	} `json:"actions"`
	ExceptionName string `json:"exception_name"`
	Message       string `json:"message"`
}

func dists(p planJSON) []string {
	var out []string
	for _, l := range p.Actions.Link {
		out = append(out, l["dist_name"].(string))
	}
	return out
}

func TestCreateDryRunJSON(t *testing.T) {
	e := newCLI(t)
	ch := solveChannel(t)
	out, errs, code := e.run("create", "--dry-run", "--json", "-n", "x", "--override-channels", "-c", ch, "--platform", "linux-64", "python=3.10", "foo")
	if code != 0 {
		t.Fatalf("exit %d: %s\n%s", code, errs, out)
	}
	var p planJSON
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	want := "foo-1.5-h0_0 lib-1.9-h0_0 pip-24.3.1-pyh_0 python-3.10.16-h0_0"
	if got := strings.Join(dists(p), " "); got != want || !p.Success || !p.DryRun {
		t.Errorf("plan %q (success %v, dry_run %v), want %q", got, p.Success, p.DryRun, want)
	}
	for _, l := range p.Actions.Link {
		for _, k := range []string{"name", "version", "build_string", "build_number", "channel", "base_url", "platform", "dist_name"} {
			if _, ok := l[k]; !ok {
				t.Errorf("LINK entry lacks %q: %v", k, l)
			}
		}
	}
	if len(p.Actions.Fetch) != len(p.Actions.Link) {
		t.Errorf("FETCH has %d entries, LINK %d", len(p.Actions.Fetch), len(p.Actions.Link))
	}
}

func TestCreateDryRunNoPip(t *testing.T) {
	e := newCLI(t)
	ch := solveChannel(t)
	out, errs, code := e.run("create", "--dry-run", "--json", "--no-pip", "--override-channels", "-c", ch, "--platform", "linux-64", "python")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var p planJSON
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(dists(p), " "); got != "python-3.11.11-h0_0" {
		t.Errorf("plan %q", got)
	}
}

func TestCreateDryRunFromFile(t *testing.T) {
	e := newCLI(t)
	ch := solveChannel(t)
	dir := t.TempDir()
	yml := filepath.Join(dir, "environment.yml")
	content := "name: demo\nchannels:\n  - " + ch + "\ndependencies:\n  - python=3.10\n  - foo\n"
	if err := os.WriteFile(yml, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errs, code := e.run("create", "--dry-run", "--override-channels", "--platform", "linux-64", "-f", yml)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"python", "3.10.16", "foo", "1.5", filepath.Join("envs", "demo")} {
		if !strings.Contains(out, want) {
			t.Errorf("plan lacks %q:\n%s", want, out)
		}
	}
}

func TestCreateUnsolvable(t *testing.T) {
	e := newCLI(t)
	ch := solveChannel(t)
	out, errs, code := e.run("create", "--dry-run", "--override-channels", "-c", ch, "--platform", "linux-64", "python=3.10", "foo>=2")
	if code != exitUnsolvable {
		t.Fatalf("exit %d, want %d: %s", code, exitUnsolvable, errs)
	}
	for _, want := range []string{"foo", "python"} {
		if !strings.Contains(errs, want) {
			t.Errorf("explanation lacks %q:\n%s", want, errs)
		}
	}
	_ = out
	out, _, code = e.run("create", "--dry-run", "--json", "--override-channels", "-c", ch, "--platform", "linux-64", "python=3.10", "foo>=2")
	var p planJSON
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if code != exitUnsolvable || p.Success || p.ExceptionName != "UnsatisfiableError" || p.Message == "" {
		t.Errorf("exit %d, json %+v", code, p)
	}
}

func TestCreateNotFound(t *testing.T) {
	e := newCLI(t)
	ch := solveChannel(t)
	out, _, code := e.run("create", "--dry-run", "--json", "--override-channels", "-c", ch, "--platform", "linux-64", "pythn")
	var p planJSON
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if code != exitError || p.ExceptionName != "PackagesNotFoundError" || !strings.Contains(p.Message, "python") {
		t.Errorf("exit %d, json %+v (want a suggestion of python)", code, p)
	}
}

func TestCreateBadInput(t *testing.T) {
	ch := solveChannel(t)
	dir := t.TempDir()
	bad := filepath.Join(dir, "environment.yml")
	if err := os.WriteFile(bad, []byte("name: x\ndependencies:\n  - numpy>>1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		args     []string
		code     int
		contains string
	}{
		{"bad spec", []string{"create", "--dry-run", "--override-channels", "-c", ch, "py>>3"}, exitUsage, `"py>>3"`},
		{"bad file", []string{"create", "--dry-run", "--override-channels", "-c", ch, "-f", bad}, exitError, "environment.yml:3"},
		{"missing file", []string{"create", "--dry-run", "--override-channels", "-c", ch, "-f", filepath.Join(dir, "nope.yml")}, exitError, "nope.yml"},
		{"unsafe name", []string{"create", "--dry-run", "-n", "../x", "--override-channels", "-c", ch, "python"}, exitUsage, "../x"},
		{"name and prefix", []string{"create", "--dry-run", "-n", "a", "-p", dir, "--override-channels", "-c", ch, "python"}, exitUsage, "--prefix"},
		{"bad priority", []string{"create", "--dry-run", "--channel-priority", "sometimes", "--override-channels", "-c", ch, "python"}, exitUsage, "sometimes"},
		{"nothing", []string{"create", "--dry-run", "--override-channels", "-c", ch}, exitUsage, "nothing to install"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newCLI(t)
			_, errs, code := e.run(tc.args...)
			if code != tc.code || !strings.Contains(errs, tc.contains) {
				t.Errorf("exit %d (want %d), stderr lacks %q?\n%s", code, tc.code, tc.contains, errs)
			}
		})
	}
}

func TestCreateCorpusPython39(t *testing.T) {
	ch := filepath.Join(corpusDir(t), "conda-subchannel-demo")
	e := newCLI(t)
	e.env["CONDA_OVERRIDE_GLIBC"] = "2.28"
	var first string
	for i := 0; i < 3; i++ {
		out, errs, code := e.run("create", "--dry-run", "--json", "--override-channels", "-c", ch, "--platform", "linux-64", "python=3.9")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errs)
		}
		if i == 0 {
			first = out
			var p planJSON
			if err := json.Unmarshal([]byte(out), &p); err != nil {
				t.Fatal(err)
			}
			ds := strings.Join(dists(p), " ")
			for _, want := range []string{"python-3.9.19-", "pip-24.0-", "openssl-3.", "libgcc-ng-13."} {
				if !strings.Contains(ds, want) {
					t.Errorf("plan lacks %s: %s", want, ds)
				}
			}
		} else if out != first {
			t.Fatalf("solve %d differs from the first: not deterministic", i)
		}
	}
}

func TestOverrideChannelsReplacesFileChannels(t *testing.T) {
	e := newCLI(t)
	ch := solveChannel(t)
	dir := t.TempDir()
	yml := filepath.Join(dir, "environment.yml")
	// The file names an unreachable channel; -c with --override-channels
	// must replace it rather than add to it.
	content := "name: demo\nchannels:\n  - https://unreachable.invalid/chan\ndependencies:\n  - python=3.10\n"
	if err := os.WriteFile(yml, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errs, code := e.run("create", "--dry-run", "--override-channels", "-c", ch, "--platform", "linux-64", "-f", yml)
	if code != 0 || !strings.Contains(out, "3.10.16") {
		t.Fatalf("exit %d: %s\n%s", code, errs, out)
	}
}

func TestCreateDryRunForeignPlatformSaysDefaults(t *testing.T) {
	e := newCLI(t)
	ch := writeChannel(t, map[string]string{
		"osx-arm64": `{"info":{"subdir":"osx-arm64"},"packages":{"tool-1.0-0.tar.bz2":{"name":"tool","version":"1.0","build":"0","build_number":0,"depends":["__osx >=11"],"subdir":"osx-arm64"}}}`,
	})
	out, errs, code := e.run("create", "--dry-run", "--json", "--override-channels", "-c", ch, "--platform", "osx-arm64", "tool")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var got struct {
		Platform string `json:"platform"`
		Virtual  []struct {
			Name      string `json:"name"`
			Defaulted bool   `json:"defaulted"`
		} `json:"virtual_packages"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, v := range got.Virtual {
		if v.Name == "__osx" && v.Defaulted {
			found = true
		}
	}
	if got.Platform != "osx-arm64" || !found {
		t.Errorf("plan does not say __osx was defaulted: %s", out)
	}
	// With an override below the requirement, the same request fails.
	e.env["CONDA_OVERRIDE_OSX"] = "10.15"
	if _, _, code := e.run("create", "--dry-run", "--override-channels", "-c", ch, "--platform", "osx-arm64", "tool"); code != exitUnsolvable {
		t.Errorf("CONDA_OVERRIDE_OSX=10.15: exit %d, want %d", code, exitUnsolvable)
	}
}
