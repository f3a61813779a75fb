package prefix

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/envseal/envseal/conda"
)

// txnPackages builds the packages of the transaction tests: a (two
// versions), b (stays), c (new), d (removed).
type txnPackages struct {
	a1, a2, b, c, d Package
}

func buildTxnPackages(t testing.TB, pkgs string, nfiles int) txnPackages {
	t.Helper()
	var a1, a2, b, c, d []testFile
	for i := 0; i < nfiles; i++ {
		a1 = append(a1, testFile{path: fmt.Sprintf("share/a/f%03d.txt", i), data: fmt.Sprintf("a1 file %d\n", i)})
		name := fmt.Sprintf("share/a/f%03d.txt", i)
		if i%2 == 1 {
			name = fmt.Sprintf("share/a/g%03d.txt", i)
		}
		a2 = append(a2, testFile{path: name, data: fmt.Sprintf("a2 file %d\n", i)})
	}
	a1 = append(a1,
		testFile{path: "bin/a", data: "#!/bin/sh\n# " + DefaultPlaceholder + " v1\n", mode: 0o755, placeholder: DefaultPlaceholder},
		testFile{path: "lib/liba.so.1", data: "liba v1"},
		testFile{path: "lib/liba.so", link: "liba.so.1"},
		testFile{path: "share/a/only-v1/deep/x", data: "x"},
	)
	a2 = append(a2,
		testFile{path: "bin/a", data: "#!/bin/sh\n# " + DefaultPlaceholder + " v2\n", mode: 0o755, placeholder: DefaultPlaceholder},
		testFile{path: "lib/liba.so.2", data: "liba v2"},
		testFile{path: "lib/liba.so", link: "liba.so.2"},
		testFile{path: "share/a/only-v2/deep/y", data: "y"},
	)
	for i := 0; i < nfiles/5; i++ {
		b = append(b, testFile{path: fmt.Sprintf("share/b/%02d", i), data: fmt.Sprintf("b %d", i)})
		c = append(c, testFile{path: fmt.Sprintf("share/c/%02d", i), data: fmt.Sprintf("c %d", i)})
		d = append(d, testFile{path: fmt.Sprintf("share/d/sub/%02d", i), data: fmt.Sprintf("d %d", i)})
	}
	return txnPackages{
		a1: buildPackage(t, pkgs, testPkg{name: "a", version: "1", files: a1}),
		a2: buildPackage(t, pkgs, testPkg{name: "a", version: "2", files: a2}),
		b:  buildPackage(t, pkgs, testPkg{name: "b", version: "1", files: b}),
		c:  buildPackage(t, pkgs, testPkg{name: "c", version: "1", files: c}),
		d:  buildPackage(t, pkgs, testPkg{name: "d", version: "1", files: d}),
	}
}

func (p txnPackages) oldPlan() *Plan {
	return &Plan{Link: []Package{p.a1, p.b, p.d}, UpdateSpecs: []string{"a=1", "b", "d"},
		Variables: []Variable{{"X", "1"}}, Cmd: "envseal create -p P a=1 b d"}
}

func (p txnPackages) newPlan() *Plan {
	return &Plan{Link: []Package{p.a2, p.c}, Unlink: []string{"d"}, UpdateSpecs: []string{"a=2", "c"},
		RemoveSpecs: []string{"d"}, Variables: []Variable{{"X", "2"}}, Cmd: "envseal install -p P a=2 c"}
}

func TestApplyInPlace(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	p := buildTxnPackages(t, filepath.Join(tmp, "pkgs"), 20)
	prefix := filepath.Join(tmp, "envs", "t")
	ctx := context.Background()
	if _, err := Apply(ctx, prefix, p.oldPlan(), testOpts()); err != nil {
		t.Fatal(err)
	}
	res, err := Apply(ctx, prefix, p.newPlan(), testOpts())
	if err != nil {
		t.Fatal(err)
	}
	if res.Created || len(res.Linked) != 2 || len(res.Unlinked) != 2 {
		t.Fatalf("result: created %v linked %d unlinked %d", res.Created, len(res.Linked), len(res.Unlinked))
	}
	exists := func(p string) bool { _, err := os.Lstat(filepath.Join(prefix, p)); return err == nil }
	for _, p := range []string{"share/a/g001.txt", "share/a/f000.txt", "lib/liba.so.2", "share/c/00", "share/b/00", "share/a/only-v2/deep/y", "conda-meta/a-2-0.json", "conda-meta/c-1-0.json", "conda-meta/b-1-0.json"} {
		if !exists(p) {
			t.Errorf("%s missing", p)
		}
	}
	for _, p := range []string{"share/a/f001.txt", "lib/liba.so.1", "share/d", "share/a/only-v1", "conda-meta/a-1-0.json", "conda-meta/d-1-0.json", stageDir, trashDir, journalName} {
		if exists(p) {
			t.Errorf("%s still exists", p)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(prefix, "bin/a")); string(b) != "#!/bin/sh\n# "+prefix+" v2\n" {
		t.Errorf("bin/a = %q", b)
	}
	if l, _ := os.Readlink(filepath.Join(prefix, "lib/liba.so")); l != "liba.so.2" {
		t.Errorf("lib/liba.so -> %q", l)
	}
	pd, err := ReadPrefix(ctx, prefix)
	if err != nil {
		t.Fatal(err)
	}
	if len(pd.History) != 2 || len(pd.History[1].Removed) != 2 || len(pd.History[1].Added) != 2 {
		t.Errorf("history %+v", pd.History)
	}
	if got, want := pd.RequestedSpecs(), []string{"a=2", "b", "c"}; !reflect.DeepEqual(got, want) {
		t.Errorf("requested specs %q, want %q", got, want)
	}
	if !reflect.DeepEqual(pd.Variables, []Variable{{"X", "2"}}) {
		t.Errorf("variables %v", pd.Variables)
	}

	// Removing everything leaves an empty environment.
	if _, err := Apply(ctx, prefix, &Plan{Unlink: []string{"a", "b", "c"}, RemoveSpecs: []string{"a", "b", "c"}}, testOpts()); err != nil {
		t.Fatal(err)
	}
	snap := snapshot(t, prefix)
	for k := range snap {
		if k != "conda-meta" && k != "conda-meta/history" && k != "conda-meta/state" {
			t.Errorf("left after removing everything: %s", k)
		}
	}
	if _, err := Apply(ctx, prefix, &Plan{Unlink: []string{"nope"}}, testOpts()); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("unlinking a missing package: %v", err)
	}
}

// TestApplyRollbackOnFailure makes the commit fail half-way (a staged
// file cannot be moved in because a directory is in the way) and checks
// that the prefix is exactly as before.
func TestApplyRollbackOnFailure(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	p := buildTxnPackages(t, filepath.Join(tmp, "pkgs"), 10)
	prefix := filepath.Join(tmp, "p")
	ctx := context.Background()
	if _, err := Apply(ctx, prefix, p.oldPlan(), testOpts()); err != nil {
		t.Fatal(err)
	}
	// An unowned non-empty directory where package c wants a file.
	if err := os.MkdirAll(filepath.Join(prefix, "share/c/01/user"), 0o755); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, prefix)
	_, err := Apply(ctx, prefix, p.newPlan(), testOpts())
	if err == nil || !strings.Contains(err.Error(), "share/c/01") {
		t.Fatalf("err = %v, want a failure naming share/c/01", err)
	}
	if d := diffSnapshots(before, snapshot(t, prefix)); d != "" {
		t.Errorf("prefix changed by a failed transaction:\n%s", d)
	}
	os.RemoveAll(filepath.Join(prefix, "share/c"))

	// A failure after files were moved: a package symlink that is fine in
	// the stage but escapes through a link the user left in the prefix is
	// found by the final check, and everything is rolled back.
	if err := os.Symlink("..", filepath.Join(prefix, "x")); err != nil {
		t.Fatal(err)
	}
	e := buildPackage(t, filepath.Join(tmp, "pkgs"), testPkg{name: "e", version: "1", files: []testFile{
		{path: "share/e/data", data: "e"},
		{path: "share/e/link", link: "../../x/.."},
	}})
	before = snapshot(t, prefix)
	plan := p.newPlan()
	plan.Link = append(plan.Link, e)
	_, err = Apply(ctx, prefix, plan, testOpts())
	if !errors.Is(err, ErrUnsafePath) {
		t.Fatalf("err = %v, want ErrUnsafePath", err)
	}
	if d := diffSnapshots(before, snapshot(t, prefix)); d != "" {
		t.Errorf("prefix changed by a rolled back transaction:\n%s", d)
	}
}

// TestRecoverJournal simulates kills at each step of the commit by
// replaying a journal by hand.
func TestRecoverJournal(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	p := buildTxnPackages(t, filepath.Join(tmp, "pkgs"), 10)
	ctx := context.Background()
	oldDir, newDir := filepath.Join(tmp, "old"), filepath.Join(tmp, "new")
	prefix := filepath.Join(tmp, "p")
	if _, err := Apply(ctx, prefix, p.oldPlan(), testOpts()); err != nil {
		t.Fatal(err)
	}
	want := snapshot(t, prefix)
	_ = oldDir
	_ = newDir
	// A stage and trash left by a prepare that never wrote its journal.
	os.MkdirAll(filepath.Join(prefix, stageDir, "x"), 0o755)
	os.MkdirAll(filepath.Join(prefix, trashDir, "y"), 0o755)
	// A temporary prefix left by a killed create.
	os.MkdirAll(filepath.Join(tmp, ".p"+tmpInfix+"123", "bin"), 0o755)
	if err := Recover(ctx, prefix); err != nil {
		t.Fatal(err)
	}
	if d := diffSnapshots(want, snapshot(t, prefix)); d != "" {
		t.Errorf("after recovering leftovers:\n%s", d)
	}
	if _, err := os.Stat(filepath.Join(tmp, ".p"+tmpInfix+"123")); err == nil {
		t.Error("temporary prefix not removed")
	}
	// A corrupt journal is an error, not a guess.
	if err := os.WriteFile(filepath.Join(prefix, journalName), []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Recover(ctx, prefix); err == nil {
		t.Error("corrupt journal accepted")
	}
	os.Remove(filepath.Join(prefix, journalName))
}

func TestApplyLocked(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	prefix := filepath.Join(tmp, "p")
	pp, err := newPrefixPaths(prefix)
	if err != nil {
		t.Fatal(err)
	}
	fl, err := pp.lock(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer fl.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	_, err = Apply(ctx, prefix, &Plan{}, testOpts())
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("err = %v, want ErrLocked", err)
	}
	if _, err := os.Stat(prefix); err == nil {
		t.Error("prefix created while locked")
	}
}

func TestApplyFrozenAndForeignDir(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	ctx := context.Background()
	prefix := filepath.Join(tmp, "p")
	if _, err := Apply(ctx, prefix, &Plan{Cmd: "envseal create -p p"}, testOpts()); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(prefix, "conda-meta/history")); !strings.HasPrefix(string(b), "==> ") {
		t.Errorf("empty environment history = %q", b)
	}
	os.WriteFile(filepath.Join(prefix, "conda-meta", "frozen"), []byte("{}"), 0o644)
	if _, err := Apply(ctx, prefix, &Plan{}, testOpts()); !errors.Is(err, ErrFrozen) {
		t.Errorf("frozen: %v", err)
	}
	foreign := filepath.Join(tmp, "foreign")
	os.MkdirAll(foreign, 0o755)
	os.WriteFile(filepath.Join(foreign, "file"), nil, 0o644)
	if _, err := Apply(ctx, foreign, &Plan{}, testOpts()); !errors.Is(err, ErrNotEnvironment) {
		t.Errorf("foreign dir: %v", err)
	}
	// An existing empty directory is replaced by the new prefix.
	empty := filepath.Join(tmp, "empty")
	os.MkdirAll(empty, 0o755)
	if res, err := Apply(ctx, empty, &Plan{}, testOpts()); err != nil || !res.Created {
		t.Errorf("empty dir: %v", err)
	}
}

// pyPackages are the packages of the python relink tests: two pythons of
// different minor versions and a noarch: python package with an entry
// point. Each python's bin/python is a shell script that answers
// compileall's file list with stub byte code for its own version.
type pyPackages struct {
	py310, py3101, py311, tool, data Package
}

func buildPyPackages(t testing.TB, pkgs string, nfiles int) pyPackages {
	t.Helper()
	python := func(version, mm string) Package {
		tag := strings.ReplaceAll(mm, ".", "")
		compile := "#!/bin/sh\n# stub python " + version + ": -m compileall -l -i - writes stub byte code\n" +
			"while IFS= read -r f; do d=\"${f%/*}/__pycache__\"; b=\"${f##*/}\"; { [ -d \"$d\" ] || mkdir -p \"$d\"; } && printf 'stub pyc %s\\n' \"$f\" > \"$d/${b%.py}.cpython-" + tag + ".pyc\"; done\n"
		files := []testFile{
			{path: "bin/python", data: compile, mode: 0o755},
			{path: "bin/python" + mm, link: "python"},
			{path: "lib/python" + mm + "/sysconfig.txt", data: "prefix=" + DefaultPlaceholder + "\n", placeholder: DefaultPlaceholder},
		}
		for i := 0; i < nfiles; i++ {
			files = append(files, testFile{path: fmt.Sprintf("lib/python%s/m%03d.py", mm, i), data: fmt.Sprintf("# %s stdlib %d\n", version, i)})
		}
		return buildPackage(t, pkgs, testPkg{name: "python", version: version, files: files})
	}
	tool := []testFile{
		{path: "site-packages/tool/__init__.py", data: "VERSION = '1.0'\n"},
		{path: "site-packages/tool/cli.py", data: "def main():\n    print('tool')\n"},
		{path: "site-packages/tool-1.0.dist-info/METADATA", data: "Name: tool\nVersion: 1.0\n"},
		{path: "python-scripts/tool-legacy", data: "#!/usr/bin/env python\n", mode: 0o755},
	}
	for i := 0; i < nfiles/5; i++ {
		tool = append(tool, testFile{path: fmt.Sprintf("site-packages/tool/m%02d.py", i), data: fmt.Sprintf("X = %d\n", i)})
	}
	return pyPackages{
		py310:  python("3.10.16", "3.10"),
		py3101: python("3.10.17", "3.10"),
		py311:  python("3.11.11", "3.11"),
		tool:   buildPackage(t, pkgs, testPkg{name: "tool", version: "1.0", build: "pyh0", noarch: "python", entryPoints: []string{"tool = tool.cli:main"}, files: tool}),
		data:   buildPackage(t, pkgs, testPkg{name: "data", version: "1", noarch: "generic", files: []testFile{{path: "share/data/x", data: "x"}}}),
	}
}

func (p pyPackages) oldPlan() *Plan {
	tool := p.tool
	tool.RequestedSpec = "tool"
	return &Plan{Link: []Package{p.py310, tool, p.data}, UpdateSpecs: []string{"python=3.10", "tool", "data"}}
}

// newPlan moves to python 3.11 without naming tool: Apply relinks it.
func (p pyPackages) newPlan() *Plan {
	return &Plan{Link: []Package{p.py311}, UpdateSpecs: []string{"python=3.11"}}
}

// TestApplyPythonMinorChange: a plan that changes python's minor version
// relinks the noarch: python packages that stay into the new
// site-packages, with a new entry point, byte code and conda-meta record,
// whether the plan lists them (as envseal's CLI does) or not; a patch
// release of python relinks nothing.
func TestApplyPythonMinorChange(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	p := buildPyPackages(t, filepath.Join(tmp, "pkgs"), 10)
	ctx := context.Background()
	cases := []struct {
		name       string
		plan       *Plan
		wantLinked []string
		site       string // where tool's files must be afterwards
	}{
		{"python only", p.newPlan(), []string{"python", "tool"}, "lib/python3.11/site-packages"},
		{"python and tool", &Plan{Link: []Package{p.py311, p.tool}}, []string{"python", "tool"}, "lib/python3.11/site-packages"},
		{"patch release", &Plan{Link: []Package{p.py3101}}, []string{"python"}, "lib/python3.10/site-packages"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			prefix := filepath.Join(tmp, strings.ReplaceAll(tc.name, " ", "-"))
			if _, err := Apply(ctx, prefix, p.oldPlan(), testOpts()); err != nil {
				t.Fatal(err)
			}
			res, err := Apply(ctx, prefix, tc.plan, testOpts())
			if err != nil {
				t.Fatal(err)
			}
			var linked, unlinked []string
			for _, r := range res.Linked {
				linked = append(linked, r.Name)
			}
			for _, r := range res.Unlinked {
				unlinked = append(unlinked, r.Name)
			}
			if !reflect.DeepEqual(linked, tc.wantLinked) || !reflect.DeepEqual(unlinked, tc.wantLinked) {
				t.Errorf("linked %v, unlinked %v, want %v both", linked, unlinked, tc.wantLinked)
			}
			for _, w := range res.Warnings {
				t.Errorf("warning: %s", w)
			}
			pd, err := ReadPrefix(ctx, prefix)
			if err != nil {
				t.Fatal(err)
			}
			rec := pd.Record("tool")
			if rec == nil {
				t.Fatal("tool is no longer installed")
			}
			tag := strings.ReplaceAll(strings.TrimSuffix(strings.TrimPrefix(tc.site, "lib/python"), "/site-packages"), ".", "")
			want := []string{
				"bin/tool", "bin/tool-legacy",
				tc.site + "/tool-1.0.dist-info/METADATA",
				tc.site + "/tool/__init__.py",
				tc.site + "/tool/__pycache__/__init__.cpython-" + tag + ".pyc",
				tc.site + "/tool/__pycache__/cli.cpython-" + tag + ".pyc",
				tc.site + "/tool/__pycache__/m00.cpython-" + tag + ".pyc",
				tc.site + "/tool/__pycache__/m01.cpython-" + tag + ".pyc",
				tc.site + "/tool/cli.py",
				tc.site + "/tool/m00.py",
				tc.site + "/tool/m01.py",
			}
			if rec.RequestedSpec != "tool" {
				t.Errorf("tool's requested_spec = %q, want it kept", rec.RequestedSpec)
			}
			if !reflect.DeepEqual(rec.Files, want) {
				t.Errorf("tool's files:\n got %q\nwant %q", rec.Files, want)
			}
			for _, f := range rec.Files {
				if _, err := os.Lstat(filepath.Join(prefix, f)); err != nil {
					t.Errorf("listed file: %v", err)
				}
			}
			if pyc, _ := os.ReadFile(filepath.Join(prefix, tc.site, "tool/__pycache__/cli.cpython-"+tag+".pyc")); string(pyc) != "stub pyc "+tc.site+"/tool/cli.py\n" {
				t.Errorf("byte code = %q", pyc)
			}
			if b, _ := os.ReadFile(filepath.Join(prefix, "bin/tool")); !strings.HasPrefix(string(b), "#!"+prefix+"/bin/python\n") {
				t.Errorf("entry point = %.60q", b)
			}
			if tc.site == "lib/python3.11/site-packages" {
				if _, err := os.Lstat(filepath.Join(prefix, "lib/python3.10")); !os.IsNotExist(err) {
					t.Errorf("lib/python3.10 left behind: %v", err)
				}
			}
			if pd.Record("data") == nil || slices.Contains(linked, "data") {
				t.Error("noarch: generic package data was touched or lost")
			}
			if _, err := os.Lstat(filepath.Join(prefix, "share/data/x")); err != nil {
				t.Error(err)
			}
		})
	}

	// A package left behind whose extracted directory is gone cannot be
	// relinked: the transaction fails before any change.
	prefix := filepath.Join(tmp, "gone")
	pkgs2 := filepath.Join(tmp, "pkgs2")
	q := buildPyPackages(t, pkgs2, 2)
	if _, err := Apply(ctx, prefix, q.oldPlan(), testOpts()); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(q.tool.Dir); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, prefix)
	_, err := Apply(ctx, prefix, q.newPlan(), testOpts())
	if err == nil || !strings.Contains(err.Error(), "tool-1.0-pyh0 is noarch: python and must be relinked for python 3.11.11") {
		t.Errorf("err = %v", err)
	}
	if d := diffSnapshots(before, snapshot(t, prefix)); d != "" {
		t.Errorf("failed relink changed the prefix:\n%s", d)
	}
}

func TestNoarchRelinks(t *testing.T) {
	t.Parallel()
	rec := func(name, version, noarch string) *conda.Record {
		r := &conda.Record{Name: name, Build: "0", Noarch: noarch}
		v, err := conda.ParseVersion(version)
		if err != nil {
			t.Fatal(err)
		}
		r.Version = v
		return r
	}
	installed := func(recs ...*conda.Record) []*InstalledRecord {
		var out []*InstalledRecord
		for _, r := range recs {
			out = append(out, &InstalledRecord{Record: *r})
		}
		return out
	}
	pip, six, numpy := rec("pip", "24.3.1", "python"), rec("six", "1.16", "python"), rec("numpy", "2.1", "")
	freeThreaded := rec("python", "3.13.1", "")
	freeThreaded.PythonSitePackagesPath = "lib/python3.13t/site-packages"
	cases := []struct {
		name      string
		installed []*InstalledRecord
		want      []*conda.Record
		relink    []string
	}{
		{"minor change", installed(rec("python", "3.10.16", ""), pip), []*conda.Record{rec("python", "3.11.11", ""), pip, numpy, six}, []string{"pip", "six"}},
		{"major change", installed(rec("python", "2.7.18", ""), pip), []*conda.Record{rec("python", "3.7.1", ""), pip}, []string{"pip"}},
		{"3.1 to 3.10", installed(rec("python", "3.1.5", ""), pip), []*conda.Record{rec("python", "3.10.0", ""), pip}, []string{"pip"}},
		{"patch release", installed(rec("python", "3.10.16", ""), pip), []*conda.Record{rec("python", "3.10.17", ""), pip}, nil},
		{"release candidate of the same minor", installed(rec("python", "3.13.0rc1", ""), pip), []*conda.Record{rec("python", "3.13.1", ""), pip}, nil},
		{"site-packages path (CEP 17)", installed(rec("python", "3.13.1", ""), pip), []*conda.Record{freeThreaded, pip}, []string{"pip"}},
		{"python added", installed(pip), []*conda.Record{rec("python", "3.11.11", ""), pip}, nil},
		{"python removed", installed(rec("python", "3.10.16", ""), pip), []*conda.Record{pip}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, r := range NoarchRelinks(tc.installed, tc.want) {
				got = append(got, r.Name)
			}
			if !reflect.DeepEqual(got, tc.relink) {
				t.Errorf("NoarchRelinks = %v, want %v", got, tc.relink)
			}
		})
	}
	for v, want := range map[string]string{"3.11.11": "3.11", "3.10": "3.10", "3.13.0rc1": "3.13", "3.14t": "3.14", "3": "", "2!3.9.1": "2!3.9", "": ""} {
		if got := pythonMinor(v); got != want {
			t.Errorf("pythonMinor(%q) = %q, want %q", v, got, want)
		}
	}
}
