package config

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/envseal/envseal/conda"
)

// Config is the merged configuration. A field left at its zero value was
// not set by any source; the caller applies its own defaults.
type Config struct {
	Channels        []string // channels
	ChannelAlias    string   // channel_alias
	ChannelPriority string   // channel_priority: "strict", "flexible" or "disabled"
	PkgsDirs        []string // pkgs_dirs, "~" and $VARS expanded
	EnvsDirs        []string // envs_dirs (or envs_path), expanded likewise
	// InsecureRegistries lists OCI registry hosts (host or host:port) of
	// oci:// channels reached over plain HTTP although not loopback.
	InsecureRegistries []string
	// AddPipAsPythonDependency is add_pip_as_python_dependency; nil when
	// not set.
	AddPipAsPythonDependency *bool
	DefaultChannels          []string            // default_channels
	CustomChannels           map[string]string   // custom_channels: name -> URL
	CustomMultichannels      map[string][]string // custom_multichannels: name -> channels
	// ProxyServers is proxy_servers: a scheme ("http", "https"), a
	// scheme://host, "all" or "all://host" -> proxy URL; "" means no proxy
	// for that key.
	ProxyServers map[string]string
	// SSLVerify is ssl_verify: "" (verify against the system's roots, also
	// for conda's "truststore"), "false" (do not verify), or the path of a
	// CA bundle file or a directory of CA certificates.
	SSLVerify        string
	ClientSSLCert    string // client_ssl_cert: PEM certificate (with the key, if ClientSSLCertKey is "")
	ClientSSLCertKey string // client_ssl_cert_key: PEM private key
	// ExcludeNewer is exclude_newer as written (a duration such as "7d" or
	// an RFC 3339 date or time; "" when unset). Its syntax is checked here;
	// the caller turns it into a cut-off with [conda.ParseExcludeNewer] and
	// the time of the command.
	ExcludeNewer string
	// EnvProxy holds the environment's proxy variables, which apply after
	// ProxyServers (see [Config.Transport]).
	EnvProxy EnvProxy

	// Files lists the files that were read, lowest precedence first.
	Files []string
	// Sources lists every file (and "envvars") with the settings it made,
	// lowest precedence first, for `config list --show-sources`.
	Sources []Source
	// Warnings are problems that were skipped (unreadable files), for the
	// caller to print.
	Warnings []string

	origins map[string][]Origin
}

// Source is one file, or [EnvVarsSource], and the known settings it made.
type Source struct {
	Name     string
	Settings []Setting
}

// Setting is one key set by one source. Value is a string, a bool, a
// []string, a map[string]string or a map[string][]string.
type Setting struct {
	Key   string // the canonical key, even when an alias was written
	Line  int    // 0 for environment variables
	Value any
	Final bool // marked #!final (or !important)
}

// Origin is where a setting's value (or part of it) came from.
type Origin struct {
	Source string
	Line   int
}

func (o Origin) String() string {
	if o.Line > 0 {
		return fmt.Sprintf("%s:%d", o.Source, o.Line)
	}
	return o.Source
}

// Origins returns the sources that made the merged value of key, lowest
// precedence first: the one that won for a single value, every one that
// contributed for a list or a map. Nil when nothing set key. The caller
// owns the slice.
func (c *Config) Origins(key string) []Origin {
	return append([]Origin(nil), c.origins[key]...)
}

// Keys lists the settings envseal reads, in conda's names.
func Keys() []string {
	out := make([]string, len(specs))
	for i, s := range specs {
		out[i] = s.name
	}
	return out
}

type kind int

const (
	kindScalar kind = iota
	kindList
	kindMap     // name -> string
	kindListMap // name -> list of strings
)

type keySpec struct {
	name    string
	aliases []string
	kind    kind
	delim   string // list delimiter in an environment variable; "" = ","
	expand  bool   // $VARS are expanded in values, as conda's expandvars=True
}

var specs = []keySpec{
	{name: "add_pip_as_python_dependency", kind: kindScalar},
	{name: "channel_alias", kind: kindScalar, expand: true},
	{name: "channel_priority", kind: kindScalar},
	{name: "channels", aliases: []string{"channel"}, kind: kindList, expand: true},
	{name: "client_ssl_cert", aliases: []string{"client_cert"}, kind: kindScalar, expand: true},
	{name: "client_ssl_cert_key", aliases: []string{"client_cert_key"}, kind: kindScalar, expand: true},
	{name: "custom_channels", kind: kindMap, expand: true},
	{name: "custom_multichannels", kind: kindListMap, expand: true},
	{name: "default_channels", kind: kindList, expand: true},
	{name: "exclude_newer", aliases: []string{"exclude-newer"}, kind: kindScalar},
	{name: "envs_dirs", aliases: []string{"envs_path"}, kind: kindList, delim: string(os.PathListSeparator), expand: true},
	{name: "insecure_registries", kind: kindList},
	{name: "pkgs_dirs", kind: kindList, expand: true},
	{name: "proxy_servers", kind: kindMap, expand: true},
	{name: "ssl_verify", aliases: []string{"verify_ssl"}, kind: kindScalar, expand: true},
}

func specFor(key string) (keySpec, bool) {
	for _, s := range specs {
		if s.name == key || contains(s.aliases, key) {
			return s, true
		}
	}
	return keySpec{}, false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// match is one source's value for one key.
type match struct {
	source  string
	line    int
	as      string // the key as written (an alias, maybe)
	final   bool
	scalar  item
	items   []item
	entries []entry
}

type item struct {
	val  string
	flag flag
	line int
	tag  string // YAML tag of a scalar ("!!bool", "!!str"), "" from the environment
}

type entry struct {
	key   string
	line  int
	flag  flag
	val   string // kindMap
	null  bool   // kindMap: written as null
	items []item // kindListMap
}

func (m *match) origin() Origin { return Origin{Source: m.source, Line: m.line} }

// build checks every source's values, merges them and fills a Config.
func build(srcs []*source, opts Options) (*Config, error) {
	cfg := &Config{origins: map[string][]Origin{}}
	for _, s := range srcs {
		if s.name != EnvVarsSource {
			cfg.Files = append(cfg.Files, s.name)
		}
		src := Source{Name: s.name}
		for _, key := range s.order {
			m := s.matches[key]
			spec, _ := specFor(key)
			if spec.expand {
				expandMatch(m, opts.lookup)
			}
			if err := check(spec, m, opts); err != nil {
				return nil, err
			}
			src.Settings = append(src.Settings, Setting{Key: key, Line: m.line, Value: m.value(spec), Final: m.final})
		}
		cfg.Sources = append(cfg.Sources, src)
	}
	for _, spec := range specs {
		var ms []*match
		for _, s := range srcs {
			if m, ok := s.matches[spec.name]; ok {
				ms = append(ms, m)
				if m.final {
					break // conda reads no further for a final key
				}
			}
		}
		if len(ms) == 0 {
			continue
		}
		if err := cfg.set(spec, ms, opts); err != nil {
			return nil, err
		}
	}
	return cfg, nil
}

func expandMatch(m *match, lookup func(string) (string, bool)) {
	m.scalar.val = expandVars(m.scalar.val, lookup)
	for i := range m.items {
		m.items[i].val = expandVars(m.items[i].val, lookup)
	}
	for i := range m.entries {
		m.entries[i].val = expandVars(m.entries[i].val, lookup)
		for j := range m.entries[i].items {
			m.entries[i].items[j].val = expandVars(m.entries[i].items[j].val, lookup)
		}
	}
}

// value is the match as a Setting value.
func (m *match) value(spec keySpec) any {
	switch spec.kind {
	case kindScalar:
		if b, ok := parseBool(m.scalar.val); ok && (spec.name == "add_pip_as_python_dependency" || spec.name == "ssl_verify") {
			return b
		}
		return m.scalar.val
	case kindList:
		return vals(m.items)
	case kindMap:
		out := make(map[string]string, len(m.entries))
		for _, e := range m.entries {
			out[e.key] = e.val
		}
		return out
	}
	out := make(map[string][]string, len(m.entries))
	for _, e := range m.entries {
		out[e.key] = vals(e.items)
	}
	return out
}

func vals(items []item) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.val
	}
	return out
}

// parseBool reads the spellings of a boolean conda accepts.
func parseBool(s string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "yes", "on", "y", "1":
		return true, true
	case "false", "no", "off", "n", "0":
		return false, true
	}
	return false, false
}

// check validates one source's value for one key, naming its line.
func check(spec keySpec, m *match, opts Options) error {
	bad := func(line int, format string, args ...any) error {
		if line == 0 {
			line = m.line
		}
		return &Error{Source: m.source, Line: line, Key: m.as, Err: fmt.Errorf(format, args...)}
	}
	if m.source == EnvVarsSource {
		bad = func(_ int, format string, args ...any) error {
			return &Error{Source: m.source, Key: m.as, Err: fmt.Errorf(format, args...)}
		}
	}
	channel := func(it item, cc conda.ChannelConfig) error {
		if strings.TrimSpace(it.val) == "" {
			return bad(it.line, "empty channel")
		}
		if cc.HomeDir == "" {
			cc.HomeDir = opts.Home
		}
		if cc.WorkDir == "" {
			cc.WorkDir = "/"
		}
		if _, err := conda.ParseChannel(it.val, cc); err != nil {
			return bad(it.line, "%w", err)
		}
		return nil
	}
	switch spec.name {
	case "channels", "default_channels":
		for _, it := range m.items {
			if err := channel(it, conda.ChannelConfig{}); err != nil {
				return err
			}
		}
	case "custom_multichannels":
		for _, e := range m.entries {
			if e.key == "" {
				return bad(e.line, "empty multichannel name")
			}
			for _, it := range e.items {
				if err := channel(it, conda.ChannelConfig{}); err != nil {
					return err
				}
			}
		}
	case "custom_channels":
		for _, e := range m.entries {
			if e.null || e.val == "" {
				return bad(e.line, "custom channel %q has no URL", e.key)
			}
			cc := conda.ChannelConfig{CustomChannels: map[string]string{e.key: e.val}}
			if err := channel(item{val: e.key, line: e.line}, cc); err != nil {
				return err
			}
		}
	case "channel_alias":
		v := m.scalar.val
		if !strings.Contains(v, "://") {
			return bad(m.scalar.line, "channel alias %q has no scheme (https://…, file://…)", v)
		}
		if _, err := conda.ParseChannel("conda-forge", conda.ChannelConfig{Alias: v}); err != nil {
			return bad(m.scalar.line, "%w", err)
		}
	case "channel_priority":
		if _, ok := channelPriority(m.scalar.val); !ok {
			return bad(m.scalar.line, "%q: want strict, flexible or disabled", m.scalar.val)
		}
	case "exclude_newer":
		if v := strings.TrimSpace(m.scalar.val); v != "" {
			if _, err := conda.ParseExcludeNewer(v, time.Unix(0, 0)); err != nil {
				return bad(m.scalar.line, "%w", err)
			}
		}
	case "add_pip_as_python_dependency":
		if _, ok := parseBool(m.scalar.val); !ok {
			return bad(m.scalar.line, "%q: want true or false", m.scalar.val)
		}
	case "ssl_verify":
		v := m.scalar.val
		if _, ok := parseBool(v); ok || v == "truststore" {
			return nil
		}
		if _, err := os.Stat(expandHome(v, opts.Home)); err != nil {
			return bad(m.scalar.line, "%q is neither true, false, truststore nor a CA bundle file or directory", v)
		}
	case "client_ssl_cert", "client_ssl_cert_key":
		if strings.TrimSpace(m.scalar.val) == "" {
			return bad(m.scalar.line, "empty path")
		}
	case "proxy_servers":
		for _, e := range m.entries {
			if e.null || e.val == "" {
				continue
			}
			if _, err := parseProxyURL(e.val); err != nil {
				return bad(e.line, "%s: %w", e.key, err)
			}
		}
	case "pkgs_dirs", "envs_dirs":
		for _, it := range m.items {
			if strings.TrimSpace(it.val) == "" {
				return bad(it.line, "empty directory")
			}
		}
	}
	return nil
}

// channelPriority normalizes a channel_priority value (booleans are
// conda's legacy spelling: true is flexible, false disabled).
func channelPriority(v string) (string, bool) {
	switch s := strings.ToLower(strings.TrimSpace(v)); s {
	case "strict", "flexible", "disabled":
		return s, true
	}
	if b, ok := parseBool(v); ok {
		if b {
			return "flexible", true
		}
		return "disabled", true
	}
	return "", false
}

// parseProxyURL reads a proxy URL; one without a scheme is http://.
func parseProxyURL(v string) (*url.URL, error) {
	if !strings.Contains(v, "://") {
		v = "http://" + v
	}
	u, err := url.Parse(v)
	if err != nil {
		return nil, errors.New("not a URL") // url errors quote the input, which may hold a password
	}
	switch u.Scheme {
	case "http", "https", "socks5", "socks5h":
	default:
		return nil, fmt.Errorf("unsupported proxy scheme %q", u.Scheme)
	}
	if u.Host == "" {
		return nil, errors.New("proxy URL without a host")
	}
	return u, nil
}

func expandHome(p, home string) string {
	if home == "" {
		return p
	}
	if p == "~" {
		return home
	}
	if strings.HasPrefix(p, "~/") {
		return filepath.Join(home, p[2:])
	}
	return p
}

// set merges the matches of one key (already cut at the first final one)
// into cfg.
func (c *Config) set(spec keySpec, ms []*match, opts Options) error {
	switch spec.kind {
	case kindScalar:
		m := ms[len(ms)-1]
		c.origins[spec.name] = []Origin{m.origin()}
		v := m.scalar.val
		switch spec.name {
		case "channel_alias":
			c.ChannelAlias = v
		case "channel_priority":
			c.ChannelPriority, _ = channelPriority(v)
		case "add_pip_as_python_dependency":
			b, _ := parseBool(v)
			c.AddPipAsPythonDependency = &b
		case "ssl_verify":
			if b, ok := parseBool(v); ok {
				if !b {
					c.SSLVerify = "false"
				}
			} else if v != "truststore" {
				c.SSLVerify = expandHome(v, opts.Home)
			}
		case "exclude_newer":
			c.ExcludeNewer = strings.TrimSpace(v)
		case "client_ssl_cert":
			c.ClientSSLCert = expandHome(v, opts.Home)
		case "client_ssl_cert_key":
			c.ClientSSLCertKey = expandHome(v, opts.Home)
		}
		return nil
	case kindList:
		lists := make([][]item, len(ms))
		for i, m := range ms {
			lists[i] = m.items
			c.origins[spec.name] = append(c.origins[spec.name], m.origin())
		}
		merged := mergeLists(lists)
		switch spec.name {
		case "channels":
			c.Channels = merged
		case "default_channels":
			c.DefaultChannels = merged
		case "pkgs_dirs":
			c.PkgsDirs = expandAll(merged, opts.Home)
		case "envs_dirs":
			c.EnvsDirs = expandAll(merged, opts.Home)
		case "insecure_registries":
			c.InsecureRegistries = merged
		}
		return nil
	}
	// maps: merge key by key; a final entry keeps the first final value
	type group struct {
		vals  []entry
		final *entry
	}
	groups := map[string]*group{}
	var order []string
	for _, m := range ms {
		c.origins[spec.name] = append(c.origins[spec.name], m.origin())
		for _, e := range m.entries {
			g := groups[e.key]
			if g == nil {
				g = &group{}
				groups[e.key] = g
				order = append(order, e.key)
			}
			g.vals = append(g.vals, e)
			if e.flag == flagFinal && g.final == nil {
				e := e
				g.final = &e
			}
		}
	}
	sort.Strings(order)
	switch spec.kind {
	case kindMap:
		out := make(map[string]string, len(order))
		for _, k := range order {
			g := groups[k]
			e := g.vals[len(g.vals)-1]
			if g.final != nil {
				e = *g.final
			}
			out[k] = e.val
		}
		if spec.name == "custom_channels" {
			c.CustomChannels = out
		} else {
			c.ProxyServers = out
		}
	case kindListMap:
		out := make(map[string][]string, len(order))
		for _, k := range order {
			g := groups[k]
			if g.final != nil {
				out[k] = vals(g.final.items)
				continue
			}
			lists := make([][]item, len(g.vals))
			for i, e := range g.vals {
				lists[i] = e.items
			}
			out[k] = mergeLists(lists)
		}
		c.CustomMultichannels = out
	}
	return nil
}

// mergeLists merges the lists of several sources (lowest precedence
// first) as conda's SequenceLoadedParameter does: later sources' items
// first, repeats dropped, "#!top" items on top in source order, "#!bottom"
// items at the bottom with earlier sources' last.
func mergeLists(lists [][]item) []string {
	var top, bottom, all []string
	for _, l := range lists {
		for _, it := range l {
			if it.flag == flagTop {
				top = append(top, it.val)
			}
		}
	}
	for i := len(lists) - 1; i >= 0; i-- {
		for _, it := range lists[i] {
			if it.flag == flagBottom {
				bottom = append(bottom, it.val)
			}
			all = append(all, it.val)
		}
	}
	topDeduped := unique(append(append([]string(nil), top...), all...))
	rev := func(s []string) []string {
		out := make([]string, len(s))
		for i, v := range s {
			out[len(s)-1-i] = v
		}
		return out
	}
	bottomDeduped := unique(append(rev(bottom), rev(topDeduped)...))
	return rev(bottomDeduped)
}

func unique(s []string) []string {
	seen := make(map[string]bool, len(s))
	out := s[:0:0]
	for _, v := range s {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

func expandAll(paths []string, home string) []string {
	out := make([]string, 0, len(paths))
	for _, p := range paths {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, expandHome(p, home))
		}
	}
	return out
}

// Value returns the merged value of key as [Editor.Get] types it (a
// string, bool, []string, map[string]string or map[string][]string), and
// whether any source set it.
func (c *Config) Value(key string) (any, bool) {
	spec, ok := specFor(key)
	if !ok {
		return nil, false
	}
	if len(c.origins[spec.name]) == 0 {
		return nil, false
	}
	switch spec.name {
	case "channels":
		return c.Channels, true
	case "channel_alias":
		return c.ChannelAlias, true
	case "channel_priority":
		return c.ChannelPriority, true
	case "pkgs_dirs":
		return c.PkgsDirs, true
	case "envs_dirs":
		return c.EnvsDirs, true
	case "add_pip_as_python_dependency":
		if c.AddPipAsPythonDependency == nil {
			return nil, false
		}
		return *c.AddPipAsPythonDependency, true
	case "default_channels":
		return c.DefaultChannels, true
	case "custom_channels":
		return c.CustomChannels, true
	case "custom_multichannels":
		return c.CustomMultichannels, true
	case "proxy_servers":
		return c.ProxyServers, true
	case "ssl_verify":
		if b, ok := parseBool(c.SSLVerify); ok || c.SSLVerify == "" {
			return b || c.SSLVerify == "", true
		}
		return c.SSLVerify, true
	case "client_ssl_cert":
		return c.ClientSSLCert, true
	case "client_ssl_cert_key":
		return c.ClientSSLCertKey, true
	}
	return nil, false
}
