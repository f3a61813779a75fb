package scan

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// gitRepo makes an empty repository with an identity for commits.
func gitRepo(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	dir := t.TempDir()
	gitIn(t, dir, "init", "-q", "-b", "main")
	gitIn(t, dir, "config", "user.email", "t@example.com")
	gitIn(t, dir, "config", "user.name", "t")
	gitIn(t, dir, "config", "commit.gpgsign", "false")
	return dir
}

func gitIn(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "HOME="+dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, text := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func findingStrings(fs []Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.String())
	}
	return out
}

func TestRunStagedReadsTheIndex(t *testing.T) {
	ctx := context.Background()
	dir := gitRepo(t)
	tok := "ghp_" + fake(alnum, 36, 70)
	key := "AKIA" + fake(upper32, 16, 71)
	writeFiles(t, dir, map[string]string{
		"old.txt":          "committed before: " + tok + "\n",
		"sub/config.json":  `{"token": "` + tok + `"}` + "\n",
		"clean.txt":        "nothing\n",
		"fixtures/k.txt":   key + "\n",
		"blob.bin":         "\x00" + key,
		".envsealignore":   "fixtures/\n",
		"docs/example.txt": "x " + key + "\n",
	})
	gitIn(t, dir, "add", "old.txt")
	gitIn(t, dir, "commit", "-q", "-m", "old", "--no-verify")
	gitIn(t, dir, "add", "sub/config.json", "clean.txt", "fixtures/k.txt", "blob.bin", ".envsealignore")
	// The working tree no longer has the token, the index does.
	writeFiles(t, dir, map[string]string{"sub/config.json": "{}\n"})
	// docs/example.txt is not staged at all.
	res, err := Run(ctx, Request{Dir: filepath.Join(dir, "sub"), Staged: true})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"sub/config.json:1: github-token"}
	if got := findingStrings(res.Findings); !slices.Equal(got, want) {
		t.Errorf("staged findings %v, want %v", got, want)
	}
	if res.Skipped != 1 {
		t.Errorf("skipped %d, want 1 (fixtures/ by the staged allow-list)", res.Skipped)
	}

	// A staged allow-list entry applies to the commit.
	writeFiles(t, dir, map[string]string{".envsealignore": "fixtures/\nsub/*.json:github-token\n"})
	gitIn(t, dir, "add", ".envsealignore")
	res, err = Run(ctx, Request{Dir: dir, Staged: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Findings) != 0 {
		t.Errorf("with the staged allow-list: %v", res.Findings)
	}
}

func TestRunTrackedAndPaths(t *testing.T) {
	ctx := context.Background()
	dir := gitRepo(t)
	tok := "glpat-" + fake(alnum, 20, 72)
	writeFiles(t, dir, map[string]string{
		"a/tracked.txt":   tok + "\n",
		"a/untracked.txt": tok + "\n",
		"b/tracked.txt":   "ok\n",
	})
	gitIn(t, dir, "add", "a/tracked.txt", "b/tracked.txt")
	res, err := Run(ctx, Request{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := findingStrings(res.Findings), []string{"a/tracked.txt:1: gitlab-token"}; !slices.Equal(got, want) {
		t.Errorf("tracked: %v, want %v", got, want)
	}
	// In a subdirectory, names are relative to it.
	res, err = Run(ctx, Request{Dir: filepath.Join(dir, "a")})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := findingStrings(res.Findings), []string{"tracked.txt:1: gitlab-token"}; !slices.Equal(got, want) {
		t.Errorf("tracked in a/: %v, want %v", got, want)
	}
	// Explicit paths are scanned whether tracked or not.
	res, err = Run(ctx, Request{Dir: dir, Paths: []string{"a"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Findings) != 2 {
		t.Errorf("paths: %v", res.Findings)
	}
	// Outside git, the directory is walked.
	plain := t.TempDir()
	writeFiles(t, plain, map[string]string{"x/y.txt": tok + "\n"})
	res, err = Run(ctx, Request{Dir: plain})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := findingStrings(res.Findings), []string{"x/y.txt:1: gitlab-token"}; !slices.Equal(got, want) {
		t.Errorf("walk: %v, want %v", got, want)
	}
	if _, err := Run(ctx, Request{Dir: dir, Paths: []string{"missing"}}); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("missing path: %v", err)
	}
}

// TestRunStagedFollowsGitIndexFile: `git commit -a` and `git commit FILE`
// run the hook with GIT_INDEX_FILE pointing at a temporary index; the scan
// must read that one, not .git/index.
func TestRunStagedFollowsGitIndexFile(t *testing.T) {
	dir := gitRepo(t)
	tok := "ghp_" + fake(alnum, 36, 73)
	writeFiles(t, dir, map[string]string{"a.txt": "clean\n"})
	gitIn(t, dir, "add", "a.txt")
	gitIn(t, dir, "commit", "-q", "-m", "a")
	writeFiles(t, dir, map[string]string{"a.txt": tok + "\n"})
	// The real index has nothing staged; a temporary one has the change.
	alt := filepath.Join(t.TempDir(), "index")
	data, err := os.ReadFile(filepath.Join(dir, ".git", "index"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(alt, data, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("git", "add", "a.txt")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_INDEX_FILE="+alt)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git add: %v\n%s", err, out)
	}
	res, err := Run(context.Background(), Request{Dir: dir, Staged: true})
	if err != nil || len(res.Findings) != 0 {
		t.Fatalf("real index: %v %v", res, err)
	}
	t.Setenv("GIT_INDEX_FILE", alt)
	res, err = Run(context.Background(), Request{Dir: dir, Staged: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := findingStrings(res.Findings); !slices.Equal(got, []string{"a.txt:1: github-token"}) {
		t.Errorf("temporary index: %v", got)
	}
}
