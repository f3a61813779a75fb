package prefix

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// PathType is the kind of one package path, as written in info/paths.json
// and in the paths_data of conda-meta records.
type PathType string

// Path types used by conda. PathPyc and PathEntryPoint are only written to
// conda-meta (they are generated while linking, never shipped).
const (
	PathHardlink   PathType = "hardlink"
	PathSoftlink   PathType = "softlink"
	PathDirectory  PathType = "directory"
	PathPyc        PathType = "pyc_file"
	PathEntryPoint PathType = "unix_python_entry_point"
)

// FileMode says how a prefix placeholder is replaced: FileModeText replaces
// every occurrence, FileModeBinary rewrites NUL-terminated C strings and
// keeps the file length.
type FileMode string

// File modes of paths.json.
const (
	FileModeText   FileMode = "text"
	FileModeBinary FileMode = "binary"
)

// DefaultPlaceholder is the prefix placeholder of old packages whose
// info/has_prefix lines name only a path.
const DefaultPlaceholder = "/opt/anaconda1anaconda2anaconda3"

// PathEntry is one entry of info/paths.json or of a conda-meta record's
// paths_data. Path is relative to the package (in paths.json) or to the
// prefix (in conda-meta), always with forward slashes.
type PathEntry struct {
	// Fields in key order, so that encoding/json writes conda's
	// sort_keys layout.
	Path string `json:"_path"`
	// LinkedMtime and LinkedSize are envseal's own additions to a
	// conda-meta record's paths_data: the file's modification time (Unix
	// nanoseconds) and size right after linking, so that [Verify] skips
	// hashing a file that has not been touched since. conda ignores them;
	// records without them are hashed.
	LinkedMtime       int64    `json:"envseal_mtime_ns,omitempty"`
	LinkedSize        int64    `json:"envseal_size,omitempty"`
	FileMode          FileMode `json:"file_mode,omitempty"`
	NoLink            bool     `json:"no_link,omitempty"`
	PathType          PathType `json:"path_type"`
	PrefixPlaceholder string   `json:"prefix_placeholder,omitempty"`
	SHA256            string   `json:"sha256,omitempty"`
	SHA256InPrefix    string   `json:"sha256_in_prefix,omitempty"`
	Size              int64    `json:"size_in_bytes,omitempty"`
}

// pathsJSON is the shape of info/paths.json and of paths_data.
type pathsJSON struct {
	Paths        []PathEntry `json:"paths"`
	PathsVersion int         `json:"paths_version"`
}

// ErrUnsafePath is wrapped by errors about package paths that are absolute,
// contain "..", or would otherwise land outside the prefix.
var ErrUnsafePath = errors.New("unsafe path")

// checkRelPath reports whether p is a clean, relative, slash-separated path
// that stays inside the directory it is relative to and is not one of the
// files the prefix machinery owns.
func checkRelPath(p string) error {
	switch {
	case p == "" || p == ".":
		return fmt.Errorf("%w: empty path", ErrUnsafePath)
	case strings.ContainsAny(p, "\x00\\"):
		return fmt.Errorf("%w: %q contains a NUL or backslash", ErrUnsafePath, p)
	case strings.HasPrefix(p, "/") || filepath.IsAbs(p):
		return fmt.Errorf("%w: %q is absolute", ErrUnsafePath, p)
	case path.Clean(p) != p || !filepath.IsLocal(filepath.FromSlash(p)):
		return fmt.Errorf("%w: %q is not a clean relative path", ErrUnsafePath, p)
	}
	first, _, _ := strings.Cut(p, "/")
	if first == "conda-meta" || strings.HasPrefix(first, ".envseal-") {
		return fmt.Errorf("%w: %q is reserved for the environment's metadata", ErrUnsafePath, p)
	}
	return nil
}

// ReadPaths returns the paths of the extracted package in dir: the entries
// of info/paths.json, or, for old packages without it, entries built from
// info/files, info/has_prefix and info/no_link (path types taken from the
// extracted files). Every path is checked to be a clean relative path that
// stays inside the prefix; errors name the file and wrap [ErrUnsafePath]
// for unsafe paths. The returned slice is fresh.
func ReadPaths(dir string) ([]PathEntry, error) {
	name := filepath.Join(dir, "info", "paths.json")
	data, err := os.ReadFile(name)
	if errors.Is(err, fs.ErrNotExist) {
		return readLegacyPaths(dir)
	}
	if err != nil {
		return nil, fmt.Errorf("reading package paths: %w", err)
	}
	paths, err := ParsePathsJSON(data)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	return paths, nil
}

// ParsePathsJSON parses the text of an info/paths.json file and checks
// every entry as [ReadPaths] does. A missing path_type means hardlink and
// a missing file_mode of an entry with a placeholder means text.
func ParsePathsJSON(data []byte) ([]PathEntry, error) {
	var pj pathsJSON
	if err := json.Unmarshal(data, &pj); err != nil {
		return nil, err
	}
	seen := make(map[string]bool, len(pj.Paths))
	for i := range pj.Paths {
		e := &pj.Paths[i]
		if err := checkRelPath(e.Path); err != nil {
			return nil, err
		}
		if seen[e.Path] {
			return nil, fmt.Errorf("duplicate path %q", e.Path)
		}
		seen[e.Path] = true
		switch e.PathType {
		case PathHardlink, PathSoftlink, PathDirectory:
		case "":
			e.PathType = PathHardlink
		default:
			return nil, fmt.Errorf("path %q: unknown path_type %q", e.Path, e.PathType)
		}
		if e.PrefixPlaceholder != "" {
			switch e.FileMode {
			case "":
				e.FileMode = FileModeText
			case FileModeText, FileModeBinary:
			default:
				return nil, fmt.Errorf("path %q: unknown file_mode %q", e.Path, e.FileMode)
			}
		}
	}
	if pj.Paths == nil {
		pj.Paths = []PathEntry{}
	}
	return pj.Paths, nil
}

// readLegacyPaths builds path entries from info/files, info/has_prefix and
// info/no_link.
func readLegacyPaths(dir string) ([]PathEntry, error) {
	filesName := filepath.Join(dir, "info", "files")
	files, err := readLines(filesName)
	if err != nil {
		return nil, fmt.Errorf("reading package paths: neither info/paths.json nor info/files: %w", err)
	}
	prefixes := map[string]PathEntry{}
	hasPrefix := filepath.Join(dir, "info", "has_prefix")
	lines, err := readLines(hasPrefix)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("reading package paths: %w", err)
	}
	for _, l := range lines {
		ph, mode, p, err := parseHasPrefixLine(l)
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", hasPrefix, err)
		}
		prefixes[p] = PathEntry{PrefixPlaceholder: ph, FileMode: mode}
	}
	noLink := map[string]bool{}
	noLinkName := filepath.Join(dir, "info", "no_link")
	lines, err = readLines(noLinkName)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("reading package paths: %w", err)
	}
	for _, l := range lines {
		noLink[l] = true
	}
	out := make([]PathEntry, 0, len(files))
	seen := make(map[string]bool, len(files))
	for _, p := range files {
		if err := checkRelPath(p); err != nil {
			return nil, fmt.Errorf("reading %s: %w", filesName, err)
		}
		if seen[p] {
			continue
		}
		seen[p] = true
		e := PathEntry{Path: p, PathType: PathHardlink, NoLink: noLink[p]}
		if st, err := os.Lstat(filepath.Join(dir, filepath.FromSlash(p))); err == nil {
			switch {
			case st.Mode()&fs.ModeSymlink != 0:
				e.PathType = PathSoftlink
			case st.IsDir():
				e.PathType = PathDirectory
			default:
				e.Size = st.Size()
			}
		}
		if hp, ok := prefixes[p]; ok {
			e.PrefixPlaceholder, e.FileMode = hp.PrefixPlaceholder, hp.FileMode
		}
		out = append(out, e)
	}
	return out, nil
}

// parseHasPrefixLine parses one info/has_prefix line: either a path alone
// (default placeholder, text mode) or `placeholder mode path`, where each
// field may be double-quoted.
func parseHasPrefixLine(l string) (placeholder string, mode FileMode, p string, err error) {
	fields, err := splitQuoted(l)
	if err != nil {
		return "", "", "", err
	}
	switch len(fields) {
	case 1:
		return DefaultPlaceholder, FileModeText, fields[0], nil
	case 3:
		mode = FileMode(fields[1])
		if mode != FileModeText && mode != FileModeBinary {
			return "", "", "", fmt.Errorf("has_prefix line %q: unknown mode %q", l, fields[1])
		}
		return fields[0], mode, fields[2], nil
	}
	return "", "", "", fmt.Errorf("has_prefix line %q: want 1 or 3 fields", l)
}

// splitQuoted splits s on spaces, keeping double-quoted fields together.
func splitQuoted(s string) ([]string, error) {
	var out []string
	for s = strings.TrimSpace(s); s != ""; s = strings.TrimLeft(s, " \t") {
		if s[0] == '"' {
			end := strings.IndexByte(s[1:], '"')
			if end < 0 {
				return nil, fmt.Errorf("unterminated quote in %q", s)
			}
			out = append(out, s[1:1+end])
			s = s[end+2:]
			continue
		}
		end := strings.IndexAny(s, " \t")
		if end < 0 {
			end = len(s)
		}
		out = append(out, s[:end])
		s = s[end:]
	}
	return out, nil
}

// readLines returns the non-empty lines of a text file, trimmed of
// trailing white space and carriage returns.
func readLines(name string) ([]string, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		if l := strings.TrimRight(sc.Text(), " \t\r"); l != "" {
			out = append(out, l)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	return out, nil
}

// linkJSON is info/link.json.
type linkJSON struct {
	Noarch struct {
		Type        string   `json:"type"`
		EntryPoints []string `json:"entry_points"`
	} `json:"noarch"`
}

// readLinkJSON reads info/link.json of the package in dir; a missing file
// gives a zero value.
func readLinkJSON(dir string) (linkJSON, error) {
	var lj linkJSON
	name := filepath.Join(dir, "info", "link.json")
	data, err := os.ReadFile(name)
	if errors.Is(err, fs.ErrNotExist) {
		return lj, nil
	}
	if err != nil {
		return lj, fmt.Errorf("reading link.json: %w", err)
	}
	if err := json.Unmarshal(data, &lj); err != nil {
		return lj, fmt.Errorf("reading %s: %w", name, err)
	}
	return lj, nil
}
