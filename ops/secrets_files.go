package ops

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/envseal/envseal/secrets"
)

// A sealed file is stored as an ordinary entry whose plaintext starts with
// fileMarker. An environment variable's value cannot hold a NUL byte, so no
// value sealed by `secrets set` (or by an older envseal) starts with one: old
// locks read as before, and the kind is inside the AEAD, so it cannot be
// flipped without the MAC failing.
const fileMarker = "\x00envseal:file\n"

// MaxSealedFileSize is the largest file [SecretsSetFile] seals: the
// secrets package's per-value limit (1 MiB) less the marker. It is not
// raised for files: config files and service-account keys are a few KiB,
// and every byte is carried base64 in envseal.lock (about 1.4 MiB for the
// largest file), which stays reviewable.
const MaxSealedFileSize = secrets.MaxValueSize - len(fileMarker)

// SealedFileValue returns the plaintext a sealed file is stored as.
func sealedFileValue(content []byte) []byte {
	v := make([]byte, 0, len(fileMarker)+len(content))
	return append(append(v, fileMarker...), content...)
}

// SplitSealedValue tells a sealed file from a sealed variable: it returns
// the file's content and true for a value sealed by [SecretsSetFile], and v
// unchanged and false otherwise. The content shares v's memory.
func SplitSealedValue(v []byte) ([]byte, bool) {
	if c, ok := bytes.CutPrefix(v, []byte(fileMarker)); ok {
		return c, true
	}
	return v, false
}

// SecretsSetFileOptions are the options of [SecretsSetFile].
type SecretsSetFileOptions struct {
	SecretsOptions
	// Path is the file to seal (at most [MaxSealedFileSize] bytes).
	Path string
	// Remove deletes Path once the seal is written, so the plaintext
	// leaves the working tree.
	Remove bool
}

// SecretsSetFile seals the whole file o.Path as the secret o.Name. `envseal
// run` gives the command $NAME as the path of a private file holding the
// content (see [Run]); `secrets get` prints the content.
func SecretsSetFile(ctx context.Context, o SecretsSetFileOptions) (*SecretsResult, error) {
	if err := CheckSecretName(o.Name); err != nil {
		return nil, err
	}
	if o.Path == "" {
		return nil, usagef("secrets set-file: want NAME PATH")
	}
	content, err := readSealableFile(o.Path)
	if err != nil {
		return nil, err
	}
	defer clear(content)
	v := sealedFileValue(content)
	defer clear(v)
	res, err := o.result(editSecrets(ctx, o.SecretsOptions, true, func(s *secrets.Opened) error { return s.Set(o.Name, v) }))
	if err != nil {
		return nil, err
	}
	if o.Remove {
		if err := os.Remove(o.Path); err != nil {
			return nil, fmt.Errorf("sealed %s, but removing it: %w", o.Path, err)
		}
	}
	o.Host.noticef("sealed %s as %s in %s", o.Path, o.Name, res.Lock)
	return res, nil
}

// readSealableFile reads a regular file of at most MaxSealedFileSize bytes.
func readSealableFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file", path)
	}
	data, err := io.ReadAll(io.LimitReader(f, int64(MaxSealedFileSize)+1))
	if err != nil {
		clear(data)
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	if len(data) > MaxSealedFileSize {
		clear(data)
		return nil, fmt.Errorf("%s is larger than %d bytes, the most a sealed file may hold", path, MaxSealedFileSize)
	}
	return data, nil
}

// sealedFile is a file secret opened for a child.
type sealedFile struct {
	name    string
	content []byte
}

// childFiles are the files given to a child for its file secrets: memfds
// passed as extra descriptors, or a private directory removed afterwards.
type childFiles struct {
	extra  []*os.File
	dir    string
	unlock func()
}

// Close closes the memfds and removes the private directory.
func (c *childFiles) Close() error {
	if c == nil {
		return nil
	}
	for _, f := range c.extra {
		f.Close()
	}
	var err error
	if c.dir != "" {
		err = os.RemoveAll(c.dir)
	}
	if c.unlock != nil {
		c.unlock()
	}
	return err
}

// runFilesMode says how file secrets reach a child: ENVSEAL_SEALED_FILES=dir
// forces the private directory (the fallback of systems without memfd),
// used by tests; otherwise a memfd where the system has one.
func (h *Host) runFilesMode() string {
	if h.getenv("ENVSEAL_SEALED_FILES") == "dir" {
		return "dir"
	}
	return "memfd"
}

// materializeFiles makes the files of a run and adds NAME=path to environ.
// On Linux each file is a sealed memfd the child inherits as descriptor
// 3+i, named /proc/self/fd/N (the child's own table, so it also works in
// the child's children, which inherit the descriptor). Elsewhere, or when
// memfd_create fails, it is a 0600 file in a private 0700 directory under
// the user's runtime (else cache) directory, locked while the run lasts so
// that the next run removes it if envseal is killed.
func (h *Host) materializeFiles(files []sealedFile, environ []string) ([]string, *childFiles, error) {
	if root := h.runFilesBase(); root != "" {
		sweepRunDirs(root) // what a killed run left, before anything else
	}
	if len(files) == 0 {
		return environ, nil, nil
	}
	cf := &childFiles{}
	if h.runFilesMode() == "memfd" {
		ok := true
		var env []string
		for i, f := range files {
			mf, err := memfdFile(f.name, f.content)
			if err != nil {
				ok = false
				break
			}
			cf.extra = append(cf.extra, mf)
			env = append(env, fmt.Sprintf("%s=/proc/self/fd/%d", f.name, 3+i))
		}
		if ok {
			return append(environ, env...), cf, nil
		}
		cf.Close()
		cf = &childFiles{}
	}
	root, err := h.runFilesRoot()
	if err != nil {
		return nil, nil, err
	}
	dir, unlock, err := newRunDir(root)
	if err != nil {
		return nil, nil, fmt.Errorf("making a private directory for sealed files: %w", err)
	}
	cf.dir, cf.unlock = dir, unlock
	for _, f := range files {
		p := filepath.Join(dir, f.name)
		if err := writeNewPrivate(p, f.content); err != nil {
			cf.Close()
			return nil, nil, fmt.Errorf("writing sealed file %s: %w", f.name, err)
		}
		environ = append(environ, f.name+"="+p)
	}
	return environ, cf, nil
}

// writeNewPrivate creates p (which must not exist) 0600 with data.
func writeNewPrivate(p string, data []byte) error {
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// runFilesRoot is <runtime or cache dir>/envseal/run, made 0700: the
// runtime directory ($XDG_RUNTIME_DIR, memory-backed and private on
// Linux) when set, else the user's cache directory.
func (h *Host) runFilesRoot() (string, error) {
	root := h.runFilesBase()
	if root == "" {
		return "", errors.New("sealed files: no runtime or cache directory (set XDG_RUNTIME_DIR or HOME)")
	}
	if err := os.MkdirAll(root, 0o700); err != nil {
		return "", fmt.Errorf("sealed files: %w", err)
	}
	fi, err := os.Lstat(root)
	if err != nil {
		return "", fmt.Errorf("sealed files: %w", err)
	}
	if !fi.IsDir() {
		return "", fmt.Errorf("sealed files: %s is not a directory", root)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		if err := os.Chmod(root, 0o700); err != nil {
			return "", fmt.Errorf("sealed files: %w", err)
		}
	}
	return root, nil
}

// runFilesBase is the directory runFilesRoot makes, "" if there is none.
func (h *Host) runFilesBase() string {
	base := h.getenv("XDG_RUNTIME_DIR")
	if base == "" {
		base = h.userCacheDir()
	}
	if base == "" {
		return ""
	}
	return filepath.Join(base, "envseal", "run")
}

// userCacheDir is os.UserCacheDir read through the host's environment.
func (h *Host) userCacheDir() string {
	switch runtime.GOOS {
	case "windows":
		return h.getenv("LocalAppData")
	case "darwin", "ios":
		if home := h.getenv("HOME"); home != "" {
			return filepath.Join(home, "Library", "Caches")
		}
		return ""
	}
	if d := h.getenv("XDG_CACHE_HOME"); d != "" {
		return d
	}
	if home := h.getenv("HOME"); home != "" {
		return filepath.Join(home, ".cache")
	}
	return ""
}

// Run directories are made as ".new-*", locked, then renamed "run-*": a
// sweep only looks at "run-*" directories, so it never sees one before
// its owner holds the lock.
const (
	runDirPrefix = "run-"
	newDirPrefix = ".new-"
)

// newRunDir makes a private directory under root, held locked until unlock.
func newRunDir(root string) (string, func(), error) {
	tmp, err := os.MkdirTemp(root, newDirPrefix)
	if err != nil {
		return "", nil, err
	}
	unlock, err := lockDir(tmp)
	if err != nil {
		os.Remove(tmp)
		return "", nil, err
	}
	dir := filepath.Join(root, runDirPrefix+strings.TrimPrefix(filepath.Base(tmp), newDirPrefix))
	if err := os.Rename(tmp, dir); err != nil {
		unlock()
		os.Remove(tmp)
		return "", nil, err
	}
	return dir, unlock, nil
}

// sweepRunDirs removes what crashed runs left: "run-*" directories nobody
// holds locked. Errors are ignored; the next run tries again.
func sweepRunDirs(root string) {
	entries, err := os.ReadDir(root)
	if err != nil {
		return
	}
	for _, e := range entries {
		p := filepath.Join(root, e.Name())
		switch {
		case strings.HasPrefix(e.Name(), runDirPrefix):
			if unlock, ok := tryLockDir(p); ok {
				os.RemoveAll(p)
				unlock()
			}
		case strings.HasPrefix(e.Name(), newDirPrefix):
			// Killed between mkdir and rename: empty, and old.
			if fi, err := e.Info(); err == nil && staleNewDir(fi) {
				os.RemoveAll(p)
			}
		}
	}
}
