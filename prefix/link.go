package prefix

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/envseal/envseal/conda"
)

// Package is one extracted package to link into a prefix: a directory laid
// out like conda's pkgs/<dist>/, holding info/ and the package files.
type Package struct {
	// Record describes the package. When nil it is read from
	// Dir/info/index.json (without url or channel).
	Record *conda.Record
	// Dir is the extracted package directory.
	Dir string
	// Tarball is the archive in the package cache, recorded as
	// package_tarball_full_path; it may be empty.
	Tarball string
	// RequestedSpec is the user's spec that selected the package
	// (recorded as requested_spec), "" for a dependency.
	RequestedSpec string
}

// Clobber is one path written by two packages. The later package of a plan
// wins, as in conda.
type Clobber struct {
	// Path is relative to the prefix.
	Path string
	// Old is the dist name ("name-version-build") of the package whose
	// file was replaced (an installed package or an earlier one of the
	// plan); New is the package that won.
	Old, New string
}

// String formats c for a warning.
func (c Clobber) String() string {
	return fmt.Sprintf("%s: written by %s and %s (%s wins)", c.Path, c.Old, c.New, c.New)
}

// ClobberError is returned by [Apply] with [ClobberRefuse] when packages
// would write the same paths; nothing has been changed.
type ClobberError struct {
	Clobbers []Clobber
}

// Error lists the clobbered paths.
func (e *ClobberError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d path(s) would be written by two packages:", len(e.Clobbers))
	for i, c := range e.Clobbers {
		if i == 10 {
			fmt.Fprintf(&b, "\n  … and %d more", len(e.Clobbers)-i)
			break
		}
		fmt.Fprintf(&b, "\n  %s (%s, %s)", c.Path, c.Old, c.New)
	}
	return b.String()
}

// linkItem is one path a package puts into the prefix.
type linkItem struct {
	entry  PathEntry // as in the package; entry.Path is the source path
	target string    // prefix-relative destination
	data   []byte    // generated content (entry points); nil for package files
	pkg    *stagedPkg
}

// stagedPkg is a package of a plan with everything read from its info/.
type stagedPkg struct {
	Package
	rec        *conda.Record
	items      []*linkItem
	out        []PathEntry // paths_data of the linked files
	hardlinked bool
	pyFiles    []string // linked .py files to compile (noarch python)
}

// readPackage reads the metadata of p and works out its link items. py
// describes the environment's python (nil when there is none).
func readPackage(p Package, py *pythonInfo) (*stagedPkg, error) {
	sp := &stagedPkg{Package: p, rec: p.Record}
	if sp.rec == nil {
		name := filepath.Join(p.Dir, "info", "index.json")
		data, err := os.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("reading package record: %w", err)
		}
		sp.rec = new(conda.Record)
		if err := sp.rec.UnmarshalJSON(data); err != nil {
			return nil, fmt.Errorf("reading %s: %w", name, err)
		}
	}
	paths, err := ReadPaths(p.Dir)
	if err != nil {
		return nil, fmt.Errorf("package %s: %w", sp.rec.DistName(), err)
	}
	lj, err := readLinkJSON(p.Dir)
	if err != nil {
		return nil, fmt.Errorf("package %s: %w", sp.rec.DistName(), err)
	}
	noarchPython := sp.rec.Noarch == "python" || lj.Noarch.Type == "python"
	if noarchPython && py == nil {
		return nil, fmt.Errorf("package %s is noarch: python but the environment has no python", sp.rec.DistName())
	}
	for _, e := range paths {
		it := &linkItem{entry: e, target: e.Path, pkg: sp}
		if noarchPython {
			it.target = py.noarchTarget(e.Path)
			if e.PathType != PathDirectory && strings.HasSuffix(e.Path, ".py") && strings.HasPrefix(e.Path, "site-packages/") {
				sp.pyFiles = append(sp.pyFiles, it.target)
			}
		}
		sp.items = append(sp.items, it)
	}
	if noarchPython {
		for _, def := range lj.Noarch.EntryPoints {
			ep, err := parseEntryPoint(def)
			if err != nil {
				return nil, fmt.Errorf("package %s: link.json: %w", sp.rec.DistName(), err)
			}
			sp.items = append(sp.items, &linkItem{
				entry:  PathEntry{Path: "bin/" + ep.command, PathType: PathEntryPoint},
				target: "bin/" + ep.command,
				data:   ep.script(py.finalExe),
				pkg:    sp,
			})
		}
	}
	return sp, nil
}

// resolveClobbers chooses, for every target path, the item that is
// written: the last package of the plan wins. installed maps paths of
// packages that stay in the prefix to their dist names; a plan package
// writing one of them is a clobber too. It returns the items to write,
// sorted by directory then name.
func resolveClobbers(pkgs []*stagedPkg, installed map[string]string) ([]*linkItem, []Clobber) {
	win := map[string]*linkItem{}
	var clobbers []Clobber
	for _, sp := range pkgs {
		for _, it := range sp.items {
			if old, ok := win[it.target]; ok {
				if old.entry.PathType != PathDirectory || it.entry.PathType != PathDirectory {
					clobbers = append(clobbers, Clobber{Path: it.target, Old: old.pkg.rec.DistName(), New: sp.rec.DistName()})
				}
			} else if owner, ok := installed[it.target]; ok && it.entry.PathType != PathDirectory {
				clobbers = append(clobbers, Clobber{Path: it.target, Old: owner, New: sp.rec.DistName()})
			}
			win[it.target] = it
		}
	}
	items := make([]*linkItem, 0, len(win))
	for _, it := range win {
		items = append(items, it)
	}
	slices.SortFunc(items, func(a, b *linkItem) int {
		da, ba := split(a.target)
		db, bb := split(b.target)
		return cmp.Or(strings.Compare(da, db), strings.Compare(ba, bb))
	})
	return items, clobbers
}

// linker writes link items into one directory tree (a new prefix being
// built, or the staging area of an existing one). finalPrefix is where the
// files will live once the transaction commits: placeholders are replaced
// with it, never with the tree's current location.
type linker struct {
	w           *treeWriter
	finalPrefix string
	warnings    []string
	// toSign lists the rewritten Mach-O files of osx-arm64 packages.
	toSign []toSign
}

// link writes items, appending to each package's out list.
func (l *linker) link(ctx context.Context, items []*linkItem) error {
	for i, it := range items {
		if i%256 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		out, ok, err := l.linkOne(it)
		if err != nil {
			return fmt.Errorf("linking %s from %s: %w", it.target, it.pkg.rec.DistName(), err)
		}
		if ok {
			it.pkg.out = append(it.pkg.out, out)
		}
	}
	return nil
}

func (l *linker) linkOne(it *linkItem) (PathEntry, bool, error) {
	e := it.entry
	out := PathEntry{Path: it.target, PathType: e.PathType, SHA256: e.SHA256, Size: e.Size,
		FileMode: e.FileMode, PrefixPlaceholder: e.PrefixPlaceholder, NoLink: e.NoLink}
	if it.data != nil {
		if err := l.w.writeFile(it.target, it.data, 0o755); err != nil {
			return out, false, err
		}
		out.SHA256 = sha256Hex(it.data)
		out.SHA256InPrefix = out.SHA256
		out.Size = int64(len(it.data))
		return out, true, nil
	}
	src := filepath.Join(it.pkg.Dir, filepath.FromSlash(e.Path))
	switch e.PathType {
	case PathDirectory:
		return out, true, l.w.mkdir(it.target)
	case PathSoftlink:
		st, err := os.Lstat(src)
		if errors.Is(err, fs.ErrNotExist) {
			// Early .conda converters wrote symlinks with an empty
			// target, which extraction skips (as conda does).
			l.warnings = append(l.warnings, fmt.Sprintf("%s: softlink %s is missing from the extracted package; skipped", it.pkg.rec.DistName(), e.Path))
			return out, false, nil
		}
		if err != nil {
			return out, false, err
		}
		if st.Mode()&fs.ModeSymlink == 0 {
			// A link flattened into a file by the packager: copy it, as
			// conda's copy of a non-link does, but say so.
			l.warnings = append(l.warnings, fmt.Sprintf("%s: softlink %s is a regular file in the extracted package; copied", it.pkg.rec.DistName(), e.Path))
			if err := l.w.copyFile(src, it.target); err != nil {
				return out, false, err
			}
			out.SHA256InPrefix = out.SHA256
			return out, true, nil
		}
		target, err := os.Readlink(src)
		if err != nil {
			return out, false, err
		}
		if err := checkLinkTarget(it.target, target); err != nil {
			return out, false, err
		}
		out.SHA256InPrefix = out.SHA256
		return out, true, l.w.symlink(target, it.target)
	}
	if e.PrefixPlaceholder != "" {
		data, perm, err := readWithPerm(src)
		if err != nil {
			return out, false, err
		}
		if out.SHA256 == "" {
			out.SHA256 = sha256Hex(data)
		}
		if e.FileMode == FileModeBinary {
			if it.pkg.rec.Subdir == signPlatform && isMachO(data) && bytes.Contains(data, []byte(e.PrefixPlaceholder)) {
				l.toSign = append(l.toSign, toSign{pkg: it.pkg, target: it.target})
			}
			if err := ReplaceBinary(data, e.PrefixPlaceholder, l.finalPrefix); err != nil {
				var be *BinaryPrefixError
				if errors.As(err, &be) {
					be.File = it.target
				}
				return out, false, err
			}
		} else {
			data = ReplaceText(data, e.PrefixPlaceholder, l.finalPrefix)
		}
		if err := l.w.writeFile(it.target, data, perm); err != nil {
			return out, false, err
		}
		out.SHA256InPrefix = sha256Hex(data)
		return out, true, nil
	}
	if out.SHA256 == "" {
		sum, err := sha256File(src)
		if err != nil {
			return out, false, err
		}
		out.SHA256 = sum
	}
	out.SHA256InPrefix = out.SHA256
	if e.NoLink {
		return out, true, l.w.copyFile(src, it.target)
	}
	hard, err := l.w.hardlink(src, it.target)
	if hard {
		it.pkg.hardlinked = true
	}
	return out, err == nil, err
}

// checkLinkTarget refuses a symlink at rel (prefix-relative) whose target
// is absolute or leads, read as plain path text, out of the prefix. Links
// that escape only through other links are caught after linking by
// [checkSymlinks].
func checkLinkTarget(rel, target string) error {
	if target == "" || path.IsAbs(target) || filepath.IsAbs(target) {
		return fmt.Errorf("%w: symlink %s points to %q, outside the prefix", ErrUnsafePath, rel, target)
	}
	dir, _ := split(rel)
	if !filepath.IsLocal(filepath.FromSlash(path.Join(dir, target))) {
		return fmt.Errorf("%w: symlink %s points to %q, outside the prefix", ErrUnsafePath, rel, target)
	}
	return nil
}

// checkSymlinks resolves each symlink rel of links inside the tree at dir
// and fails when one leads out of it (through a chain of links). Dangling
// links inside the tree are allowed.
func checkSymlinks(dir string, links []string) error {
	if len(links) == 0 {
		return nil
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer root.Close()
	for _, rel := range links {
		_, err := root.Stat(rel)
		if err == nil || errors.Is(err, fs.ErrNotExist) || errors.Is(err, os.ErrNotExist) {
			continue
		}
		var pe *fs.PathError
		if errors.As(err, &pe) && (errors.Is(pe.Err, fs.ErrNotExist) || strings.Contains(pe.Err.Error(), "not a directory")) {
			continue
		}
		return fmt.Errorf("%w: symlink %s resolves outside the prefix: %v", ErrUnsafePath, rel, err)
	}
	return nil
}

func readWithPerm(name string) ([]byte, fs.FileMode, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, 0, err
	}
	data := make([]byte, 0, st.Size()+1)
	buf := bytes.NewBuffer(data)
	if _, err := buf.ReadFrom(f); err != nil {
		return nil, 0, fmt.Errorf("reading %s: %w", name, err)
	}
	return buf.Bytes(), st.Mode().Perm(), nil
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func sha256File(name string) (string, error) {
	f, err := os.Open(name)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("hashing %s: %w", name, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// split returns the directory and base name of a slash path.
func split(p string) (dir, base string) {
	dir, base = path.Split(p)
	if dir != "" {
		dir = dir[:len(dir)-1]
	}
	return dir, base
}
