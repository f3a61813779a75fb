package main

import (
	"bytes"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// emptyPrefix makes the smallest environment `run` accepts.
func emptyPrefix(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "env")
	if err := os.MkdirAll(filepath.Join(p, "conda-meta"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(p, "conda-meta", "history"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// teammate is one person: their own HOME (and identity) but a shared
// working directory holding envseal.lock.
func teammate(t *testing.T, lock string) *cliEnv {
	e := newCLI(t)
	e.env["LOCK"] = lock
	pub := strings.TrimSpace(e.mustRun("secrets", "keygen"))
	if !strings.HasPrefix(pub, "age1") {
		t.Fatalf("keygen printed %q", pub)
	}
	e.env["PUB"] = pub
	return e
}

func TestSecretsSealAndRun(t *testing.T) {
	dir := t.TempDir()
	lock := filepath.Join(dir, "envseal.lock")
	prefix := emptyPrefix(t)
	alice := teammate(t, lock)

	const value = "tok-7f3a9c21e8"
	alice.stdin = value + "\n"
	alice.mustRun("secrets", "set", "--lock", lock, "API_TOKEN")
	alice.stdin = "db-password"
	alice.mustRun("secrets", "set", "--lock", lock, "DB_PASSWORD")

	raw, err := os.ReadFile(lock)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte(value)) || bytes.Contains(raw, []byte("db-password")) {
		t.Fatalf("plaintext in the lockfile:\n%s", raw)
	}
	if got := alice.mustRun("secrets", "list", "--lock", lock); got != "API_TOKEN\nDB_PASSWORD\n" {
		t.Errorf("list: %q", got)
	}
	if got := alice.mustRun("secrets", "get", "--lock", lock, "API_TOKEN"); got != value+"\n" {
		t.Errorf("get: %q", got)
	}
	if got := alice.mustRun("secrets", "recipients", "list", "--lock", lock); strings.TrimSpace(got) != alice.env["PUB"]+"\tpost-quantum" {
		t.Errorf("recipients: %q, want the creator %q", got, alice.env["PUB"])
	}

	show := []string{"sh", "-c", `printf '%s|%s' "$API_TOKEN" "$DB_PASSWORD"`}
	out := alice.mustRun(append([]string{"run", "-p", prefix, "--lock", lock, "--"}, show...)...)
	if out != value+"|db-password" {
		t.Errorf("run injected %q", out)
	}
	out = alice.mustRun(append([]string{"run", "-p", prefix, "--lock", lock, "--secret", "DB_PASSWORD", "--"}, show...)...)
	if out != "|db-password" {
		t.Errorf("--secret subset injected %q", out)
	}
	out = alice.mustRun(append([]string{"run", "-p", prefix, "--lock", lock, "--no-secrets", "--"}, show...)...)
	if out != "|" {
		t.Errorf("--no-secrets injected %q", out)
	}

	// A stranger's identity: "no identity matched", exit 5, child not run.
	mallory := teammate(t, lock)
	marker := filepath.Join(dir, "started")
	_, errs, code := mallory.run("run", "-p", prefix, "--lock", lock, "--", "touch", marker)
	if code != exitNoIdentity || !strings.Contains(errs, "no identity matched") {
		t.Errorf("wrong identity: exit %d, stderr %s", code, errs)
	}
	if _, err := os.Stat(marker); !os.IsNotExist(err) {
		t.Errorf("the command ran although the secrets could not be opened")
	}

	// Tampering: flip one byte of a sealed value; exit 4, child not run.
	tampered := flipSealedValue(t, raw)
	if err := os.WriteFile(lock, tampered, 0o644); err != nil {
		t.Fatal(err)
	}
	_, errs, code = alice.run("run", "-p", prefix, "--lock", lock, "--", "touch", marker)
	if code != exitIntegrity {
		t.Errorf("tampered value: exit %d, want %d; stderr %s", code, exitIntegrity, errs)
	}
	if _, err := os.Stat(marker); !os.IsNotExist(err) {
		t.Errorf("the command ran on a tampered lock")
	}
	if strings.Contains(errs, value) || strings.Contains(errs, "db-password") {
		t.Errorf("a secret value leaked into the error: %s", errs)
	}
}

// flipSealedValue changes one byte of the first sealed value, keeping the
// base64 valid.
func flipSealedValue(t *testing.T, lock []byte) []byte {
	t.Helper()
	lines := strings.Split(string(lock), "\n")
	for i, l := range lines {
		k, v, ok := strings.Cut(strings.TrimSpace(l), ": ")
		if !ok || k != "value" {
			continue
		}
		b, err := base64.StdEncoding.DecodeString(v)
		if err != nil {
			t.Fatal(err)
		}
		b[len(b)/2] ^= 0x01
		lines[i] = strings.Replace(l, v, base64.StdEncoding.EncodeToString(b), 1)
		return []byte(strings.Join(lines, "\n"))
	}
	t.Fatal("no sealed value found")
	return nil
}

func TestSecretsTeammates(t *testing.T) {
	dir := t.TempDir()
	lock := filepath.Join(dir, "envseal.lock")
	alice, bob := teammate(t, lock), teammate(t, lock)
	alice.stdin = "v1"
	alice.mustRun("secrets", "set", "--lock", lock, "TOKEN")
	alice.mustRun("secrets", "recipients", "add", "--lock", lock, bob.env["PUB"])
	if got := bob.mustRun("secrets", "get", "--lock", lock, "TOKEN"); got != "v1\n" {
		t.Errorf("bob reads %q", got)
	}
	before, _ := os.ReadFile(lock)
	alice.mustRun("secrets", "recipients", "rm", "--lock", lock, bob.env["PUB"])
	after, _ := os.ReadFile(lock)
	if dataKey(before) == dataKey(after) {
		t.Errorf("removing a recipient did not change the data key")
	}
	if _, _, code := bob.run("secrets", "get", "--lock", lock, "TOKEN"); code != exitNoIdentity {
		t.Errorf("bob after removal: exit %d, want %d", code, exitNoIdentity)
	}
	if got := alice.mustRun("secrets", "get", "--lock", lock, "TOKEN"); got != "v1\n" {
		t.Errorf("alice after re-key reads %q", got)
	}
}

func dataKey(lock []byte) string {
	s := string(lock)
	i := strings.Index(s, "data_key") // data_key: (version 1) or data_keys: (version 2)
	j := strings.Index(s, "entries:")
	if i < 0 || j < i {
		return ""
	}
	return s[i:j]
}

func TestSecretsBadInput(t *testing.T) {
	dir := t.TempDir()
	lock := filepath.Join(dir, "envseal.lock")
	e := teammate(t, lock)
	e.stdin = "x"
	if _, errs, code := e.run("secrets", "set", "--lock", lock, "BAD-NAME"); code != exitUsage || !strings.Contains(errs, "BAD-NAME") {
		t.Errorf("bad name: exit %d %s", code, errs)
	}
	if _, _, code := e.run("secrets", "set", "--lock", lock, "A", "value-on-argv"); code != exitUsage {
		t.Errorf("value on argv accepted: exit %d", code)
	}
	if _, errs, code := e.run("secrets", "get", "--lock", lock, "NOPE"); code == 0 || !strings.Contains(errs, "envseal.lock") {
		t.Errorf("get without a lock: exit %d %s", code, errs)
	}
	noID := newCLI(t)
	noID.stdin = "x"
	if _, errs, code := noID.run("secrets", "set", "--lock", lock, "A"); code != exitNoIdentity || !strings.Contains(errs, "keygen") {
		t.Errorf("no identity: exit %d %s", code, errs)
	}
}

// TestRunRefusesUnreadableDefaultLock: only an absent envseal.lock means
// "no secrets"; one that cannot be read (here a symlink loop) stops run
// before the command starts.
func TestRunRefusesUnreadableDefaultLock(t *testing.T) {
	dir := t.TempDir()
	if err := os.Symlink("envseal.lock", filepath.Join(dir, "envseal.lock")); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	prefix := emptyPrefix(t)
	e := newCLI(t)
	out, errs, code := e.run("run", "-p", prefix, "--", "sh", "-c", "echo started")
	if code == 0 || strings.Contains(out, "started") {
		t.Errorf("the command ran without its secrets: exit %d\nstdout: %s\nstderr: %s", code, out, errs)
	}
}

func TestRunDoesNotPassTheIdentityKey(t *testing.T) {
	dir := t.TempDir()
	lock := filepath.Join(dir, "envseal.lock")
	prefix := emptyPrefix(t)
	e := teammate(t, lock)
	key, err := os.ReadFile(filepath.Join(e.env["HOME"], ".config", "envseal", "identity.txt"))
	if err != nil {
		t.Fatal(err)
	}
	e.env["ENVSEAL_IDENTITY"] = string(key)
	e.stdin = "v"
	e.mustRun("secrets", "set", "--lock", lock, "TOKEN")
	out := e.mustRun("run", "-p", prefix, "--lock", lock, "--", "sh", "-c", `printf '%s|%s' "$TOKEN" "${ENVSEAL_IDENTITY:-unset}"`)
	if out != "v|unset" {
		t.Errorf("child saw %q", out)
	}
}

func TestShellActivateSkipsUnsafeNames(t *testing.T) {
	var b bytes.Buffer
	writeEnvDiff(&b, "bash", nil, []string{"GOOD=1", "BAD$(touch x)=2"})
	if got := b.String(); got != "export GOOD='1'\n" {
		t.Errorf("got %q", got)
	}
}
