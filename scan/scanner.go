package scan

import (
	"bytes"
	"cmp"
	"fmt"
	"net/url"
	"path"
	"slices"
	"strings"
)

// Finding is one plaintext secret: where it is and which rule found it.
// It never holds the secret's text.
type Finding struct {
	// File is the path as the caller named it (slash-separated for files
	// from git).
	File string `json:"file"`
	// Line is 1-based.
	Line int `json:"line"`
	// Rule is one of the Rule* names.
	Rule string `json:"rule"`
	// Name is the sealed secret's name for sealed-secret, and for the
	// other rules the name of the variables: entry of an environment file
	// that holds the finding; empty otherwise. Names are not secret:
	// envseal.lock keeps them in clear.
	Name string `json:"name,omitempty"`
}

// String formats f as "FILE:LINE: RULE", with the name in parentheses when
// there is one.
func (f Finding) String() string {
	if f.Name != "" {
		return fmt.Sprintf("%s:%d: %s (%s)", f.File, f.Line, f.Rule, f.Name)
	}
	return fmt.Sprintf("%s:%d: %s", f.File, f.Line, f.Rule)
}

// SealedFunc hands the scanner the plaintext of each sealed secret: it
// calls yield once per secret and stops when yield returns false. The
// scanner compares value in memory during the call and keeps no reference
// to it afterwards, so the caller may wipe it once yield returns.
type SealedFunc func(yield func(name string, value []byte) bool)

// MinSealedLen is the shortest sealed value the scanner looks for: shorter
// ones ("1", "yes") occur everywhere by chance.
const MinSealedLen = 6

// Options configure a Scanner.
type Options struct {
	// Sealed, when set, gives the values of sealed secrets; it is called
	// once per scanned file.
	Sealed SealedFunc
	// Ignore, when set, drops files and rules per the allow-list.
	Ignore *Ignore
}

// Scanner applies the rules to file contents. It holds no per-scan state
// and is safe for concurrent use if Options.Sealed is.
type Scanner struct {
	opts Options
}

// New returns a Scanner with opts.
func New(opts Options) *Scanner { return &Scanner{opts: opts} }

// allowMarker on a line silences the findings of that line.
var allowMarker = []byte("envseal:allow")

// Scan returns the findings in data, the content of the file name, sorted
// by line then rule, one per (line, rule, name). Binary content (a NUL byte
// in the first 8000 bytes, git's test) has none. Scan does not consult the
// allow-list's file patterns (see [Ignore.File]); its PATTERN:RULE
// entries and envseal:allow lines do apply.
func (s *Scanner) Scan(name string, data []byte) []Finding {
	if isBinary(data) {
		return nil
	}
	lines := newLineIndex(data)
	var out []Finding
	var addLine func(ln int, rule, varName string)
	add := func(off int, rule, varName string) { addLine(lines.line(off), rule, varName) }
	addLine = func(ln int, rule, varName string) {
		if bytes.Contains(lines.text(ln), allowMarker) {
			return
		}
		if s.opts.Ignore != nil && s.opts.Ignore.Rule(name, rule) {
			return
		}
		out = append(out, Finding{File: name, Line: ln, Rule: rule, Name: varName})
	}
	occs := findLiterals(data)
	for i := range patterns {
		p := &patterns[i]
		if len(occs[i]) == 0 {
			continue
		}
		g := p.group
		if g == 0 {
			g = 1
		}
		p.each(data, occs[i], func(m [][]byte, at int) {
			if p.ok == nil || p.ok(m) {
				add(at+groupOffset(m, g), p.rule, "")
			}
		})
	}
	if isYAMLName(name) {
		hits, varLines := envVariables(name, data)
		for i := range out {
			if n, ok := varLines[out[i].Line]; ok && out[i].Name == "" {
				out[i].Name = n
			}
		}
		for _, v := range hits {
			addLine(v.line, v.rule, v.name)
		}
	}
	if s.opts.Sealed != nil {
		s.opts.Sealed(func(secret string, value []byte) bool {
			if len(value) < MinSealedLen {
				return true
			}
			// A password pasted into a URL is percent-encoded, in one of
			// the ways Go, Python and browsers do it.
			forms := [][]byte{value}
			v := string(value)
			userinfo := strings.TrimPrefix(url.UserPassword("", v).String(), ":")
			for _, esc := range []string{url.PathEscape(v), url.QueryEscape(v), userinfo, strictEscape(v)} {
				if !slices.ContainsFunc(forms, func(f []byte) bool { return string(f) == esc }) {
					forms = append(forms, []byte(esc))
				}
			}
			for k, form := range forms {
				for off := 0; ; {
					i := bytes.Index(data[off:], form)
					if i < 0 {
						break
					}
					add(off+i, RuleSealedSecret, secret)
					off += i + len(form)
				}
				if k > 0 {
					clear(form) // our copy; value is the caller's
				}
			}
			return true
		})
	}
	return dedupe(out)
}

// strictEscape percent-encodes every byte but RFC 3986's unreserved ones,
// as Python's quote(s, safe="") and most credential helpers do.
func strictEscape(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

func dedupe(fs []Finding) []Finding {
	slices.SortFunc(fs, func(a, b Finding) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Rule, b.Rule), cmp.Compare(a.Name, b.Name))
	})
	return slices.Compact(fs)
}

// SortFindings orders findings by file, line, rule and name: the order
// of the text and JSON output.
func SortFindings(fs []Finding) {
	slices.SortFunc(fs, func(a, b Finding) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line), cmp.Compare(a.Rule, b.Rule), cmp.Compare(a.Name, b.Name))
	})
}

// literalIndex finds the literals of every pattern in one pass over the
// data: byIndex[c] lists the literals that start with byte c.
type litRef struct {
	lit string
	pat int
}

var byFirst = func() (t [256][]litRef) {
	for i, p := range patterns {
		if p.indexed {
			continue
		}
		for _, l := range p.literals {
			t[l[0]] = append(t[l[0]], litRef{l, i})
		}
	}
	return t
}()

var firstByte = func() (t [256]bool) {
	for c, refs := range byFirst {
		t[c] = refs != nil
	}
	return t
}()

// occurrence is where a pattern's literal was found: [at, at+len).
type occurrence struct{ at, end int }

// findLiterals returns, per pattern, where its literals occur. One pass
// over data with a first-byte table costs less than a bytes.Index per
// literal (forty of them) once files reach megabytes.
func findLiterals(data []byte) [][]occurrence {
	occ := make([][]occurrence, len(patterns))
	for i, p := range patterns {
		if !p.indexed {
			continue
		}
		for _, lit := range p.literals {
			l := []byte(lit)
			for off := 0; ; {
				j := bytes.Index(data[off:], l)
				if j < 0 {
					break
				}
				occ[i] = append(occ[i], occurrence{off + j, off + j + len(l)})
				off += j + len(l)
			}
		}
	}
	for i, c := range data {
		if !firstByte[c] {
			continue
		}
		refs := byFirst[c]
		rest := data[i:]
		for _, r := range refs {
			if len(rest) >= len(r.lit) && string(rest[:len(r.lit)]) == r.lit {
				occ[r.pat] = append(occ[r.pat], occurrence{i, i + len(r.lit)})
			}
		}
	}
	return occ
}

// window is how far around its literal a single-line pattern can match.
const window = 1 << 10

// each calls fn with the submatches of every match of p in data and the
// offset of the whole match. The expression only runs on windows around
// the literal occurrences occs (the line holding one, at most 1 KiB either
// side; for multi-line patterns, 16 KiB past it), so that a URL-heavy
// lockfile costs a few short searches rather than a scan of the file by
// each expression.
func (p *pattern) each(data []byte, occs []occurrence, fn func(m [][]byte, at int)) {
	if !slices.IsSortedFunc(occs, func(a, b occurrence) int { return cmp.Compare(a.at, b.at) }) {
		slices.SortFunc(occs, func(a, b occurrence) int { return cmp.Compare(a.at, b.at) })
	}
	var wins [][2]int
	for _, o := range occs {
		if len(wins) > 0 && o.end <= wins[len(wins)-1][1] {
			continue // inside the previous window
		}
		lo := max(0, o.at-window)
		start := lo + bytes.LastIndexByte(data[lo:o.at], '\n') + 1
		hi := min(len(data), o.end+window)
		end := hi
		if j := bytes.IndexByte(data[o.end:hi], '\n'); j >= 0 {
			end = o.end + j
		}
		if p.multiline {
			end = min(len(data), end+16<<10)
		}
		if len(wins) > 0 && start <= wins[len(wins)-1][1] {
			wins[len(wins)-1][1] = max(end, wins[len(wins)-1][1])
			continue
		}
		wins = append(wins, [2]int{start, end})
	}
	for _, w := range wins {
		win := data[w[0]:w[1]]
		if p.need != nil && !containsAny(win, p.need) {
			continue
		}
		for _, loc := range p.re.FindAllSubmatchIndex(win, -1) {
			m := make([][]byte, len(loc)/2)
			for j := range m {
				if loc[2*j] >= 0 {
					m[j] = win[loc[2*j]:loc[2*j+1]]
				}
			}
			fn(m, w[0]+loc[0])
		}
	}
}

// groupOffset is the offset of group g within the whole match m[0].
func groupOffset(m [][]byte, g int) int {
	if g >= len(m) || m[g] == nil {
		return 0
	}
	return cap(m[0]) - cap(m[g])
}

func containsAny(data []byte, lits []string) bool {
	for _, l := range lits {
		if bytes.Contains(data, []byte(l)) {
			return true
		}
	}
	return false
}

func isBinary(data []byte) bool {
	head := data[:min(len(data), 8000)]
	return bytes.IndexByte(head, 0) >= 0
}

func isYAMLName(name string) bool {
	switch path.Ext(name) {
	case ".yml", ".yaml":
		return true
	}
	return false
}

// lineIndex maps byte offsets to 1-based lines.
type lineIndex struct {
	data   []byte
	starts []int // offset of each line's first byte; built on first use
}

func newLineIndex(data []byte) *lineIndex { return &lineIndex{data: data} }

func (l *lineIndex) build() {
	if l.starts != nil {
		return
	}
	l.starts = append(l.starts, 0)
	for i, c := range l.data {
		if c == '\n' {
			l.starts = append(l.starts, i+1)
		}
	}
}

// line returns the 1-based line holding offset off.
func (l *lineIndex) line(off int) int {
	l.build()
	i, found := slices.BinarySearch(l.starts, off)
	if found {
		return i + 1
	}
	return i
}

// text returns line n without its newline.
func (l *lineIndex) text(n int) []byte {
	l.build()
	start := l.starts[n-1]
	end := len(l.data)
	if n < len(l.starts) {
		end = l.starts[n] - 1
	}
	return l.data[start:end]
}
