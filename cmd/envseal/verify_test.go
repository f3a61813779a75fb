package main

import (
	"archive/zip"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/envseal/envseal/conda"
	"github.com/envseal/envseal/lockfile"
	pfx "github.com/envseal/envseal/prefix"
)

// writeWheel writes a pure-python wheel "sealdemo" (a module and a console
// script) that pip installs offline with --no-index.
func writeWheel(t *testing.T, dir string) string {
	t.Helper()
	name := filepath.Join(dir, "sealdemo-1.0-py3-none-any.whl")
	files := []struct{ path, data string }{
		{"sealdemo/__init__.py", "VALUE = 42\n\ndef main():\n    print(VALUE)\n"},
		{"sealdemo-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: sealdemo\nVersion: 1.0\n"},
		{"sealdemo-1.0.dist-info/WHEEL", "Wheel-Version: 1.0\nGenerator: envseal-test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"},
		{"sealdemo-1.0.dist-info/entry_points.txt", "[console_scripts]\nsealdemo = sealdemo:main\n"},
	}
	f, err := os.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	var record strings.Builder
	for _, fl := range files {
		w, err := zw.Create(fl.path)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(fl.data))
		sum := sha256.Sum256([]byte(fl.data))
		fmt.Fprintf(&record, "%s,sha256=%s,%d\n", fl.path, base64.RawURLEncoding.EncodeToString(sum[:]), len(fl.data))
	}
	record.WriteString("sealdemo-1.0.dist-info/RECORD,,\n")
	w, _ := zw.Create("sealdemo-1.0.dist-info/RECORD")
	w.Write([]byte(record.String()))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return name
}

// flipByte changes the first byte of name in place: through the hard
// link, the package cache's copy changes too.
func flipByte(t *testing.T, name string) {
	t.Helper()
	f, err := os.OpenFile(name, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b := make([]byte, 1)
	if _, err := f.ReadAt(b, 0); err != nil {
		t.Fatal(err)
	}
	b[0] ^= 0x20
	if _, err := f.WriteAt(b, 0); err != nil {
		t.Fatal(err)
	}
}

func verifyJSON(t *testing.T, out string) *pfx.Report {
	t.Helper()
	rep := new(pfx.Report)
	if err := json.Unmarshal([]byte(out), rep); err != nil {
		t.Fatalf("verify --json: %v\n%s", err, out)
	}
	return rep
}

func findPkg(rep *pfx.Report, name string) *pfx.PackageDrift {
	for i := range rep.Packages {
		if rep.Packages[i].Name == name {
			return &rep.Packages[i]
		}
	}
	return nil
}

// damage changes the verify prefix in three ways: a byte of a python file
// (in place, so the package cache's hard-linked copy changes too), a
// deleted file, a stray file in site-packages.
func damage(t *testing.T, prefix string) {
	t.Helper()
	sp := filepath.Join(prefix, "lib", "python3.10", "site-packages")
	flipByte(t, filepath.Join(sp, "pip", "__init__.py"))
	if err := os.Remove(filepath.Join(prefix, "lib", "python3.10", "json", "decoder.py")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(sp, "stray.py"), []byte("print('not mine')\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestVerifyDriftAndRepair(t *testing.T) {
	ch := fixtureChannel(t)
	e := newCLI(t)
	// placeholder-bin's binary placeholder is 32 bytes: the prefix must
	// be shorter.
	short, err := os.MkdirTemp("/tmp", "ev")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(short) })
	prefix := filepath.Join(short, "v")
	e.mustRun("create", "-q", "-p", prefix, "--override-channels", "-c", ch, "python=3.10", "pip", "placeholder-text", "placeholder-bin")
	sp := filepath.Join(prefix, "lib", "python3.10", "site-packages")

	// A fresh prefix is clean, also when every file is hashed.
	for _, args := range [][]string{{"verify", "-p", prefix}, {"verify", "-p", prefix, "--full", "--json"}} {
		if out, errs, code := e.run(args...); code != 0 {
			t.Fatalf("%v on a fresh prefix: exit %d\n%s%s", args, code, out, errs)
		}
	}
	// The placeholder files are clean because sha256_in_prefix, not the
	// package's sha256, is what they are checked against.
	pd, err := pfx.ReadPrefix(t.Context(), prefix)
	if err != nil {
		t.Fatal(err)
	}
	rewritten := 0
	for _, r := range pd.Records {
		for _, p := range r.PathsData {
			if p.PrefixPlaceholder != "" && p.SHA256InPrefix != p.SHA256 {
				rewritten++
			}
			if p.PathType != pfx.PathDirectory && p.PathType != pfx.PathSoftlink && p.LinkedMtime == 0 {
				t.Errorf("%s: %s has no size and mtime recorded after linking", r.Name, p.Path)
			}
		}
	}
	if rewritten < 2 {
		t.Fatalf("the fixture should have rewritten placeholder files (text and binary); found %d", rewritten)
	}

	// pip installs a wheel: its files are owned by its RECORD.
	whl := writeWheel(t, t.TempDir())
	e.mustRun("run", "-p", prefix, "--", "python", "-m", "pip", "install", "-q", "--no-index", "--no-deps", "--disable-pip-version-check", whl)
	if _, err := os.Stat(filepath.Join(prefix, "bin", "sealdemo")); err != nil {
		t.Fatalf("pip did not install the wheel's script: %v", err)
	}
	if out, errs, code := e.run("verify", "-p", prefix); code != 0 {
		t.Fatalf("verify after pip install: exit %d (pip's files must not be foreign)\n%s%s", code, out, errs)
	}

	damage(t, prefix)
	// A lock pinning another build of pip.
	var recs []*conda.Record
	for _, r := range pd.Records {
		rec := r.Record
		if rec.Name == "pip" {
			rec.Build = "pyh0000000_1"
			rec.BuildNumber = 1
			rec.SHA256 = strings.Repeat("0", 64)
		}
		recs = append(recs, &rec)
	}
	lockPath := filepath.Join(t.TempDir(), "envseal.lock")
	data, err := lockfile.Encode(lockfile.FromRecords(map[conda.Platform][]*conda.Record{conda.Platform("linux-64"): recs}), lockfile.FormatEnvseal, lockfile.EncodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(lockPath, data, 0o644); err != nil {
		t.Fatal(err)
	}

	out, errs, code := e.run("verify", "-p", prefix, "--lock", lockPath, "--json")
	if code != exitDrift {
		t.Fatalf("verify of a damaged prefix: exit %d, want %d\n%s%s", code, exitDrift, out, errs)
	}
	rep := verifyJSON(t, out)
	pip := findPkg(rep, "pip")
	if pip == nil || len(pip.Modified) != 1 || pip.Modified[0].Path != "lib/python3.10/site-packages/pip/__init__.py" || pip.Modified[0].Reason != "sha256" {
		t.Errorf("pip's changed byte: %+v", pip)
	}
	if pip == nil || pip.Lock != pfx.LockOtherBuild || pip.Locked != "pip-24.3.1-pyh0000000_1" {
		t.Errorf("pip's lock drift: %+v", pip)
	}
	py := findPkg(rep, "python")
	if py == nil || !slices.Equal(py.Missing, []string{"lib/python3.10/json/decoder.py"}) || len(py.Modified) != 0 || py.Lock != "" {
		t.Errorf("python's deleted file: %+v", py)
	}
	for _, n := range []string{"placeholder-text", "placeholder-bin"} {
		if p := findPkg(rep, n); p != nil {
			t.Errorf("%s reported although its placeholder files are as linked: %+v", n, p)
		}
	}
	if !slices.Equal(rep.Foreign, []string{"lib/python3.10/site-packages/stray.py"}) {
		t.Errorf("foreign: %v (want only the stray file; pip's wheel is owned by its RECORD)", rep.Foreign)
	}
	if !rep.LockChecked || rep.Clean {
		t.Errorf("lock_checked %v clean %v", rep.LockChecked, rep.Clean)
	}
	// The text output groups findings per package.
	text, _, _ := e.run("verify", "-p", prefix)
	if !strings.Contains(text, "pip-24.3.1-pyhdee0117_0\n  modified (sha256): lib/python3.10/site-packages/pip/__init__.py\n") ||
		!strings.Contains(text, "  missing: lib/python3.10/json/decoder.py\n") || !strings.Contains(text, "foreign files") {
		t.Errorf("text output:\n%s", text)
	}

	// The package cache lost everything: repair fetches again.
	e.mustRun("clean", "--all", "-y")
	if left, _ := filepath.Glob(filepath.Join(e.env["ENVSEAL_ROOT"], "pkgs", "pip-*")); len(left) != 0 {
		t.Fatalf("clean --all left %v", left)
	}
	// --repair without --prune leaves the stray file (exit 7 for it).
	out, errs, code = e.run("verify", "-p", prefix, "--repair", "--json")
	if code != exitDrift {
		t.Fatalf("repair without prune: exit %d\n%s%s", code, out, errs)
	}
	rep = verifyJSON(t, out)
	if len(rep.Packages) != 0 || !slices.Equal(rep.Foreign, []string{"lib/python3.10/site-packages/stray.py"}) {
		t.Errorf("after --repair: %+v", rep)
	}
	e.mustRun("verify", "-p", prefix, "--repair", "--prune")
	if _, err := os.Stat(filepath.Join(sp, "stray.py")); !os.IsNotExist(err) {
		t.Errorf("--prune left the stray file: %v", err)
	}
	for _, args := range [][]string{{"verify", "-p", prefix}, {"verify", "-p", prefix, "--full"}} {
		if out, errs, code := e.run(args...); code != 0 {
			t.Fatalf("%v after repair: exit %d\n%s%s", args, code, out, errs)
		}
	}
	// The wheel survived, and the repaired files are the package's.
	if _, err := os.Stat(filepath.Join(sp, "sealdemo", "__init__.py")); err != nil {
		t.Errorf("repair removed pip's files: %v", err)
	}
	out = e.mustRun("run", "-p", prefix, "--", "python", "-c", "import json.decoder, pip, sealdemo; print(pip.__version__, sealdemo.VALUE)")
	if strings.TrimSpace(out) != "24.3.1 42" {
		t.Errorf("python after repair: %q", out)
	}
	// The lock still pins another pip: repair does not install a lock.
	if _, _, code := e.run("verify", "-p", prefix, "--lock", lockPath); code != exitDrift {
		t.Errorf("verify --lock after repair: exit %d, want %d", code, exitDrift)
	}
	if _, _, code := e.run("verify", "-p", prefix, "--prune"); code != exitUsage {
		t.Errorf("--prune without --repair: exit %d, want %d", code, exitUsage)
	}
}

// TestKillVerifyRepair SIGKILLs `verify --repair --prune` at random
// moments: the next verify must find the prefix as damaged as before, or
// fully repaired.
func TestKillVerifyRepair(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	ch := fixtureChannel(t)
	bin := buildEnvseal(t)
	root := filepath.Join(t.TempDir(), "root")
	p := newProc(t, bin, root)
	p.mustRun("create", "-q", "-n", "k", "--override-channels", "-c", ch, "python=3.10", "pip")
	prefix := filepath.Join(root, "envs", "k")

	state := func() string {
		cmd := p.command("verify", "-n", "k", "--json")
		out, _ := cmd.Output()
		rep := verifyJSON(t, string(out))
		b, _ := json.Marshal(struct {
			P []pfx.PackageDrift
			F []string
		}{rep.Packages, rep.Foreign})
		return string(b)
	}
	clean := state()
	damage(t, prefix)
	damaged := state()
	if damaged == clean {
		t.Fatal("damage not seen")
	}
	start := time.Now()
	p.mustRun("verify", "-n", "k", "--repair", "--prune")
	span := time.Since(start)
	if got := state(); got != clean {
		t.Fatalf("repair did not clean: %s", got)
	}

	rng := rand.New(rand.NewSource(20261206))
	deadline := time.Now().Add(25 * time.Second)
	kills, runs := 0, 0
	for i := 0; time.Now().Before(deadline) && i < 30; i++ {
		runs++
		if state() == clean {
			damage(t, prefix)
		}
		delay := time.Duration(rng.Int63n(int64(span) + 1))
		if killAfter(t, p.command("verify", "-n", "k", "--repair", "--prune"), delay) {
			kills++
		}
		switch got := state(); got {
		case clean, damaged:
		default:
			t.Fatalf("after killing repair at %v: prefix is neither as before nor repaired:\n%s", delay, got)
		}
	}
	if state() != clean {
		p.mustRun("verify", "-n", "k", "--repair", "--prune")
	}
	checkPip(t, p, "k", "3.10")
	t.Logf("%d of %d repairs killed (a repair takes %v)", kills, runs, span)
}
