//go:build unix

package env

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"golang.org/x/sys/unix"
)

// treeWriter creates files in a directory tree through an [os.Root], so no
// write can leave the tree even through a symlink a package placed there.
// It keeps one directory open at a time; callers write files grouped by
// directory. It is not safe for concurrent use.
type treeWriter struct {
	root       *os.Root
	dir        string
	dirf       *os.File
	noHardlink bool // set after a cross-device link failed, or by request
}

func newTreeWriter(dir string, copyOnly bool) (*treeWriter, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	return &treeWriter{root: root, noHardlink: copyOnly}, nil
}

func (w *treeWriter) Close() error {
	if w.dirf != nil {
		w.dirf.Close()
		w.dirf = nil
	}
	return w.root.Close()
}

// enter makes dir (slash-separated, relative; "" for the top) exist and
// current.
func (w *treeWriter) enter(dir string) error {
	if w.dirf != nil && w.dir == dir {
		return nil
	}
	if w.dirf != nil {
		w.dirf.Close()
		w.dirf = nil
	}
	name := dir
	if name == "" {
		name = "."
	} else if err := w.root.MkdirAll(name, 0o755); err != nil {
		return err
	}
	f, err := w.root.Open(name)
	if err != nil {
		return err
	}
	st, err := f.Stat()
	if err != nil || !st.IsDir() {
		f.Close()
		return fmt.Errorf("%s: not a directory", dir)
	}
	w.dir, w.dirf = dir, f
	return nil
}

func (w *treeWriter) fd() int { return int(w.dirf.Fd()) }

// hardlink links src (an absolute path outside the tree) to rel, falling
// back to a copy when hard links are impossible. It reports whether a hard
// link was made.
func (w *treeWriter) hardlink(src, rel string) (bool, error) {
	dir, base := split(rel)
	if err := w.enter(dir); err != nil {
		return false, err
	}
	if !w.noHardlink {
		err := unix.Linkat(unix.AT_FDCWD, src, w.fd(), base, 0)
		if err == nil {
			return true, nil
		}
		if !errors.Is(err, unix.EXDEV) && !errors.Is(err, unix.EPERM) && !errors.Is(err, unix.EMLINK) && !errors.Is(err, unix.ENOTSUP) {
			return false, &os.LinkError{Op: "link", Old: src, New: rel, Err: err}
		}
		if errors.Is(err, unix.EXDEV) {
			w.noHardlink = true
		}
	}
	return false, w.copyFile(src, rel)
}

// copyFile copies the regular file src to rel with src's permission bits.
func (w *treeWriter) copyFile(src, rel string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	st, err := in.Stat()
	if err != nil {
		return err
	}
	out, err := w.create(rel, st.Mode().Perm())
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("copying %s to %s: %w", src, rel, err)
	}
	return out.Close()
}

// writeFile creates rel with data and exactly the permission bits perm.
func (w *treeWriter) writeFile(rel string, data []byte, perm fs.FileMode) error {
	out, err := w.create(rel, perm)
	if err != nil {
		return err
	}
	if _, err := out.Write(data); err != nil {
		out.Close()
		return fmt.Errorf("writing %s: %w", rel, err)
	}
	return out.Close()
}

// create makes a new file rel (which must not exist) with exactly the
// permission bits perm, whatever the umask.
func (w *treeWriter) create(rel string, perm fs.FileMode) (*os.File, error) {
	dir, base := split(rel)
	if err := w.enter(dir); err != nil {
		return nil, err
	}
	fd, err := unix.Openat(w.fd(), base, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, uint32(perm))
	if err != nil {
		return nil, &os.PathError{Op: "create", Path: rel, Err: err}
	}
	if err := unix.Fchmod(fd, uint32(perm)); err != nil {
		unix.Close(fd)
		return nil, &os.PathError{Op: "chmod", Path: rel, Err: err}
	}
	return os.NewFile(uintptr(fd), rel), nil
}

// symlink creates rel as a symbolic link to target.
func (w *treeWriter) symlink(target, rel string) error {
	dir, base := split(rel)
	if err := w.enter(dir); err != nil {
		return err
	}
	if err := unix.Symlinkat(target, w.fd(), base); err != nil {
		return &os.LinkError{Op: "symlink", Old: target, New: rel, Err: err}
	}
	return nil
}

// mkdir makes the directory rel (and its parents).
func (w *treeWriter) mkdir(rel string) error {
	return w.root.MkdirAll(rel, 0o755)
}
