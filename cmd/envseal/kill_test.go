package main

import (
	"encoding/json"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// buildEnvseal compiles the command for tests that need real processes.
func buildEnvseal(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "envseal")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

type proc struct {
	t    *testing.T
	bin  string
	env  []string
	root string
}

func newProc(t *testing.T, bin, root string) *proc {
	return &proc{t: t, bin: bin, root: root, env: []string{
		"HOME=" + filepath.Dir(root),
		"ENVSEAL_ROOT=" + root,
		"PATH=" + os.Getenv("PATH"),
	}}
}

func (p *proc) command(args ...string) *exec.Cmd {
	cmd := exec.Command(p.bin, args...)
	cmd.Env = p.env
	return cmd
}

func (p *proc) mustRun(args ...string) string {
	p.t.Helper()
	out, err := p.command(args...).CombinedOutput()
	if err != nil {
		p.t.Fatalf("envseal %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// installed lists name=version of an environment, "" when it is absent.
func (p *proc) installed(name string) string {
	p.t.Helper()
	prefix := filepath.Join(p.root, "envs", name)
	if _, err := os.Stat(prefix); os.IsNotExist(err) {
		return ""
	}
	var recs []map[string]any
	out := p.mustRun("list", "-n", name, "--json")
	if err := json.Unmarshal([]byte(out), &recs); err != nil {
		p.t.Fatalf("list --json: %v\n%s", err, out)
	}
	var names []string
	for _, r := range recs {
		names = append(names, r["name"].(string)+"="+r["version"].(string))
	}
	sort.Strings(names)
	return strings.Join(names, " ")
}

// TestKillCreateAndInstall SIGKILLs envseal create and install at random
// moments; after each kill, the next envseal run on the prefix must find
// it absent, fully old or fully new, and the shared cache usable.
func TestKillCreateAndInstall(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	ch := fixtureChannel(t)
	bin := buildEnvseal(t)
	root := filepath.Join(t.TempDir(), "root")
	p := newProc(t, bin, root)
	base := []string{"-q", "--override-channels", "-c", ch}
	const full = "pip=24.3.1 python=3.10.16"

	// A complete run first, to learn how long one takes (and warm the cache
	// halfway: the kills below also hit downloads and extraction when the
	// cache is cleaned).
	start := time.Now()
	p.mustRun(append([]string{"create", "-n", "probe"}, append(base, "python=3.10", "pip")...)...)
	span := time.Since(start)
	p.mustRun("remove", "-n", "probe", "--all", "-y")

	rng := rand.New(rand.NewSource(20261128))
	deadline := time.Now().Add(25 * time.Second)
	kills := 0
	for i := 0; time.Now().Before(deadline) && i < 40; i++ {
		if i%5 == 0 {
			p.mustRun("clean", "--all", "-y") // make later kills land in fetch/extract too
		}
		delay := time.Duration(rng.Int63n(int64(span) + 1))
		if i%2 == 0 {
			// create: the prefix is absent or complete.
			cmd := p.command(append([]string{"create", "-n", "k"}, append(base, "python=3.10", "pip")...)...)
			if killAfter(t, cmd, delay) {
				kills++
			}
			got := p.installed("k")
			if got != "" && got != full {
				t.Fatalf("after killing create at %v: prefix holds %q, want absent or %q", delay, got, full)
			}
			if got == "" {
				// The next run starts from scratch and cleans what the
				// killed one left beside the prefix.
				p.mustRun(append([]string{"create", "-n", "k"}, append(base, "python=3.10", "pip")...)...)
			}
			checkPython(t, p, "k")
			p.mustRun("remove", "-n", "k", "--all", "-y")
		} else {
			// install into an existing python-only prefix: old or new.
			if p.installed("j") == "" {
				p.mustRun(append([]string{"create", "-n", "j", "--no-pip"}, append(base, "python=3.10")...)...)
			}
			cmd := p.command(append([]string{"install", "-n", "j", "--no-pip"}, append(base, "activate-hook")...)...)
			if killAfter(t, cmd, delay) {
				kills++
			}
			got := p.installed("j")
			switch got {
			case "python=3.10.16":
			case "activate-hook=1.0 python=3.10.16":
				p.mustRun("remove", "-n", "j", "-q", "activate-hook")
			default:
				t.Fatalf("after killing install at %v: prefix holds %q", delay, got)
			}
			checkPython(t, p, "j")
		}
		leftovers, _ := filepath.Glob(filepath.Join(root, "envs", ".*envseal-*"))
		if len(leftovers) > 0 {
			t.Fatalf("leftovers after recovery: %v", leftovers)
		}
	}
	t.Logf("%d runs killed before they finished (one full create takes %v)", kills, span)
	if kills == 0 {
		t.Errorf("no run was killed mid-way: the test proved nothing")
	}
	// The cache is consistent: a fresh environment from it works.
	p.mustRun(append([]string{"create", "-n", "final"}, append(base, "python=3.10", "pip")...)...)
	checkPython(t, p, "final")
}

// killAfter starts cmd and SIGKILLs it after d; it reports whether the
// kill landed before the command finished.
func killAfter(t *testing.T, cmd *exec.Cmd, d time.Duration) bool {
	t.Helper()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("%v finished with %v before the kill", cmd.Args, err)
		}
		return false
	case <-time.After(d):
		_ = cmd.Process.Signal(syscall.SIGKILL)
		err := <-done
		return err != nil
	}
}

func checkPython(t *testing.T, p *proc, name string) {
	t.Helper()
	out := p.mustRun("run", "-n", name, "--", "python", "-c", "import sys; print(sys.version.split()[0])")
	if strings.TrimSpace(out) != "3.10.16" {
		t.Fatalf("python in %s printed %q", name, out)
	}
}

// TestConcurrentCreates runs two envseal processes that create
// environments from the same empty package cache at the same time.
func TestConcurrentCreates(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	ch := fixtureChannel(t)
	bin := buildEnvseal(t)
	root := filepath.Join(t.TempDir(), "root")
	p := newProc(t, bin, root)
	var wg sync.WaitGroup
	errs := make([]error, 2)
	outs := make([][]byte, 2)
	for i, name := range []string{"a", "b"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			outs[i], errs[i] = p.command("create", "-q", "-n", name, "--override-channels", "-c", ch, "python=3.10", "pip", "symlinks").CombinedOutput()
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("process %d: %v\n%s", i, err, outs[i])
		}
	}
	for _, name := range []string{"a", "b"} {
		if got := p.installed(name); got != "pip=24.3.1 python=3.10.16 symlinks=2.0" {
			t.Errorf("%s holds %q", name, got)
		}
		checkPython(t, p, name)
	}
}

// TestKillPythonMinorUpdate SIGKILLs `install python=3.11` in a python
// 3.10 environment with pip at random moments. The update relinks pip
// (noarch: python) into lib/python3.11 in the same transaction as python
// itself, so after each kill the environment must be wholly 3.10 or
// wholly 3.11, with a pip that runs under that python.
func TestKillPythonMinorUpdate(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	ch := fixtureChannel(t)
	bin := buildEnvseal(t)
	root := filepath.Join(t.TempDir(), "root")
	p := newProc(t, bin, root)
	base := []string{"-q", "--no-pip", "--override-channels", "-c", ch}
	prefix := filepath.Join(root, "envs", "m")
	backup := filepath.Join(t.TempDir(), "m")
	p.mustRun(append([]string{"create", "-n", "m"}, append(base, "python=3.10", "pip")...)...)
	if out, err := exec.Command("cp", "-a", prefix, backup).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v\n%s", err, out)
	}
	// Transactions replace files by renames and only append to
	// conda-meta/history in place: a hard-linked copy with its own
	// conda-meta restores the old state cheaply.
	restore := func() {
		t.Helper()
		if err := os.RemoveAll(prefix); err != nil {
			t.Fatal(err)
		}
		for _, args := range [][]string{{"-al", backup, prefix}, {"-a", filepath.Join(backup, "conda-meta"), filepath.Join(prefix, "conda-meta.copy")}} {
			if out, err := exec.Command("cp", args...).CombinedOutput(); err != nil {
				t.Fatalf("cp: %v\n%s", err, out)
			}
		}
		if err := os.RemoveAll(filepath.Join(prefix, "conda-meta")); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(filepath.Join(prefix, "conda-meta.copy"), filepath.Join(prefix, "conda-meta")); err != nil {
			t.Fatal(err)
		}
	}
	update := append([]string{"install", "-n", "m"}, append(base, "python=3.11")...)
	p.mustRun(update...) // fills the package cache
	checkPip(t, p, "m", "3.11")
	restore()
	checkPip(t, p, "m", "3.10")
	start := time.Now()
	p.mustRun(update...)
	span := time.Since(start)
	restore()

	rng := rand.New(rand.NewSource(20261206))
	deadline := time.Now().Add(15 * time.Second)
	kills, outcomes := 0, map[string]int{}
	for i := 0; time.Now().Before(deadline) && i < 20; i++ {
		delay := time.Duration(rng.Int63n(int64(span) + 1))
		if killAfter(t, p.command(update...), delay) {
			kills++
		}
		got := p.installed("m")
		switch got {
		case "pip=24.3.1 python=3.10.16":
			checkPip(t, p, "m", "3.10")
		case "pip=24.3.1 python=3.11.11":
			checkPip(t, p, "m", "3.11")
		default:
			t.Fatalf("after killing the update at %v: prefix holds %q", delay, got)
		}
		outcomes[got]++
		leftovers, _ := filepath.Glob(filepath.Join(prefix, ".envseal-*"))
		if len(leftovers) > 0 {
			t.Fatalf("leftovers after recovery: %v", leftovers)
		}
		restore()
	}
	t.Logf("%d runs killed before they finished (one update takes %v): %v", kills, span, outcomes)
	if kills == 0 {
		t.Errorf("no run was killed mid-way: the test proved nothing")
	}
}

// checkPip runs pip --version in the environment and checks that it
// comes from, and runs under, python mm.
func checkPip(t *testing.T, p *proc, name, mm string) {
	t.Helper()
	out := p.mustRun("run", "-n", name, "--", "pip", "--version")
	if !strings.Contains(out, "/lib/python"+mm+"/site-packages/pip (python "+mm+")") {
		t.Fatalf("pip in %s (python %s): %q", name, mm, out)
	}
}
