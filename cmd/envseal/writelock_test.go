package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/envseal/envseal/conda"
	"github.com/envseal/envseal/internal/writelock"
	"github.com/envseal/envseal/lockfile"
)

// secretsProc is a teammate running the real binary: their own HOME and
// identity, the lock in dir.
func secretsProc(t *testing.T, bin string) *proc {
	t.Helper()
	home := t.TempDir()
	p := newProc(t, bin, filepath.Join(home, "root"))
	p.env = append(p.env, "HOME="+home)
	p.mustRun("secrets", "keygen")
	return p
}

// TestConcurrentSecretsSetKeepsEvery starts twenty `secrets set` processes
// on one lock at once, as a team's setup script does: every name must be
// there afterwards, each opening to its own value.
func TestConcurrentSecretsSetKeepsEvery(t *testing.T) {
	bin := buildEnvseal(t)
	p := secretsProc(t, bin)
	lock := filepath.Join(t.TempDir(), "envseal.lock")
	const n = 20
	var wg sync.WaitGroup
	outs := make([]string, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			cmd := p.command("secrets", "set", "--lock", lock, fmt.Sprintf("TOKEN_%02d", i))
			cmd.Stdin = strings.NewReader(fmt.Sprintf("value-%02d", i))
			out, err := cmd.CombinedOutput()
			outs[i], errs[i] = string(out), err
		})
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("secrets set TOKEN_%02d: %v\n%s", i, errs[i], outs[i])
		}
	}
	names := strings.Fields(p.mustRun("secrets", "list", "--lock", lock))
	if len(names) != n {
		t.Fatalf("secrets list shows %d of %d names: %v", len(names), n, names)
	}
	for i := range n {
		got := p.mustRun("secrets", "get", "--lock", lock, fmt.Sprintf("TOKEN_%02d", i))
		if want := fmt.Sprintf("value-%02d\n", i); got != want {
			t.Errorf("TOKEN_%02d = %q, want %q", i, got, want)
		}
	}
	if _, err := os.Stat(writelock.PathFor(lock)); !os.IsNotExist(err) {
		t.Errorf("the write lock file was left behind: %v", err)
	}
}

// TestSecretsSetWaitsAndTimesOut: a second writer says whom it waits for,
// gives up after --lock-timeout with a non-zero exit, and writes nothing.
func TestSecretsSetWaitsAndTimesOut(t *testing.T) {
	e := newCLI(t)
	e.mustRun("secrets", "keygen")
	lock := filepath.Join(t.TempDir(), "envseal.lock")
	e.stdin = "first"
	e.mustRun("secrets", "set", "--lock", lock, "FIRST")
	before, err := os.ReadFile(lock)
	if err != nil {
		t.Fatal(err)
	}
	held, err := writelock.Acquire(t.Context(), lock, writelock.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer held.Release()
	e.stdin = "second"
	_, stderr, code := e.run("secrets", "set", "--lock", lock, "--lock-timeout", "1500ms", "SECOND")
	if code == 0 {
		t.Fatal("secrets set succeeded while another writer held the lock")
	}
	wantWait := fmt.Sprintf("waiting for another envseal writing %s (pid %d)", lock, os.Getpid())
	if strings.Count(stderr, wantWait) != 1 {
		t.Errorf("stderr should say once %q:\n%s", wantWait, stderr)
	}
	if !strings.Contains(stderr, "gave up after 1.5s") {
		t.Errorf("stderr does not say it gave up after the timeout:\n%s", stderr)
	}
	if strings.Contains(stderr, "second") {
		t.Errorf("the value reached stderr:\n%s", stderr)
	}
	after, _ := os.ReadFile(lock)
	if string(after) != string(before) {
		t.Errorf("the lock changed although the writer gave up")
	}
}

// TestKilledWriterNeverBlocks: an envseal killed with SIGKILL while it
// holds the write lock (here: stuck reading its identity from a FIFO) does
// not block the next writer, which gets the lock on its first try.
func TestKilledWriterNeverBlocks(t *testing.T) {
	bin := buildEnvseal(t)
	p := secretsProc(t, bin)
	dir := t.TempDir()
	lock := filepath.Join(dir, "envseal.lock")
	cmd := p.command("secrets", "set", "--lock", lock, "FIRST")
	cmd.Stdin = strings.NewReader("first")
	p.mustRunIn(cmd)

	fifo := filepath.Join(dir, "identity.fifo")
	if err := mkfifo(fifo); err != nil {
		t.Skipf("no FIFOs here: %v", err)
	}
	stuck := p.command("secrets", "rm", "--lock", lock, "FIRST")
	stuck.Env = append(stuck.Env, "ENVSEAL_IDENTITY_FILE="+fifo)
	if err := stuck.Start(); err != nil {
		t.Fatal(err)
	}
	waitForHolder(t, lock, stuck.Process.Pid)
	if err := stuck.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	stuck.Wait()

	// One nanosecond of patience: only a first try that succeeds passes.
	next := p.command("secrets", "set", "--lock", lock, "--lock-timeout", "1ns", "SECOND")
	next.Stdin = strings.NewReader("second")
	p.mustRunIn(next)
	if got := p.mustRun("secrets", "list", "--lock", lock); got != "FIRST\nSECOND\n" {
		t.Errorf("secrets after the killed writer: %q", got)
	}
}

func (p *proc) mustRunIn(cmd *exec.Cmd) {
	p.t.Helper()
	if out, err := cmd.CombinedOutput(); err != nil {
		p.t.Fatalf("%s: %v\n%s", strings.Join(cmd.Args, " "), err, out)
	}
}

// waitForHolder waits until pid holds the write lock of target.
func waitForHolder(t *testing.T, target string, pid int) {
	t.Helper()
	for range 500 {
		if data, err := os.ReadFile(writelock.PathFor(target)); err == nil && strings.TrimSpace(string(data)) == strconv.Itoa(pid) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("pid %d never took the write lock of %s", pid, target)
}

// TestSecretSetDuringLockIsKept runs `secrets set` while `envseal lock` is
// solving against a slow loopback channel: the lock that lands holds both
// the new packages and the new secret.
func TestSecretSetDuringLockIsKept(t *testing.T) {
	bin := buildEnvseal(t)
	p := secretsProc(t, bin)
	chdir := solveChannel(t)
	started := make(chan struct{})
	release := make(chan struct{})
	var once sync.Once
	files := http.FileServer(http.Dir(chdir))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "repodata.json") {
			once.Do(func() { close(started) })
			<-release
		}
		files.ServeHTTP(w, r)
	}))
	defer srv.Close()

	_, yml, lock := lockProject(t, srv.URL, "  - python=3.10\n  - foo\n")
	set := p.command("secrets", "set", "--lock", lock, "OLD")
	set.Stdin = strings.NewReader("old-value")
	p.mustRunIn(set)

	locking := p.command("lock", "-q", "--override-channels", "-f", yml, "-o", lock, "--platform", "linux-64")
	var lockOut strings.Builder
	locking.Stdout, locking.Stderr = &lockOut, &lockOut
	if err := locking.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-started:
	case <-time.After(60 * time.Second):
		locking.Process.Kill()
		t.Fatal("envseal lock never asked for repodata")
	}
	set = p.command("secrets", "set", "--lock", lock, "NEW")
	set.Stdin = strings.NewReader("new-value")
	p.mustRunIn(set)
	close(release)
	if err := locking.Wait(); err != nil {
		t.Fatalf("envseal lock: %v\n%s", err, lockOut.String())
	}

	l, err := lockfile.ReadFile(lock, lockfile.DecodeOptions{Filename: lock, Format: lockfile.FormatEnvseal})
	if err != nil {
		t.Fatal(err)
	}
	if recs := l.Records(conda.Platform("linux-64")); len(recs) == 0 {
		t.Error("the lock holds no packages for linux-64")
	}
	if got := p.mustRun("secrets", "list", "--lock", lock); got != "NEW\nOLD\n" {
		t.Errorf("secrets after a set during lock: %q, want NEW and OLD", got)
	}
	if got := p.mustRun("secrets", "get", "--lock", lock, "NEW"); got != "new-value\n" {
		t.Errorf("NEW = %q", got)
	}
}
