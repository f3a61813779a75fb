package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestScanExitCodesAndJSON(t *testing.T) {
	dir := t.TempDir()
	tok := "glpat-" + fakeToken("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 20, 9)
	clean := filepath.Join(dir, "clean.txt")
	leak := filepath.Join(dir, "leak.yml")
	os.WriteFile(clean, []byte("nothing\n"), 0o644)
	os.WriteFile(leak, []byte("ci:\n  token: "+tok+"\n"), 0o644)
	e := newCLI(t)

	out, errs, code := e.run("scan", clean)
	if code != exitOK || out != "" {
		t.Errorf("clean: exit %d, out %q, err %q", code, out, errs)
	}
	out, errs, code = e.run("scan", clean, leak)
	if code != exitFound || out != leak+":2: gitlab-token\n" {
		t.Errorf("leak: exit %d, out %q", code, out)
	}
	if !strings.Contains(errs, "envseal secrets set NAME") || strings.Contains(out+errs, tok) {
		t.Errorf("stderr: %s", errs)
	}
	out, _, code = e.run("scan", "--json", leak)
	var got struct {
		Findings []map[string]any `json:"findings"`
		Files    int              `json:"files"`
		Skipped  int              `json:"skipped"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil || code != exitFound {
		t.Fatalf("--json: exit %d, %v\n%s", code, err, out)
	}
	want := map[string]any{"file": leak, "line": 2.0, "rule": "gitlab-token"}
	if len(got.Findings) != 1 || len(got.Findings[0]) != len(want) || got.Files != 1 {
		t.Fatalf("--json shape: %s", out)
	}
	for k, v := range want {
		if got.Findings[0][k] != v {
			t.Errorf("--json %s = %v, want %v", k, got.Findings[0][k], v)
		}
	}

	if _, errs, code := e.run("scan", "--staged", leak); code != exitUsage {
		t.Errorf("--staged with a path: exit %d (%s)", code, errs)
	}
	if _, errs, code := e.run("scan", filepath.Join(dir, "missing")); code != exitError || !strings.Contains(errs, "missing") {
		t.Errorf("missing path: exit %d (%s)", code, errs)
	}
	if out, _, code := e.run("scan", "--rules"); code != 0 || !strings.Contains(out, "sealed-secret") {
		t.Errorf("--rules: %d %s", code, out)
	}
}

func TestSecretsImportFailures(t *testing.T) {
	dir := t.TempDir()
	lock := filepath.Join(dir, "envseal.lock")
	envPath := filepath.Join(dir, "environment.yml")
	e := teammate(t, lock)
	const envFile = "name: app\nvariables:\n  API_TOKEN: tok-123456\n  MODE: dev\n"
	os.WriteFile(envPath, []byte(envFile), 0o644)

	// A name that is not there: nothing changes.
	if _, errs, code := e.run("secrets", "import", "--lock", lock, "-f", envPath, "NOPE"); code == 0 || !strings.Contains(errs, "NOPE") {
		t.Errorf("unknown name: exit %d (%s)", code, errs)
	}
	// The seal cannot be written (the lock's directory is read-only): the
	// environment file keeps its variables.
	ro := filepath.Join(dir, "ro")
	os.Mkdir(ro, 0o555)
	if os.Geteuid() != 0 {
		if _, _, code := e.run("secrets", "import", "--lock", filepath.Join(ro, "envseal.lock"), "-f", envPath); code == 0 {
			t.Error("import succeeded without a writable lock")
		}
		if b, _ := os.ReadFile(envPath); string(b) != envFile {
			t.Errorf("environment file changed although the seal was not written:\n%s", b)
		}
	}
	// A lock that exists but is not a lockfile: same.
	bad := filepath.Join(dir, "bad.lock")
	os.WriteFile(bad, []byte("version: [\n"), 0o644)
	if _, _, code := e.run("secrets", "import", "--lock", bad, "-f", envPath); code == 0 {
		t.Error("import into a broken lock succeeded")
	}
	if b, _ := os.ReadFile(envPath); string(b) != envFile {
		t.Errorf("environment file changed although the seal was not written:\n%s", b)
	}

	// Success: the value is sealed, the file keeps MODE.
	e.mustRun("secrets", "import", "--lock", lock, "-f", envPath, "API_TOKEN")
	if b, _ := os.ReadFile(envPath); string(b) != "name: app\nvariables:\n  MODE: dev\n" {
		t.Errorf("after import:\n%s", b)
	}
	if got := e.mustRun("secrets", "get", "--lock", lock, "API_TOKEN"); got != "tok-123456\n" {
		t.Errorf("sealed value %q", got)
	}
	if raw, _ := os.ReadFile(lock); strings.Contains(string(raw), "tok-123456") {
		t.Error("plaintext in the lock")
	}
	// Nothing left to import.
	os.WriteFile(envPath, []byte("name: app\n"), 0o644)
	if _, errs, code := e.run("secrets", "import", "--lock", lock, "-f", envPath); code == 0 || !strings.Contains(errs, "no variables") {
		t.Errorf("no variables: exit %d (%s)", code, errs)
	}
}
