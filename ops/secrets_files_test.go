package ops

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

func TestSplitSealedValue(t *testing.T) {
	tests := []struct {
		in       []byte
		want     []byte
		wantFile bool
	}{
		{[]byte("plain"), []byte("plain"), false},
		{nil, nil, false},
		{sealedFileValue(nil), []byte{}, true},
		{sealedFileValue([]byte("{\"a\":1}\n")), []byte("{\"a\":1}\n"), true},
		{[]byte("\x00envseal:fil"), []byte("\x00envseal:fil"), false},
	}
	for _, tc := range tests {
		got, file := SplitSealedValue(tc.in)
		if !bytes.Equal(got, tc.want) || file != tc.wantFile {
			t.Errorf("SplitSealedValue(%q) = %q, %v; want %q, %v", tc.in, got, file, tc.want, tc.wantFile)
		}
	}
}

// TestSweepRunDirs: a directory its run still holds is kept, one whose
// run died (no lock) is removed, and so is an old half-made one.
func TestSweepRunDirs(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no flock")
	}
	root := t.TempDir()
	live, unlock, err := newRunDir(root)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	dead, unlockDead, err := newRunDir(root)
	if err != nil {
		t.Fatal(err)
	}
	if err := writeNewPrivate(filepath.Join(dead, "CFG"), []byte("x")); err != nil {
		t.Fatal(err)
	}
	unlockDead() // as if its envseal was killed
	fresh := filepath.Join(root, newDirPrefix+"123")
	os.Mkdir(fresh, 0o700)
	sweepRunDirs(root)
	if _, err := os.Stat(live); err != nil {
		t.Errorf("a live run's directory was removed: %v", err)
	}
	if _, err := os.Stat(dead); !os.IsNotExist(err) {
		t.Errorf("a dead run's directory was kept: %v", err)
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Errorf("a directory being made was removed: %v", err)
	}
	if fi, err := os.Stat(live); err == nil && fi.Mode().Perm() != 0o700 {
		t.Errorf("run directory mode %v, want 0700", fi.Mode().Perm())
	}
}
