package secrets

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"unicode/utf8"

	"filippo.io/age/armor"
	"golang.org/x/crypto/chacha20poly1305"
	"gopkg.in/yaml.v3"
)

// Version is the section format version written by this package. Version 1
// sections (one data_key age file, no pending entries) are still read, and
// become version 2 on their next [Opened.Seal].
const Version = 2

// MaxValueSize is the largest secret value, in bytes, that [Opened.Set]
// accepts.
const MaxValueSize = 1 << 20

// Limits that keep a hostile section from costing unbounded work.
const (
	maxSectionSize = 16 << 20 // ParseSection input
	maxRecipients  = 1024
	maxEntries     = 10000
	maxPending     = 1000
	maxDataKeySize = 4 << 20 // one armored age file (1024 post-quantum stanzas fit)
	maxNameLen     = 256
	maxEnvNameLen  = 1024
	macSize        = 32
	nonceSize      = chacha20poly1305.NonceSizeX
	tagSize        = chacha20poly1305.Overhead
)

// WrapKind names one of the age files that hold a section's data key: age
// does not put post-quantum and classic recipients in one file (a classic
// stanza would defeat the post-quantum one), so a section has one file per
// kind present among its recipients.
type WrapKind string

// The two wraps, in their canonical (sorted) order.
const (
	// WrapClassic holds the X25519, SSH and passphrase recipients.
	WrapClassic WrapKind = "classic"
	// WrapPostQuantum holds the hybrid ML-KEM-768 + X25519 recipients.
	WrapPostQuantum WrapKind = "postquantum"
)

// Section is the sealed `secrets:` section of a lockfile: a plain, YAML-able
// value. It holds no secrets in clear and no key material, so it can be
// copied, compared and stored freely; [Section.Open] turns it into an
// [Opened] and [Opened.Seal] turns that back into a Section.
//
// Version 2 (written by this package) uses DataKeys and Pending; version 1
// (read only) uses DataKey. The field order is the canonical order. Decoding
// a Section with yaml.v3 (on its own with [ParseSection], or as a field of a
// larger document) is strict: see [Section.UnmarshalYAML].
type Section struct {
	// Version is the format version: [Version], or 1 for a section written
	// before post-quantum recipients could be mixed with classic ones.
	Version int
	// Recipients are the canonical public strings of the recipients, sorted
	// and unique (see [Recipient] and [RecipientKind]).
	Recipients []string
	// DataKey is, in version 1 only, the data key wrapped for all
	// recipients, as one armored age file ending in a newline.
	DataKey string
	// DataKeys are, in version 2, the data key wrapped once per kind of
	// recipient present, sorted by kind: one armored age file each.
	DataKeys []WrappedKey
	// Entries are the sealed secrets, sorted by name, names unique.
	Entries []Entry
	// Pending are values added by someone who could not open the section
	// (version 2 only), sorted by name, names unique. They are not covered
	// by the MAC; see the package doc.
	Pending []PendingEntry
	// Labels and Rotated are optional, version 2 only, and not covered by
	// the MAC: who the recipients are and when the data key was made (see
	// labels.go).
	Labels  []Label
	Rotated string
	// MAC is the base64 HMAC-SHA256 over the section (see the package doc).
	MAC string
}

// WrappedKey is an age file whose payload is a 32-byte key, for the
// recipients of one [WrapKind].
type WrappedKey struct {
	// Kind says which recipients the file is for.
	Kind WrapKind `yaml:"kind"`
	// Age is the armored age file, ending in a newline.
	Age string `yaml:"age"`
}

// Entry is one sealed secret. Nonce and Value are standard base64 with
// padding.
type Entry struct {
	// Name is the secret's name in clear: an environment variable name,
	// [A-Za-z_][A-Za-z0-9_]*, at most 256 bytes.
	Name string `yaml:"name"`
	// Nonce is the 24-byte XChaCha20-Poly1305 nonce.
	Nonce string `yaml:"nonce"`
	// Value is the ciphertext with its 16-byte tag.
	Value string `yaml:"value"`
}

// PendingEntry is a secret sealed with the recipients' public keys only, by
// someone who cannot open the section (see [Section.AddPending]). Its value
// is sealed like an [Entry]'s, but under a key of its own, which is wrapped
// for the recipients like the data key.
type PendingEntry struct {
	// Name is the secret's name in clear, as in [Entry].
	Name string `yaml:"name"`
	// Keys are the entry's own key, wrapped per recipient kind.
	Keys []WrappedKey `yaml:"keys"`
	// Nonce is the 24-byte XChaCha20-Poly1305 nonce, base64.
	Nonce string `yaml:"nonce"`
	// Value is the ciphertext with its tag, base64.
	Value string `yaml:"value"`
}

// sectionV1 and sectionV2 are the YAML shapes of the two versions.
type sectionV1 struct {
	Version    int      `yaml:"version"`
	Recipients []string `yaml:"recipients"`
	DataKey    string   `yaml:"data_key"`
	Entries    []Entry  `yaml:"entries"`
	MAC        string   `yaml:"mac"`
}

type sectionV2 struct {
	Version    int            `yaml:"version"`
	Recipients []string       `yaml:"recipients"`
	Labels     []Label        `yaml:"labels,omitempty"`
	Rotated    string         `yaml:"rotated,omitempty"`
	DataKeys   []WrappedKey   `yaml:"data_keys"`
	Entries    []Entry        `yaml:"entries"`
	Pending    []PendingEntry `yaml:"pending"`
	MAC        string         `yaml:"mac"`
}

// decoded is the binary content of a Section that passed check.
type decoded struct {
	entries []decodedEntry
	pending []decodedPending
	mac     []byte
}

type decodedEntry struct {
	name      string
	nonce, ct []byte
}

type decodedPending struct {
	decodedEntry
	keys []WrappedKey
}

// ParseSection parses the canonical YAML text of a section, as written by
// [Section.Marshal], strictly: unknown or missing fields, duplicate keys, a
// value of the wrong YAML type, anchors and aliases, a second document, bad
// base64, wrong nonce or MAC lengths, unsorted or duplicate names or
// recipients, and an armored data key that is not canonical (including
// trailing garbage) are errors. An unknown version is a [*VersionError].
// On error the returned Section is nil.
func ParseSection(data []byte) (*Section, error) {
	if len(data) > maxSectionSize {
		return nil, fmt.Errorf("parsing secrets section: larger than %d bytes", maxSectionSize)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("parsing secrets section: empty input")
		}
		return nil, fmt.Errorf("parsing secrets section: %w", err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		if err != nil {
			return nil, fmt.Errorf("parsing secrets section: after the section: %w", err)
		}
		return nil, errors.New("parsing secrets section: more than one YAML document")
	}
	s := new(Section)
	if err := s.UnmarshalYAML(&doc); err != nil {
		return nil, err
	}
	return s, nil
}

// Marshal returns the canonical YAML text of s (two-space indentation, fields
// in order, data_key as a literal block). It fails if s is not well formed,
// so that an invalid section is never written. Equal sections marshal to
// equal bytes.
func (s *Section) Marshal() ([]byte, error) {
	if _, err := s.check(); err != nil {
		return nil, fmt.Errorf("encoding secrets section: %w", err)
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	v, err := s.MarshalYAML()
	if err != nil {
		return nil, fmt.Errorf("encoding secrets section: %w", err)
	}
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("encoding secrets section: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("encoding secrets section: %w", err)
	}
	return buf.Bytes(), nil
}

// MarshalYAML implements yaml.Marshaler: the value in the shape of its
// version. It does not check s; [Section.Marshal] does. It has a value
// receiver so that a Section field (not only a *Section) encodes in shape.
func (s Section) MarshalYAML() (any, error) {
	if s.Version == 1 {
		return &sectionV1{Version: 1, Recipients: s.Recipients, DataKey: s.DataKey, Entries: s.Entries, MAC: s.MAC}, nil
	}
	return &sectionV2{Version: s.Version, Recipients: s.Recipients, Labels: s.Labels, DataKeys: s.DataKeys, Rotated: s.Rotated, Entries: s.Entries, Pending: s.Pending, MAC: s.MAC}, nil
}

// UnmarshalYAML implements yaml.Unmarshaler with the strict rules of
// [ParseSection], so that a Section embedded in a lockfile is checked when the
// lockfile is decoded. On error s is left unchanged.
func (s *Section) UnmarshalYAML(node *yaml.Node) error {
	var out Section
	if err := out.fromNode(node); err != nil {
		return fmt.Errorf("parsing secrets section: %w", err)
	}
	if _, err := out.check(); err != nil {
		return fmt.Errorf("parsing secrets section: %w", err)
	}
	*s = out
	return nil
}

// fromNode fills s from a YAML node, enforcing the schema but not the content
// rules of check.
func (s *Section) fromNode(node *yaml.Node) error {
	if node.Kind == yaml.DocumentNode {
		if len(node.Content) != 1 {
			return errors.New("expected one YAML document")
		}
		node = node.Content[0]
	}
	// The version decides the shape: read it first.
	version := 0
	if node.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(node.Content); i += 2 {
			if k := node.Content[i]; k.Kind == yaml.ScalarNode && k.Value == "version" {
				if n, err := intScalar(node.Content[i+1], "version"); err == nil {
					version = n
				}
				break
			}
		}
	}
	keys := []string{"version", "recipients", "data_keys", "entries", "pending", "mac"}
	if version != 1 {
		keys = append(keys, optionalKeys(node)...) // labels.go
	}
	if version == 1 {
		keys = []string{"version", "recipients", "data_key", "entries", "mac"}
	}
	fields, err := mapping(node, "section", keys...)
	if err != nil {
		// An unknown version may come with unknown fields: report the
		// version.
		if v, ok := fields["version"]; ok {
			if n, verr := intScalar(v, "version"); verr == nil && n != 1 && n != Version {
				return &VersionError{Version: n}
			}
		}
		return err
	}
	if s.Version, err = intScalar(fields["version"], "version"); err != nil {
		return err
	}
	if s.Version != 1 && s.Version != Version {
		return &VersionError{Version: s.Version}
	}
	rnode, err := list(fields["recipients"], "recipients", maxRecipients)
	if err != nil {
		return err
	}
	for _, n := range rnode {
		r, err := strScalar(n, "recipient")
		if err != nil {
			return err
		}
		s.Recipients = append(s.Recipients, r)
	}
	if s.Version == 1 {
		if s.DataKey, err = strScalar(fields["data_key"], "data_key"); err != nil {
			return err
		}
	} else if s.DataKeys, err = wrappedKeys(fields["data_keys"], "data_keys"); err != nil {
		return err
	}
	enodes, err := list(fields["entries"], "entries", maxEntries)
	if err != nil {
		return err
	}
	for _, n := range enodes {
		ef, err := mapping(n, "entry", "name", "nonce", "value")
		if err != nil {
			return err
		}
		var e Entry
		if e.Name, err = strScalar(ef["name"], "entry name"); err != nil {
			return err
		}
		if e.Nonce, err = strScalar(ef["nonce"], "entry nonce"); err != nil {
			return err
		}
		if e.Value, err = strScalar(ef["value"], "entry value"); err != nil {
			return err
		}
		s.Entries = append(s.Entries, e)
	}
	if s.Version != 1 {
		pnodes, err := list(fields["pending"], "pending", maxPending)
		if err != nil {
			return err
		}
		for _, n := range pnodes {
			pf, err := mapping(n, "pending entry", "name", "keys", "nonce", "value")
			if err != nil {
				return err
			}
			var p PendingEntry
			if p.Name, err = strScalar(pf["name"], "pending entry name"); err != nil {
				return err
			}
			if p.Keys, err = wrappedKeys(pf["keys"], "pending entry keys"); err != nil {
				return err
			}
			if p.Nonce, err = strScalar(pf["nonce"], "pending entry nonce"); err != nil {
				return err
			}
			if p.Value, err = strScalar(pf["value"], "pending entry value"); err != nil {
				return err
			}
			s.Pending = append(s.Pending, p)
		}
	}
	if err := s.labelsFromNode(fields); err != nil {
		return err
	}
	if s.MAC, err = strScalar(fields["mac"], "mac"); err != nil {
		return err
	}
	return nil
}

// list checks that n is a sequence of at most max items and returns them.
func list(n *yaml.Node, what string, max int) ([]*yaml.Node, error) {
	if err := plain(n, what); err != nil {
		return nil, err
	}
	if n.Kind != yaml.SequenceNode {
		return nil, fmt.Errorf("line %d: %s: want a list", n.Line, what)
	}
	if len(n.Content) > max {
		return nil, fmt.Errorf("line %d: %s: more than %d", n.Line, what, max)
	}
	return n.Content, nil
}

// wrappedKeys reads a list of {kind, age} mappings (at most one per kind).
func wrappedKeys(n *yaml.Node, what string) ([]WrappedKey, error) {
	items, err := list(n, what, 2)
	if err != nil {
		return nil, err
	}
	var out []WrappedKey
	for _, item := range items {
		f, err := mapping(item, what, "kind", "age")
		if err != nil {
			return nil, err
		}
		kind, err := strScalar(f["kind"], what+" kind")
		if err != nil {
			return nil, err
		}
		armored, err := strScalar(f["age"], what+" age")
		if err != nil {
			return nil, err
		}
		out = append(out, WrappedKey{Kind: WrapKind(kind), Age: armored})
	}
	return out, nil
}

// plain rejects anchors, aliases and explicit tags on a node.
func plain(n *yaml.Node, what string) error {
	if n.Kind == yaml.AliasNode || n.Anchor != "" {
		return fmt.Errorf("line %d: %s: anchors and aliases are not allowed", n.Line, what)
	}
	return nil
}

// mapping checks that n is a mapping with exactly the given keys, each once,
// and returns the values by key. On a schema error it still returns what it
// found, so that the caller can look at the version.
func mapping(n *yaml.Node, what string, keys ...string) (map[string]*yaml.Node, error) {
	if err := plain(n, what); err != nil {
		return nil, err
	}
	if n.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("line %d: %s: want a mapping", n.Line, what)
	}
	fields := make(map[string]*yaml.Node, len(keys))
	var errs []error
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		key, err := strScalar(k, what+" key")
		if err != nil {
			return fields, err
		}
		known := false
		for _, want := range keys {
			known = known || key == want
		}
		if !known {
			errs = append(errs, fmt.Errorf("line %d: %s: unknown field %q", k.Line, what, key))
			continue
		}
		if _, dup := fields[key]; dup {
			return fields, fmt.Errorf("line %d: %s: duplicate field %q", k.Line, what, key)
		}
		fields[key] = v
	}
	for _, want := range keys {
		if _, ok := fields[want]; !ok {
			errs = append(errs, fmt.Errorf("line %d: %s: missing field %q", n.Line, what, want))
		}
	}
	return fields, errors.Join(errs...)
}

func strScalar(n *yaml.Node, what string) (string, error) {
	if err := plain(n, what); err != nil {
		return "", err
	}
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!str" {
		return "", fmt.Errorf("line %d: %s: want a string", n.Line, what)
	}
	return n.Value, nil
}

func intScalar(n *yaml.Node, what string) (int, error) {
	if err := plain(n, what); err != nil {
		return 0, err
	}
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" {
		return 0, fmt.Errorf("line %d: %s: want an integer", n.Line, what)
	}
	var v int
	if err := n.Decode(&v); err != nil {
		return 0, fmt.Errorf("line %d: %s: %w", n.Line, what, err)
	}
	// Only the canonical decimal form: no 0x, 0o, +, leading zeros or _.
	if fmt.Sprint(v) != n.Value {
		return 0, fmt.Errorf("line %d: %s: want a decimal integer", n.Line, what)
	}
	return v, nil
}

// check validates the content of s and returns its binary fields.
func (s *Section) check() (*decoded, error) {
	if s.Version != 1 && s.Version != Version {
		return nil, &VersionError{Version: s.Version}
	}
	if len(s.Recipients) == 0 {
		return nil, errors.New("no recipients")
	}
	if len(s.Recipients) > maxRecipients {
		return nil, fmt.Errorf("more than %d recipients", maxRecipients)
	}
	kinds := map[WrapKind]bool{}
	for i, r := range s.Recipients {
		if err := canonicalRecipient(r); err != nil {
			return nil, fmt.Errorf("recipient %d: %w", i+1, err)
		}
		if i > 0 && s.Recipients[i-1] >= r {
			return nil, fmt.Errorf("recipient %d: recipients are not sorted and unique", i+1)
		}
		kinds[RecipientKind(r).wrapKind()] = true
	}
	if len(s.Recipients) > 1 && containsString(s.Recipients, passphraseString) {
		return nil, errors.New("a passphrase recipient must be the only recipient")
	}
	if s.Version == 1 {
		if len(s.DataKeys) != 0 || len(s.Pending) != 0 {
			return nil, errors.New("a version 1 section has no data_keys and no pending entries")
		}
		if len(kinds) != 1 {
			return nil, errors.New("a version 1 section cannot mix post-quantum and classic recipients")
		}
		if err := checkArmor(s.DataKey); err != nil {
			return nil, fmt.Errorf("data_key: %w", err)
		}
	} else {
		if s.DataKey != "" {
			return nil, errors.New("a version 2 section has data_keys, not data_key")
		}
		if err := checkWraps(s.DataKeys, kinds); err != nil {
			return nil, fmt.Errorf("data_keys: %w", err)
		}
	}
	if len(s.Entries) > maxEntries {
		return nil, fmt.Errorf("more than %d entries", maxEntries)
	}
	d := &decoded{entries: make([]decodedEntry, len(s.Entries))}
	for i, e := range s.Entries {
		if i > 0 && s.Entries[i-1].Name >= e.Name {
			if err := checkName(e.Name); err != nil {
				return nil, fmt.Errorf("entry %d: %w", i+1, err)
			}
			return nil, fmt.Errorf("entry %q: entries are not sorted by name or a name is repeated", e.Name)
		}
		de, err := checkEntry(e.Name, e.Nonce, e.Value)
		if err != nil {
			return nil, fmt.Errorf("entry %d: %w", i+1, err)
		}
		d.entries[i] = de
	}
	if len(s.Pending) > maxPending {
		return nil, fmt.Errorf("more than %d pending entries", maxPending)
	}
	for i, p := range s.Pending {
		if i > 0 && s.Pending[i-1].Name >= p.Name {
			if err := checkName(p.Name); err != nil {
				return nil, fmt.Errorf("pending entry %d: %w", i+1, err)
			}
			return nil, fmt.Errorf("pending entry %q: pending entries are not sorted by name or a name is repeated", p.Name)
		}
		de, err := checkEntry(p.Name, p.Nonce, p.Value)
		if err != nil {
			return nil, fmt.Errorf("pending entry %d: %w", i+1, err)
		}
		if err := checkWraps(p.Keys, nil); err != nil {
			return nil, fmt.Errorf("pending entry %q: keys: %w", p.Name, err)
		}
		d.pending = append(d.pending, decodedPending{decodedEntry: de, keys: p.Keys})
	}
	if err := s.checkLabels(); err != nil {
		return nil, err
	}
	mac, err := decodeB64(s.MAC)
	if err != nil {
		return nil, fmt.Errorf("mac: %w", err)
	}
	if len(mac) != macSize {
		return nil, fmt.Errorf("mac is %d bytes, want %d", len(mac), macSize)
	}
	d.mac = mac
	return d, nil
}

// checkEntry validates the name, nonce and value of an entry.
func checkEntry(name, nonceB64, valueB64 string) (decodedEntry, error) {
	if err := checkName(name); err != nil {
		return decodedEntry{}, err
	}
	nonce, err := decodeB64(nonceB64)
	if err != nil {
		return decodedEntry{}, fmt.Errorf("%q: nonce: %w", name, err)
	}
	if len(nonce) != nonceSize {
		return decodedEntry{}, fmt.Errorf("%q: nonce is %d bytes, want %d", name, len(nonce), nonceSize)
	}
	ct, err := decodeB64(valueB64)
	if err != nil {
		return decodedEntry{}, fmt.Errorf("%q: value: %w", name, err)
	}
	if len(ct) < tagSize || len(ct) > MaxValueSize+tagSize {
		return decodedEntry{}, fmt.Errorf("%q: value is %d bytes, want %d to %d", name, len(ct), tagSize, MaxValueSize+tagSize)
	}
	return decodedEntry{name: name, nonce: nonce, ct: ct}, nil
}

// checkWraps validates a list of wrapped keys: sorted by kind, each kind
// known and present once, each age file canonical. With want, the kinds must
// be exactly those of want: one wrap per kind of recipient.
func checkWraps(ws []WrappedKey, want map[WrapKind]bool) error {
	if len(ws) == 0 {
		return errors.New("no wrapped key")
	}
	for i, w := range ws {
		if w.Kind != WrapClassic && w.Kind != WrapPostQuantum {
			return fmt.Errorf("unknown kind %q (want %s or %s)", w.Kind, WrapClassic, WrapPostQuantum)
		}
		if i > 0 && ws[i-1].Kind >= w.Kind {
			return errors.New("kinds are not sorted or a kind is repeated")
		}
		if want != nil && !want[w.Kind] {
			return fmt.Errorf("a %s key is wrapped but no recipient is of that kind", w.Kind)
		}
		if err := checkArmor(w.Age); err != nil {
			return fmt.Errorf("%s: %w", w.Kind, err)
		}
	}
	if want != nil && len(ws) != len(want) {
		for k := range want {
			found := false
			for _, w := range ws {
				found = found || w.Kind == k
			}
			if !found {
				return fmt.Errorf("the %s recipients have no wrapped key", k)
			}
		}
	}
	return nil
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// checkName validates a secret name: an environment variable name.
func checkName(name string) error {
	if name == "" {
		return errors.New("empty secret name")
	}
	if len(name) > maxNameLen {
		return fmt.Errorf("secret name longer than %d bytes", maxNameLen)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		ok := c == '_' || 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || i > 0 && '0' <= c && c <= '9'
		if !ok {
			return fmt.Errorf("secret name %q is not an environment variable name ([A-Za-z_][A-Za-z0-9_]*)", name)
		}
	}
	return nil
}

// checkEnvName validates an environment name: any UTF-8 text up to a limit.
func checkEnvName(env string) error {
	if len(env) > maxEnvNameLen {
		return fmt.Errorf("environment name longer than %d bytes", maxEnvNameLen)
	}
	if !utf8.ValidString(env) {
		return errors.New("environment name is not valid UTF-8")
	}
	return nil
}

// decodeB64 decodes canonical standard base64 with padding. Unlike
// base64.StdEncoding.Strict alone, it also rejects CR and LF.
func decodeB64(s string) ([]byte, error) {
	if strings.ContainsAny(s, "\r\n") {
		return nil, errors.New("invalid base64: contains a newline")
	}
	b, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("invalid base64: %w", err)
	}
	return b, nil
}

// checkArmor checks that s is an age file in canonical armor: what
// armor.NewWriter would write for its content, with nothing before or after.
func checkArmor(s string) error {
	if len(s) > maxDataKeySize {
		return fmt.Errorf("larger than %d bytes", maxDataKeySize)
	}
	if !strings.HasPrefix(s, armor.Header+"\n") {
		return errors.New("not an armored age file")
	}
	raw, err := io.ReadAll(armor.NewReader(strings.NewReader(s)))
	if err != nil {
		return err
	}
	if !bytes.HasPrefix(raw, []byte("age-encryption.org/v1\n")) {
		return errors.New("not an age v1 file")
	}
	var again bytes.Buffer
	w := armor.NewWriter(&again)
	if _, err := w.Write(raw); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	if again.String() != s {
		return errors.New("armor is not canonical (extra whitespace, line breaks or trailing data)")
	}
	return nil
}

// sortedKeys returns the keys of m in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
