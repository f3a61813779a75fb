package main

import (
	"crypto/rand"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"filippo.io/age/plugin"
)

// buildAgePlugin builds internal/testkit/ageplugin (a toy plugin written with
// filippo.io/age/plugin) as age-plugin-envsealtest and puts it first on
// PATH, ours (plugins are started by the age library with our PATH) and
// the command's.
func buildAgePlugin(t *testing.T, e *cliEnv) {
	t.Helper()
	dir := t.TempDir()
	cmd := exec.Command("go", "build", "-o", filepath.Join(dir, "age-plugin-envsealtest"), "../../internal/testkit/ageplugin")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the test plugin: %v\n%s", err, out)
	}
	path := dir + string(os.PathListSeparator) + os.Getenv("PATH")
	t.Setenv("PATH", path)
	e.env["PATH"] = path
}

// TestPluginKeys: a teammate whose key lives in an age plugin creates the
// section from the "# Recipient:" comment of the plugin's identity file,
// opens it, and runs with it; a second teammate adds the plugin key.
func TestPluginKeys(t *testing.T) {
	dir := t.TempDir()
	lock := filepath.Join(dir, "envseal.lock")
	prefix := emptyPrefix(t)
	carol := newCLI(t)
	buildAgePlugin(t, carol)
	key := make([]byte, 32)
	rand.Read(key)
	recipient := plugin.EncodeRecipient("envsealtest", key)
	idFile := filepath.Join(t.TempDir(), "yubikey-identity.txt")
	// The shape age-plugin-yubikey writes.
	text := "#       Serial: 1234, Slot: 1\n#    Recipient: " + recipient + "\n" + plugin.EncodeIdentity("envsealtest", key) + "\n"
	if err := os.WriteFile(idFile, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	carol.stdin = "from-the-token"
	carol.mustRun("secrets", "set", "--lock", lock, "--identity", idFile, "TOKEN")
	list := carol.mustRun("secrets", "recipients", "list", "--lock", lock)
	if list != recipient+"\tplugin\tage-plugin-envsealtest\n" {
		t.Errorf("list:\n%s", list)
	}
	if got := carol.mustRun("run", "-p", prefix, "--lock", lock, "--identity", idFile, "--", "sh", "-c", `printf %s "$TOKEN"`); got != "from-the-token" {
		t.Errorf("run saw %q", got)
	}
	// Someone else's plugin key of the same plugin does not open it.
	other := make([]byte, 32)
	rand.Read(other)
	otherFile := filepath.Join(t.TempDir(), "other.txt")
	os.WriteFile(otherFile, []byte(plugin.EncodeIdentity("envsealtest", other)+"\n"), 0o600)
	if _, _, code := carol.run("secrets", "get", "--lock", lock, "--identity", otherFile, "TOKEN"); code != exitNoIdentity {
		t.Errorf("a stranger's plugin key: exit %d, want %d", code, exitNoIdentity)
	}
	// Carol adds that key as a recipient (wrapping runs the plugin); its
	// owner then opens the secret.
	carol.mustRun("secrets", "recipients", "add", "--lock", lock, "--identity", idFile, plugin.EncodeRecipient("envsealtest", other))
	if got := carol.mustRun("secrets", "get", "--lock", lock, "--identity", otherFile, "TOKEN"); got != "from-the-token\n" {
		t.Errorf("the added plugin key read %q", got)
	}
}
