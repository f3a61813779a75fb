package prefix

import (
	"os"

	"golang.org/x/sys/unix"
)

// syncTreeCoversFiles is true where syncTree flushes every file of the
// tree, so that files written just before need no fsync of their own.
const syncTreeCoversFiles = true

// syncTree flushes the file system holding dir to stable storage: one
// syncfs call rather than an fsync per linked file.
func syncTree(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := unix.Syncfs(int(f.Fd())); err != nil {
		return &os.PathError{Op: "syncfs", Path: dir, Err: err}
	}
	return nil
}
