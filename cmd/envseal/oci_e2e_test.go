package main

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/envseal/envseal/internal/testregistry"
)

// fixtureArchives lists every archive of the fixture channel.
func fixtureArchives(t *testing.T, ch string) []string {
	t.Helper()
	var out []string
	for _, pat := range []string{"*/*.conda", "*/*.tar.bz2"} {
		m, err := filepath.Glob(filepath.Join(ch, pat))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, m...)
	}
	if len(out) == 0 {
		t.Fatalf("no archives in the fixture channel %s", ch)
	}
	return out
}

// TestOCIChannelEndToEnd publishes the fixture channel to a real registry
// (Debian's docker-registry), then solves, locks and installs a Python
// 3.10 environment from the oci:// channel, once without authentication
// and once behind htpasswd.
func TestOCIChannelEndToEnd(t *testing.T) {
	ch := fixtureChannel(t)
	for _, tc := range []struct {
		name, user, password string
		dockerConfig         bool // credentials from ~/.docker/config.json instead of ENVSEAL_OCI_*
	}{
		{name: "anonymous"},
		{name: "htpasswd", user: "team-ci", password: "s3cret-Registry-Pw"},
		{name: "docker-config", user: "team-dev", password: "An0ther-Secret-Pw", dockerConfig: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reg := testregistry.Start(t, tc.user, tc.password)
			chURL := "oci://" + reg.Host + "/team/fixture"
			e := newCLI(t)
			if tc.user != "" && !tc.dockerConfig {
				e.env["ENVSEAL_OCI_USERNAME"] = tc.user
				e.env["ENVSEAL_OCI_PASSWORD"] = tc.password
			}
			if tc.dockerConfig {
				auth := base64.StdEncoding.EncodeToString([]byte(tc.user + ":" + tc.password))
				cfg := `{"auths": {"` + reg.Host + `": {"auth": "` + auth + `"}}}`
				if err := os.MkdirAll(filepath.Join(e.env["HOME"], ".docker"), 0o700); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(e.env["HOME"], ".docker", "config.json"), []byte(cfg), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			var outputs []string
			noSecret := func(what, s string) {
				t.Helper()
				if tc.password != "" && strings.Contains(s, tc.password) {
					t.Errorf("%s shows the registry password:\n%s", what, s)
				}
			}

			archives := fixtureArchives(t, ch)
			if tc.user != "" {
				// What the environment needs is enough behind auth.
				archives = []string{
					filepath.Join(ch, "linux-64", "python-3.10.16-h690e5be_0_cpython.conda"),
					filepath.Join(ch, "noarch", "pip-24.3.1-pyhdee0117_0.conda"),
				}
			}
			out := e.mustRun(append([]string{"upload", chURL}, archives...)...)
			outputs = append(outputs, out)
			if !strings.Contains(out, "linux-64/python-3.10.16-") || !strings.Contains(out, "repodata updated: linux-64, noarch") {
				t.Errorf("upload output:\n%s", out)
			}
			// Publishing again changes nothing.
			out = e.mustRun("upload", chURL, filepath.Join(ch, "noarch", "pip-24.3.1-pyhdee0117_0.conda"))
			if !strings.Contains(out, "already there") {
				t.Errorf("second upload:\n%s", out)
			}

			out = e.mustRun("create", "--dry-run", "-n", "py", "--override-channels", "-c", chURL, "python=3.10", "pip")
			outputs = append(outputs, out)
			if !strings.Contains(out, "3.10.16") || !strings.Contains(out, chURL) {
				t.Errorf("create --dry-run:\n%s", out)
			}

			dir := t.TempDir()
			yml := filepath.Join(dir, "environment.yml")
			if err := os.WriteFile(yml, []byte("name: py\nchannels:\n  - "+chURL+"\n  - nodefaults\ndependencies:\n  - python=3.10\n  - pip\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			e.mustRun("lock", "-f", yml, "-o", filepath.Join(dir, "envseal.lock"))
			lockPath := filepath.Join(dir, "envseal.lock")
			lock, err := os.ReadFile(lockPath)
			if err != nil {
				t.Fatal(err)
			}
			noSecret("envseal.lock", string(lock))
			if !strings.Contains(string(lock), "url: "+chURL+"/linux-64/python-3.10.16-") || !strings.Contains(string(lock), "sha256: ") {
				t.Errorf("the lock does not record the oci:// URL and digest of python:\n%s", lock)
			}
			if tc.user != "" && strings.Contains(string(lock), tc.user+"@") {
				t.Errorf("the lock holds the registry user:\n%s", lock)
			}

			e.mustRun("create", "-q", "-n", "py", "-f", lockPath)
			out = e.mustRun("run", "-n", "py", "--", "python", "-c", "import sys; print(sys.version.split()[0])")
			if strings.TrimSpace(out) != "3.10.16" {
				t.Errorf("python in the environment printed %q", out)
			}
			urls, _ := os.ReadFile(filepath.Join(e.env["ENVSEAL_ROOT"], "pkgs", "urls.txt"))
			if !strings.Contains(string(urls), chURL+"/linux-64/python-3.10.16-") {
				t.Errorf("urls.txt:\n%s", urls)
			}
			noSecret("urls.txt", string(urls))
			for _, o := range outputs {
				noSecret("output", o)
			}

			if tc.user == "" {
				return
			}
			// Wrong credentials: a clear error naming the channel, without
			// the password, and nothing cached.
			bad := newCLI(t)
			bad.env["ENVSEAL_OCI_USERNAME"] = tc.user
			bad.env["ENVSEAL_OCI_PASSWORD"] = "wrong-" + tc.password
			stdout, stderr, code := bad.run("create", "--dry-run", "-n", "x", "--override-channels", "-c", chURL, "python=3.10")
			if code == 0 {
				t.Fatalf("create with a wrong password succeeded:\n%s", stdout)
			}
			if !strings.Contains(stderr, reg.Host+"/team/fixture") || !strings.Contains(stderr, "401") {
				t.Errorf("wrong password: error does not name the channel and the refusal:\n%s", stderr)
			}
			t.Logf("wrong password: %s", stderr)
			noSecret("error", stderr)
			if strings.Contains(stderr, "wrong-"+tc.password) {
				t.Errorf("error shows the password:\n%s", stderr)
			}
			// (A "no shard index here" state may be kept: oci:// channels
			// never have one.)
			ents, _ := filepath.Glob(filepath.Join(bad.env["ENVSEAL_ROOT"], "cache", "repodata", "*"))
			for _, p := range ents {
				if !strings.HasSuffix(p, ".shards.info.json") {
					t.Errorf("a refused channel left %s in the repodata cache", p)
				}
			}
		})
	}
}
