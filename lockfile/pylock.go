package lockfile

import (
	"errors"
	"fmt"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/BurntSushi/toml"
	"github.com/envseal/envseal/conda"
)

// pylock.toml is the Python lock of PEP 751 ("A file format to record
// Python dependencies for installation reproducibility", final; now the
// PyPA "pylock.toml specification"). uv (`uv export --format pylock.toml`,
// `uv pip compile -o pylock.toml`), pip (`pip lock`) and PDM write it.
//
// envseal maps it to and from the pip part of a lock ([Lock.PyPI]): one
// [PylockPackage] per pip distribution, with its name, version, marker,
// requires-python, index and the one file pip installed (a wheel, an sdist,
// an archive or a directory) with its hashes. The conda packages have no
// place in it.

// PylockVersion is the lock-version [MarshalPylock] writes. [ParsePylock]
// reads every 1.x file (the spec asks installers to refuse another major
// version and to accept a newer minor one).
const PylockVersion = "1.0"

// PylockCreatedBy is the created-by value of the files envseal writes.
const PylockCreatedBy = "envseal"

// Pylock is a pylock.toml file. Fields keep the spec's names (in the toml
// tags); [tool] tables and packages.dependencies (informational only, by
// the spec) are not kept.
type Pylock struct {
	LockVersion      string          `toml:"lock-version"`
	Environments     []string        `toml:"environments"`
	RequiresPython   string          `toml:"requires-python"`
	Extras           []string        `toml:"extras"`
	DependencyGroups []string        `toml:"dependency-groups"`
	DefaultGroups    []string        `toml:"default-groups"`
	CreatedBy        string          `toml:"created-by"`
	Packages         []PylockPackage `toml:"packages"`
}

// PylockPackage is one [[packages]] entry. Exactly one source is set:
// VCS, Directory, Archive, or Sdist and/or Wheels.
type PylockPackage struct {
	Name           string           `toml:"name"`
	Version        string           `toml:"version"`
	Marker         string           `toml:"marker"`
	RequiresPython string           `toml:"requires-python"`
	Index          string           `toml:"index"`
	VCS            *PylockVCS       `toml:"vcs"`
	Directory      *PylockDirectory `toml:"directory"`
	Archive        *PylockFile      `toml:"archive"`
	Sdist          *PylockFile      `toml:"sdist"`
	Wheels         []PylockFile     `toml:"wheels"`
}

// PylockFile is an archive, sdist or wheel: where it is (URL or Path) and
// its hashes (algorithm name → lowercase hex digest; at least one).
type PylockFile struct {
	Name         string            `toml:"name"`
	UploadTime   time.Time         `toml:"upload-time"`
	URL          string            `toml:"url"`
	Path         string            `toml:"path"`
	Size         int64             `toml:"size"`
	Hashes       map[string]string `toml:"hashes"`
	Subdirectory string            `toml:"subdirectory"`
}

// PylockVCS is a package built from a version control checkout.
type PylockVCS struct {
	Type              string `toml:"type"`
	URL               string `toml:"url"`
	Path              string `toml:"path"`
	RequestedRevision string `toml:"requested-revision"`
	CommitID          string `toml:"commit-id"`
	Subdirectory      string `toml:"subdirectory"`
}

// PylockDirectory is a package built from a local directory.
type PylockDirectory struct {
	Path         string `toml:"path"`
	Editable     bool   `toml:"editable"`
	Subdirectory string `toml:"subdirectory"`
}

// FileName is the file's name: Name, else the last element of URL or
// Path.
func (f *PylockFile) FileName() string {
	if f.Name != "" {
		return f.Name
	}
	loc := f.URL
	if loc == "" {
		loc = f.Path
	}
	if i := strings.IndexAny(loc, "?#"); i >= 0 {
		loc = loc[:i]
	}
	return path.Base(strings.ReplaceAll(loc, `\`, "/"))
}

// ParsePylock reads a pylock.toml. It checks what an installer must rely
// on: a 1.x lock-version, created-by, and for every package a name, one
// kind of source, and a location on every archive, sdist and wheel (not
// hashes: uv writes files without them when its index has none; installing
// by hash refuses those later). Errors
// name the package ("packages[2] (idna)") and, for TOML syntax and type
// errors, the line.
func ParsePylock(data []byte) (*Pylock, error) {
	var p Pylock
	md, err := toml.Decode(string(data), &p)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return nil, &ParseError{Line: pe.Position.Line, Err: fmt.Errorf("%s", pe.Message)}
		}
		return nil, &ParseError{Err: err}
	}
	if !md.IsDefined("lock-version") {
		return nil, &ParseError{Err: errors.New("lock-version is missing (not a pylock.toml?)")}
	}
	major, _, _ := strings.Cut(p.LockVersion, ".")
	if major != "1" {
		return nil, &ParseError{Err: fmt.Errorf("lock-version %q is not supported (this build reads 1.x)", p.LockVersion)}
	}
	if p.CreatedBy == "" {
		return nil, &ParseError{Err: errors.New("created-by is missing")}
	}
	if !md.IsDefined("packages") {
		return nil, &ParseError{Err: errors.New("packages is missing")}
	}
	for i := range p.Packages {
		p.Packages[i].normalize()
		if err := p.Packages[i].check(); err != nil {
			return nil, &ParseError{Err: fmt.Errorf("packages[%d] (%s): %w", i, p.Packages[i].Name, err)}
		}
	}
	return &p, nil
}

// normalize makes an empty hashes table nil, as the writer leaves it out.
func (pk *PylockPackage) normalize() {
	for _, f := range append([]*PylockFile{pk.Archive, pk.Sdist}, pointers(pk.Wheels)...) {
		if f != nil && len(f.Hashes) == 0 {
			f.Hashes = nil
		}
	}
}

func pointers(fs []PylockFile) []*PylockFile {
	out := make([]*PylockFile, len(fs))
	for i := range fs {
		out[i] = &fs[i]
	}
	return out
}

func (pk *PylockPackage) check() error {
	if pk.Name == "" {
		return errors.New("name is missing")
	}
	kinds := 0
	for _, set := range []bool{pk.VCS != nil, pk.Directory != nil, pk.Archive != nil, pk.Sdist != nil || len(pk.Wheels) > 0} {
		if set {
			kinds++
		}
	}
	switch {
	case kinds == 0:
		return errors.New("no source (vcs, directory, archive, sdist or wheels)")
	case kinds > 1:
		return errors.New("more than one kind of source (vcs, directory, archive, sdist/wheels)")
	}
	if (pk.Sdist != nil || len(pk.Wheels) > 0) && pk.Version == "" {
		return errors.New("version is missing (required for sdist and wheels)")
	}
	switch {
	case pk.VCS != nil:
		v := pk.VCS
		if v.Type == "" || (v.URL == "") == (v.Path == "") || v.CommitID == "" {
			return errors.New("vcs needs type, url or path (one), and commit-id")
		}
	case pk.Directory != nil:
		if pk.Directory.Path == "" {
			return errors.New("directory.path is missing")
		}
	case pk.Archive != nil:
		if err := pk.Archive.check(); err != nil {
			return fmt.Errorf("archive: %w", err)
		}
	default:
		if pk.Sdist != nil {
			if err := pk.Sdist.check(); err != nil {
				return fmt.Errorf("sdist: %w", err)
			}
		}
		for i := range pk.Wheels {
			if err := pk.Wheels[i].check(); err != nil {
				return fmt.Errorf("wheels[%d]: %w", i, err)
			}
			if !strings.HasSuffix(pk.Wheels[i].FileName(), ".whl") {
				return fmt.Errorf("wheels[%d]: %q is not a wheel file name", i, pk.Wheels[i].FileName())
			}
		}
	}
	return nil
}

func (f *PylockFile) check() error {
	if (f.URL == "") == (f.Path == "") {
		return errors.New("needs exactly one of url and path")
	}
	// The spec requires hashes, but uv writes wheels without them when
	// its index gives none (its PyTorch mirror, for one); they are read,
	// and installing by hash refuses them later.
	for alg, h := range f.Hashes {
		if alg == "" || h == "" {
			return fmt.Errorf("empty hash %q = %q", alg, h)
		}
	}
	if f.Size < 0 {
		return fmt.Errorf("negative size %d", f.Size)
	}
	return nil
}

// MarshalPylock writes p as canonical TOML: the spec's key order, one
// inline table per file (its name only when given), wheels one per line,
// packages in the order given,
// credentials in URLs replaced by ${VAR} placeholders (see
// [RedactChannelURL]). It fails on what [ParsePylock] would refuse, so
// that what it writes reads back.
func MarshalPylock(p *Pylock) ([]byte, error) {
	w := &tomlWriter{}
	lv := p.LockVersion
	if lv == "" {
		lv = PylockVersion
	}
	cb := p.CreatedBy
	if cb == "" {
		cb = PylockCreatedBy
	}
	w.kv("lock-version", w.str(lv))
	w.list("environments", p.Environments)
	if p.RequiresPython != "" {
		w.kv("requires-python", w.str(p.RequiresPython))
	}
	w.list("extras", p.Extras)
	w.list("dependency-groups", p.DependencyGroups)
	w.list("default-groups", p.DefaultGroups)
	w.kv("created-by", w.str(cb))
	if len(p.Packages) == 0 {
		w.kv("packages", "[]")
	}
	for i := range p.Packages {
		pk := &p.Packages[i]
		if err := pk.check(); err != nil {
			return nil, fmt.Errorf("encoding pylock.toml: packages[%d] (%s): %w", i, pk.Name, err)
		}
		w.b.WriteString("\n[[packages]]\n")
		w.kv("name", w.str(pk.Name))
		for _, f := range []struct{ k, v string }{{"version", pk.Version}, {"marker", pk.Marker}, {"requires-python", pk.RequiresPython}, {"index", redactURL(pk.Index)}} {
			if f.v != "" {
				w.kv(f.k, w.str(f.v))
			}
		}
		switch {
		case pk.VCS != nil:
			v := pk.VCS
			w.kv("vcs", w.inline([]kvPair{{"type", w.str(v.Type)}, {"url", w.strOpt(redactURL(v.URL))}, {"path", w.strOpt(v.Path)},
				{"requested-revision", w.strOpt(v.RequestedRevision)}, {"commit-id", w.str(v.CommitID)}, {"subdirectory", w.strOpt(v.Subdirectory)}}))
		case pk.Directory != nil:
			d := pk.Directory
			w.kv("directory", w.inline([]kvPair{{"path", w.str(d.Path)}, {"editable", strconv.FormatBool(d.Editable)}, {"subdirectory", w.strOpt(d.Subdirectory)}}))
		case pk.Archive != nil:
			w.kv("archive", w.file(pk.Archive, false))
		default:
			if pk.Sdist != nil {
				w.kv("sdist", w.file(pk.Sdist, true))
			}
			switch len(pk.Wheels) {
			case 0:
			case 1:
				w.kv("wheels", "["+w.file(&pk.Wheels[0], true)+"]")
			default:
				w.b.WriteString("wheels = [\n")
				for j := range pk.Wheels {
					w.b.WriteString("    " + w.file(&pk.Wheels[j], true) + ",\n")
				}
				w.b.WriteString("]\n")
			}
		}
	}
	if w.err != nil {
		return nil, fmt.Errorf("encoding pylock.toml: %w", w.err)
	}
	return []byte(w.b.String()), nil
}

type kvPair struct{ k, v string }

type tomlWriter struct {
	b   strings.Builder
	err error
}

func (w *tomlWriter) kv(k, v string) { w.b.WriteString(tomlKey(k) + " = " + v + "\n") }

func (w *tomlWriter) list(k string, items []string) {
	if len(items) == 0 {
		return
	}
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = w.str(s)
	}
	w.kv(k, "["+strings.Join(q, ", ")+"]")
}

// strOpt is str for optional values: "" for an empty string, which inline
// leaves out.
func (w *tomlWriter) strOpt(s string) string {
	if s == "" {
		return ""
	}
	return w.str(s)
}

func (w *tomlWriter) inline(pairs []kvPair) string {
	var parts []string
	for _, p := range pairs {
		if p.v != "" {
			parts = append(parts, tomlKey(p.k)+" = "+p.v)
		}
	}
	return "{ " + strings.Join(parts, ", ") + " }"
}

// file writes an archive, sdist or wheel.
func (w *tomlWriter) file(f *PylockFile, withName bool) string {
	name := ""
	if withName {
		name = w.strOpt(f.Name)
	}
	up := ""
	if !f.UploadTime.IsZero() {
		up = f.UploadTime.UTC().Format("2006-01-02T15:04:05.999999Z07:00")
	}
	size := ""
	if f.Size > 0 {
		size = strconv.FormatInt(f.Size, 10)
	}
	algs := make([]string, 0, len(f.Hashes))
	for a := range f.Hashes {
		algs = append(algs, a)
	}
	sort.Strings(algs)
	var hp []kvPair
	for _, a := range algs {
		hp = append(hp, kvPair{a, w.str(f.Hashes[a])})
	}
	hashes := ""
	if len(hp) > 0 {
		hashes = w.inline(hp)
	}
	return w.inline([]kvPair{{"name", name}, {"url", w.strOpt(redactURL(f.URL))}, {"path", w.strOpt(f.Path)},
		{"upload-time", up}, {"size", size}, {"hashes", hashes}, {"subdirectory", w.strOpt(f.Subdirectory)}})
}

// str quotes s as a TOML basic string.
func (w *tomlWriter) str(s string) string {
	if !utf8.ValidString(s) {
		if w.err == nil {
			w.err = fmt.Errorf("string %q is not valid UTF-8", s)
		}
		return `""`
	}
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\u%04X`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

var bareKey = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

func tomlKey(k string) string {
	if bareKey.MatchString(k) {
		return k
	}
	return (&tomlWriter{}).str(k)
}

// NormalizePythonName is PEP 503's normalized form of a distribution name:
// lower case, with runs of "-", "_" and "." made one "-".
func NormalizePythonName(name string) string {
	var b strings.Builder
	sep := false
	for _, r := range strings.ToLower(name) {
		if r == '-' || r == '_' || r == '.' {
			sep = true
			continue
		}
		if sep && b.Len() > 0 {
			b.WriteByte('-')
		}
		sep = false
		b.WriteRune(r)
	}
	return b.String()
}

// PylockFromLock returns the pip packages of platform as a pylock.toml,
// sorted by name. requires-python is the locked python's minor version
// ("==3.10.*") when the lock has python for platform. A package without a
// hash cannot be expressed (the spec requires hashes) and is left out;
// each one left out gets a warning.
func PylockFromLock(l *Lock, platform conda.Platform) (*Pylock, []string) {
	p := &Pylock{LockVersion: PylockVersion, CreatedBy: PylockCreatedBy}
	for _, pkg := range l.Packages[platform] {
		if pkg.Name == "python" {
			parts := strings.SplitN(pkg.Version.String(), ".", 3)
			if len(parts) >= 2 {
				p.RequiresPython = "==" + parts[0] + "." + parts[1] + ".*"
			}
		}
	}
	var warns []string
	pkgs := append([]*PyPIPackage(nil), l.PyPI[platform]...)
	sortPyPI(pkgs)
	for _, pp := range pkgs {
		pk := PylockPackage{
			Name:           NormalizePythonName(pp.Name),
			Version:        pp.Version,
			Marker:         pp.Marker,
			RequiresPython: pp.RequiresPython,
			Index:          pp.Index,
		}
		loc, isPath := pp.URL, false
		if strings.HasPrefix(loc, "file://") {
			loc, isPath = strings.TrimPrefix(loc, "file://"), true
		} else if !strings.Contains(loc, "://") {
			isPath = true
		}
		hashes := map[string]string{}
		if pp.SHA256 != "" {
			hashes["sha256"] = pp.SHA256
		}
		if pp.MD5 != "" {
			hashes["md5"] = pp.MD5
		}
		f := PylockFile{Hashes: hashes}
		if isPath {
			f.Path = loc
		} else {
			f.URL = loc
		}
		base := strings.ToLower(f.FileName())
		switch {
		case pp.Editable || (isPath && !isArchiveName(base)):
			pk.Directory = &PylockDirectory{Path: loc, Editable: pp.Editable}
		case len(hashes) == 0:
			warns = append(warns, fmt.Sprintf("pylock.toml: %s %s is left out: it has no hash, and pylock.toml requires one (%s)", pp.Name, pp.Version, redactURL(pp.URL)))
			continue
		case strings.HasSuffix(base, ".whl") && pk.Version != "":
			pk.Wheels = []PylockFile{f}
		case isArchiveName(base) && pk.Version != "" && !isPath:
			pk.Sdist = &f
		default:
			pk.Archive = &f
		}
		p.Packages = append(p.Packages, pk)
	}
	return p, warns
}

func isArchiveName(base string) bool {
	for _, ext := range []string{".whl", ".tar.gz", ".zip", ".tar.bz2", ".tgz", ".tar"} {
		if strings.HasSuffix(base, ext) {
			return true
		}
	}
	return false
}

// universalWheel matches wheels that install on any platform.
var universalWheel = regexp.MustCompile(`-(py[0-9.]*|py2\.py3)-none-any\.whl$`)

// PyPIPackages returns p's packages in the lock's form, one distribution
// each: the archive or directory; else the only wheel; else a universal
// wheel; else the sdist. A package whose wheels are all
// platform-specific (a multi-platform lock) and that has no sdist cannot
// be reduced to one file without knowing the target's tags; it is listed
// in skipped instead. VCS packages are skipped too (they must be built).
func (p *Pylock) PyPIPackages() (pkgs []*PyPIPackage, skipped []string) {
	for i := range p.Packages {
		pk := &p.Packages[i]
		out := &PyPIPackage{Name: pk.Name, Version: pk.Version, RequiresPython: pk.RequiresPython, Marker: pk.Marker, Index: pk.Index}
		var f *PylockFile
		switch {
		case pk.VCS != nil:
			skipped = append(skipped, fmt.Sprintf("pylock.toml: %s is a %s checkout, which must be built", pk.Name, pk.VCS.Type))
			continue
		case pk.Directory != nil:
			out.URL = pk.Directory.Path
			out.Editable = pk.Directory.Editable
		case pk.Archive != nil:
			f = pk.Archive
		case len(pk.Wheels) == 1:
			f = &pk.Wheels[0]
		default:
			for j := range pk.Wheels {
				if universalWheel.MatchString(pk.Wheels[j].FileName()) {
					f = &pk.Wheels[j]
					break
				}
			}
			if f == nil {
				f = pk.Sdist
			}
			if f == nil {
				skipped = append(skipped, fmt.Sprintf("pylock.toml: %s %s has %d platform wheels and no sdist; choosing one needs the target's wheel tags", pk.Name, pk.Version, len(pk.Wheels)))
				continue
			}
		}
		if f != nil {
			out.URL = f.URL
			if out.URL == "" {
				out.URL = "file://" + f.Path
				if !strings.HasPrefix(f.Path, "/") {
					out.URL = f.Path
				}
			}
			out.SHA256 = f.Hashes["sha256"]
			out.MD5 = f.Hashes["md5"]
		}
		pkgs = append(pkgs, out)
	}
	return pkgs, skipped
}

// ParsePylockLock reads a pylock.toml as a lock holding only pip packages,
// for platform (pylock.toml does not name one). What cannot be reduced to
// one file per package is listed in the lock's Skipped.
func ParsePylockLock(data []byte, platform conda.Platform) (*Lock, error) {
	p, err := ParsePylock(data)
	if err != nil {
		return nil, err
	}
	if platform == "" {
		platform = conda.HostPlatform()
	}
	l := New()
	l.Metadata.Platforms = []conda.Platform{platform}
	pkgs, skipped := p.PyPIPackages()
	l.Skipped = skipped
	if len(pkgs) > 0 {
		l.PyPI = map[conda.Platform][]*PyPIPackage{platform: pkgs}
	}
	return l, nil
}

// InstallSet returns p's packages as [Pylock.PyPIPackages] does, for
// installing exactly these files by hash: it fails, naming the packages,
// when one cannot be reduced to a single file or has no sha256.
// Directories (editable or not) carry no hash and are allowed.
func (p *Pylock) InstallSet() ([]*PyPIPackage, error) {
	pkgs, skipped := p.PyPIPackages()
	var problems []string
	problems = append(problems, skipped...)
	for _, pp := range pkgs {
		if pp.SHA256 == "" && !isDirectoryPackage(p, pp.Name) {
			problems = append(problems, fmt.Sprintf("pylock.toml: %s %s has no sha256 hash", pp.Name, pp.Version))
		}
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("cannot install exactly by hash:\n  %s", strings.Join(problems, "\n  "))
	}
	return pkgs, nil
}

func isDirectoryPackage(p *Pylock, name string) bool {
	for i := range p.Packages {
		if p.Packages[i].Name == name && p.Packages[i].Directory != nil {
			return true
		}
	}
	return false
}
