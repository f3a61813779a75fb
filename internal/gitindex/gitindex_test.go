package gitindex

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func gitT(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "HOME="+dir,
		"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
}

func TestStagedAndBlobs(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	ctx := context.Background()
	dir := t.TempDir()
	gitT(t, dir, "init", "-q", "-b", "main")
	write := func(name, text string) {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("old.txt", "old\n")
	gitT(t, dir, "add", "old.txt")
	gitT(t, dir, "commit", "-q", "-m", "x")
	write("new file.txt", "staged\x00bytes")
	write("sub/b.txt", "b\n")
	if err := os.Symlink("old.txt", filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	gitT(t, dir, "add", "new file.txt", "sub/b.txt", "link")
	write("new file.txt", "working tree")

	all, err := Staged(ctx, dir, false)
	if err != nil {
		t.Fatal(err)
	}
	changed, err := Staged(ctx, dir, true)
	if err != nil {
		t.Fatal(err)
	}
	paths := func(es []Entry) string {
		var out []string
		for _, e := range es {
			out = append(out, e.Path)
		}
		return strings.Join(out, ",")
	}
	if got := paths(all); got != "new file.txt,old.txt,sub/b.txt" {
		t.Errorf("all staged: %s (the symlink must be left out)", got)
	}
	if got := paths(changed); got != "new file.txt,sub/b.txt" {
		t.Errorf("changed: %s", got)
	}
	var contents []string
	if err := ReadBlobs(ctx, dir, all, func(e Entry, data []byte) error {
		contents = append(contents, e.Path+"="+string(data))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(contents, "|"); got != "new file.txt=staged\x00bytes|old.txt=old\n|sub/b.txt=b\n" {
		t.Errorf("blobs: %q", got)
	}
	if data, ok, err := ReadStaged(ctx, dir, "sub/b.txt"); err != nil || !ok || string(data) != "b\n" {
		t.Errorf("ReadStaged: %q %v %v", data, ok, err)
	}
	if _, ok, err := ReadStaged(ctx, dir, "absent"); err != nil || ok {
		t.Errorf("ReadStaged of an absent path: %v %v", ok, err)
	}
	if _, err := TopLevel(ctx, t.TempDir()); err == nil {
		t.Error("TopLevel outside a repository")
	}
	bad := []Entry{{Mode: "100644", Object: strings.Repeat("0", 40), Path: "ghost"}}
	if err := ReadBlobs(ctx, dir, bad, func(Entry, []byte) error { return nil }); err == nil || !strings.Contains(err.Error(), "ghost") {
		t.Errorf("missing object: %v", err)
	}
}
