//go:build unix

package prefix

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"golang.org/x/sys/unix"
)

// treeWriter creates files in a directory tree without ever leaving it:
// directories are opened one component at a time relative to their
// parent without following symlinks, and a directory that is a symlink
// (placed by a package) is resolved through an [os.Root], which refuses
// links leading out of the tree. It keeps the chain of directories from
// the top to the current one open, so callers should write files grouped
// by directory. It is not safe for concurrent use.
type treeWriter struct {
	root       *os.Root
	stack      []openDir // stack[0] is the top of the tree
	noHardlink bool      // set after a cross-device link failed, or by request
}

type openDir struct {
	name string // slash path relative to the top, "" for the top
	f    *os.File
}

func newTreeWriter(dir string, copyOnly bool) (*treeWriter, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	top, err := root.Open(".")
	if err != nil {
		root.Close()
		return nil, err
	}
	return &treeWriter{root: root, stack: []openDir{{"", top}}, noHardlink: copyOnly}, nil
}

func (w *treeWriter) Close() error {
	for _, d := range w.stack {
		d.f.Close()
	}
	w.stack = nil
	return w.root.Close()
}

// enter makes dir (slash-separated, relative; "" for the top) exist and
// current.
func (w *treeWriter) enter(dir string) error {
	top := func() openDir { return w.stack[len(w.stack)-1] }
	for len(w.stack) > 1 {
		t := top().name
		if dir == t || strings.HasPrefix(dir, t+"/") {
			break
		}
		top().f.Close()
		w.stack = w.stack[:len(w.stack)-1]
	}
	for top().name != dir {
		parent := top()
		rest := dir
		if parent.name != "" {
			rest = dir[len(parent.name)+1:]
		}
		c, _, _ := strings.Cut(rest, "/")
		name := c
		if parent.name != "" {
			name = parent.name + "/" + c
		}
		f, err := openDirAt(parent.f, c)
		if errors.Is(err, unix.ELOOP) || errors.Is(err, unix.ENOTDIR) {
			// A symlink to a directory inside the tree: follow it safely.
			f, err = w.root.Open(name)
			if err == nil {
				if st, serr := f.Stat(); serr != nil || !st.IsDir() {
					f.Close()
					err = fmt.Errorf("%s: not a directory", name)
				}
			}
		}
		if err != nil {
			return err
		}
		w.stack = append(w.stack, openDir{name, f})
	}
	return nil
}

// openDirAt creates (if needed) and opens the directory name inside
// parent, refusing to follow a symlink.
func openDirAt(parent *os.File, name string) (*os.File, error) {
	pfd := int(parent.Fd())
	if err := unix.Mkdirat(pfd, name, 0o755); err != nil && !errors.Is(err, unix.EEXIST) {
		return nil, &os.PathError{Op: "mkdir", Path: name, Err: err}
	}
	fd, err := unix.Openat(pfd, name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: name, Err: err}
	}
	return os.NewFile(uintptr(fd), name), nil
}

func (w *treeWriter) fd() int { return int(w.stack[len(w.stack)-1].f.Fd()) }

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
