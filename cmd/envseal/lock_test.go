package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/envseal/envseal/conda"
	"github.com/envseal/envseal/lockfile"
)

// lockProject writes environment.yml for the solve channel into a fresh
// directory and returns its paths.
func lockProject(t *testing.T, ch, deps string) (dir, yml, lock string) {
	t.Helper()
	dir = t.TempDir()
	yml = filepath.Join(dir, "environment.yml")
	lock = filepath.Join(dir, "envseal.lock")
	content := "name: proj\nchannels:\n  - " + ch + "\ndependencies:\n" + deps
	if err := os.WriteFile(yml, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, yml, lock
}

func TestLockRelockCheck(t *testing.T) {
	ch := solveChannel(t)
	_, yml, lock := lockProject(t, ch, "  - python=3.10\n  - foo\n")
	e := newCLI(t)
	e.mustRun("lock", "-q", "--override-channels", "-f", yml, "-o", lock, "--platform", "linux-64")
	first, err := os.ReadFile(lock)
	if err != nil {
		t.Fatal(err)
	}
	l, err := lockfile.Parse(first)
	if err != nil {
		t.Fatalf("the lock does not parse: %v\n%s", err, first)
	}
	var got []string
	for _, r := range l.Records("linux-64") {
		got = append(got, r.DistName())
	}
	if strings.Join(got, " ") != "foo-1.5-h0_0 lib-1.9-h0_0 pip-24.3.1-pyh_0 python-3.10.16-h0_0" {
		t.Errorf("locked %v", got)
	}

	// Relocking with no input change rewrites the identical file.
	e.mustRun("lock", "-q", "--override-channels", "-f", yml, "-o", lock, "--platform", "linux-64")
	second, _ := os.ReadFile(lock)
	if string(first) != string(second) {
		t.Errorf("relock changed the file:\n%s\n---\n%s", first, second)
	}
	if out := e.mustRun("lock", "--check", "--override-channels", "-f", yml, "-o", lock, "--platform", "linux-64"); !strings.Contains(out, "up to date") {
		t.Errorf("check: %s", out)
	}

	// Each kind of input change is named by --check.
	tests := []struct {
		name  string
		edit  func()
		args  []string
		wants string
	}{
		{"spec", func() { rewrite(t, yml, "python=3.10", "python=3.11") }, nil, "specs"},
		{"priority", nil, []string{"--channel-priority", "flexible", "--platform", "linux-64"}, "channel priority"},
		{"platform", nil, []string{"--platform", "osx-arm64"}, "osx-arm64"},
		{"virtual", nil, []string{"--platform", "linux-64"}, "virtual packages"},
		{"channels", func() { rewrite(t, yml, "  - "+ch+"\n", "  - "+ch+"\n  - conda-forge\n") }, nil, "channels"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			saved, _ := os.ReadFile(yml)
			defer os.WriteFile(yml, saved, 0o644)
			if tc.edit != nil {
				tc.edit()
			}
			args := append([]string{"lock", "--check", "--override-channels", "-f", yml, "-o", lock}, tc.args...)
			if tc.args == nil {
				args = append(args, "--platform", "linux-64")
			}
			if tc.name == "virtual" {
				e.env["CONDA_OVERRIDE_GLIBC"] = "2.17"
				defer delete(e.env, "CONDA_OVERRIDE_GLIBC")
			}
			_, errs, code := e.run(args...)
			if code == 0 || !strings.Contains(errs, tc.wants) {
				t.Errorf("exit %d, stderr lacks %q:\n%s", code, tc.wants, errs)
			}
		})
	}
}

func rewrite(t *testing.T, path, old, new string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), old) {
		t.Fatalf("%s lacks %q", path, old)
	}
	if err := os.WriteFile(path, []byte(strings.Replace(string(b), old, new, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestLockKeepsSecretsAndUpdate(t *testing.T) {
	ch := solveChannel(t)
	_, yml, lock := lockProject(t, ch, "  - python=3.10\n  - foo\n")
	e := teammate(t, lock)
	e.stdin = "s3"
	e.mustRun("secrets", "set", "--lock", lock, "TOKEN")
	before, _ := os.ReadFile(lock)
	sealed := before[strings.Index(string(before), "secrets:"):]
	e.mustRun("lock", "-q", "--override-channels", "-f", yml, "-o", lock, "--platform", "linux-64")
	after, _ := os.ReadFile(lock)
	if !strings.HasSuffix(string(after), string(sealed)) {
		t.Errorf("the secrets section changed on relock:\n%s", after)
	}
	if got := e.mustRun("secrets", "get", "--lock", lock, "TOKEN"); got != "s3\n" {
		t.Errorf("secret after relock: %q", got)
	}
	// --update relocks the named package only.
	e.mustRun("lock", "-q", "--override-channels", "-f", yml, "-o", lock, "--platform", "linux-64", "--update", "lib")
}

func TestExportFormatsFromLock(t *testing.T) {
	ch := solveChannel(t)
	_, yml, lock := lockProject(t, ch, "  - python=3.10\n  - foo\n")
	e := newCLI(t)
	e.mustRun("lock", "-q", "--override-channels", "-f", yml, "-o", lock, "--platform", "linux-64")
	for _, f := range []string{"explicit", "conda-lock", "pixi", "envseal"} {
		out := e.mustRun("export", "--lock", lock, "--platform", "linux-64", "--format", f)
		back, err := lockfile.Decode([]byte(out), lockfile.DecodeOptions{Filename: f})
		if err != nil {
			t.Fatalf("%s export does not read back: %v\n%s", f, err, out)
		}
		var got []string
		for _, r := range back.Records("linux-64") {
			got = append(got, r.DistName())
		}
		if len(got) != 4 {
			t.Errorf("%s: %v", f, got)
		}
	}
	env := e.mustRun("export", "--lock", lock, "--platform", "linux-64", "--no-builds")
	if !strings.Contains(env, "- python=3.10.16\n") || strings.Contains(env, "h0_0") {
		t.Errorf("--no-builds:\n%s", env)
	}
	hist := e.mustRun("export", "--lock", lock, "--platform", "linux-64", "--from-history")
	if !strings.Contains(hist, "- python=3.10\n") || !strings.Contains(hist, "- foo\n") || strings.Contains(hist, "lib") {
		t.Errorf("--from-history:\n%s", hist)
	}
}

// TestLockCorpusThreePlatforms locks the conda-forge subset for three
// platforms, deletes the channel's repodata, and plans from the lock.
func TestLockCorpusThreePlatforms(t *testing.T) {
	src := filepath.Join(corpusDir(t), "conda-subchannel-demo")
	ch := filepath.Join(t.TempDir(), "cf")
	for _, sub := range []string{"linux-64", "osx-arm64", "win-64", "noarch"} {
		if err := os.MkdirAll(filepath.Join(ch, sub), 0o755); err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(filepath.Join(src, sub, "repodata.json"))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(ch, sub, "repodata.json"), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	dir, yml, lock := lockProject(t, ch, "  - python=3.9\n")
	_ = dir
	e := newCLI(t)
	e.mustRun("lock", "-q", "--override-channels", "-f", yml, "-o", lock, "--platform", "linux-64", "--platform", "osx-arm64", "--platform", "win-64")
	l, err := lockfile.ReadFile(lock, lockfile.DecodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"linux-64", "osx-arm64", "win-64"} {
		var py string
		for _, r := range l.Records(conda.Platform(p)) {
			if r.Name == "python" {
				py = r.Version.String()
			}
		}
		if !strings.HasPrefix(py, "3.9.") {
			t.Errorf("%s: python %q", p, py)
		}
	}
	// No repodata any more: the lock alone plans the install.
	for _, sub := range []string{"linux-64", "osx-arm64", "win-64", "noarch"} {
		os.Remove(filepath.Join(ch, sub, "repodata.json"))
	}
	out := e.mustRun("create", "--dry-run", "-n", "x", "--platform", "linux-64", "-f", lock)
	for _, want := range []string{"python", "3.9.", "openssl", "libgcc-ng"} {
		if !strings.Contains(out, want) {
			t.Errorf("plan from the lock lacks %q:\n%s", want, out)
		}
	}
}

// TestLockPrintsWhatChanged: a relock says per platform what it added,
// removed, upgraded or downgraded; --json gives the same as data.
func TestLockPrintsWhatChanged(t *testing.T) {
	ch := solveChannel(t)
	_, yml, lock := lockProject(t, ch, "  - python=3.10\n  - foo\n")
	e := newCLI(t)
	if out := e.mustRun("lock", "--override-channels", "-f", yml, "-o", lock, "--platform", "linux-64"); strings.Contains(out, "→") {
		t.Errorf("a first lock reports changes: %q", out)
	}
	if out := e.mustRun("lock", "--override-channels", "-f", yml, "-o", lock, "--platform", "linux-64"); out != lock+": no package changed\n" {
		t.Errorf("relock with no change: %q", out)
	}
	rewrite(t, yml, "  - python=3.10\n", "  - python=3.11\n")
	out := e.mustRun("lock", "--override-channels", "-f", yml, "-o", lock, "--platform", "linux-64")
	for _, want := range []string{"linux-64:\n", "  ~ python 3.10.16 h0_0 → 3.11.11 h0_0\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("relock output lacks %q:\n%s", want, out)
		}
	}
	rewrite(t, yml, "  - foo\n", "")
	js := e.mustRun("lock", "--json", "--override-channels", "-f", yml, "-o", lock, "--platform", "linux-64")
	var res struct {
		Output   string         `json:"output"`
		Replaced bool           `json:"replaced"`
		Packages map[string]int `json:"packages"`
		Changes  []struct {
			Platform string `json:"platform"`
			Changes  []struct{ Name, Kind, Old, New string }
		} `json:"changes"`
	}
	if err := json.Unmarshal([]byte(js), &res); err != nil {
		t.Fatalf("lock --json: %v\n%s", err, js)
	}
	if !res.Replaced || res.Output != lock || len(res.Changes) != 1 || res.Changes[0].Platform != "linux-64" ||
		len(res.Changes[0].Changes) == 0 || res.Changes[0].Changes[0].Name != "foo" || res.Changes[0].Changes[0].Kind != "removed" {
		t.Errorf("lock --json = %+v", res)
	}
}
