package conda

// This file pins the API that other packages code against while the
// implementations are written. Each stub is replaced by its real
// implementation in its own file; delete the stub when you do.

import "errors"

var errNotImplemented = errors.New("not implemented")

// ---- version.go ----

// Version is a parsed conda version. The zero value is not a valid version.
// Versions are immutable and safe to share between goroutines.
type Version struct {
	raw string
}

// ParseVersion parses s with conda's rules; the error quotes s.
func ParseVersion(s string) (Version, error) { return Version{raw: s}, errNotImplemented }

// String returns the version as written (trimmed of surrounding space).
func (v Version) String() string { return v.raw }

// Compare orders v against w as conda's VersionOrder does: -1, 0 or +1.
func (v Version) Compare(w Version) int { panic("not implemented") }

// StartsWith reports whether v starts with prefix component-wise, as conda's
// VersionOrder.startswith (used by "1.2.*" and "=1.2").
func (v Version) StartsWith(prefix Version) bool { panic("not implemented") }

// ---- versionspec.go ----

// VersionSpec is a parsed conda version constraint such as ">=1.2,<2|3.*".
type VersionSpec struct {
	raw string
}

// ParseVersionSpec parses s; the error quotes s.
func ParseVersionSpec(s string) (VersionSpec, error) { return VersionSpec{raw: s}, errNotImplemented }

// Match reports whether v satisfies the spec.
func (s VersionSpec) Match(v Version) bool { panic("not implemented") }

// String returns the canonical text of the spec.
func (s VersionSpec) String() string { return s.raw }

// ---- matchspec.go ----

// MatchSpec is a parsed conda match specification ("numpy >=1.24 py311*",
// "conda-forge::python=3.10", "pkg[build_number=3]").
type MatchSpec struct {
	Name string // "" or "*" matches any name
}

// ParseMatchSpec parses s; the error quotes s.
func ParseMatchSpec(s string) (MatchSpec, error) { return MatchSpec{Name: s}, errNotImplemented }

// Match reports whether r satisfies every field of m.
func (m MatchSpec) Match(r *Record) bool { panic("not implemented") }

// String returns conda's canonical form of m.
func (m MatchSpec) String() string { return m.Name }
