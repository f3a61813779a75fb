package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestJSONErrorShape: every --json failure is JSON on stdout with error,
// exit_code and, where envseal knows the next step, guidance.
func TestJSONErrorShape(t *testing.T) {
	ch := solveChannel(t)
	dir := t.TempDir()
	bad := filepath.Join(dir, "environment.yml")
	if err := os.WriteFile(bad, []byte("name: x\ndependencies:\n  - python=3.10\n  - [oops\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	alice := newCLI(t)
	alice.mustRun("secrets", "keygen")
	lock := filepath.Join(dir, "envseal.lock")
	alice.stdin = "v"
	alice.mustRun("secrets", "set", "--lock", lock, "TOKEN")
	bob := newCLI(t)
	bob.mustRun("secrets", "keygen")

	for _, tc := range []struct {
		name     string
		e        *cliEnv
		args     []string
		code     int
		guidance string
	}{
		{"parse error", alice, []string{"create", "--json", "--dry-run", "-n", "x", "--override-channels", "-c", ch, "-f", bad}, exitError, "line"},
		{"unsolvable", alice, []string{"create", "--json", "--dry-run", "-n", "x", "--override-channels", "-c", ch, "python=3.10", "python=3.11"}, exitUnsolvable, "envseal search"},
		{"secrets not openable", bob, []string{"secrets", "get", "--json", "--lock", lock, "TOKEN"}, exitNoIdentity, "envseal secrets recipients add"},
		{"stale lock", alice, []string{"lock", "--json", "--check", "--override-channels", "-c", ch, "-f", bad, "-o", lock}, exitError, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, errs, code := tc.e.run(tc.args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tc.code, out, errs)
			}
			var j map[string]any
			if err := json.Unmarshal([]byte(out), &j); err != nil {
				t.Fatalf("stdout is not JSON: %v\n%s", err, out)
			}
			if msg, _ := j["error"].(string); msg == "" {
				t.Errorf("no error field: %v", j)
			}
			if ec, _ := j["exit_code"].(float64); int(ec) != tc.code {
				t.Errorf("exit_code = %v, want %d", j["exit_code"], tc.code)
			}
			if g, _ := j["guidance"].(string); tc.guidance != "" && !strings.Contains(g, tc.guidance) {
				t.Errorf("guidance = %q, want it to mention %q", g, tc.guidance)
			}
			if strings.Contains(out+errs, "\"v\"") {
				t.Errorf("a secret value reached the output")
			}
		})
	}
}
