package conda

import (
	"errors"
	"fmt"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// MatchSpec is a parsed conda match specification ("numpy >=1.24 py311*",
// "conda-forge::python=3.10", "pkg[build_number=3]"): a query over
// [Record] fields. A zero or absent field matches anything.
//
// MatchSpec values are immutable once parsed and safe to share between
// goroutines; [MatchSpec.Match] does not allocate.
type MatchSpec struct {
	// Name is the package name, lower-cased; "" or "*" matches any name and
	// a name containing "*" is a glob.
	Name string
	// Version constrains the version; IsAny when absent.
	Version VersionSpec
	// Build is a build-string glob ("py310*"), a regular expression when
	// written "^...$", or "" for any.
	Build string
	// BuildNumber constrains the build number; IsAny when absent.
	BuildNumber BuildNumberSpec
	// Channel restricts the channel the record comes from; nil for any.
	Channel *Channel
	// Subdir restricts the record's subdir exactly; "" for any.
	Subdir string
	// Namespace is the "channel:namespace:name" slot conda reserves; it is
	// kept and printed but never matched.
	Namespace string
	// MD5 and SHA256 must equal the record's hashes when set.
	MD5, SHA256 string
	// License and LicenseFamily are case-insensitive globs.
	License, LicenseFamily string
	// Features and TrackFeatures, when non-nil, must equal the record's
	// feature set exactly (an empty non-nil slice matches records without
	// any). They are sorted and deduplicated by the parser.
	Features, TrackFeatures []string
	// URL and Fn must equal the record's url and file name when set.
	URL, Fn string
	// IgnoredBrackets is the text inside brackets that is not a key=value
	// pair, such as the pip-style extra "execute" of
	// "nbconvert[execute]!=6.0.0" (several runs joined by ","). conda's
	// parser skips such text silently and so does ParseMatchSpec: it never
	// takes part in Match or String. It is kept so that a caller can tell
	// the user what was ignored.
	IgnoredBrackets string

	buildRE *regexp.Regexp // compiled Build when it is "^...$"
}

// ParseMatchSpec parses s with conda's rules and the stock channel
// configuration; see [ParseMatchSpecWithConfig].
func ParseMatchSpec(s string) (MatchSpec, error) {
	return ParseMatchSpecWithConfig(s, ChannelConfig{})
}

// ParseMatchSpecWithConfig parses s as conda's MatchSpec does, resolving a
// channel part ("conda-forge::", "https://host/ch/linux-64::",
// "[channel=...]") with cfg. It accepts the positional forms ("name",
// "name 1.2 py310*", "name=1.2=py310_0", "name>=1.2,<2"), bracket keys
// (which override positional values; a name in brackets is ignored, as in
// conda), a package URL or file name, "# comments", and the legacy
// "feature@" form. Errors quote s (credentials redacted) and wrap the
// cause, including errors from [ParseVersionSpec] and [ParseChannel].
func ParseMatchSpecWithConfig(s string, cfg ChannelConfig) (MatchSpec, error) {
	m, err := parseMatchSpec(s, cfg)
	if err != nil {
		return MatchSpec{}, fmt.Errorf("invalid match spec %q: %w", redactURL(s), err)
	}
	return m, nil
}

// matchSpecKeys are the bracket keys conda accepts.
var matchSpecKeys = [...]string{
	"channel", "subdir", "name", "version", "build", "build_string", "build_number",
	"track_features", "features", "url", "md5", "sha256", "license",
	"license_family", "fn", "namespace",
}

func isMatchSpecKey(k string) bool {
	for _, key := range matchSpecKeys {
		if key == k {
			return true
		}
	}
	return false
}

func parseMatchSpec(s string, cfg ChannelConfig) (MatchSpec, error) {
	var m MatchSpec
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f {
			return m, fmt.Errorf("control character %q", c)
		}
	}
	spec := strings.TrimSpace(s)
	// legacy "feature@" means "any package tracking feature"
	if strings.HasSuffix(spec, "@") && !strings.ContainsAny(spec, " []=<>") {
		f := spec[:len(spec)-1]
		if f == "" {
			return m, errors.New("empty feature name")
		}
		m.Name = "*"
		var err error
		m.TrackFeatures, err = splitFeatures(f)
		return m, err
	}
	if i := strings.IndexByte(spec, '#'); i >= 0 {
		spec = strings.TrimSpace(spec[:i])
	}
	if i := strings.Index(spec, " if "); i >= 0 {
		spec = strings.TrimSpace(spec[:i])
	}
	if spec == "" {
		return m, errors.New("empty spec")
	}
	if hasPackageExt(spec) {
		return parsePackageSpec(spec, cfg)
	}

	// brackets
	brackets := map[string]string{}
	if i := strings.IndexByte(spec, '['); i >= 0 {
		j := strings.LastIndexByte(spec, ']')
		if j < i {
			return m, errors.New("unterminated [")
		}
		ignored, err := parseBrackets(spec[i+1:j], brackets)
		if err != nil {
			return m, err
		}
		m.IgnoredBrackets = ignored
		spec = spec[:i] + spec[j+1:]
	}
	if strings.ContainsAny(spec, "[]") {
		return m, errors.New("multiple brackets sections not allowed")
	}
	if strings.ContainsAny(spec, "'\"") {
		return m, errors.New("quote outside brackets")
	}
	spec = stripParens(spec)
	spec = strings.TrimSpace(spec)

	// channel, namespace
	chanStr, hasChan := "", false
	if i := strings.LastIndex(spec, "::"); i >= 0 {
		chanStr, spec, hasChan = spec[:i], spec[i+2:], true
		if j := strings.IndexByte(chanStr, ':'); j >= 0 && !strings.Contains(chanStr, "://") {
			// "channel:namespace::name" is not a form conda writes
			return m, errors.New("misplaced ':'")
		}
	}
	if i := strings.LastIndexByte(spec, ':'); i >= 0 {
		prefix := spec[:i]
		spec = spec[i+1:]
		if hasChan {
			return m, errors.New("misplaced ':' after '::'")
		}
		if k := strings.LastIndexByte(prefix, ':'); k >= 0 {
			chanStr, m.Namespace, hasChan = prefix[:k], prefix[k+1:], true
		} else {
			m.Namespace = prefix
		}
		if strings.Contains(m.Namespace, "/") {
			return m, fmt.Errorf("invalid namespace %q", m.Namespace)
		}
	}
	if hasChan {
		if err := m.setChannel(chanStr, cfg); err != nil {
			return m, err
		}
	}
	if v, ok := brackets["channel"]; ok {
		if err := m.setChannel(v, cfg); err != nil {
			return m, err
		}
	}
	if v, ok := brackets["subdir"]; ok {
		m.Subdir = v
	}

	// name
	spec = strings.TrimSpace(spec)
	n := strings.IndexAny(spec, " =<>!~")
	if n < 0 {
		n = len(spec)
	}
	if n == 0 {
		return m, errors.New("no package name found")
	}
	name := strings.ToLower(spec[:n])
	if err := checkPackageName(name); err != nil {
		return m, err
	}
	if hasPackageExt(name) {
		return m, fmt.Errorf("package name %q looks like a file name", name)
	}
	m.Name = name
	rest := spec[n:]

	// version and build
	var version, build string
	hasBuild := false
	if len(rest) > 1 {
		if strings.ContainsAny(rest, "[]") {
			return m, errors.New("multiple brackets sections not allowed")
		}
		version, build, hasBuild = splitVersionBuild(strings.TrimSpace(rest))
		version = sanitizeVersion(version, hasBuild)
	}
	if v, ok := brackets["version"]; ok {
		version = sanitizeVersion(v, false)
	}
	if v, ok := brackets["build_string"]; ok {
		build, hasBuild = v, true
	}
	if v, ok := brackets["build"]; ok {
		build, hasBuild = v, true
	}
	if version != "" {
		if strings.Contains(version, "**") {
			return m, fmt.Errorf("invalid version spec %q: repeated '*'", version)
		}
		vs, err := ParseVersionSpec(version)
		if err != nil {
			return m, err
		}
		m.Version = vs
	}
	if hasBuild {
		if err := m.setBuild(build); err != nil {
			return m, err
		}
	}
	var err error
	if v, ok := brackets["build_number"]; ok {
		bn, err := ParseBuildNumberSpec(v)
		if err != nil {
			return m, err
		}
		m.BuildNumber = bn
	}
	if v, ok := brackets["track_features"]; ok {
		if m.TrackFeatures, err = splitFeatures(v); err != nil {
			return m, err
		}
	}
	if v, ok := brackets["features"]; ok {
		if m.Features, err = splitFeatures(v); err != nil {
			return m, err
		}
	}
	m.URL = brackets["url"]
	m.Fn = brackets["fn"]
	m.MD5 = brackets["md5"]
	m.SHA256 = brackets["sha256"]
	m.License = strings.ToLower(brackets["license"])
	m.LicenseFamily = strings.ToLower(brackets["license_family"])
	if v, ok := brackets["namespace"]; ok {
		m.Namespace = v
	}
	return m, nil
}

// setChannel sets Channel (and Subdir from a trailing subdir) from a channel
// string; "*" and "*/subdir" leave Channel nil.
func (m *MatchSpec) setChannel(s string, cfg ChannelConfig) error {
	s = strings.TrimSpace(s)
	if s == "" {
		return errors.New("empty channel before '::'")
	}
	if s == "*" || strings.HasPrefix(s, "*/") {
		m.Channel = nil
		if sub := s[1:]; sub != "" {
			m.Subdir = strings.TrimPrefix(sub, "/")
		}
		return nil
	}
	c, err := ParseChannel(s, cfg)
	if err != nil {
		return err
	}
	m.Channel = &c
	if p := c.Platform(); p != "" {
		m.Subdir = string(p)
	}
	return nil
}

// setBuild sets Build, compiling it when it is a "^...$" regular expression.
func (m *MatchSpec) setBuild(b string) error {
	if b == "" {
		return errors.New("empty build string")
	}
	bad := "'\"[] \t\n\r\v\f"
	if isRegexPattern(b) {
		bad = "'\" \t\n\r\v\f"
	}
	if strings.ContainsAny(b, bad) {
		return fmt.Errorf("invalid build string %q", b)
	}
	m.Build = b
	m.buildRE = nil
	if isRegexPattern(b) {
		re, err := regexp.Compile(b)
		if err != nil {
			return fmt.Errorf("build %q: %w", b, err)
		}
		m.buildRE = re
	}
	return nil
}

func isRegexPattern(s string) bool {
	return len(s) >= 2 && s[0] == '^' && s[len(s)-1] == '$'
}

// parsePackageSpec handles a spec that is a package URL or file path.
func parsePackageSpec(spec string, cfg ChannelConfig) (MatchSpec, error) {
	var m MatchSpec
	for i := 0; i < len(spec); i++ {
		if c := spec[i]; c < 0x20 || c == 0x7f || strings.IndexByte("'\"[]", c) >= 0 {
			return m, fmt.Errorf("invalid character %q in package URL or path", c)
		}
	}
	u := spec
	if !strings.Contains(u, "://") {
		p, err := absLocalPath(u, cfg)
		if err != nil {
			return m, err
		}
		if isDrivePath(p) {
			p = "/" + p
		}
		u = "file://" + p
	}
	fn := path.Base(strings.ReplaceAll(u, `\`, "/"))
	if q := strings.IndexAny(fn, "?#"); q >= 0 {
		return m, errors.New("package URL with a query or fragment")
	}
	if un, err := url.PathUnescape(fn); err == nil {
		fn = un
	}
	dir := u[:len(u)-len(path.Base(u))]
	dir = strings.TrimRight(dir, "/")
	m.Name = "*"
	if sub := path.Base(dir); IsKnownPlatform(sub) {
		name, ver, build, _, err := ParseFilename(fn)
		if err != nil {
			return m, err
		}
		name = strings.ToLower(name)
		if err := checkPackageName(name); err != nil {
			return m, err
		}
		vs, err := ParseVersionSpec(ver)
		if err != nil {
			return m, err
		}
		if !vs.IsExact() {
			return m, fmt.Errorf("version %q in package file name is not a plain version", ver)
		}
		if c, err := ParseChannel(dir, cfg); err == nil {
			// a directory that is not a valid channel (e.g. a path with
			// spaces) leaves a URL-only spec, as for a file outside a subdir
			m.Channel = &c
			m.Subdir = sub
			m.Name = name
			m.Version = vs
			if err := m.setBuild(build); err != nil {
				return m, err
			}
		}
	}
	m.Fn = fn
	m.URL = u
	return m, nil
}

// parseBrackets collects the key=value pairs of a bracket section into kv
// the way conda's _BRACKETS_KV_RE.finditer does: a pair is a key of
// letters, digits, '_' and '-', then '=', then a value that is either
// quoted ('v 2', "v3") or runs to the next ',' or ' ', and the pair ends
// at a ',' or ' ' or the end. Text where no pair starts (pip-style extras
// such as "execute", a value with a stray quote) is skipped, as conda
// skips it; the skipped runs are returned joined by ",". As in conda, an
// empty value is an error (except a quoted empty feature list, which
// String writes), and so is a key that is not a match spec field.
func parseBrackets(s string, kv map[string]string) (ignored string, err error) {
	var skipped []string
	skip := func(t string) {
		if t = strings.Trim(t, ", "); t != "" {
			skipped = append(skipped, t)
		}
	}
	pos := 0
	for pos < len(s) {
		start, key, val, quoted, end := -1, "", "", false, 0
		for p := pos; p < len(s); p++ {
			var ok bool
			if key, val, quoted, end, ok = bracketPairAt(s, p); ok {
				start = p
				break
			}
		}
		if start < 0 {
			skip(s[pos:])
			break
		}
		skip(s[pos:start])
		pos = end
		if !isMatchSpecKey(key) {
			return "", fmt.Errorf("cannot match on field %q", key)
		}
		if val == "" && !(quoted && (key == "features" || key == "track_features")) {
			return "", fmt.Errorf("key-value mismatch in brackets: empty %s", key)
		}
		kv[key] = val
	}
	return strings.Join(skipped, ","), nil
}

// bracketPairAt matches one key=value pair of conda's _BRACKETS_KV_RE at
// s[p:], returning the end of the match (after its delimiter).
func bracketPairAt(s string, p int) (key, val string, quoted bool, end int, ok bool) {
	isKey := func(b byte) bool {
		return isASCIILetter(b) || b >= '0' && b <= '9' || b == '_' || b == '-'
	}
	isDelim := func(i int) bool { return i == len(s) || s[i] == ',' || s[i] == ' ' }
	afterDelim := func(i int) int { return min(i+1, len(s)) }
	q := p
	for q < len(s) && isKey(s[q]) {
		q++
	}
	if q == p || q == len(s) || s[q] != '=' {
		return "", "", false, 0, false
	}
	key = s[p:q]
	v := q + 1
	// a quoted value: no quote inside, the same quote closing it, then a
	// delimiter
	if v < len(s) && (s[v] == '\'' || s[v] == '"') {
		if c := strings.IndexAny(s[v+1:], `'"`); c >= 0 {
			c += v + 1
			if s[c] == s[v] && isDelim(c+1) {
				return key, s[v+1 : c], true, afterDelim(c + 1), true
			}
		}
	}
	// an unquoted value: the shortest run without quotes that reaches a
	// delimiter
	for j := v; ; j++ {
		if isDelim(j) {
			return key, s[v:j], false, afterDelim(j), true
		}
		if s[j] == '\'' || s[j] == '"' {
			return "", "", false, 0, false
		}
	}
}

// stripParens removes a trailing "(target=..., optional)" section, which
// conda parses and ignores. Parentheses that group a version expression are
// left alone.
func stripParens(s string) string {
	t := strings.TrimSpace(s)
	if !strings.HasSuffix(t, ")") {
		return s
	}
	i := strings.LastIndexByte(t, '(')
	if i < 0 {
		return s
	}
	body := t[i+1 : len(t)-1]
	for f := range strings.FieldsFuncSeq(body, func(r rune) bool { return r == ',' || r == ' ' }) {
		k, _, _ := strings.Cut(f, "=")
		if k != "optional" && k != "target" {
			return s
		}
	}
	return t[:i]
}

// checkPackageName validates a (possibly glob) package name.
func checkPackageName(n string) error {
	for i := 0; i < len(n); i++ {
		b := n[i]
		if !(b >= 'a' && b <= 'z' || b >= '0' && b <= '9' || b == '_' || b == '-' || b == '.' || b == '+' || b == '*') {
			return fmt.Errorf("invalid character %q in package name %q", b, n)
		}
	}
	return nil
}

// splitVersionBuild splits the positional "version build" (or
// "version=build") part the way conda does: the build is the text after the
// first space or '=' that is not preceded by an operator and is followed by
// text free of '-', '=', ',', '|', '<', '>', '~'. Spaces are removed from
// the version.
func splitVersionBuild(s string) (version, build string, hasBuild bool) {
	for p := 1; p < len(s)-1; p++ {
		if c := s[p]; c != ' ' && c != '=' {
			continue
		}
		if strings.IndexByte("=!|,<>~", s[p-1]) >= 0 {
			continue
		}
		rest := s[p+1:]
		if strings.ContainsAny(rest, "-=,|<>~") {
			continue
		}
		b := strings.TrimSpace(rest)
		if b == "" {
			continue
		}
		return strings.ReplaceAll(s[:p], " ", ""), b, true
	}
	return strings.ReplaceAll(s, " ", ""), "", false
}

// sanitizeVersion applies conda's rewriting of versions starting with '=':
// "==1.2" is exact "1.2" (without a build), and "=1.2" is the fuzzy "1.2*"
// (without a build; with one it is exact "1.2").
func sanitizeVersion(v string, hasBuild bool) string {
	if v == "=" || v == "==" || !strings.HasPrefix(v, "=") {
		return v
	}
	w := strings.TrimLeft(v, "=")
	if strings.HasPrefix(v, "==") && !hasBuild {
		return w
	}
	if !strings.ContainsAny(w, "=,|") {
		if !hasBuild && !strings.HasSuffix(w, "*") {
			return w + "*"
		}
		return w
	}
	return v
}

// splitFeatures splits a feature list on spaces and commas, sorted and
// without duplicates or empty entries; never nil.
func splitFeatures(s string) ([]string, error) {
	out := []string{}
	for f := range strings.FieldsFuncSeq(s, func(r rune) bool { return r == ' ' || r == ',' }) {
		for i := 0; i < len(f); i++ {
			b := f[i]
			if !(isASCIILetter(b) || b >= '0' && b <= '9' || b == '_' || b == '-' || b == '.' || b == '+') {
				return nil, fmt.Errorf("invalid character %q in feature %q", b, f)
			}
		}
		out = append(out, f)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// IsExactName reports whether m names exactly one package (no glob, not
// "*").
func (m MatchSpec) IsExactName() bool {
	return m.Name != "" && strings.IndexByte(m.Name, '*') < 0
}

// Match reports whether r satisfies every field of m. It does not
// allocate and is safe for concurrent use.
func (m MatchSpec) Match(r *Record) bool {
	if m.Name != "" && m.Name != "*" {
		if strings.IndexByte(m.Name, '*') >= 0 {
			if !globMatch(m.Name, r.Name) {
				return false
			}
		} else if m.Name != r.Name {
			return false
		}
	}
	if !m.Version.IsAny() && !m.Version.Match(r.Version) {
		return false
	}
	if m.Build != "" && !m.matchBuild(r.Build) {
		return false
	}
	if m.BuildNumber.Op != "" && !m.BuildNumber.Match(r.BuildNumber) {
		return false
	}
	if m.Subdir != "" && m.Subdir != r.Subdir {
		return false
	}
	if m.Channel != nil && !m.Channel.MatchRecordChannel(r.Channel) {
		return false
	}
	if m.MD5 != "" && !strings.EqualFold(m.MD5, r.MD5) {
		return false
	}
	if m.SHA256 != "" && !strings.EqualFold(m.SHA256, r.SHA256) {
		return false
	}
	if m.Fn != "" && m.Fn != r.Fn {
		return false
	}
	if m.URL != "" && m.URL != r.URL {
		return false
	}
	if m.License != "" && !globMatchFold(m.License, r.License) {
		return false
	}
	if m.LicenseFamily != "" && !globMatchFold(m.LicenseFamily, r.LicenseFamily) {
		return false
	}
	if m.Features != nil && !sameFeatureSet(m.Features, r.Features) {
		return false
	}
	if m.TrackFeatures != nil && !sameFeatureList(m.TrackFeatures, r.TrackFeatures) {
		return false
	}
	return true
}

func (m *MatchSpec) matchBuild(b string) bool {
	if isRegexPattern(m.Build) {
		if m.buildRE != nil {
			return m.buildRE.MatchString(b)
		}
		re, err := regexp.Compile(m.Build)
		return err == nil && re.MatchString(b)
	}
	if strings.IndexByte(m.Build, '*') >= 0 {
		return globMatch(m.Build, b)
	}
	return m.Build == b
}

// sameFeatureSet reports whether the feature string rec (space or comma
// separated) holds exactly the features in want.
func sameFeatureSet(want []string, rec string) bool {
	seen := 0
	i := 0
	for i < len(rec) {
		for i < len(rec) && (rec[i] == ' ' || rec[i] == ',') {
			i++
		}
		j := i
		for j < len(rec) && rec[j] != ' ' && rec[j] != ',' {
			j++
		}
		if j > i {
			if !slices.Contains(want, rec[i:j]) {
				return false
			}
			seen++
		}
		i = j
	}
	if len(want) == 0 {
		return seen == 0
	}
	for _, w := range want {
		if !featureIn(w, rec) {
			return false
		}
	}
	return true
}

func featureIn(f, rec string) bool {
	for i := 0; i < len(rec); {
		for i < len(rec) && (rec[i] == ' ' || rec[i] == ',') {
			i++
		}
		j := i
		for j < len(rec) && rec[j] != ' ' && rec[j] != ',' {
			j++
		}
		if j > i && rec[i:j] == f {
			return true
		}
		i = j
	}
	return false
}

// sameFeatureList reports whether rec holds exactly the features in want.
func sameFeatureList(want, rec []string) bool {
	n := 0
	for _, f := range rec {
		if f == "" {
			continue
		}
		if !slices.Contains(want, f) {
			return false
		}
		n++
	}
	for _, w := range want {
		if !slices.Contains(rec, w) {
			return false
		}
	}
	return n > 0 || len(want) == 0
}

// globMatch matches s against pattern, where '*' matches any run of bytes
// and every other byte matches itself.
func globMatch(pattern, s string) bool { return glob(pattern, s, false) }

// globMatchFold is globMatch with ASCII case folding.
func globMatchFold(pattern, s string) bool { return glob(pattern, s, true) }

func glob(p, s string, fold bool) bool {
	pi, si := 0, 0
	star, mark := -1, 0
	for si < len(s) {
		if pi < len(p) && p[pi] == '*' {
			star, mark = pi, si
			pi++
			continue
		}
		if pi < len(p) && byteEq(p[pi], s[si], fold) {
			pi++
			si++
			continue
		}
		if star < 0 {
			return false
		}
		pi = star + 1
		mark++
		si = mark
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}

func byteEq(a, b byte, fold bool) bool {
	if a == b {
		return true
	}
	if !fold {
		return false
	}
	if 'A' <= a && a <= 'Z' {
		a += 'a' - 'A'
	}
	if 'A' <= b && b <= 'Z' {
		b += 'a' - 'A'
	}
	return a == b
}

// String returns conda's canonical form of m:
// (channel(/subdir)::)name(version(build))[key=value,...]. An exact
// version is written "==1.2", a fuzzy one "=1.2" (for "1.2.*"), an exact
// build after an exact version "=py310_0"; everything else goes in
// brackets, quoted with single quotes where needed. A url is omitted when a
// channel is present, and fn when a url is. Credentials never appear.
func (m MatchSpec) String() string {
	var b strings.Builder
	var br []string
	chanExact := m.Channel != nil && !m.Channel.IsPattern()
	if chanExact {
		b.WriteString(m.Channel.Name())
		if m.Subdir != "" {
			b.WriteByte('/')
			b.WriteString(m.Subdir)
		}
	} else if m.Channel != nil {
		br = append(br, kvString("channel", m.Channel.Name()))
	}
	if !chanExact && m.Subdir != "" {
		br = append(br, kvString("subdir", m.Subdir))
	}
	if m.Namespace != "" {
		if b.Len() > 0 {
			b.WriteByte(':')
		}
		b.WriteString(m.Namespace)
		b.WriteByte(':')
	} else if b.Len() > 0 {
		b.WriteString("::")
	}
	if m.Name == "" {
		b.WriteByte('*')
	} else {
		b.WriteString(m.Name)
	}

	versionExact := false
	if !m.Version.IsAny() {
		v := m.Version.String()
		switch {
		case strings.ContainsAny(v, "><$^|,()[]' "):
			br = append(br, "version='"+v+"'")
		case strings.HasPrefix(v, "!=") || strings.HasPrefix(v, "~="):
			if m.Build != "" {
				br = append(br, "version='"+v+"'")
			} else {
				b.WriteString(v)
			}
		case strings.HasPrefix(v, "=="):
			b.WriteString(v)
			versionExact = true
		case strings.HasPrefix(v, "=") || strings.HasSuffix(v, "*"):
			// fuzzy: "=1.2", "1.2.*", "1.2*" are all written "=1.2"
			w := strings.TrimPrefix(v, "=")
			w = strings.TrimRight(w, "*.")
			if _, err := ParseVersion(w); w != "" && err != nil {
				br = append(br, "version='"+v+"'")
			} else if w != "" {
				b.WriteByte('=')
				b.WriteString(w)
			}
		default:
			if _, err := ParseVersion(v); err != nil {
				br = append(br, "version='"+v+"'")
				break
			}
			b.WriteString("==")
			b.WriteString(v)
			versionExact = true
		}
	}
	if m.Build != "" {
		switch {
		case versionExact && !strings.ContainsAny(m.Build, "*-=,|<>~ []'\"$^()@#:"):
			b.WriteByte('=')
			b.WriteString(m.Build)
		default:
			br = append(br, kvString("build", m.Build))
		}
	}
	if m.BuildNumber.Op != "" {
		br = append(br, kvString("build_number", m.BuildNumber.String()))
	}
	if m.TrackFeatures != nil {
		br = append(br, kvString("track_features", strings.Join(m.TrackFeatures, " ")))
	}
	if m.Features != nil {
		br = append(br, kvString("features", strings.Join(m.Features, " ")))
	}
	if m.URL != "" && m.Channel == nil {
		br = append(br, kvString("url", redactURL(m.URL)))
	}
	if m.MD5 != "" {
		br = append(br, kvString("md5", m.MD5))
	}
	if m.SHA256 != "" {
		br = append(br, kvString("sha256", m.SHA256))
	}
	if m.License != "" {
		br = append(br, kvString("license", m.License))
	}
	if m.LicenseFamily != "" {
		br = append(br, kvString("license_family", m.LicenseFamily))
	}
	if m.Fn != "" && m.URL == "" {
		br = append(br, kvString("fn", m.Fn))
	}
	if len(br) > 0 {
		b.WriteByte('[')
		b.WriteString(strings.Join(br, ","))
		b.WriteByte(']')
	}
	return b.String()
}

// kvString writes key=value, single-quoting a value that is empty or holds
// a delimiter or operator.
func kvString(k, v string) string {
	if v == "" || strings.ContainsAny(v, ", =[]><$^|") {
		return k + "='" + v + "'"
	}
	return k + "=" + v
}

// BuildNumberSpec constrains a build number: exact ("3", "==3") or with an
// operator ("!=3", "<3", "<=3", ">3", ">=3"). The zero value matches
// anything.
type BuildNumberSpec struct {
	// Op is "", "==", "!=", "<", "<=", ">" or ">="; "" matches anything.
	Op string
	// Value is the number compared against.
	Value int64
}

// ParseBuildNumberSpec parses a build number constraint; "*" and "" match
// anything. The error quotes s.
func ParseBuildNumberSpec(s string) (BuildNumberSpec, error) {
	t := strings.TrimSpace(s)
	if t == "" || t == "*" {
		return BuildNumberSpec{}, nil
	}
	op := "=="
	for _, o := range []string{"==", "!=", "<=", ">=", "<", ">", "="} {
		if strings.HasPrefix(t, o) {
			op = o
			t = strings.TrimSpace(t[len(o):])
			break
		}
	}
	if op == "=" {
		op = "=="
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n < 0 || strings.HasPrefix(t, "+") {
		return BuildNumberSpec{}, fmt.Errorf("invalid build number spec %q", s)
	}
	return BuildNumberSpec{Op: op, Value: n}, nil
}

// IsAny reports whether b matches every build number.
func (b BuildNumberSpec) IsAny() bool { return b.Op == "" }

// Match reports whether n satisfies b.
func (b BuildNumberSpec) Match(n int64) bool {
	switch b.Op {
	case "":
		return true
	case "==":
		return n == b.Value
	case "!=":
		return n != b.Value
	case "<":
		return n < b.Value
	case "<=":
		return n <= b.Value
	case ">":
		return n > b.Value
	case ">=":
		return n >= b.Value
	}
	return false
}

// String returns "3" for an exact match, else the operator and the number
// (">=3"); "*" for any.
func (b BuildNumberSpec) String() string {
	switch b.Op {
	case "":
		return "*"
	case "==":
		return strconv.FormatInt(b.Value, 10)
	}
	return b.Op + strconv.FormatInt(b.Value, 10)
}
