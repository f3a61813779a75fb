package prefix

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/envseal/envseal/conda"
)

// applyInPlace changes an existing prefix under a journal.
func applyInPlace(ctx context.Context, pp prefixPaths, plan *Plan, opts *ApplyOptions) (_ *Result, err error) {
	prefix := pp.prefix
	res := &Result{}
	if _, err := os.Stat(filepath.Join(prefix, "conda-meta", "frozen")); err == nil {
		return nil, ErrFrozen
	}
	pd, err := ReadPrefix(ctx, prefix)
	if err != nil {
		return nil, err
	}
	for _, p := range pd.Problems {
		res.Warnings = append(res.Warnings, p.Error())
	}
	pkgs, err := loadRecords(plan.Link)
	if err != nil {
		return nil, err
	}

	// Installed packages that go: those named in Unlink and those a linked
	// package replaces.
	gone := map[string]bool{}
	for _, n := range plan.Unlink {
		if pd.Record(n) == nil {
			return nil, fmt.Errorf("cannot unlink %s: not installed", n)
		}
		gone[n] = true
	}
	for i, p := range pkgs {
		old := pd.Record(p.Record.Name)
		if old == nil {
			continue
		}
		gone[p.Record.Name] = true
		// A relink of the same dist (python moved under it) keeps what
		// the user asked for.
		if p.RequestedSpec == "" && old.DistName() == p.Record.DistName() {
			pkgs[i].RequestedSpec = old.RequestedSpec
		}
	}
	// A plan that moves python's site-packages relinks the noarch: python
	// packages that stay, in this same transaction, even when its caller
	// did not list them (see [NoarchRelinks]).
	relink, err := noarchLeftBehind(pd.Records, pkgs, gone)
	if err != nil {
		return nil, err
	}
	for _, p := range relink {
		gone[p.Record.Name] = true
	}
	pkgs = append(pkgs, relink...)
	var unlinked []*InstalledRecord
	owners := map[string]string{} // paths of packages that stay
	var python *InstalledRecord
	for _, r := range pd.Records {
		if gone[r.Name] {
			unlinked = append(unlinked, r)
			continue
		}
		if r.Name == "python" {
			python = r
		}
		for _, f := range r.Files {
			owners[f] = r.DistName()
		}
	}
	var installedPy *conda.Record
	if python != nil {
		installedPy = &python.Record
	}
	py, err := findPython(pkgs, installedPy, prefix)
	if err != nil {
		return nil, err
	}
	staged, items, err := stage(pkgs, py, owners, opts, res)
	if err != nil {
		return nil, err
	}

	stageRoot := filepath.Join(prefix, stageDir)
	if err := os.RemoveAll(stageRoot); err != nil {
		return nil, err
	}
	if err := os.Mkdir(stageRoot, 0o755); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			os.RemoveAll(stageRoot)
		}
	}()
	exe := filepath.Join(prefix, "bin", "python")
	for _, p := range pkgs {
		if p.Record.Name == "python" {
			exe = filepath.Join(stageRoot, "bin", "python")
		}
	}
	if err := linkInto(ctx, stageRoot, prefix, exe, py, staged, items, opts, res); err != nil {
		return nil, err
	}
	stageMeta := filepath.Join(stageRoot, "conda-meta")
	if err := os.MkdirAll(stageMeta, 0o755); err != nil {
		return nil, err
	}
	for _, sp := range staged {
		r := installedRecord(stageRoot, sp)
		if err := writeMetaRecord(stageMeta, r, opts.NoSync); err != nil {
			return nil, err
		}
		res.Linked = append(res.Linked, r)
	}
	if plan.Variables != nil {
		old, _ := os.ReadFile(filepath.Join(prefix, "conda-meta", "state"))
		if err := writeFileSync(filepath.Join(stageMeta, "state"), formatState(old, plan.Variables), opts.NoSync); err != nil {
			return nil, err
		}
	}
	res.Unlinked = unlinked

	j, err := buildJournal(prefix, staged, unlinked, owners, res)
	if err != nil {
		return nil, err
	}
	if len(plan.Prune) > 0 {
		if err := j.addPrune(prefix, plan.Prune, owners); err != nil {
			return nil, err
		}
	}
	hist := newHistoryEntry(plan, opts, res.Linked, unlinked).format()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if !opts.NoSync {
		if err := syncTree(prefix); err != nil {
			return nil, err
		}
	}

	// From here on every change is journaled: on failure roll back.
	if err := j.write(prefix); err != nil {
		return nil, err
	}
	if err := commitTransaction(prefix, j, hist, opts); err != nil {
		if rerr := rollbackTransaction(prefix, j); rerr != nil {
			return nil, fmt.Errorf("%w (rolling back also failed: %v; run again to recover)", err, rerr)
		}
		return nil, err
	}
	if err := finishTransaction(prefix, j); err != nil {
		return res, err
	}
	return res, nil
}

// buildJournal lists the steps of the transaction: every file of the
// unlinked packages (unless a package that stays owns it) and every
// existing file the stage replaces goes to the trash; every staged file is
// added.
func buildJournal(prefix string, staged []*stagedPkg, unlinked []*InstalledRecord, owners map[string]string, res *Result) (*journal, error) {
	j := &journal{Version: 1, State: statePrepared, HistorySize: -1}
	if st, err := os.Stat(filepath.Join(prefix, "conda-meta", "history")); err == nil {
		j.HistorySize = st.Size()
	}
	stageRoot := filepath.Join(prefix, stageDir)
	err := filepath.WalkDir(stageRoot, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(stageRoot, p)
		if err != nil {
			return err
		}
		j.Add = append(j.Add, filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, sp := range staged {
		for _, e := range sp.out {
			if e.PathType == PathDirectory {
				j.Dirs = append(j.Dirs, e.Path)
			}
		}
	}
	remove := map[string]bool{}
	for _, r := range unlinked {
		remove["conda-meta/"+r.MetaFileName()] = true
		for _, f := range r.Files {
			if _, stays := owners[f]; stays {
				continue
			}
			if err := checkRelPath(f); err != nil {
				res.Warnings = append(res.Warnings, fmt.Sprintf("%s: not removing %q: %v", r.DistName(), f, err))
				continue
			}
			remove[f] = true
		}
	}
	root, err := os.OpenRoot(prefix)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	newDirs := map[string]bool{}
	for _, p := range j.Add {
		st, err := root.Lstat(p)
		switch {
		case err == nil && st.IsDir():
			return nil, fmt.Errorf("cannot replace directory %s with a file", p)
		case err == nil:
			remove[p] = true
		case !errors.Is(err, fs.ErrNotExist):
			// A parent is missing or not a directory: created below.
		}
		for _, d := range parents(p) {
			if st, err := root.Lstat(d); err != nil {
				newDirs[d] = true
			} else if !st.IsDir() && st.Mode()&fs.ModeSymlink == 0 && !remove[d] {
				return nil, fmt.Errorf("cannot create %s: %s is a file", p, d)
			}
		}
	}
	for _, d := range j.Dirs {
		for _, x := range append(parents(d), d) {
			if !lexists(root, x) {
				newDirs[x] = true
			}
		}
	}
	for p := range remove {
		if lexists(root, p) {
			j.Remove = append(j.Remove, p)
		}
	}
	slices.Sort(j.Remove)
	j.NewDirs = mapKeys(newDirs)
	slices.Sort(j.NewDirs)
	return j, nil
}

// commitTransaction performs the journaled steps, appends the history and
// marks the journal committed.
func commitTransaction(prefix string, j *journal, hist []byte, opts *ApplyOptions) error {
	root, err := os.OpenRoot(prefix)
	if err != nil {
		return err
	}
	defer root.Close()
	for _, p := range j.Remove {
		to := trashDir + "/" + p
		if dir, _ := split(to); dir != "" {
			if err := root.MkdirAll(dir, 0o755); err != nil {
				return err
			}
		}
		if err := root.Rename(p, to); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("moving %s aside: %w", p, err)
		}
	}
	// A file may replace a directory the removed files left empty.
	for _, p := range j.Add {
		if st, err := root.Lstat(p); err == nil && st.IsDir() {
			if err := root.Remove(p); err != nil {
				return fmt.Errorf("replacing directory %s: %w", p, err)
			}
		}
	}
	var links []string
	for _, p := range j.Add {
		if dir, _ := split(p); dir != "" {
			if err := root.MkdirAll(dir, 0o755); err != nil {
				return err
			}
		}
		from := stageDir + "/" + p
		if st, err := root.Lstat(from); err == nil && st.Mode()&fs.ModeSymlink != 0 {
			links = append(links, p)
		}
		if err := root.Rename(from, p); err != nil {
			return fmt.Errorf("moving %s into place: %w", p, err)
		}
	}
	for _, d := range j.Dirs {
		if err := root.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	if err := checkSymlinks(prefix, links); err != nil {
		return err
	}
	if err := appendHistory(prefix, hist, opts.NoSync); err != nil {
		return err
	}
	if !opts.NoSync {
		if err := syncTree(prefix); err != nil {
			return err
		}
	}
	j.State = stateCommitted
	return j.write(prefix)
}

// appendHistory appends one revision to conda-meta/history.
func appendHistory(prefix string, entry []byte, noSync bool) error {
	name := filepath.Join(prefix, "conda-meta", "history")
	return writeOpenSync(name, os.O_WRONLY|os.O_APPEND|os.O_CREATE, entry, noSync)
}

// noarchLeftBehind returns the installed noarch: python packages that
// stay in the prefix (not in gone) although pkgs bring a python whose
// site-packages differs from the installed one's, as packages to link
// again from their extracted package directories.
func noarchLeftBehind(installed []*InstalledRecord, pkgs []Package, gone map[string]bool) ([]Package, error) {
	var oldPy, newPy *conda.Record
	for _, r := range installed {
		if r.Name == "python" {
			oldPy = &r.Record
		}
	}
	for _, p := range pkgs {
		if p.Record.Name == "python" {
			newPy = p.Record
		}
	}
	if oldPy == nil || newPy == nil || !pythonMoves(oldPy, newPy) {
		return nil, nil
	}
	var out []Package
	for _, r := range installed {
		if gone[r.Name] || r.Noarch != "python" {
			continue
		}
		if r.ExtractedPackageDir == "" {
			return nil, fmt.Errorf("%s is noarch: python and must be relinked for python %s, but its conda-meta record names no extracted package directory; include it in the plan", r.DistName(), newPy.Version)
		}
		if _, err := os.Stat(filepath.Join(r.ExtractedPackageDir, "info")); err != nil {
			return nil, fmt.Errorf("%s is noarch: python and must be relinked for python %s: extracted package: %w; include it in the plan", r.DistName(), newPy.Version, err)
		}
		rec := r.Record
		out = append(out, Package{Record: &rec, Dir: r.ExtractedPackageDir, Tarball: r.PackageTarballFullPath, RequestedSpec: r.RequestedSpec})
	}
	return out, nil
}
