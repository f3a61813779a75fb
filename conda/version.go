package conda

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
)

// ErrInvalidVersion is wrapped by every error [ParseVersion] returns, so
// callers can test for it with errors.Is.
var ErrInvalidVersion = errors.New("invalid version")

// parseError is the error type of [ParseVersion] and [ParseVersionSpec]:
// "<kind> <quoted input>: <reason>". It unwraps to its kind sentinel and,
// when present, to the error that caused it.
type parseError struct {
	kind   error
	input  string
	reason string
	cause  error
}

func (e *parseError) Error() string {
	msg := e.reason
	if e.cause != nil {
		if msg != "" {
			msg += ": "
		}
		msg += e.cause.Error()
	}
	return fmt.Sprintf("%v %q: %s", e.kind, e.input, msg)
}

func (e *parseError) Unwrap() []error {
	if e.cause != nil {
		return []error{e.kind, e.cause}
	}
	return []error{e.kind}
}

func versionError(input, reason string) error {
	return &parseError{kind: ErrInvalidVersion, input: input, reason: reason}
}

// Version is a parsed conda version, ordered as conda's VersionOrder orders
// versions (conda/models/version.py).
//
// A version is split into an epoch ("N!", default 0), the main version and
// an optional local version (after "+"). Both parts are split into
// components at "." and "_", and each component into runs of digits, runs
// of "*" and runs of other characters. A component that does not start
// with a digit gets an implicit 0 in front, so "1.1.a1" equals "1.1.0a1".
// Comparison is lexicographic, component by component and element by
// element, with missing elements read as 0 (so "1.1" equals "1.1.0"), where
// strings sort before numbers, "dev" sorts before every other string, and
// "post" sorts after every number. Numbers of any length compare
// numerically. Case is ignored.
//
// The zero Version is not a valid version: it reports IsZero, prints as "",
// sorts before every valid version and equals only another zero Version.
// Versions are immutable and safe to share between goroutines. Compare two
// versions with [Version.Compare] or [Version.Equal], never with ==.
type Version struct {
	d *versionData
}

// versionData is the parsed form of a version. Strings in atoms point into
// norm, so a parse costs three allocations plus one for a lower-cased copy.
type versionData struct {
	raw   string // as written, trimmed
	norm  string // conda's normalized form
	main  seq    // epoch component followed by the main version components
	local seq    // local version components; empty without "+"
}

// seq is a list of components stored flat: component i is
// atoms[ends[i-1]:ends[i]].
type seq struct {
	atoms []atom
	ends  []int32
}

func (s seq) len() int { return len(s.ends) }

// comp returns component i, or nil when i is past the end (conda's fill
// value for a missing component is an empty list).
func (s seq) comp(i int) []atom {
	if i >= len(s.ends) {
		return nil
	}
	start := int32(0)
	if i > 0 {
		start = s.ends[i-1]
	}
	return s.atoms[start:s.ends[i]]
}

// Atom kinds, numbered in the order conda sorts values of different kinds:
// strings < numbers < numbers too large for uint64 < "post".
const (
	atomStr  uint8 = iota // s holds the string ("dev" is stored as "DEV")
	atomNum               // n holds the number
	atomBig               // s holds the decimal digits, no leading zeros, > MaxUint64
	atomPost              // "post", conda's float('inf')
)

// atom is one element of a version component.
type atom struct {
	s    string
	n    uint64
	kind uint8
}

// fillAtom is conda's fill value for a missing element: the integer 0.
var fillAtom = atom{kind: atomNum}

// devString is how conda stores "dev": upper case, so that it sorts before
// "_" and every lower-case string, but after "*".
const devString = "DEV"

func compareAtom(a, b atom) int {
	if a.kind != b.kind {
		if a.kind < b.kind {
			return -1
		}
		return 1
	}
	switch a.kind {
	case atomNum:
		switch {
		case a.n < b.n:
			return -1
		case a.n > b.n:
			return 1
		}
		return 0
	case atomBig:
		if len(a.s) != len(b.s) {
			if len(a.s) < len(b.s) {
				return -1
			}
			return 1
		}
		return strings.Compare(a.s, b.s)
	case atomStr:
		return strings.Compare(a.s, b.s)
	}
	return 0 // post == post
}

// compareComp compares two components element by element, reading missing
// elements as 0.
func compareComp(x, y []atom) int {
	n := max(len(x), len(y))
	zero := fillAtom
	for j := 0; j < n; j++ {
		a, b := &zero, &zero
		if j < len(x) {
			a = &x[j]
		}
		if j < len(y) {
			b = &y[j]
		}
		if a.kind == atomNum && b.kind == atomNum {
			if a.n != b.n {
				if a.n < b.n {
					return -1
				}
				return 1
			}
			continue
		}
		if c := compareAtom(*a, *b); c != 0 {
			return c
		}
	}
	return 0
}

// compareSeqN compares the first n components of x and y, reading missing
// components as empty.
func compareSeqN(x, y seq, n int) int {
	var xs, ys int32 // start of component i in x.atoms and y.atoms
	for i := 0; i < n; i++ {
		var xa, ya []atom
		if i < len(x.ends) {
			xa = x.atoms[xs:x.ends[i]]
			xs = x.ends[i]
		}
		if i < len(y.ends) {
			ya = y.atoms[ys:y.ends[i]]
			ys = y.ends[i]
		}
		// Fast path: plain numeric components, the common case.
		if len(xa) == 1 && len(ya) == 1 && xa[0].kind == atomNum && ya[0].kind == atomNum {
			if xa[0].n != ya[0].n {
				if xa[0].n < ya[0].n {
					return -1
				}
				return 1
			}
			continue
		}
		if c := compareComp(xa, ya); c != 0 {
			return c
		}
	}
	return 0
}

func compareSeq(x, y seq) int {
	return compareSeqN(x, y, max(x.len(), y.len()))
}

// ParseVersion parses s with conda's rules. Surrounding white space is
// ignored. A version may contain ASCII letters, digits and the characters
// ". _ + ! *"; "-" is accepted and read as "_" when the version contains
// no "_" (a version with both is invalid, as in conda). A single trailing
// "_" stays attached to the last component ("1.0.1_" sorts before
// "1.0.1a", conda's convention for openssl-like versions).
//
// The error wraps [ErrInvalidVersion] and quotes s.
func ParseVersion(s string) (Version, error) {
	raw := trimPySpace(s)
	if raw == "" {
		return Version{}, versionError(s, "empty version string")
	}
	norm := lowerASCII(raw)
	if !validVersionChars(norm) {
		if strings.IndexByte(norm, '-') < 0 || strings.IndexByte(norm, '_') >= 0 {
			return Version{}, versionError(s, "invalid character(s)")
		}
		norm = strings.ReplaceAll(norm, "-", "_")
		if !validVersionChars(norm) {
			return Version{}, versionError(s, "invalid character(s)")
		}
	}

	rest := norm
	epoch := "0"
	if i := strings.IndexByte(rest, '!'); i >= 0 {
		if strings.IndexByte(rest[i+1:], '!') >= 0 {
			return Version{}, versionError(s, "duplicated epoch separator '!'")
		}
		epoch, rest = rest[:i], rest[i+1:]
		if !allDigits(epoch) {
			return Version{}, versionError(s, "epoch must be an integer")
		}
	}
	localStr, hasLocal := "", false
	if i := strings.IndexByte(rest, '+'); i >= 0 {
		if strings.IndexByte(rest[i+1:], '+') >= 0 {
			return Version{}, versionError(s, "duplicated local version separator '+'")
		}
		rest, localStr, hasLocal = rest[:i], rest[i+1:], true
	}
	if rest == "" {
		if hasLocal {
			return Version{}, versionError(s, "missing version before local version separator '+'")
		}
		return Version{}, versionError(s, "missing version after epoch separator '!'")
	}

	// Count atoms and components first so that each slice is allocated once.
	nAtoms, nComps := countSeq(rest, 1, 1) // 1, 1: the epoch
	if hasLocal {
		nAtoms, nComps = countSeq(localStr, nAtoms, nComps)
	}
	atoms := make([]atom, 0, nAtoms)
	ends := make([]int32, 0, nComps)
	atoms = append(atoms, numberAtom(epoch))
	ends = append(ends, int32(len(atoms)))
	var ok bool
	// A trailing "_" is not a separator: it stays with the last component.
	atoms, ends, ok = appendComponents(atoms, ends, rest, rest[len(rest)-1] == '_')
	if !ok {
		return Version{}, versionError(s, "empty version component")
	}
	d := &versionData{raw: raw, norm: norm}
	nMain, nMainEnds := len(atoms), len(ends)
	if hasLocal {
		atoms, ends, ok = appendComponents(atoms, ends, localStr, false)
		if !ok {
			return Version{}, versionError(s, "empty version component")
		}
		// Local ends are offsets into the whole atoms slice; rebase them.
		localEnds := ends[nMainEnds:]
		for i := range localEnds {
			localEnds[i] -= int32(nMain)
		}
		d.local = seq{atoms: atoms[nMain:], ends: localEnds}
	}
	d.main = seq{atoms: atoms[:nMain:nMain], ends: ends[:nMainEnds:nMainEnds]}
	return Version{d: d}, nil
}

// countSeq adds the atoms and components s will need to nAtoms and nComps
// (exactly, except that a trailing "_" is counted as a separator).
func countSeq(s string, nAtoms, nComps int) (int, int) {
	nComps++
	prev := byte(0)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '.' || c == '_' {
			nComps++
			prev = 0
			continue
		}
		cl := class(c)
		if prev == 0 && cl != 1 {
			nAtoms++ // implicit 0 before a component that starts with a non-digit
		}
		if cl != prev {
			nAtoms++
			prev = cl
		}
	}
	return nAtoms, nComps
}

// class sorts a character into conda's runs: digits, stars, other.
func class(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return 1
	case c == '*':
		return 2
	}
	return 3
}

// appendComponents splits s at "." and "_" and appends its components.
// When keepTrailing is set, the final byte of s (an "_") is not a separator
// but part of the last component. It reports false for an empty component.
func appendComponents(atoms []atom, ends []int32, s string, keepTrailing bool) ([]atom, []int32, bool) {
	limit := len(s)
	if keepTrailing {
		limit--
	}
	start := 0
	for {
		comp := s[start:]
		last := true
		if i := strings.IndexAny(s[start:limit], "._"); i >= 0 {
			comp = s[start : start+i]
			last = false
		}
		if comp == "" {
			return atoms, ends, false
		}
		if class(comp[0]) != 1 {
			atoms = append(atoms, fillAtom)
		}
		for j := 0; j < len(comp); {
			k := j + 1
			for k < len(comp) && class(comp[k]) == class(comp[j]) {
				k++
			}
			atoms = append(atoms, runAtom(comp[j:k]))
			j = k
		}
		ends = append(ends, int32(len(atoms)))
		if last {
			return atoms, ends, true
		}
		start += len(comp) + 1
	}
}

// runAtom converts one run of digits, stars or other characters.
func runAtom(r string) atom {
	switch {
	case class(r[0]) == 1:
		return numberAtom(r)
	case r == "post":
		return atom{kind: atomPost}
	case r == "dev":
		return atom{kind: atomStr, s: devString}
	}
	return atom{kind: atomStr, s: r}
}

// numberAtom converts a non-empty run of ASCII digits of any length.
func numberAtom(digits string) atom {
	if len(digits) <= 19 {
		var n uint64
		for i := 0; i < len(digits); i++ {
			n = n*10 + uint64(digits[i]-'0')
		}
		return atom{kind: atomNum, n: n}
	}
	trimmed := strings.TrimLeft(digits, "0")
	if n, err := strconv.ParseUint(trimmed, 10, 64); err == nil {
		return atom{kind: atomNum, n: n}
	}
	return atom{kind: atomBig, s: trimmed}
}

// lowerASCII lower-cases s, allocating only when s has upper-case letters.
// Non-ASCII input goes through strings.ToLower, as Python's str.lower would
// (the result is then rejected unless it became ASCII, e.g. KELVIN SIGN).
func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 {
			return strings.ToLower(s)
		}
		if c >= 'A' && c <= 'Z' {
			return strings.ToLower(s)
		}
	}
	return s
}

// validVersionChars reports whether s matches conda's ^[*.+!_0-9a-z]+$.
func validVersionChars(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case c == '*', c == '.', c == '+', c == '!', c == '_':
		default:
			return false
		}
	}
	return s != ""
}

// isPySpace reports whether r is white space to Python's str.strip and \s,
// which conda uses: Unicode white space plus the separators U+001C..U+001F.
func isPySpace(r rune) bool {
	return unicode.IsSpace(r) || r >= 0x1c && r <= 0x1f
}

func trimPySpace(s string) string { return strings.TrimFunc(s, isPySpace) }

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// String returns the version as written, trimmed of surrounding white space
// ("" for the zero Version). Use it where the exact original text matters:
// file names, lockfiles, repodata.
func (v Version) String() string {
	if v.d == nil {
		return ""
	}
	return v.d.raw
}

// Canonical returns conda's normalized text of v: lower-cased, with "-"
// read as "_" ("" for the zero Version). Versions that are Equal can still
// have different canonical texts ("1.1" and "1.1.0").
func (v Version) Canonical() string {
	if v.d == nil {
		return ""
	}
	return v.d.norm
}

// IsZero reports whether v is the zero Version (not the result of a parse).
func (v Version) IsZero() bool { return v.d == nil }

// Compare orders v against w as conda's VersionOrder does, returning -1, 0
// or +1. The main versions (with epochs) are compared first and the local
// versions only when the main versions are equal. Compare does not
// allocate. The zero Version sorts before every valid version.
func (v Version) Compare(w Version) int {
	a, b := v.d, w.d
	switch {
	case a == b:
		return 0
	case a == nil:
		return -1
	case b == nil:
		return 1
	}
	if c := compareSeq(a.main, b.main); c != 0 {
		return c
	}
	return compareSeq(a.local, b.local)
}

// Equal reports whether v and w are the same version in conda's order
// ("1.1" equals "1.1.0" and "1.1.RC1" equals "1.1rc1").
func (v Version) Equal(w Version) bool { return v.Compare(w) == 0 }

// StartsWith reports whether v starts with prefix as conda's
// VersionOrder.startswith decides; it backs the specs "1.2.*" and "=1.2".
// All components of prefix but its last must equal v's; in the last
// component all elements but the last must be equal, and the last element
// must be equal (numbers) or a string prefix of v's element (strings):
// "1.2.3" starts with "1.2" and "1.2.0", "1.2rc1" starts with "1.2r", but
// "1.20" does not start with "1.2". When prefix has a local version, v's
// main version must equal prefix's and the rule applies to the local
// versions. A zero Version starts with nothing and is no one's prefix.
func (v Version) StartsWith(prefix Version) bool {
	a, b := v.d, prefix.d
	if a == nil || b == nil {
		return false
	}
	t1, t2 := a.main, b.main
	if b.local.len() > 0 {
		if compareSeq(a.main, b.main) != 0 {
			return false
		}
		t1, t2 = a.local, b.local
	}
	nt := t2.len() - 1
	if compareSeqN(t1, t2, nt) != 0 {
		return false
	}
	v1, v2 := t1.comp(nt), t2.comp(nt)
	ne := len(v2) - 1
	if compareComp(v1[:min(ne, len(v1))], v2[:ne]) != 0 {
		return false
	}
	c1, c2 := fillAtom, v2[ne]
	if ne < len(v1) {
		c1 = v1[ne]
	}
	if c2.kind == atomStr {
		return c1.kind == atomStr && strings.HasPrefix(c1.s, c2.s)
	}
	return compareAtom(c1, c2) == 0
}

// MarshalText implements encoding.TextMarshaler; it returns [Version.String].
func (v Version) MarshalText() ([]byte, error) {
	return []byte(v.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler with [ParseVersion].
// On error v is left unchanged.
func (v *Version) UnmarshalText(text []byte) error {
	p, err := ParseVersion(string(text))
	if err != nil {
		return err
	}
	*v = p
	return nil
}
