//go:build !unix

package ops

import (
	"io/fs"
	"os"
	"time"
)

// lockDir: without flock a run directory is not locked; tryLockDir then
// treats a directory as a leftover once it is a day old.
func lockDir(string) (func(), error) { return func() {}, nil }

func tryLockDir(dir string) (func(), bool) {
	fi, err := os.Stat(dir)
	return func() {}, err == nil && time.Since(fi.ModTime()) > 24*time.Hour
}

func staleNewDir(fi fs.FileInfo) bool { return time.Since(fi.ModTime()) > time.Hour }
