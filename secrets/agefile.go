package secrets

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"filippo.io/age"
	"filippo.io/age/armor"
)

// dataKeySize is the size of a section's data key: an XChaCha20-Poly1305 key.
const dataKeySize = 32

// wrapDataKey encrypts key to all recipients as one armored age file.
func wrapDataKey(key []byte, rs []Recipient) (string, error) {
	ars := make([]age.Recipient, len(rs))
	for i, r := range rs {
		ars[i] = r
	}
	var buf bytes.Buffer
	aw := armor.NewWriter(&buf)
	w, err := age.Encrypt(aw, ars...)
	if err != nil {
		return "", fmt.Errorf("wrapping data key: %w", err)
	}
	if _, err := w.Write(key); err != nil {
		return "", fmt.Errorf("wrapping data key: %w", err)
	}
	if err := w.Close(); err != nil {
		return "", fmt.Errorf("wrapping data key: %w", err)
	}
	if err := aw.Close(); err != nil {
		return "", fmt.Errorf("armoring data key: %w", err)
	}
	return buf.String(), nil
}

// unwrapDataKey opens the armored age file of a section and returns the data
// key. It is decryptAgeFile behind armor.NewReader, plus a length check.
func unwrapDataKey(armored string, ids []Identity) ([]byte, error) {
	key, err := decryptAgeFile(armor.NewReader(strings.NewReader(armored)), ids, dataKeySize)
	if err != nil {
		return nil, err
	}
	if len(key) != dataKeySize {
		clear(key)
		return nil, &IntegrityError{Reason: fmt.Sprintf("data key is not %d bytes", dataKeySize)}
	}
	return key, nil
}

// Reasons of the IntegrityErrors returned by decryptAgeFile.
const (
	reasonAgeHeader  = "data key: age header"
	reasonAgePayload = "data key: age payload"
)

// decryptAgeFile decrypts the age file read from src with the first identity
// that matches and returns its payload, which must be at most limit bytes.
// This is the single opening path of the package; the age test vectors run
// through it.
//
// If no identity matches, the error is a *NoIdentityError; any other failure
// (header, header MAC, armor, payload, size) is an *IntegrityError.
func decryptAgeFile(src io.Reader, ids []Identity, limit int64) ([]byte, error) {
	aids := make([]age.Identity, 0, len(ids)+1)
	for _, id := range ids {
		if id != nil {
			aids = append(aids, id)
		}
	}
	if len(aids) == 0 {
		// age.Decrypt refuses an empty list before it has looked at the file;
		// an identity that never matches lets it report a broken file as
		// such, and an intact one as "no identity matched".
		aids = append(aids, noIdentity{})
	}
	r, err := age.Decrypt(src, aids...)
	if err != nil {
		var nm *age.NoIdentityMatchError
		if errors.As(err, &nm) {
			return nil, &NoIdentityError{Err: err}
		}
		return nil, &IntegrityError{Reason: reasonAgeHeader, Err: err}
	}
	out, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		clear(out)
		return nil, &IntegrityError{Reason: reasonAgePayload, Err: err}
	}
	if int64(len(out)) > limit {
		clear(out)
		return nil, &IntegrityError{Reason: fmt.Sprintf("%s: larger than %d bytes", reasonAgePayload, limit)}
	}
	return out, nil
}

// noIdentity matches nothing.
type noIdentity struct{}

func (noIdentity) Unwrap([]*age.Stanza) ([]byte, error) {
	return nil, fmt.Errorf("%w: no identities were given", age.ErrIncorrectIdentity)
}

// trackingIdentity records, for one Open call, which identity unwrapped the
// file key and, for a passphrase, the scrypt work factor of the file.
type trackingIdentity struct {
	id    Identity
	match *match
}

type match struct {
	id         Identity
	workFactor int // of the scrypt stanza, when there is one
}

func (t trackingIdentity) Unwrap(stanzas []*age.Stanza) ([]byte, error) {
	k, err := t.id.Unwrap(stanzas)
	if err == nil {
		t.match.id = t.id
		for _, s := range stanzas {
			if s.Type == "scrypt" && len(s.Args) == 2 {
				// age validated it before unwrapping.
				if n, err := strconv.Atoi(s.Args[1]); err == nil {
					t.match.workFactor = n
				}
			}
		}
	}
	return k, err
}
