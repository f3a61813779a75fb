package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/envseal/envseal/internal/pip/piptest"
	"github.com/envseal/envseal/lockfile"
)

// TestPylockExportAndInstall: the pip part of a lock is exported as
// pylock.toml; with the index gone, an environment file whose pip: section
// is `--pylock pylock.toml` locks exactly those files (nothing resolves)
// and installs them with the fixture's pip by hash (--require-hashes); a
// wrong hash in pylock.toml fails the install.
func TestPylockExportAndInstall(t *testing.T) {
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
	e.mustRun("lock", "-q", "--override-channels", "-c", ch, "-f", yml, "-o", lock)
	l, err := lockfile.ReadFile(lock, lockfile.DecodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	for _, p := range l.PyPI["linux-64"] {
		want[p.Name] = p.SHA256
	}
	if len(want) != 2 {
		t.Fatalf("locked pip part: %v", want)
	}

	pylock := filepath.Join(dir, "pylock.toml")
	_, errs, code := e.run("export", "--lock", lock, "--format", "pylock", "--platform", "linux-64", "-o", pylock)
	if code != 0 || !strings.Contains(errs, "pylock.toml holds only the pip packages") {
		t.Fatalf("export: exit %d, stderr %q", code, errs)
	}
	data, err := os.ReadFile(pylock)
	if err != nil {
		t.Fatal(err)
	}
	py, err := lockfile.ParsePylock(data)
	if err != nil {
		t.Fatalf("%v\n%s", err, data)
	}
	if py.LockVersion != "1.0" || py.CreatedBy != "envseal" || py.RequiresPython != "==3.10.*" || len(py.Packages) != 2 {
		t.Errorf("exported pylock.toml:\n%s", data)
	}
	for _, pk := range py.Packages {
		if len(pk.Wheels) != 1 || pk.Wheels[0].Hashes["sha256"] != want[pk.Name] || !strings.HasPrefix(pk.Wheels[0].URL, files.URL) {
			t.Errorf("package %s: %+v, want the lock's wheel with sha256 %s", pk.Name, pk, want[pk.Name])
		}
	}

	// The index goes away: --pylock needs no resolution.
	index.Close()
	yml2 := filepath.Join(dir, "from-pylock.yml")
	if err := os.WriteFile(yml2, []byte("name: frompylock\nchannels: [conda-forge]\ndependencies:\n  - python=3.10\n  - pip:\n      - --pylock pylock.toml\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	lock2 := filepath.Join(dir, "from-pylock.lock")
	e.mustRun("lock", "-q", "--override-channels", "-c", ch, "-f", yml2, "-o", lock2)
	l2, err := lockfile.ReadFile(lock2, lockfile.DecodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, p := range l2.PyPI["linux-64"] {
		got[p.Name] = p.SHA256
	}
	if len(got) != 2 || got["hellopkg"] != want["hellopkg"] || got["worldpkg"] != want["worldpkg"] {
		t.Errorf("lock from --pylock: %v, want %v", got, want)
	}
	e.mustRun("create", "-q", "--override-channels", "-c", ch, "-f", yml2)
	if out := e.mustRun("run", "-n", "frompylock", "--", "hello"); strings.TrimSpace(out) != "main from hellopkg 1.0, worldpkg 2.0" {
		t.Errorf("hello printed %q", out)
	}

	// The environment itself exports the same pylock.toml: pip recorded
	// each URL install's hash (PEP 610), and those are the pylock's.
	envPylock, errs, code := e.run("export", "-n", "frompylock", "--format", "pylock")
	if code != 0 {
		t.Fatalf("export -n: exit %d: %s", code, errs)
	}
	envPy, err := lockfile.ParsePylock([]byte(envPylock))
	if err != nil {
		t.Fatalf("%v\n%s", err, envPylock)
	}
	if len(envPy.Packages) != 2 || envPy.RequiresPython != "==3.10.*" {
		t.Errorf("environment export:\n%s", envPylock)
	}
	for _, pk := range envPy.Packages {
		if len(pk.Wheels) != 1 || pk.Wheels[0].Hashes["sha256"] != want[pk.Name] {
			t.Errorf("environment export of %s: %+v, want sha256 %s", pk.Name, pk, want[pk.Name])
		}
	}

	// The lock records the pylock.toml's own hash: a changed file makes it
	// stale.
	e.mustRun("lock", "--check", "--override-channels", "-c", ch, "-f", yml2, "-o", lock2)

	// A hash that does not match the file: pip refuses it.
	bad := strings.Replace(string(data), want["worldpkg"], strings.Repeat("0", 64), 1)
	if err := os.WriteFile(pylock, []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, errs, code := e.run("lock", "--check", "--override-channels", "-c", ch, "-f", yml2, "-o", lock2); code == 0 || !strings.Contains(errs, "pypi specs") {
		t.Errorf("lock --check after the pylock.toml changed: exit %d, %s", code, errs)
	}
	_, errs, code = e.run("create", "-q", "-n", "badhash", "--override-channels", "-c", ch, "-f", yml2)
	if code == 0 || !strings.Contains(strings.ToLower(errs), "hash") {
		t.Errorf("a wrong hash installed: exit %d, stderr %q", code, errs)
	}
}
