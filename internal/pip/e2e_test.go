package pip_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/envseal/envseal/internal/pip"
	"github.com/envseal/envseal/internal/pip/piptest"
)

// pipEnv is a small fixed environment for pip runs: PATH, a throwaway
// HOME (pip's cache) and PIP_NO_DEPS=1, which must not leak into the child
// (if it did, worldpkg would not be installed with hellopkg).
func pipEnv(t *testing.T) []string {
	return []string{"PATH=/usr/bin:/bin", "HOME=" + t.TempDir(), "PIP_NO_DEPS=1", "PYTHONPATH=/nonexistent"}
}

// runOut runs a program with a minimal environment and returns its
// trimmed combined output.
func runOut(t *testing.T, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = []string{"PATH=/usr/bin:/bin"}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
	return strings.TrimSpace(string(out))
}

// names returns "name version" for each package.
func names(pkgs []pip.Package) []string {
	var out []string
	for _, p := range pkgs {
		out = append(out, p.Name+" "+p.Version)
	}
	return out
}

// TestEndToEnd runs the real pip 24.3.1 of the fixture channel in a
// CPython 3.10 prefix against piptest's wheels: install from an HTTP index
// (PEP 691 JSON), export, lock, install the lock with the index gone, a
// tampered hash, a requirement that does not exist, and offline installs
// from a wheel directory.
func TestEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("runs pip in a CPython prefix; skipped with -short")
	}
	ctx := context.Background()
	channel := piptest.FixtureChannel(t)
	prefix := piptest.PythonPrefix(t, channel)
	files := piptest.NewFileServer(t, piptest.Wheels())
	index := piptest.NewIndexServer(t, piptest.Wheels(), files)
	built := map[string]piptest.Built{}
	for _, b := range files.Wheels() {
		built[b.Filename] = b
	}
	envDir := t.TempDir()
	var stdout, stderr bytes.Buffer
	opts := pip.Options{Dir: envDir, Env: pipEnv(t), Isolated: true, Stdout: &stdout, Stderr: &stderr}
	lines := []string{"--index-url " + index.IndexURL, "hellopkg"}

	start := time.Now()
	if err := pip.Install(ctx, prefix, lines, opts); err != nil {
		t.Fatalf("Install: %v\n%s%s", err, stdout.String(), stderr.String())
	}
	t.Logf("Install: %v", time.Since(start))
	if !strings.Contains(stdout.String(), "Successfully installed hellopkg-1.0 worldpkg-2.0") {
		t.Errorf("pip's output was not streamed to Stdout:\n%s", stdout.String())
	}
	if got, want := runOut(t, filepath.Join(prefix, "bin", "hello")), "main from hellopkg 1.0, worldpkg 2.0"; got != want {
		t.Errorf("bin/hello printed %q, want %q", got, want)
	}
	jsonPages := 0
	for _, r := range index.Requests() {
		if strings.HasPrefix(r.Path, "/simple/") && r.ContentType == piptest.MediaTypeJSON {
			jsonPages++
		}
	}
	if jsonPages < 2 {
		t.Errorf("pip read %d PEP 691 JSON project pages, want 2: %+v", jsonPages, index.Requests())
	}

	t.Run("Installed", func(t *testing.T) {
		pkgs, err := pip.Installed(ctx, prefix)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := strings.Join(names(pkgs), ", "), "hellopkg 1.0, worldpkg 2.0"; got != want {
			t.Fatalf("Installed = %s; want %s (conda's pip left out)", got, want)
		}
		for _, p := range pkgs {
			if p.Installer != "pip" || p.Requested != (p.Name == "hellopkg") || p.URL != "" {
				t.Errorf("%+v: want installer pip, requested only for hellopkg, no URL", p)
			}
		}
		if r := pkgs[0].Requirement(); r != "hellopkg==1.0" {
			t.Errorf("Requirement() = %q", r)
		}
	})

	var locked []pip.Dist
	t.Run("Resolve", func(t *testing.T) {
		start := time.Now()
		dists, err := pip.Resolve(ctx, prefix, lines, opts)
		if err != nil {
			t.Fatalf("Resolve: %v\n%s", err, stderr.String())
		}
		t.Logf("Resolve: %v", time.Since(start))
		want := []pip.Dist{
			{Name: "hellopkg", Version: "1.0", URL: files.FileURL("hellopkg-1.0-py3-none-any.whl"), SHA256: built["hellopkg-1.0-py3-none-any.whl"].SHA256, Requested: true, RequiresDist: []string{"worldpkg>=1"}},
			{Name: "worldpkg", Version: "2.0", URL: files.FileURL("worldpkg-2.0-py3-none-any.whl"), SHA256: built["worldpkg-2.0-py3-none-any.whl"].SHA256},
		}
		if len(dists) != len(want) {
			t.Fatalf("Resolve = %+v, want %+v", dists, want)
		}
		for i := range want {
			if !reflect.DeepEqual(dists[i], want[i]) {
				t.Errorf("dist %d = %+v, want %+v", i, dists[i], want[i])
			}
		}
		locked = dists
	})

	t.Run("NoSuchRequirement", func(t *testing.T) {
		stderr.Reset()
		err := pip.Install(ctx, prefix, []string{"--index-url " + index.IndexURL, "nosuchpkg==1"}, opts)
		var pe *pip.Error
		if !errors.As(err, &pe) {
			t.Fatalf("Install(nosuchpkg==1) = %v, want *pip.Error", err)
		}
		if pe.Requirement != "nosuchpkg==1" || pe.Message != "No matching distribution found for nosuchpkg==1" || pe.Op != "install" {
			t.Errorf("error %+v", pe)
		}
		if want := "pip install nosuchpkg==1: No matching distribution found for nosuchpkg==1"; err.Error() != want {
			t.Errorf("Error() = %q, want %q", err.Error(), want)
		}
		var exit *exec.ExitError
		if !errors.As(err, &exit) {
			t.Errorf("error does not wrap the *exec.ExitError: %#v", pe.Err)
		}
		if !strings.Contains(stderr.String(), "ERROR: No matching distribution found for nosuchpkg==1") {
			t.Errorf("stderr not streamed: %q", stderr.String())
		}
		// The prefix is untouched and usable.
		if got := runOut(t, filepath.Join(prefix, "bin", "hello")); got != "main from hellopkg 1.0, worldpkg 2.0" {
			t.Errorf("after the failure bin/hello printed %q", got)
		}
		pkgs, err := pip.Installed(ctx, prefix)
		if err != nil || len(pkgs) != 2 {
			t.Errorf("after the failure Installed = %v, %v", names(pkgs), err)
		}
	})

	t.Run("Editable", func(t *testing.T) {
		// "-e ./src/edpkg" relative to the environment file's directory,
		// built offline by piptest's in-tree backend (PEP 660).
		src := filepath.Join(envDir, "src", "edpkg")
		ed := piptest.Wheel{Name: "edpkg", Version: "0.1", Scripts: map[string]string{"edhello": "edpkg:main"}}
		if err := piptest.WriteProject(src, ed); err != nil {
			t.Fatal(err)
		}
		edLines := []string{"--no-index", "-e ./src/edpkg"}
		if err := pip.Install(ctx, prefix, edLines, opts); err != nil {
			t.Fatalf("Install -e: %v\n%s", err, stderr.String())
		}
		if got := runOut(t, filepath.Join(prefix, "bin", "edhello")); got != "main from edpkg 0.1" {
			t.Errorf("bin/edhello printed %q", got)
		}
		f, err := os.OpenFile(filepath.Join(src, "edpkg", "__init__.py"), os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		f.WriteString("\n\ndef main():\n    print('edited in place')\n")
		f.Close()
		if got := runOut(t, filepath.Join(prefix, "bin", "edhello")); got != "edited in place" {
			t.Errorf("after editing the source bin/edhello printed %q; not an editable install?", got)
		}
		pkgs, err := pip.Installed(ctx, prefix)
		if err != nil {
			t.Fatal(err)
		}
		if len(pkgs) != 3 || pkgs[0].Name != "edpkg" || !pkgs[0].Editable || !pkgs[0].Requested || pkgs[0].Requirement() != "-e "+src {
			t.Errorf("Installed = %+v", pkgs)
		}
		dists, err := pip.Resolve(ctx, prefix, edLines, opts)
		if err != nil {
			t.Fatalf("Resolve -e: %v\n%s", err, stderr.String())
		}
		want := pip.Dist{Name: "edpkg", Version: "0.1", URL: "file://" + filepath.ToSlash(src), Requested: true, Editable: true}
		if len(dists) != 1 || !reflect.DeepEqual(dists[0], want) {
			t.Errorf("Resolve -e = %+v, want %+v", dists, want)
		}
	})

	if locked == nil {
		t.Fatal("no lock to install")
	}
	index.Close() // from here on only the file server answers

	t.Run("InstallLocked", func(t *testing.T) {
		fresh := piptest.PythonPrefix(t, channel)
		stdout.Reset()
		start := time.Now()
		if err := pip.InstallLocked(ctx, fresh, locked, opts); err != nil {
			t.Fatalf("InstallLocked: %v\n%s", err, stderr.String())
		}
		t.Logf("InstallLocked: %v", time.Since(start))
		if got := runOut(t, filepath.Join(fresh, "bin", "hello")); got != "main from hellopkg 1.0, worldpkg 2.0" {
			t.Errorf("bin/hello printed %q", got)
		}
		pkgs, err := pip.Installed(ctx, fresh)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(names(pkgs), ", "); got != "hellopkg 1.0, worldpkg 2.0" {
			t.Errorf("Installed = %s", got)
		}
		for _, p := range pkgs {
			// pip marks every line of a requirements file as requested and
			// records the URL (PEP 610) of a "name @ URL" requirement.
			if !p.Requested || p.URL != files.FileURL(filepath.Base(p.URL)) {
				t.Errorf("%+v", p)
			}
		}
	})

	t.Run("TamperedHash", func(t *testing.T) {
		fresh := piptest.PythonPrefix(t, channel)
		bad := append([]pip.Dist(nil), locked...)
		bad[1].SHA256 = strings.Repeat("0", 64)
		err := pip.InstallLocked(ctx, fresh, bad, opts)
		var pe *pip.Error
		if !errors.As(err, &pe) {
			t.Fatalf("InstallLocked(tampered) = %v, want *pip.Error", err)
		}
		if pe.Requirement != "worldpkg" || !strings.HasPrefix(pe.Message, "THESE PACKAGES DO NOT MATCH THE HASHES") {
			t.Errorf("error %+v", pe)
		}
		if !strings.Contains(strings.Join(pe.Details, "\n"), "Expected sha256 "+strings.Repeat("0", 64)) {
			t.Errorf("details %q", pe.Details)
		}
		if _, err := os.Stat(filepath.Join(fresh, "bin", "hello")); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("hellopkg installed despite the bad hash (%v)", err)
		}
	})

	t.Run("WheelDir", func(t *testing.T) {
		// The demo's setup: wheels in a directory next to the environment
		// file, a relative --find-links and a relative -r.
		wheels := filepath.Join(envDir, "wheels")
		if err := piptest.WriteWheelDir(wheels); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(envDir, "more.txt"), []byte("worldpkg==1.0\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		fresh := piptest.PythonPrefix(t, channel)
		offline := []string{"--no-index", "--find-links wheels", "-r more.txt", "hellopkg"}
		if err := pip.Install(ctx, fresh, offline, opts); err != nil {
			t.Fatalf("Install from --find-links: %v\n%s", err, stderr.String())
		}
		if got := runOut(t, filepath.Join(fresh, "bin", "hello")); got != "main from hellopkg 1.0, worldpkg 1.0" {
			t.Errorf("bin/hello printed %q", got)
		}
		// The static PEP 503 tree as a file:// index.
		dists, err := pip.Resolve(ctx, fresh, []string{"--index-url file://" + filepath.ToSlash(wheels) + "/simple", "hellopkg"}, opts)
		if err != nil {
			t.Fatalf("Resolve from file:// index: %v\n%s", err, stderr.String())
		}
		if len(dists) != 2 || dists[1].Version != "2.0" || dists[1].URL != "file://"+filepath.ToSlash(wheels)+"/worldpkg-2.0-py3-none-any.whl" || dists[1].SHA256 != built["worldpkg-2.0-py3-none-any.whl"].SHA256 {
			t.Errorf("Resolve from file:// index = %+v", dists)
		}
	})
}

// TestCredentials runs pip against an index and a file host that need
// basic auth, with the credentials only in the environment: `${VAR}` in
// the entries, which pip expands; the lock keeps the reference, never the
// secret, and the locked install works again from the environment.
func TestCredentials(t *testing.T) {
	if testing.Short() {
		t.Skip("runs pip in a CPython prefix; skipped with -short")
	}
	ctx := context.Background()
	channel := piptest.FixtureChannel(t)
	prefix := piptest.PythonPrefix(t, channel)
	files := piptest.NewFileServer(t, piptest.Wheels())
	files.RequireBasicAuth("alice", "s3cr@t")
	index := piptest.NewIndexServer(t, piptest.Wheels(), files)
	index.RequireBasicAuth("alice", "s3cr@t")
	var stderr bytes.Buffer
	opts := pip.Options{Env: pipEnv(t), Isolated: true, Stderr: &stderr, PipEnv: []string{"PIPTEST_CREDS=alice:s3cr%40t"}}
	authURL := func(u string) string { return strings.Replace(u, "http://", "http://${PIPTEST_CREDS}@", 1) }
	worldURL := files.FileURL("worldpkg-1.0-py3-none-any.whl")
	lines := []string{"--index-url " + authURL(index.IndexURL), "hellopkg", "worldpkg @ " + authURL(worldURL)}

	dists, err := pip.Resolve(ctx, prefix, lines, opts)
	if err != nil {
		t.Fatalf("Resolve: %v\n%s", err, stderr.String())
	}
	if len(dists) != 2 || dists[1].URL != authURL(worldURL) || dists[1].Version != "1.0" || dists[0].URL != files.FileURL("hellopkg-1.0-py3-none-any.whl") {
		t.Fatalf("Resolve = %+v; want worldpkg 1.0 at %s", dists, authURL(worldURL))
	}
	for _, d := range dists {
		if strings.Contains(d.URL, "s3cr") || strings.Contains(d.URL, "alice") {
			t.Errorf("credentials in a locked URL: %s", d.URL)
		}
	}

	// The locked install needs the credentials again: worldpkg's URL
	// carries its ${VAR}; hellopkg's came from the index and pip dropped
	// them from the report, so they come back through an index URL in the
	// environment (pip applies an index URL's credentials to URLs below
	// it).
	fresh := piptest.PythonPrefix(t, channel)
	noCreds := opts
	noCreds.PipEnv = nil
	err = pip.InstallLocked(ctx, fresh, dists, noCreds)
	var pe *pip.Error
	if !errors.As(err, &pe) {
		t.Fatalf("InstallLocked without credentials = %v, want *pip.Error", err)
	}
	if pe.Requirement != "hellopkg" || !strings.Contains(pe.Message, "HTTP error 401") || strings.Contains(err.Error(), "s3cr") {
		t.Errorf("without credentials: %v", err)
	}
	withCreds := opts
	withCreds.PipEnv = append(withCreds.PipEnv, "PIP_EXTRA_INDEX_URL=http://alice:s3cr%40t@"+strings.TrimPrefix(files.URL, "http://")+"/files/")
	if err := pip.InstallLocked(ctx, fresh, dists, withCreds); err != nil {
		t.Fatalf("InstallLocked with credentials: %v\n%s", err, stderr.String())
	}
	if got := runOut(t, filepath.Join(fresh, "bin", "hello")); got != "main from hellopkg 1.0, worldpkg 1.0" {
		t.Errorf("bin/hello printed %q", got)
	}
}
