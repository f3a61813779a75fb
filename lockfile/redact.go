package lockfile

import (
	"fmt"
	"strconv"
	"strings"
)

// Channel credentials never appear in a written lock. A URL carrying an
// anaconda.org-style token (".../t/<token>/...") or basic-auth user
// information ("https://user:pass@host/...") is written with ${NAME}
// placeholders instead; the values are meant to be stored as secrets and
// substituted back with [ExpandChannelURL] when the URL is used.
//
// Placeholder names are derived from the host:
//
//	https://conda.example.com/t/abc123/main   → https://conda.example.com/t/${CHANNEL_CONDA_EXAMPLE_COM_TOKEN}/main
//	https://me:pw@repo.example.com:8443/ch     → https://${CHANNEL_REPO_EXAMPLE_COM_8443_USER}:${CHANNEL_REPO_EXAMPLE_COM_8443_PASSWORD}@repo.example.com:8443/ch
//
// Values are kept exactly as they appear in the URL (percent-encoding
// included), so expanding a redacted URL gives back the original.

// RedactChannelURL replaces the credentials in u with ${NAME} placeholders
// and returns the templated URL and the placeholder values (nil when u has
// no credentials). Placeholders already in u are left alone.
func RedactChannelURL(u string) (string, map[string]string) {
	vars := map[string]string{}
	out := redactInto(u, vars)
	if len(vars) == 0 {
		return out, nil
	}
	return out, vars
}

// ExpandChannelURL substitutes every ${NAME} in template with lookup(NAME).
// A name lookup does not know is an error naming it; the error never
// contains a value.
func ExpandChannelURL(template string, lookup func(string) (string, bool)) (string, error) {
	var b strings.Builder
	s := template
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			b.WriteString(s)
			return b.String(), nil
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			return "", fmt.Errorf("channel URL %q: unterminated ${", template)
		}
		name := s[i+2 : i+j]
		if !validVarName(name) {
			return "", fmt.Errorf("channel URL %q: invalid placeholder name %q", template, name)
		}
		v, ok := lookup(name)
		if !ok {
			return "", fmt.Errorf("channel URL %q: %s is not set", template, name)
		}
		b.WriteString(s[:i])
		b.WriteString(v)
		s = s[i+j+1:]
	}
}

// HasCredentials reports whether u carries a token or user information that
// [RedactChannelURL] would replace.
func HasCredentials(u string) bool {
	_, vars := RedactChannelURL(u)
	return len(vars) > 0
}

// Redact replaces the credentials in every URL of l (channels, package URLs
// and channels, PyPI URLs, recorded inputs) with placeholders, in place, and
// returns the placeholder values (nil when there were none). When two URLs
// of one host carry different credentials, the second gets a numbered name
// (..._TOKEN_2).
//
// Encoders redact on their own, so a lock written without calling Redact
// still holds no credentials; call it first to learn the values.
func (l *Lock) Redact() map[string]string {
	vars := map[string]string{}
	r := func(s *string) { *s = redactInto(*s, vars) }
	for i := range l.Metadata.Channels {
		r(&l.Metadata.Channels[i])
	}
	for i := range l.Metadata.Sources {
		r(&l.Metadata.Sources[i])
	}
	for _, pkgs := range l.Packages {
		for _, p := range pkgs {
			r(&p.URL)
			r(&p.Channel)
		}
	}
	for _, pkgs := range l.PyPI {
		for _, p := range pkgs {
			r(&p.URL)
		}
	}
	for _, in := range l.Metadata.Inputs {
		if in == nil {
			continue
		}
		for i := range in.Channels {
			r(&in.Channels[i])
		}
	}
	if len(vars) == 0 {
		return nil
	}
	return vars
}

// redactURL returns u without credentials, for encoders and messages.
func redactURL(u string) string {
	if !strings.Contains(u, "@") && !strings.Contains(u, "/t/") {
		return u
	}
	return redactInto(u, map[string]string{})
}

// redactForMessage is redactURL, named for its use in error messages.
func redactForMessage(u string) string { return redactURL(u) }

// redactInto templates the credentials of u, recording values in vars.
func redactInto(u string, vars map[string]string) string {
	schemeEnd := strings.Index(u, "://")
	if schemeEnd < 0 {
		return u
	}
	rest := u[schemeEnd+3:]
	hostEnd := strings.IndexAny(rest, "/?#")
	if hostEnd < 0 {
		hostEnd = len(rest)
	}
	authority, path := rest[:hostEnd], rest[hostEnd:]
	userinfo, host := "", authority
	if at := strings.LastIndexByte(authority, '@'); at >= 0 {
		userinfo, host = authority[:at], authority[at+1:]
	}
	slug := hostSlug(host)
	var b strings.Builder
	b.WriteString(u[:schemeEnd+3])
	if userinfo != "" {
		user, pass, hasPass := strings.Cut(userinfo, ":")
		b.WriteString(placeholder(user, "CHANNEL_"+slug+"_USER", vars))
		if hasPass {
			b.WriteByte(':')
			b.WriteString(placeholder(pass, "CHANNEL_"+slug+"_PASSWORD", vars))
		}
		b.WriteByte('@')
	}
	b.WriteString(host)
	// Tokens: a "/t/<token>" path segment pair.
	for {
		i := strings.Index(path, "/t/")
		if i < 0 || strings.IndexAny(path[:i], "?#") >= 0 {
			b.WriteString(path)
			break
		}
		end := i + 3
		for end < len(path) && path[end] != '/' && path[end] != '?' && path[end] != '#' {
			end++
		}
		b.WriteString(path[:i+3])
		if end > i+3 {
			b.WriteString(placeholder(path[i+3:end], "CHANNEL_"+slug+"_TOKEN", vars))
		}
		path = path[end:]
	}
	return b.String()
}

// placeholder returns "${NAME}" for value, recording it in vars under a free
// name derived from base. A value that already is a placeholder is kept.
func placeholder(value, base string, vars map[string]string) string {
	if value == "" || isPlaceholder(value) {
		return value
	}
	name := base
	for n := 2; ; n++ {
		old, taken := vars[name]
		if !taken || old == value {
			break
		}
		name = base + "_" + strconv.Itoa(n)
	}
	vars[name] = value
	return "${" + name + "}"
}

// isPlaceholder reports whether s is exactly one ${NAME}.
func isPlaceholder(s string) bool {
	return strings.HasPrefix(s, "${") && strings.HasSuffix(s, "}") && validVarName(s[2:len(s)-1])
}

// hostSlug turns "repo.example.com:8443" into "REPO_EXAMPLE_COM_8443".
func hostSlug(host string) string {
	var b strings.Builder
	for _, c := range strings.ToUpper(host) {
		if c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
			b.WriteRune(c)
		} else {
			b.WriteByte('_')
		}
	}
	s := strings.Trim(b.String(), "_")
	if s == "" {
		s = "HOST"
	}
	return s
}

// validVarName reports whether s is an environment variable name,
// [A-Za-z_][A-Za-z0-9_]*.
func validVarName(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		switch {
		case c == '_', c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z':
		case c >= '0' && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}
