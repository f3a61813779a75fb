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
	"slices"
	"sort"

	"golang.org/x/crypto/chacha20poly1305"
	"golang.org/x/crypto/hkdf"
)

// Domain separation strings. Changing any of them is a new format version.
const (
	macInfoV1   = "envseal/secrets/v1 mac"
	macDomainV1 = "envseal/secrets/v1 section"
	macInfoV2   = "envseal/secrets/v2 mac"
	macDomainV2 = "envseal/secrets/v2 section"
	// aadDomain is shared by versions 1 and 2, so that upgrading a section
	// leaves its entries' ciphertext as it was.
	aadDomain        = "envseal/secrets/v1 value"
	pendingAADDomain = "envseal/secrets/v2 pending value"
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
	wraps      map[WrapKind]wrap // the data key wrapped per kind of recipient
	entries    map[string]*entry
	pending    map[string]*pendingState // pending entries not folded by a Seal yet
	labels     map[string]string        // comments by recipient fingerprint (labels.go)
	rotated    string                   // when the data key was made, RFC 3339, "" if unknown
	closed     bool
}

// wrap is the data key wrapped for the recipients of one kind.
type wrap struct {
	armored    string
	recipients []string // sorted: those the file was made for
}

// pendingState is a pending entry of the opened section. A readable one has
// its value in entries (it is folded by the next Seal); one that the
// identities could not open is kept as it was sealed.
type pendingState struct {
	readable bool
	sealed   PendingEntry // when !readable
}

// PendingInfo describes a pending entry of an [Opened]: a value added with
// the public keys only, not yet folded under the data key and MAC.
type PendingInfo struct {
	// Name is the secret's name.
	Name string
	// Readable reports whether the identities that opened the section could
	// open the entry (it was sealed for the recipients of its time). An
	// unreadable entry is kept as is by Seal, and Get does not return it.
	Readable bool
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
// recipients (equal String forms) count once. Post-quantum and classic
// recipients may be mixed (the data key is then wrapped once per kind); a
// passphrase recipient must be the only one, as age requires. Call
// [Opened.Seal] to get the [Section].
func New(envName string, recipients ...Recipient) (*Opened, error) {
	if err := checkEnvName(envName); err != nil {
		return nil, fmt.Errorf("creating secrets section: %w", err)
	}
	o := &Opened{env: envName, known: map[string]Recipient{}, entries: map[string]*entry{}, pending: map[string]*pendingState{}}
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
	wraps, err := o.wrapFor(key, set, nil)
	if err != nil {
		clear(key)
		return nil, fmt.Errorf("creating secrets section: %w", err)
	}
	o.recipients, o.dataKey, o.wraps = set, key, wraps
	o.markRotated()
	return o, nil
}

// wrappedKeys returns the section's data key wraps, in canonical order: for
// version 1, its one data_key file under the kind of its recipients.
func (s *Section) wrappedKeys() []WrappedKey {
	if s.Version == 1 {
		kind := WrapClassic
		if len(s.Recipients) > 0 {
			kind = RecipientKind(s.Recipients[0]).wrapKind()
		}
		return []WrappedKey{{Kind: kind, Age: s.DataKey}}
	}
	return s.DataKeys
}

// unwrapAny opens the first of the wrapped keys that one of ids matches. If
// none matches, the error is a *NoIdentityError; a broken file is an
// *IntegrityError.
func unwrapAny(ws []WrappedKey, ids []Identity) ([]byte, error) {
	var noMatch []error
	for _, w := range ws {
		key, err := unwrapDataKey(w.Age, ids)
		if err == nil {
			return key, nil
		}
		var ni *NoIdentityError
		if !errors.As(err, &ni) {
			return nil, err
		}
		noMatch = append(noMatch, ni.Err)
	}
	return nil, &NoIdentityError{Err: errors.Join(noMatch...)}
}

// Open unwraps the data key with the first of ids that matches (trying the
// wrap of each recipient kind), checks the MAC over the whole section for the
// environment envName, and decrypts every value. Nothing is returned unless
// all of that succeeds.
//
// Pending entries (see [Section.AddPending]) are opened too, with the same
// identities: a readable one overrides the sealed value of its name, is
// listed by [Opened.Pending], and is folded under the data key and MAC by the
// next [Opened.Seal]. A pending entry that none of ids opens is kept as it is;
// one that opens but does not decrypt for envName and its name is an
// [*IntegrityError].
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
	plainIDs := make([]Identity, 0, len(ids))
	tracked := make([]Identity, 0, len(ids))
	for _, id := range ids {
		if id != nil {
			plainIDs = append(plainIDs, id)
			tracked = append(tracked, trackingIdentity{id: id, match: &m})
		}
	}
	ws := s.wrappedKeys()
	key, err := unwrapAny(ws, tracked)
	if err != nil {
		var ni *NoIdentityError
		if errors.As(err, &ni) {
			ni.Recipients = append([]string(nil), s.Recipients...)
		}
		return nil, fmt.Errorf("opening secrets: %w", err)
	}
	mac := computeMAC(key, s.Version, envName, s.Recipients, ws, d.entries)
	mac = extendMAC(key, mac, s.Version, s.Labels, s.Rotated) // labels.go
	if !hmac.Equal(mac, d.mac) {
		clear(key)
		return nil, fmt.Errorf("opening secrets: %w", &IntegrityError{Reason: "MAC mismatch (entries, recipients, wrapped keys or environment name differ from what was sealed)"})
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
		wraps:      map[WrapKind]wrap{},
		entries:    make(map[string]*entry, len(d.entries)),
		pending:    map[string]*pendingState{},
	}
	o.openLabels(s)
	groups := groupRecipients(o.recipients)
	for _, w := range ws {
		o.wraps[w.Kind] = wrap{armored: w.Age, recipients: groups[w.Kind]}
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
	for i, p := range d.pending {
		value, err := openPending(envName, p, plainIDs)
		if errors.Is(err, ErrNoIdentityMatched) {
			o.pending[p.name] = &pendingState{sealed: clonePending(s.Pending[i])}
			continue
		}
		if err != nil {
			o.Close()
			return nil, fmt.Errorf("opening secrets: pending entry %q: %w", p.name, err)
		}
		if old, ok := o.entries[p.name]; ok {
			clear(old.value)
		}
		o.entries[p.name] = &entry{value: value}
		o.pending[p.name] = &pendingState{readable: true}
	}
	return o, nil
}

// openPending unwraps the key of a pending entry and decrypts its value.
func openPending(envName string, p decodedPending, ids []Identity) ([]byte, error) {
	key, err := unwrapAny(p.keys, ids)
	if err != nil {
		return nil, err
	}
	defer clear(key)
	aead, err := chacha20poly1305.NewX(key)
	if err != nil {
		return nil, err
	}
	value, err := aead.Open(nil, p.nonce, p.ct, pendingAdditionalData(envName, p.name))
	if err != nil {
		return nil, &IntegrityError{Reason: fmt.Sprintf("pending value of %q does not decrypt (sealed for another environment or name?)", p.name)}
	}
	return value, nil
}

func clonePending(p PendingEntry) PendingEntry {
	p.Keys = append([]WrappedKey(nil), p.Keys...)
	return p
}

// groupRecipients splits sorted public strings by wrap kind, keeping order.
func groupRecipients(set []string) map[WrapKind][]string {
	g := map[WrapKind][]string{}
	for _, r := range set {
		k := RecipientKind(r).wrapKind()
		g[k] = append(g[k], r)
	}
	return g
}

// AddPending seals value as a pending entry named name for the section's
// current recipients, using their public keys only: the caller needs no
// identity. This is how someone who is not a recipient (a new teammate, a CI
// job rotating a token) adds or replaces a secret. The value is sealed under
// a fresh key of its own, with the environment name envName and the secret
// name as additional data, and that key is wrapped for the recipients, one
// age file per kind. A pending entry of the same name is replaced.
//
// The MAC does not cover pending entries (computing it needs the data key),
// so the section stays valid. [Section.Open] surfaces them and the next
// [Opened.Seal] by a recipient folds them in. Anyone who can write the
// lockfile can add a pending entry: they are as trustworthy as the
// repository's write access, which is why [Opened.Pending] lists them.
//
// A version 1 section cannot hold pending entries (a recipient's next write
// upgrades it), nor can a passphrase section. On error s is unchanged.
func (s *Section) AddPending(envName, name string, value []byte) error {
	if err := checkEnvName(envName); err != nil {
		return fmt.Errorf("adding pending secret: %w", err)
	}
	if err := checkName(name); err != nil {
		return fmt.Errorf("adding pending secret: %w", err)
	}
	if len(value) > MaxValueSize {
		return fmt.Errorf("adding pending secret %q: value is %d bytes, more than %d", name, len(value), MaxValueSize)
	}
	if _, err := s.check(); err != nil {
		return fmt.Errorf("adding pending secret %q: invalid section: %w", name, err)
	}
	if s.Version == 1 {
		return fmt.Errorf("adding pending secret %q: the section is in the version 1 format, which has no pending entries: a recipient's next write (any `secrets set`) upgrades it", name)
	}
	i := sort.Search(len(s.Pending), func(i int) bool { return s.Pending[i].Name >= name })
	replace := i < len(s.Pending) && s.Pending[i].Name == name
	if !replace && len(s.Pending) >= maxPending {
		return fmt.Errorf("adding pending secret %q: more than %d pending entries", name, maxPending)
	}
	if containsString(s.Recipients, passphraseString) {
		return fmt.Errorf("adding pending secret %q: a passphrase section cannot take pending entries (wrapping needs the passphrase)", name)
	}
	rs := make([]Recipient, len(s.Recipients))
	for j, public := range s.Recipients {
		r, err := ParseRecipient(public)
		if err != nil {
			return fmt.Errorf("adding pending secret %q: %w", name, err)
		}
		rs[j] = r
	}
	key, err := newDataKey()
	if err != nil {
		return fmt.Errorf("adding pending secret %q: %w", name, err)
	}
	defer clear(key)
	keys, err := wrapByKind(key, rs)
	if err != nil {
		return fmt.Errorf("adding pending secret %q: %w", name, err)
	}
	aead, err := chacha20poly1305.NewX(key)
	if err != nil {
		return fmt.Errorf("adding pending secret %q: %w", name, err)
	}
	nonce := make([]byte, nonceSize)
	if _, err := rand.Read(nonce); err != nil {
		return fmt.Errorf("adding pending secret %q: %w", name, err)
	}
	p := PendingEntry{
		Name:  name,
		Keys:  keys,
		Nonce: base64.StdEncoding.EncodeToString(nonce),
		Value: base64.StdEncoding.EncodeToString(aead.Seal(nil, nonce, value, pendingAdditionalData(envName, name))),
	}
	pending := append([]PendingEntry(nil), s.Pending...)
	if replace {
		pending[i] = p
	} else {
		pending = append(pending[:i], append([]PendingEntry{p}, pending[i:]...)...)
	}
	s.Pending = pending
	return nil
}

// PendingNames returns the names of the pending entries, sorted. The slice
// is new.
func (s *Section) PendingNames() []string {
	out := make([]string, len(s.Pending))
	for i, p := range s.Pending {
		out[i] = p.Name
	}
	return out
}

// PostQuantum reports whether every recipient of the section is post-quantum
// ([KindPostQuantum]), so that every wrapped key resists a quantum computer.
// A section with any X25519, SSH or passphrase recipient is not, even if it
// also has post-quantum recipients.
// Pending entries count too: each of their wrapped keys must be
// post-quantum.
func (s *Section) PostQuantum() bool {
	for _, p := range s.Pending {
		for _, k := range p.Keys {
			if k.Kind != WrapPostQuantum {
				return false
			}
		}
	}
	return allPostQuantum(s.Recipients)
}

// ClassicRecipients returns the recipients that are not post-quantum (X25519,
// SSH, passphrase), sorted: the ones to remove, once their holders have
// post-quantum keys, for the section to become post-quantum. The slice is
// new.
func (s *Section) ClassicRecipients() []string {
	var out []string
	for _, r := range s.Recipients {
		if !RecipientKind(r).PostQuantum() {
			out = append(out, r)
		}
	}
	return out
}

func allPostQuantum(recipients []string) bool {
	for _, r := range recipients {
		if !RecipientKind(r).PostQuantum() {
			return false
		}
	}
	return len(recipients) > 0
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
	if p, ok := o.pending[name]; ok && !p.readable {
		// The caller's value supersedes one it could not read.
		delete(o.pending, name)
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
//
// A pending entry of that name, readable or not, is removed too.
func (o *Opened) Remove(name string) bool {
	_, pending := o.pending[name]
	delete(o.pending, name)
	e, ok := o.entries[name]
	if !ok {
		return pending
	}
	clear(e.value)
	delete(o.entries, name)
	return true
}

// Pending returns the pending entries of the section that this Opened has
// not folded yet (see [Section.AddPending]), sorted by name. Readable ones
// already override their name's value in [Opened.Get] and [Opened.Names];
// the next [Opened.Seal] folds them under the data key and MAC, after which
// they are no longer listed. Callers should show them: anyone who can write
// the lockfile can add one.
func (o *Opened) Pending() []PendingInfo {
	out := make([]PendingInfo, 0, len(o.pending))
	for _, name := range sortedKeys(o.pending) {
		out = append(out, PendingInfo{Name: name, Readable: o.pending[name].readable})
	}
	return out
}

// PostQuantum reports whether every recipient is post-quantum, as
// [Section.PostQuantum] does for the section Seal would return.
func (o *Opened) PostQuantum() bool {
	for _, p := range o.pending {
		if !p.readable {
			for _, k := range p.sealed.Keys {
				if k.Kind != WrapPostQuantum {
					return false
				}
			}
		}
	}
	return allPostQuantum(o.recipients)
}

// AddRecipients wraps the current data key for the current recipients plus
// rs. The data key does not change, so a new recipient can also open every
// earlier commit of the section that used this key (call [Opened.Rotate]
// first to prevent that). Recipients already present are ignored. Only the
// wrap of the kinds that gained a recipient is rewritten: adding a
// post-quantum key leaves the classic wrap byte for byte as it was. It fails,
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
	wraps, err := o.wrapFor(o.dataKey, set, o.wraps)
	if err != nil {
		return fmt.Errorf("adding recipients: %w", err)
	}
	o.recipients, o.wraps = set, wraps
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
	for _, p := range o.Pending() {
		if !p.Readable {
			return fmt.Errorf("renaming secrets section: pending entry %q is bound to the old name and your identities cannot open it to move it; ask a recipient who can to write the section first", p.Name)
		}
	}
	o.env = envName
	o.invalidate()
	return nil
}

// Seal returns the sealed section, in the current format ([Version]).
// Values that did not change since [Open] (or the last Seal) keep their nonce
// and ciphertext, and a wrapped data key is only rewritten when the key or
// the recipients of its kind change, so sealing an unchanged section gives a
// byte-identical result, and setting one secret changes only that entry and
// the MAC. Readable pending entries are folded in: sealed under the data key
// and covered by the MAC. Pending entries that could not be opened are kept
// as they were. Sealing a version 1 section upgrades it: its data_key
// becomes the one item of data_keys and its entries stay as they were.
//
// The returned Section shares nothing with o.
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
	}
	for _, k := range []WrapKind{WrapClassic, WrapPostQuantum} {
		if w, ok := o.wraps[k]; ok {
			s.DataKeys = append(s.DataKeys, WrappedKey{Kind: k, Age: w.armored})
		}
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
	for _, name := range sortedKeys(o.pending) {
		if p := o.pending[name]; p.readable {
			delete(o.pending, name) // folded
		} else {
			s.Pending = append(s.Pending, clonePending(p.sealed))
		}
	}
	s.Labels, s.Rotated = o.sealLabels(), o.rotated
	mac := computeMAC(o.dataKey, Version, o.env, s.Recipients, s.DataKeys, des)
	mac = extendMAC(o.dataKey, mac, Version, s.Labels, s.Rotated) // labels.go
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
	clear(o.pending)
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
	wraps, err := o.wrapFor(key, set, nil)
	if err != nil {
		clear(key)
		return err
	}
	clear(o.dataKey)
	o.dataKey, o.wraps, o.recipients = key, wraps, set
	o.markRotated()
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

// wrapFor wraps key for the recipients with the given public strings, one
// age file per kind. A wrap of reuse whose recipients are exactly those of
// its kind in set is kept as it is (reuse must hold key's wraps).
func (o *Opened) wrapFor(key []byte, set []string, reuse map[WrapKind]wrap) (map[WrapKind]wrap, error) {
	out := map[WrapKind]wrap{}
	for kind, group := range groupRecipients(set) {
		if w, ok := reuse[kind]; ok && slices.Equal(w.recipients, group) {
			out[kind] = w
			continue
		}
		rs := make([]Recipient, len(group))
		for i, public := range group {
			r, err := o.recipient(public)
			if err != nil {
				return nil, err
			}
			rs[i] = r
		}
		armored, err := wrapDataKey(key, rs)
		if err != nil {
			return nil, err
		}
		out[kind] = wrap{armored: armored, recipients: group}
	}
	return out, nil
}

// wrapByKind wraps key for rs, one age file per kind, sorted by kind.
func wrapByKind(key []byte, rs []Recipient) ([]WrappedKey, error) {
	byKind := map[WrapKind][]Recipient{}
	for _, r := range rs {
		k := RecipientKind(r.String()).wrapKind()
		byKind[k] = append(byKind[k], r)
	}
	var out []WrappedKey
	for _, k := range []WrapKind{WrapClassic, WrapPostQuantum} {
		if len(byKind[k]) == 0 {
			continue
		}
		armored, err := wrapDataKey(key, byKind[k])
		if err != nil {
			return nil, err
		}
		out = append(out, WrappedKey{Kind: k, Age: armored})
	}
	return out, nil
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

// pendingAdditionalData is the AEAD additional data of a pending value.
func pendingAdditionalData(env, name string) []byte {
	var b bytes.Buffer
	writeLP(&b, pendingAADDomain)
	writeLP(&b, env)
	writeLP(&b, name)
	return b.Bytes()
}

// computeMAC returns HMAC-SHA256, keyed by HKDF-SHA256(dataKey, info), over
// the canonical encoding of a section: every field length-prefixed (uint64
// big-endian), counts before lists. Version 1 covers its single wrapped file;
// version 2 covers the kind and file of every wrap, under its own info and
// domain strings. Pending entries are not covered.
func computeMAC(dataKey []byte, version int, env string, recipients []string, wrapped []WrappedKey, entries []decodedEntry) []byte {
	info, domain := macInfoV2, macDomainV2
	if version == 1 {
		info, domain = macInfoV1, macDomainV1
	}
	macKey := make([]byte, sha256.Size)
	if _, err := io.ReadFull(hkdf.New(sha256.New, dataKey, nil, []byte(info)), macKey); err != nil {
		panic("secrets: HKDF failed: " + err.Error()) // cannot happen for 32 bytes
	}
	defer clear(macKey)
	h := hmac.New(sha256.New, macKey)
	writeLP(h, domain)
	writeU64(h, uint64(version))
	writeLP(h, env)
	writeU64(h, uint64(len(recipients)))
	for _, r := range recipients {
		writeLP(h, r)
	}
	if version == 1 {
		armored := ""
		if len(wrapped) == 1 {
			armored = wrapped[0].Age
		}
		writeLP(h, armored)
	} else {
		writeU64(h, uint64(len(wrapped)))
		for _, w := range wrapped {
			writeLP(h, string(w.Kind))
			writeLP(h, w.Age)
		}
	}
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
