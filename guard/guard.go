// Package guard installs and removes the git pre-commit hook that runs
// `envseal scan --staged`, so that a commit carrying a plaintext secret is
// refused before it exists.
//
// It sits beside scan under the command and only talks to git (through
// internal/gitindex) and the hooks directory. It never overwrites a hook:
// an existing pre-commit hook is kept beside ours under [ChainedName] and
// run first, and core.hooksPath (husky, a tracked .githooks directory) is
// honoured.
//
// It owns the pre-commit hook files. It imports internal helpers only
// (internal/atomicfile, internal/gitindex); it must not import scan, ops or
// any other envseal package: the hook runs the envseal command.
package guard

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/envseal/envseal/internal/atomicfile"
	"github.com/envseal/envseal/internal/gitindex"
)

// Marker is the line that identifies a hook written by envseal.
const Marker = "# envseal-guard: this hook runs `envseal scan --staged`"

// ChainedName is where a pre-commit hook that was there before ours is
// kept; ours runs it first and stops if it fails.
const ChainedName = "pre-commit.envseal-chained"

// ErrNotOurs is returned by Uninstall when the pre-commit hook is not one
// envseal wrote.
var ErrNotOurs = errors.New("the pre-commit hook was not written by envseal guard")

// Options configure Install.
type Options struct {
	// Command is the envseal executable the hook runs (an absolute path is
	// best: hooks run with git's PATH). When it is missing at commit time
	// the hook falls back to `envseal` on PATH.
	Command string
}

// Result says what Install or Uninstall did.
type Result struct {
	// Hook is the path of the pre-commit hook.
	Hook string
	// Chained is the path of the earlier hook that now runs first (or was
	// put back by Uninstall); empty when there was none.
	Chained string
	// Already is true when nothing had to change.
	Already bool
	// MergeDriver is set when the envseal.lock merge driver was
	// registered too (see InstallMergeDriver).
	MergeDriver *MergeDriverResult
}

// HooksDir returns the directory git runs hooks from for the repository
// holding dir: core.hooksPath when set (relative to the top of the working
// tree), else the common git directory's hooks/.
func HooksDir(ctx context.Context, dir string) (string, error) {
	top, err := gitindex.TopLevel(ctx, dir)
	if err != nil {
		return "", fmt.Errorf("guard needs a git repository: %w", err)
	}
	// --type=path has git expand ~/ itself.
	if out, err := gitindex.Git(ctx, top, "config", "--type=path", "--get", "core.hooksPath"); err == nil {
		if p := strings.TrimSpace(string(out)); p != "" {
			if !filepath.IsAbs(p) {
				p = filepath.Join(top, p)
			}
			return p, nil
		}
	}
	out, err := gitindex.Git(ctx, top, "rev-parse", "--git-common-dir")
	if err != nil {
		return "", err
	}
	common := strings.TrimSpace(string(out))
	if !filepath.IsAbs(common) {
		common = filepath.Join(top, common)
	}
	return filepath.Join(common, "hooks"), nil
}

// Script returns the hook's text for the envseal executable command.
func Script(command string) string {
	return `#!/bin/sh
` + Marker + `
# Installed by 'envseal guard install'; 'envseal guard uninstall' removes it
# (and puts back the hook that was here before, if any).
hookdir=$(dirname "$0")
if [ -x "$hookdir/` + ChainedName + `" ]; then
	"$hookdir/` + ChainedName + `" "$@" || exit $?
fi
envseal=` + shellQuote(command) + `
if [ ! -x "$envseal" ]; then
	envseal=$(command -v envseal) || {
		echo "envseal guard: envseal is not at $envseal nor on PATH; commit refused." >&2
		echo "Install envseal, or remove this hook with: envseal guard uninstall" >&2
		exit 1
	}
fi
exec "$envseal" scan --staged
`
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// Install writes the pre-commit hook in the hooks directory of the
// repository holding dir. An existing hook of ours is rewritten (to pick
// up a new command path); any other is moved to ChainedName first. It
// refuses when ChainedName is taken by something else.
func Install(ctx context.Context, dir string, opts Options) (*Result, error) {
	if opts.Command == "" {
		opts.Command = "envseal"
	}
	hooks, err := HooksDir(ctx, dir)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(hooks, 0o755); err != nil {
		return nil, fmt.Errorf("creating hooks directory: %w", err)
	}
	hook := filepath.Join(hooks, "pre-commit")
	chained := filepath.Join(hooks, ChainedName)
	res := &Result{Hook: hook}
	script := Script(opts.Command)
	old, err := os.ReadFile(hook)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, fmt.Errorf("reading %s: %w", hook, err)
	case strings.Contains(string(old), Marker):
		if _, err := os.Stat(chained); err == nil {
			res.Chained = chained
		}
		if string(old) == script {
			res.Already = true
			return res, nil
		}
	default:
		if _, err := os.Lstat(chained); err == nil {
			return nil, fmt.Errorf("%s exists and is not envseal's, and %s is taken: move one of them away first", hook, chained)
		}
		if err := os.Rename(hook, chained); err != nil {
			return nil, fmt.Errorf("keeping the existing hook: %w", err)
		}
		res.Chained = chained
	}
	if err := atomicfile.WriteFile(hook, []byte(script), 0o755); err != nil {
		return nil, err
	}
	return res, nil
}

// Uninstall removes our pre-commit hook and puts back the one it chained.
// Without our hook it returns ErrNotOurs (wrapped, naming the file) or, when
// there is no hook at all, a Result with Already set.
func Uninstall(ctx context.Context, dir string) (*Result, error) {
	hooks, err := HooksDir(ctx, dir)
	if err != nil {
		return nil, err
	}
	hook := filepath.Join(hooks, "pre-commit")
	chained := filepath.Join(hooks, ChainedName)
	res := &Result{Hook: hook}
	old, err := os.ReadFile(hook)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		res.Already = true
		return res, nil
	case err != nil:
		return nil, fmt.Errorf("reading %s: %w", hook, err)
	case !strings.Contains(string(old), Marker):
		return nil, fmt.Errorf("%s: %w", hook, ErrNotOurs)
	}
	if _, err := os.Lstat(chained); err == nil {
		if err := os.Rename(chained, hook); err != nil {
			return nil, fmt.Errorf("restoring the earlier hook: %w", err)
		}
		res.Chained = chained
		return res, atomicfile.SyncDir(hooks)
	}
	if err := os.Remove(hook); err != nil {
		return nil, fmt.Errorf("removing %s: %w", hook, err)
	}
	return res, nil
}
