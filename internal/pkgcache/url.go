package pkgcache

import (
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
)

// source is where one archive comes from, in the three forms the cache
// needs: the URL used for the request (credentials included), the form
// shown in messages (credentials replaced by placeholders) and the form
// written to files (credentials removed).
type source struct {
	raw     string   // as given; may hold a token or user:password
	shown   string   // for errors and progress
	clean   string   // for urls.txt and repodata_record.json
	local   string   // file path for file:// URLs and plain paths, else ""
	secrets []string // credential strings that must never be shown
}

// parseSource classifies raw as a local path, a file:// URL or an
// http(s):// URL.
func parseSource(raw string) (source, error) {
	s := source{raw: raw}
	scheme, _, hasScheme := strings.Cut(raw, "://")
	if !hasScheme || (len(scheme) == 1 && filepath.VolumeName(raw) != "") {
		// A plain path (a drive letter is not a scheme).
		p, err := filepath.Abs(raw)
		if err != nil {
			return s, fmt.Errorf("package path %q: %w", raw, err)
		}
		s.local, s.shown, s.clean = p, p, (&url.URL{Scheme: "file", Path: filepath.ToSlash(p)}).String()
		return s, nil
	}
	u, err := url.Parse(raw)
	if err != nil {
		// url.Error quotes the input: report only the scheme.
		return s, fmt.Errorf("invalid package URL (%s://…): %w", scheme, errors.Unwrap(err))
	}
	if u.User != nil {
		if p, ok := u.User.Password(); ok && p != "" {
			s.secrets = append(s.secrets, p)
		}
		s.secrets = append(s.secrets, u.User.String())
	}
	prefix, token, tail, hasToken := cutToken(u.Path)
	if hasToken && token != "" {
		s.secrets = append(s.secrets, token)
	}
	if u.RawQuery != "" {
		s.secrets = append(s.secrets, u.RawQuery)
	}
	switch strings.ToLower(u.Scheme) {
	case "file":
		s.local = filepath.FromSlash(u.Path)
		if u.Host != "" && u.Host != "localhost" {
			return s, fmt.Errorf("file URL with host %q is not supported", u.Host)
		}
	case "http", "https", "oci": // oci: the client's transport serves it (channel/oci)
	default:
		return s, fmt.Errorf("unsupported URL scheme %q", u.Scheme)
	}
	c := *u
	c.User, c.RawQuery, c.ForceQuery, c.Fragment, c.RawFragment = nil, "", false, "", ""
	if hasToken {
		c.Path, c.RawPath = prefix+tail, ""
	}
	s.clean = c.String()
	if hasToken {
		// Escaping would turn the placeholder into %3CTOKEN%3E.
		const mark = "envseal-token-placeholder"
		c.Path = prefix + "/t/" + mark + tail
		s.shown = strings.Replace(c.String(), mark, "<TOKEN>", 1)
	} else {
		s.shown = s.clean
	}
	if u.User != nil {
		// Show that credentials were used without showing them.
		s.shown = strings.Replace(s.shown, "://", "://***@", 1)
	}
	return s, nil
}

// cutToken splits p around its first anaconda.org token segment
// "/t/<token>": p == prefix + "/t/" + token + tail.
func cutToken(p string) (prefix, token, tail string, ok bool) {
	i := strings.Index(p, "/t/")
	if i < 0 {
		return p, "", "", false
	}
	after := p[i+3:]
	token, tail, found := strings.Cut(after, "/")
	if found {
		tail = "/" + tail
	}
	return p[:i], token, tail, true
}

// scrub removes the source's credentials from a message.
func (s source) scrub(msg string) string {
	for _, sec := range s.secrets {
		msg = strings.ReplaceAll(msg, sec, "***")
	}
	return msg
}

// scrubbedError keeps an error chain intact for errors.Is/As while its
// text never shows the credentials of the URL it came from (net/http's
// url.Error hides passwords but not /t/ tokens or query strings).
type scrubbedError struct {
	err error
	src source
}

func (e *scrubbedError) Error() string { return e.src.scrub(e.err.Error()) }
func (e *scrubbedError) Unwrap() error { return e.err }

func (s source) wrap(err error) error {
	if err == nil || len(s.secrets) == 0 {
		return err
	}
	return &scrubbedError{err: err, src: s}
}
