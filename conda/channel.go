package conda

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
)

// DefaultChannelAlias is conda's default channel_alias: a bare channel name
// such as "conda-forge" lives under it.
const DefaultChannelAlias = "https://conda.anaconda.org"

// DefaultsName is the name of conda's multi-channel "defaults".
const DefaultsName = "defaults"

// ChannelConfig is the part of conda's configuration that turns channel
// strings into URLs. The zero value is conda's stock configuration.
type ChannelConfig struct {
	// Alias is conda's channel_alias ("" means DefaultChannelAlias). It may
	// carry a token or basic auth, which then applies to every channel
	// resolved through it.
	Alias string
	// DefaultChannels lists the channels "defaults" expands to, in order:
	// URLs, or names resolved under the alias (conda's default_channels).
	// Nil means DefaultChannelURLs(host platform of the caller's
	// choosing): see [ExpandDefaults].
	DefaultChannels []string
	// CustomChannels maps a channel name to the URL it lives under (conda's
	// custom_channels): {"mychan": "https://host/prefix"} resolves "mychan"
	// (and "mychan/label/dev") to https://host/prefix/mychan. A value
	// without a scheme puts the channel under the alias. Nil means conda's
	// stock table ({"pkgs/pro": "https://repo.anaconda.com"}).
	CustomChannels map[string]string
	// CustomMultichannels maps a name to the channels it stands for
	// (conda's custom_multichannels), each a URL or a name under the
	// alias. Its "defaults" entry, when present, replaces DefaultChannels;
	// "local" is reserved by conda and ignored.
	CustomMultichannels map[string][]string
	// WorkDir resolves relative local paths; "" means the process working
	// directory.
	WorkDir string
	// HomeDir expands a leading "~" in local paths; "" makes such paths an
	// error.
	HomeDir string
}

// DefaultChannelURLs returns the URLs conda's "defaults" expands to for p:
// pkgs/main and pkgs/r on repo.anaconda.com, plus pkgs/msys2 on Windows.
// The caller owns the returned slice.
func DefaultChannelURLs(p Platform) []string {
	out := []string{"https://repo.anaconda.com/pkgs/main", "https://repo.anaconda.com/pkgs/r"}
	if p.IsWindows() {
		out = append(out, "https://repo.anaconda.com/pkgs/msys2")
	}
	return out
}

// Channel is a parsed conda channel: a name resolved through the channel
// alias or custom_channels, a URL, a local directory, the multi-channel
// "defaults", or (only inside match specs) a glob pattern such as "conda-*".
//
// A Channel may hold credentials (an anaconda.org token "/t/<token>/" or
// basic auth). They are only ever returned by [Channel.URLWithCredentials]
// and [Channel.Credentials]: String, GoString, Name, BaseURL, SubdirURL and
// every error leave them out. Channels are immutable values, safe to share.
type Channel struct {
	scheme   string   // "https", "http", "file", "s3", "ftp"; "" for defaults and patterns
	user     string   // basic auth user, "" if none
	password string   // basic auth password
	token    string   // anaconda.org token, "" if none
	location string   // host[:port][/prefix] (no scheme, no credentials); file: the absolute path
	name     string   // channel name relative to location ("conda-forge", "pkgs/main"); may be ""
	platform Platform // subdir the input ended with, if any
	named    bool     // Name() is name (alias, custom or defaults member) rather than the URL
	multi    bool     // a multi-channel: "defaults" or one of custom_multichannels
	pattern  bool     // name is a glob pattern
	members  []Channel
	base     string // credential-free base URL
}

// ParseChannel parses a channel given as a name ("conda-forge",
// "pkgs/main", "conda-forge/label/dev"), "defaults", a URL (http, https,
// s3, ftp, file), possibly carrying "/t/<token>/" or "user:pass@", or a
// local absolute or relative path. A trailing known subdir
// ("https://host/ch/linux-64", "conda-forge/noarch") is split off into
// [Channel.Platform]; a trailing package file name is dropped.
//
// Errors quote the input with any credentials redacted.
func ParseChannel(s string, cfg ChannelConfig) (Channel, error) {
	c, err := parseChannel(strings.TrimSpace(s), cfg)
	if err != nil {
		return Channel{}, fmt.Errorf("invalid channel %q: %w", redactURL(s), err)
	}
	return c, nil
}

// isDefaultsString reports whether s names the "defaults" multi-channel
// (possibly with a subdir).
func isDefaultsString(s string) bool {
	n, _ := splitPackageAndSubdir(strings.TrimRight(strings.TrimSpace(s), "/"))
	return n == DefaultsName
}

var errEmptyChannel = errors.New("empty channel")

func parseChannel(s string, cfg ChannelConfig) (Channel, error) {
	if s == "" {
		return Channel{}, errEmptyChannel
	}
	for i := 0; i < len(s); i++ {
		if b := s[i]; b <= ' ' || b == 0x7f {
			return Channel{}, errors.New("contains a space or control character")
		}
	}
	switch {
	case strings.Contains(s, "://"):
		return parseChannelURL(s, cfg)
	case isLocalPath(s):
		p, err := absLocalPath(s, cfg)
		if err != nil {
			return Channel{}, err
		}
		c, err := fileChannel(escapePath(p))
		if err != nil {
			return Channel{}, err
		}
		return nameKnownLocation(c, cfg)
	}
	return parseChannelName(s, cfg)
}

// isLocalPath reports whether s is written as a filesystem path rather than
// a channel name.
func isLocalPath(s string) bool {
	if s == "." || s == ".." || s == "~" {
		return true
	}
	for _, p := range []string{"/", "./", "../", "~/", `.\`, `..\`, `\`} {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return isDrivePath(s)
}

// isDrivePath reports whether s starts with a Windows drive ("C:\", "C:/").
func isDrivePath(s string) bool {
	return len(s) >= 3 && isASCIILetter(s[0]) && s[1] == ':' && (s[2] == '\\' || s[2] == '/')
}

func isASCIILetter(b byte) bool { return b|0x20 >= 'a' && b|0x20 <= 'z' }

// absLocalPath makes a local channel path absolute, in slash form.
func absLocalPath(s string, cfg ChannelConfig) (string, error) {
	if isDrivePath(s) {
		p := cleanSlash(strings.ReplaceAll(s, `\`, "/"))
		if len(p) == 2 {
			p += "/"
		}
		return p, nil
	}
	s = strings.ReplaceAll(s, `\`, "/")
	if s == "~" || strings.HasPrefix(s, "~/") {
		if cfg.HomeDir == "" {
			return "", errors.New("cannot expand ~ without a home directory")
		}
		s = filepath.ToSlash(cfg.HomeDir) + s[1:]
	}
	if !strings.HasPrefix(s, "/") && !isDrivePath(s) {
		wd := cfg.WorkDir
		if wd == "" {
			abs, err := filepath.Abs(s)
			if err != nil {
				return "", fmt.Errorf("resolving relative path: %w", err)
			}
			return filepath.ToSlash(abs), nil
		}
		s = filepath.ToSlash(wd) + "/" + s
	}
	return cleanSlash(s), nil
}

// escapePath percent-encodes the bytes of a slash path that cannot stand
// in a file:// URL (a drive letter's colon is kept).
func escapePath(p string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		c := p[i]
		if isASCIILetter(c) || c >= '0' && c <= '9' || strings.IndexByte("/-._~!$&()*+,;=@", c) >= 0 || c == ':' && i == 1 && isDrivePath(p) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

// cleanSlash cleans a slash-separated absolute path lexically.
func cleanSlash(p string) string {
	out := filepath.ToSlash(filepath.Clean(filepath.FromSlash(p)))
	if out == "." {
		return "/"
	}
	return out
}

// fileChannel builds a local channel for the absolute slash path p.
func fileChannel(p string) (Channel, error) {
	p = strings.TrimRight(p, "/")
	c := Channel{scheme: "file"}
	p, c.platform = splitPackageAndSubdir(p)
	if endsWithPlatform(p) {
		return Channel{}, errSubdirName
	}
	if p == "" {
		p = "/"
	}
	if len(p) == 2 && isASCIILetter(p[0]) && p[1] == ':' {
		p += "/" // a drive's root
	}
	if isDrivePath(p) {
		p = "/" + p
	}
	c.location = p
	c.base = "file://" + p
	return c, nil
}

// splitPackageAndSubdir drops a trailing package file name and splits off a
// trailing known subdir from a slash path or URL path.
func splitPackageAndSubdir(p string) (string, Platform) {
	p = strings.TrimRight(p, "/")
	if i := strings.LastIndexByte(p, '/'); i >= 0 && hasPackageExt(p[i+1:]) {
		p = strings.TrimRight(p[:i], "/")
	}
	i := strings.LastIndexByte(p, '/')
	if last := p[i+1:]; IsKnownPlatform(last) {
		return strings.TrimRight(p[:max(i, 0)], "/"), Platform(last)
	}
	return p, ""
}

// endsWithPlatform reports whether the last slash segment of p is a known
// subdir; such a channel could not be told from its own subdir.
func endsWithPlatform(p string) bool {
	return IsKnownPlatform(p[strings.LastIndexByte(p, '/')+1:])
}

var errSubdirName = errors.New("channel name ends with a subdir name")

// hasPackageExt reports whether fn ends with a conda package extension.
func hasPackageExt(fn string) bool {
	return strings.HasSuffix(fn, ".conda") || strings.HasSuffix(fn, ".tar.bz2")
}

// urlParts is a URL split the way conda channels need it.
type urlParts struct {
	scheme, user, password, token, host, path string
}

// splitURL splits scheme://[user[:pass]@]host[/path], extracting an
// anaconda.org "/t/<token>" path pair. Query and fragment are dropped.
func splitURL(s string) (urlParts, error) {
	var u urlParts
	i := strings.Index(s, "://")
	u.scheme = strings.ToLower(s[:i])
	rest := s[i+3:]
	if j := strings.IndexAny(rest, "?#"); j >= 0 {
		rest = rest[:j]
	}
	hostEnd := strings.IndexByte(rest, '/')
	if hostEnd < 0 {
		hostEnd = len(rest)
	}
	authority, path := rest[:hostEnd], rest[hostEnd:]
	if at := strings.LastIndexByte(authority, '@'); at >= 0 {
		info := authority[:at]
		authority = authority[at+1:]
		if k := strings.IndexByte(info, ':'); k >= 0 {
			u.user, u.password = info[:k], info[k+1:]
		} else {
			u.user = info
		}
		if u.user == "" {
			return u, errors.New("empty user name before @")
		}
	}
	u.host = strings.ToLower(authority)
	if tok, p, ok := cutToken(path); ok && u.scheme != "file" {
		u.token, path = tok, p
		if _, _, again := cutToken(path); again {
			return u, errors.New("more than one /t/<token> in URL")
		}
	}
	u.path = path
	return u, nil
}

// cutToken removes the first "/t/<token>" segment pair from path.
func cutToken(path string) (token, rest string, ok bool) {
	i := 0
	for {
		j := strings.Index(path[i:], "/t/")
		if j < 0 {
			return "", path, false
		}
		j += i
		start := j + 3
		end := start
		for end < len(path) && isTokenByte(path[end]) {
			end++
		}
		if end > start && (end == len(path) || path[end] == '/') {
			return path[start:end], path[:j] + path[end:], true
		}
		i = j + 1
	}
}

func isTokenByte(b byte) bool {
	return b == '-' || b == '_' || b >= '0' && b <= '9' || b|0x20 >= 'a' && b|0x20 <= 'z'
}

func parseChannelURL(s string, cfg ChannelConfig) (Channel, error) {
	u, err := splitURL(s)
	if err != nil {
		return Channel{}, err
	}
	switch u.scheme {
	case "file":
		if u.user != "" || u.token != "" {
			return Channel{}, errors.New("file URL with credentials")
		}
		p := u.path
		switch u.host {
		case "", "localhost":
		default:
			if isDrivePath(u.host + p) {
				p = u.host + p
			} else {
				return Channel{}, fmt.Errorf("file URL with host %q", u.host)
			}
		}
		if strings.HasPrefix(p, "/") && isDrivePath(p[1:]) {
			p = p[1:]
		}
		if !strings.HasPrefix(p, "/") && !isDrivePath(p) {
			return Channel{}, errors.New("file URL without an absolute path")
		}
		check := p
		if isDrivePath(check) {
			check = check[2:]
		}
		if err := checkURLChars("", check); err != nil {
			return Channel{}, err
		}
		c, err := fileChannel(cleanSlash(p))
		if err != nil {
			return Channel{}, err
		}
		return nameKnownLocation(c, cfg)
	case "http", "https", "s3", "ftp", "gs":
	case "oci": // oci://REGISTRY/REPO: an OCI registry (package channel/oci)
		if strings.Trim(u.path, "/") == "" {
			return Channel{}, errors.New("oci:// channel without a repository (want oci://REGISTRY/REPO)")
		}
	default:
		return Channel{}, fmt.Errorf("unsupported URL scheme %q", u.scheme)
	}
	if u.host == "" {
		return Channel{}, errors.New("URL without a host")
	}
	if err := checkURLChars(u.host, u.path); err != nil {
		return Channel{}, err
	}
	path, plat := splitPackageAndSubdir(strings.TrimRight(u.path, "/"))
	path = strings.Trim(path, "/")
	if endsWithPlatform(path) {
		return Channel{}, errSubdirName
	}
	if strings.Contains(path, "//") {
		return Channel{}, errors.New("empty path segment")
	}
	c := Channel{scheme: u.scheme, user: u.user, password: u.password, token: u.token, platform: plat}
	c.location = u.host
	if path != "" {
		c.location += "/" + path
	}
	c.base = c.scheme + "://" + c.location
	return nameKnownLocation(c, cfg)
}

// checkURLChars rejects characters that have no place in a channel URL's
// host or path (and ':' in the path, which would clash with "::" in match
// specs).
func checkURLChars(host, path string) error {
	for i := 0; i < len(host); i++ {
		c := host[i]
		if !(isASCIILetter(c) || c >= '0' && c <= '9' || strings.IndexByte(".-_:[]%", c) >= 0) {
			return fmt.Errorf("invalid character %q in host", c)
		}
	}
	for i := 0; i < len(path); i++ {
		c := path[i]
		if !(isASCIILetter(c) || c >= '0' && c <= '9' || strings.IndexByte("/-._~%!$&()*+,;=@", c) >= 0) {
			return fmt.Errorf("invalid character %q in URL path", c)
		}
	}
	return nil
}

// underLocation reports whether full is loc or below it, returning the rest.
func underLocation(full, loc string) (string, bool) {
	if full == loc {
		return "", true
	}
	if strings.HasPrefix(full, loc) && full[len(loc)] == '/' {
		return full[len(loc)+1:], true
	}
	return "", false
}

// checkChannelName validates a slash-separated channel name.
func checkChannelName(name string, pattern bool) error {
	if _, _, ok := cutToken("/" + name); ok {
		return errors.New("a \"t/<x>\" segment pair in a channel name reads as a token")
	}
	for seg := range strings.SplitSeq(name, "/") {
		if seg == "" {
			return errors.New("empty segment in channel name")
		}
		if seg == "." || seg == ".." {
			return errors.New("dot segment in channel name")
		}
		for i := 0; i < len(seg); i++ {
			b := seg[i]
			ok := b == '-' || b == '_' || b == '.' || b == '+' || b >= '0' && b <= '9' ||
				b|0x20 >= 'a' && b|0x20 <= 'z' || pattern && b == '*'
			if !ok {
				return fmt.Errorf("character %q not allowed in a channel name", b)
			}
		}
	}
	return nil
}

// Name returns the channel's short name as conda prints it: "conda-forge"
// or "pkgs/main" for channels under the channel alias, custom_channels or
// defaults, "defaults" for the multi-channel, and otherwise the base URL
// without credentials (local channels give "file:///abs/path").
//
// Unlike conda's canonical_name, a member of defaults reports its own name
// ("pkgs/main") rather than "defaults"; [Channel.IsDefaultsMember] tells.
func (c Channel) Name() string {
	if c.named {
		return c.name
	}
	return c.base
}

// String returns Name(); it never contains credentials.
func (c Channel) String() string { return c.Name() }

// GoString returns a Go-syntax-like description without credentials, so
// that %#v cannot leak them.
func (c Channel) GoString() string {
	return fmt.Sprintf("conda.Channel(%q)", c.Name())
}

// BaseURL returns the channel's URL without credentials and without a
// subdir ("https://conda.anaconda.org/conda-forge"), or "" for "defaults"
// and patterns.
func (c Channel) BaseURL() string {
	if c.multi || c.pattern {
		return ""
	}
	return c.base
}

// SubdirURL returns BaseURL()/subdir, without credentials; "" for
// "defaults" and patterns.
func (c Channel) SubdirURL(subdir Platform) string {
	b := c.BaseURL()
	if b == "" {
		return ""
	}
	return b + "/" + string(subdir)
}

// URLWithCredentials returns the base URL with its credentials, for
// fetching: "https://user:pass@host/t/<token>/name". Never log it.
func (c Channel) URLWithCredentials() string {
	if c.multi || c.pattern {
		return ""
	}
	if c.user == "" && c.token == "" {
		return c.base
	}
	var b strings.Builder
	b.WriteString(c.scheme)
	b.WriteString("://")
	if c.user != "" {
		b.WriteString(c.user)
		if c.password != "" {
			b.WriteByte(':')
			b.WriteString(c.password)
		}
		b.WriteByte('@')
	}
	host, path, _ := strings.Cut(c.location, "/")
	b.WriteString(host)
	if c.token != "" {
		b.WriteString("/t/")
		b.WriteString(c.token)
	}
	if path != "" {
		b.WriteByte('/')
		b.WriteString(path)
	}
	if c.name != "" {
		b.WriteByte('/')
		b.WriteString(c.name)
	}
	return b.String()
}

// Credentials returns the basic-auth user and password and the
// anaconda.org token the channel carries ("" when absent).
func (c Channel) Credentials() (user, password, token string) {
	return c.user, c.password, c.token
}

// HasCredentials reports whether the channel carries a token or basic auth.
func (c Channel) HasCredentials() bool { return c.user != "" || c.token != "" }

// Platform returns the subdir the channel string ended with
// ("https://host/ch/linux-64"), or "".
func (c Channel) Platform() Platform { return c.platform }

// IsDefaults reports whether c is the multi-channel "defaults".
func (c Channel) IsDefaults() bool { return c.multi && c.name == DefaultsName }

// IsMultiChannel reports whether c stands for several channels: "defaults"
// or a name from custom_multichannels. [Channel.Members] lists them.
func (c Channel) IsMultiChannel() bool { return c.multi }

// Members returns the channels a multi-channel stood for when c was parsed
// (nil for any other channel); for "defaults" with the stock
// configuration, that includes pkgs/msys2 (see [ExpandDefaults] for one
// platform's list). The caller owns the returned slice.
func (c Channel) Members() []Channel {
	if !c.multi {
		return nil
	}
	return append([]Channel(nil), c.members...)
}

// IsLocal reports whether c is a local directory (file:// URL).
func (c Channel) IsLocal() bool { return c.scheme == "file" }

// IsPattern reports whether c is a glob pattern such as "conda-*" (only
// meaningful inside a match spec).
func (c Channel) IsPattern() bool { return c.pattern }

// IsZero reports whether c is the zero Channel.
func (c Channel) IsZero() bool { return c.base == "" && !c.multi }

// Equal reports whether c and d name the same channel at the same location
// (credentials and a trailing subdir are ignored).
func (c Channel) Equal(d Channel) bool {
	if c.multi || d.multi {
		return c.multi == d.multi && c.name == d.name
	}
	return c.base == d.base && c.pattern == d.pattern
}

// MatchRecordChannel reports whether a record whose channel field is rc
// (a name such as "conda-forge" or a URL such as
// "https://conda.anaconda.org/conda-forge/linux-64") comes from c, the way
// conda's ChannelMatch does (conda/models/match_spec.py):
//
//   - "defaults" matches its members (and a record channel "defaults");
//   - a pattern ("conda-*") is a glob over the record's channel name;
//   - a channel given as a URL or path outside the channel alias, custom
//     channels and defaults ("https://host/a/mychan", "/srv/chans/mychan")
//     matches only that base URL;
//   - a channel given by name ("mychan", "conda-forge/label/dev", a custom
//     channel, "pkgs/main") matches its own URL, and any record channel
//     with that name wherever it lives: a named record channel by equality,
//     a URL by the name conda derives for it (the path after the host,
//     "a/mychan"; for a file URL the last path component) or by its last
//     path component. So "-c /srv/chans/mychan" or "-c
//     https://host/a/mychan" serves "mychan::pkg".
//
// It does not allocate.
func (c Channel) MatchRecordChannel(rc string) bool {
	if c.multi {
		if rc == c.name {
			return true
		}
		for i := range c.members {
			if c.members[i].MatchRecordChannel(rc) {
				return true
			}
		}
		return false
	}
	if rc == c.base && !c.pattern {
		return true
	}
	rc = trimRecordChannel(rc)
	if c.pattern {
		return globMatch(c.name, recordChannelName(rc, c))
	}
	if rc == c.base {
		return true
	}
	if !c.named || c.name == "" {
		return false
	}
	if rc == c.name {
		return true
	}
	return urlChannelNamed(rc, c.name)
}

// urlChannelName returns the name conda's Channel gives a channel URL that
// lies outside the channel alias, custom channels and defaults: the path
// after the host ("a/mychan" for "https://host/a/mychan", without a
// leading "conda/" segment, which conda drops for Anaconda Enterprise
// URLs), and for a file URL the last path component ("mychan" for
// "file:///srv/chans/mychan"). A trailing subdir is ignored. It returns ""
// for a string that is not a URL or has no path.
func urlChannelName(u string) string {
	scheme, path, ok := urlChannelPath(trimRecordChannel(u))
	if !ok {
		return ""
	}
	if scheme == "file" {
		return path[strings.LastIndexByte(path, '/')+1:]
	}
	if rest, ok := strings.CutPrefix(path, "conda/"); ok {
		return rest
	}
	return path
}

// urlChannelPath splits a channel URL into its scheme and its path without
// surrounding slashes (everything after "file://" for file URLs, after the
// host otherwise); ok is false when u is not a URL or the path is empty.
func urlChannelPath(u string) (scheme, path string, ok bool) {
	i := strings.Index(u, "://")
	if i <= 0 {
		return "", "", false
	}
	scheme, rest := u[:i], u[i+3:]
	if scheme != "file" {
		j := strings.IndexByte(rest, '/')
		if j < 0 {
			return "", "", false
		}
		rest = rest[j:]
	}
	path = strings.Trim(rest, "/")
	return scheme, path, path != ""
}

// urlChannelNamed reports whether the record channel URL rc (trimmed) is
// called name: by urlChannelName, or by its last path component.
func urlChannelNamed(rc, name string) bool {
	_, path, ok := urlChannelPath(rc)
	if !ok {
		return false
	}
	return name == path[strings.LastIndexByte(path, '/')+1:] || name == urlChannelName(rc)
}

// trimRecordChannel strips a trailing "/" and "/<subdir>" from a record's
// channel field.
func trimRecordChannel(rc string) string {
	for len(rc) > 0 && rc[len(rc)-1] == '/' {
		rc = rc[:len(rc)-1]
	}
	if i := strings.LastIndexByte(rc, '/'); i >= 0 && IsKnownPlatform(rc[i+1:]) {
		rc = rc[:i]
	}
	return rc
}

// recordChannelName returns the short name of a record channel string for
// pattern matching: the part after the alias location when it is a URL
// under the default alias, else rc.
func recordChannelName(rc string, _ Channel) string {
	const alias = DefaultChannelAlias + "/"
	if strings.HasPrefix(rc, alias) {
		return rc[len(alias):]
	}
	return rc
}

// redactURL hides a token and a password in s for use in messages.
func redactURL(s string) string {
	if i := strings.Index(s, "://"); i >= 0 {
		rest := s[i+3:]
		hostEnd := strings.IndexByte(rest, '/')
		if hostEnd < 0 {
			hostEnd = len(rest)
		}
		if at := strings.LastIndexByte(rest[:hostEnd], '@'); at >= 0 {
			user, _, hasPass := strings.Cut(rest[:at], ":")
			red := user
			if hasPass {
				red += ":<PASSWORD>"
			}
			s = s[:i+3] + red + rest[at:]
		}
	}
	var b strings.Builder
	for {
		j := strings.Index(s, "/t/")
		if j < 0 {
			b.WriteString(s)
			break
		}
		end := j + 3
		for end < len(s) && s[end] != '/' {
			end++
		}
		b.WriteString(s[:j])
		if end > j+3 {
			b.WriteString("/t/<TOKEN>")
		} else {
			b.WriteString("/t/")
		}
		s = s[end:]
	}
	return b.String()
}
