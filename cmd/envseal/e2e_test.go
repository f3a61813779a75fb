package main

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/envseal/envseal/internal/fixture"
)

var (
	fixtureOnce sync.Once
	fixtureDir  string
	fixtureErr  error
)

// fixtureChannel returns the fixture channel (real CPython 3.10/3.11, pip
// and small test packages). `make test` builds it once, outside the race
// detector, and passes it in ENVSEAL_TEST_FIXTURE; otherwise it is built
// here into a temporary directory (slow). Without the Go module proxy the
// tests that need it skip.
func fixtureChannel(t *testing.T) string {
	t.Helper()
	if dir := os.Getenv("ENVSEAL_TEST_FIXTURE"); dir != "" {
		if _, err := os.Stat(filepath.Join(dir, "linux-64", "repodata.json")); err == nil {
			return dir
		}
	}
	if testing.Short() {
		t.Skip("-short: the fixture channel is not built (set ENVSEAL_TEST_FIXTURE to a built one)")
	}
	fixtureOnce.Do(func() {
		dir, err := os.MkdirTemp("", "envseal-fixture-")
		if err != nil {
			fixtureErr = err
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
		defer cancel()
		fixtureErr = fixture.Build(ctx, dir, fixture.Options{BZip2Level: 1})
		fixtureDir = dir
	})
	if fixtureErr != nil {
		var de *fixture.DownloadError
		if errors.As(fixtureErr, &de) {
			t.Skipf("fixture channel unavailable (no Go module proxy?): %v", fixtureErr)
		}
		t.Fatalf("building the fixture channel: %v", fixtureErr)
	}
	return fixtureDir
}

func TestMain(m *testing.M) {
	if os.Getenv(asMainEnv) == "1" {
		main() // a test re-ran this binary as envseal (see runProcess)
	}
	code := m.Run()
	if fixtureDir != "" {
		os.RemoveAll(fixtureDir)
	}
	os.Exit(code)
}

func (e *cliEnv) mustRun(args ...string) string {
	e.t.Helper()
	out, errs, code := e.run(args...)
	if code != 0 {
		e.t.Fatalf("envseal %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, out, errs)
	}
	return out
}

func TestEndToEndPythonEnvironment(t *testing.T) {
	ch := fixtureChannel(t)
	e := newCLI(t)
	dir := t.TempDir()
	yml := filepath.Join(dir, "environment.yml")
	if err := os.WriteFile(yml, []byte("name: demo\nchannels: [conda-forge]\ndependencies:\n  - python=3.10\n  - pip\nvariables:\n  DEMO_GREETING: hello from envseal\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	e.mustRun("create", "-q", "--override-channels", "-c", ch, "-f", yml)
	prefix := filepath.Join(e.env["ENVSEAL_ROOT"], "envs", "demo")

	out := e.mustRun("run", "-n", "demo", "--", "python", "-c", "import os, sys; print(sys.version.split()[0], os.environ['DEMO_GREETING'], os.environ['CONDA_PREFIX'])")
	if want := "3.10.16 hello from envseal " + prefix; strings.TrimSpace(out) != want {
		t.Errorf("python in the environment printed %q, want %q", out, want)
	}
	// The byte code compiled for pip is kept in the package cache and
	// reused by the next environment.
	if cached, _ := filepath.Glob(filepath.Join(e.env["ENVSEAL_ROOT"], "pkgs", "pip-24.3.1-*", ".envseal-pyc", "lib", "python3.10", "site-packages", "pip", "__pycache__", "__init__.cpython-310.pyc")); len(cached) != 1 {
		t.Errorf("no cached byte code for pip: %v", cached)
	}
	out = e.mustRun("run", "-n", "demo", "--", "pip", "--version")
	if !strings.HasPrefix(out, "pip 24.3.1 from "+filepath.Join(prefix, "lib", "python3.10", "site-packages", "pip")) {
		t.Errorf("pip entry point: %q", out)
	}

	// list, in conda's shapes.
	var listed []map[string]any
	if err := json.Unmarshal([]byte(e.mustRun("list", "-n", "demo", "--json")), &listed); err != nil {
		t.Fatal(err)
	}
	names := []string{}
	for _, r := range listed {
		names = append(names, r["name"].(string)+"="+r["version"].(string))
	}
	if strings.Join(names, " ") != "pip=24.3.1 python=3.10.16" {
		t.Errorf("list --json: %v", names)
	}
	explicit := e.mustRun("list", "-n", "demo", "--explicit", "--md5")
	if !strings.Contains(explicit, "@EXPLICIT") || !strings.Contains(explicit, "python-3.10.16-") || !strings.Contains(explicit, ".conda#") {
		t.Errorf("list --explicit --md5:\n%s", explicit)
	}

	// conda-meta as conda writes it.
	meta, err := filepath.Glob(filepath.Join(prefix, "conda-meta", "python-3.10.16-*.json"))
	if err != nil || len(meta) != 1 {
		t.Fatalf("conda-meta python record: %v %v", meta, err)
	}
	history, err := os.ReadFile(filepath.Join(prefix, "conda-meta", "history"))
	if err != nil || !strings.Contains(string(history), "# update specs:") || !strings.Contains(string(history), "python=3.10") {
		t.Errorf("history:\n%s (%v)", history, err)
	}

	// The child's exit status is passed through.
	_, _, code := e.run("run", "-n", "demo", "--", "python", "-c", "raise SystemExit(7)")
	if code != 7 {
		t.Errorf("exit status %d, want 7", code)
	}

	// install: add a package with an activation script, keep python.
	e.mustRun("install", "-q", "-n", "demo", "--override-channels", "-c", ch, "activate-hook")
	out = e.mustRun("run", "-n", "demo", "--", "python", "-c", "import os; print(os.environ.get('ENVSEAL_FIXTURE_ACTIVATED'))")
	if strings.TrimSpace(out) != "1" {
		t.Errorf("activate.d script not sourced: %q", out)
	}
	// constrains: constrained 1.0 forbids symlinks >=2, so asking for both
	// picks symlinks 1.0.
	e.mustRun("install", "-q", "-n", "demo", "--override-channels", "-c", ch, "constrained", "symlinks")
	var after []map[string]any
	if err := json.Unmarshal([]byte(e.mustRun("list", "-n", "demo", "--json")), &after); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, r := range after {
		got[r["name"].(string)] = r["version"].(string)
	}
	if got["symlinks"] != "1.0" || got["python"] != "3.10.16" || got["placeholder-text"] != "1.0" {
		t.Errorf("after install: %v", got)
	}
	conf, err := os.ReadFile(filepath.Join(prefix, "etc", "placeholder-text.conf"))
	if err != nil || !strings.Contains(string(conf), prefix) || strings.Contains(string(conf), "anaconda1anaconda2anaconda3") {
		t.Errorf("text placeholder not replaced:\n%s (%v)", conf, err)
	}

	// remove takes dependents along: constrained needs placeholder-text.
	e.mustRun("remove", "-q", "-n", "demo", "placeholder-text")
	if _, err := os.Stat(filepath.Join(prefix, "etc", "placeholder-text.conf")); !os.IsNotExist(err) {
		t.Errorf("placeholder-text files still there: %v", err)
	}
	out = e.mustRun("list", "-n", "demo")
	if strings.Contains(out, "constrained") || strings.Contains(out, "placeholder-text") || !strings.Contains(out, "python") {
		t.Errorf("after remove:\n%s", out)
	}

	// envs lists it; create refuses to overwrite it.
	if out := e.mustRun("envs", "--json"); !strings.Contains(out, prefix) {
		t.Errorf("envs: %s", out)
	}
	if _, errs, code := e.run("create", "-n", "demo", "--override-channels", "-c", ch, "python"); code == 0 || !strings.Contains(errs, "already exists") {
		t.Errorf("create over an existing env: exit %d %s", code, errs)
	}

	// shell activation text sets PATH and CONDA_PREFIX.
	act := e.mustRun("shell", "--shell", "bash", "activate", "demo")
	if !strings.Contains(act, "export CONDA_PREFIX='"+prefix+"'") || !strings.Contains(act, "export PATH='"+filepath.Join(prefix, "bin")) {
		t.Errorf("activate output:\n%s", act)
	}

	// clean keeps what the environment uses.
	e.mustRun("clean", "--all", "-y")
	out = e.mustRun("run", "-n", "demo", "--", "python", "-c", "print('still works')")
	if strings.TrimSpace(out) != "still works" {
		t.Errorf("after clean: %q", out)
	}

	e.mustRun("remove", "-n", "demo", "--all", "-y")
	if _, err := os.Stat(prefix); !os.IsNotExist(err) {
		t.Errorf("prefix still exists after remove --all: %v", err)
	}
}
