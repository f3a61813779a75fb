package conda

// This file pins the API that other packages code against while the
// implementations are written. Each stub is replaced by its real
// implementation in its own file; delete the stub when you do.

import "errors"

var errNotImplemented = errors.New("not implemented")

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
