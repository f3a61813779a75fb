package atomicfile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWriteFileReplacesWhole(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "f.txt")
	if err := WriteFile(p, []byte("one"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(p, []byte("two"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(p)
	if err != nil || string(got) != "two" {
		t.Fatalf("got %q, %v", got, err)
	}
	fi, _ := os.Stat(p)
	if fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v", fi.Mode())
	}
	if left, _ := filepath.Glob(TempGlob(p)); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

func TestWriteFileFailureLeavesOldFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "f.txt")
	if err := WriteFile(p, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	// A directory where the file should go makes the rename fail.
	target := filepath.Join(dir, "sub")
	if err := os.MkdirAll(filepath.Join(target, "x"), 0o755); err != nil {
		t.Fatal(err)
	}
	err := WriteFile(target, []byte("new"), 0o644)
	if err == nil || !strings.Contains(err.Error(), target) {
		t.Fatalf("err = %v, want one naming %s", err, target)
	}
	if left, _ := filepath.Glob(TempGlob(target)); len(left) != 0 {
		t.Errorf("temporary files left after a failure: %v", left)
	}
	if got, _ := os.ReadFile(p); string(got) != "old" {
		t.Errorf("unrelated file changed: %q", got)
	}
}

func TestKeepMode(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "f")
	if m, err := KeepMode(p, 0o644); err != nil || m != 0o644 {
		t.Errorf("absent: %v %v", m, err)
	}
	if err := os.WriteFile(p, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if m, err := KeepMode(p, 0o644); err != nil || m != 0o600 {
		t.Errorf("existing: %v %v", m, err)
	}
	if _, err := KeepMode(dir, 0o644); err == nil {
		t.Errorf("a directory is not a file to replace")
	}
}
