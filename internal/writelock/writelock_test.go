package writelock

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestMain lets the test binary act as a lock holder in a child process,
// for the kill -9 test.
func TestMain(m *testing.M) {
	if target := os.Getenv("WRITELOCK_TEST_HOLD"); target != "" {
		l, err := Acquire(context.Background(), target, Options{Timeout: 5 * time.Second})
		if err != nil {
			os.Stderr.WriteString(err.Error())
			os.Exit(3)
		}
		os.Stdout.WriteString("held\n")
		time.Sleep(time.Minute)
		l.Release()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func TestPathFor(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"envseal.lock", ".envseal.lock.lock"},
		{"/a/b/environment.yml", "/a/b/.environment.yml.lock"},
		{"sub/envseal.lock", "sub/.envseal.lock.lock"},
	} {
		if got := PathFor(tc.in); got != tc.want {
			t.Errorf("PathFor(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestNoLostUpdates runs many read-increment-write cycles at once: with
// the lock held around each, none is lost.
func TestNoLostUpdates(t *testing.T) {
	target := filepath.Join(t.TempDir(), "counter")
	if err := os.WriteFile(target, []byte("0"), 0o644); err != nil {
		t.Fatal(err)
	}
	const n = 40
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Go(func() {
			l, err := Acquire(t.Context(), target, Options{Timeout: 30 * time.Second})
			if err != nil {
				errs <- err
				return
			}
			defer l.Release()
			data, err := os.ReadFile(target)
			if err != nil {
				errs <- err
				return
			}
			v, _ := strconv.Atoi(string(data))
			time.Sleep(time.Millisecond) // widen the window a lost update needs
			tmp := target + ".tmp" + strconv.Itoa(os.Getpid())
			if err := os.WriteFile(tmp, []byte(strconv.Itoa(v+1)), 0o644); err != nil {
				errs <- err
				return
			}
			errs <- os.Rename(tmp, target)
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	data, _ := os.ReadFile(target)
	if string(data) != strconv.Itoa(n) {
		t.Fatalf("counter = %s after %d locked increments", data, n)
	}
	if _, err := os.Stat(PathFor(target)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("lock file left behind after release: %v", err)
	}
}

func TestTimeoutNamesHolder(t *testing.T) {
	target := filepath.Join(t.TempDir(), "envseal.lock")
	held, err := Acquire(t.Context(), target, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer held.Release()
	var waitedFor []int
	_, err = Acquire(t.Context(), target, Options{
		Timeout:     300 * time.Millisecond,
		NotifyAfter: 50 * time.Millisecond,
		Waiting:     func(pid int) { waitedFor = append(waitedFor, pid) },
	})
	var te *TimeoutError
	if !errors.As(err, &te) {
		t.Fatalf("err = %v, want a *TimeoutError", err)
	}
	if te.PID != os.Getpid() || te.Target != target {
		t.Errorf("TimeoutError = %+v, want pid %d and target %s", te, os.Getpid(), target)
	}
	if len(waitedFor) != 1 || waitedFor[0] != os.Getpid() {
		t.Errorf("Waiting called with %v, want once with %d", waitedFor, os.Getpid())
	}
	for _, want := range []string{target, "pid " + strconv.Itoa(os.Getpid()), "--lock-timeout"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

func TestContextCancelStopsWaiting(t *testing.T) {
	target := filepath.Join(t.TempDir(), "envseal.lock")
	held, err := Acquire(t.Context(), target, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer held.Release()
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	_, err = Acquire(ctx, target, Options{Timeout: time.Minute})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the context's error", err)
	}
}

// TestReleaseWhileWaiting: a waiter that opened the file its holder then
// removed must not believe it owns the path alongside a newcomer.
func TestReleaseWhileWaiting(t *testing.T) {
	target := filepath.Join(t.TempDir(), "envseal.lock")
	held, err := Acquire(t.Context(), target, Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan *Lock)
	go func() {
		l, err := Acquire(context.Background(), target, Options{Timeout: 10 * time.Second})
		if err != nil {
			t.Error(err)
		}
		got <- l
	}()
	time.Sleep(100 * time.Millisecond)
	if err := held.Release(); err != nil {
		t.Fatal(err)
	}
	l := <-got
	defer l.Release()
	// The waiter's lock must be the one the path names now: a third
	// writer cannot get in.
	_, err = Acquire(t.Context(), target, Options{Timeout: 100 * time.Millisecond})
	var te *TimeoutError
	if !errors.As(err, &te) {
		t.Fatalf("a third writer got the lock while the second held it: %v", err)
	}
}

// TestKilledHolderNeverBlocks: a holder killed with SIGKILL leaves its lock
// file behind, and the next writer gets the lock at once.
func TestKilledHolderNeverBlocks(t *testing.T) {
	target := filepath.Join(t.TempDir(), "envseal.lock")
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "WRITELOCK_TEST_HOLD="+target)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 5)
	if _, err := out.Read(buf); err != nil || string(buf) != "held\n" {
		t.Fatalf("child did not take the lock: %q %v", buf, err)
	}
	if pid := holderPID(PathFor(target)); pid != cmd.Process.Pid {
		t.Errorf("lock file names pid %d, want the child's %d", pid, cmd.Process.Pid)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	if _, err := os.Stat(PathFor(target)); err != nil {
		t.Fatalf("expected the killed holder's lock file to remain: %v", err)
	}
	// A timeout of one nanosecond leaves room for the first try only: the
	// dead holder's lock must not be in the way of it.
	l, err := Acquire(t.Context(), target, Options{Timeout: time.Nanosecond})
	if err != nil {
		t.Fatalf("lock after kill -9: %v", err)
	}
	defer l.Release()
}
