package channel

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"
)

// This file holds the one fast pass over a repodata document. It checks the
// structure (balanced brackets, terminated strings, nothing after the top
// level object) and records, per package name, where each record's key and
// value lie. Records are decoded later, in decode.go, only when asked for.

// maxDocSize is the largest document the compact uint32 offsets can address.
const maxDocSize = math.MaxUint32

// maxDepth bounds nesting inside a record value.
const maxDepth = 512

// entry locates one record in the raw document: the key ("fn") and the
// value (a JSON object). 16 bytes per record.
type entry struct {
	keyOff uint32
	valOff uint32
	valLen uint32
	keyLen uint16
	flags  uint16
}

const (
	flagConda   uint16 = 1 << iota // key ends in .conda
	flagTarBz2                     // key ends in .tar.bz2
	flagEscKey                     // key contains a backslash escape
	flagSection                    // record came from "packages.conda" (else "packages" or flat)
)

// syntaxError reports malformed JSON at a byte offset of a document.
type syntaxError struct {
	off int
	msg string
}

func (e *syntaxError) Error() string {
	return fmt.Sprintf("invalid JSON at offset %d: %s", e.off, e.msg)
}

func errAt(off int, format string, args ...any) error {
	return &syntaxError{off: off, msg: fmt.Sprintf(format, args...)}
}

// docInfo is what the scan learns from the small top-level keys.
type docInfo struct {
	Subdir          string
	BaseURL         string
	RepodataVersion int
}

// scanned is the result of a scan: per-name groups of entries.
type scanned struct {
	info    docInfo
	names   []string // sorted
	starts  []int32  // len(names)+1; entries of names[i] are entries[starts[i]:starts[i+1]]
	entries []entry
}

// scanner walks a document.
type scanner struct {
	data    []byte
	stack   []byte
	nameEsc bool // the name found by the last container call has escapes

	nameIDs map[string]int32
	names   []string
	ids     []int32
	entries []entry

	// release, when set, is called with an offset below which the scan
	// will not read data again (every releaseWindow bytes), so that a
	// memory-mapped document can hand its pages back as the scan moves on.
	release     func(off int)
	nextRelease int
}

// releaseWindow is how often the scan calls scanner.release.
const releaseWindow = 16 << 20

func isSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\r' || c == '\t' }

func (s *scanner) ws(i int) int {
	for i < len(s.data) && isSpace(s.data[i]) {
		i++
	}
	return i
}

// str skips the string starting at data[i] == '"' and returns the index just
// past its closing quote and whether it contains escapes.
func (s *scanner) str(i int) (int, bool, error) {
	d := s.data
	start := i
	i++
	esc := false
	for {
		j := bytes.IndexByte(d[i:], '"')
		if j < 0 {
			return 0, false, errAt(start, "unterminated string")
		}
		q := i + j
		if bytes.IndexByte(d[i:q], '\\') < 0 {
			return q + 1, esc, nil
		}
		esc = true
		// Count backslashes immediately before the quote.
		n := 0
		for k := q - 1; k >= i && d[k] == '\\'; k-- {
			n++
		}
		if n%2 == 0 {
			return q + 1, esc, nil
		}
		i = q + 1
	}
}

// scalar skips a literal (number, true, false, null) starting at i.
func (s *scanner) scalar(i int) (int, error) {
	d := s.data
	start := i
	for i < len(d) {
		c := d[i]
		if (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || c == '-' || c == '+' || c == '.' || c == 'E' {
			i++
			continue
		}
		break
	}
	if i == start {
		if i >= len(d) {
			return 0, errAt(i, "unexpected end of input")
		}
		return 0, errAt(i, "unexpected character %q", d[i])
	}
	return i, nil
}

// value skips any JSON value starting at i (no leading space).
func (s *scanner) value(i int) (int, error) {
	if i >= len(s.data) {
		return 0, errAt(i, "unexpected end of input")
	}
	switch s.data[i] {
	case '"':
		end, _, err := s.str(i)
		return end, err
	case '{', '[':
		end, _, _, err := s.container(i, false)
		return end, err
	default:
		return s.scalar(i)
	}
}

// container skips the object or array starting at data[i]. With wantName it
// also reports the byte range of the string value of the object's top-level
// "name" key (nameStart < 0 when there is none; s.nameEsc tells whether
// it holds escapes), checking the structure as
// it goes: brackets match and strings terminate. Finer syntax is checked
// when the value is decoded.
func (s *scanner) container(i int, wantName bool) (end, nameStart, nameEnd int, err error) {
	d := s.data
	stack := s.stack[:0]
	nameStart, nameEnd = -1, -1
	s.nameEsc = false
	expectKey := d[i] == '{'
	pendingName := false
	stack = append(stack, d[i])
	i++
	for i < len(d) {
		c := d[i]
		switch c {
		case '"':
			j, esc, err := s.str(i)
			if err != nil {
				return 0, 0, 0, err
			}
			if wantName && len(stack) == 1 {
				if expectKey {
					pendingName = j-i == 6 && string(d[i+1:j-1]) == "name"
					expectKey = false
				} else if pendingName {
					pendingName = false
					nameStart, nameEnd = i+1, j-1
					s.nameEsc = esc
				}
			}
			i = j
			continue
		case '{', '[':
			if len(stack) >= maxDepth {
				return 0, 0, 0, errAt(i, "nesting deeper than %d", maxDepth)
			}
			stack = append(stack, c)
			pendingName = false
		case '}', ']':
			open := stack[len(stack)-1]
			if (c == '}') != (open == '{') {
				return 0, 0, 0, errAt(i, "mismatched %q", c)
			}
			stack = stack[:len(stack)-1]
			if len(stack) == 0 {
				s.stack = stack
				return i + 1, nameStart, nameEnd, nil
			}
		case ',':
			if len(stack) == 1 {
				expectKey = stack[0] == '{'
				pendingName = false
			}
		}
		i++
	}
	s.stack = stack
	return 0, 0, 0, errAt(len(d), "unexpected end of input inside a value")
}

// object iterates over the members of the object starting at data[i],
// calling member with the key's raw range (quotes excluded) and the offset
// of the value (after the colon and spaces). member returns the offset
// just past the value. object returns the offset past the closing brace.
func (s *scanner) object(i int, member func(keyStart, keyEnd int, esc bool, valStart int) (int, error)) (int, error) {
	d := s.data
	if i >= len(d) || d[i] != '{' {
		if i >= len(d) {
			return 0, errAt(i, "unexpected end of input, want an object")
		}
		return 0, errAt(i, "want an object, found %q", d[i])
	}
	i = s.ws(i + 1)
	if i < len(d) && d[i] == '}' {
		return i + 1, nil
	}
	for {
		if i >= len(d) {
			return 0, errAt(i, "unexpected end of input in an object")
		}
		if d[i] != '"' {
			return 0, errAt(i, "want a key, found %q", d[i])
		}
		ke, esc, err := s.str(i)
		if err != nil {
			return 0, err
		}
		j := s.ws(ke)
		if j >= len(d) || d[j] != ':' {
			return 0, errAt(j, "want ':' after key")
		}
		j = s.ws(j + 1)
		end, err := member(i+1, ke-1, esc, j)
		if err != nil {
			return 0, err
		}
		i = s.ws(end)
		if i >= len(d) {
			return 0, errAt(i, "unexpected end of input in an object")
		}
		switch d[i] {
		case ',':
			i = s.ws(i + 1)
		case '}':
			return i + 1, nil
		default:
			return 0, errAt(i, "want ',' or '}', found %q", d[i])
		}
	}
}

// unquote returns the text of a JSON string whose raw bytes (without the
// surrounding quotes) are raw.
func unquote(raw []byte, esc bool) (string, error) {
	if !esc {
		return string(raw), nil
	}
	var out string
	q := make([]byte, 0, len(raw)+2)
	q = append(q, '"')
	q = append(q, raw...)
	q = append(q, '"')
	if err := json.Unmarshal(q, &out); err != nil {
		return "", err
	}
	return out, nil
}

// records scans a section object whose members are records keyed by file
// name, starting at i. flags are added to each entry.
func (s *scanner) records(i int, flags uint16) (int, error) {
	d := s.data
	return s.object(i, func(ks, ke int, esc bool, vs int) (int, error) {
		if vs >= len(d) || d[vs] != '{' {
			return 0, errAt(vs, "record %q is not an object", truncate(d[ks:ke]))
		}
		end, ns, ne, err := s.container(vs, true)
		if err != nil {
			return 0, err
		}
		if ke-ks > math.MaxUint16 {
			return 0, errAt(ks, "record key longer than %d bytes", math.MaxUint16)
		}
		e := entry{keyOff: uint32(ks), keyLen: uint16(ke - ks), valOff: uint32(vs), valLen: uint32(end - vs), flags: flags}
		if esc {
			e.flags |= flagEscKey
		}
		key := d[ks:ke]
		if bytes.HasSuffix(key, []byte(".conda")) {
			e.flags |= flagConda
		} else if bytes.HasSuffix(key, []byte(".tar.bz2")) {
			e.flags |= flagTarBz2
		}
		var name []byte
		switch {
		case ns >= 0 && s.nameEsc:
			n, err := unquote(d[ns:ne], true)
			if err != nil {
				return 0, errAt(ns, "record %q: bad name string: %v", truncate(key), err)
			}
			name = []byte(n)
		case ns >= 0:
			name = d[ns:ne]
		default:
			k, err := unquote(key, esc)
			if err != nil {
				return 0, errAt(ks, "bad key string: %v", err)
			}
			name = []byte(nameFromFn(k))
		}
		id, ok := s.nameIDs[string(name)]
		if !ok {
			id = int32(len(s.names))
			n := string(name)
			s.nameIDs[n] = id
			s.names = append(s.names, n)
		}
		s.ids = append(s.ids, id)
		s.entries = append(s.entries, e)
		if s.release != nil && end >= s.nextRelease {
			s.release(end)
			s.nextRelease = end + releaseWindow
		}
		return end, nil
	})
}

// nameFromFn derives the package name from an archive file name
// "name-version-build.ext" (the fallback for records without "name").
func nameFromFn(fn string) string {
	stem := strings.TrimSuffix(strings.TrimSuffix(fn, ".conda"), ".tar.bz2")
	for k := 0; k < 2; k++ {
		j := strings.LastIndexByte(stem, '-')
		if j < 0 {
			break
		}
		stem = stem[:j]
	}
	return stem
}

func truncate(b []byte) string {
	const n = 80
	if len(b) > n {
		return string(b[:n]) + "…"
	}
	return string(b)
}

func newScanner(data []byte) *scanner {
	return &scanner{data: data, nameIDs: make(map[string]int32), stack: make([]byte, 0, 16)}
}

// scanRepodata makes the structural pass over a repodata.json document.
func scanRepodata(data []byte) (*scanned, error) {
	return scanRepodataRelease(data, nil)
}

// scanRepodataRelease is scanRepodata with a scanner.release hook.
func scanRepodataRelease(data []byte, release func(off int)) (*scanned, error) {
	if len(data) > maxDocSize {
		return nil, fmt.Errorf("document of %d bytes is larger than %d", len(data), maxDocSize)
	}
	s := newScanner(data)
	s.release = release
	s.nextRelease = releaseWindow
	// Pre-size on a guess of ~500 bytes per record.
	s.entries = make([]entry, 0, len(data)/500+16)
	s.ids = make([]int32, 0, len(data)/500+16)
	var info docInfo
	var infoRaw, metaRaw []byte
	i := s.ws(skipBOM(data))
	end, err := s.object(i, func(ks, ke int, esc bool, vs int) (int, error) {
		key, err := unquote(data[ks:ke], esc)
		if err != nil {
			return 0, errAt(ks, "bad key string: %v", err)
		}
		switch key {
		case "packages":
			return s.records(vs, 0)
		case "packages.conda":
			return s.records(vs, flagSection)
		case "info":
			end, err := s.value(vs)
			if err != nil {
				return 0, err
			}
			infoRaw = data[vs:end]
			return end, nil
		case "metadata":
			end, err := s.value(vs)
			if err != nil {
				return 0, err
			}
			metaRaw = data[vs:end]
			return end, nil
		case "repodata_version":
			end, err := s.value(vs)
			if err != nil {
				return 0, err
			}
			if err := json.Unmarshal(data[vs:end], &info.RepodataVersion); err != nil {
				return 0, errAt(vs, "repodata_version: %v", err)
			}
			return end, nil
		default:
			return s.value(vs)
		}
	})
	if err != nil {
		return nil, err
	}
	if j := s.ws(end); j != len(data) {
		return nil, errAt(j, "unexpected data after the top-level object")
	}
	if infoRaw != nil {
		var v struct {
			Subdir  *string `json:"subdir"`
			BaseURL *string `json:"base_url"`
		}
		if err := json.Unmarshal(infoRaw, &v); err != nil {
			return nil, fmt.Errorf("decoding \"info\": %w", err)
		}
		if v.Subdir != nil {
			info.Subdir = *v.Subdir
		}
		if v.BaseURL != nil {
			info.BaseURL = *v.BaseURL
		}
	} else if metaRaw != nil {
		// Some tools (conda-subchannel) write "metadata" instead of "info";
		// only its subdir is taken: its base_url names the channel, not
		// the subdir, and the records there carry their own URLs.
		var v struct {
			Subdir *string `json:"subdir"`
		}
		if json.Unmarshal(metaRaw, &v) == nil && v.Subdir != nil {
			info.Subdir = *v.Subdir
		}
	}
	out := s.group()
	out.info = info
	return out, nil
}

// scanFlat makes the structural pass over a legacy flat index: one object
// mapping file names to records.
func scanFlat(data []byte) (*scanned, error) {
	if len(data) > maxDocSize {
		return nil, fmt.Errorf("document of %d bytes is larger than %d", len(data), maxDocSize)
	}
	s := newScanner(data)
	i := s.ws(skipBOM(data))
	end, err := s.records(i, 0)
	if err != nil {
		return nil, err
	}
	if j := s.ws(end); j != len(data) {
		return nil, errAt(j, "unexpected data after the top-level object")
	}
	return s.group(), nil
}

func skipBOM(data []byte) int {
	if bytes.HasPrefix(data, []byte("\xef\xbb\xbf")) {
		return 3
	}
	return 0
}

// group sorts the names and orders the entries by name (stable, so file
// order is kept within a name) with a counting sort.
func (s *scanner) group() *scanned {
	n := len(s.names)
	order := make([]int32, n) // order[rank] = id
	for id := range order {
		order[id] = int32(id)
	}
	sort.Slice(order, func(a, b int) bool { return s.names[order[a]] < s.names[order[b]] })
	rank := make([]int32, n)
	names := make([]string, n)
	for r, id := range order {
		rank[id] = int32(r)
		names[r] = s.names[id]
	}
	starts := make([]int32, n+1)
	for _, id := range s.ids {
		starts[rank[id]+1]++
	}
	for r := 0; r < n; r++ {
		starts[r+1] += starts[r]
	}
	next := make([]int32, n)
	copy(next, starts[:n])
	entries := make([]entry, len(s.entries))
	for k, id := range s.ids {
		r := rank[id]
		entries[next[r]] = s.entries[k]
		next[r]++
	}
	return &scanned{names: names, starts: starts, entries: entries}
}
