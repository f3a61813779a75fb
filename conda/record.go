package conda

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// Record is one package build as described by repodata.json (and by
// info/index.json inside the archive), plus where it came from.
//
// Version.String() gives the version exactly as the channel wrote it.
// Timestamp is always in milliseconds since the epoch, whatever unit the
// source used.
type Record struct {
	Name          string
	Version       Version
	Build         string
	BuildNumber   int64
	Depends       []string
	Constrains    []string
	TrackFeatures []string // from "track_features", split on commas/space
	Features      string
	Noarch        string // "", "python" or "generic" (legacy `true` means "generic")
	Subdir        string
	Platform      string
	Arch          string
	Timestamp     int64 // milliseconds
	MD5           string
	SHA256        string
	Size          int64
	License       string
	LicenseFamily string
	// PythonSitePackagesPath is python's own "python_site_packages_path".
	PythonSitePackagesPath string

	// Fn is the archive file name, e.g. "zlib-1.2.13-hd590300_5.conda".
	Fn string
	// URL is where the archive is fetched from.
	URL string
	// Channel is the canonical channel name or URL (without credentials)
	// the record was read from.
	Channel string
}

// DistName returns "name-version-build", conda's dist string and the file
// name of the package without its extension.
func (r *Record) DistName() string {
	return r.Name + "-" + r.Version.String() + "-" + r.Build
}

// ParseFilename splits a package file name ("zlib-1.2.13-hd590300_5.conda",
// "_license-1.1-py27_1.tar.bz2") into its name, version, build and
// extension (".conda" or ".tar.bz2"). A leading directory or URL is ignored.
// The version is not validated. The error quotes fn.
func ParseFilename(fn string) (name, version, build, ext string, err error) {
	base := fn
	if i := strings.LastIndexAny(base, `/\`); i >= 0 {
		base = base[i+1:]
	}
	switch {
	case strings.HasSuffix(base, ".conda"):
		ext = ".conda"
	case strings.HasSuffix(base, ".tar.bz2"):
		ext = ".tar.bz2"
	default:
		return "", "", "", "", fmt.Errorf("invalid package file name %q: extension is not .conda or .tar.bz2", fn)
	}
	dist := base[:len(base)-len(ext)]
	j := strings.LastIndexByte(dist, '-')
	if j <= 0 {
		return "", "", "", "", fmt.Errorf("invalid package file name %q: want name-version-build%s", fn, ext)
	}
	i := strings.LastIndexByte(dist[:j], '-')
	if i <= 0 || i+1 == j || j+1 == len(dist) {
		return "", "", "", "", fmt.Errorf("invalid package file name %q: want name-version-build%s", fn, ext)
	}
	return dist[:i], dist[i+1 : j], dist[j+1:], ext, nil
}

// maxSecondsTimestamp is the largest timestamp conda reads as seconds
// (9999-12-31T23:59:59Z); larger values are milliseconds.
const maxSecondsTimestamp = 253402300799

// UnmarshalJSON decodes one repodata record (an entry of "packages" or
// "packages.conda", or an info/index.json) into r, replacing its contents.
// Unknown keys are ignored. track_features may be a string (comma or space
// separated) or a list; features may be a string or a list (joined with
// spaces); noarch may be a string or the legacy true ("generic");
// timestamps in seconds are converted to milliseconds. "name" and "version"
// are required. Errors name the record (by name when known) and wrap the
// cause, e.g. a [ParseVersion] error.
//
// It is a hand-written decoder several times faster than encoding/json;
// strings are copied, so data may be reused after it returns.
func (r *Record) UnmarshalJSON(data []byte) error {
	*r = Record{}
	d := jsonDecoder{b: data}
	var version string
	var hasName, hasVersion bool
	err := d.object(func(key []byte) error {
		var err error
		switch string(key) {
		case "name":
			r.Name, err = d.stringOrNull()
			hasName = true
		case "version":
			version, err = d.stringOrNull()
			hasVersion = true
		case "build":
			r.Build, err = d.stringOrNull()
		case "build_number":
			r.BuildNumber, err = d.int()
		case "depends":
			r.Depends, err = d.stringList()
		case "constrains":
			r.Constrains, err = d.stringList()
		case "track_features":
			r.TrackFeatures, err = d.features()
		case "features":
			var fs []string
			if d.peek() == '[' {
				fs, err = d.stringList()
				r.Features = strings.Join(fs, " ")
			} else {
				r.Features, err = d.stringOrNull()
			}
		case "noarch":
			r.Noarch, err = d.noarch()
		case "subdir":
			r.Subdir, err = d.internedString()
		case "platform":
			r.Platform, err = d.internedString()
		case "arch":
			r.Arch, err = d.internedString()
		case "timestamp":
			r.Timestamp, err = d.timestamp()
		case "md5":
			r.MD5, err = d.stringOrNull()
		case "sha256":
			r.SHA256, err = d.stringOrNull()
		case "size":
			r.Size, err = d.int()
		case "license":
			r.License, err = d.stringOrNull()
		case "license_family":
			r.LicenseFamily, err = d.stringOrNull()
		case "python_site_packages_path":
			r.PythonSitePackagesPath, err = d.stringOrNull()
		case "fn":
			r.Fn, err = d.stringOrNull()
		case "url":
			r.URL, err = d.stringOrNull()
		case "channel":
			r.Channel, err = d.stringOrNull()
		default:
			err = d.skip()
		}
		if err != nil {
			return fmt.Errorf("field %q: %w", key, err)
		}
		return nil
	})
	if err == nil {
		err = d.end()
	}
	if err == nil && (!hasName || r.Name == "") {
		err = errors.New("missing name")
	}
	if err == nil && (!hasVersion || version == "") {
		err = errors.New("missing version")
	}
	if err == nil {
		r.Version, err = ParseVersion(version)
	}
	if err != nil {
		if r.Name != "" {
			return fmt.Errorf("decoding record %q: %w", r.Name, err)
		}
		return fmt.Errorf("decoding record: %w", err)
	}
	return nil
}

// MarshalJSON encodes r in conda's repodata shape: keys sorted, name,
// version, build, build_number and depends always present, other fields
// only when set, track_features as a space-separated string, timestamp in
// milliseconds.
func (r *Record) MarshalJSON() ([]byte, error) {
	return r.AppendJSON(make([]byte, 0, 512)), nil
}

// AppendJSON appends the encoding of r (as [Record.MarshalJSON]) to b.
func (r *Record) AppendJSON(b []byte) []byte {
	w := jsonWriter{b: append(b, '{')}
	w.str("arch", r.Arch, false)
	w.str("build", r.Build, true)
	w.key("build_number")
	w.b = strconv.AppendInt(w.b, r.BuildNumber, 10)
	w.str("channel", r.Channel, false)
	w.list("constrains", r.Constrains, false)
	w.list("depends", r.Depends, true)
	w.str("features", r.Features, false)
	w.str("fn", r.Fn, false)
	w.str("license", r.License, false)
	w.str("license_family", r.LicenseFamily, false)
	w.str("md5", r.MD5, false)
	w.str("name", r.Name, true)
	w.str("noarch", r.Noarch, false)
	w.str("platform", r.Platform, false)
	w.str("python_site_packages_path", r.PythonSitePackagesPath, false)
	w.str("sha256", r.SHA256, false)
	if r.Size != 0 {
		w.key("size")
		w.b = strconv.AppendInt(w.b, r.Size, 10)
	}
	w.str("subdir", r.Subdir, false)
	if r.Timestamp != 0 {
		w.key("timestamp")
		w.b = strconv.AppendInt(w.b, r.Timestamp, 10)
	}
	if len(r.TrackFeatures) > 0 {
		w.str("track_features", strings.Join(r.TrackFeatures, " "), true)
	}
	w.str("url", r.URL, false)
	w.str("version", r.Version.String(), true)
	return append(w.b, '}')
}

// jsonDecoder is a minimal JSON reader for repodata records: it decodes
// the value types a record uses and skips everything else, validating as
// it goes.
type jsonDecoder struct {
	b []byte
	i int
}

var errJSONEnd = errors.New("unexpected end of JSON input")

func (d *jsonDecoder) ws() {
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

func (d *jsonDecoder) peek() byte {
	d.ws()
	if d.i < len(d.b) {
		return d.b[d.i]
	}
	return 0
}

func (d *jsonDecoder) syntax(what string) error {
	if d.i >= len(d.b) {
		return errJSONEnd
	}
	return fmt.Errorf("invalid character %q at offset %d %s", d.b[d.i], d.i, what)
}

// end checks that only white space follows.
func (d *jsonDecoder) end() error {
	d.ws()
	if d.i != len(d.b) {
		return d.syntax("after top-level value")
	}
	return nil
}

// object reads an object, calling field with each key (valid until the
// next read) positioned at its value.
func (d *jsonDecoder) object(field func(key []byte) error) error {
	if d.peek() != '{' {
		return d.syntax("looking for beginning of object")
	}
	d.i++
	if d.peek() == '}' {
		d.i++
		return nil
	}
	for {
		if d.peek() != '"' {
			return d.syntax("looking for beginning of object key")
		}
		key, err := d.rawString()
		if err != nil {
			return err
		}
		if d.peek() != ':' {
			return d.syntax("after object key")
		}
		d.i++
		d.ws()
		if err := field(key); err != nil {
			return err
		}
		switch d.peek() {
		case ',':
			d.i++
		case '}':
			d.i++
			return nil
		default:
			return d.syntax("after object value")
		}
	}
}

// rawString reads a string and returns its decoded bytes; without escapes
// they alias the input.
func (d *jsonDecoder) rawString() ([]byte, error) {
	d.i++ // opening quote
	start := d.i
	for d.i < len(d.b) {
		c := d.b[d.i]
		switch {
		case c == '"':
			s := d.b[start:d.i]
			d.i++
			return s, nil
		case c == '\\':
			return d.escapedString(start)
		case c < 0x20:
			return nil, d.syntax("in string literal")
		}
		d.i++
	}
	return nil, errJSONEnd
}

func (d *jsonDecoder) escapedString(start int) ([]byte, error) {
	out := append([]byte(nil), d.b[start:d.i]...)
	for d.i < len(d.b) {
		c := d.b[d.i]
		switch {
		case c == '"':
			d.i++
			return out, nil
		case c < 0x20:
			return nil, d.syntax("in string literal")
		case c != '\\':
			out = append(out, c)
			d.i++
			continue
		}
		d.i++
		if d.i >= len(d.b) {
			return nil, errJSONEnd
		}
		e := d.b[d.i]
		d.i++
		switch e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, ok := d.hex4()
			if !ok {
				return nil, d.syntax("in \\u escape")
			}
			if utf16.IsSurrogate(r) {
				r2 := unicode.ReplacementChar
				if d.i+1 < len(d.b) && d.b[d.i] == '\\' && d.b[d.i+1] == 'u' {
					save := d.i
					d.i += 2
					if lo, ok := d.hex4(); ok {
						if dec := utf16.DecodeRune(r, lo); dec != unicode.ReplacementChar {
							r2 = dec
						} else {
							d.i = save
						}
					} else {
						d.i = save
					}
				}
				r = r2
			}
			out = utf8.AppendRune(out, r)
		default:
			d.i--
			return nil, d.syntax("in string escape code")
		}
	}
	return nil, errJSONEnd
}

func (d *jsonDecoder) hex4() (rune, bool) {
	if d.i+4 > len(d.b) {
		return 0, false
	}
	var r rune
	for _, c := range d.b[d.i : d.i+4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	d.i += 4
	return r, true
}

// literal consumes the literal word (true, false, null).
func (d *jsonDecoder) literal(word string) bool {
	if len(d.b)-d.i >= len(word) && string(d.b[d.i:d.i+len(word)]) == word {
		d.i += len(word)
		return true
	}
	return false
}

func (d *jsonDecoder) stringOrNull() (string, error) {
	switch d.peek() {
	case '"':
		s, err := d.rawString()
		return string(s), err
	case 'n':
		if d.literal("null") {
			return "", nil
		}
	}
	return "", d.syntax("looking for a string")
}

// internedString is stringOrNull for fields with few distinct values
// (subdir, platform, arch), returning shared strings for common ones.
func (d *jsonDecoder) internedString() (string, error) {
	if d.peek() != '"' {
		return d.stringOrNull()
	}
	s, err := d.rawString()
	if err != nil {
		return "", err
	}
	for _, p := range knownPlatforms {
		if string(p) == string(s) {
			return string(p), nil
		}
	}
	switch string(s) {
	case "linux":
		return "linux", nil
	case "osx":
		return "osx", nil
	case "win":
		return "win", nil
	case "x86_64":
		return "x86_64", nil
	case "x86":
		return "x86", nil
	case "aarch64":
		return "aarch64", nil
	case "arm64":
		return "arm64", nil
	}
	return string(s), nil
}

func (d *jsonDecoder) stringList() ([]string, error) {
	switch d.peek() {
	case 'n':
		if d.literal("null") {
			return nil, nil
		}
		return nil, d.syntax("looking for a list")
	case '[':
	default:
		return nil, d.syntax("looking for a list")
	}
	d.i++
	if d.peek() == ']' {
		d.i++
		return nil, nil
	}
	out := make([]string, 0, 4)
	for {
		if d.peek() != '"' {
			return nil, d.syntax("looking for a string")
		}
		s, err := d.rawString()
		if err != nil {
			return nil, err
		}
		out = append(out, string(s))
		switch d.peek() {
		case ',':
			d.i++
		case ']':
			d.i++
			return out, nil
		default:
			return nil, d.syntax("after array element")
		}
	}
}

// features reads track_features: a comma/space separated string or a list
// of such strings, split into individual features.
func (d *jsonDecoder) features() ([]string, error) {
	var parts []string
	if d.peek() == '[' {
		l, err := d.stringList()
		if err != nil {
			return nil, err
		}
		parts = l
	} else {
		s, err := d.stringOrNull()
		if err != nil {
			return nil, err
		}
		parts = []string{s}
	}
	var out []string
	for _, p := range parts {
		for f := range strings.FieldsFuncSeq(p, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' || r == '\r' }) {
			out = append(out, f)
		}
	}
	return out, nil
}

func (d *jsonDecoder) noarch() (string, error) {
	switch d.peek() {
	case 't':
		if d.literal("true") {
			return "generic", nil
		}
	case 'f':
		if d.literal("false") {
			return "", nil
		}
	case '"', 'n':
		s, err := d.stringOrNull()
		if err != nil {
			return "", err
		}
		switch s {
		case "python":
			return "python", nil
		case "generic":
			return "generic", nil
		}
		return s, nil
	}
	return "", d.syntax("looking for noarch")
}

// number reads a JSON number, returning its text.
func (d *jsonDecoder) number() ([]byte, error) {
	d.ws()
	start := d.i
	if d.i < len(d.b) && d.b[d.i] == '-' {
		d.i++
	}
	digits := d.i
	for d.i < len(d.b) {
		c := d.b[d.i]
		if c >= '0' && c <= '9' || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-' {
			d.i++
			continue
		}
		break
	}
	if d.i == digits {
		return nil, d.syntax("looking for a number")
	}
	return d.b[start:d.i], nil
}

// int reads an integer (a float with zero fraction, a numeric string or
// null are accepted too).
func (d *jsonDecoder) int() (int64, error) {
	switch d.peek() {
	case 'n':
		if d.literal("null") {
			return 0, nil
		}
		return 0, d.syntax("looking for a number")
	case '"':
		s, err := d.rawString()
		if err != nil {
			return 0, err
		}
		n, err := strconv.ParseInt(strings.TrimSpace(string(s)), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("number in string: %w", err)
		}
		return n, nil
	}
	t, err := d.number()
	if err != nil {
		return 0, err
	}
	if n, ok := atoiFast(t); ok {
		return n, nil
	}
	f, err := strconv.ParseFloat(string(t), 64)
	if err != nil || f != f || f > 1<<62 || f < -(1<<62) {
		return 0, fmt.Errorf("invalid number %q", t)
	}
	if f != float64(int64(f)) {
		return 0, fmt.Errorf("number %q is not an integer", t)
	}
	return int64(f), nil
}

// atoiFast parses a plain decimal integer of at most 18 digits.
func atoiFast(t []byte) (int64, bool) {
	neg := false
	if len(t) > 0 && t[0] == '-' {
		neg, t = true, t[1:]
	}
	if len(t) == 0 || len(t) > 18 || len(t) > 1 && t[0] == '0' {
		return 0, false
	}
	var n int64
	for _, c := range t {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

// timestamp reads a timestamp in seconds or milliseconds (possibly
// fractional) and returns milliseconds, the way conda reads them.
func (d *jsonDecoder) timestamp() (int64, error) {
	if d.peek() == 'n' {
		if d.literal("null") {
			return 0, nil
		}
		return 0, d.syntax("looking for a number")
	}
	t, err := d.number()
	if err != nil {
		return 0, err
	}
	if n, ok := atoiFast(t); ok {
		if n > maxSecondsTimestamp || n < -maxSecondsTimestamp {
			return n, nil
		}
		return n * 1000, nil
	}
	f, err := strconv.ParseFloat(string(t), 64)
	if err != nil || f != f || f > 1<<62 || f < -(1<<62) {
		return 0, fmt.Errorf("invalid timestamp %q", t)
	}
	if f > maxSecondsTimestamp || f < -maxSecondsTimestamp {
		return int64(f), nil
	}
	return int64(f * 1000), nil
}

// skip consumes any JSON value, validating its syntax.
func (d *jsonDecoder) skip() error {
	return d.skipDepth(0)
}

func (d *jsonDecoder) skipDepth(depth int) error {
	if depth > 1000 {
		return errors.New("JSON nested too deeply")
	}
	switch c := d.peek(); c {
	case '"':
		_, err := d.rawString()
		return err
	case '{':
		return d.object(func([]byte) error { return d.skipDepth(depth + 1) })
	case '[':
		d.i++
		if d.peek() == ']' {
			d.i++
			return nil
		}
		for {
			if err := d.skipDepth(depth + 1); err != nil {
				return err
			}
			switch d.peek() {
			case ',':
				d.i++
			case ']':
				d.i++
				return nil
			default:
				return d.syntax("after array element")
			}
		}
	case 't':
		if d.literal("true") {
			return nil
		}
	case 'f':
		if d.literal("false") {
			return nil
		}
	case 'n':
		if d.literal("null") {
			return nil
		}
	default:
		if c == '-' || c >= '0' && c <= '9' {
			t, err := d.number()
			if err != nil {
				return err
			}
			if _, err := strconv.ParseFloat(string(t), 64); err != nil && !errors.Is(err, strconv.ErrRange) {
				return fmt.Errorf("invalid number %q", t)
			}
			return nil
		}
	}
	return d.syntax("looking for beginning of value")
}

// jsonWriter appends a JSON object's members with commas between them.
type jsonWriter struct {
	b     []byte
	comma bool
}

func (w *jsonWriter) key(k string) {
	if w.comma {
		w.b = append(w.b, ',')
	}
	w.comma = true
	w.b = appendJSONString(w.b, k)
	w.b = append(w.b, ':')
}

// str writes k: v, unless v is empty and always is false.
func (w *jsonWriter) str(k, v string, always bool) {
	if v == "" && !always {
		return
	}
	w.key(k)
	w.b = appendJSONString(w.b, v)
}

// list writes k: [...], unless vs is empty and always is false.
func (w *jsonWriter) list(k string, vs []string, always bool) {
	if len(vs) == 0 && !always {
		return
	}
	w.key(k)
	w.b = append(w.b, '[')
	for i, v := range vs {
		if i > 0 {
			w.b = append(w.b, ',')
		}
		w.b = appendJSONString(w.b, v)
	}
	w.b = append(w.b, ']')
}

// appendJSONString appends s as a JSON string, escaping quotes,
// backslashes and control characters; other bytes are written as they are.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
