package ops

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/envseal/envseal/secrets"
	"golang.org/x/crypto/ssh"
)

// DefaultGitHubKeysURL is where `github:USER` finds USER's SSH keys;
// {user} is replaced by the name. ENVSEAL_GITHUB_KEYS_URL (or
// [RecipientsAddOptions.GitHubKeysURL]) points it elsewhere, for a GitHub
// Enterprise server or a mirror.
const DefaultGitHubKeysURL = "https://github.com/{user}.keys"

// maxKeysList bounds an authorized_keys list read from a URL.
const maxKeysList = 1 << 20

// RecipientsAddOptions are the options of [SecretsRecipientsAddFrom].
type RecipientsAddOptions struct {
	SecretsOptions
	// KeysURLs are authorized_keys lists to read (https://…, or
	// github:USER); the Keys of SecretsOptions may also hold github:USER.
	KeysURLs []string
	// GitHubKeysURL is the template github:USER expands to ("" for
	// ENVSEAL_GITHUB_KEYS_URL, else [DefaultGitHubKeysURL]).
	GitHubKeysURL string
}

// KeyInfo is one recipient as [SecretsRecipientsAddFrom] and
// [SecretsRecipientsInfo] show it.
type KeyInfo struct {
	// Recipient is the canonical public string.
	Recipient string `json:"recipient"`
	// Kind is "post-quantum", "x25519", "ssh-ed25519", "ssh-rsa",
	// "passphrase" or "plugin".
	Kind string `json:"kind"`
	// Plugin names the age plugin of a plugin recipient.
	Plugin string `json:"plugin,omitempty"`
	// Fingerprint is secrets.Fingerprint of Recipient (OpenSSH's for SSH
	// keys).
	Fingerprint string `json:"fingerprint"`
	// Comment says whose it is: the key's comment and where it came from.
	Comment string `json:"comment,omitempty"`
}

// RecipientsAddResult is what [SecretsRecipientsAddFrom] did.
type RecipientsAddResult struct {
	Lock string
	// Keys are the recipients given, each with its label.
	Keys []KeyInfo
	// Skipped are keys of a list that age cannot encrypt to (ecdsa,
	// security-key types, short RSA), as "SOURCE: TYPE FINGERPRINT: why".
	Skipped []string
}

// labelled is a recipient and the comment to record for it.
type labelled struct {
	r       secrets.Recipient
	comment string
}

// SecretsRecipientsAddFrom adds recipients given as keys (age1…, age1NAME1…
// for an age plugin, ssh-ed25519 …, ssh-rsa …), read from a file (one a
// line), or read from authorized_keys lists at URLs (github:USER for
// USER's GitHub keys). Each SSH key's comment and source are recorded as
// its label in the lock, with its fingerprint, so a key that changes
// upstream shows in review as a new fingerprint. The secrets: section is
// created if needed.
func SecretsRecipientsAddFrom(ctx context.Context, o RecipientsAddOptions) (*RecipientsAddResult, error) {
	h := &o.Host
	var keys []labelled
	var skipped []string
	var urls []string
	for _, k := range o.Keys {
		if strings.HasPrefix(k, "github:") {
			urls = append(urls, k)
			continue
		}
		l, err := parseKeyLine(k, "")
		if err != nil {
			return nil, &UsageError{Msg: err.Error()}
		}
		keys = append(keys, l)
	}
	if o.KeysFile != "" {
		data, err := os.ReadFile(o.KeysFile)
		if err != nil {
			return nil, err
		}
		for i, line := range strings.Split(string(data), "\n") {
			if line = strings.TrimSpace(line); line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			l, err := parseKeyLine(line, "")
			if err != nil {
				return nil, fmt.Errorf("%s:%d: %w", o.KeysFile, i+1, err)
			}
			keys = append(keys, l)
		}
	}
	urls = append(urls, o.KeysURLs...)
	for _, u := range urls {
		fetched, skip, err := h.fetchKeys(ctx, u, o.GitHubKeysURL)
		if err != nil {
			return nil, err
		}
		keys, skipped = append(keys, fetched...), append(skipped, skip...)
	}
	if len(keys) == 0 {
		if len(skipped) > 0 {
			return nil, fmt.Errorf("no key age can encrypt to (ssh-ed25519, ssh-rsa of 2048 bits or more): %s", strings.Join(skipped, "; "))
		}
		return nil, usagef("recipients add: give KEY..., --file F or --keys-url URL")
	}
	res := &RecipientsAddResult{Lock: o.lockPath(), Skipped: skipped}
	err := editSecrets(ctx, o.SecretsOptions, true, func(s *secrets.Opened) error {
		rs := make([]secrets.Recipient, len(keys))
		for i, k := range keys {
			rs[i] = k.r
		}
		if err := s.AddRecipients(rs...); err != nil {
			return err
		}
		for _, k := range keys {
			if k.comment != "" {
				if err := s.SetLabel(k.r.String(), k.comment); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, k := range keys {
		res.Keys = append(res.Keys, keyInfo(k.r.String(), k.comment))
	}
	for _, s := range res.Skipped {
		h.warnf("skipped %s: age cannot encrypt to this key type", s)
	}
	for _, k := range res.Keys {
		h.noticef("recipient %s", k.describe())
	}
	return res, nil
}

// parseKeyLine parses one recipient; an SSH key's comment, with source,
// becomes its label. What follows an age key is dropped, so the lines of
// `recipients list` read back.
func parseKeyLine(line, source string) (labelled, error) {
	line = strings.TrimSpace(line)
	if strings.HasPrefix(line, "age1") {
		// An age key has no spaces: what follows is a comment (the kind
		// column of `recipients list`, or "# …").
		if f := strings.Fields(line); len(f) > 0 {
			line = f[0]
		}
	}
	r, err := secrets.ParseRecipient(line)
	if err != nil {
		return labelled{}, err
	}
	comment := ""
	if strings.HasPrefix(line, "ssh-") {
		if _, c, _, _, err := ssh.ParseAuthorizedKey([]byte(line)); err == nil {
			comment = oneLine(c)
		}
	}
	switch {
	case comment != "" && source != "":
		comment += " (" + source + ")"
	case source != "":
		comment = source
	}
	return labelled{r: r, comment: comment}, nil
}

// oneLine keeps printable text and bounds it for a label.
func oneLine(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return -1
		}
		return r
	}, strings.TrimSpace(s))
	if len(s) > 200 {
		s = strings.ToValidUTF8(s[:200], "")
	}
	return s
}

// githubUserRE is what a GitHub login may be.
var githubUserRE = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$`)

// keysURL turns github:USER into its URL and checks a URL: https, or
// http to a loopback address only (a key list read in clear could be
// swapped on the way).
func (h *Host) keysURL(raw, githubTemplate string) (string, string, error) {
	source := raw
	if user, ok := strings.CutPrefix(raw, "github:"); ok {
		if !githubUserRE.MatchString(user) {
			return "", "", usagef("%s: not a GitHub user name", raw)
		}
		tmpl := githubTemplate
		if tmpl == "" {
			tmpl = h.getenv("ENVSEAL_GITHUB_KEYS_URL")
		}
		if tmpl == "" {
			tmpl = DefaultGitHubKeysURL
		}
		if !strings.Contains(tmpl, "{user}") {
			return "", "", usagef("GitHub keys URL %q has no {user}", tmpl)
		}
		raw = strings.ReplaceAll(tmpl, "{user}", url.PathEscape(user))
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", "", usagef("keys URL %q: %v", raw, err)
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && isLoopback(u.Hostname()):
	default:
		return "", "", usagef("keys URL %s: want https:// (plain http only to this machine)", u.Redacted())
	}
	return u.String(), source, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// fetchKeys reads an authorized_keys list. Keys age cannot use are
// returned in skipped; a line that is not a key at all is an error.
func (h *Host) fetchKeys(ctx context.Context, raw, githubTemplate string) (keys []labelled, skipped []string, err error) {
	target, source, err := h.keysURL(raw, githubTemplate)
	if err != nil {
		return nil, nil, err
	}
	cfg, err := h.config()
	if err != nil {
		return nil, nil, err
	}
	client, err := cfg.httpClient(30 * time.Second)
	if err != nil {
		return nil, nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return nil, nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, nil, fmt.Errorf("fetching keys from %s: %w", target, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, nil, fmt.Errorf("fetching keys from %s: %s", target, resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxKeysList+1))
	if err != nil {
		return nil, nil, fmt.Errorf("fetching keys from %s: %w", target, err)
	}
	if len(data) > maxKeysList {
		return nil, nil, fmt.Errorf("fetching keys from %s: more than %d bytes", target, maxKeysList)
	}
	keys, skipped, err = parseKeysList(string(data), source)
	if err != nil {
		return nil, nil, fmt.Errorf("keys from %s: %w", target, err)
	}
	if len(keys) == 0 && len(skipped) == 0 {
		return nil, nil, fmt.Errorf("keys from %s: the list is empty", target)
	}
	return keys, skipped, nil
}

// parseKeysList parses an authorized_keys list (blank lines and # comments
// allowed; options before a key are accepted and ignored).
func parseKeysList(text, source string) (keys []labelled, skipped []string, err error) {
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		pk, comment, _, _, perr := ssh.ParseAuthorizedKey([]byte(line))
		if perr != nil {
			return nil, nil, fmt.Errorf("line %d: not an authorized_keys line", i+1)
		}
		canonical := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pk)))
		l, err := parseKeyLine(canonical, source)
		if err != nil {
			skipped = append(skipped, fmt.Sprintf("%s: %s %s", source, pk.Type(), ssh.FingerprintSHA256(pk)))
			continue
		}
		if c := oneLine(comment); c != "" {
			l.comment = c + " (" + source + ")"
		}
		keys = append(keys, l)
	}
	return keys, skipped, nil
}

// keyInfo describes a recipient.
func keyInfo(public, comment string) KeyInfo {
	k := secrets.RecipientKind(public)
	return KeyInfo{Recipient: public, Kind: k.String(), Plugin: secrets.PluginName(public), Fingerprint: secrets.Fingerprint(public), Comment: comment}
}

// RecipientsInfo is what [SecretsRecipientsInfo] read.
type RecipientsInfo struct {
	Lock string `json:"lock"`
	// Keys are the recipients in the section's order.
	Keys []KeyInfo `json:"recipients"`
	// Rotated is when the data key was last made; zero when the section
	// predates the record (RotatedKnown false).
	Rotated      time.Time `json:"rotated,omitzero"`
	RotatedKnown bool      `json:"rotated_known"`
	// PostQuantum says every recipient is post-quantum; else Classic are
	// the ones that keep the seal classic.
	PostQuantum bool     `json:"post_quantum"`
	Classic     []string `json:"classic,omitempty"`
}

// SecretsRecipientsInfo lists the recipients of the lock's secrets with
// their labels, and when the data key was last rotated. It opens nothing.
func SecretsRecipientsInfo(ctx context.Context, o SecretsOptions) (*RecipientsInfo, error) {
	l, err := readLock(o.lockPath(), false)
	if err != nil {
		return nil, err
	}
	res := &RecipientsInfo{Lock: o.lockPath(), Keys: []KeyInfo{}}
	if l.Secrets == nil {
		return res, nil
	}
	labels := l.Secrets.LabelMap()
	for _, r := range l.Secrets.Recipients {
		res.Keys = append(res.Keys, keyInfo(r, labels[secrets.Fingerprint(r)]))
	}
	res.Rotated, res.RotatedKnown = l.Secrets.RotatedAt()
	res.PostQuantum, res.Classic = l.Secrets.PostQuantum(), l.Secrets.ClassicRecipients()
	return res, nil
}
