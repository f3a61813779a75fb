package channel

import (
	"fmt"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
)

// location is a parsed channel or subdir location.
type location struct {
	// remote is the request URL, credentials included (nil for local).
	remote *url.URL
	// dir is the local directory (local channels only).
	dir string
	// clean is the credential-free URL (file:// for local ones), with no
	// trailing slash. It is what errors, cache keys and records show.
	clean string
}

// tokenRe matches an anaconda.org-style token path segment.
var tokenRe = regexp.MustCompile(`/t/[^/]+(/|$)`)

// parseLocation interprets a channel location: an http(s)://, oci:// or
// file:// URL, or a local path.
func parseLocation(raw string) (location, error) {
	if raw == "" {
		return location{}, fmt.Errorf("empty channel location")
	}
	if i := strings.Index(raw, "://"); i > 0 && !strings.ContainsAny(raw[:i], `/\`) {
		u, err := url.Parse(raw)
		if err != nil {
			// url's error quotes the input, which may hold a token.
			return location{}, fmt.Errorf("invalid channel URL %q", redactRaw(raw))
		}
		switch u.Scheme {
		case "file":
			p := u.Path
			if p == "" {
				p = u.Opaque
			}
			if p == "" {
				return location{}, fmt.Errorf("invalid channel URL %q: no path", redactRaw(raw))
			}
			return localLocation(filepath.FromSlash(p))
		case "http", "https", "oci": // oci: the client's transport serves it (channel/oci)
			u.Path = strings.TrimSuffix(u.Path, "/")
			u.RawPath = ""
			u.Fragment = ""
			return location{remote: u, clean: cleanURL(u)}, nil
		default:
			return location{}, fmt.Errorf("unsupported channel URL scheme %q in %q", u.Scheme, redactRaw(raw))
		}
	}
	return localLocation(raw)
}

func localLocation(p string) (location, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return location{}, fmt.Errorf("channel path %q: %w", p, err)
	}
	abs = strings.TrimSuffix(abs, string(filepath.Separator))
	if abs == "" {
		abs = string(filepath.Separator)
	}
	return location{dir: abs, clean: fileURL(abs)}, nil
}

// fileURL returns the file:// URL of an absolute path.
func fileURL(abs string) string {
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}
	return u.String()
}

// cleanURL returns u without user information or /t/<token>/ segment.
func cleanURL(u *url.URL) string {
	c := *u
	c.User = nil
	c.Path = stripToken(c.Path)
	c.RawPath = ""
	c.RawQuery = ""
	c.Fragment = ""
	return strings.TrimSuffix(c.String(), "/")
}

func stripToken(p string) string {
	return tokenRe.ReplaceAllStringFunc(p, func(m string) string {
		if strings.HasSuffix(m, "/") {
			return "/"
		}
		return ""
	})
}

// redactRaw hides credentials in a string that did not parse as a URL.
func redactRaw(raw string) string {
	if i := strings.Index(raw, "://"); i > 0 {
		rest := raw[i+3:]
		if at := strings.LastIndex(strings.SplitN(rest, "/", 2)[0], "@"); at >= 0 {
			rest = rest[at+1:]
		}
		raw = raw[:i+3] + rest
	}
	return stripToken(raw)
}

// child returns the location of a subdirectory or file below l.
func (l location) child(name string) location {
	if l.remote != nil {
		u := *l.remote
		u.Path = strings.TrimSuffix(u.Path, "/") + "/" + name
		u.RawPath = ""
		return location{remote: &u, clean: l.clean + "/" + name}
	}
	d := filepath.Join(l.dir, name)
	return location{dir: d, clean: fileURL(d)}
}

// resolveBaseURL resolves a repodata info.base_url against the URL of the
// repodata file in the subdir whose clean URL is subdirURL, and returns it
// credential-free, without a trailing slash.
func resolveBaseURL(subdirURL, base string) (string, error) {
	ref, err := url.Parse(base)
	if err != nil {
		return "", fmt.Errorf("invalid base_url %q", redactRaw(base))
	}
	if subdirURL == "" {
		if !ref.IsAbs() {
			return "", nil
		}
		return cleanURL(ref), nil
	}
	from, err := url.Parse(subdirURL + "/repodata.json")
	if err != nil {
		return "", fmt.Errorf("invalid repodata URL %q", subdirURL)
	}
	return cleanURL(from.ResolveReference(ref)), nil
}
