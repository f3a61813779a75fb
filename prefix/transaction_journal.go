package prefix

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/envseal/envseal/internal/atomicfile"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Journal states. A journal is written "prepared" before the first change
// to the prefix and rewritten "committed" once every change is in place
// and durable; the transaction commits at that rewrite.
const (
	statePrepared  = "prepared"
	stateCommitted = "committed"
)

// journal lists the steps of an in-place transaction, all paths relative
// to the prefix (slash-separated).
type journal struct {
	Version int    `json:"version"`
	State   string `json:"state"`
	// Remove are moved to .envseal-trash/<path> before anything is added.
	Remove []string `json:"remove"`
	// Add are moved from .envseal-stage/<path> into the prefix.
	Add []string `json:"add"`
	// Dirs are directories the package paths declare (path_type
	// directory) that did not exist.
	Dirs []string `json:"dirs"`
	// NewDirs are the directories that did not exist before the
	// transaction (removed again on rollback when empty).
	NewDirs []string `json:"new_dirs"`
	// HistorySize is the size of conda-meta/history before the
	// transaction, -1 when absent; rollback truncates back to it.
	HistorySize int64 `json:"history_size"`
}

func readJournal(name string) (*journal, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	j := new(journal)
	if err := json.Unmarshal(data, j); err != nil {
		return nil, fmt.Errorf("reading transaction journal %s: %w", name, err)
	}
	if j.Version != 1 || (j.State != statePrepared && j.State != stateCommitted) {
		return nil, fmt.Errorf("reading transaction journal %s: unknown version %d or state %q", name, j.Version, j.State)
	}
	for _, list := range [][]string{j.Remove, j.Add, j.Dirs, j.NewDirs} {
		for _, p := range list {
			if err := checkJournalPath(p); err != nil {
				return nil, fmt.Errorf("reading transaction journal %s: %w", name, err)
			}
		}
	}
	return j, nil
}

// checkJournalPath accepts the relative paths a journal may hold (package
// paths and conda-meta files).
func checkJournalPath(p string) error {
	if err := checkRelPath(p); err != nil && !(strings.HasPrefix(p, "conda-meta/") && !strings.Contains(p[len("conda-meta/"):], "/") && filepath.IsLocal(p)) {
		return err
	}
	return nil
}

func (j *journal) write(prefix string) error {
	data, err := json.MarshalIndent(j, "", " ")
	if err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(prefix, filepath.FromSlash(journalName)), data)
}

// Recover completes or rolls back a transaction that was interrupted in
// prefix, and removes temporary directories a killed run left beside it,
// so that the prefix is either as it was before the transaction or as the
// transaction left it. It takes the prefix lock (waiting until ctx ends)
// and is a no-op for a prefix in order. [Apply] runs it first; commands
// that only read a prefix should run it too.
func Recover(ctx context.Context, prefix string) error {
	pp, err := newPrefixPaths(prefix)
	if err != nil {
		return err
	}
	fl, err := pp.lock(ctx)
	if err != nil {
		return err
	}
	defer fl.Unlock()
	return recoverLocked(pp)
}

func recoverLocked(pp prefixPaths) error {
	// A killed applyNew leaves its temporary prefix beside the target.
	if ents, err := os.ReadDir(pp.parent); err == nil {
		pattern := "." + pp.name + tmpInfix
		for _, e := range ents {
			if e.IsDir() && strings.HasPrefix(e.Name(), pattern) {
				if err := removeAllRetry(filepath.Join(pp.parent, e.Name())); err != nil {
					return fmt.Errorf("recovering prefix %s: removing a leftover temporary prefix: %w", pp.prefix, err)
				}
			}
		}
	}
	// A journal write killed before its rename leaves a temporary file.
	journalFile := filepath.Join(pp.prefix, filepath.FromSlash(journalName))
	if tmps, _ := filepath.Glob(atomicfile.TempGlob(journalFile)); len(tmps) > 0 {
		for _, f := range tmps {
			if err := os.Remove(f); err != nil {
				return fmt.Errorf("recovering prefix %s: %w", pp.prefix, err)
			}
		}
	}
	j, err := readJournal(journalFile)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		// No transaction passed its prepare phase; drop what a killed
		// prepare left.
		for _, d := range []string{stageDir, trashDir} {
			if err := os.RemoveAll(filepath.Join(pp.prefix, d)); err != nil {
				return fmt.Errorf("recovering prefix %s: %w", pp.prefix, err)
			}
		}
		return nil
	case err != nil:
		return fmt.Errorf("recovering prefix %s: %w", pp.prefix, err)
	}
	if j.State == stateCommitted {
		err = finishTransaction(pp.prefix, j)
	} else {
		err = rollbackTransaction(pp.prefix, j)
	}
	if err != nil {
		return fmt.Errorf("recovering prefix %s: %w", pp.prefix, err)
	}
	return nil
}

// lexists reports whether name exists, without following a final symlink.
func lexists(root *os.Root, name string) bool {
	_, err := root.Lstat(name)
	return err == nil
}

// rollbackTransaction undoes a prepared (possibly half-committed)
// transaction: added files are removed, trashed ones put back.
func rollbackTransaction(prefix string, j *journal) error {
	root, err := os.OpenRoot(prefix)
	if err != nil {
		return err
	}
	defer root.Close()
	hist := filepath.Join(prefix, "conda-meta", "history")
	if st, err := os.Stat(hist); err == nil {
		switch {
		case j.HistorySize < 0:
			err = os.Remove(hist)
		case st.Size() > j.HistorySize:
			err = os.Truncate(hist, j.HistorySize)
		}
		if err != nil {
			return err
		}
	}
	// Adds happen only after every remove, so an add path missing from the
	// stage holds the new file.
	for _, p := range slices.Backward(j.Add) {
		if !lexists(root, stageDir+"/"+p) && lexists(root, p) {
			if err := root.Remove(p); err != nil {
				return err
			}
		}
	}
	for _, d := range deepestFirst(append(slices.Clone(j.NewDirs), j.Dirs...)) {
		root.Remove(d) // only succeeds when empty, which is what we want
	}
	for _, p := range j.Remove {
		from := trashDir + "/" + p
		if !lexists(root, from) {
			continue
		}
		if dir, _ := split(p); dir != "" {
			if err := root.MkdirAll(dir, 0o755); err != nil {
				return err
			}
		}
		if err := root.Rename(from, p); err != nil {
			return err
		}
	}
	return cleanupTransaction(prefix, root, j, false)
}

// finishTransaction completes a committed transaction: it only removes
// the trash and stage directories and the journal.
func finishTransaction(prefix string, j *journal) error {
	root, err := os.OpenRoot(prefix)
	if err != nil {
		return err
	}
	defer root.Close()
	return cleanupTransaction(prefix, root, j, true)
}

func cleanupTransaction(prefix string, root *os.Root, j *journal, committed bool) error {
	for _, d := range []string{stageDir, trashDir} {
		if err := root.RemoveAll(d); err != nil {
			return err
		}
	}
	if committed {
		// Prune directories the removed files leave empty (never the
		// prefix itself or conda-meta).
		dirs := map[string]bool{}
		for _, p := range j.Remove {
			for d, _ := split(p); d != "" && d != "conda-meta"; d, _ = split(d) {
				dirs[d] = true
			}
		}
		for _, d := range deepestFirst(mapKeys(dirs)) {
			root.Remove(d)
		}
	}
	if err := syncDir(filepath.Join(prefix, "conda-meta")); err != nil {
		return err
	}
	if err := root.Remove(journalName); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return syncDir(filepath.Join(prefix, "conda-meta"))
}

func mapKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// deepestFirst sorts directories so that children come before parents.
func deepestFirst(dirs []string) []string {
	slices.SortFunc(dirs, func(a, b string) int {
		if n, m := strings.Count(a, "/"), strings.Count(b, "/"); n != m {
			return m - n
		}
		return strings.Compare(b, a)
	})
	return slices.Compact(dirs)
}

// parents returns the parent directories of p, nearest last ("a", "a/b"
// for "a/b/c").
func parents(p string) []string {
	var out []string
	for d := path.Dir(p); d != "." && d != "/"; d = path.Dir(d) {
		out = append(out, d)
	}
	slices.Reverse(out)
	return out
}

// removeAllRetry is os.RemoveAll, tried again for a few seconds when a
// process of the killed run that has not died yet (on systems that cannot
// tie a child to its parent) adds files while the tree is removed.
func removeAllRetry(path string) error {
	var err error
	for i := 0; i < 20; i++ {
		if err = os.RemoveAll(path); err == nil {
			return nil
		}
		time.Sleep(time.Duration(i+1) * 25 * time.Millisecond)
	}
	return err
}
