package resolver

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/envseal/envseal/conda"
)

// The scenario DSL (resolver/testdata/*.txt). A file holds scenarios, each
// starting with "=== name". Lines starting with '#' are comments. Sections:
//
//	index:            one record per line:
//	                  name version build [key=value]...
//	                  keys: depends=[spec; spec] constrains=[...]
//	                  track_features=a,b features=a channel=c1 timestamp=N
//	                  build_number=N subdir=linux-64 fn=x.conda
//	                  (build_number defaults to the digits after the last
//	                  '_' of the build, channel to c1, subdir to linux-64)
//	channels: c1 c2   priority order (inline)
//	priority: strict|flexible|disabled (inline)
//	installed:        records as "name version build [channel]" (must be in
//	locked:           the index unless written with key=values like an
//	virtual:          index line; virtual lines are always full records)
//	pins:             one spec per line
//	request:          one spec per line
//	expect:           "name version build" lines, sorted by name
//	expect-error:     the exact error text (UnsolvableError)
//	expect-notfound:  the exact error text (PackagesNotFoundError)
//
// A scenario may set index: once and later scenarios reuse it with
// "index: same".

type scenario struct {
	name      string
	file      string
	line      int
	index     []*conda.Record
	channels  []string
	priority  ChannelPriority
	installed []*conda.Record
	locked    []*conda.Record
	virtual   []*conda.Record
	pins      []string
	request   []string
	expect    []string
	hasExpect bool
	errText   string
	errKind   string // "", "unsolvable", "notfound"
	// errFrom and errTo delimit the expected error text's lines (0-based,
	// end exclusive), for -update.
	errFrom, errTo int
	got            string
}

var update = flag.Bool("update", false, "rewrite expected error texts in testdata/*.txt")

// mapIndex is an in-memory Index.
type mapIndex struct {
	byName map[string][]*conda.Record
	names  []string
}

func newMapIndex(recs []*conda.Record) *mapIndex {
	ix := &mapIndex{byName: map[string][]*conda.Record{}}
	for _, r := range recs {
		if _, ok := ix.byName[r.Name]; !ok {
			ix.names = append(ix.names, r.Name)
		}
		ix.byName[r.Name] = append(ix.byName[r.Name], r)
	}
	slices.Sort(ix.names)
	return ix
}

func (ix *mapIndex) Candidates(name string) ([]*conda.Record, error) {
	return slices.Clone(ix.byName[name]), nil
}

func (ix *mapIndex) Names() []string { return ix.names }

// splitFields splits an index line into fields, keeping [..] groups whole.
func splitFields(s string) []string {
	var out []string
	depth := 0
	start := -1
	for i, c := range s {
		switch {
		case c == '[':
			depth++
		case c == ']':
			depth--
		}
		if (c == ' ' || c == '\t') && depth == 0 {
			if start >= 0 {
				out = append(out, s[start:i])
				start = -1
			}
			continue
		}
		if start < 0 {
			start = i
		}
	}
	if start >= 0 {
		out = append(out, s[start:])
	}
	return out
}

func parseRecordLine(line string) (*conda.Record, error) {
	f := splitFields(line)
	if len(f) < 3 {
		return nil, fmt.Errorf("record line %q: want name version build", line)
	}
	v, err := conda.ParseVersion(f[1])
	if err != nil {
		return nil, fmt.Errorf("record line %q: %w", line, err)
	}
	r := &conda.Record{Name: f[0], Version: v, Build: f[2], Channel: "c1", Subdir: "linux-64"}
	if i := strings.LastIndexByte(r.Build, '_'); i >= 0 {
		if n, err := strconv.ParseInt(r.Build[i+1:], 10, 64); err == nil {
			r.BuildNumber = n
		}
	} else if n, err := strconv.ParseInt(r.Build, 10, 64); err == nil {
		r.BuildNumber = n
	}
	list := func(v string) []string {
		v = strings.TrimSuffix(strings.TrimPrefix(v, "["), "]")
		var out []string
		for _, s := range strings.Split(v, ";") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
		return out
	}
	for _, kv := range f[3:] {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return nil, fmt.Errorf("record line %q: field %q is not key=value", line, kv)
		}
		switch k {
		case "depends":
			r.Depends = list(v)
		case "constrains":
			r.Constrains = list(v)
		case "track_features":
			for _, t := range strings.Split(v, ",") {
				if t != "" {
					r.TrackFeatures = append(r.TrackFeatures, t)
				}
			}
		case "features":
			r.Features = v
		case "channel":
			r.Channel = v
		case "subdir":
			r.Subdir = v
		case "fn":
			r.Fn = v
		case "timestamp":
			r.Timestamp, err = strconv.ParseInt(v, 10, 64)
		case "build_number":
			r.BuildNumber, err = strconv.ParseInt(v, 10, 64)
		default:
			return nil, fmt.Errorf("record line %q: unknown key %q", line, k)
		}
		if err != nil {
			return nil, fmt.Errorf("record line %q: %w", line, err)
		}
	}
	if r.Fn == "" {
		r.Fn = r.Name + "-" + r.Version.String() + "-" + r.Build + ".conda"
	}
	return r, nil
}

func recordID(r *conda.Record) string {
	return r.Name + " " + r.Version.String() + " " + r.Build
}

// findRecord resolves an installed/locked line against the index.
func findRecord(index []*conda.Record, line string) (*conda.Record, error) {
	f := splitFields(line)
	if len(f) > 3 && strings.Contains(f[3], "=") {
		return parseRecordLine(line)
	}
	for _, r := range index {
		if len(f) >= 3 && r.Name == f[0] && r.Version.String() == f[1] && r.Build == f[2] &&
			(len(f) < 4 || r.Channel == f[3]) {
			return r, nil
		}
	}
	if len(f) >= 3 {
		return parseRecordLine(line)
	}
	return nil, fmt.Errorf("record %q: not in index", line)
}

func parseScenarios(path string) ([]*scenario, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out []*scenario
	var cur *scenario
	var lastIndex []*conda.Record
	section := ""
	var errLines []string
	lines := strings.Split(string(data), "\n")
	inErr := false
	flush := func(n int) {
		if cur != nil && inErr {
			for len(errLines) > 0 && errLines[len(errLines)-1] == "" {
				errLines = errLines[:len(errLines)-1]
				n--
			}
			cur.errText = strings.Join(errLines, "\n")
			cur.errTo = cur.errFrom + len(errLines)
		}
		inErr = false
		errLines = nil
	}
	for n, raw := range lines {
		line := strings.TrimRight(raw, " \t\r")
		where := fmt.Sprintf("%s:%d", path, n+1)
		if strings.HasPrefix(line, "=== ") {
			flush(n)
			cur = &scenario{name: strings.TrimPrefix(line, "=== "), file: path, line: n + 1, index: lastIndex}
			out = append(out, cur)
			section = ""
			continue
		}
		if cur == nil {
			if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
				continue
			}
			return nil, fmt.Errorf("%s: text before the first scenario", where)
		}
		if section == "expect-error" || section == "expect-notfound" {
			if strings.HasSuffix(line, ":") && !strings.HasPrefix(line, " ") && isSection(strings.TrimSuffix(line, ":")) {
				// falls through to section handling
			} else {
				errLines = append(errLines, line)
				continue
			}
		}
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		if head, rest, ok := strings.Cut(trimmed, ":"); ok && isSection(head) && !strings.Contains(head, " ") {
			rest = strings.TrimSpace(rest)
			flush(n)
			section = head
			switch head {
			case "index":
				if rest == "same" {
					cur.index = lastIndex
				} else {
					cur.index = nil
				}
			case "channels":
				cur.channels = strings.Fields(rest)
			case "priority":
				cur.priority, err = ParseChannelPriority(rest)
				if err != nil {
					return nil, fmt.Errorf("%s: %w", where, err)
				}
			case "expect":
				cur.hasExpect = true
			case "expect-error":
				cur.errKind = "unsolvable"
			case "expect-notfound":
				cur.errKind = "notfound"
			}
			if cur.errKind != "" && (head == "expect-error" || head == "expect-notfound") {
				inErr = true
				cur.errFrom = n + 1
			}
			continue
		}
		switch section {
		case "index":
			r, err := parseRecordLine(trimmed)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", where, err)
			}
			cur.index = append(cur.index, r)
			lastIndex = cur.index
		case "installed", "locked":
			r, err := findRecord(cur.index, trimmed)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", where, err)
			}
			if section == "installed" {
				cur.installed = append(cur.installed, r)
			} else {
				cur.locked = append(cur.locked, r)
			}
		case "virtual":
			r, err := parseRecordLine(trimmed)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", where, err)
			}
			r.Channel = "@"
			cur.virtual = append(cur.virtual, r)
		case "pins":
			cur.pins = append(cur.pins, trimmed)
		case "request":
			cur.request = append(cur.request, trimmed)
		case "expect":
			cur.expect = append(cur.expect, strings.Join(strings.Fields(trimmed), " "))
		default:
			return nil, fmt.Errorf("%s: line outside a section: %q", where, trimmed)
		}
	}
	flush(len(lines))
	return out, nil
}

func isSection(s string) bool {
	switch s {
	case "index", "channels", "priority", "installed", "locked", "virtual", "pins", "request",
		"expect", "expect-error", "expect-notfound":
		return true
	}
	return false
}

func (sc *scenario) buildRequest() (Request, error) {
	req := Request{Channels: sc.channels, ChannelPriority: sc.priority, Installed: sc.installed,
		Locked: sc.locked, Virtual: sc.virtual}
	for _, s := range sc.request {
		m, err := conda.ParseMatchSpec(s)
		if err != nil {
			return req, err
		}
		req.Specs = append(req.Specs, m)
	}
	for _, s := range sc.pins {
		m, err := conda.ParseMatchSpec(s)
		if err != nil {
			return req, err
		}
		req.Pins = append(req.Pins, m)
	}
	return req, nil
}

func (sc *scenario) run(t *testing.T) {
	t.Helper()
	req, err := sc.buildRequest()
	if err != nil {
		t.Fatalf("%s:%d: %v", sc.file, sc.line, err)
	}
	sol, err := Solve(context.Background(), newMapIndex(sc.index), req)
	switch sc.errKind {
	case "unsolvable", "notfound":
		if err == nil {
			t.Fatalf("%s:%d: solved, want error; got:\n%s", sc.file, sc.line, formatSolution(sol))
		}
		if sc.errKind == "unsolvable" {
			var ue *UnsolvableError
			if !errors.As(err, &ue) {
				t.Fatalf("%s:%d: error %T %v, want *UnsolvableError", sc.file, sc.line, err, err)
			}
		} else {
			var ne *PackagesNotFoundError
			if !errors.As(err, &ne) {
				t.Fatalf("%s:%d: error %T %v, want *PackagesNotFoundError", sc.file, sc.line, err, err)
			}
		}
		sc.got = err.Error()
		if got := err.Error(); got != sc.errText && !*update {
			t.Errorf("%s:%d: error text:\n%s\nwant:\n%s", sc.file, sc.line, got, sc.errText)
		}
	default:
		if err != nil {
			t.Fatalf("%s:%d: %v", sc.file, sc.line, err)
		}
		got := formatSolution(sol)
		want := strings.Join(sc.expect, "\n")
		if got != want {
			t.Errorf("%s:%d: solution:\n%s\nwant:\n%s", sc.file, sc.line, got, want)
		}
		if !sc.hasExpect {
			t.Errorf("%s:%d: scenario has no expect section", sc.file, sc.line)
		}
	}
}

func formatSolution(sol *Solution) string {
	if sol == nil {
		return "<nil>"
	}
	lines := make([]string, len(sol.Records))
	for i, r := range sol.Records {
		lines[i] = recordID(r)
	}
	return strings.Join(lines, "\n")
}

func TestScenarios(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no scenario files in testdata")
	}
	for _, f := range files {
		scs, err := parseScenarios(f)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(strings.TrimSuffix(filepath.Base(f), ".txt"), func(t *testing.T) {
			for _, sc := range scs {
				t.Run(sc.name, func(t *testing.T) {
					if !*update {
						t.Parallel()
					}
					sc.run(t)
				})
			}
		})
		if *update {
			if err := rewriteErrors(f, scs); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// rewriteErrors replaces the expected error texts of f with the errors the
// scenarios produced.
func rewriteErrors(f string, scs []*scenario) error {
	data, err := os.ReadFile(f)
	if err != nil {
		return err
	}
	lines := strings.Split(string(data), "\n")
	for i := len(scs) - 1; i >= 0; i-- {
		sc := scs[i]
		if sc.errKind == "" || sc.got == "" {
			continue
		}
		repl := strings.Split(sc.got, "\n")
		lines = slices.Concat(lines[:sc.errFrom], repl, lines[sc.errTo:])
	}
	return os.WriteFile(f, []byte(strings.Join(lines, "\n")), 0o644)
}
