// Package writelock serialises read-modify-write cycles on a user's file
// (envseal.lock, environment.yml) across envseal processes.
//
// Atomic renames (internal/atomicfile) keep a file whole, but two writers
// that each read the file, change it in memory and rename their copy into
// place still lose one of the changes: the last rename wins. A writer
// therefore holds an exclusive advisory lock on a lock file beside its
// target for the whole cycle. Advisory locks (flock on Unix, LockFileEx on
// Windows, through github.com/gofrs/flock) die with the process that holds
// them, so a writer killed with SIGKILL never blocks the next one.
//
// The lock file is named ".<target>.lock" in the target's directory. Its
// holder writes its process id into it, so a waiting writer can say whom it
// waits for, and removes it on release. Removing a lock file that another
// process has opened and is waiting on is safe because [Acquire] checks,
// once it holds the lock, that the path still names the file it locked, and
// starts over when it does not.
//
// Readers need no lock: every writer replaces the target with a rename, so
// a reader opens either the old file or the new one, each complete.
//
// The package imports only the standard library and gofrs/flock; it knows
// nothing of lockfiles or YAML.
//
// It owns the write lock beside a file. It imports no envseal package.
package writelock

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/gofrs/flock"
)

// DefaultTimeout is how long [Acquire] waits when [Options.Timeout] is 0.
const DefaultTimeout = 60 * time.Second

// DefaultNotifyAfter is how long [Acquire] waits before it calls
// [Options.Waiting] when [Options.NotifyAfter] is 0.
const DefaultNotifyAfter = time.Second

// pollInterval is how often a waiting writer retries the lock.
const pollInterval = 25 * time.Millisecond

// Options tune [Acquire].
type Options struct {
	// Timeout bounds the wait; 0 means DefaultTimeout.
	Timeout time.Duration
	// NotifyAfter is how long to wait before calling Waiting; 0 means
	// DefaultNotifyAfter.
	NotifyAfter time.Duration
	// Waiting, when set, is called once if the lock is still held by
	// another process after NotifyAfter. pid is the holder's process id,
	// or 0 when it cannot be read.
	Waiting func(pid int)
}

// TimeoutError reports that another process held the lock for longer than
// the timeout.
type TimeoutError struct {
	Target  string        // the file the caller wanted to write
	PID     int           // the holder's process id, 0 when unknown
	Timeout time.Duration // how long the caller waited
}

func (e *TimeoutError) Error() string {
	holder := "another envseal"
	if e.PID > 0 {
		holder = fmt.Sprintf("another envseal (pid %d)", e.PID)
	}
	return fmt.Sprintf("%s is being written by %s: gave up after %s (raise it with --lock-timeout)", e.Target, holder, e.Timeout)
}

// Lock is a held write lock; release it with [Lock.Release].
type Lock struct {
	fl   *flock.Flock
	path string
}

// Path returns the lock file's path.
func (l *Lock) Path() string { return l.path }

// PathFor returns the lock file that guards target.
func PathFor(target string) string {
	dir, base := filepath.Split(target)
	return filepath.Join(dir, "."+base+".lock")
}

// Acquire takes the exclusive write lock for target, waiting while another
// process holds it, until opts.Timeout passes (a [*TimeoutError]) or ctx
// ends (ctx's error, wrapped). The directory of target must exist.
func Acquire(ctx context.Context, target string, opts Options) (*Lock, error) {
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	notifyAfter := opts.NotifyAfter
	if notifyAfter <= 0 {
		notifyAfter = DefaultNotifyAfter
	}
	path := PathFor(target)
	start := time.Now()
	deadline := start.Add(timeout)
	notified := opts.Waiting == nil
	for {
		fl := flock.New(path, flock.SetPermissions(0o644))
		ok, err := fl.TryLock()
		if err != nil {
			return nil, fmt.Errorf("locking %s for writing: %w", target, err)
		}
		if ok {
			if same, err := stillNamed(fl, path); err != nil {
				fl.Close()
				return nil, fmt.Errorf("locking %s for writing: %w", target, err)
			} else if same {
				// Best effort: on Windows the locked byte range refuses
				// this second handle, and the waiter then names no pid.
				_ = os.WriteFile(path, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644)
				return &Lock{fl: fl, path: path}, nil
			}
			// The previous holder removed the file we locked: lock the
			// new one instead.
			fl.Close()
			continue
		}
		fl.Close()
		now := time.Now()
		if !notified && now.Sub(start) >= notifyAfter {
			notified = true
			opts.Waiting(holderPID(path))
		}
		if !now.Before(deadline) {
			return nil, &TimeoutError{Target: target, PID: holderPID(path), Timeout: timeout}
		}
		t := time.NewTimer(min(pollInterval, time.Until(deadline)))
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("waiting to write %s: %w", target, ctx.Err())
		case <-t.C:
		}
	}
}

// stillNamed reports whether path still names the file fl holds locked.
func stillNamed(fl *flock.Flock, path string) (bool, error) {
	held, err := fl.Stat()
	if err != nil {
		return false, err
	}
	named, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return os.SameFile(held, named), nil
}

// holderPID reads the process id the holder wrote, 0 when unknown.
func holderPID(path string) int {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil || pid <= 0 {
		return 0
	}
	return pid
}

// Release removes the lock file and unlocks it. It is safe to call more
// than once.
func (l *Lock) Release() error {
	if l == nil || l.fl == nil {
		return nil
	}
	// Remove first, while still holding the lock, so that no process can
	// lock this file after we let go and believe it owns the path. On
	// Windows an open file cannot be removed; the file then stays, which
	// is harmless.
	_ = os.Remove(l.path)
	err := l.fl.Unlock()
	l.fl.Close()
	l.fl = nil
	return err
}
