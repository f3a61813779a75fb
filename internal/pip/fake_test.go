//go:build unix

package pip

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// fakePython writes <prefix>/bin/python as a shell script that records
// its arguments, the requirements file, environment and working directory
// next to itself, then runs body.
func fakePython(t *testing.T, body string) string {
	t.Helper()
	prefix := t.TempDir()
	script := `#!/bin/sh
printf '%s\n' "$@" > "$0.args"
prev=""
for a in "$@"; do
  [ "$prev" = "-r" ] && cp "$a" "$0.reqs"
  [ "$prev" = "--report" ] && report="$a"
  prev="$a"
done
env > "$0.env"
pwd > "$0.pwd"
` + body
	if err := os.MkdirAll(filepath.Join(prefix, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(prefix, "bin", "python"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return prefix
}

func recorded(t *testing.T, prefix, what string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(prefix, "bin", "python."+what))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestInstallCommandLine(t *testing.T) {
	prefix := fakePython(t, "echo 'Successfully installed x-1'\necho 'WARNING: w' >&2\n")
	envDir := t.TempDir()
	var stdout, stderr bytes.Buffer
	opts := Options{
		Dir: envDir, Env: []string{"PATH=/usr/bin:/bin", "PIP_FIND_LINKS=/opt/wheels", "PYTHONPATH=/x"},
		PipEnv: []string{"PIP_CERT=/ca.pem"}, Stdout: &stdout, Stderr: &stderr, Args: []string{"--no-cache-dir"},
	}
	lines := []string{"--index-url https://${TOKEN}@pkgs.example.com/simple", "-r reqs.txt", "x==1", "-e ./src"}
	if err := Install(context.Background(), prefix, lines, opts); err != nil {
		t.Fatal(err)
	}
	args := strings.Split(strings.TrimSpace(recorded(t, prefix, "args")), "\n")
	if len(args) != 10 {
		t.Fatalf("args %q", args)
	}
	reqPath := args[7]
	want := []string{"-m", "pip", "install", "--disable-pip-version-check", "--no-input", "-U", "-r", reqPath, "--exists-action=b", "--no-cache-dir"}
	if !slices.Equal(args, want) || filepath.Base(reqPath) != "condaenv.requirements.txt" {
		t.Errorf("args %q\n want %q", args, want)
	}
	if _, err := os.Stat(reqPath); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("temporary requirements file left behind: %v", err)
	}
	wantReqs := "--index-url https://${TOKEN}@pkgs.example.com/simple\n-r " + filepath.Join(envDir, "reqs.txt") + "\nx==1\n-e " + filepath.Join(envDir, "src") + "\n"
	if got := recorded(t, prefix, "reqs"); got != wantReqs {
		t.Errorf("requirements file %q\n want %q", got, wantReqs)
	}
	if got := strings.TrimSpace(recorded(t, prefix, "pwd")); got != envDir {
		t.Errorf("ran in %q, want %q", got, envDir)
	}
	env := recorded(t, prefix, "env")
	if strings.Contains(env, "PIP_FIND_LINKS") || strings.Contains(env, "PYTHONPATH") || !strings.Contains(env, "PIP_CERT=/ca.pem") || !strings.Contains(env, "PYTHONNOUSERSITE=1") {
		t.Errorf("child environment:\n%s", env)
	}
	if stdout.String() != "Successfully installed x-1\n" || stderr.String() != "WARNING: w\n" {
		t.Errorf("streams %q %q", stdout.String(), stderr.String())
	}
}

func TestResolveCommandLine(t *testing.T) {
	report, err := os.ReadFile("testdata/report-findlinks.json")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "report.json"), report, 0o644); err != nil {
		t.Fatal(err)
	}
	prefix := fakePython(t, "cp '"+filepath.Join(dir, "report.json")+"' \"$report\"\n")
	dists, err := Resolve(context.Background(), prefix, []string{"hellopkg"}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(dists) != 2 || dists[0].Name != "hellopkg" || !dists[0].Requested {
		t.Errorf("Resolve = %+v", dists)
	}
	args := recorded(t, prefix, "args")
	for _, a := range []string{"--dry-run\n", "--ignore-installed\n", "--report\n"} {
		if !strings.Contains(args, a) {
			t.Errorf("args lack %q:\n%s", a, args)
		}
	}

	// A report pip did not write, or garbage, is an error.
	prefix = fakePython(t, "echo '{\"version\": \"2\"}' > \"$report\"\n")
	if _, err := Resolve(context.Background(), prefix, []string{"x"}, Options{}); !errors.Is(err, ErrReport) {
		t.Errorf("Resolve with a version 2 report = %v", err)
	}
	prefix = fakePython(t, "")
	var pe *Error
	if _, err := Resolve(context.Background(), prefix, []string{"x"}, Options{}); !errors.As(err, &pe) || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Resolve without a report = %v", err)
	}
}

func TestInstallLockedCommandLine(t *testing.T) {
	prefix := fakePython(t, "")
	h := strings.Repeat("ab", 32)
	dists := []Dist{
		{Name: "a", Version: "1", URL: "https://${T}@h/a-1.whl", SHA256: h},
		{Name: "b", Version: "2", URL: "https://h/b-2.tar.gz", SHA256: h},
	}
	if err := InstallLocked(context.Background(), prefix, dists, Options{Dir: "/ignored"}); err != nil {
		t.Fatal(err)
	}
	if got, want := recorded(t, prefix, "reqs"), "a @ https://${T}@h/a-1.whl --hash=sha256:"+h+"\nb @ https://h/b-2.tar.gz --hash=sha256:"+h+"\n"; got != want {
		t.Errorf("requirements %q\n want %q", got, want)
	}
	if args := recorded(t, prefix, "args"); !strings.Contains(args, "--no-deps\n--require-hashes\n-r\n") {
		t.Errorf("args:\n%s", args)
	}
}

func TestInstallFailureAndCancel(t *testing.T) {
	prefix := fakePython(t, "echo 'ERROR: Could not find a version that satisfies the requirement x==9 (from versions: 1)' >&2\necho 'ERROR: No matching distribution found for x==9' >&2\nexit 1\n")
	err := Install(context.Background(), prefix, []string{"x==9"}, Options{})
	if err == nil || err.Error() != "pip install x==9: No matching distribution found for x==9" {
		t.Errorf("Install = %v", err)
	}

	prefix = fakePython(t, "exec sleep 30\n")
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	err = Install(ctx, prefix, []string{"x"}, Options{})
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 10*time.Second {
		t.Errorf("canceled Install = %v after %v", err, time.Since(start))
	}

	prefix = fakePython(t, "echo \"$0: No module named pip\" >&2\nexit 1\n")
	if err := Install(context.Background(), prefix, []string{"x"}, Options{}); !errors.Is(err, ErrNoPip) {
		t.Errorf("Install without pip = %v", err)
	}
}
