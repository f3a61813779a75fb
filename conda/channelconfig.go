package conda

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// This file holds the configuration side of channel parsing, as conda's
// Channel and MultiChannel apply it: the channel alias (which may be a
// file:// URL), custom_channels, custom_multichannels and default_channels.

// ExpandDefaults returns the channels "defaults" stands for on platform p:
// cfg.CustomMultichannels["defaults"] when set, else cfg.DefaultChannels,
// else DefaultChannelURLs(p). Entries without a scheme are names under the
// channel alias, as in conda's default_channels.
func ExpandDefaults(cfg ChannelConfig, p Platform) ([]Channel, error) {
	alias, err := aliasParts(cfg)
	if err != nil {
		return nil, err
	}
	var out []Channel
	for _, d := range defaultsList(cfg, p) {
		c, err := multiMember(DefaultsName, d, alias)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// ExpandChannel returns the channels c stands for on platform p: the
// members of "defaults" ([ExpandDefaults]) or of a custom multi-channel,
// with c's subdir if it has one, or c itself.
func ExpandChannel(c Channel, cfg ChannelConfig, p Platform) ([]Channel, error) {
	if !c.multi {
		return []Channel{c}, nil
	}
	var members []Channel
	if c.IsDefaults() {
		var err error
		if members, err = ExpandDefaults(cfg, p); err != nil {
			return nil, err
		}
	} else {
		members = c.Members()
	}
	for i := range members {
		if c.platform != "" {
			members[i].platform = c.platform
		}
	}
	return members, nil
}

// defaultsList is the list "defaults" expands to on p.
func defaultsList(cfg ChannelConfig, p Platform) []string {
	if l, ok := cfg.CustomMultichannels[DefaultsName]; ok && l != nil {
		return l
	}
	if cfg.DefaultChannels != nil {
		return cfg.DefaultChannels
	}
	return DefaultChannelURLs(p)
}

// isMultiName reports whether name is "defaults" or a custom multi-channel.
func isMultiName(cfg ChannelConfig, name string) bool {
	if name == DefaultsName {
		return true
	}
	_, ok := cfg.CustomMultichannels[name]
	return ok && name != "local"
}

// simpleChannel is a channel as conda's configuration defines one (its
// make_simple_channel): where it lives, its name and its credentials.
type simpleChannel struct {
	scheme, user, password, token string
	// location is host[:port][/prefix], or for file: an absolute slash
	// path ("/" for the root, "/C:/x" for a drive).
	location string
	name     string
	plain    bool // a file:// URL outside the alias: an unnamed local channel
}

// full is location/name, the string URLs are matched against.
func (s simpleChannel) full() string { return joinLocation(s.location, s.name) }

func (s simpleChannel) channel(plat Platform) Channel {
	c := Channel{
		scheme: s.scheme, user: s.user, password: s.password, token: s.token,
		location: s.location, name: s.name, named: !s.plain, platform: plat,
	}
	if s.plain {
		c.location, c.name = s.full(), ""
	}
	c.base = c.scheme + "://" + joinLocation(c.location, c.name)
	return c
}

// joinLocation joins a location and a channel name with one slash.
func joinLocation(loc, name string) string {
	switch {
	case name == "":
		return loc
	case strings.HasSuffix(loc, "/"):
		return loc + name
	}
	return loc + "/" + name
}

// aliasParts splits the channel alias. It may be an http(s) URL or a
// file:// URL (an offline mirror); a value without a scheme is taken as
// https.
func aliasParts(cfg ChannelConfig) (simpleChannel, error) {
	a := strings.TrimSpace(cfg.Alias)
	if a == "" {
		a = DefaultChannelAlias
	}
	if !strings.Contains(a, "://") {
		a = "https://" + a
	}
	s, err := locationOf(a)
	if err != nil {
		return simpleChannel{}, fmt.Errorf("channel alias %q: %w", redactURL(a), err)
	}
	return s, nil
}

// locationOf splits a URL into scheme, credentials and location, with no
// name. A file URL's location is its cleaned absolute path.
func locationOf(raw string) (simpleChannel, error) {
	u, err := splitURL(raw)
	if err != nil {
		return simpleChannel{}, err
	}
	s := simpleChannel{scheme: u.scheme, user: u.user, password: u.password, token: u.token}
	if u.scheme == "file" {
		if u.user != "" {
			return simpleChannel{}, errors.New("file URL with credentials")
		}
		p := u.path
		switch u.host {
		case "", "localhost":
		default:
			if !isDrivePath(u.host + p) {
				return simpleChannel{}, fmt.Errorf("file URL with host %q", u.host)
			}
			p = u.host + p
		}
		if strings.HasPrefix(p, "/") && isDrivePath(p[1:]) {
			p = p[1:]
		}
		if !strings.HasPrefix(p, "/") && !isDrivePath(p) {
			return simpleChannel{}, errors.New("file URL without an absolute path")
		}
		p = cleanSlash(p)
		if isDrivePath(p + "/") {
			p = "/" + p
		}
		s.location = strings.TrimRight(p, "/")
		if s.location == "" {
			s.location = "/"
		}
		return s, nil
	}
	if u.host == "" {
		return simpleChannel{}, errors.New("URL without a host")
	}
	if err := checkURLChars(u.host, u.path); err != nil {
		return simpleChannel{}, err
	}
	s.location = u.host
	if p := strings.Trim(u.path, "/"); p != "" {
		s.location += "/" + p
	}
	return s, nil
}

// underPath reports whether full is loc or below it (by whole segments),
// returning the rest.
func underPath(full, loc string) (string, bool) {
	if loc == "/" && strings.HasPrefix(full, "/") {
		return strings.TrimPrefix(full, "/"), true
	}
	if full == loc {
		return "", true
	}
	if strings.HasPrefix(full, loc) && full[len(loc)] == '/' {
		return full[len(loc)+1:], true
	}
	return "", false
}

// makeSimple is conda's make_simple_channel: raw is a URL or a name under
// the alias; name, when given, is the channel's name below the URL (a
// custom_channels entry).
func makeSimple(alias simpleChannel, raw, name string) (simpleChannel, error) {
	raw = strings.TrimSpace(raw)
	name = strings.Trim(name, "/")
	if !strings.Contains(raw, "://") {
		if name == "" {
			name = strings.Trim(raw, "/")
		}
		if name == "" {
			return simpleChannel{}, errors.New("empty channel")
		}
		if err := checkChannelName(name, false); err != nil {
			return simpleChannel{}, err
		}
		s := alias
		s.name = name
		return s, nil
	}
	s, err := locationOf(raw)
	if err != nil {
		return simpleChannel{}, err
	}
	if name != "" {
		s.name = name
		return s, nil
	}
	if (s.scheme == "file") == (alias.scheme == "file") {
		if rest, ok := underPath(s.location, alias.location); ok && rest != "" {
			s.location, s.name = alias.location, rest
			return s, nil
		}
	}
	if s.scheme == "file" {
		s.plain = true
		return s, nil
	}
	host, path, _ := strings.Cut(s.location, "/")
	s.location, s.name = host, path
	return s, nil
}

// multiMember parses one member of the multi-channel multi.
func multiMember(multi, raw string, alias simpleChannel) (Channel, error) {
	if isDefaultsString(raw) {
		return Channel{}, fmt.Errorf("expanding %s: %q lists \"defaults\"", multi, multi)
	}
	s, err := makeSimple(alias, raw, "")
	if err != nil {
		return Channel{}, fmt.Errorf("expanding %s: channel %q: %w", multi, redactURL(raw), err)
	}
	return s.channel(""), nil
}

// customTable is conda's custom_channels as it applies them: the members of
// every multi-channel, keyed by their names, then custom_channels on top;
// longest name first.
func customTable(cfg ChannelConfig, alias simpleChannel) ([]simpleChannel, error) {
	byName := map[string]simpleChannel{}
	var order []string
	put := func(s simpleChannel) {
		if s.plain || s.name == "" {
			return
		}
		if _, ok := byName[s.name]; !ok {
			order = append(order, s.name)
		}
		byName[s.name] = s
	}
	multis := make([]string, 0, len(cfg.CustomMultichannels))
	for n := range cfg.CustomMultichannels {
		if n != DefaultsName && n != "local" {
			multis = append(multis, n)
		}
	}
	sort.Strings(multis)
	for _, n := range multis {
		for _, raw := range cfg.CustomMultichannels[n] {
			s, err := makeSimple(alias, raw, "")
			if err != nil {
				return nil, fmt.Errorf("custom multichannel %s: channel %q: %w", n, redactURL(raw), err)
			}
			put(s)
		}
	}
	// every platform's defaults, so that pkgs/msys2 names are known too
	for _, raw := range defaultsList(cfg, Win64) {
		if isDefaultsString(raw) {
			return nil, errors.New("expanding defaults: \"defaults\" lists itself")
		}
		s, err := makeSimple(alias, raw, "")
		if err != nil {
			return nil, fmt.Errorf("default channel %q: %w", redactURL(raw), err)
		}
		put(s)
	}
	custom := cfg.CustomChannels
	if custom == nil {
		custom = map[string]string{"pkgs/pro": "https://repo.anaconda.com"}
	}
	names := make([]string, 0, len(custom))
	for n := range custom {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		s, err := makeSimple(alias, custom[n], n)
		if err != nil {
			return nil, fmt.Errorf("custom channel %q: %w", n, err)
		}
		put(s)
	}
	out := make([]simpleChannel, 0, len(order))
	for _, n := range order {
		out = append(out, byName[n])
	}
	sort.SliceStable(out, func(i, j int) bool { return len(out[i].name) > len(out[j].name) })
	return out, nil
}

// nameKnownLocation gives the URL channel c (not yet named) its conda name
// when it lives under a custom channel, a multi-channel member or the
// channel alias, in conda's order; credentials the URL lacks come from that
// configuration.
func nameKnownLocation(c Channel, cfg ChannelConfig) (Channel, error) {
	full := c.location
	if full == "" || full == "/" {
		return c, nil
	}
	alias, err := aliasParts(cfg)
	if err != nil {
		return Channel{}, err
	}
	table, err := customTable(cfg, alias)
	if err != nil {
		return Channel{}, err
	}
	isFile := c.scheme == "file"
	adopt := func(s simpleChannel, name string) Channel {
		c.location, c.name, c.named = s.location, name, true
		if c.user == "" && c.token == "" && !isFile {
			c.user, c.password, c.token = s.user, s.password, s.token
		}
		c.base = c.scheme + "://" + joinLocation(c.location, c.name)
		return c
	}
	for _, s := range table {
		if (s.scheme == "file") != isFile {
			continue
		}
		if rest, ok := underPath(full, s.full()); ok {
			return adopt(s, joinLocation(s.name, rest)), nil
		}
	}
	if (alias.scheme == "file") == isFile {
		if rest, ok := underPath(full, alias.location); ok && rest != "" {
			return adopt(alias, rest), nil
		}
	}
	return c, nil
}

func parseChannelName(s string, cfg ChannelConfig) (Channel, error) {
	s = strings.TrimRight(s, "/")
	name, plat := splitPackageAndSubdir(s)
	if name == "" {
		return Channel{}, errors.New("no channel name")
	}
	if endsWithPlatform(name) {
		return Channel{}, errSubdirName
	}
	if strings.Contains(name, "*") {
		if err := checkChannelName(name, true); err != nil {
			return Channel{}, err
		}
		return Channel{name: name, named: true, pattern: true, platform: plat, base: name}, nil
	}
	if err := checkChannelName(name, false); err != nil {
		return Channel{}, err
	}
	alias, err := aliasParts(cfg)
	if err != nil {
		return Channel{}, err
	}
	if isMultiName(cfg, name) {
		c := Channel{name: name, named: true, multi: true, platform: plat}
		list := cfg.CustomMultichannels[name]
		if name == DefaultsName {
			list = defaultsList(cfg, Win64) // every platform's members
		}
		for _, raw := range list {
			m, err := multiMember(name, raw, alias)
			if err != nil {
				return Channel{}, err
			}
			m.platform = plat
			c.members = append(c.members, m)
		}
		return c, nil
	}
	table, err := customTable(cfg, alias)
	if err != nil {
		return Channel{}, err
	}
	// custom channels match the whole name or its leading segments, the
	// longest first
	for _, t := range table {
		if name == t.name || strings.HasPrefix(name, t.name+"/") {
			t.name = name
			return t.channel(plat), nil
		}
	}
	alias.name = name
	return alias.channel(plat), nil
}
