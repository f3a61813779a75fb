package conda

import (
	"errors"
	"regexp"
	"strings"
	"unicode/utf8"
)

// ErrInvalidVersionSpec is wrapped by every error [ParseVersionSpec]
// returns, so callers can test for it with errors.Is.
var ErrInvalidVersionSpec = errors.New("invalid version spec")

func specError(input, reason string, cause error) error {
	return &parseError{kind: ErrInvalidVersionSpec, input: input, reason: reason, cause: cause}
}

// VersionSpec is a parsed conda version constraint such as ">=1.2,<2|3.*",
// with the semantics of conda's VersionSpec (conda/models/version.py).
//
// The zero VersionSpec matches every version and prints as "*".
// VersionSpecs are immutable and safe to share between goroutines.
type VersionSpec struct {
	n *specNode
}

type specKind uint8

const (
	specAny           specKind = iota // "*"
	specAnd                           // kids joined by ","
	specOr                            // kids joined by "|"
	specEq                            // "==1.2" and bare "1.2"
	specNe                            // "!=1.2"
	specLt                            // "<1.2"
	specLe                            // "<=1.2"
	specGt                            // ">1.2"
	specGe                            // ">=1.2" and ">=1.2.*"
	specStartsWith                    // "=1.2", "=1.2.*", "1.2.*", "1.2*"
	specNotStartsWith                 // "!=1.2.*"
	specCompatible                    // "~=1.2": >=1.2 and starts with 1
	specGlob                          // "1.*.3": "*" inside, matched on the text
	specRegex                         // "^1\.[0-9]+$"
	specExact                         // text with "@": string equality
)

// specNode is one node of the parsed expression tree.
type specNode struct {
	kind   specKind
	text   string   // canonical text of this node
	ver    Version  // operand of comparison kinds
	prefix Version  // specCompatible: what the version must start with
	glob   []string // specGlob fast path: literal pieces around "*"
	re     *regexp.Regexp
	kids   []*specNode
}

// ParseVersionSpec parses s as conda does. The grammar, loosest binding
// first:
//
//	spec  = and { "|" and }
//	and   = prim { "," prim }
//	prim  = "(" spec ")" | "^regex$" | leaf
//
// A leaf is "*" (anything), an operator and a version ("==1.2", "!=1.2",
// "<1.2", "<=1.2", ">1.2", ">=1.2", "~=1.2" compatible release, "=1.2"
// meaning 1.2.*), a bare version ("1.2", exact equality), a prefix glob
// ("1.2.*" or "1.2*", starts with 1.2) or a glob with "*" inside ("1.*.3",
// matched against the version text). A trailing ".*" after "=" or ">=" is
// dropped, after "!=" it means "does not start with", after "==", "<",
// "<=" or ">" it is ignored (conda warns) and after "~=" it is an error.
// White space around leaves and operators is ignored, but not between an
// operator and its version.
//
// The error wraps [ErrInvalidVersionSpec] (and [ErrInvalidVersion] when an
// operand is the problem) and quotes s.
func ParseVersionSpec(s string) (VersionSpec, error) {
	p := specParser{input: s}
	if !strings.ContainsAny(s, "()|,^$") {
		// conda skips the expression parser for plain leaves.
		n, err := p.leaf(s)
		if err != nil {
			return VersionSpec{}, err
		}
		return VersionSpec{n: n}, nil
	}
	p.tokens = tokenizeSpec(s)
	n, err := p.or()
	if err != nil {
		return VersionSpec{}, err
	}
	if p.pos < len(p.tokens) {
		return VersionSpec{}, specError(s, "unexpected "+quoteToken(p.tokens[p.pos]), nil)
	}
	return VersionSpec{n: n}, nil
}

// tokenizeSpec splits s the way conda's VSPEC_TOKENS does: a regex
// "^...$" (with optional leading space), one of "()|," (with optional
// leading space), or a run of anything else.
func tokenizeSpec(s string) []string {
	var toks []string
	for i := 0; i < len(s); {
		j := i
		for j < len(s) {
			r, size := utf8.DecodeRuneInString(s[j:])
			if !isPySpace(r) {
				break
			}
			j += size
		}
		if j < len(s) && s[j] == '^' {
			if k := strings.IndexByte(s[j:], '$'); k >= 0 {
				toks = append(toks, s[j:j+k+1])
				i = j + k + 1
				continue
			}
		}
		if j < len(s) && strings.IndexByte("()|,", s[j]) >= 0 {
			toks = append(toks, s[j:j+1])
			i = j + 1
			continue
		}
		k := i
		for k < len(s) && strings.IndexByte("()|,", s[k]) < 0 {
			k++
		}
		toks = append(toks, s[i:k])
		i = k
	}
	return toks
}

func quoteToken(t string) string {
	return "'" + trimPySpace(t) + "'"
}

type specParser struct {
	input  string
	tokens []string
	pos    int
}

func (p *specParser) peek() string {
	if p.pos < len(p.tokens) {
		return p.tokens[p.pos]
	}
	return ""
}

func (p *specParser) or() (*specNode, error) {
	return p.list(specOr, "|", p.and)
}

func (p *specParser) and() (*specNode, error) {
	return p.list(specAnd, ",", p.prim)
}

// list parses item {sep item} into a node of kind k, flattening nested
// nodes of the same kind as conda does.
func (p *specParser) list(k specKind, sep string, item func() (*specNode, error)) (*specNode, error) {
	first, err := item()
	if err != nil {
		return nil, err
	}
	if p.peek() != sep {
		return first, nil
	}
	n := &specNode{kind: k}
	n.kids = appendFlat(n.kids, first, k)
	for p.peek() == sep {
		p.pos++
		next, err := item()
		if err != nil {
			return nil, err
		}
		n.kids = appendFlat(n.kids, next, k)
	}
	n.text = joinText(n)
	return n, nil
}

func appendFlat(kids []*specNode, n *specNode, k specKind) []*specNode {
	if n.kind == k {
		return append(kids, n.kids...)
	}
	return append(kids, n)
}

// joinText prints an "and" or "or" node. Unlike conda, which drops every
// parenthesis when it prints a spec (so that "(1|2),3" prints as "1|2,3",
// a different spec), an "or" inside an "and" keeps its parentheses, so the
// text parses back to the same spec.
func joinText(n *specNode) string {
	var b strings.Builder
	sep := "|"
	if n.kind == specAnd {
		sep = ","
	}
	for i, k := range n.kids {
		if i > 0 {
			b.WriteString(sep)
		}
		if n.kind == specAnd && k.kind == specOr {
			b.WriteString("(" + k.text + ")")
		} else {
			b.WriteString(k.text)
		}
	}
	return b.String()
}

func (p *specParser) prim() (*specNode, error) {
	t := p.peek()
	switch trimPySpace(t) {
	case "":
		return nil, specError(p.input, "missing expression", nil)
	case "(":
		p.pos++
		n, err := p.or()
		if err != nil {
			return nil, err
		}
		if trimPySpace(p.peek()) != ")" {
			return nil, specError(p.input, "missing ')'", nil)
		}
		p.pos++
		return n, nil
	case ")", "|", ",":
		return nil, specError(p.input, "unexpected "+quoteToken(t), nil)
	}
	p.pos++
	return p.leaf(t)
}

// leaf parses one constraint without "(", ")", "|" or ",".
func (p *specParser) leaf(t string) (*specNode, error) {
	s := trimPySpace(t)
	if s == "" {
		return nil, specError(p.input, "empty version spec", nil)
	}
	if s[0] == '^' || s[len(s)-1] == '$' {
		if s[0] != '^' || s[len(s)-1] != '$' {
			return nil, specError(p.input, "regex specs must start with '^' and end with '$'", nil)
		}
		re, err := regexp.Compile(s)
		if err != nil {
			return nil, specError(p.input, "", err)
		}
		return &specNode{kind: specRegex, text: s, re: re}, nil
	}
	if strings.IndexByte("=<>!~", s[0]) >= 0 {
		return p.operatorLeaf(s)
	}
	if s == "*" {
		return &specNode{kind: specAny, text: s}, nil
	}
	if strings.Contains(strings.TrimRight(s, "*"), "*") {
		return p.globLeaf(s)
	}
	if s[len(s)-1] == '*' {
		if !strings.HasSuffix(s, ".*") {
			s = s[:len(s)-1] + ".*"
		}
		vo := strings.TrimRight(strings.TrimRight(s, "*"), ".")
		v, err := p.version(vo)
		if err != nil {
			return nil, err
		}
		if strings.IndexByte(vo, '*') >= 0 {
			// "1**": conda prints "1*.*", which would parse back as a glob;
			// "=1*" is the same prefix match and parses back to itself.
			s = "=" + vo
		}
		return &specNode{kind: specStartsWith, text: s, ver: v}, nil
	}
	if strings.IndexByte(s, '@') >= 0 {
		return &specNode{kind: specExact, text: s}, nil
	}
	v, err := p.version(s)
	if err != nil {
		return nil, err
	}
	return &specNode{kind: specEq, text: s, ver: v}, nil
}

func (p *specParser) version(s string) (Version, error) {
	v, err := ParseVersion(s)
	if err != nil {
		return Version{}, specError(p.input, "", err)
	}
	return v, nil
}

// operators, longest first so that "<=" is not read as "<".
var specOperators = [...]struct {
	op   string
	kind specKind
}{
	{"==", specEq}, {"!=", specNe}, {"<=", specLe}, {">=", specGe}, {"~=", specCompatible},
	{"<", specLt}, {">", specGt}, {"=", specStartsWith},
}

func (p *specParser) operatorLeaf(s string) (*specNode, error) {
	kind, opLen := specKind(0), 0
	for _, o := range specOperators {
		if strings.HasPrefix(s, o.op) {
			kind, opLen = o.kind, len(o.op)
			break
		}
	}
	rest := s[opLen:]
	// conda's ^(=|==|!=|<=|>=|<|>|~=)(?![=<>!~])(\S+)$
	if opLen == 0 || rest == "" || strings.IndexByte("=<>!~", rest[0]) >= 0 ||
		strings.IndexFunc(rest, isPySpace) >= 0 {
		return nil, specError(p.input, "invalid operator", nil)
	}
	if strings.HasSuffix(rest, ".*") {
		switch kind {
		case specNe:
			kind = specNotStartsWith
		case specCompatible:
			return nil, specError(p.input, "invalid operator with '.*'", nil)
		}
		// "=", ">=": the same spec; "==", "<", "<=", ">": conda warns that
		// the ".*" is superfluous and ignores it.
		rest = rest[:len(rest)-2]
	}
	v, err := p.version(rest)
	if err != nil {
		return nil, err
	}
	n := &specNode{kind: kind, text: s, ver: v}
	if kind == specCompatible {
		// conda: x >= y and x.startswith(".".join(str(y).split(".")[:-1]))
		norm := v.Canonical()
		i := strings.LastIndexByte(norm, '.')
		if i < 0 {
			return nil, specError(p.input, "compatible release operator '~=' needs at least two version components", nil)
		}
		if n.prefix, err = p.version(norm[:i]); err != nil {
			return nil, err
		}
	}
	return n, nil
}

// globLeaf handles a leaf with "*" before its end. conda turns it into the
// regex ^(?:...)$ with "." and "+" escaped and "*" read as ".*", and
// matches it against the version text. Globs made only of version
// characters take a fast path without regexp.
func (p *specParser) globLeaf(s string) (*specNode, error) {
	n := &specNode{kind: specGlob, text: s}
	simple := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			strings.IndexByte("*._+!-", c) >= 0) {
			simple = false
			break
		}
	}
	if simple {
		n.glob = strings.Split(s, "*")
		return n, nil
	}
	rx := strings.NewReplacer(".", `\.`, "+", `\+`, "*", ".*").Replace(s)
	re, err := regexp.Compile("^(?:" + rx + ")$")
	if err != nil {
		return nil, specError(p.input, "", err)
	}
	n.re = re
	return n, nil
}

// matchGlob reports whether s matches the pieces of a "*" glob, anchored at
// both ends.
func matchGlob(pieces []string, s string) bool {
	first, last := pieces[0], pieces[len(pieces)-1]
	if len(s) < len(first)+len(last) || !strings.HasPrefix(s, first) || !strings.HasSuffix(s, last) {
		return false
	}
	s = s[len(first) : len(s)-len(last)]
	for _, piece := range pieces[1 : len(pieces)-1] {
		i := strings.Index(s, piece)
		if i < 0 {
			return false
		}
		s = s[i+len(piece):]
	}
	return true
}

// Match reports whether v satisfies the spec. Globs with "*" inside and
// regexes are matched against v's text as written ([Version.String]), as
// conda matches them against the record's version string; everything else
// compares parsed versions. A zero Version matches only a spec that
// matches everything. Match is safe for concurrent use and allocates only
// for regex leaves.
func (s VersionSpec) Match(v Version) bool {
	if s.n == nil {
		return true
	}
	if v.d == nil {
		return s.n.kind == specAny
	}
	return s.n.match(v)
}

func (n *specNode) match(v Version) bool {
	switch n.kind {
	case specAny:
		return true
	case specAnd:
		for _, k := range n.kids {
			if !k.match(v) {
				return false
			}
		}
		return true
	case specOr:
		for _, k := range n.kids {
			if k.match(v) {
				return true
			}
		}
		return false
	case specEq:
		return v.Compare(n.ver) == 0
	case specNe:
		return v.Compare(n.ver) != 0
	case specLt:
		return v.Compare(n.ver) < 0
	case specLe:
		return v.Compare(n.ver) <= 0
	case specGt:
		return v.Compare(n.ver) > 0
	case specGe:
		return v.Compare(n.ver) >= 0
	case specStartsWith:
		return v.StartsWith(n.ver)
	case specNotStartsWith:
		return !v.StartsWith(n.ver)
	case specCompatible:
		return v.Compare(n.ver) >= 0 && v.StartsWith(n.prefix)
	case specGlob:
		if n.re != nil {
			return n.re.MatchString(v.String())
		}
		return matchGlob(n.glob, v.String())
	case specRegex:
		return n.re.MatchString(v.String())
	case specExact:
		return n.text == v.String()
	}
	return false
}

// String returns the canonical text of the spec: white space removed
// around leaves and operators, redundant parentheses dropped, nested "|"
// and "," lists flattened, "1.2*" written "1.2.*". Leaves otherwise keep
// their text (">=1.2.*" stays as written). Parsing the result gives an
// equivalent spec. The zero VersionSpec prints as "*".
func (s VersionSpec) String() string {
	if s.n == nil {
		return "*"
	}
	return s.n.text
}

// IsAny reports whether the spec is "*" (or the zero VersionSpec), the spec
// that matches every version. Specs that happen to match everything, such
// as ">=0|<0", are not reported.
func (s VersionSpec) IsAny() bool {
	return s.n == nil || s.n.kind == specAny
}

// IsExact reports whether the spec pins one version: "==1.2" or a bare
// "1.2" (conda's is_exact).
func (s VersionSpec) IsExact() bool {
	return s.n != nil && (s.n.kind == specEq || s.n.kind == specExact)
}

// MarshalText implements encoding.TextMarshaler; it returns
// [VersionSpec.String].
func (s VersionSpec) MarshalText() ([]byte, error) {
	return []byte(s.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler with
// [ParseVersionSpec]. On error s is left unchanged.
func (s *VersionSpec) UnmarshalText(text []byte) error {
	p, err := ParseVersionSpec(string(text))
	if err != nil {
		return err
	}
	*s = p
	return nil
}
