package main

import (
	"bytes"
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/envseal/envseal/conda"
)

// asMainEnv makes the test binary run envseal's main instead of the tests.
const asMainEnv = "ENVSEAL_TEST_AS_MAIN"

// runProcess runs envseal as a child process (the test binary re-executed
// as main), with e.env as its whole environment plus extra. Unlike run, the
// child's HTTP clients see the proxy variables, which net/http reads from
// the process environment once.
func (e *cliEnv) runProcess(extra map[string]string, args ...string) (stdout, stderr string, code int) {
	e.t.Helper()
	exe, err := os.Executable()
	if err != nil {
		e.t.Fatal(err)
	}
	cmd := exec.Command(exe, args...)
	cmd.Env = []string{asMainEnv + "=1"}
	for k, v := range e.env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	for k, v := range extra {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var out, errb bytes.Buffer
	cmd.Stdin = strings.NewReader(e.stdin)
	cmd.Stdout, cmd.Stderr = &out, &errb
	e.stdin = ""
	err = cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return out.String(), errb.String(), ee.ExitCode()
	} else if err != nil {
		e.t.Fatalf("running envseal %v: %v", args, err)
	}
	return out.String(), errb.String(), 0
}

// deadProxies points every proxy variable Go, pip and curl read at a
// loopback port nothing listens on, so that any request for a remote host
// fails at once with "connection refused".
func deadProxies(t *testing.T) map[string]string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u := "http://" + l.Addr().String()
	l.Close()
	out := map[string]string{"NO_PROXY": "", "no_proxy": ""}
	for _, k := range []string{"HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"} {
		out[k] = u
	}
	return out
}

// An environment file with nodefaults and a file:// channel is locked,
// checked, created, installed into and sealed with no network at all: the
// configured channel (conda-forge) is never read. No -c and no
// --override-channels anywhere.
func TestNoDefaultsNeedsNoNetwork(t *testing.T) {
	if runtime.GOOS != "linux" || conda.HostPlatform() != conda.Linux64 {
		t.Skip("the fixture channel has linux-64 python only")
	}
	ch := fixtureChannel(t)
	e := newCLI(t)
	proxies := deadProxies(t)
	dir := t.TempDir()
	yml := filepath.Join(dir, "environment.yml")
	lock := filepath.Join(dir, "envseal.lock")
	chURL := "file://" + filepath.ToSlash(ch)
	withND := "name: nd\nchannels:\n  - " + chURL + "\n  - nodefaults\ndependencies:\n  - python=3.10\n"
	if err := os.WriteFile(yml, []byte(withND), 0o644); err != nil {
		t.Fatal(err)
	}
	must := func(args ...string) string {
		t.Helper()
		out, errs, code := e.runProcess(proxies, args...)
		if code != 0 {
			t.Fatalf("envseal %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, out, errs)
		}
		return out
	}

	must("lock", "-q", "-f", yml, "-o", lock)
	raw, err := os.ReadFile(lock)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte("conda-forge")) || !bytes.Contains(raw, []byte("python-3.10.16")) {
		t.Errorf("lock:\n%s", raw)
	}
	if out := must("lock", "--check", "-f", yml, "-o", lock); !strings.Contains(out, "up to date") {
		t.Errorf("lock --check: %s", out)
	}
	must("create", "-q", "-f", yml)
	must("install", "-q", "-y", "-n", "nd", "-f", yml)
	must("create", "-q", "-n", "nd2", "-f", lock)

	pub := strings.TrimSpace(must("secrets", "keygen"))
	if !strings.HasPrefix(pub, "age1") {
		t.Fatalf("keygen printed %q", pub)
	}
	e.stdin = "s3cr3t-value\n"
	must("secrets", "set", "--lock", lock, "API_TOKEN")
	out := must("run", "-n", "nd", "--lock", lock, "--", "python", "-c", "import os, sys; print(sys.version.split()[0], os.environ['API_TOKEN'])")
	if strings.TrimSpace(out) != "3.10.16 s3cr3t-value" {
		t.Errorf("run printed %q", out)
	}
	if out := must("lock", "--check", "-f", yml, "-o", lock); !strings.Contains(out, "up to date") {
		t.Errorf("lock --check after secrets set: %s", out)
	}

	// nodefaults is an input: the same file without it is stale (the
	// configured channels would join the solve) ...
	if err := os.WriteFile(yml, []byte(strings.Replace(withND, "  - nodefaults\n", "", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	_, errs, code := e.runProcess(proxies, "lock", "--check", "-f", yml, "-o", lock)
	if code == 0 || !strings.Contains(errs, "nodefaults") {
		t.Errorf("lock --check without nodefaults: exit %d, stderr:\n%s", code, errs)
	}
	// ... and solving it reaches for conda-forge, which fails loudly here:
	// the proof that the steps above had no network to fall back on.
	_, errs, code = e.runProcess(proxies, "lock", "-q", "-f", yml, "-o", filepath.Join(dir, "other.lock"))
	if code == 0 || !strings.Contains(errs, "conda-forge") {
		t.Errorf("lock without nodefaults: exit %d, want a failure naming conda-forge; stderr:\n%s", code, errs)
	}
}

// Brackets without key=value pairs (pip-style extras, as in matplotlib's
// environment.yml "nbconvert[execute]!=6.0.0") are dropped as conda drops
// them, and the user is told once per spec, with the file position.
func TestBracketExtrasIgnoredWithWarning(t *testing.T) {
	e := newCLI(t)
	ch := solveChannel(t)
	dir := t.TempDir()
	yml := filepath.Join(dir, "environment.yml")
	content := "name: demo\nchannels:\n  - " + ch + "\n  - nodefaults\ndependencies:\n  - python=3.10\n  - foo[extra]!=2.0\n"
	if err := os.WriteFile(yml, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errs, code := e.run("create", "--dry-run", "--json", "--platform", "linux-64", "-f", yml, "lib[doc,test]")
	if code != 0 {
		t.Fatalf("exit %d: %s\n%s", code, errs, out)
	}
	var p planJSON
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if got := strings.Join(dists(p), " "); !strings.Contains(got, "foo-1.5-h0_0") || !strings.Contains(got, "lib-1.9-h0_0") {
		t.Errorf("plan %s", got)
	}
	for _, want := range []string{
		yml + `:7:5: "foo[extra]!=2.0": ignoring "extra" in brackets`,
		`"lib[doc,test]": ignoring "doc,test" in brackets`,
	} {
		if strings.Count(errs, want) != 1 {
			t.Errorf("stderr does not say once %q:\n%s", want, errs)
		}
	}

	lock := filepath.Join(dir, "envseal.lock")
	_, errs, code = e.run("lock", "-q", "-f", yml, "-o", lock, "--platform", "linux-64")
	if code != 0 {
		t.Fatalf("lock: exit %d: %s", code, errs)
	}
	if strings.Count(errs, "ignoring \"extra\"") != 1 {
		t.Errorf("lock warns %d times:\n%s", strings.Count(errs, "ignoring"), errs)
	}
	raw, _ := os.ReadFile(lock)
	if !strings.Contains(string(raw), "foo!=2.0") || strings.Contains(string(raw), "extra") {
		t.Errorf("the lock's inputs should hold the spec as conda reads it:\n%s", raw)
	}
}
