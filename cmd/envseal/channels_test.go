package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/envseal/envseal/conda"
	"github.com/envseal/envseal/lockfile"
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

// writeNamedChannel writes a local channel at dir (its last path component
// is what conda calls it), one repodata.json per subdir.
func writeNamedChannel(t *testing.T, dir string, subdirs map[string]string) string {
	t.Helper()
	for sub, data := range subdirs {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, sub, "repodata.json"), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// repodata builds a repodata.json for subdir from "name version [dep...]"
// lines, each with build "0".
func repodata(subdir string, pkgs ...string) string {
	var b strings.Builder
	b.WriteString(`{"info": {"subdir": "` + subdir + `"}, "packages": {`)
	for i, p := range pkgs {
		f := strings.Fields(p)
		deps, _ := json.Marshal(append([]string{}, f[2:]...))
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`"` + f[0] + "-" + f[1] + `-0.tar.bz2": {"name": "` + f[0] + `", "version": "` + f[1] +
			`", "build": "0", "build_number": 0, "depends": ` + string(deps) + `, "subdir": "` + subdir + `"}`)
	}
	b.WriteString("}}")
	return b.String()
}

// planOf runs a dry-run create and returns the planned dists, or the exit
// code and the error output when it fails.
func (e *cliEnv) planOf(args ...string) (dists_ string, code int, errs string) {
	e.t.Helper()
	out, errs, code := e.run(append([]string{"create", "--dry-run", "--json", "--platform", "linux-64"}, args...)...)
	if code != 0 {
		return "", code, out + errs // --json reports errors on stdout
	}
	var p planJSON
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		e.t.Fatalf("not JSON: %v\n%s", err, out)
	}
	return strings.Join(dists(p), " "), 0, errs
}

// CHANNEL::pkg finds a path or URL channel outside the channel alias by
// conda's name for it (its last path component, or the path after the
// host), under strict and flexible priority.
func TestSpecChannelByName(t *testing.T) {
	root := t.TempDir()
	mychan := writeNamedChannel(t, filepath.Join(root, "srv", "a", "mychan"), map[string]string{
		"linux-64": repodata("linux-64", "foo 1.0"), "noarch": repodata("noarch")})
	other := writeNamedChannel(t, filepath.Join(root, "other"), map[string]string{
		"linux-64": repodata("linux-64", "foo 2.0", "bar 1.0 foo"), "noarch": repodata("noarch")})
	srv := httptest.NewServer(http.FileServer(http.Dir(filepath.Join(root, "srv"))))
	defer srv.Close()
	mychanURL := srv.URL + "/a/mychan"

	tests := []struct {
		name string
		args []string
		want string // planned dists, or "exit N"
	}{
		{"path, strict, first", []string{"-c", mychan, "-c", other, "mychan::foo"}, "foo-1.0-0"},
		{"file URL", []string{"-c", "file://" + mychan, "-c", other, "mychan::foo"}, "foo-1.0-0"},
		{"path, subdir", []string{"-c", mychan, "-c", other, "mychan/linux-64::foo"}, "foo-1.0-0"},
		{"path, other subdir", []string{"-c", mychan, "-c", other, "mychan/osx-64::foo"}, "exit 1"},
		{"path, flexible, last", []string{"--channel-priority", "flexible", "-c", other, "-c", mychan, "mychan::foo", "bar"}, "bar-1.0-0 foo-1.0-0"},
		// a spec that names the channel is not hidden by strict priority
		// (libmamba's explicit channel job; resolver/doc.go)
		{"path, strict, last", []string{"-c", other, "-c", mychan, "mychan::foo"}, "foo-1.0-0"},
		{"URL, last component", []string{"-c", mychanURL, "-c", other, "mychan::foo"}, "foo-1.0-0"},
		{"URL, conda's name", []string{"-c", mychanURL, "-c", other, "a/mychan::foo"}, "foo-1.0-0"},
		{"URL, flexible", []string{"--channel-priority", "flexible", "-c", other, "-c", mychanURL, "mychan::foo"}, "foo-1.0-0"},
		{"URL in the spec", []string{"-c", other, "-c", mychanURL, "--channel-priority", "flexible", mychanURL + "::foo"}, "foo-1.0-0"},
		{"URL in the spec, strict", []string{"-c", mychanURL, "-c", other, mychanURL + "/linux-64::foo"}, "foo-1.0-0"},
		{"other name", []string{"-c", mychan, "-c", other, "--channel-priority", "flexible", "other::foo"}, "foo-2.0-0"},
		// a name no channel has is looked up under the alias, which
		// offline has nothing cached
		{"no such name", []string{"-c", mychan, "-c", other, "a::foo", "--offline"}, "exit 1 (conda.anaconda.org/a)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newCLI(t)
			got, code, errs := e.planOf(append([]string{"--override-channels"}, tc.args...)...)
			if code != 0 {
				got = fmt.Sprintf("exit %d", code)
				if strings.Contains(errs, "https://conda.anaconda.org/a/") {
					got += " (conda.anaconda.org/a)"
				}
			}
			if got != tc.want {
				t.Errorf("got %s, want %s; stderr:\n%s", got, tc.want, errs)
			}
		})
	}
}

// A channel named in a spec and absent from the channels is searched after
// all of them (conda-forge/label/testing::matplotlib-base from a file whose
// channels are conda-forge only), here through a loopback channel alias.
func TestSpecChannelAddedLast(t *testing.T) {
	root := t.TempDir()
	writeNamedChannel(t, filepath.Join(root, "conda-forge"), map[string]string{
		"linux-64": repodata("linux-64", "python 3.10", "matplotlib-base 3.0 python"), "noarch": repodata("noarch")})
	writeNamedChannel(t, filepath.Join(root, "conda-forge", "label", "testing"), map[string]string{
		"linux-64": repodata("linux-64", "matplotlib-base 3.1rc1 python", "onlytesting 1.0"), "noarch": repodata("noarch")})
	srv := httptest.NewServer(http.FileServer(http.Dir(root)))
	defer srv.Close()

	e := newCLI(t)
	if err := os.WriteFile(filepath.Join(e.env["HOME"], ".envsealrc"), []byte("channel_alias: "+srv.URL+"/\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	yml := filepath.Join(dir, "environment.yml")
	write := func(deps string) {
		t.Helper()
		if err := os.WriteFile(yml, []byte("name: mpl\nchannels:\n  - conda-forge\n  - nodefaults\ndependencies:\n  - python\n"+deps), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("  - conda-forge/label/testing::matplotlib-base\n")
	got, code, errs := e.planOf("--no-pip", "--channel-priority", "flexible", "-f", yml)
	if code != 0 || got != "matplotlib-base-3.1rc1-0 python-3.10-0" {
		t.Errorf("flexible: %s (exit %d)\n%s", got, code, errs)
	}
	// strict: conda-forge also has matplotlib-base, but the spec names
	// the label channel, which strict priority does not hide
	if got, code, errs = e.planOf("--no-pip", "-f", yml); code != 0 || got != "matplotlib-base-3.1rc1-0 python-3.10-0" {
		t.Errorf("strict: %s (exit %d)\n%s", got, code, errs)
	}
	// a name only the spec's channel has solves under strict priority
	write("  - conda-forge/label/testing::onlytesting\n")
	if got, code, errs = e.planOf("--no-pip", "-f", yml); code != 0 || got != "onlytesting-1.0-0 python-3.10-0" {
		t.Errorf("strict, a name of its own: %s (exit %d)\n%s", got, code, errs)
	}
	lock := filepath.Join(dir, "envseal.lock")
	e.mustRun("lock", "-q", "--no-pip", "-f", yml, "-o", lock, "--platform", "linux-64")
	raw, err := os.ReadFile(lock)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(raw), "conda-forge/label/testing") {
		t.Errorf("the lock does not record the spec's channel:\n%s", raw)
	}
	if out := e.mustRun("lock", "--check", "--no-pip", "-f", yml, "-o", lock, "--platform", "linux-64"); !strings.Contains(out, "up to date") {
		t.Errorf("lock --check: %s", out)
	}
}

// mirror serves real conda-forge repodata (the corpus subset) at
// /conda-forge and /pkgs/main on a loopback server and records the paths
// asked for.
type mirror struct {
	*httptest.Server
	mu   sync.Mutex
	seen []string
}

func newMirror(t *testing.T) *mirror {
	t.Helper()
	demo := filepath.Join(corpusDir(t), "conda-subchannel-demo")
	root := t.TempDir()
	for _, p := range []string{"conda-forge", filepath.Join("pkgs", "main")} {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(root, p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(demo, filepath.Join(root, p)); err != nil {
			t.Fatal(err)
		}
	}
	m := &mirror{}
	files := http.FileServer(http.Dir(root))
	m.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.mu.Lock()
		m.seen = append(m.seen, r.URL.Path)
		m.mu.Unlock()
		files.ServeHTTP(w, r)
	}))
	t.Cleanup(m.Close)
	return m
}

func (m *mirror) asked(prefix string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, p := range m.seen {
		if strings.HasPrefix(p, prefix) {
			return true
		}
	}
	return false
}

// conda-lock's test-env-nodefaults environment.yml (nodefaults,
// conda-forge, python <3.11) locks against conda-forge only: the configured
// channel is never asked for.
func TestCorpusNoDefaultsLock(t *testing.T) {
	src, err := os.ReadFile(filepath.Join(corpusDir(t), "conda-lock", "tests", "test-env-nodefaults", "environment.yml"))
	if err != nil {
		t.Fatal(err)
	}
	m := newMirror(t)
	e := newCLI(t)
	rc := "channel_alias: " + m.URL + "/\nchannels: [bioconda]\n"
	if err := os.WriteFile(filepath.Join(e.env["HOME"], ".envsealrc"), []byte(rc), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	yml := filepath.Join(dir, "environment.yml")
	lock := filepath.Join(dir, "envseal.lock")
	if err := os.WriteFile(yml, src, 0o644); err != nil {
		t.Fatal(err)
	}
	e.mustRun("lock", "-q", "-f", yml, "-o", lock, "--platform", "linux-64")
	if m.asked("/bioconda") || !m.asked("/conda-forge/linux-64/") {
		t.Errorf("requests: %v", m.seen)
	}
	l, err := lockfile.ReadFile(lock, lockfile.DecodeOptions{Filename: lock})
	if err != nil {
		t.Fatal(err)
	}
	var python string
	for _, r := range l.Records(conda.Linux64) {
		if r.Name == "python" {
			python = r.Version.String() + " " + r.Channel
		}
	}
	if !strings.HasPrefix(python, "3.9.19 conda-forge") {
		t.Errorf("python %q, want 3.9.19 from conda-forge", python)
	}
	if got := l.Metadata.Inputs[conda.Linux64].Channels; strings.Join(got, " ") != "conda-forge nodefaults" {
		t.Errorf("inputs channels %q", got)
	}
	if strings.Contains(strings.Join(l.Metadata.Channels, " "), "nodefaults") {
		t.Errorf("metadata channels %q hold the marker", l.Metadata.Channels)
	}
}

// nodefaults is an input of the lock of its own: gaining it makes the lock
// stale even when the channel list it gives is the same (the configured
// channel is the file's own here).
func TestLockCheckNoDefaultsIsAnInput(t *testing.T) {
	ch := solveChannel(t)
	e := newCLI(t)
	if err := os.WriteFile(filepath.Join(e.env["HOME"], ".envsealrc"), []byte("channels: ["+ch+"]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, yml, lock := lockProject(t, ch, "  - python=3.10\n")
	e.mustRun("lock", "-q", "-f", yml, "-o", lock, "--platform", "linux-64")
	if out := e.mustRun("lock", "--check", "-f", yml, "-o", lock, "--platform", "linux-64"); !strings.Contains(out, "up to date") {
		t.Fatalf("check: %s", out)
	}
	rewrite(t, yml, "channels:\n", "channels:\n  - nodefaults\n")
	_, errs, code := e.run("lock", "--check", "-f", yml, "-o", lock, "--platform", "linux-64")
	if code == 0 || !strings.Contains(errs, `now ["file://`) || !strings.Contains(errs, `"nodefaults"]`) {
		t.Errorf("gaining nodefaults: exit %d\n%s", code, errs)
	}
	e.mustRun("lock", "-q", "-f", yml, "-o", lock, "--platform", "linux-64")
	rewrite(t, yml, "  - nodefaults\n", "")
	if _, errs, code := e.run("lock", "--check", "-f", yml, "-o", lock, "--platform", "linux-64"); code == 0 {
		t.Errorf("losing nodefaults: exit 0\n%s", errs)
	}
}

// search with CHANNEL::name looks in the searched channels of that name
// only.
func TestSearchSpecChannelByName(t *testing.T) {
	root := t.TempDir()
	mychan := writeNamedChannel(t, filepath.Join(root, "a", "mychan"), map[string]string{
		"linux-64": repodata("linux-64", "foo 1.0"), "noarch": repodata("noarch")})
	other := writeNamedChannel(t, filepath.Join(root, "other"), map[string]string{
		"linux-64": repodata("linux-64", "foo 2.0"), "noarch": repodata("noarch")})
	e := newCLI(t)
	for spec, want := range map[string]string{"mychan::foo": "1.0", "other::foo": "2.0", "foo": "1.0 2.0"} {
		out, errs, code := e.run("search", "--json", "--offline", "--override-channels", "-c", other, "-c", mychan, "--platform", "linux-64", spec)
		if code != 0 {
			t.Fatalf("search %s: exit %d: %s", spec, code, errs)
		}
		var got map[string][]map[string]any
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatal(err)
		}
		var vers []string
		for _, r := range got["foo"] {
			vers = append(vers, r["version"].(string))
		}
		if strings.Join(vers, " ") != want {
			t.Errorf("search %s: versions %v, want %s", spec, vers, want)
		}
	}
}

// Names the configuration gives: default_channels at a mirror (what
// "defaults::" means) and custom_channels (a name served from elsewhere,
// here only named in a spec, so it joins the solve last).
func TestConfiguredChannelNames(t *testing.T) {
	m := newMirror(t)
	corp := writeNamedChannel(t, filepath.Join(t.TempDir(), "internal"), map[string]string{
		"linux-64": repodata("linux-64", "corp-tool 1.0 zlib"), "noarch": repodata("noarch")})
	srv := httptest.NewServer(http.StripPrefix("/corp/", http.FileServer(http.Dir(filepath.Dir(corp)))))
	defer srv.Close()
	e := newCLI(t)
	rc := "channel_alias: " + m.URL + "/\ndefault_channels: [" + m.URL + "/pkgs/main]\ncustom_channels:\n  internal: " + srv.URL + "/corp\n"
	if err := os.WriteFile(filepath.Join(e.env["HOME"], ".condarc"), []byte(rc), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	yml := filepath.Join(dir, "environment.yml")
	content := "channels:\n  - conda-forge\n  - defaults\ndependencies:\n  - zlib\n  - defaults::libgomp\n  - internal::corp-tool\n"
	if err := os.WriteFile(yml, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errs, code := e.run("create", "--dry-run", "--json", "-n", "x", "--platform", "linux-64", "--channel-priority", "flexible", "-f", yml)
	if code != 0 {
		t.Fatalf("exit %d: %s\n%s", code, errs, out)
	}
	var p planJSON
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, l := range p.Actions.Link {
		got[l["name"].(string)] = fmt.Sprint(l["channel"])
	}
	for name, want := range map[string]string{"zlib": "conda-forge", "libgomp": "pkgs/main", "corp-tool": "internal"} {
		if got[name] != want {
			t.Errorf("%s from %q, want %q (plan %v)", name, got[name], want, got)
		}
	}
}

// Real multi-channel data: the pytorch channel (rattler's test data, 2023)
// and the conda-forge subset, both given as paths, and specs that name
// each by its directory name.
func TestCorpusSpecChannelsByPath(t *testing.T) {
	corpus := corpusDir(t)
	src, err := os.ReadFile(filepath.Join(corpus, "rattler", "test-data", "channels", "pytorch", "linux-64", "repodata.json"))
	if err != nil {
		t.Fatal(err)
	}
	pytorch := writeNamedChannel(t, filepath.Join(t.TempDir(), "pytorch"), map[string]string{
		"linux-64": string(src), "noarch": repodata("noarch")})
	forge := filepath.Join(corpus, "conda-subchannel-demo")
	e := newCLI(t)
	for _, priority := range []string{"strict", "flexible"} {
		out, errs, code := e.run("create", "--dry-run", "--json", "-n", "x", "--platform", "linux-64", "--channel-priority", priority,
			"--override-channels", "-c", pytorch, "-c", forge,
			"pytorch::libjpeg-turbo", "pytorch/linux-64::magma-cuda121", "conda-subchannel-demo::python=3.9")
		if code != 0 {
			t.Fatalf("%s: exit %d: %s\n%s", priority, code, errs, out)
		}
		var p planJSON
		if err := json.Unmarshal([]byte(out), &p); err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, l := range p.Actions.Link {
			got[l["name"].(string)] = l["version"].(string) + " " + filepath.Base(fmt.Sprint(l["base_url"]))
		}
		for name, want := range map[string]string{
			"libjpeg-turbo": "2.0.0 pytorch", "magma-cuda121": "2.6.1 pytorch",
			"python": "3.9.19 conda-subchannel-demo", "libgcc-ng": "conda-subchannel-demo",
		} {
			if !strings.HasSuffix(got[name], want) {
				t.Errorf("%s: %s is %q, want %q", priority, name, got[name], want)
			}
		}
	}
}
