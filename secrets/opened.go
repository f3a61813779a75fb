package secrets

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sort"

	"golang.org/x/crypto/chacha20poly1305"
	"golang.org/x/crypto/hkdf"
)

// Domain separation strings. Changing any of them is a new format version.
const (
	macInfo   = "envseal/secrets/v1 mac"
	macDomain = "envseal/secrets/v1 section"
	aadDomain = "envseal/secrets/v1 value"
)

// Opened is a section in clear: the data key, the recipients and the secret
// values, for one environment. Get a value with [Opened.Get], change the
// section with the other methods, and write it back with [Opened.Seal].
//
// An Opened is not safe for concurrent use. Call [Opened.Close] when done to
// overwrite the key and values (best effort, see the package doc).
type Opened struct {
	env        string
	recipients []string             // sorted, unique
	known      map[string]Recipient // parsed recipients, by public string
	passphrase *passphraseIdentity  // the passphrase identity that opened it, if any
	workFactor int                  // the scrypt work factor of the section it opened
	dataKey    []byte
	wrapped    string // data key wrapped for recipients, armored
	entries    map[string]*entry
	closed     bool
}

// entry is one secret in clear, with its sealed form if it is still valid for
// the current data key and environment name.
type entry struct {
	value     []byte
	nonce, ct []byte // nil when the value must be sealed again
}

var errClosed = errors.New("secrets: use of a closed Opened")

// New returns an empty section for the environment envName, sealed for the
// given recipients (at least one) under a fresh random data key. Duplicate
// recipients (equal String forms) count once. A passphrase recipient must be
// the only one, as age requires. Call [Opened.Seal] to get the [Section].
func New(envName string, recipients ...Recipient) (*Opened, error) {
	if err := checkEnvName(envName); err != nil {
		return nil, fmt.Errorf("creating secrets section: %w", err)
	}
	o := &Opened{env: envName, known: map[string]Recipient{}, entries: map[string]*entry{}}
	set, err := o.mergeRecipients(nil, recipients)
	if err != nil {
		return nil, fmt.Errorf("creating secrets section: %w", err)
	}
	if len(set) == 0 {
		return nil, errors.New("creating secrets section: no recipients")
	}
	key, err := newDataKey()
	if err != nil {
		return nil, fmt.Errorf("creating secrets section: %w", err)
	}
	wrapped, err := o.wrapFor(key, set)
	if err != nil {
		clear(key)
		return nil, fmt.Errorf("creating secrets section: %w", err)
	}
	o.recipients, o.dataKey, o.wrapped = set, key, wrapped
	return o, nil
}

// Open unwraps the data key with the first of ids that matches, checks the
// MAC over the whole section for the environment envName, and decrypts every
// value. Nothing is returned unless all of that succeeds.
//
// If no identity matches, the error is a [*NoIdentityError] (errors.Is
// [ErrNoIdentityMatched]). If the section was corrupted or tampered with, or
// belongs to another environment name, it is an [*IntegrityError]. A section
// that is not well formed (only possible when it was built or changed in
// memory, since [ParseSection] checks the same rules) gives a plain error, or
// a [*VersionError].
func (s *Section) Open(envName string, ids ...Identity) (*Opened, error) {
	if err := checkEnvName(envName); err != nil {
		return nil, fmt.Errorf("opening secrets: %w", err)
	}
	d, err := s.check()
	if err != nil {
		return nil, fmt.Errorf("opening secrets: invalid section: %w", err)
	}
	var m match
	tracked := make([]Identity, 0, len(ids))
	for _, id := range ids {
		if id != nil {
			tracked = append(tracked, trackingIdentity{id: id, match: &m})
		}
	}
	key, err := unwrapDataKey(s.DataKey, tracked)
	if err != nil {
		var ni *NoIdentityError
		if errors.As(err, &ni) {
			ni.Recipients = append([]string(nil), s.Recipients...)
		}
		return nil, fmt.Errorf("opening secrets: %w", err)
	}
	mac := computeMAC(key, s.Version, envName, s.Recipients, s.DataKey, d.entries)
	if !hmac.Equal(mac, d.mac) {
		clear(key)
		return nil, fmt.Errorf("opening secrets: %w", &IntegrityError{Reason: "MAC mismatch (entries, recipients or environment name differ from what was sealed)"})
	}
	aead, err := chacha20poly1305.NewX(key)
	if err != nil {
		clear(key)
		return nil, fmt.Errorf("opening secrets: %w", err)
	}
	o := &Opened{
		env:        envName,
		recipients: append([]string(nil), s.Recipients...),
		known:      map[string]Recipient{},
		dataKey:    key,
		wrapped:    s.DataKey,
		entries:    make(map[string]*entry, len(d.entries)),
	}
	if p, ok := m.id.(*passphraseIdentity); ok {
		o.passphrase, o.workFactor = p, m.workFactor
	}
	for _, e := range d.entries {
		value, err := aead.Open(nil, e.nonce, e.ct, additionalData(envName, e.name))
		if err != nil {
			o.Close()
			return nil, fmt.Errorf("opening secrets: %w", &IntegrityError{Reason: fmt.Sprintf("value of %q does not decrypt", e.name)})
		}
		o.entries[e.name] = &entry{value: value, nonce: e.nonce, ct: e.ct}
	}
	return o, nil
}

// EnvName returns the environment name the section is bound to.
func (o *Opened) EnvName() string { return o.env }

// Recipients returns the public strings of the recipients, sorted. The slice
// is a copy.
func (o *Opened) Recipients() []string { return append([]string(nil), o.recipients...) }

// Names returns the secret names, sorted. The slice is a copy.
func (o *Opened) Names() []string { return sortedKeys(o.entries) }

// Get returns a copy of the value of the secret name, owned by the caller,
// and whether it exists.
func (o *Opened) Get(name string) ([]byte, bool) {
	e, ok := o.entries[name]
	if !ok {
		return nil, false
	}
	return bytes.Clone(e.value), true
}

// Set sets the secret name to a copy of value. The name must be an
// environment variable name ([A-Za-z_][A-Za-z0-9_]*, at most 256 bytes) and
// the value at most [MaxValueSize] bytes. Setting a secret to the value it
// already has changes nothing, so the sealed section stays byte-identical.
func (o *Opened) Set(name string, value []byte) error {
	if o.closed {
		return errClosed
	}
	if err := checkName(name); err != nil {
		return fmt.Errorf("setting secret: %w", err)
	}
	if len(value) > MaxValueSize {
		return fmt.Errorf("setting secret %q: value is %d bytes, more than %d", name, len(value), MaxValueSize)
	}
	if old, ok := o.entries[name]; ok {
		if bytes.Equal(old.value, value) {
			return nil
		}
		clear(old.value)
	} else if len(o.entries) >= maxEntries {
		return fmt.Errorf("setting secret %q: more than %d secrets", name, maxEntries)
	}
	v := make([]byte, len(value))
	copy(v, value)
	o.entries[name] = &entry{value: v}
	return nil
}

// Remove deletes the secret name and reports whether it existed. It does not
// re-key: readers of the section can still see the old value in earlier
// commits.
func (o *Opened) Remove(name string) bool {
	e, ok := o.entries[name]
	if !ok {
		return false
	}
	clear(e.value)
	delete(o.entries, name)
	return true
}

// AddRecipients wraps the current data key for the current recipients plus
// rs. The data key does not change, so a new recipient can also open every
// earlier commit of the section that used this key (call [Opened.Rotate]
// first to prevent that). Recipients already present are ignored. It fails,
// changing nothing, if a recipient is invalid or the set would mix a
// passphrase with other recipients.
func (o *Opened) AddRecipients(rs ...Recipient) error {
	if o.closed {
		return errClosed
	}
	set, err := o.mergeRecipients(o.recipients, rs)
	if err != nil {
		return fmt.Errorf("adding recipients: %w", err)
	}
	if len(set) == len(o.recipients) {
		return nil
	}
	wrapped, err := o.wrapFor(o.dataKey, set)
	if err != nil {
		return fmt.Errorf("adding recipients: %w", err)
	}
	o.recipients, o.wrapped = set, wrapped
	return nil
}

// RemoveRecipient removes the recipient whose public string is recipient (an
// SSH key may be given with a comment) and re-keys: a new data key is wrapped
// for the remaining recipients and every value will be sealed again. The
// removed recipient can still open earlier commits of the section, so the
// secrets themselves should be rotated when that matters. Removing the last
// recipient is an error; on error nothing changes.
func (o *Opened) RemoveRecipient(recipient string) error {
	if o.closed {
		return errClosed
	}
	public, parsed := recipient, recipient == passphraseString
	if r, err := ParseRecipient(recipient); err == nil {
		public, parsed = r.String(), true
	}
	i := sort.SearchStrings(o.recipients, public)
	if i == len(o.recipients) || o.recipients[i] != public {
		if !parsed {
			// Do not echo text that is not a public key: it may be a
			// secret key given by mistake.
			return errors.New("removing recipient: not a recipient of this section")
		}
		return fmt.Errorf("removing recipient: %s is not a recipient of this section", displayRecipient(public))
	}
	if len(o.recipients) == 1 {
		return errors.New("removing recipient: cannot remove the last recipient")
	}
	set := append(append([]string(nil), o.recipients[:i]...), o.recipients[i+1:]...)
	if err := o.rekey(set); err != nil {
		return fmt.Errorf("removing recipient: %w", err)
	}
	delete(o.known, public)
	return nil
}

// Rotate replaces the data key with a new random one, wraps it for the same
// recipients and marks every value to be sealed again. For a passphrase
// section, the section must have been opened with [NewPassphraseIdentity] (or
// created with the passphrase recipient); the new key is wrapped at the work
// factor of the section that was opened. On error nothing changes.
func (o *Opened) Rotate() error {
	if o.closed {
		return errClosed
	}
	if err := o.rekey(o.recipients); err != nil {
		return fmt.Errorf("rotating data key: %w", err)
	}
	return nil
}

// Rename binds the section to another environment name. Every value will be
// sealed again, since the name is part of each value's additional data.
func (o *Opened) Rename(envName string) error {
	if o.closed {
		return errClosed
	}
	if err := checkEnvName(envName); err != nil {
		return fmt.Errorf("renaming secrets section: %w", err)
	}
	if envName == o.env {
		return nil
	}
	o.env = envName
	o.invalidate()
	return nil
}

// Seal returns the sealed section. Values that did not change since [Open]
// (or the last Seal) keep their nonce and ciphertext, and the wrapped data key
// is only rewritten when the key or recipients change, so sealing an
// unchanged section gives a byte-identical result. The returned Section
// shares nothing with o.
func (o *Opened) Seal() (*Section, error) {
	if o.closed {
		return nil, errClosed
	}
	aead, err := chacha20poly1305.NewX(o.dataKey)
	if err != nil {
		return nil, fmt.Errorf("sealing secrets: %w", err)
	}
	names := o.Names()
	s := &Section{
		Version:    Version,
		Recipients: append([]string(nil), o.recipients...),
		DataKey:    o.wrapped,
	}
	des := make([]decodedEntry, len(names))
	for i, name := range names {
		e := o.entries[name]
		if e.ct == nil {
			nonce := make([]byte, nonceSize)
			if _, err := rand.Read(nonce); err != nil {
				return nil, fmt.Errorf("sealing secrets: %w", err)
			}
			e.nonce, e.ct = nonce, aead.Seal(nil, nonce, e.value, additionalData(o.env, name))
		}
		des[i] = decodedEntry{name: name, nonce: e.nonce, ct: e.ct}
		s.Entries = append(s.Entries, Entry{
			Name:  name,
			Nonce: base64.StdEncoding.EncodeToString(e.nonce),
			Value: base64.StdEncoding.EncodeToString(e.ct),
		})
	}
	mac := computeMAC(o.dataKey, Version, o.env, s.Recipients, s.DataKey, des)
	s.MAC = base64.StdEncoding.EncodeToString(mac)
	return s, nil
}

// Close overwrites the data key and the values held by o, best effort. Any
// later call other than Close, Names, Get, EnvName and Recipients fails.
func (o *Opened) Close() {
	clear(o.dataKey)
	o.dataKey = nil
	for name, e := range o.entries {
		clear(e.value)
		delete(o.entries, name)
	}
	o.passphrase = nil
	o.closed = true
}

// rekey generates a new data key and wraps it for set; on success it replaces
// the old key (cleared) and invalidates every sealed value.
func (o *Opened) rekey(set []string) error {
	key, err := newDataKey()
	if err != nil {
		return err
	}
	wrapped, err := o.wrapFor(key, set)
	if err != nil {
		clear(key)
		return err
	}
	clear(o.dataKey)
	o.dataKey, o.wrapped, o.recipients = key, wrapped, set
	o.invalidate()
	return nil
}

// invalidate marks every value to be sealed again.
func (o *Opened) invalidate() {
	for _, e := range o.entries {
		e.nonce, e.ct = nil, nil
	}
}

// mergeRecipients validates rs and returns the sorted union of current and
// the public strings of rs, remembering the parsed recipients.
func (o *Opened) mergeRecipients(current []string, rs []Recipient) ([]string, error) {
	seen := make(map[string]bool, len(current)+len(rs))
	set := append([]string(nil), current...)
	for _, s := range current {
		seen[s] = true
	}
	fresh := map[string]Recipient{}
	for _, r := range rs {
		if r == nil {
			return nil, errors.New("nil recipient")
		}
		public := r.String()
		if _, isPass := r.(*passphraseRecipient); isPass != (public == passphraseString) {
			return nil, errors.New("only NewPassphraseRecipient may use the public string \"passphrase\"")
		}
		if err := canonicalRecipient(public); err != nil {
			return nil, err
		}
		if seen[public] {
			continue
		}
		seen[public] = true
		fresh[public] = r
		set = append(set, public)
	}
	if len(set) > maxRecipients {
		return nil, fmt.Errorf("more than %d recipients", maxRecipients)
	}
	if len(set) > 1 && seen[passphraseString] {
		return nil, errors.New("a passphrase recipient must be the only recipient (age does not mix scrypt with other recipients)")
	}
	sort.Strings(set)
	for k, r := range fresh {
		o.known[k] = r
	}
	return set, nil
}

// wrapFor wraps key for the recipients with the given public strings.
func (o *Opened) wrapFor(key []byte, set []string) (string, error) {
	rs := make([]Recipient, len(set))
	for i, public := range set {
		r, err := o.recipient(public)
		if err != nil {
			return "", err
		}
		rs[i] = r
	}
	return wrapDataKey(key, rs)
}

// recipient returns the Recipient for a public string.
func (o *Opened) recipient(public string) (Recipient, error) {
	if r, ok := o.known[public]; ok {
		return r, nil
	}
	if public == passphraseString {
		if o.passphrase == nil {
			return nil, errors.New("wrapping the data key for the passphrase recipient needs the passphrase: open the section with NewPassphraseIdentity")
		}
		r, err := NewPassphraseRecipient(o.passphrase.passphrase, o.workFactor)
		if err != nil {
			return nil, err
		}
		o.known[public] = r
		return r, nil
	}
	r, err := ParseRecipient(public)
	if err != nil {
		return nil, err
	}
	o.known[public] = r
	return r, nil
}

func newDataKey() ([]byte, error) {
	key := make([]byte, dataKeySize)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("generating data key: %w", err)
	}
	return key, nil
}

// additionalData is the AEAD additional data of a value: the environment
// name and secret name, length-prefixed so that no two pairs collide.
func additionalData(env, name string) []byte {
	var b bytes.Buffer
	writeLP(&b, aadDomain)
	writeLP(&b, env)
	writeLP(&b, name)
	return b.Bytes()
}

// computeMAC returns HMAC-SHA256, keyed by HKDF-SHA256(dataKey, info
// macInfo), over the canonical encoding of a section: every field
// length-prefixed (uint64 big-endian), counts before lists.
func computeMAC(dataKey []byte, version int, env string, recipients []string, wrapped string, entries []decodedEntry) []byte {
	macKey := make([]byte, sha256.Size)
	if _, err := io.ReadFull(hkdf.New(sha256.New, dataKey, nil, []byte(macInfo)), macKey); err != nil {
		panic("secrets: HKDF failed: " + err.Error()) // cannot happen for 32 bytes
	}
	defer clear(macKey)
	h := hmac.New(sha256.New, macKey)
	writeLP(h, macDomain)
	writeU64(h, uint64(version))
	writeLP(h, env)
	writeU64(h, uint64(len(recipients)))
	for _, r := range recipients {
		writeLP(h, r)
	}
	writeLP(h, wrapped)
	writeU64(h, uint64(len(entries)))
	for _, e := range entries {
		writeLP(h, e.name)
		writeLP(h, string(e.nonce))
		writeLP(h, string(e.ct))
	}
	return h.Sum(nil)
}

func writeU64(w io.Writer, v uint64) {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], v)
	w.Write(b[:]) // hash.Hash and bytes.Buffer writes do not fail
}

func writeLP(w io.Writer, s string) {
	writeU64(w, uint64(len(s)))
	io.WriteString(w, s)
}
