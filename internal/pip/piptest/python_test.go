package piptest

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestPythonPrefix(t *testing.T) {
	if testing.Short() {
		t.Skip("extracts CPython; skipped with -short")
	}
	ch := FixtureChannel(t)
	start := time.Now()
	prefix := PythonPrefix(t, ch)
	t.Logf("prefix built in %v", time.Since(start))
	out, err := exec.Command(filepath.Join(prefix, "bin", "python"), "-m", "pip", "--version").CombinedOutput()
	if err != nil {
		t.Fatalf("pip --version: %v\n%s", err, out)
	}
	if !strings.HasPrefix(string(out), "pip 24.3.1 from "+prefix+"/lib/python3.10/site-packages/pip") {
		t.Errorf("pip --version = %q", out)
	}
}
