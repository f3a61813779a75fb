package scan

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/envseal/envseal/internal/gitindex"
)

// MaxFileSize is the largest file a scan reads; larger ones are counted
// in [Result.Skipped].
const MaxFileSize = 64 << 20

// Request says what to scan.
type Request struct {
	// Dir is the directory relative paths are taken from, and where the
	// git repository is looked for ("" is the current directory).
	Dir string
	// Paths are files or directories to scan (directories recursively,
	// .git skipped). Empty means the tracked files of Dir, or every file
	// under Dir when it is not in a git repository.
	Paths []string
	// Staged scans the files that the next commit changes, as staged in
	// git's index, instead of Paths.
	Staged bool
	// Sealed, when set, gives the values of sealed secrets.
	Sealed SealedFunc
	// Ignore, when set, replaces the allow-list; otherwise
	// .envsealignore is read from the repository root (Staged: as staged,
	// else from the working tree) or from Dir.
	Ignore *Ignore
}

// Result is what a scan found.
type Result struct {
	// Findings are sorted by file, line and rule.
	Findings []Finding `json:"findings"`
	// Files is how many files were read; Skipped how many were left out
	// (allow-list, not a regular file, too large).
	Files   int `json:"files"`
	Skipped int `json:"skipped"`
}

// Run scans what req names. File names in findings are relative to Dir
// (to the repository root with Staged). Errors name the file or the git
// command that failed; findings are not an error.
func Run(ctx context.Context, req Request) (*Result, error) {
	dir := req.Dir
	if dir == "" {
		dir = "."
	}
	if req.Staged {
		return runStaged(ctx, dir, req)
	}
	ig := req.Ignore
	root := dir
	var files []string
	if len(req.Paths) == 0 {
		tracked, err := gitindex.Tracked(ctx, dir)
		switch {
		case err == nil:
			files = tracked
			if top, err := gitindex.TopLevel(ctx, dir); err == nil {
				root = top
			}
		default:
			if _, statErr := os.Stat(filepath.Join(dir, ".git")); statErr == nil {
				return nil, err // a repository git cannot read
			}
			if files, err = walk(ctx, dir, "."); err != nil {
				return nil, err
			}
		}
	} else {
		for _, p := range req.Paths {
			fi, err := os.Stat(under(dir, p))
			if err != nil {
				return nil, fmt.Errorf("scanning %s: %w", p, err)
			}
			if !fi.IsDir() {
				files = append(files, p)
				continue
			}
			sub, err := walk(ctx, dir, p)
			if err != nil {
				return nil, err
			}
			files = append(files, sub...)
		}
		if top, err := gitindex.TopLevel(ctx, dir); err == nil {
			root = top
		}
	}
	if ig == nil {
		var err error
		if ig, err = readIgnore(filepath.Join(root, IgnoreFile)); err != nil {
			return nil, err
		}
	}
	// Allow-list patterns are relative to the root it sits in.
	rel := func(p string) string {
		abs, err1 := filepath.Abs(under(dir, p))
		absRoot, err2 := filepath.Abs(root)
		if err1 != nil || err2 != nil {
			return filepath.ToSlash(p)
		}
		r, err := filepath.Rel(absRoot, abs)
		if err != nil || strings.HasPrefix(r, "..") {
			return filepath.ToSlash(p)
		}
		return filepath.ToSlash(r)
	}
	s := New(Options{Sealed: req.Sealed, Ignore: ig})
	res := &Result{}
	for _, p := range files {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		r := rel(p)
		if ig.File(r) {
			res.Skipped++
			continue
		}
		full := under(dir, p)
		fi, err := os.Lstat(full)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				continue // tracked but deleted in the working tree
			}
			return nil, fmt.Errorf("scanning %s: %w", p, err)
		}
		if !fi.Mode().IsRegular() || fi.Size() > MaxFileSize {
			res.Skipped++
			continue
		}
		data, err := os.ReadFile(full)
		if err != nil {
			return nil, fmt.Errorf("scanning %s: %w", p, err)
		}
		res.Files++
		for _, f := range s.Scan(r, data) {
			f.File = filepath.ToSlash(p)
			res.Findings = append(res.Findings, f)
		}
	}
	SortFindings(res.Findings)
	return res, nil
}

func runStaged(ctx context.Context, dir string, req Request) (*Result, error) {
	root, err := gitindex.TopLevel(ctx, dir)
	if err != nil {
		return nil, fmt.Errorf("--staged needs a git repository: %w", err)
	}
	ig := req.Ignore
	if ig == nil {
		data, ok, err := gitindex.ReadStaged(ctx, root, IgnoreFile)
		if err != nil {
			return nil, err
		}
		if ok {
			if ig, err = ParseIgnore(IgnoreFile+" (staged)", data); err != nil {
				return nil, err
			}
		} else if ig, err = readIgnore(filepath.Join(root, IgnoreFile)); err != nil {
			return nil, err
		}
	}
	es, err := gitindex.Staged(ctx, root, true)
	if err != nil {
		return nil, err
	}
	s := New(Options{Sealed: req.Sealed, Ignore: ig})
	res := &Result{}
	var keep []gitindex.Entry
	for _, e := range es {
		if ig.File(e.Path) {
			res.Skipped++
			continue
		}
		keep = append(keep, e)
	}
	err = gitindex.ReadBlobs(ctx, root, keep, func(e gitindex.Entry, data []byte) error {
		if len(data) > MaxFileSize {
			res.Skipped++
			return nil
		}
		res.Files++
		res.Findings = append(res.Findings, s.Scan(e.Path, data)...)
		return ctx.Err()
	})
	if err != nil {
		return nil, err
	}
	SortFindings(res.Findings)
	return res, nil
}

// readIgnore reads an allow-list; a missing one is empty.
func readIgnore(path string) (*Ignore, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return &Ignore{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading allow-list: %w", err)
	}
	return ParseIgnore(path, data)
}

// under is p taken relative to dir, unless p is absolute.
func under(dir, p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(dir, p)
}

// walk lists the regular files under p (taken relative to dir), named as
// p/…, skipping .git directories.
func walk(ctx context.Context, dir, p string) ([]string, error) {
	var out []string
	base := under(dir, p)
	err := filepath.WalkDir(base, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if d.IsDir() && d.Name() == ".git" {
			return filepath.SkipDir
		}
		if d.Type().IsRegular() {
			r, err := filepath.Rel(base, path)
			if err != nil {
				return err
			}
			out = append(out, filepath.Join(p, r))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("scanning %s: %w", p, err)
	}
	return out, nil
}
