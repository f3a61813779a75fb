package main

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestUpdateAndShellHook: update replaces a package's history spec and
// picks the newest; the bash hook's activate/deactivate change the shell.
func TestUpdateAndShellHook(t *testing.T) {
	ch := fixtureChannel(t)
	e := newCLI(t)
	e.mustRun("create", "-q", "-n", "u", "--no-pip", "--override-channels", "-c", ch, "python=3.10", "symlinks=1.0")
	if out := e.mustRun("list", "-n", "u"); !strings.Contains(out, "symlinks                  1.0") {
		t.Fatalf("before update:\n%s", out)
	}
	e.mustRun("update", "-q", "-n", "u", "--no-pip", "--override-channels", "-c", ch, "symlinks")
	out := e.mustRun("list", "-n", "u")
	if !strings.Contains(out, "symlinks                  2.0") || !strings.Contains(out, "python                    3.10.16") {
		t.Errorf("after update:\n%s", out)
	}
	if _, errs, code := e.run("update", "-n", "u", "--override-channels", "-c", ch, "numpy"); code == 0 || !strings.Contains(errs, "numpy is not installed") {
		t.Errorf("update of a package that is not installed: exit %d %s", code, errs)
	}

	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	bin := buildEnvseal(t)
	prefix := filepath.Join(e.env["ENVSEAL_ROOT"], "envs", "u")
	script := `
envseal() { :; }
eval "$("$ENVSEAL_BIN" shell-hook --shell bash | sed "s#command envseal#command \"\$ENVSEAL_BIN\"#g")"
envseal activate u || exit 9
printf '%s\n' "$CONDA_PREFIX" "$(command -v python)"
envseal deactivate
printf '[%s]\n' "$CONDA_PREFIX"
`
	cmd := exec.Command(bash, "--norc", "-c", script)
	cmd.Env = []string{"HOME=" + e.env["HOME"], "ENVSEAL_ROOT=" + e.env["ENVSEAL_ROOT"], "PATH=/usr/bin:/bin", "ENVSEAL_BIN=" + bin}
	got, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("bash: %v\n%s", err, got)
	}
	want := prefix + "\n" + filepath.Join(prefix, "bin", "python") + "\n[]\n"
	if string(got) != want {
		t.Errorf("shell hook:\n got %q\nwant %q", got, want)
	}
}
