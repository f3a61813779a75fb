package channel

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/envseal/envseal/conda"
)

// This file decodes one record value (a JSON object) into a conda.Record.
// It is a small strict JSON reader specialised for the repodata record
// shape, which is several times faster than encoding/json into a struct and
// tolerates the type variations real repodata has (timestamps in seconds or
// milliseconds, noarch as a bool, track_features as a string or a list,
// nulls everywhere).

// maxSecondsTimestamp is the largest timestamp read as seconds (the end of
// year 9999); larger values are milliseconds. This is conda's rule.
const maxSecondsTimestamp = 253402300799

type reader struct {
	b []byte
	i int
}

func (r *reader) fail(format string, args ...any) error {
	return errAt(r.i, format, args...)
}

func (r *reader) ws() {
	for r.i < len(r.b) && isSpace(r.b[r.i]) {
		r.i++
	}
}

func (r *reader) peek() byte {
	if r.i < len(r.b) {
		return r.b[r.i]
	}
	return 0
}

// literal consumes the literal lit (true, false, null).
func (r *reader) literal(lit string) bool {
	if len(r.b)-r.i >= len(lit) && string(r.b[r.i:r.i+len(lit)]) == lit {
		r.i += len(lit)
		return true
	}
	return false
}

// str reads a JSON string, validating escapes and UTF-8.
func (r *reader) str() (string, error) {
	if r.peek() != '"' {
		return "", r.fail("want a string")
	}
	start := r.i + 1
	for j := start; j < len(r.b); j++ {
		c := r.b[j]
		switch {
		case c == '"':
			s := r.b[start:j]
			if !utf8.Valid(s) {
				return "", r.fail("invalid UTF-8 in string")
			}
			r.i = j + 1
			return string(s), nil
		case c == '\\':
			return r.slowStr()
		case c < 0x20:
			return "", errAt(j, "control character in string")
		}
	}
	return "", r.fail("unterminated string")
}

// slowStr reads a string with escapes through encoding/json.
func (r *reader) slowStr() (string, error) {
	start := r.i
	j := start + 1
	for ; j < len(r.b); j++ {
		if r.b[j] == '\\' {
			j++
			continue
		}
		if r.b[j] == '"' {
			break
		}
	}
	if j >= len(r.b) {
		return "", r.fail("unterminated string")
	}
	var s string
	if err := json.Unmarshal(r.b[start:j+1], &s); err != nil {
		return "", r.fail("bad string: %v", err)
	}
	r.i = j + 1
	return s, nil
}

// strOrNull reads a string or null (as "").
func (r *reader) strOrNull() (string, error) {
	if r.literal("null") {
		return "", nil
	}
	return r.str()
}

// number reads a JSON number token and returns its text.
func (r *reader) number() (string, error) {
	start := r.i
	j := r.i
	if j < len(r.b) && r.b[j] == '-' {
		j++
	}
	digits := j
	for j < len(r.b) && r.b[j] >= '0' && r.b[j] <= '9' {
		j++
	}
	if j == digits {
		return "", r.fail("want a number")
	}
	if r.b[digits] == '0' && j-digits > 1 {
		return "", r.fail("number with a leading zero")
	}
	if j < len(r.b) && r.b[j] == '.' {
		j++
		f := j
		for j < len(r.b) && r.b[j] >= '0' && r.b[j] <= '9' {
			j++
		}
		if j == f {
			return "", r.fail("bad number")
		}
	}
	if j < len(r.b) && (r.b[j] == 'e' || r.b[j] == 'E') {
		j++
		if j < len(r.b) && (r.b[j] == '+' || r.b[j] == '-') {
			j++
		}
		f := j
		for j < len(r.b) && r.b[j] >= '0' && r.b[j] <= '9' {
			j++
		}
		if j == f {
			return "", r.fail("bad number exponent")
		}
	}
	r.i = j
	return string(r.b[start:j]), nil
}

// integer reads a number that must be integral (null reads as 0).
func (r *reader) integer() (int64, error) {
	if r.literal("null") {
		return 0, nil
	}
	at := r.i
	s, err := r.number()
	if err != nil {
		return 0, err
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != math.Trunc(f) || math.Abs(f) > math.MaxInt64/2 {
		return 0, errAt(at, "want an integer, found %s", s)
	}
	return int64(f), nil
}

// strList reads an array of strings, or null.
func (r *reader) strList() ([]string, error) {
	if r.literal("null") {
		return nil, nil
	}
	if r.peek() != '[' {
		return nil, r.fail("want an array of strings")
	}
	r.i++
	r.ws()
	out := []string{}
	if r.peek() == ']' {
		r.i++
		return out, nil
	}
	for {
		r.ws()
		s, err := r.str()
		if err != nil {
			return nil, err
		}
		out = append(out, s)
		r.ws()
		switch r.peek() {
		case ',':
			r.i++
		case ']':
			r.i++
			return out, nil
		default:
			return nil, r.fail("want ',' or ']' in an array")
		}
	}
}

// skip reads and discards any value, checking its syntax.
func (r *reader) skip(depth int) error {
	if depth > maxDepth {
		return r.fail("nesting deeper than %d", maxDepth)
	}
	switch c := r.peek(); {
	case c == '"':
		_, err := r.str()
		return err
	case c == '{':
		r.i++
		r.ws()
		if r.peek() == '}' {
			r.i++
			return nil
		}
		for {
			r.ws()
			if _, err := r.str(); err != nil {
				return err
			}
			r.ws()
			if r.peek() != ':' {
				return r.fail("want ':'")
			}
			r.i++
			r.ws()
			if err := r.skip(depth + 1); err != nil {
				return err
			}
			r.ws()
			switch r.peek() {
			case ',':
				r.i++
			case '}':
				r.i++
				return nil
			default:
				return r.fail("want ',' or '}'")
			}
		}
	case c == '[':
		r.i++
		r.ws()
		if r.peek() == ']' {
			r.i++
			return nil
		}
		for {
			r.ws()
			if err := r.skip(depth + 1); err != nil {
				return err
			}
			r.ws()
			switch r.peek() {
			case ',':
				r.i++
			case ']':
				r.i++
				return nil
			default:
				return r.fail("want ',' or ']'")
			}
		}
	case c == 't':
		if r.literal("true") {
			return nil
		}
	case c == 'f':
		if r.literal("false") {
			return nil
		}
	case c == 'n':
		if r.literal("null") {
			return nil
		}
	case c == '-' || (c >= '0' && c <= '9'):
		_, err := r.number()
		return err
	}
	return r.fail("unexpected character %q", r.peek())
}

// splitFeatures splits a track_features/features string on commas and
// spaces, dropping empty parts.
func splitFeatures(s string) []string {
	f := strings.FieldsFunc(s, func(c rune) bool { return c == ',' || c == ' ' || c == '\t' })
	if len(f) == 0 {
		return nil
	}
	return f
}

// decodeRecord decodes one record object. The returned record has no Fn,
// URL or Channel; version is the raw version string.
func decodeRecord(b []byte, rec *conda.Record) (version string, hasVersion bool, err error) {
	r := reader{b: b}
	r.ws()
	if r.peek() != '{' {
		return "", false, r.fail("record is not an object")
	}
	r.i++
	r.ws()
	if r.peek() == '}' {
		r.i++
		return "", false, r.end()
	}
	for {
		r.ws()
		key, err := r.str()
		if err != nil {
			return "", false, err
		}
		r.ws()
		if r.peek() != ':' {
			return "", false, r.fail("want ':' after %q", key)
		}
		r.i++
		r.ws()
		at := r.i
		switch key {
		case "name":
			rec.Name, err = r.strOrNull()
		case "version":
			if r.peek() == '"' {
				version, err = r.str()
				hasVersion = true
			} else if r.peek() == '-' || (r.peek() >= '0' && r.peek() <= '9') {
				// A bare number, as some hand-written indexes have.
				version, err = r.number()
				hasVersion = true
			} else {
				err = r.fail("version: want a string")
			}
		case "build":
			rec.Build, err = r.strOrNull()
		case "build_number":
			rec.BuildNumber, err = r.integer()
		case "depends":
			rec.Depends, err = r.strList()
		case "constrains":
			rec.Constrains, err = r.strList()
		case "track_features":
			switch r.peek() {
			case '[':
				var l []string
				l, err = r.strList()
				for _, s := range l {
					rec.TrackFeatures = append(rec.TrackFeatures, splitFeatures(s)...)
				}
			default:
				var s string
				s, err = r.strOrNull()
				rec.TrackFeatures = splitFeatures(s)
			}
		case "features":
			if r.peek() == '[' {
				var l []string
				l, err = r.strList()
				rec.Features = strings.Join(l, " ")
			} else {
				rec.Features, err = r.strOrNull()
			}
		case "noarch":
			switch {
			case r.literal("true"):
				rec.Noarch = "generic"
			case r.literal("false"), r.literal("null"):
				rec.Noarch = ""
			default:
				rec.Noarch, err = r.str()
			}
		case "subdir":
			rec.Subdir, err = r.strOrNull()
		case "platform":
			rec.Platform, err = r.strOrNull()
		case "arch":
			rec.Arch, err = r.strOrNull()
		case "timestamp":
			if r.literal("null") {
				break
			}
			var s string
			s, err = r.number()
			if err == nil {
				var f float64
				f, err = strconv.ParseFloat(s, 64)
				if err == nil {
					if f <= maxSecondsTimestamp {
						f *= 1000
					}
					if f > math.MaxInt64/2 || f < -math.MaxInt64/2 {
						err = errAt(at, "timestamp %s out of range", s)
					} else {
						rec.Timestamp = int64(f)
					}
				}
			}
		case "md5":
			rec.MD5, err = r.strOrNull()
		case "sha256":
			rec.SHA256, err = r.strOrNull()
		case "size":
			rec.Size, err = r.integer()
		case "license":
			rec.License, err = r.strOrNull()
		case "license_family":
			rec.LicenseFamily, err = r.strOrNull()
		case "python_site_packages_path":
			rec.PythonSitePackagesPath, err = r.strOrNull()
		default:
			err = r.skip(1)
		}
		if err != nil {
			return "", false, fmt.Errorf("field %q: %w", key, err)
		}
		r.ws()
		switch r.peek() {
		case ',':
			r.i++
		case '}':
			r.i++
			return version, hasVersion, r.end()
		default:
			return "", false, r.fail("want ',' or '}' after %q", key)
		}
	}
}

func (r *reader) end() error {
	r.ws()
	if r.i != len(r.b) {
		return r.fail("unexpected data after the record")
	}
	return nil
}
