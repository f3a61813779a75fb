// Package gitindex reads what git would commit: the blobs staged in the
// index, read through git itself (ls-files -s, cat-file --batch), so that
// a scan sees exactly the bytes of the next commit, not the working tree.
//
// It runs the git on PATH with the process environment, so a hook run by
// `git commit -a` or `git commit FILE` (which point GIT_INDEX_FILE at a
// temporary index) reads that index.
//
// It owns reading git's index through git. It imports no envseal package.
package gitindex

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strconv"
	"strings"
)

// Entry is one staged file.
type Entry struct {
	// Mode is git's octal mode ("100644", "100755").
	Mode string
	// Object is the blob's id.
	Object string
	// Path is slash-separated, relative to the repository root.
	Path string
}

// TopLevel returns the root of the working tree that holds dir.
func TopLevel(ctx context.Context, dir string) (string, error) {
	out, err := git(ctx, dir, nil, "rev-parse", "--show-toplevel")
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(out)), nil
}

// Tracked returns the tracked files under dir, relative to dir, in git's
// order.
func Tracked(ctx context.Context, dir string) ([]string, error) {
	out, err := git(ctx, dir, nil, "ls-files", "-z", "--cached")
	if err != nil {
		return nil, err
	}
	return splitZ(out), nil
}

// Staged returns the regular files staged in the index of the repository
// at root (its top level). With changedOnly, only those that differ from
// HEAD (added, copied, modified, renamed or retyped; all of them before
// the first commit) are returned. Symlinks, submodules and unmerged
// entries are left out.
func Staged(ctx context.Context, root string, changedOnly bool) ([]Entry, error) {
	out, err := git(ctx, root, nil, "ls-files", "-s", "-z")
	if err != nil {
		return nil, err
	}
	var keep map[string]bool
	if changedOnly {
		diff, err := git(ctx, root, nil, "diff", "--cached", "--name-only", "-z", "--no-renames", "--diff-filter=ACMRT")
		if err != nil {
			return nil, err
		}
		keep = make(map[string]bool)
		for _, p := range splitZ(diff) {
			keep[p] = true
		}
	}
	var es []Entry
	for _, rec := range splitZ(out) {
		// "<mode> <object> <stage>\t<path>"
		meta, p, ok := strings.Cut(rec, "\t")
		f := strings.Fields(meta)
		if !ok || len(f) != 3 {
			return nil, fmt.Errorf("git ls-files -s: unexpected line %q", rec)
		}
		if f[2] != "0" || (f[0] != "100644" && f[0] != "100755") {
			continue
		}
		if keep != nil && !keep[p] {
			continue
		}
		es = append(es, Entry{Mode: f[0], Object: f[1], Path: p})
	}
	return es, nil
}

// ReadBlobs streams the content of each entry's blob to fn, in order, with
// one `git cat-file --batch` in root. The data passed to fn is valid only
// during the call. An error from fn stops the reading and is returned.
func ReadBlobs(ctx context.Context, root string, es []Entry, fn func(Entry, []byte) error) (err error) {
	if len(es) == 0 {
		return nil
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	cmd := exec.CommandContext(ctx, "git", "cat-file", "--batch")
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("running git cat-file: %w", err)
	}
	defer func() {
		cancel()
		werr := cmd.Wait()
		if err == nil && werr != nil && ctx.Err() == nil {
			err = fmt.Errorf("git cat-file: %w: %s", werr, strings.TrimSpace(stderr.String()))
		}
	}()
	go func() {
		w := bufio.NewWriter(stdin)
		for _, e := range es {
			if _, err := w.WriteString(e.Object + "\n"); err != nil {
				break
			}
		}
		w.Flush()
		stdin.Close()
	}()
	r := bufio.NewReaderSize(stdout, 64<<10)
	var buf []byte
	for _, e := range es {
		header, err := r.ReadString('\n')
		if err != nil {
			return fmt.Errorf("git cat-file: reading %s: %w", e.Path, err)
		}
		// "<object> <type> <size>\n" or "<object> missing\n"
		f := strings.Fields(header)
		if len(f) != 3 || f[1] != "blob" {
			return fmt.Errorf("git cat-file: %s (%s): %q", e.Path, e.Object, strings.TrimSpace(header))
		}
		size, err := strconv.Atoi(f[2])
		if err != nil || size < 0 {
			return fmt.Errorf("git cat-file: %s: bad size %q", e.Path, f[2])
		}
		if cap(buf) < size+1 {
			buf = make([]byte, size+1)
		}
		buf = buf[:size+1]
		if _, err := io.ReadFull(r, buf); err != nil {
			return fmt.Errorf("git cat-file: reading %s: %w", e.Path, err)
		}
		if err := fn(e, buf[:size]); err != nil {
			return err
		}
	}
	return nil
}

// ReadStaged returns the staged content of one path (slash-separated,
// relative to root), and false when the index has no such regular file.
func ReadStaged(ctx context.Context, root, path string) ([]byte, bool, error) {
	out, err := git(ctx, root, nil, "ls-files", "-s", "-z", "--", ":(literal)"+path)
	if err != nil {
		return nil, false, err
	}
	for _, rec := range splitZ(out) {
		meta, p, _ := strings.Cut(rec, "\t")
		f := strings.Fields(meta)
		if p != path || len(f) != 3 || f[2] != "0" {
			continue
		}
		data, err := git(ctx, root, nil, "cat-file", "blob", f[1])
		return data, err == nil, err
	}
	return nil, false, nil
}

// git runs git in dir and returns its standard output; errors carry its
// standard error.
func git(ctx context.Context, dir string, stdin io.Reader, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = dir
	cmd.Stdin = stdin
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return nil, fmt.Errorf("git %s in %s: %s", args[0], dir, strings.TrimSpace(stderr.String()))
		}
		return nil, fmt.Errorf("git %s: %w", args[0], err)
	}
	return out, nil
}

// Git runs git with args in dir and returns its standard output; errors
// carry git's standard error. It is for the few plumbing calls the guard
// needs besides reading the index.
func Git(ctx context.Context, dir string, args ...string) ([]byte, error) {
	return git(ctx, dir, nil, args...)
}

func splitZ(b []byte) []string {
	var out []string
	for _, s := range bytes.Split(b, []byte{0}) {
		if len(s) > 0 {
			out = append(out, string(s))
		}
	}
	return out
}
