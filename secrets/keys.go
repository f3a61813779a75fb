package secrets

import (
	"bytes"
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strings"

	"filippo.io/age"
	"filippo.io/age/agessh"
	"golang.org/x/crypto/ssh"
)

// A Recipient is a public key (or a passphrase) that the data key of a
// section is wrapped for.
//
// Values returned by [ParseRecipient], [NewPassphraseRecipient] and the
// Recipient method of the identity returned by [GenerateIdentity] implement
// it. Other implementations are accepted by [New] and [Opened.AddRecipients]
// only if their String form parses back with [ParseRecipient], because the
// section stores recipients by their public string.
type Recipient interface {
	// Wrap wraps an age file key, as age.Recipient does.
	Wrap(fileKey []byte) ([]*age.Stanza, error)
	// String returns the canonical public form stored in the section:
	// "age1…", "age1pq1…", "ssh-ed25519 AAAA…" or "ssh-rsa AAAA…" (without
	// comment), or "passphrase".
	String() string
}

// An Identity unwraps the data key of a section. Its method set is that of
// age.Identity, so any age identity (including plugin identities) can be used.
type Identity interface {
	// Unwrap returns the file key, or an error wrapping
	// age.ErrIncorrectIdentity if no stanza is for this identity.
	Unwrap(stanzas []*age.Stanza) (fileKey []byte, err error)
}

// passphraseString is the public form of the passphrase recipient.
const passphraseString = "passphrase"

// DefaultWorkFactor is the scrypt work factor (log2 N) used by
// [NewPassphraseRecipient] when it is given 0; it is age's default.
const DefaultWorkFactor = 18

// DefaultMaxWorkFactor is the largest scrypt work factor (log2 N) accepted by
// an identity from [NewPassphraseIdentity] when it is given 0. Opening such a
// section costs about 256 MiB of memory and a second of CPU.
const DefaultMaxWorkFactor = 18

// maxWorkFactor is the largest value age accepts.
const maxWorkFactor = 30

// maxKeyFileSize bounds the input of ParseIdentities.
const maxKeyFileSize = 1 << 20

// minRSABits is the smallest accepted ssh-rsa recipient.
const minRSABits = 2048

// ParseRecipient parses a recipient from its public string: an age X25519 key
// ("age1…"), an age hybrid post-quantum key ("age1pq1…"), or an SSH
// "ssh-ed25519" or "ssh-rsa" public key in authorized_keys form (a comment and
// options are accepted and dropped; String returns the canonical form).
//
// The passphrase recipient cannot be parsed from its public form "passphrase";
// use [NewPassphraseRecipient]. Errors never quote s unless it parsed as a
// public key, since a secret key pasted by mistake must not be echoed.
func ParseRecipient(s string) (Recipient, error) {
	s = strings.TrimSpace(s)
	switch {
	case strings.HasPrefix(s, "age1pq1"):
		r, err := age.ParseHybridRecipient(s)
		if err != nil {
			return nil, fmt.Errorf("parsing age hybrid recipient: %w", err)
		}
		return r, nil
	case isPluginRecipient(s):
		return parsePluginRecipient(s, nil)
	case strings.HasPrefix(s, "age1"):
		r, err := age.ParseX25519Recipient(s)
		if err != nil {
			return nil, fmt.Errorf("parsing age recipient: %w", err)
		}
		return r, nil
	case strings.HasPrefix(strings.ToUpper(s), "AGE-SECRET-KEY-"):
		return nil, errors.New("parsing recipient: this is an age secret key, not a public key")
	case s == passphraseString:
		return nil, errors.New("parsing recipient: the passphrase recipient needs the passphrase (use NewPassphraseRecipient)")
	default:
		if _, _, _, _, err := ssh.ParseAuthorizedKey([]byte(s)); err == nil {
			return parseSSHRecipient(s)
		}
		return nil, errors.New("parsing recipient: unrecognized recipient (want age1…, ssh-ed25519 or ssh-rsa public key)")
	}
}

// sshRecipient gives an agessh recipient its canonical public string.
type sshRecipient struct {
	age.Recipient
	public string
}

func (r *sshRecipient) String() string { return r.public }

func parseSSHRecipient(s string) (Recipient, error) {
	pk, _, _, rest, err := ssh.ParseAuthorizedKey([]byte(s))
	if err != nil {
		return nil, fmt.Errorf("parsing SSH recipient: %w", err)
	}
	if len(bytes.TrimSpace(rest)) != 0 {
		return nil, errors.New("parsing SSH recipient: more than one key")
	}
	public := pk.Type() + " " + base64.StdEncoding.EncodeToString(pk.Marshal())
	var r age.Recipient
	switch pk.Type() {
	case ssh.KeyAlgoED25519:
		r, err = agessh.NewEd25519Recipient(pk)
	case ssh.KeyAlgoRSA:
		if cpk, ok := pk.(ssh.CryptoPublicKey); ok {
			if rk, ok := cpk.CryptoPublicKey().(*rsa.PublicKey); ok && rk.N.BitLen() < minRSABits {
				return nil, fmt.Errorf("parsing SSH recipient %s: RSA key has %d bits, want at least %d", displayRecipient(public), rk.N.BitLen(), minRSABits)
			}
		}
		r, err = agessh.NewRSARecipient(pk)
	default:
		return nil, fmt.Errorf("parsing SSH recipient: unsupported key type %q (want ssh-ed25519 or ssh-rsa)", pk.Type())
	}
	if err != nil {
		return nil, fmt.Errorf("parsing SSH recipient %s: %w", displayRecipient(public), err)
	}
	return &sshRecipient{Recipient: r, public: public}, nil
}

// canonicalRecipient reports whether s is the canonical public string of a
// recipient this package can store.
func canonicalRecipient(s string) error {
	if s == passphraseString {
		return nil
	}
	r, err := ParseRecipient(s)
	if err != nil {
		return err
	}
	canonical := false
	if strings.HasPrefix(s, "age1") {
		// A valid Bech32 string in lower case is the one encoding of its
		// data; skipping the re-encoding saves a third of the parse of a
		// post-quantum key (about 1,950 characters).
		canonical = s == strings.TrimSpace(s) && s == strings.ToLower(s)
	} else {
		canonical = r.String() == s
	}
	if !canonical {
		return fmt.Errorf("recipient %s is not in canonical form", displayRecipient(r.String()))
	}
	return nil
}

// ParseIdentities reads identities from r: either an age identity file (one
// "AGE-SECRET-KEY-1…" or "AGE-SECRET-KEY-PQ-1…" per line, blank lines and
// lines starting with "#" ignored) or one unencrypted SSH private key in PEM
// form (ed25519 or RSA). At most 1 MiB is read.
//
// Passphrase-protected SSH keys are refused: this package does not prompt.
// Errors never contain key material. The input buffer is cleared before
// returning (best effort).
func ParseIdentities(r io.Reader) ([]Identity, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxKeyFileSize+1))
	defer clear(data)
	if err != nil {
		return nil, fmt.Errorf("reading identities: %w", err)
	}
	if len(data) > maxKeyFileSize {
		return nil, fmt.Errorf("reading identities: file is larger than %d bytes", maxKeyFileSize)
	}
	trimmed := bytes.TrimSpace(data)
	if bytes.HasPrefix(trimmed, []byte("-----BEGIN")) {
		id, err := agessh.ParseIdentity(trimmed)
		if err != nil {
			var missing *ssh.PassphraseMissingError
			if errors.As(err, &missing) {
				return nil, errors.New("parsing SSH identity: the key is passphrase-protected, which is not supported; use an age identity or an unencrypted key")
			}
			return nil, fmt.Errorf("parsing SSH identity: %w", err)
		}
		return []Identity{id}, nil
	}
	ids, err := age.ParseIdentities(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("parsing age identities: %w", err)
	}
	out := make([]Identity, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out, nil
}

// A GeneratedIdentity is a new key pair made by [GenerateIdentity] or
// [GenerateClassicIdentity]. It is an [Identity]; its String method returns
// the secret key (to be kept in a key file, never logged) and its Recipient
// method the public key to give to [New] or [Opened.AddRecipients].
type GeneratedIdentity struct {
	Identity
	secret    string
	recipient Recipient
}

// String returns the secret key: "AGE-SECRET-KEY-PQ-1…" or
// "AGE-SECRET-KEY-1…".
func (g *GeneratedIdentity) String() string { return g.secret }

// Recipient returns the public key: "age1pq1…" or "age1…".
func (g *GeneratedIdentity) Recipient() Recipient { return g.recipient }

// Kind returns the kind of the public key, [KindPostQuantum] or [KindX25519].
func (g *GeneratedIdentity) Kind() Kind { return RecipientKind(g.recipient.String()) }

// GenerateIdentity returns a new random age hybrid post-quantum identity
// (ML-KEM-768 + X25519, age 1.3's "AGE-SECRET-KEY-PQ-1…", public
// "age1pq1…"). This is the default for new keys: age's own documentation
// recommends it, and a section whose recipients are all post-quantum is safe
// from an attacker who stores it today and owns a quantum computer later.
func GenerateIdentity() (*GeneratedIdentity, error) {
	id, err := age.GenerateHybridIdentity()
	if err != nil {
		return nil, fmt.Errorf("generating post-quantum identity: %w", err)
	}
	return &GeneratedIdentity{Identity: id, secret: id.String(), recipient: id.Recipient()}, nil
}

// GenerateClassicIdentity returns a new random age X25519 identity
// ("AGE-SECRET-KEY-1…", public "age1…"): for tools that do not read age 1.3's
// post-quantum keys yet. Its seal is not post-quantum.
func GenerateClassicIdentity() (*GeneratedIdentity, error) {
	id, err := age.GenerateX25519Identity()
	if err != nil {
		return nil, fmt.Errorf("generating identity: %w", err)
	}
	return &GeneratedIdentity{Identity: id, secret: id.String(), recipient: id.Recipient()}, nil
}

// Kind is the kind of a recipient, told by its public string.
type Kind int

// The recipient kinds. Only [KindPostQuantum] resists a quantum computer.
const (
	KindUnknown     Kind = iota // not a recipient this package reads
	KindPostQuantum             // age hybrid ML-KEM-768 + X25519, "age1pq1…"
	KindX25519                  // age X25519, "age1…"
	KindSSHEd25519              // "ssh-ed25519 AAAA…"
	KindSSHRSA                  // "ssh-rsa AAAA…"
	KindPassphrase              // age scrypt, "passphrase"
	KindPlugin                  // an age plugin's key, "age1NAME1…" (see [PluginUI])
)

// String returns "post-quantum", "x25519", "ssh-ed25519", "ssh-rsa",
// "passphrase", "plugin" or "unknown".
func (k Kind) String() string {
	switch k {
	case KindPostQuantum:
		return "post-quantum"
	case KindX25519:
		return "x25519"
	case KindSSHEd25519:
		return "ssh-ed25519"
	case KindSSHRSA:
		return "ssh-rsa"
	case KindPassphrase:
		return "passphrase"
	case KindPlugin:
		return "plugin"
	}
	return "unknown"
}

// PostQuantum reports whether k resists a quantum computer. A passphrase
// (scrypt) is symmetric and is not counted as post-quantum here: its strength
// is that of the passphrase.
func (k Kind) PostQuantum() bool { return k == KindPostQuantum }

// wrapKind is the data key wrap that holds recipients of kind k.
func (k Kind) wrapKind() WrapKind {
	if k == KindPostQuantum {
		return WrapPostQuantum
	}
	return WrapClassic
}

// RecipientKind returns the kind of a canonical public recipient string, as
// stored in [Section.Recipients] and returned by [Opened.Recipients]. It only
// looks at the prefix; it does not validate the key.
func RecipientKind(public string) Kind {
	switch {
	case strings.HasPrefix(public, "age1pq1"):
		return KindPostQuantum
	case isPluginRecipient(public):
		return KindPlugin
	case strings.HasPrefix(public, "age1"):
		return KindX25519
	case strings.HasPrefix(public, ssh.KeyAlgoED25519+" "):
		return KindSSHEd25519
	case strings.HasPrefix(public, ssh.KeyAlgoRSA+" "):
		return KindSSHRSA
	case public == passphraseString:
		return KindPassphrase
	}
	return KindUnknown
}

// passphraseRecipient is age's scrypt recipient with the public string
// "passphrase". It forwards WrapWithLabels so that age keeps refusing to mix
// it with other recipients.
type passphraseRecipient struct {
	r *age.ScryptRecipient
}

func (p *passphraseRecipient) Wrap(fileKey []byte) ([]*age.Stanza, error) { return p.r.Wrap(fileKey) }

func (p *passphraseRecipient) WrapWithLabels(fileKey []byte) ([]*age.Stanza, []string, error) {
	return p.r.WrapWithLabels(fileKey)
}

func (p *passphraseRecipient) String() string { return passphraseString }

// NewPassphraseRecipient returns a recipient that wraps the data key with a
// passphrase (age's scrypt recipient) at the given work factor (log2 of the
// scrypt N parameter; 0 means [DefaultWorkFactor]). A section sealed for a
// passphrase can have no other recipient. Identities refuse work factors
// above their maximum, [DefaultMaxWorkFactor] by default, so a larger value
// needs a matching [NewPassphraseIdentity] on the reading side.
func NewPassphraseRecipient(passphrase string, workFactor int) (Recipient, error) {
	if workFactor == 0 {
		workFactor = DefaultWorkFactor
	}
	if workFactor < 1 || workFactor > maxWorkFactor {
		return nil, fmt.Errorf("scrypt work factor %d out of range [1, %d]", workFactor, maxWorkFactor)
	}
	r, err := age.NewScryptRecipient(passphrase)
	if err != nil {
		return nil, fmt.Errorf("creating passphrase recipient: %w", err)
	}
	r.SetWorkFactor(workFactor)
	return &passphraseRecipient{r: r}, nil
}

// passphraseIdentity is age's scrypt identity with a bounded work factor. It
// keeps the passphrase so that an opened section can be re-keyed for it.
type passphraseIdentity struct {
	id         *age.ScryptIdentity
	passphrase string
}

func (p *passphraseIdentity) Unwrap(stanzas []*age.Stanza) ([]byte, error) {
	return p.id.Unwrap(stanzas)
}

// NewPassphraseIdentity returns an identity that opens sections sealed with
// [NewPassphraseRecipient]. It refuses files whose scrypt work factor is above
// maxWorkFactor (0 means [DefaultMaxWorkFactor]); such a file fails with an
// [IntegrityError] instead of consuming unbounded CPU and memory.
//
// A section opened with this identity remembers the passphrase so that
// [Opened.Rotate] can wrap the new data key for it.
func NewPassphraseIdentity(passphrase string, maxFactor int) (Identity, error) {
	if maxFactor == 0 {
		maxFactor = DefaultMaxWorkFactor
	}
	if maxFactor < 1 || maxFactor > maxWorkFactor {
		return nil, fmt.Errorf("scrypt maximum work factor %d out of range [1, %d]", maxFactor, maxWorkFactor)
	}
	id, err := age.NewScryptIdentity(passphrase)
	if err != nil {
		return nil, fmt.Errorf("creating passphrase identity: %w", err)
	}
	id.SetMaxWorkFactor(maxFactor)
	return &passphraseIdentity{id: id, passphrase: passphrase}, nil
}
