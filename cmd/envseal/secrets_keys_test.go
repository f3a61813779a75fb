package main

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"golang.org/x/crypto/ssh"
)

// sshKey is an ed25519 key: its authorized_keys line and a private key file.
func sshKey(t *testing.T, comment string) (line, fingerprint, keyFile string) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	spk, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(priv, comment)
	if err != nil {
		t.Fatal(err)
	}
	keyFile = filepath.Join(t.TempDir(), "id_ed25519")
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(spk))) + " " + comment, ssh.FingerprintSHA256(spk), keyFile
}

func TestRecipientsKeysURL(t *testing.T) {
	dir := t.TempDir()
	lock := filepath.Join(dir, "envseal.lock")
	alice := teammate(t, lock)
	alice.stdin = "tok-1"
	alice.mustRun("secrets", "set", "--lock", lock, "TOKEN")

	bobLine, bobFP, bobKey := sshKey(t, "bob@laptop")
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ecPub, err := ssh.NewPublicKey(&ec.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	lists := map[string]string{
		"/bob.keys": bobLine + "\n" + strings.TrimSpace(string(ssh.MarshalAuthorizedKey(ecPub))) + "\n",
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		body, ok := lists[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write([]byte(body))
	}))
	defer srv.Close()
	alice.env["ENVSEAL_GITHUB_KEYS_URL"] = srv.URL + "/{user}.keys"

	_, errs, code := alice.run("secrets", "recipients", "add", "--lock", lock, "github:bob")
	if code != 0 {
		t.Fatalf("add github:bob: exit %d\n%s", code, errs)
	}
	if !strings.Contains(errs, "skipped github:bob: ecdsa-sha2-nistp256 "+ssh.FingerprintSHA256(ecPub)) || !strings.Contains(errs, bobFP) {
		t.Errorf("add's report:\n%s", errs)
	}
	raw, _ := os.ReadFile(lock)
	if !strings.Contains(string(raw), "- fingerprint: "+bobFP+"\n") || !strings.Contains(string(raw), "comment: bob@laptop (github:bob)\n") {
		t.Errorf("the lock does not record bob's fingerprint and comment:\n%s", raw)
	}
	// Bob opens the secret with his SSH key.
	bob := newCLI(t)
	if got := bob.mustRun("secrets", "get", "--lock", lock, "--identity", bobKey, "TOKEN"); got != "tok-1\n" {
		t.Errorf("bob read %q", got)
	}
	list := alice.mustRun("secrets", "recipients", "list", "--lock", lock)
	wantLines := []string{
		alice.env["PUB"] + "\tpost-quantum",
		strings.Fields(bobLine)[0] + " " + strings.Fields(bobLine)[1] + "\tssh-ed25519\t" + bobFP + ", bob@laptop (github:bob)",
	}
	if want := strings.Join(wantLines, "\n") + "\n"; list != want {
		t.Errorf("list:\n%s\nwant:\n%s", list, want)
	}
	_, notes, _ := alice.run("secrets", "recipients", "list", "--lock", lock)
	if !strings.Contains(notes, "envseal: data key last rotated 20") || !strings.Contains(notes, "not post-quantum") {
		t.Errorf("list's notes lack the rotation date or the classic warning:\n%s", notes)
	}
	// The list reads back as a --file.
	listFile := filepath.Join(dir, "team.txt")
	os.WriteFile(listFile, []byte(list), 0o644)
	alice.mustRun("secrets", "recipients", "add", "--lock", lock, "--file", listFile)
	var js struct {
		Recipients  []struct{ Fingerprint, Comment, Kind string }
		Rotated     string
		PostQuantum bool `json:"post_quantum"`
	}
	if err := json.Unmarshal([]byte(alice.mustRun("secrets", "recipients", "list", "--json", "--lock", lock)), &js); err != nil || len(js.Recipients) != 2 || js.Rotated == "" || js.PostQuantum {
		t.Errorf("list --json: %+v %v", js, err)
	}
	// Bob's key changes upstream: adding the list again records the new
	// fingerprint, which is what a reviewer sees in the diff.
	newLine, newFP, _ := sshKey(t, "bob@new-laptop")
	mu.Lock()
	lists["/bob.keys"] = newLine + "\n"
	mu.Unlock()
	alice.mustRun("secrets", "recipients", "add", "--lock", lock, "--keys-url", srv.URL+"/bob.keys")
	raw, _ = os.ReadFile(lock)
	if !strings.Contains(string(raw), "fingerprint: "+newFP) {
		t.Errorf("the new key's fingerprint is not in the lock")
	}

	bad := []struct {
		name string
		args []string
		code int
	}{
		{"plain http elsewhere", []string{"--keys-url", "http://example.com/bob.keys"}, exitUsage},
		{"bad user", []string{"github:-x/../y"}, exitUsage},
		{"404", []string{"--keys-url", srv.URL + "/nobody.keys"}, 1},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			before, _ := os.ReadFile(lock)
			_, errs, code := alice.run(append([]string{"secrets", "recipients", "add", "--lock", lock}, tc.args...)...)
			if code != tc.code {
				t.Errorf("exit %d, want %d\n%s", code, tc.code, errs)
			}
			if after, _ := os.ReadFile(lock); string(after) != string(before) {
				t.Error("a failed add changed the lock")
			}
		})
	}
}
