package scan

import (
	"bufio"
	"bytes"
	"fmt"
	"regexp"
	"strings"
)

// IgnoreFile is the allow-list's name, read at the root of what is scanned.
const IgnoreFile = ".envsealignore"

// Ignore is a parsed allow-list (.envsealignore). Each line is one of
//
//	# a comment
//	PATTERN          skip every file PATTERN matches (gitignore syntax)
//	!PATTERN         scan again what an earlier PATTERN skipped
//	PATTERN:RULE     skip the rule RULE in the files PATTERN matches
//
// Patterns follow gitignore(5): a pattern without a slash matches a name at
// any depth, a leading or inner slash anchors it to the root, a trailing
// slash matches directories only, * and ? stop at slashes, ** spans
// directories, [a-z] classes, and \ escapes. As in git, the last matching
// pattern wins, and a file inside a skipped directory stays skipped.
//
// An Ignore is immutable and safe for concurrent use.
type Ignore struct {
	files []ignorePattern
	rules []rulePattern
}

type ignorePattern struct {
	re      *regexp.Regexp
	negate  bool
	dirOnly bool
}

type rulePattern struct {
	ignorePattern
	rule string
}

// ParseIgnore parses an allow-list; name is used in errors, which give
// its line.
func ParseIgnore(name string, data []byte) (*Ignore, error) {
	ig := &Ignore{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSuffix(sc.Text(), "\r")
		if strings.HasPrefix(line, "#") || strings.TrimSpace(line) == "" {
			continue
		}
		line = trimTrailingSpace(line)
		pat, rule := line, ""
		if i := strings.LastIndexByte(line, ':'); i >= 0 && (i == 0 || line[i-1] != '\\') {
			cand := strings.TrimSpace(line[i+1:])
			if knownRule(cand) {
				pat, rule = strings.TrimSpace(line[:i]), cand
			} else if cand != "" && !strings.ContainsAny(cand, "/*?[.") && strings.Contains(cand, "-") {
				return nil, fmt.Errorf("%s:%d: unknown rule %q (the rules are listed by `envseal scan --rules`)", name, n, cand)
			}
		}
		if pat == "" {
			pat = "*"
		}
		p, err := compileIgnore(pat)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, n, err)
		}
		if rule != "" {
			if p.negate {
				return nil, fmt.Errorf("%s:%d: a PATTERN:RULE entry cannot be negated", name, n)
			}
			ig.rules = append(ig.rules, rulePattern{p, rule})
		} else {
			ig.files = append(ig.files, p)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return ig, nil
}

// trimTrailingSpace drops trailing spaces that are not escaped.
func trimTrailingSpace(s string) string {
	for strings.HasSuffix(s, " ") && !strings.HasSuffix(s, `\ `) {
		s = s[:len(s)-1]
	}
	return s
}

// File reports whether the file at path (slash-separated, relative to the
// allow-list's directory) is skipped whole.
func (ig *Ignore) File(path string) bool {
	if ig == nil || len(ig.files) == 0 {
		return false
	}
	path = cleanRel(path)
	// A file inside an excluded directory stays excluded.
	parts := strings.Split(path, "/")
	for i := 1; i < len(parts); i++ {
		if ig.match(ig.files, strings.Join(parts[:i], "/"), true) {
			return true
		}
	}
	return ig.match(ig.files, path, false)
}

// Rule reports whether rule is allowed in the file at path.
func (ig *Ignore) Rule(path, rule string) bool {
	if ig == nil {
		return false
	}
	path = cleanRel(path)
	parts := strings.Split(path, "/")
	for _, r := range ig.rules {
		if r.rule != rule {
			continue
		}
		for i := 1; i <= len(parts); i++ {
			isDir := i < len(parts)
			if (!r.dirOnly || isDir) && r.re.MatchString(strings.Join(parts[:i], "/")) {
				return true
			}
		}
	}
	return false
}

func (ig *Ignore) match(ps []ignorePattern, path string, isDir bool) bool {
	skipped := false
	for _, p := range ps {
		if p.dirOnly && !isDir {
			continue
		}
		if p.re.MatchString(path) {
			skipped = !p.negate
		}
	}
	return skipped
}

func cleanRel(p string) string {
	p = strings.ReplaceAll(p, `\`, "/")
	for strings.HasPrefix(p, "./") {
		p = p[2:]
	}
	return strings.TrimPrefix(p, "/")
}

// compileIgnore turns one gitignore pattern into an expression over
// slash-separated relative paths.
func compileIgnore(pat string) (ignorePattern, error) {
	var p ignorePattern
	if strings.HasPrefix(pat, "!") {
		p.negate = true
		pat = pat[1:]
	} else if strings.HasPrefix(pat, `\!`) || strings.HasPrefix(pat, `\#`) {
		pat = pat[1:]
	}
	if strings.HasSuffix(pat, "/") {
		p.dirOnly = true
		pat = strings.TrimRight(pat, "/")
	}
	if pat == "" {
		return p, fmt.Errorf("empty pattern")
	}
	anchored := strings.Contains(pat, "/")
	pat = strings.TrimPrefix(pat, "/")
	var b strings.Builder
	b.WriteString("^")
	if !anchored {
		b.WriteString("(?:.*/)?")
	}
	for i := 0; i < len(pat); i++ {
		c := pat[i]
		switch c {
		case '*':
			if i+1 < len(pat) && pat[i+1] == '*' {
				atStart := i == 0 || pat[i-1] == '/'
				j := i + 2
				if atStart && (j == len(pat) || pat[j] == '/') {
					if j == len(pat) {
						b.WriteString(".*") // a/** : everything inside
					} else {
						b.WriteString("(?:.*/)?") // **/ : zero or more directories
						j++
					}
					i = j - 1
					continue
				}
				// ** elsewhere is an ordinary *.
				i++
			}
			b.WriteString("[^/]*")
		case '?':
			b.WriteString("[^/]")
		case '[':
			j := i + 1
			if j < len(pat) && (pat[j] == '!' || pat[j] == '^') {
				j++
			}
			if j < len(pat) && pat[j] == ']' {
				j++
			}
			for j < len(pat) && pat[j] != ']' {
				j++
			}
			if j >= len(pat) {
				b.WriteString(`\[`)
				continue
			}
			class := pat[i+1 : j]
			if class != "" && (class[0] == '!' || class[0] == '^') {
				class = "^" + class[1:]
			}
			class = strings.ReplaceAll(class, `\`, `\\`)
			b.WriteString("[" + class + "]")
			i = j
		case '\\':
			if i+1 < len(pat) {
				i++
				b.WriteString(regexp.QuoteMeta(string(pat[i])))
			}
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString("$")
	re, err := regexp.Compile(b.String())
	if err != nil {
		return p, fmt.Errorf("pattern %q: %w", pat, err)
	}
	p.re = re
	return p, nil
}
