package prefix

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/envseal/envseal/conda"
)

// LinkType is conda's link type as recorded in conda-meta ("link.type").
type LinkType int

// Link types (conda's LinkType enum).
const (
	LinkHardlink  LinkType = 1
	LinkSoftlink  LinkType = 2
	LinkCopy      LinkType = 3
	LinkDirectory LinkType = 4
)

// UnmarshalJSON accepts the number conda writes and the names older
// versions wrote ("hard-link", "softlink", "copy", …).
func (t *LinkType) UnmarshalJSON(b []byte) error {
	var n int
	if err := json.Unmarshal(b, &n); err == nil {
		*t = LinkType(n)
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("link type: %s is neither a number nor a string", b)
	}
	switch strings.ReplaceAll(strings.ToLower(s), "-", "") {
	case "hardlink", "1":
		*t = LinkHardlink
	case "softlink", "2":
		*t = LinkSoftlink
	case "copy", "3":
		*t = LinkCopy
	case "directory", "4":
		*t = LinkDirectory
	default:
		return fmt.Errorf("link type: unknown %q", s)
	}
	return nil
}

// LinkInfo is the "link" object of a conda-meta record.
type LinkInfo struct {
	// Source is the extracted package directory the files came from.
	Source string `json:"source"`
	// Type is how they were linked.
	Type LinkType `json:"type"`
}

// InstalledRecord is a package installed in a prefix: the contents of one
// conda-meta/<name>-<version>-<build>.json (conda's PrefixRecord).
type InstalledRecord struct {
	conda.Record
	// Files are the prefix-relative paths the package put into the
	// prefix, slash-separated.
	Files []string
	// PathsData describes each of them (paths_data.paths).
	PathsData []PathEntry
	// Link says where the files came from and how they were linked.
	Link LinkInfo
	// RequestedSpec is the user's spec that selected the package, if any.
	RequestedSpec string
	// ExtractedPackageDir and PackageTarballFullPath locate the package
	// in the package cache.
	ExtractedPackageDir    string
	PackageTarballFullPath string
}

// metaExtras are the fields of a conda-meta record beyond the repodata
// record.
type metaExtras struct {
	Files                  []string   `json:"files"`
	PathsData              *pathsJSON `json:"paths_data"`
	Link                   *LinkInfo  `json:"link"`
	RequestedSpec          *string    `json:"requested_spec"`
	ExtractedPackageDir    *string    `json:"extracted_package_dir"`
	PackageTarballFullPath *string    `json:"package_tarball_full_path"`
}

// UnmarshalJSON decodes a conda-meta record. The record fields are decoded
// by [conda.Record.UnmarshalJSON]; unknown keys are ignored.
func (r *InstalledRecord) UnmarshalJSON(data []byte) error {
	*r = InstalledRecord{}
	if err := r.Record.UnmarshalJSON(data); err != nil {
		return err
	}
	var x metaExtras
	if err := json.Unmarshal(data, &x); err != nil {
		return fmt.Errorf("decoding record %q: %w", r.Name, err)
	}
	r.Files = x.Files
	if x.PathsData != nil {
		r.PathsData = x.PathsData.Paths
	}
	if x.Link != nil {
		r.Link = *x.Link
	}
	r.RequestedSpec = deref(x.RequestedSpec)
	r.ExtractedPackageDir = deref(x.ExtractedPackageDir)
	r.PackageTarballFullPath = deref(x.PackageTarballFullPath)
	return nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// MarshalJSON encodes r as conda writes conda-meta records: keys sorted,
// two-space indentation, the record's fields (url stripped of credentials)
// plus files, paths_data, link, requested_spec, extracted_package_dir and
// package_tarball_full_path. depends and constrains are always present.
func (r *InstalledRecord) MarshalJSON() ([]byte, error) {
	rec := r.Record
	rec.URL = redactURL(rec.URL)
	var m map[string]json.RawMessage
	if err := json.Unmarshal(rec.AppendJSON(nil), &m); err != nil {
		return nil, fmt.Errorf("encoding record %q: %w", r.Name, err)
	}
	put := func(k string, v any) {
		b, err := json.Marshal(v)
		if err != nil {
			panic(err) // plain strings, slices and structs
		}
		m[k] = b
	}
	if _, ok := m["constrains"]; !ok {
		put("constrains", []string{})
	}
	files := r.Files
	if files == nil {
		files = []string{}
	}
	put("files", files)
	paths := r.PathsData
	if paths == nil {
		paths = []PathEntry{}
	}
	put("paths_data", pathsJSON{Paths: paths, PathsVersion: 1})
	put("link", r.Link)
	put("requested_spec", r.RequestedSpec)
	put("extracted_package_dir", r.ExtractedPackageDir)
	put("package_tarball_full_path", r.PackageTarballFullPath)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(m); err != nil {
		return nil, fmt.Errorf("encoding record %q: %w", r.Name, err)
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// MetaFileName returns the conda-meta file name of the package:
// "<name>-<version>-<build>.json".
func (r *InstalledRecord) MetaFileName() string { return r.DistName() + ".json" }

var (
	reURLUserinfo = regexp.MustCompile(`^([a-zA-Z][a-zA-Z0-9+.-]*://)[^/@]*@`)
	reURLToken    = regexp.MustCompile(`/t/[^/]+/`)
)

// redactURL removes user:password@ from u and masks an anaconda.org token
// (/t/<TOKEN>/), as conda does before writing a URL to conda-meta.
func redactURL(u string) string {
	u = reURLUserinfo.ReplaceAllString(u, "$1")
	return reURLToken.ReplaceAllString(u, "/t/<TOKEN>/")
}

// ErrNotEnvironment is wrapped by [ReadPrefix] when the directory has no
// conda-meta directory.
var ErrNotEnvironment = errors.New("not a conda environment")

// MetaError is a conda-meta file [ReadPrefix] skipped.
type MetaError struct {
	// File is the path of the skipped file.
	File string
	// Err says why.
	Err error
}

// Error names the file.
func (e *MetaError) Error() string { return fmt.Sprintf("conda-meta record %s: %v", e.File, e.Err) }

// Unwrap returns the cause.
func (e *MetaError) Unwrap() error { return e.Err }

// PrefixData is what [ReadPrefix] read from a prefix's conda-meta.
type PrefixData struct {
	// Prefix is the environment directory.
	Prefix string
	// Records are the installed packages, sorted by name.
	Records []*InstalledRecord
	// Problems are the conda-meta files that were skipped (corrupt JSON,
	// invalid UTF-8, a name that does not match the record, macOS "._"
	// files). conda fails or warns on them; envseal reports and goes on.
	Problems []*MetaError
	// History holds the revisions of conda-meta/history (nil without one).
	History []Revision
	// Variables are the env_vars of conda-meta/state.
	Variables []Variable
}

// Record returns the installed record named name, or nil.
func (d *PrefixData) Record(name string) *InstalledRecord {
	for _, r := range d.Records {
		if r.Name == name {
			return r
		}
	}
	return nil
}

// Err joins Problems into one error (nil when there are none).
func (d *PrefixData) Err() error {
	errs := make([]error, len(d.Problems))
	for i, p := range d.Problems {
		errs[i] = p
	}
	return errors.Join(errs...)
}

// RequestedSpecs returns the specs the user asked for over the history of
// the environment (for `export --from-history`), computed as conda does:
// update specs add or replace a name, remove specs drop it, and names no
// longer installed are left out. Sorted by name.
func (d *PrefixData) RequestedSpecs() []string {
	installed := make(map[string]bool, len(d.Records))
	for _, r := range d.Records {
		installed[r.Name] = true
	}
	return requestedSpecs(d.History, installed)
}

// readMetaRecord reads and checks one conda-meta JSON file.
func readMetaRecord(name string) (*InstalledRecord, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	if !utf8.Valid(data) {
		return nil, errors.New("not UTF-8 text (corrupt file)")
	}
	r := new(InstalledRecord)
	if err := r.UnmarshalJSON(data); err != nil {
		return nil, err
	}
	if base := filepath.Base(name); base != r.MetaFileName() {
		return nil, fmt.Errorf("file name does not match the record %s", r.DistName())
	}
	return r, nil
}

// ReadPrefix reads the conda-meta directory of prefix: every record, the
// history and the state file. Records that cannot be read are reported in
// PrefixData.Problems, not as an error. The error (wrapping
// [ErrNotEnvironment] when conda-meta is absent) is for a prefix that
// cannot be read at all, or an unreadable history or state file.
func ReadPrefix(ctx context.Context, prefix string) (*PrefixData, error) {
	dir := filepath.Join(prefix, "conda-meta")
	ents, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("reading prefix %s: %w", prefix, ErrNotEnvironment)
	}
	if err != nil {
		return nil, fmt.Errorf("reading prefix %s: %w", prefix, err)
	}
	d := &PrefixData{Prefix: prefix}
	byName := map[string]*InstalledRecord{}
	for _, e := range ents {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		n := e.Name()
		if !strings.HasSuffix(n, ".json") || e.IsDir() || strings.HasPrefix(n, ".envseal") {
			continue
		}
		file := filepath.Join(dir, n)
		if strings.HasPrefix(n, "._") {
			d.Problems = append(d.Problems, &MetaError{File: file, Err: errors.New("macOS resource fork file, ignored")})
			continue
		}
		r, err := readMetaRecord(file)
		if err != nil {
			d.Problems = append(d.Problems, &MetaError{File: file, Err: err})
			continue
		}
		if old, ok := byName[r.Name]; ok {
			d.Problems = append(d.Problems, &MetaError{File: file,
				Err: fmt.Errorf("second record for %s (also %s), ignored", r.Name, old.MetaFileName())})
			continue
		}
		byName[r.Name] = r
		d.Records = append(d.Records, r)
	}
	slices.SortFunc(d.Records, func(a, b *InstalledRecord) int { return strings.Compare(a.Name, b.Name) })
	if d.History, err = ReadHistory(filepath.Join(dir, "history")); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	if d.Variables, err = ReadState(filepath.Join(dir, "state")); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	return d, nil
}

// unsetVar is conda's marker for a variable removed with
// `conda env config vars unset`.
const unsetVar = "***unset***"

// ReadState reads the env_vars of a conda-meta/state file in file order,
// leaving out variables conda marks as unset. Errors name the file and
// wrap fs.ErrNotExist when it is absent.
func ReadState(name string) ([]Variable, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	vars, err := parseStateVars(data)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	return vars, nil
}

func parseStateVars(data []byte) ([]Variable, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, err
	}
	raw, ok := top["env_vars"]
	if !ok || string(raw) == "null" {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, errors.New("env_vars is not an object")
	}
	var vars []Variable
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, err
		}
		var v any
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		val, ok := v.(string)
		if !ok {
			b, _ := json.Marshal(v)
			val = string(b)
		}
		if val == unsetVar {
			continue
		}
		vars = append(vars, Variable{Name: t.(string), Value: val})
	}
	return vars, nil
}

// formatState returns a conda-meta/state file holding vars (conda's
// json.dumps layout), keeping the other keys of old (a previous state file,
// may be nil).
func formatState(old []byte, vars []Variable) []byte {
	var b bytes.Buffer
	b.WriteString("{")
	var top map[string]json.RawMessage
	_ = json.Unmarshal(old, &top)
	keys := make([]string, 0, len(top))
	for k := range top {
		if k != "env_vars" {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		var c bytes.Buffer
		if json.Compact(&c, top[k]) != nil {
			continue
		}
		b.Write(jsonString(k))
		b.WriteString(": ")
		b.Write(c.Bytes())
		b.WriteString(", ")
	}
	b.WriteString(`"env_vars": {`)
	for i, v := range vars {
		if i > 0 {
			b.WriteString(", ")
		}
		b.Write(jsonString(v.Name))
		b.WriteString(": ")
		b.Write(jsonString(v.Value))
	}
	b.WriteString("}}")
	return b.Bytes()
}

func jsonString(s string) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return bytes.TrimRight(b.Bytes(), "\n")
}
