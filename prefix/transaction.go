package prefix

import (
	"context"
	"errors"
	"fmt"
	"github.com/envseal/envseal/internal/atomicfile"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/envseal/envseal/conda"
	"github.com/gofrs/flock"
)

// Plan is a change to one prefix: packages to link and packages to unlink,
// plus what conda-meta records about the request.
type Plan struct {
	// Link are the packages to install, in dependency order (a later
	// package wins a clobbered path). An installed package with the same
	// name as one of them is replaced. When they bring a python whose
	// site-packages differs from the installed one's (another minor
	// version), installed noarch: python packages missing from Link are
	// relinked from their extracted package directories in the same
	// transaction; callers should list them (see [NoarchRelinks]) so
	// that they are fetched if the package cache lost them.
	Link []Package
	// Unlink names installed packages to remove.
	Unlink []string
	// UpdateSpecs and RemoveSpecs are the user's specs, written to
	// conda-meta/history as "# update specs:" and "# remove specs:".
	UpdateSpecs, RemoveSpecs []string
	// Variables, when non-nil, become the env_vars of conda-meta/state.
	Variables []Variable
	// Cmd is the command line recorded as "# cmd:".
	Cmd string
	// Prune are prefix-relative files that no package owns, removed in
	// the same transaction (`envseal verify --repair --prune`). Paths a
	// package owns or links are left alone.
	Prune []string
}

// ClobberPolicy says what [Apply] does when two packages write one path.
type ClobberPolicy int

const (
	// ClobberWarn lets the later package win, as conda does, and lists
	// every clobber in [Result.Clobbers].
	ClobberWarn ClobberPolicy = iota
	// ClobberRefuse fails with a [*ClobberError] before any change.
	ClobberRefuse
)

// ApplyOptions tune [Apply]. The zero value is usable.
type ApplyOptions struct {
	// Version is written as "# conda version:" in conda-meta/history
	// (envseal's version); "envseal" when empty.
	Version string
	// Now gives the history time stamp; time.Now when nil.
	Now func() time.Time
	// Clobber chooses between reporting and refusing clobbered paths.
	Clobber ClobberPolicy
	// Copy copies every file instead of hard-linking it.
	Copy bool
	// NoCompile skips byte-compiling noarch: python packages.
	NoCompile bool
	// Signer re-signs the Mach-O files of osx-arm64 packages whose
	// binary-mode placeholder was rewritten (conda's ad hoc codesign);
	// nil means [CodesignSigner], which acts only on macOS. A failed
	// signature is reported in [Result.Warnings].
	Signer Signer
	// NoSync skips flushing the file system before the commit point
	// (for tests and throw-away prefixes; a power loss may then leave a
	// half-written prefix, a killed process still cannot).
	NoSync bool
}

// Result describes an applied plan.
type Result struct {
	// Created is true when the prefix did not exist before.
	Created bool
	// Linked and Unlinked are the records written and removed.
	Linked, Unlinked []*InstalledRecord
	// Clobbers lists paths written by two packages (the later won).
	Clobbers []Clobber
	// Warnings are problems that did not stop the transaction (skipped
	// links, unreadable conda-meta files, byte compilation skipped).
	Warnings []string
}

// ErrFrozen is returned when the prefix is marked frozen (CEP 22,
// conda-meta/frozen).
var ErrFrozen = errors.New("environment is frozen")

// ErrLocked is wrapped when another process holds the prefix lock and ctx
// ends before it is released.
var ErrLocked = errors.New("prefix is locked by another process")

// Names of the transaction's files. The lock and temporary prefixes live
// beside the prefix, the rest inside it.
const (
	stageDir    = ".envseal-stage"
	trashDir    = ".envseal-trash"
	journalName = "conda-meta/.envseal-journal.json"
	tmpInfix    = ".envseal-tmp-"
)

type prefixPaths struct {
	prefix, parent, name string
}

func newPrefixPaths(prefix string) (prefixPaths, error) {
	abs, err := filepath.Abs(prefix)
	if err != nil {
		return prefixPaths{}, fmt.Errorf("prefix %s: %w", prefix, err)
	}
	parent, name := filepath.Split(abs)
	if name == "" {
		return prefixPaths{}, fmt.Errorf("prefix %s: is a file system root", prefix)
	}
	return prefixPaths{prefix: abs, parent: filepath.Clean(parent), name: name}, nil
}

func (pp prefixPaths) lockFile() string { return filepath.Join(pp.parent, "."+pp.name+".envseal.lock") }

// lock takes the prefix's writer lock, waiting until ctx ends.
func (pp prefixPaths) lock(ctx context.Context) (*flock.Flock, error) {
	if err := os.MkdirAll(pp.parent, 0o755); err != nil {
		return nil, fmt.Errorf("prefix %s: %w", pp.prefix, err)
	}
	fl := flock.New(pp.lockFile())
	ok, err := fl.TryLockContext(ctx, 20*time.Millisecond)
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("prefix %s: %w: %w", pp.prefix, ErrLocked, ctx.Err())
		}
		return nil, fmt.Errorf("locking prefix %s: %w", pp.prefix, err)
	}
	if !ok {
		return nil, fmt.Errorf("prefix %s: %w", pp.prefix, ErrLocked)
	}
	return fl, nil
}

// rlock takes the prefix's lock shared, for a reader: it waits until no
// writer holds it (or ctx ends, [ErrLocked]), and readers do not wait for
// one another. A lock file that cannot be made (a read-only directory
// beside the prefix, where no writer can work either) gives no lock and no
// error: fl is nil.
func (pp prefixPaths) rlock(ctx context.Context) (*flock.Flock, error) {
	fl := flock.New(pp.lockFile())
	ok, err := fl.TryRLockContext(ctx, 20*time.Millisecond)
	switch {
	case err != nil && ctx.Err() != nil:
		return nil, fmt.Errorf("prefix %s: %w: %w", pp.prefix, ErrLocked, ctx.Err())
	case err != nil:
		return nil, nil
	case !ok:
		return nil, fmt.Errorf("prefix %s: %w", pp.prefix, ErrLocked)
	}
	return fl, nil
}

// Apply changes the prefix by plan as one transaction.
//
// A prefix that does not exist (or is an empty directory) is built in a
// sibling temporary directory, with placeholders replaced by the final
// path, and renamed into place once complete: it is either absent or
// complete. An existing prefix is changed under a journal
// (conda-meta/.envseal-journal.json): new files are staged inside the
// prefix first, replaced files are moved to a trash directory, and an
// interrupted run is rolled back (or, past the commit point, finished) by
// [Recover], which Apply itself runs first. conda-meta/history, conda's
// marker of a usable environment, is written last. A lock file beside the
// prefix keeps other envseal processes out meanwhile.
//
// Errors name the prefix and the package; a clobber under [ClobberRefuse]
// is a [*ClobberError], a too long prefix for a binary placeholder a
// [*BinaryPrefixError], unsafe package paths wrap [ErrUnsafePath].
func Apply(ctx context.Context, prefix string, plan *Plan, opts *ApplyOptions) (*Result, error) {
	if opts == nil {
		opts = &ApplyOptions{}
	}
	pp, err := newPrefixPaths(prefix)
	if err != nil {
		return nil, err
	}
	fl, err := pp.lock(ctx)
	if err != nil {
		return nil, err
	}
	defer fl.Unlock()
	if err := recoverLocked(pp); err != nil {
		return nil, err
	}
	isNew, err := pp.isNew()
	if err != nil {
		return nil, err
	}
	var res *Result
	if isNew {
		res, err = applyNew(ctx, pp, plan, opts)
	} else {
		res, err = applyInPlace(ctx, pp, plan, opts)
	}
	if err != nil {
		return nil, fmt.Errorf("prefix %s: %w", pp.prefix, err)
	}
	return res, nil
}

// isNew reports whether the prefix is absent or an empty directory, and
// refuses a non-empty directory that is not an environment.
func (pp prefixPaths) isNew() (bool, error) {
	ents, err := os.ReadDir(pp.prefix)
	if errors.Is(err, fs.ErrNotExist) {
		return true, nil
	}
	if err != nil {
		return false, fmt.Errorf("prefix %s: %w", pp.prefix, err)
	}
	if len(ents) == 0 {
		return true, nil
	}
	if st, err := os.Stat(filepath.Join(pp.prefix, "conda-meta")); err != nil || !st.IsDir() {
		return false, fmt.Errorf("prefix %s: directory exists and is %w", pp.prefix, ErrNotEnvironment)
	}
	return false, nil
}

// loadRecords fills in the records of packages that have none.
func loadRecords(pkgs []Package) ([]Package, error) {
	out := slices.Clone(pkgs)
	for i := range out {
		if out[i].Record != nil {
			continue
		}
		name := filepath.Join(out[i].Dir, "info", "index.json")
		data, err := os.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("reading package record: %w", err)
		}
		rec := new(conda.Record)
		if err := rec.UnmarshalJSON(data); err != nil {
			return nil, fmt.Errorf("reading %s: %w", name, err)
		}
		out[i].Record = rec
	}
	return out, nil
}

// stage reads every package of pkgs and resolves clobbers against the
// paths of installed packages that stay.
func stage(pkgs []Package, py *pythonInfo, installed map[string]string, opts *ApplyOptions, res *Result) ([]*stagedPkg, []*linkItem, error) {
	staged := make([]*stagedPkg, 0, len(pkgs))
	for _, p := range pkgs {
		sp, err := readPackage(p, py)
		if err != nil {
			return nil, nil, err
		}
		staged = append(staged, sp)
	}
	items, clobbers := resolveClobbers(staged, installed)
	if len(clobbers) > 0 && opts.Clobber == ClobberRefuse {
		return nil, nil, &ClobberError{Clobbers: clobbers}
	}
	res.Clobbers = clobbers
	for _, c := range clobbers {
		res.Warnings = append(res.Warnings, "clobbered "+c.String())
	}
	return staged, items, nil
}

// findPython returns the python to link noarch: python packages against:
// the one of the plan, else the installed one.
func findPython(pkgs []Package, installed *conda.Record, finalPrefix string) (*pythonInfo, error) {
	rec := installed
	for _, p := range pkgs {
		if p.Record.Name == "python" {
			rec = p.Record
		}
	}
	if rec == nil {
		return nil, nil
	}
	return newPythonInfo(rec, finalPrefix)
}

// linkInto links items into the tree at dir, compiles byte code with the
// python at exe and checks the symlinks created.
func linkInto(ctx context.Context, dir, finalPrefix, exe string, py *pythonInfo, staged []*stagedPkg, items []*linkItem, opts *ApplyOptions, res *Result) error {
	w, err := newTreeWriter(dir, opts.Copy)
	if err != nil {
		return err
	}
	l := &linker{w: w, finalPrefix: finalPrefix}
	err = l.link(ctx, items)
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		res.Warnings = append(res.Warnings, l.warnings...)
		return err
	}
	var links []string
	for _, sp := range staged {
		for _, e := range sp.out {
			if e.PathType == PathSoftlink {
				links = append(links, e.Path)
			}
		}
	}
	if err := checkSymlinks(dir, links); err != nil {
		res.Warnings = append(res.Warnings, l.warnings...)
		return err
	}
	// Signing runs on paths inside the tree, which the check above
	// proved cannot lead out of it.
	err = l.signRewritten(ctx, dir, opts.signer())
	res.Warnings = append(res.Warnings, l.warnings...)
	if err != nil {
		return err
	}
	if py != nil && !opts.NoCompile {
		skipped, err := compilePyc(ctx, dir, exe, py, staged)
		if err != nil {
			return err
		}
		if skipped {
			res.Warnings = append(res.Warnings, "python byte code not compiled: no executable python at "+exe)
		}
	}
	return nil
}

// installedRecord builds the conda-meta record of a linked package whose
// files are in the tree at dir (the new prefix or the staging area: both
// keep a file's mtime when renamed into place).
func installedRecord(dir string, sp *stagedPkg) *InstalledRecord {
	r := &InstalledRecord{Record: *sp.rec}
	if r.Fn == "" && sp.Tarball != "" {
		r.Fn = filepath.Base(sp.Tarball)
	}
	slices.SortFunc(sp.out, func(a, b PathEntry) int { return strings.Compare(a.Path, b.Path) })
	recordLinkedStat(dir, sp.out)
	r.PathsData = sp.out
	for _, e := range sp.out {
		if e.PathType != PathDirectory {
			r.Files = append(r.Files, e.Path)
		}
	}
	r.Link = LinkInfo{Source: sp.Dir, Type: LinkCopy}
	if sp.hardlinked {
		r.Link.Type = LinkHardlink
	}
	r.RequestedSpec = sp.RequestedSpec
	r.ExtractedPackageDir = sp.Dir
	r.PackageTarballFullPath = sp.Tarball
	return r
}

func (o *ApplyOptions) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

func (o *ApplyOptions) signer() Signer {
	if o.Signer != nil {
		return o.Signer
	}
	return CodesignSigner{}
}

func (o *ApplyOptions) version() string {
	if o.Version != "" {
		return o.Version
	}
	return "envseal"
}

func newHistoryEntry(plan *Plan, opts *ApplyOptions, linked, unlinked []*InstalledRecord) historyEntry {
	e := historyEntry{time: opts.now(), cmd: plan.Cmd, version: opts.version(),
		updateSpecs: plan.UpdateSpecs, removeSpecs: plan.RemoveSpecs}
	for _, r := range linked {
		e.added = append(e.added, HistoryDist(&r.Record))
	}
	for _, r := range unlinked {
		e.removed = append(e.removed, HistoryDist(&r.Record))
	}
	return e
}

// applyNew builds the prefix in a sibling temporary directory and renames
// it into place.
func applyNew(ctx context.Context, pp prefixPaths, plan *Plan, opts *ApplyOptions) (_ *Result, err error) {
	res := &Result{Created: true}
	pkgs, err := loadRecords(plan.Link)
	if err != nil {
		return nil, err
	}
	if len(plan.Unlink) > 0 {
		return nil, fmt.Errorf("cannot unlink %s: the environment does not exist", strings.Join(plan.Unlink, ", "))
	}
	py, err := findPython(pkgs, nil, pp.prefix)
	if err != nil {
		return nil, err
	}
	staged, items, err := stage(pkgs, py, nil, opts, res)
	if err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp(pp.parent, "."+pp.name+tmpInfix)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			os.RemoveAll(tmp)
		}
	}()
	if err := os.Chmod(tmp, 0o755); err != nil {
		return nil, err
	}
	if err := linkInto(ctx, tmp, pp.prefix, filepath.Join(tmp, "bin", "python"), py, staged, items, opts, res); err != nil {
		return nil, err
	}
	meta := filepath.Join(tmp, "conda-meta")
	if err := os.MkdirAll(meta, 0o755); err != nil {
		return nil, err
	}
	// One syncfs below covers every file of the new tree where the system
	// has it; elsewhere each conda-meta record is synced itself.
	perFileSync := opts.NoSync || syncTreeCoversFiles
	for _, sp := range staged {
		r := installedRecord(tmp, sp)
		if err := writeMetaRecord(meta, r, perFileSync); err != nil {
			return nil, err
		}
		res.Linked = append(res.Linked, r)
	}
	if plan.Variables != nil {
		if err := writeFileSync(filepath.Join(meta, "state"), formatState(nil, plan.Variables), opts.NoSync); err != nil {
			return nil, err
		}
	}
	hist := newHistoryEntry(plan, opts, res.Linked, nil).format()
	if err := writeFileSync(filepath.Join(meta, "history"), hist, opts.NoSync); err != nil {
		return nil, err
	}
	if !opts.NoSync {
		if err := syncTree(tmp); err != nil {
			return nil, err
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// An empty directory at the prefix (checked by isNew) gives way.
	if err := os.Remove(pp.prefix); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("replacing the empty directory: %w", err)
	}
	if err := os.Rename(tmp, pp.prefix); err != nil {
		return nil, fmt.Errorf("moving the new environment into place: %w", err)
	}
	if !opts.NoSync {
		if err := syncDir(pp.parent); err != nil {
			return res, err
		}
	}
	return res, nil
}

// writeMetaRecord writes conda-meta/<dist>.json.
func writeMetaRecord(dir string, r *InstalledRecord, noSync bool) error {
	data, err := r.MarshalJSON()
	if err != nil {
		return err
	}
	return writeFileSync(filepath.Join(dir, r.MetaFileName()), append(data, '\n'), noSync)
}

// writeFileSync creates name with data, fsync'd unless noSync.
func writeFileSync(name string, data []byte, noSync bool) error {
	return writeOpenSync(name, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, data, noSync)
}

// writeOpenSync opens name with flag, writes data and fsyncs it unless
// noSync.
func writeOpenSync(name string, flag int, data []byte, noSync bool) error {
	f, err := os.OpenFile(name, flag, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("writing %s: %w", name, err)
	}
	if !noSync {
		if err := f.Sync(); err != nil {
			f.Close()
			return fmt.Errorf("syncing %s: %w", name, err)
		}
	}
	return f.Close()
}

// writeFileAtomic replaces name with data through a temporary file and a
// rename, fsync'ing the file and its directory.
func writeFileAtomic(name string, data []byte) error {
	return atomicfile.WriteFile(name, data, 0o600)
}

// syncDir fsyncs a directory so renames in it are durable.
func syncDir(dir string) error { return atomicfile.SyncDir(dir) }
