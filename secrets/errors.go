package secrets

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/ssh"
)

// ErrNoIdentityMatched is matched (with errors.Is) by every [*NoIdentityError]:
// none of the identities given could unwrap the data key.
var ErrNoIdentityMatched = errors.New("no identity matched")

// NoIdentityError is returned by [Section.Open] when none of the identities
// is a recipient of the section. It is distinct from [IntegrityError]: the
// section may be intact, the caller just lacks a key for it.
//
// errors.Is(err, ErrNoIdentityMatched) reports true for it. Unwrap returns
// the underlying age error, if any.
type NoIdentityError struct {
	// Recipients are the public recipient strings of the section, sorted, when
	// known. They tell the user which key would open it.
	Recipients []string
	// Err is the underlying error, usually an *age.NoIdentityMatchError.
	Err error
}

// Error returns "no identity matched" followed by a short form of the
// recipients (SSH keys are shown by fingerprint).
func (e *NoIdentityError) Error() string {
	if len(e.Recipients) == 0 {
		return ErrNoIdentityMatched.Error()
	}
	short := make([]string, len(e.Recipients))
	for i, r := range e.Recipients {
		short[i] = displayRecipient(r)
	}
	return fmt.Sprintf("%s: the secrets are sealed for %s", ErrNoIdentityMatched, strings.Join(short, ", "))
}

// Is reports whether target is [ErrNoIdentityMatched].
func (e *NoIdentityError) Is(target error) bool { return target == ErrNoIdentityMatched }

// Unwrap returns the underlying error.
func (e *NoIdentityError) Unwrap() error { return e.Err }

// IntegrityError is returned when a section is corrupted or was tampered
// with: the MAC does not match, a value does not decrypt, or the wrapped data
// key is not a valid age file for the identity that matched it.
//
// Unwrap returns the underlying error, if any (for example an *armor.Error
// from filippo.io/age/armor, or age's "bad header MAC").
type IntegrityError struct {
	// Reason says what failed, without any secret material.
	Reason string
	// Err is the underlying error, or nil.
	Err error
}

// Error returns a message that starts with "secrets are corrupted".
func (e *IntegrityError) Error() string {
	msg := "secrets are corrupted or were tampered with: " + e.Reason
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns the underlying error.
func (e *IntegrityError) Unwrap() error { return e.Err }

// VersionError is returned for a section whose version this package does not
// read.
type VersionError struct {
	// Version is the version found in the section.
	Version int
}

// Error names the version found and the one supported.
func (e *VersionError) Error() string {
	return fmt.Sprintf("unsupported secrets section version %d (this build reads versions 1 to %d; a newer envseal may have written it)", e.Version, Version)
}

// displayRecipient shortens a public recipient string for messages: SSH keys
// become their type and SHA256 fingerprint, long age keys are abbreviated.
func displayRecipient(s string) string {
	if typ, b64, ok := strings.Cut(s, " "); ok && strings.HasPrefix(typ, "ssh-") {
		raw, err := base64.StdEncoding.DecodeString(b64)
		if err == nil {
			if pk, err := ssh.ParsePublicKey(raw); err == nil {
				return typ + " " + ssh.FingerprintSHA256(pk)
			}
		}
	}
	if len(s) > 80 {
		return s[:20] + "…" + s[len(s)-8:]
	}
	return s
}
