package main

import (
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/envseal/envseal/internal/testnet"
	"github.com/envseal/envseal/lockfile"
)

// fixtureMirror lays the fixture channel out as a mirror of
// repo.anaconda.com (<dir>/pkgs/main/{linux-64,noarch}) with symlinks to
// its subdirs (the fixture is read-only and nothing writes to a mirror).
func fixtureMirror(t *testing.T) string {
	t.Helper()
	if runtime.GOOS != "linux" || runtime.GOARCH != "amd64" {
		t.Skip("the fixture channel holds linux-64 packages")
	}
	ch := fixtureChannel(t)
	mirror := filepath.Join(t.TempDir(), "mirror")
	main := filepath.Join(mirror, "pkgs", "main")
	if err := os.MkdirAll(main, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, sub := range []string{"linux-64", "noarch"} {
		if err := os.Symlink(filepath.Join(ch, sub), filepath.Join(main, sub)); err != nil {
			t.Fatal(err)
		}
	}
	return mirror
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestConfigDefaultsOnFileMirror: a .condarc that redirects "defaults" to
// an offline mirror through a file:// channel_alias; an environment file
// naming defaults locks and builds with every proxy pointed at a closed
// port, so nothing can reach a network.
func TestConfigDefaultsOnFileMirror(t *testing.T) {
	mirror := fixtureMirror(t)
	e := newCLI(t)
	closed := testnet.ClosedURL(t)
	e.env["HTTPS_PROXY"], e.env["HTTP_PROXY"] = closed, closed
	writeFile(t, filepath.Join(e.env["HOME"], ".condarc"), strings.Join([]string{
		"channel_alias: file://" + mirror + "/",
		"default_channels:",
		"  - pkgs/main",
		"channels:",
		"  - defaults",
		"proxy_servers:",
		"  https: " + closed,
		"  http: " + closed,
		"unknown_key_conda_has: [ignored]",
	}, "\n")+"\n")
	dir := t.TempDir()
	yml := filepath.Join(dir, "environment.yml")
	lock := filepath.Join(dir, "envseal.lock")
	writeFile(t, yml, "name: mirrored\nchannels:\n  - defaults\ndependencies:\n  - python=3.10\n  - pip\n")

	e.mustRun("lock", "-q", "-f", yml, "-o", lock, "--platform", "linux-64")
	data, err := os.ReadFile(lock)
	if err != nil {
		t.Fatal(err)
	}
	l, err := lockfile.Parse(data)
	if err != nil {
		t.Fatalf("lock: %v\n%s", err, data)
	}
	recs := l.Records("linux-64")
	if len(recs) != 2 {
		t.Fatalf("locked %d records, want python and pip:\n%s", len(recs), data)
	}
	for _, r := range recs {
		if want := "file://" + mirror + "/pkgs/main/"; !strings.HasPrefix(r.URL, want) {
			t.Errorf("%s comes from %s, want the mirror %s", r.Name, r.URL, want)
		}
	}
	if strings.Contains(string(data), "repo.anaconda.com") {
		t.Errorf("the lock names repo.anaconda.com:\n%s", data)
	}

	e.mustRun("create", "-q", "-f", yml)
	out := e.mustRun("run", "-n", "mirrored", "--", "python", "-c", "import sys; print(sys.version.split()[0])")
	if strings.TrimSpace(out) != "3.10.16" {
		t.Errorf("python in the environment printed %q", out)
	}
	// the locked records install as they are, too
	e.mustRun("create", "-q", "-f", lock, "-p", filepath.Join(dir, "from-lock"))
	if _, err := os.Stat(filepath.Join(dir, "from-lock", "bin", "python3.10")); err != nil {
		t.Errorf("create from the lock: %v", err)
	}

	// info shows where each setting came from
	info := e.mustRun("info")
	for _, want := range []string{"file://" + mirror + "/pkgs/main/linux-64", "default_channels : " + filepath.Join(e.env["HOME"], ".condarc") + ":2"} {
		if !strings.Contains(info, want) {
			t.Errorf("info lacks %q:\n%s", want, info)
		}
	}
}

// TestConfigTLSMirrorThroughProxy: a mirror served over TLS with a
// certificate from a test CA, reached through a forward proxy; ssl_verify
// names the CA, proxy_servers the proxy, custom_channels the mirror.
func TestConfigTLSMirrorThroughProxy(t *testing.T) {
	mirror := fixtureMirror(t)
	ca := testnet.NewCA(t)
	var served atomic.Int64
	files := http.FileServer(http.Dir(mirror))
	srv := ca.TLSServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		served.Add(1)
		files.ServeHTTP(w, r)
	}), false)
	proxy := testnet.NewProxy(t)

	dir := t.TempDir()
	yml := filepath.Join(dir, "environment.yml")
	writeFile(t, yml, "name: tls\nchannels:\n  - pkgs/main\ndependencies:\n  - python=3.11\n")
	rc := strings.Join([]string{
		"channels: [pkgs/main]",
		"custom_channels:",
		"  pkgs/main: " + srv.URL,
		"proxy_servers:",
		"  https: " + proxy.URL,
	}, "\n") + "\n"

	// Without the CA, the mirror's certificate is refused.
	e := newCLI(t)
	writeFile(t, filepath.Join(e.env["HOME"], ".condarc"), rc)
	_, errs, code := e.run("create", "-q", "-f", yml)
	if code == 0 || !strings.Contains(errs, "certificate") {
		t.Fatalf("without ssl_verify: exit %d, stderr:\n%s", code, errs)
	}

	// With it (in a condarc.d drop-in), repodata and packages come through
	// the proxy.
	e = newCLI(t)
	writeFile(t, filepath.Join(e.env["HOME"], ".condarc"), rc)
	writeFile(t, filepath.Join(e.env["HOME"], ".conda", "condarc.d", "ca.yml"), "ssl_verify: "+ca.CertFile+"\n")
	e.mustRun("create", "-q", "-f", yml)
	out := e.mustRun("run", "-n", "tls", "--", "python", "-c", "import sys; print(sys.version.split()[0])")
	if strings.TrimSpace(out) != "3.11.11" {
		t.Errorf("python in the environment printed %q", out)
	}
	host := strings.TrimPrefix(srv.URL, "https://")
	if proxy.Connects() == 0 {
		t.Error("nothing went through the proxy")
	}
	for _, h := range proxy.Hosts() {
		if h != host {
			t.Errorf("the proxy carried a request for %s", h)
		}
	}
	if served.Load() < 3 { // two repodata files and the python package at least
		t.Errorf("the mirror served %d requests", served.Load())
	}
}

// TestConfigBadValueNamesFileAndLine: a setting envseal uses with a bad
// value stops the command with the file and line; a key it does not use
// is ignored.
func TestConfigBadValueNamesFileAndLine(t *testing.T) {
	e := newCLI(t)
	drop := filepath.Join(e.env["HOME"], ".config", "conda", "condarc.d", "10-corp.yaml")
	writeFile(t, drop, "auto_activate_base: false\nchannels:\n  - conda-forge\nchannel_priority: sometimes\n")
	_, errs, code := e.run("info")
	if code != 1 || !strings.Contains(errs, drop+":4: channel_priority: \"sometimes\": want strict, flexible or disabled") {
		t.Errorf("exit %d, stderr:\n%s", code, errs)
	}
	writeFile(t, drop, "auto_activate_base: false\nchannels:\n  - conda-forge\n")
	e.env["CONDA_CHANNEL_PRIORITY"] = "flexible"
	out, errs, code := e.run("info", "--json")
	if code != 0 || !strings.Contains(out, `"channel_priority": "flexible"`) || !strings.Contains(out, drop+":2") {
		t.Errorf("exit %d, stdout:\n%s\nstderr:\n%s", code, out, errs)
	}
}

// TestConfigSSLVerifyFalseWarnsOnce: ssl_verify: false is honoured with a
// warning, printed once per command.
func TestConfigSSLVerifyFalseWarnsOnce(t *testing.T) {
	e := newCLI(t)
	ch := solveChannel(t)
	writeFile(t, filepath.Join(e.env["HOME"], ".condarc"), "ssl_verify: false\n")
	_, errs, code := e.run("create", "-q", "--dry-run", "-n", "x", "--override-channels", "-c", ch, "python=3.10")
	if code != 0 || strings.Count(errs, "warning: ssl_verify is false") != 1 {
		t.Errorf("exit %d, stderr:\n%s", code, errs)
	}
}
