package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPythonMinorChangeRelinksNoarch: installing python=3.11 into a
// python 3.10 environment relinks pip (noarch: python, which the solve
// keeps) into lib/python3.11/site-packages, regenerates its entry point,
// recompiles its byte code and rewrites its conda-meta record, as conda
// does; nothing of pip stays under lib/python3.10.
func TestPythonMinorChangeRelinksNoarch(t *testing.T) {
	ch := fixtureChannel(t)
	e := newCLI(t)
	base := []string{"-q", "--no-pip", "--override-channels", "-c", ch}
	e.mustRun(append([]string{"create", "-n", "r"}, append(base, "python=3.10", "pip")...)...)
	prefix := filepath.Join(e.env["ENVSEAL_ROOT"], "envs", "r")
	if out := e.mustRun("run", "-n", "r", "--", "pip", "--version"); !strings.Contains(out, "(python 3.10)") {
		t.Fatalf("before: pip --version: %q", out)
	}

	e.mustRun(append([]string{"install", "-n", "r"}, append(base, "python=3.11")...)...)

	out := e.mustRun("run", "-n", "r", "--", "pip", "--version")
	if !strings.Contains(out, "pip 24.3.1 from "+filepath.Join(prefix, "lib", "python3.11", "site-packages", "pip")) || !strings.Contains(out, "(python 3.11)") {
		t.Errorf("after: pip --version: %q", out)
	}
	// Only byte code python 3.10 wrote for its own standard library while
	// compiling (owned by no package, left alone as conda does) may stay.
	if _, err := os.Stat(filepath.Join(prefix, "lib", "python3.10", "site-packages")); !os.IsNotExist(err) {
		t.Errorf("lib/python3.10/site-packages is still there: %v", err)
	}
	script, err := os.ReadFile(filepath.Join(prefix, "bin", "pip"))
	if err != nil || !strings.HasPrefix(string(script), "#!"+filepath.Join(prefix, "bin", "python")+"\n") {
		t.Errorf("bin/pip: %v %.80q", err, script)
	}

	metas, _ := filepath.Glob(filepath.Join(prefix, "conda-meta", "pip-*.json"))
	if len(metas) != 1 {
		t.Fatalf("conda-meta records of pip: %v", metas)
	}
	data, err := os.ReadFile(metas[0])
	if err != nil {
		t.Fatal(err)
	}
	var rec struct {
		Files         []string `json:"files"`
		RequestedSpec string   `json:"requested_spec"`
	}
	if err := json.Unmarshal(data, &rec); err != nil {
		t.Fatal(err)
	}
	if rec.RequestedSpec != "pip" {
		t.Errorf("pip's requested_spec = %q, want the one of the create, kept by the relink", rec.RequestedSpec)
	}
	var py311, pyc int
	for _, f := range rec.Files {
		switch {
		case strings.HasPrefix(f, "lib/python3.10/"):
			t.Errorf("pip's record still lists %s", f)
		case strings.HasPrefix(f, "lib/python3.11/site-packages/pip/"):
			py311++
			if strings.HasSuffix(f, ".cpython-311.pyc") {
				pyc++
			}
		}
		if _, err := os.Lstat(filepath.Join(prefix, filepath.FromSlash(f))); err != nil {
			t.Errorf("pip's record lists %s: %v", f, err)
		}
	}
	if py311 == 0 || pyc == 0 {
		t.Errorf("pip's record lists %d files under lib/python3.11/site-packages/pip, %d of them byte code", py311, pyc)
	}
	// The history shows the relink as conda writes it: pip out and in.
	hist, err := os.ReadFile(filepath.Join(prefix, "conda-meta", "history"))
	if err != nil {
		t.Fatal(err)
	}
	last := string(hist)[strings.LastIndex(string(hist), "==>"):]
	for _, want := range []string{"-python-3.10.16", "+python-3.11.11", "-pip-24.3.1", "+pip-24.3.1"} {
		if !strings.Contains(last, "\n"+want+"-") && !strings.Contains(last, "::"+want[1:]) {
			t.Errorf("last history revision lacks %s:\n%s", want, last)
		}
	}
}
