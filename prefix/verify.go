package prefix

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/envseal/envseal/conda"
)

// VerifyOptions tune [Verify]. The zero value checks the files against the
// conda-meta records only.
type VerifyOptions struct {
	// Locked, when non-nil, are the lock's records for this platform:
	// installed packages are compared with them by name.
	Locked []*conda.Record
	// Full hashes every file, even one whose size and mtime are those
	// recorded right after linking.
	Full bool
	// Jobs is the number of files hashed at once; the number of CPUs
	// when zero.
	Jobs int
}

// Kinds of lock drift in [PackageDrift].Lock.
const (
	LockMissing    = "missing"     // locked, not installed
	LockExtra      = "extra"       // installed, not locked
	LockOtherBuild = "other_build" // installed in another version or build
)

// ModifiedFile is an installed file whose content differs from its record.
type ModifiedFile struct {
	// Path is prefix-relative, slash-separated.
	Path string `json:"path"`
	// Reason is what differs: "sha256", "size" or "type" (a directory,
	// link or file where the record has another kind).
	Reason string `json:"reason"`
}

// PackageDrift holds the findings of one package.
type PackageDrift struct {
	// Name is the package name.
	Name string `json:"name"`
	// Dist is the installed "name-version-build", "" when the package is
	// not installed (lock drift "missing").
	Dist string `json:"dist"`
	// Modified and Missing are files of the package's record that differ
	// or are absent, sorted by path; never nil.
	Modified []ModifiedFile `json:"modified"`
	Missing  []string       `json:"missing"`
	// Lock is "", [LockMissing], [LockExtra] or [LockOtherBuild]; Locked
	// is the dist the lock pins ("" for extra).
	Lock   string `json:"lock,omitempty"`
	Locked string `json:"locked,omitempty"`
}

// Damaged reports whether files of the installed package are modified or
// missing (what [Repair] relinks).
func (p *PackageDrift) Damaged() bool { return len(p.Modified)+len(p.Missing) > 0 && p.Dist != "" }

// VerifyStats count the work [Verify] did.
type VerifyStats struct {
	// Files are the recorded paths checked.
	Files int `json:"files"`
	// Hashed files were read and hashed; Skipped ones had the size and
	// mtime recorded after linking; Unchecked ones have no digest to
	// check (only their presence was).
	Hashed    int   `json:"hashed"`
	Skipped   int   `json:"skipped"`
	Unchecked int   `json:"unchecked"`
	Bytes     int64 `json:"bytes_hashed"`
}

// Report is what [Verify] found. Its JSON encoding is the stable shape of
// `envseal verify --json`: slices are never null.
type Report struct {
	// Prefix is the environment checked.
	Prefix string `json:"prefix"`
	// Clean is true when nothing below was found.
	Clean bool `json:"clean"`
	// Packages are the packages with findings, sorted by name.
	Packages []PackageDrift `json:"packages"`
	// Foreign are files in bin/ or site-packages that neither a conda-meta
	// record nor a pip dist-info RECORD owns, sorted.
	Foreign []string `json:"foreign"`
	// MetaProblems are conda-meta files that could not be read.
	MetaProblems []string `json:"meta_problems"`
	// LockChecked is true when the installed records were compared with a
	// lock.
	LockChecked bool        `json:"lock_checked"`
	Stats       VerifyStats `json:"stats"`
}

// Damaged returns the packages whose files [Repair] relinks.
func (r *Report) Damaged() []PackageDrift {
	var out []PackageDrift
	for _, p := range r.Packages {
		if p.Damaged() {
			out = append(out, p)
		}
	}
	return out
}

// Verify checks the prefix against its conda-meta records: every recorded
// file must exist with the kind, size and sha256 the record gives
// (sha256_in_prefix where a placeholder was rewritten, else sha256). Files
// whose size and mtime are those recorded right after linking are not read
// unless opts.Full. Files are hashed by opts.Jobs goroutines. It also lists
// foreign files in bin/ and lib/python*/site-packages/ (files owned by a
// pip dist-info RECORD, and __pycache__ byte code of owned sources, are
// not foreign), and compares the records with opts.Locked.
//
// Verify only reads. It holds the prefix's lock shared, so it waits for an
// install or repair under way to finish instead of reporting its half-done
// files as drift (ctx bounds the wait: [ErrLocked]). The error is for a
// prefix that cannot be read at all (it wraps [ErrNotEnvironment] when
// conda-meta is absent) or ctx ending.
func Verify(ctx context.Context, prefix string, opts *VerifyOptions) (*Report, error) {
	if opts == nil {
		opts = &VerifyOptions{}
	}
	pp, err := newPrefixPaths(prefix)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(pp.prefix); err == nil {
		fl, err := pp.rlock(ctx)
		if err != nil {
			return nil, err
		}
		if fl != nil {
			defer fl.Unlock()
		}
	}
	pd, err := ReadPrefix(ctx, prefix)
	if err != nil {
		return nil, err
	}
	rep := &Report{Prefix: prefix, Packages: []PackageDrift{}, Foreign: []string{}, MetaProblems: []string{}}
	for _, p := range pd.Problems {
		rep.MetaProblems = append(rep.MetaProblems, p.Error())
	}

	type job struct {
		pkg int
		e   PathEntry
	}
	var jobs []job
	owned := map[string]bool{}
	for i, r := range pd.Records {
		entries := r.PathsData
		if len(entries) == 0 {
			// An old record without paths_data: presence only.
			for _, f := range r.Files {
				entries = append(entries, PathEntry{Path: f})
			}
		}
		for _, e := range entries {
			if checkRelPath(e.Path) != nil {
				continue // never look outside the prefix
			}
			owned[e.Path] = true
			jobs = append(jobs, job{pkg: i, e: e})
		}
		for _, f := range r.Files {
			owned[f] = true
		}
	}
	type result struct {
		missing  bool
		reason   string
		outcome  checkOutcome
		hashSize int64
	}
	results := make([]result, len(jobs))
	workers := opts.Jobs
	if workers <= 0 {
		workers = runtime.NumCPU()
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	var firstErr error
	var errOnce sync.Once
	for range min(workers, max(len(jobs), 1)) {
		wg.Go(func() {
			buf := make([]byte, 256<<10)
			for {
				i := int(next.Add(1) - 1)
				if i >= len(jobs) {
					return
				}
				if i%64 == 0 && ctx.Err() != nil {
					errOnce.Do(func() { firstErr = ctx.Err() })
					return
				}
				res := &results[i]
				follow := pd.Records[jobs[i].pkg].Link.Type == LinkSoftlink
				res.missing, res.reason, res.outcome, res.hashSize = checkEntry(prefix, jobs[i].e, opts.Full, follow, buf)
			}
		})
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	drift := make([]PackageDrift, len(pd.Records))
	for i, r := range pd.Records {
		drift[i] = PackageDrift{Name: r.Name, Dist: r.DistName(), Modified: []ModifiedFile{}, Missing: []string{}}
	}
	// A path two packages wrote (a clobber: the later one won) is as it
	// should be when it matches either record.
	okPath := map[string]bool{}
	for i, j := range jobs {
		if !results[i].missing && results[i].reason == "" {
			okPath[j.e.Path] = true
		}
	}
	for i, j := range jobs {
		res := results[i]
		if okPath[j.e.Path] {
			res.missing, res.reason = false, ""
		}
		rep.Stats.Files++
		switch res.outcome {
		case outcomeHashed:
			rep.Stats.Hashed++
			rep.Stats.Bytes += res.hashSize
		case outcomeSkipped:
			rep.Stats.Skipped++
		case outcomeUnchecked:
			rep.Stats.Unchecked++
		}
		d := &drift[j.pkg]
		switch {
		case res.missing:
			d.Missing = append(d.Missing, j.e.Path)
		case res.reason != "":
			d.Modified = append(d.Modified, ModifiedFile{Path: j.e.Path, Reason: res.reason})
		}
	}
	byName := map[string]*PackageDrift{}
	for i := range drift {
		byName[drift[i].Name] = &drift[i]
	}
	var extraDrift []PackageDrift
	if opts.Locked != nil {
		rep.LockChecked = true
		locked := map[string]*conda.Record{}
		for _, l := range opts.Locked {
			if strings.HasPrefix(l.Name, "__") { // virtual packages are never installed
				continue
			}
			locked[l.Name] = l
			inst := pd.Record(l.Name)
			switch {
			case inst == nil:
				extraDrift = append(extraDrift, PackageDrift{Name: l.Name, Modified: []ModifiedFile{}, Missing: []string{},
					Lock: LockMissing, Locked: l.DistName()})
			case inst.DistName() != l.DistName() ||
				(inst.SHA256 != "" && l.SHA256 != "" && !strings.EqualFold(inst.SHA256, l.SHA256)):
				d := byName[l.Name]
				d.Lock, d.Locked = LockOtherBuild, l.DistName()
			}
		}
		for _, r := range pd.Records {
			if locked[r.Name] == nil {
				byName[r.Name].Lock = LockExtra
			}
		}
	}
	for _, d := range append(drift, extraDrift...) {
		if len(d.Modified)+len(d.Missing) > 0 || d.Lock != "" {
			slices.SortFunc(d.Modified, func(a, b ModifiedFile) int { return strings.Compare(a.Path, b.Path) })
			slices.Sort(d.Missing)
			rep.Packages = append(rep.Packages, d)
		}
	}
	slices.SortFunc(rep.Packages, func(a, b PackageDrift) int { return strings.Compare(a.Name, b.Name) })

	foreign, err := foreignFiles(ctx, prefix, owned)
	if err != nil {
		return nil, err
	}
	rep.Foreign = foreign
	rep.Clean = len(rep.Packages) == 0 && len(rep.Foreign) == 0 && len(rep.MetaProblems) == 0
	return rep, nil
}

type checkOutcome int

const (
	outcomeNone checkOutcome = iota
	outcomeHashed
	outcomeSkipped
	outcomeUnchecked
)

// checkEntry checks one recorded path of the prefix. reason is "" when the
// file is as recorded. follow is set for packages conda linked with
// symbolic links (link type softlink): their files are links to the
// package cache, checked through the link.
func checkEntry(prefix string, e PathEntry, full, follow bool, buf []byte) (missing bool, reason string, outcome checkOutcome, hashed int64) {
	name := filepath.Join(prefix, filepath.FromSlash(e.Path))
	st, err := os.Lstat(name)
	if err == nil && follow && st.Mode()&fs.ModeSymlink != 0 && e.PathType != PathSoftlink {
		st, err = os.Stat(name)
	}
	if err != nil {
		// A missing parent, or a file where a directory should be,
		// means the same to the user.
		return true, "", outcomeNone, 0
	}
	mode := st.Mode()
	switch e.PathType {
	case "":
		// Only a files list (an old record): presence is all there is.
		return false, "", outcomeUnchecked, 0
	case PathDirectory:
		if !mode.IsDir() {
			return false, "type", outcomeNone, 0
		}
		return false, "", outcomeUnchecked, 0
	case PathSoftlink:
		if mode&fs.ModeSymlink == 0 {
			// The linker copies a link the package flattened into a
			// file: then sha256_in_prefix says what it holds.
			if !mode.IsRegular() || e.SHA256InPrefix == "" {
				return false, "type", outcomeNone, 0
			}
			break
		}
		return false, "", outcomeUnchecked, 0
	}
	if !mode.IsRegular() {
		return false, "type", outcomeNone, 0
	}
	if !full && e.LinkedMtime != 0 && st.Size() == e.LinkedSize && st.ModTime().UnixNano() == e.LinkedMtime {
		return false, "", outcomeSkipped, 0
	}
	want := e.SHA256InPrefix
	if want == "" && e.PrefixPlaceholder == "" {
		want = e.SHA256
	}
	wantSize := int64(-1)
	switch {
	case e.LinkedMtime != 0:
		wantSize = e.LinkedSize
	case e.Size > 0 && (e.PrefixPlaceholder == "" || e.FileMode == FileModeBinary):
		wantSize = e.Size
	}
	if wantSize >= 0 && st.Size() != wantSize {
		return false, "size", outcomeNone, 0
	}
	if want == "" {
		return false, "", outcomeUnchecked, 0
	}
	sum, n, err := hashFile(name, buf)
	if err != nil {
		return true, "", outcomeNone, 0
	}
	if !strings.EqualFold(sum, want) {
		return false, "sha256", outcomeHashed, n
	}
	return false, "", outcomeHashed, n
}

func hashFile(name string, buf []byte) (string, int64, error) {
	f, err := os.Open(name)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.CopyBuffer(h, f, buf)
	if err != nil {
		return "", n, fmt.Errorf("hashing %s: %w", name, err)
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// foreignFiles lists the files under bin/ and lib/python*/site-packages/
// that are not in owned (conda records) nor in a dist-info RECORD, and are
// not byte code of an owned source.
func foreignFiles(ctx context.Context, prefix string, owned map[string]bool) ([]string, error) {
	roots := []string{"bin"}
	sps, _ := filepath.Glob(filepath.Join(prefix, "lib", "python*", "site-packages"))
	for _, sp := range sps {
		rel, err := filepath.Rel(prefix, sp)
		if err != nil {
			continue
		}
		rel = filepath.ToSlash(rel)
		roots = append(roots, rel)
		if err := addPipRecords(prefix, rel, owned); err != nil {
			return nil, err
		}
	}
	var out []string
	for _, root := range roots {
		dir := filepath.Join(prefix, filepath.FromSlash(root))
		if st, err := os.Lstat(dir); err != nil || !st.IsDir() {
			continue
		}
		err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					return nil
				}
				return err
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			if d.IsDir() {
				return nil
			}
			rel, err := filepath.Rel(prefix, p)
			if err != nil {
				return err
			}
			rel = filepath.ToSlash(rel)
			if owned[rel] || ownedByteCode(rel, owned) {
				return nil
			}
			out = append(out, rel)
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("listing %s: %w", dir, err)
		}
	}
	slices.Sort(out)
	if out == nil {
		out = []string{}
	}
	return slices.Compact(out), nil
}

// ownedByteCode reports whether rel is dir/__pycache__/<module>.<tag>.pyc
// of an owned dir/<module>.py (python writes it when importing).
func ownedByteCode(rel string, owned map[string]bool) bool {
	dir, base := split(rel)
	if !strings.HasSuffix(base, ".pyc") {
		return false
	}
	parent, cache := split(dir)
	if cache != "__pycache__" {
		return false
	}
	mod, _, ok := strings.Cut(base, ".")
	if !ok {
		return false
	}
	return owned[path.Join(parent, mod+".py")]
}

// addPipRecords marks as owned every path listed by the RECORD files of
// the *.dist-info directories in the site-packages directory sp
// (prefix-relative).
func addPipRecords(prefix, sp string, owned map[string]bool) error {
	records, _ := filepath.Glob(filepath.Join(prefix, filepath.FromSlash(sp), "*.dist-info", "RECORD"))
	for _, rec := range records {
		data, err := os.ReadFile(rec)
		if err != nil {
			continue // unreadable: its files show up as foreign
		}
		for _, p := range ParseRecordPaths(data, sp) {
			owned[p] = true
		}
	}
	return nil
}

// ParseRecordPaths returns the prefix-relative paths a pip dist-info
// RECORD (CSV: path,hash,size) lists, for a RECORD of the site-packages
// directory sp (prefix-relative, slash-separated). RECORD paths are
// relative to site-packages and may climb out of it
// ("../../../bin/tool"); paths that leave the prefix or name its metadata
// are dropped. A malformed line ends the list: what was read before it is
// returned.
func ParseRecordPaths(data []byte, sp string) []string {
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	r.ReuseRecord = true
	var out []string
	for {
		row, err := r.Read()
		if err != nil {
			return out
		}
		if len(row) == 0 || row[0] == "" || strings.Contains(row[0], "\\") || path.IsAbs(row[0]) {
			continue
		}
		p := path.Clean(path.Join(sp, row[0]))
		if checkRelPath(p) == nil {
			out = append(out, p)
		}
	}
}

// recordLinkedStat fills in LinkedMtime and LinkedSize of the regular
// files of out, linked into the tree at dir. A file that cannot be
// stat'ed keeps none (it is then hashed by [Verify]).
func recordLinkedStat(dir string, out []PathEntry) {
	for i := range out {
		e := &out[i]
		if e.PathType == PathDirectory {
			continue
		}
		st, err := os.Lstat(filepath.Join(dir, filepath.FromSlash(e.Path)))
		if err != nil || !st.Mode().IsRegular() {
			continue
		}
		e.LinkedMtime = st.ModTime().UnixNano()
		e.LinkedSize = st.Size()
	}
}
