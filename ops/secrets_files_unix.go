//go:build unix

package ops

import (
	"io/fs"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// lockDir takes an exclusive flock on dir, held until unlock (or until
// the process dies, which is what lets the next run tell a leftover).
func lockDir(dir string) (func(), error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		f.Close()
		return nil, err
	}
	return func() { f.Close() }, nil
}

// tryLockDir locks dir if no live process holds it.
func tryLockDir(dir string) (func(), bool) {
	unlock, err := lockDir(dir)
	return unlock, err == nil
}

// staleNewDir: a ".new-*" directory is renamed within moments of its
// making; one an hour old belongs to a killed run.
func staleNewDir(fi fs.FileInfo) bool { return time.Since(fi.ModTime()) > time.Hour }
