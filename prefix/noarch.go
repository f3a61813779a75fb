package prefix

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"

	"github.com/envseal/envseal/conda"
)

// pythonInfo is what linking noarch: python packages needs to know about
// the environment's python.
type pythonInfo struct {
	version      string // "3.11"
	sitePackages string // "lib/python3.11/site-packages"
	finalExe     string // <final prefix>/bin/python, for shebangs
}

// newPythonInfo describes the python of rec installed at finalPrefix. It
// honours python_site_packages_path (CEP 17) when the record sets it.
func newPythonInfo(rec *conda.Record, finalPrefix string) (*pythonInfo, error) {
	v := rec.Version.String()
	mm := pythonMinor(v)
	if mm == "" {
		return nil, fmt.Errorf("python %s: cannot tell major.minor version", v)
	}
	py := &pythonInfo{
		version:      mm,
		sitePackages: "lib/python" + mm + "/site-packages",
		finalExe:     finalPrefix + "/bin/python",
	}
	if sp := rec.PythonSitePackagesPath; sp != "" {
		if err := checkRelPath(sp); err != nil {
			return nil, fmt.Errorf("python %s: python_site_packages_path: %w", v, err)
		}
		py.sitePackages = sp
	}
	return py, nil
}

// pythonMinor returns the "X.Y" of a python version ("3.11" for
// "3.11.11", "3.13" for "3.13.0rc1"), "" when v has no minor part; it is
// conda's get_major_minor_version.
func pythonMinor(v string) string {
	parts := strings.SplitN(v, ".", 3)
	if len(parts) < 2 || parts[0] == "" {
		return ""
	}
	minor := parts[1]
	if i := strings.IndexFunc(minor, func(r rune) bool { return r < '0' || r > '9' }); i >= 0 {
		minor = minor[:i]
	}
	if minor == "" {
		return ""
	}
	return parts[0] + "." + minor
}

// NoarchRelinks returns the records of want, a prefix's complete new
// state, that must be unlinked and linked again because python changes
// under them: every noarch: python record of want when the installed
// python and the python of want differ in major.minor version (conda's
// rule in solve_for_diff: their files live in lib/pythonX.Y/site-packages
// and their byte code and entry points name that python), or in
// python_site_packages_path (CEP 17). It returns nil when either side has
// no python. The records are want's own pointers, in want's order.
func NoarchRelinks(installed []*InstalledRecord, want []*conda.Record) []*conda.Record {
	var oldPy, newPy *conda.Record
	for _, r := range installed {
		if r.Name == "python" {
			oldPy = &r.Record
		}
	}
	for _, r := range want {
		if r.Name == "python" {
			newPy = r
		}
	}
	if oldPy == nil || newPy == nil || !pythonMoves(oldPy, newPy) {
		return nil
	}
	var out []*conda.Record
	for _, r := range want {
		if r.Noarch == "python" {
			out = append(out, r)
		}
	}
	return out
}

// pythonMoves reports whether noarch: python packages linked for python
// old must be relinked for python new.
func pythonMoves(old, new *conda.Record) bool {
	return pythonMinor(old.Version.String()) != pythonMinor(new.Version.String()) ||
		old.PythonSitePackagesPath != new.PythonSitePackagesPath
}

// noarchTarget maps a path of a noarch: python package to its place in the
// prefix: site-packages/X to <site-packages>/X, python-scripts/X to bin/X.
func (py *pythonInfo) noarchTarget(p string) string {
	if rest, ok := strings.CutPrefix(p, "site-packages/"); ok {
		return py.sitePackages + "/" + rest
	}
	if rest, ok := strings.CutPrefix(p, "python-scripts/"); ok {
		return "bin/" + rest
	}
	return p
}

// pycPath returns where python X.Y writes the byte code of the source py.
func (py *pythonInfo) pycPath(src string) string {
	dir, base := path.Split(src)
	stem := strings.TrimSuffix(base, ".py")
	return dir + "__pycache__/" + stem + ".cpython-" + strings.ReplaceAll(py.version, ".", "") + ".pyc"
}

// entryPoint is one `command = module:func` of link.json.
type entryPoint struct {
	command, module, fn string
}

// parseEntryPoint parses conda's entry point definition; the command must
// be a plain file name.
func parseEntryPoint(def string) (entryPoint, error) {
	cmdMod, fn, ok1 := cutLast(def, ":")
	command, module, ok2 := cutLast(cmdMod, "=")
	ep := entryPoint{strings.TrimSpace(command), strings.TrimSpace(module), strings.TrimSpace(fn)}
	if !ok1 || !ok2 || ep.command == "" || ep.module == "" || ep.fn == "" {
		return ep, fmt.Errorf("entry point %q: want \"name = module:func\"", def)
	}
	if strings.ContainsAny(ep.command, "/\\\x00 ") || ep.command == "." || ep.command == ".." {
		return ep, fmt.Errorf("%w: entry point %q: command is not a plain file name", ErrUnsafePath, def)
	}
	if i := strings.IndexByte(ep.fn, ' '); i >= 0 { // "main [extra]"
		ep.fn = ep.fn[:i]
	}
	if !isDottedName(ep.module) || !isDottedName(ep.fn) {
		return ep, fmt.Errorf("entry point %q: module and function must be dotted Python names", def)
	}
	return ep, nil
}

func cutLast(s, sep string) (before, after string, ok bool) {
	i := strings.LastIndex(s, sep)
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+len(sep):], true
}

func isDottedName(s string) bool {
	for _, part := range strings.Split(s, ".") {
		if part == "" {
			return false
		}
		for i, r := range part {
			if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r > 127 || i > 0 && r >= '0' && r <= '9') {
				return false
			}
		}
	}
	return true
}

// script returns the entry point script conda generates, with a shebang
// for python at exe.
func (ep entryPoint) script(exe string) []byte {
	importName, _, _ := strings.Cut(ep.fn, ".")
	var b bytes.Buffer
	b.WriteString(shebangFor(exe))
	fmt.Fprintf(&b, `# -*- coding: utf-8 -*-
import re
import sys

from %s import %s

if __name__ == '__main__':
    sys.argv[0] = re.sub(r'(-script\.pyw?|\.exe)?$', '', sys.argv[0])
    sys.exit(%s())
`, ep.module, importName, ep.fn)
	return b.Bytes()
}

// shebangFor returns conda's shebang line for exe: `#!exe`, or the
// /bin/sh trampoline when that is too long for the kernel or has spaces.
func shebangFor(exe string) string {
	s := "#!" + exe + "\n"
	if len(s) > maxShebang || strings.Contains(exe, " ") {
		return "#!/bin/sh\n'''exec' \"" + exe + "\" \"$0\" \"$@\" #'''\n"
	}
	return s
}

// compilePyc byte-compiles the .py files of pkgs that are linked into the
// tree at dir, with the python at exe (an absolute path), as conda does:
// `python -Wi -m compileall -q -l -i -` fed the prefix-relative file list,
// run from dir. Produced .pyc files are added to each package's out list.
// A missing interpreter skips compilation; compile errors in single files
// are ignored (their .pyc is just not recorded), like conda.
func compilePyc(ctx context.Context, dir, exe string, py *pythonInfo, pkgs []*stagedPkg) (skipped bool, err error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return false, err
	}
	defer root.Close()
	// Byte code compiled for an earlier environment is kept beside the
	// extracted package (see pycCachePath); a file whose source is the same
	// (same size and mtime: the hard-linked cache file) reuses it instead of
	// running the compiler again.
	var list bytes.Buffer
	fromCache := map[string][]byte{}
	made := map[string]bool{}
	for _, sp := range pkgs {
		for _, f := range sp.pyFiles {
			if data, ok := cachedPyc(dir, made, sp, py, f); ok {
				fromCache[f] = data
				continue
			}
			list.WriteString(f)
			list.WriteByte('\n')
		}
	}
	record := func() {
		for _, sp := range pkgs {
			for _, f := range sp.pyFiles {
				pyc := py.pycPath(f)
				data, cached := fromCache[f]
				if !cached {
					var err error
					if data, err = root.ReadFile(filepath.FromSlash(pyc)); err != nil {
						continue
					}
					savePyc(sp, pyc, data)
				}
				sp.out = append(sp.out, PathEntry{Path: pyc, PathType: PathPyc,
					SHA256: sha256Hex(data), SHA256InPrefix: sha256Hex(data), Size: int64(len(data))})
			}
		}
	}
	if list.Len() == 0 {
		record()
		return false, nil
	}
	if st, err := os.Stat(exe); err != nil || st.IsDir() || st.Mode()&0o111 == 0 {
		return true, nil
	}
	cmd := exec.CommandContext(ctx, exe, "-Wi", "-m", "compileall", "-q", "-l", "-i", "-")
	cmd.Dir = dir
	cmd.Stdin = &list
	cmd.Env = []string{"PYTHONNOUSERSITE=1", "LC_ALL=C.UTF-8"}
	var stderr bytes.Buffer
	cmd.Stdout = &stderr
	cmd.Stderr = &stderr
	runErr := runTied(cmd)
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	if runErr != nil {
		if _, ok := runErr.(*exec.ExitError); !ok {
			return false, fmt.Errorf("compiling python files with %s: %w", exe, runErr)
		}
		// compileall exits 1 when a file fails to compile; the rest are
		// compiled.
	}
	record()
	return false, nil
}

// pycCacheDir is where byte code compiled from an extracted package is
// kept for the next environment: <package dir>/.envseal-pyc/. Its paths
// are the prefix-relative .pyc paths, which name the python version
// (lib/python3.10/.../__pycache__/x.cpython-310.pyc).
const pycCacheDir = ".envseal-pyc"

// cachedPyc returns the cached byte code of the linked source f when its
// header still matches the source (CPython's timestamp-based pyc: the
// source's mtime and size at bytes 8-16), after linking it into the tree
// at dir. Plain path operations are safe here: compilePyc runs after the
// tree's symlinks were checked to stay inside it, and they are far cheaper
// than os.Root's component-by-component walk for hundreds of files.
func cachedPyc(dir string, made map[string]bool, sp *stagedPkg, py *pythonInfo, f string) ([]byte, bool) {
	if sp.Dir == "" {
		return nil, false
	}
	pyc := py.pycPath(f)
	src := filepath.Join(sp.Dir, pycCacheDir, filepath.FromSlash(pyc))
	data, err := os.ReadFile(src)
	if err != nil || len(data) < 16 {
		return nil, false
	}
	st, err := os.Lstat(filepath.Join(dir, filepath.FromSlash(f)))
	if err != nil || !st.Mode().IsRegular() {
		return nil, false
	}
	flags := binary.LittleEndian.Uint32(data[4:8])
	mtime := binary.LittleEndian.Uint32(data[8:12])
	size := binary.LittleEndian.Uint32(data[12:16])
	if flags != 0 || mtime != uint32(st.ModTime().Unix()) || size != uint32(st.Size()) {
		return nil, false
	}
	dst := filepath.Join(dir, filepath.FromSlash(pyc))
	if d := filepath.Dir(dst); !made[d] {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, false
		}
		made[d] = true
	}
	if err := os.Link(src, dst); err != nil {
		if err := os.WriteFile(dst, data, 0o644); err != nil {
			return nil, false
		}
	}
	return data, true
}

// savePyc keeps freshly compiled byte code beside the extracted package,
// best effort: a read-only or shared cache simply keeps compiling.
func savePyc(sp *stagedPkg, pyc string, data []byte) {
	if sp.Dir == "" {
		return
	}
	dst := filepath.Join(sp.Dir, pycCacheDir, filepath.FromSlash(pyc))
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return
	}
	tmp, err := os.CreateTemp(filepath.Dir(dst), ".pyc-*")
	if err != nil {
		return
	}
	_, werr := tmp.Write(data)
	cerr := tmp.Close()
	if werr != nil || cerr != nil || os.Rename(tmp.Name(), dst) != nil {
		os.Remove(tmp.Name())
	}
}
