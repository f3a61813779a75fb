package prefix

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/envseal/envseal/conda"
)

// Revision is one entry of conda-meta/history: a header line
// `==> 2026-11-28 17:00:00 <==`, comment lines and the +/- dist lines.
type Revision struct {
	// Date is the header's time stamp as written (local time).
	Date string
	// Cmd is the command line of "# cmd:".
	Cmd string
	// CondaVersion is the "# conda version:" value (envseal writes its own
	// version there).
	CondaVersion string
	// Added and Removed are the dist strings of the +/- lines
	// ("conda-forge/linux-64::zlib-1.2.13-hd590300_5").
	Added, Removed []string
	// UpdateSpecs, RemoveSpecs and NeuteredSpecs are the user's specs of
	// the "# update specs:" (also "install"/"create"), "# remove specs:"
	// (also "uninstall") and "# neutered specs:" lines.
	UpdateSpecs, RemoveSpecs, NeuteredSpecs []string
}

var (
	reHistoryHeader = regexp.MustCompile(`^==>\s*(.+?)\s*<==\s*$`)
	reHistoryCmd    = regexp.MustCompile(`^#\s*cmd:\s*(.+)$`)
	reHistoryVer    = regexp.MustCompile(`^#\s*conda version:\s*(.+)$`)
	reHistorySpecs  = regexp.MustCompile(`^#\s*(\w+)\s*specs:\s*(.+)?$`)
)

// ReadHistory reads a conda-meta/history file. Unknown comment lines are
// ignored as conda does; a specs line that cannot be parsed is an error
// naming the file and line.
func ReadHistory(name string) ([]Revision, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	revs, err := ParseHistory(data)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	return revs, nil
}

// ParseHistory parses the text of a conda-meta/history file.
func ParseHistory(data []byte) ([]Revision, error) {
	var revs []Revision
	var cur *Revision
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), 16<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		if m := reHistoryHeader.FindStringSubmatch(line); m != nil {
			revs = append(revs, Revision{Date: m[1]})
			cur = &revs[len(revs)-1]
			continue
		}
		if cur == nil {
			// Lines before the first header (very old files): keep them in
			// an undated revision.
			revs = append(revs, Revision{})
			cur = &revs[len(revs)-1]
		}
		switch {
		case line[0] == '+':
			cur.Added = append(cur.Added, line[1:])
		case line[0] == '-':
			cur.Removed = append(cur.Removed, line[1:])
		case line[0] == '#':
			if m := reHistoryCmd.FindStringSubmatch(line); m != nil {
				cur.Cmd = m[1]
			} else if m := reHistoryVer.FindStringSubmatch(line); m != nil {
				cur.CondaVersion = m[1]
			} else if m := reHistorySpecs.FindStringSubmatch(line); m != nil {
				specs, err := parseSpecList(m[2])
				if err != nil {
					return nil, fmt.Errorf("line %d: %w", n, err)
				}
				switch m[1] {
				case "update", "install", "create":
					cur.UpdateSpecs = append(cur.UpdateSpecs, specs...)
				case "remove", "uninstall":
					cur.RemoveSpecs = append(cur.RemoveSpecs, specs...)
				case "neutered":
					cur.NeuteredSpecs = append(cur.NeuteredSpecs, specs...)
				}
			}
		default:
			// Pre-2016 histories list bare dists without a sign.
			cur.Added = append(cur.Added, line)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return revs, nil
}

// parseSpecList parses the value of a specs line: a Python list literal
// (['a', "b[version='1']"]) or, in old files, comma-separated specs.
// Specs ending in "@" (conda's feature markers) are dropped, as conda does.
func parseSpecList(s string) ([]string, error) {
	s = strings.TrimSpace(s)
	var specs []string
	if strings.HasPrefix(s, "[") {
		var err error
		if specs, err = parsePyStringList(s); err != nil {
			return nil, fmt.Errorf("specs %s: %w", s, err)
		}
	} else if !strings.Contains(s, "[") {
		specs = strings.Split(s, ",")
	} else {
		return nil, fmt.Errorf("specs %s: not a list", s)
	}
	out := specs[:0]
	for _, sp := range specs {
		if sp = strings.TrimSpace(sp); sp != "" && !strings.HasSuffix(sp, "@") {
			out = append(out, sp)
		}
	}
	return out, nil
}

// parsePyStringList parses a Python list of string literals.
func parsePyStringList(s string) ([]string, error) {
	s = strings.TrimSpace(s)
	if len(s) < 2 || s[0] != '[' || s[len(s)-1] != ']' {
		return nil, errors.New("not a list")
	}
	body := s[1 : len(s)-1]
	var out []string
	i := 0
	skip := func() {
		for i < len(body) && (body[i] == ' ' || body[i] == '\t') {
			i++
		}
	}
	for {
		skip()
		if i == len(body) {
			return out, nil
		}
		q := body[i]
		if q != '\'' && q != '"' {
			return nil, fmt.Errorf("want a quoted string at %q", body[i:])
		}
		i++
		var b strings.Builder
		for {
			if i >= len(body) {
				return nil, errors.New("unterminated string")
			}
			c := body[i]
			if c == '\\' && i+1 < len(body) {
				switch e := body[i+1]; e {
				case 'n':
					b.WriteByte('\n')
				case 't':
					b.WriteByte('\t')
				default:
					b.WriteByte(e)
				}
				i += 2
				continue
			}
			i++
			if c == q {
				break
			}
			b.WriteByte(c)
		}
		out = append(out, b.String())
		skip()
		if i == len(body) {
			return out, nil
		}
		if body[i] != ',' {
			return nil, fmt.Errorf("want , at %q", body[i:])
		}
		i++
	}
}

// pyRepr quotes s as Python's repr of a str does (ASCII specs only need
// the quote choice and backslash escapes).
func pyRepr(s string) string {
	q := byte('\'')
	if strings.Contains(s, "'") && !strings.Contains(s, `"`) {
		q = '"'
	}
	var b strings.Builder
	b.WriteByte(q)
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' || c == q:
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\t':
			b.WriteString(`\t`)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte(q)
	return b.String()
}

// pyList formats specs as Python's str() of a list of strings.
func pyList(specs []string) string {
	parts := make([]string, len(specs))
	for i, s := range specs {
		parts[i] = pyRepr(s)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// historyEntry is one revision to append to conda-meta/history.
type historyEntry struct {
	time                     time.Time
	cmd, version             string
	removed, added           []string
	updateSpecs, removeSpecs []string
}

// format renders e in conda's layout.
func (e historyEntry) format() []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "==> %s <==\n", e.time.Format("2006-01-02 15:04:05"))
	fmt.Fprintf(&b, "# cmd: %s\n", e.cmd)
	fmt.Fprintf(&b, "# conda version: %s\n", e.version)
	removed := slices.Sorted(slices.Values(e.removed))
	added := slices.Sorted(slices.Values(e.added))
	for _, d := range removed {
		fmt.Fprintf(&b, "-%s\n", d)
	}
	for _, d := range added {
		fmt.Fprintf(&b, "+%s\n", d)
	}
	if len(e.removeSpecs) > 0 {
		fmt.Fprintf(&b, "# remove specs: %s\n", pyList(e.removeSpecs))
	}
	if len(e.updateSpecs) > 0 {
		fmt.Fprintf(&b, "# update specs: %s\n", pyList(e.updateSpecs))
	}
	return b.Bytes()
}

// HistoryDist returns the dist string conda writes in history for rec:
// "<channel>/<subdir>::<name>-<version>-<build>", with the channel's
// canonical name (a conda.anaconda.org URL becomes its channel name).
func HistoryDist(rec *conda.Record) string {
	ch := rec.Channel
	if ch == "" {
		ch = "<unknown>"
	}
	ch = redactURL(strings.TrimRight(ch, "/"))
	if rec.Subdir != "" {
		ch = strings.TrimSuffix(ch, "/"+rec.Subdir)
	}
	for _, p := range []string{"https://conda.anaconda.org/", "http://conda.anaconda.org/"} {
		if rest, ok := strings.CutPrefix(ch, p); ok && rest != "" {
			ch = rest
		}
	}
	if rec.Subdir != "" {
		ch += "/" + rec.Subdir
	}
	return ch + "::" + rec.DistName()
}

// requestedSpecs replays revs as conda's History.get_requested_specs_map
// does and keeps the names in installed.
func requestedSpecs(revs []Revision, installed map[string]bool) []string {
	byName := map[string]string{}
	name := func(s string) string {
		if ms, err := conda.ParseMatchSpec(s); err == nil && ms.Name != "" {
			return ms.Name
		}
		n, _, _ := strings.Cut(strings.TrimSpace(s), " ")
		if i := strings.LastIndex(n, "::"); i >= 0 {
			n = n[i+2:]
		}
		return strings.TrimRight(strings.SplitN(n, "=", 2)[0], "<>!~[")
	}
	for _, r := range revs {
		for _, s := range r.RemoveSpecs {
			delete(byName, name(s))
		}
		for _, s := range r.UpdateSpecs {
			byName[name(s)] = s
		}
		for _, s := range r.NeuteredSpecs {
			byName[name(s)] = s
		}
	}
	names := make([]string, 0, len(byName))
	for n := range byName {
		if installed[n] {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = byName[n]
	}
	return out
}
