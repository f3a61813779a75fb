// Package atomicfile replaces files whole: readers, and a process started
// after a crash, see either the old file or the new one, never a part.
//
// It sits under every package that writes a file a user or another envseal
// process relies on: repodata cache entries (channel), envseal.lock
// (lockfile), the transaction journal (env), repodata.json (indexer), and
// the command's exports and identity files.
//
// It owns the temp-file, fsync, rename and directory-sync sequence. It
// imports only the standard library and must not import any envseal package.
package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// WriteFile replaces path with data. The bytes go to a temporary file in
// the same directory (see [TempGlob]), which gets perm, is synced and is
// renamed over path; then the directory is synced so that the rename
// survives a crash (skipped where the system cannot sync a directory). On
// failure the temporary file is removed and path is as it was. Errors name
// path.
func WriteFile(path string, data []byte, perm fs.FileMode) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if _, err = f.Write(data); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err = f.Chmod(perm); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("syncing %s: %w", path, err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err = os.Rename(tmp, path); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return SyncDir(dir)
}

// KeepMode returns the permission bits of the regular file at path, or def
// when there is no file there. Anything else at path is an error naming it.
func KeepMode(path string, def fs.FileMode) (fs.FileMode, error) {
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return def, nil
	case err != nil:
		return 0, err
	case !fi.Mode().IsRegular():
		return 0, fmt.Errorf("writing %s: not a regular file", path)
	}
	return fi.Mode().Perm(), nil
}

// SyncDir flushes a directory so that renames in it are durable. Systems
// that cannot sync a directory are not an error.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, fs.ErrInvalid) && !errors.Is(err, syscall.EINVAL) && !errors.Is(err, syscall.ENOTSUP) {
		return fmt.Errorf("syncing %s: %w", dir, err)
	}
	return nil
}

// TempGlob is the filepath.Match pattern of the temporary files WriteFile
// makes for path, for removing what a killed process left.
func TempGlob(path string) string {
	dir, base := filepath.Split(path)
	return filepath.Join(dir, "."+base+".tmp-*")
}
