package env

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Selector is a per-dependency platform filter.
//
// Expr is a boolean expression over platform variables (linux, linux64,
// osx, osx64, arm64, win, win64, unix, aarch64, ppc64le, x86_64, …) joined
// with and, or, not and parentheses. Dict records the written form: false
// for conda-lock's comment form `- spec  # [expr]`, true for micromamba's
// dictionary form `- sel(expr): spec`. The zero Selector selects every
// platform.
type Selector struct {
	Expr string
	Dict bool
}

// IsZero reports whether s selects every platform.
func (s Selector) IsZero() bool { return s.Expr == "" }

// Match reports whether the selector selects platform (a conda subdir such
// as "linux-64"). Variables not known for platform are false. The error
// names the expression when it is malformed.
func (s Selector) Match(platform string) (bool, error) {
	if s.Expr == "" {
		return true, nil
	}
	e, err := parseSelector(s.Expr)
	if err != nil {
		return false, err
	}
	vars := selectorVars[platform]
	return e.eval(func(name string) bool { return slices.Contains(vars, name) }), nil
}

// selectorVars lists, per subdir, the selector variables that are true.
// The names are conda-build's; conda-lock uses the same ones.
var selectorVars = map[string][]string{
	"linux-64":      {"linux", "linux64", "unix", "x86", "x86_64"},
	"linux-32":      {"linux", "linux32", "unix", "x86"},
	"linux-aarch64": {"linux", "aarch64", "unix"},
	"linux-armv6l":  {"linux", "linux32", "armv6l", "unix"},
	"linux-armv7l":  {"linux", "linux32", "armv7l", "unix"},
	"linux-ppc64le": {"linux", "ppc64le", "unix"},
	"linux-ppc64":   {"linux", "ppc64", "unix"},
	"linux-s390x":   {"linux", "s390x", "unix"},
	"linux-riscv64": {"linux", "riscv64", "unix"},
	"osx-64":        {"osx", "osx64", "unix", "x86", "x86_64"},
	"osx-arm64":     {"osx", "arm64", "unix"},
	"win-32":        {"win", "win32", "x86"},
	"win-64":        {"win", "win64", "x86", "x86_64"},
	"win-arm64":     {"win", "arm64"},
}

// knownSelectorVar reports whether name is true on some known platform.
func knownSelectorVar(name string) bool {
	for _, vars := range selectorVars {
		if slices.Contains(vars, name) {
			return true
		}
	}
	return false
}

// reCommentSelector finds conda-lock's `[expr]` at the end of a line comment.
var reCommentSelector = regexp.MustCompile(`^#.*\[([^\[\]]*)\]\s*$`)

// commentSelector extracts the selector expression from a YAML line comment
// ("# [linux64]"); ok is false when the comment is not a selector.
func commentSelector(comment string) (expr string, ok bool) {
	m := reCommentSelector.FindStringSubmatch(strings.TrimSpace(comment))
	if m == nil {
		return "", false
	}
	return strings.TrimSpace(m[1]), true
}

// reDictSelector matches micromamba's `sel(expr)` dictionary key.
var reDictSelector = regexp.MustCompile(`^sel\((.*)\)$`)

// selExpr is a parsed selector expression.
type selExpr struct {
	op   string // "var", "not", "and", "or"
	name string
	args []*selExpr
}

func (e *selExpr) eval(lookup func(string) bool) bool {
	switch e.op {
	case "var":
		return lookup(e.name)
	case "not":
		return !e.args[0].eval(lookup)
	case "and":
		return e.args[0].eval(lookup) && e.args[1].eval(lookup)
	default: // "or"
		return e.args[0].eval(lookup) || e.args[1].eval(lookup)
	}
}

// vars appends the variable names used in e to dst.
func (e *selExpr) vars(dst []string) []string {
	if e.op == "var" {
		return append(dst, e.name)
	}
	for _, a := range e.args {
		dst = a.vars(dst)
	}
	return dst
}

// parseSelector parses a selector expression; the error quotes it.
func parseSelector(s string) (*selExpr, error) {
	p := &selParser{toks: tokenizeSelector(s)}
	if len(p.toks) == 0 {
		return nil, fmt.Errorf("empty selector %q", s)
	}
	e, err := p.or()
	if err == nil && p.pos < len(p.toks) {
		err = fmt.Errorf("unexpected %q", p.toks[p.pos])
	}
	if err != nil {
		return nil, fmt.Errorf("invalid selector %q: %w", s, err)
	}
	return e, nil
}

func tokenizeSelector(s string) []string {
	var toks []string
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t':
			i++
		case c == '(' || c == ')':
			toks = append(toks, s[i:i+1])
			i++
		case isIdentByte(c):
			j := i
			for j < len(s) && isIdentByte(s[j]) {
				j++
			}
			toks = append(toks, s[i:j])
			i = j
		default:
			toks = append(toks, s[i:i+1]) // rejected by the parser
			i++
		}
	}
	return toks
}

func isIdentByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

type selParser struct {
	toks []string
	pos  int
}

func (p *selParser) peek() string {
	if p.pos < len(p.toks) {
		return p.toks[p.pos]
	}
	return ""
}

func (p *selParser) or() (*selExpr, error) {
	l, err := p.and()
	for err == nil && p.peek() == "or" {
		p.pos++
		var r *selExpr
		if r, err = p.and(); err == nil {
			l = &selExpr{op: "or", args: []*selExpr{l, r}}
		}
	}
	return l, err
}

func (p *selParser) and() (*selExpr, error) {
	l, err := p.not()
	for err == nil && p.peek() == "and" {
		p.pos++
		var r *selExpr
		if r, err = p.not(); err == nil {
			l = &selExpr{op: "and", args: []*selExpr{l, r}}
		}
	}
	return l, err
}

func (p *selParser) not() (*selExpr, error) {
	if p.peek() == "not" {
		p.pos++
		e, err := p.not()
		if err != nil {
			return nil, err
		}
		return &selExpr{op: "not", args: []*selExpr{e}}, nil
	}
	return p.atom()
}

func (p *selParser) atom() (*selExpr, error) {
	t := p.peek()
	switch {
	case t == "":
		return nil, fmt.Errorf("unexpected end")
	case t == "(":
		p.pos++
		e, err := p.or()
		if err != nil {
			return nil, err
		}
		if p.peek() != ")" {
			return nil, fmt.Errorf("missing )")
		}
		p.pos++
		return e, nil
	case t == "and" || t == "or" || t == ")" || !isIdentByte(t[0]):
		return nil, fmt.Errorf("unexpected %q", t)
	}
	p.pos++
	return &selExpr{op: "var", name: t}, nil
}
