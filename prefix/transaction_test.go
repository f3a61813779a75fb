package prefix

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
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
