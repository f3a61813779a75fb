package guard

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func gitRepo(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	dir := t.TempDir()
	for _, args := range [][]string{
		{"init", "-q", "-b", "main"},
		{"config", "user.email", "t@example.com"},
		{"config", "user.name", "t"},
		{"config", "commit.gpgsign", "false"},
	} {
		git(t, dir, args...)
	}
	return dir
}

func git(t *testing.T, dir string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "HOME="+dir)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// fakeEnvseal is a stand-in for the binary: it logs its arguments and
// fails when the file "refuse" exists in the repository.
func fakeEnvseal(t *testing.T, log string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "envseal")
	script := "#!/bin/sh\necho \"envseal $*\" >> " + log + "\n[ -e refuse ] && { echo refused >&2; exit 6; }\nexit 0\n"
	if err := os.WriteFile(p, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func commit(t *testing.T, dir, file string) (string, error) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, file), []byte(file), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := git(t, dir, "add", file); err != nil {
		t.Fatalf("git add: %v\n%s", err, out)
	}
	return git(t, dir, "commit", "-q", "-m", file)
}

func read(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return string(b)
}

func TestInstallChainsAndUninstallRestores(t *testing.T) {
	ctx := context.Background()
	dir := gitRepo(t)
	log := filepath.Join(t.TempDir(), "log")
	bin := fakeEnvseal(t, log)
	hooks := filepath.Join(dir, ".git", "hooks")
	earlier := "#!/bin/sh\necho earlier >> " + log + "\n[ -e stop-earlier ] && exit 3\nexit 0\n"
	if err := os.WriteFile(filepath.Join(hooks, "pre-commit"), []byte(earlier), 0o755); err != nil {
		t.Fatal(err)
	}
	res, err := Install(ctx, dir, Options{Command: bin})
	if err != nil {
		t.Fatal(err)
	}
	if res.Chained != filepath.Join(hooks, ChainedName) || read(t, res.Chained) != earlier {
		t.Fatalf("earlier hook not chained: %+v", res)
	}
	if res, err := Install(ctx, dir, Options{Command: bin}); err != nil || !res.Already {
		t.Errorf("second install: %+v, %v", res, err)
	}
	if out, err := commit(t, dir, "a.txt"); err != nil {
		t.Fatalf("clean commit refused: %v\n%s", err, out)
	}
	if got := read(t, log); got != "earlier\nenvseal scan --staged\n" {
		t.Errorf("hooks ran: %q", got)
	}
	// Our refusal stops the commit.
	commit(t, dir, "refuse")
	if out, err := git(t, dir, "log", "--oneline"); err != nil || strings.Count(out, "\n") != 1 {
		t.Errorf("refused commit went through: %s", out)
	}
	// So does the earlier hook's, before ours runs.
	os.Remove(filepath.Join(dir, "refuse"))
	git(t, dir, "rm", "-q", "--cached", "refuse")
	os.WriteFile(log, nil, 0o644)
	os.WriteFile(filepath.Join(dir, "stop-earlier"), nil, 0o644)
	if _, err := commit(t, dir, "b.txt"); err == nil {
		t.Error("the earlier hook's failure did not stop the commit")
	}
	if got := read(t, log); got != "earlier\n" {
		t.Errorf("after the earlier hook failed: %q", got)
	}

	res, err = Uninstall(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	if read(t, filepath.Join(hooks, "pre-commit")) != earlier || read(t, filepath.Join(hooks, ChainedName)) != "" {
		t.Errorf("uninstall did not put the earlier hook back: %+v", res)
	}
	if _, err := Uninstall(ctx, dir); !errors.Is(err, ErrNotOurs) {
		t.Errorf("uninstall of a foreign hook: %v", err)
	}
}

func TestInstallHonoursHooksPath(t *testing.T) {
	ctx := context.Background()
	dir := gitRepo(t)
	git(t, dir, "config", "core.hooksPath", ".githooks")
	log := filepath.Join(t.TempDir(), "log")
	res, err := Install(ctx, dir, Options{Command: fakeEnvseal(t, log)})
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, ".githooks", "pre-commit"); res.Hook != want {
		t.Errorf("hook at %s, want %s", res.Hook, want)
	}
	if _, err := os.Stat(filepath.Join(dir, ".git", "hooks", "pre-commit")); err == nil {
		t.Error("a hook was written where git does not look")
	}
	if out, err := commit(t, dir, "a.txt"); err != nil {
		t.Fatalf("commit: %v\n%s", err, out)
	}
	if read(t, log) != "envseal scan --staged\n" {
		t.Errorf("hook did not run from core.hooksPath: %q", read(t, log))
	}
	if _, err := Uninstall(ctx, dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(res.Hook); !os.IsNotExist(err) {
		t.Error("uninstall left the hook")
	}
	if res, err := Uninstall(ctx, dir); err != nil || !res.Already {
		t.Errorf("uninstall twice: %+v %v", res, err)
	}
}

func TestInstallOutsideGit(t *testing.T) {
	if _, err := Install(context.Background(), t.TempDir(), Options{}); err == nil || !strings.Contains(err.Error(), "git repository") {
		t.Errorf("outside git: %v", err)
	}
}
