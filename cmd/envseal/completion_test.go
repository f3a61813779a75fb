package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestCompleteCandidates(t *testing.T) {
	e := newCLI(t)
	for _, env := range []string{"ml", "mlops", "web"} {
		if err := os.MkdirAll(filepath.Join(e.env["ENVSEAL_ROOT"], "envs", env, "conda-meta"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	e.mustRun("secrets", "keygen")
	lock := filepath.Join(t.TempDir(), "envseal.lock")
	for _, n := range []string{"WANDB_API_KEY", "WEB_TOKEN"} {
		e.stdin = "v"
		e.mustRun("secrets", "set", "--lock", lock, n)
	}
	for _, tc := range []struct {
		words []string
		want  string
	}{
		{[]string{"cr"}, "create"},
		{[]string{"secrets", "re"}, "recipients"},
		{[]string{"create", "--dry"}, "--dry-run"},
		{[]string{"run", "-n", "ml"}, "ml\nmlops"},
		{[]string{"list", "--name", ""}, "ml\nmlops\nweb"},
		{[]string{"secrets", "get", "--lock", lock, "W"}, "WANDB_API_KEY\nWEB_TOKEN"},
		{[]string{"secrets", "rm", "--lock", lock, "WA"}, "WANDB_API_KEY"},
		{[]string{"create", "-c", ""}, ""},
		{[]string{"xyz"}, ""},
	} {
		out := e.mustRun(append([]string{"__complete"}, tc.words...)...)
		if got := strings.TrimSuffix(out, "\n"); got != tc.want {
			t.Errorf("complete %q = %q, want %q", tc.words, got, tc.want)
		}
	}
	if _, errs, code := e.run("completion", "tcsh"); code != exitUsage || !strings.Contains(errs, "bash, zsh, fish, powershell") {
		t.Errorf("completion tcsh: exit %d %s", code, errs)
	}
}

// TestCompletionScripts loads each script into its shell where the shell
// is installed; bash also completes for real through the binary.
func TestCompletionScripts(t *testing.T) {
	bin := buildEnvseal(t)
	p := newProc(t, bin, filepath.Join(t.TempDir(), "root"))
	p.env = append(p.env, "PATH="+filepath.Dir(bin)+string(os.PathListSeparator)+os.Getenv("PATH"))
	for _, shell := range []string{"bash", "zsh", "fish"} {
		sh, err := exec.LookPath(shell)
		if err != nil {
			t.Logf("%s not installed: its script is not checked", shell)
			continue
		}
		script := p.mustRun("completion", shell)
		check := exec.Command(sh, "-n")
		check.Stdin = strings.NewReader(script)
		if out, err := check.CombinedOutput(); err != nil {
			t.Errorf("%s -n rejects the script: %v\n%s", shell, err, out)
		}
	}
	if _, err := exec.LookPath("bash"); err != nil {
		return
	}
	script := p.mustRun("completion", "--shell", "bash")
	cmd := exec.Command("bash", "--norc", "-c", script+`
COMP_WORDS=(envseal secrets re); COMP_CWORD=2; _envseal; echo "${COMPREPLY[*]}"
COMP_WORDS=(envseal lo); COMP_CWORD=1; _envseal; echo "${COMPREPLY[*]}"`)
	cmd.Env = append(p.env, "PATH="+filepath.Dir(bin)+string(os.PathListSeparator)+os.Getenv("PATH"))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("bash: %v\n%s", err, out)
	}
	if got := string(out); got != "recipients\nlock\n" {
		t.Errorf("bash completion printed %q", got)
	}
}
