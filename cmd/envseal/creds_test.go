package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/envseal/envseal/internal/archive"
	"github.com/envseal/envseal/internal/indexer"
)

// privateChannel serves a one-package channel that answers only under
// /t/<token>/.
func privateChannel(t *testing.T, token string) *httptest.Server {
	t.Helper()
	dir := t.TempDir()
	sub := filepath.Join(dir, "noarch")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	index, _ := json.Marshal(map[string]any{"name": "secretpkg", "version": "1.0", "build": "0", "build_number": 0, "depends": []string{}, "noarch": "generic", "subdir": "noarch"})
	paths := []byte(`{"paths_version": 1, "paths": [{"_path": "share/secretpkg.txt", "path_type": "hardlink", "sha256": "` + sha256Hex([]byte("hello\n")) + `", "size_in_bytes": 6}]}`)
	var buf bytes.Buffer
	err := archive.Write(context.Background(), &buf, archive.FormatConda, []archive.File{
		{Path: "info/index.json", Mode: 0o644, Data: index},
		{Path: "info/paths.json", Mode: 0o644, Data: paths},
		{Path: "share/secretpkg.txt", Mode: 0o644, Data: []byte("hello\n")},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(sub, "secretpkg-1.0-0.conda"), buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := indexer.Index(context.Background(), dir); err != nil {
		t.Fatal(err)
	}
	files := http.FileServer(http.Dir(dir))
	prefix := "/t/" + token + "/private"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, prefix+"/") {
			http.Error(w, "forbidden", http.StatusForbidden)
			return
		}
		r.URL.Path = strings.TrimPrefix(r.URL.Path, prefix)
		files.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestChannelTokenSealedInLock: a private channel's token never lands in
// envseal.lock; the lock keeps a ${VAR} placeholder whose value is sealed
// as a secret, and create -f envseal.lock reaches the channel with
// nothing but the teammate's key.
func TestChannelTokenSealedInLock(t *testing.T) {
	const token = "tk-1a2b3c4d5e6f"
	srv := privateChannel(t, token)
	dir := t.TempDir()
	yml := filepath.Join(dir, "environment.yml")
	lock := filepath.Join(dir, "envseal.lock")
	chURL := srv.URL + "/t/" + token + "/private"
	if err := os.WriteFile(yml, []byte("name: priv\nchannels:\n  - "+chURL+"\ndependencies:\n  - secretpkg\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	alice := teammate(t, lock)
	_, errs, code := alice.run("lock", "--override-channels", "-f", yml, "-o", lock, "--platform", "linux-64")
	if code != 0 {
		t.Fatalf("lock: exit %d\n%s", code, errs)
	}
	if strings.Contains(errs, token) {
		t.Errorf("the token was printed: %s", errs)
	}
	raw, _ := os.ReadFile(lock)
	if bytes.Contains(raw, []byte(token)) {
		t.Fatalf("the token is in the lockfile:\n%s", raw)
	}
	m := regexp.MustCompile(`\$\{([A-Z0-9_]+)\}`).FindSubmatch(raw)
	if m == nil {
		t.Fatalf("no ${VAR} placeholder in the lock:\n%s", raw)
	}
	name := string(m[1])
	alice.stdin = token
	alice.mustRun("secrets", "set", "--lock", lock, name)

	// Bob has only his key: the token comes out of the sealed section.
	bob := teammate(t, lock)
	alice.mustRun("secrets", "recipients", "add", "--lock", lock, bob.env["PUB"])
	plan := bob.mustRun("create", "--dry-run", "--json", "-n", "priv", "-f", lock, "--frozen")
	if strings.Contains(plan, token) || !strings.Contains(plan, `"dist_name": "secretpkg-1.0-0"`) {
		t.Errorf("JSON plan from the lock:\n%s", plan)
	}
	bob.mustRun("create", "-q", "-n", "priv", "-f", lock, "--frozen")
	got, err := os.ReadFile(filepath.Join(bob.env["ENVSEAL_ROOT"], "envs", "priv", "share", "secretpkg.txt"))
	if err != nil || string(got) != "hello\n" {
		t.Fatalf("package from the private channel: %q %v", got, err)
	}
	// A tampered section is reported as tampering (exit 4), not as an
	// unset placeholder.
	sealed, _ := os.ReadFile(lock)
	if err := os.WriteFile(lock, flipSealedValue(t, sealed), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, errs, code := bob.run("create", "-q", "-n", "priv2", "-f", lock, "--frozen"); code != exitIntegrity || strings.Contains(errs, token) {
		t.Errorf("tampered lock: exit %d, want %d\n%s", code, exitIntegrity, errs)
	}
	if err := os.WriteFile(lock, sealed, 0o644); err != nil {
		t.Fatal(err)
	}
	// Without a way to the token, the error names the placeholder, never a value.
	carol := teammate(t, lock)
	_, errs, code = carol.run("create", "-q", "-n", "priv", "-f", lock, "--frozen")
	if code == 0 || !strings.Contains(errs, name) || strings.Contains(errs, token) {
		t.Errorf("carol: exit %d\n%s", code, errs)
	}
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// TestHistoryHidesChannelCredentials: the "# cmd:" line of
// conda-meta/history is the command line with a channel's token and
// password replaced by placeholders.
func TestHistoryHidesChannelCredentials(t *testing.T) {
	const token = "tk-9e8d7c6b5a"
	srv := privateChannel(t, token)
	chURL := srv.URL + "/t/" + token + "/private"
	pwURL := strings.Replace(srv.URL, "://", "://me:pw-5f4e3d2c@", 1) + "/t/" + token + "/private"
	e := newCLI(t)
	args := []string{"create", "-q", "-n", "h", "--override-channels", "--channel", chURL, "--channel=" + pwURL, "secretpkg"}
	// apply records os.Args, as main passes them to run.
	saved := os.Args
	os.Args = append([]string{"envseal"}, args...)
	defer func() { os.Args = saved }()
	e.mustRun(args...)
	hist, err := os.ReadFile(filepath.Join(e.env["ENVSEAL_ROOT"], "envs", "h", "conda-meta", "history"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(hist, []byte(token)) || bytes.Contains(hist, []byte("pw-5f4e3d2c")) {
		t.Errorf("credentials in conda-meta/history:\n%s", hist)
	}
	if !bytes.Contains(hist, []byte("# cmd: envseal create")) {
		t.Errorf("no cmd line in conda-meta/history:\n%s", hist)
	}
}
