package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/envseal/envseal/internal/pip/piptest"
	"github.com/envseal/envseal/lockfile"
)

// TestPipSection: a pip: section served by a PEP 503/691 index on
// loopback is installed after the conda part, locked with hashes,
// reinstalled from the lock with only the wheel files left, and exported.
func TestPipSection(t *testing.T) {
	ch := fixtureChannel(t)
	files := piptest.NewFileServer(t, piptest.Wheels())
	index := piptest.NewIndexServer(t, piptest.Wheels(), files)
	dir := t.TempDir()
	yml := filepath.Join(dir, "environment.yml")
	lock := filepath.Join(dir, "envseal.lock")
	content := "name: pipdemo\nchannels: [conda-forge]\ndependencies:\n  - python=3.10\n  - pip:\n      - --index-url " + index.IndexURL + "\n      - hellopkg\n"
	if err := os.WriteFile(yml, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	e := newCLI(t)
	e.mustRun("create", "-q", "--override-channels", "-c", ch, "-f", yml)
	if out := e.mustRun("run", "-n", "pipdemo", "--", "hello"); strings.TrimSpace(out) != "main from hellopkg 1.0, worldpkg 2.0" {
		t.Errorf("hello printed %q", out)
	}
	// pip was added to the conda specs because the file has a pip: section.
	if out := e.mustRun("list", "-n", "pipdemo"); !strings.Contains(out, "pip ") {
		t.Errorf("pip not installed by conda:\n%s", out)
	}
	exported := e.mustRun("export", "-n", "pipdemo")
	if !strings.Contains(exported, "  - pip:\n") || !strings.Contains(exported, "hellopkg==1.0") || !strings.Contains(exported, "worldpkg==2.0") {
		t.Errorf("export lacks the pip part:\n%s", exported)
	}
	if hist := e.mustRun("export", "-n", "pipdemo", "--from-history"); !strings.Contains(hist, "hellopkg") || strings.Contains(hist, "worldpkg") {
		t.Errorf("export --from-history:\n%s", hist)
	}

	e.mustRun("lock", "-q", "--override-channels", "-c", ch, "-f", yml, "-o", lock)
	l, err := lockfile.ReadFile(lock, lockfile.DecodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var locked []string
	for _, p := range l.PyPI["linux-64"] {
		if len(p.SHA256) != 64 || !strings.HasPrefix(p.URL, files.URL) {
			t.Errorf("locked %s without a hash or from the wrong place: %+v", p.Name, p)
		}
		locked = append(locked, p.Name+"=="+p.Version)
	}
	if strings.Join(locked, " ") != "hellopkg==1.0 worldpkg==2.0" {
		t.Errorf("locked pip part: %v", locked)
	}

	// The index goes away; the wheel files stay: the lock still installs.
	index.Close()
	e.mustRun("create", "-q", "-n", "fromlock", "-f", lock)
	if out := e.mustRun("run", "-n", "fromlock", "--", "hello"); strings.TrimSpace(out) != "main from hellopkg 1.0, worldpkg 2.0" {
		t.Errorf("hello from the locked environment printed %q", out)
	}

	// --dry-run changes nothing, not even the pip part when the conda
	// part already matches.
	e.mustRun("run", "-n", "fromlock", "--", "python", "-m", "pip", "uninstall", "-q", "-y", "worldpkg")
	e.mustRun("install", "-q", "--dry-run", "--locked", "-n", "fromlock", "-f", lock)
	e.mustRun("install", "-q", "--dry-run", "--override-channels", "-c", ch, "-n", "fromlock", "-f", yml)
	if _, _, code := e.run("run", "-n", "fromlock", "--", "python", "-c", "import importlib.metadata as m; m.version('worldpkg')"); code == 0 {
		t.Errorf("install --dry-run reinstalled worldpkg")
	}
}

// TestPipFailureKeepsCondaPart: a requirement pip cannot find fails the
// command with its name, and leaves a usable environment marked
// incomplete.
func TestPipFailureKeepsCondaPart(t *testing.T) {
	ch := fixtureChannel(t)
	wheels := t.TempDir()
	if err := piptest.WriteWheelDir(wheels); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	yml := filepath.Join(dir, "environment.yml")
	content := "name: broken\ndependencies:\n  - python=3.10\n  - pip\n  - pip:\n      - --no-index\n      - --find-links " + wheels + "\n      - nosuchpkg==1\n"
	if err := os.WriteFile(yml, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	e := newCLI(t)
	_, errs, code := e.run("create", "-q", "--override-channels", "-c", ch, "-f", yml)
	if code == 0 || !strings.Contains(errs, "nosuchpkg==1") || !strings.Contains(errs, "pip: section") {
		t.Fatalf("exit %d, stderr:\n%s", code, errs)
	}
	if out := e.mustRun("run", "-n", "broken", "--", "python", "-c", "print('usable')"); strings.TrimSpace(out) != "usable" {
		t.Errorf("the conda part is not usable: %q", out)
	}
	hist, err := os.ReadFile(filepath.Join(e.env["ENVSEAL_ROOT"], "envs", "broken", "conda-meta", "history"))
	if err != nil || !strings.Contains(string(hist), "# envseal: incomplete: pip section failed") {
		t.Errorf("history not marked incomplete:\n%s (%v)", hist, err)
	}
}
