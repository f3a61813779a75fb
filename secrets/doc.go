// Package secrets seals an environment's secrets so that they can travel
// inside its lockfile.
//
// A [Section] is the lockfile's `secrets:` section. It knows nothing of conda:
// the lockfile package embeds it as a YAML value and the CLI supplies the
// environment name, the recipients and the identities. The model is the one
// sops uses for its trees, with age for key wrapping: names are in clear (so
// that a diff shows which secret changed), each value is encrypted on its own,
// and one MAC binds everything together.
//
// # Format
//
// A section has five fields, always in this order:
//
//	version: 1
//	recipients:        # sorted public strings, see ParseRecipient
//	  - age1...
//	  - ssh-ed25519 AAAA...
//	data_key: |        # one standard armored age file
//	  -----BEGIN AGE ENCRYPTED FILE-----
//	  ...
//	  -----END AGE ENCRYPTED FILE-----
//	entries:           # sorted by name, names unique
//	  - name: API_TOKEN
//	    nonce: <base64, 24 bytes>
//	    value: <base64, XChaCha20-Poly1305 ciphertext and tag>
//	mac: <base64, 32 bytes>
//
// The data key is 32 random bytes. It is the plaintext of the data_key age
// file, encrypted to every recipient at once, so `age -d -i KEYFILE` prints it.
//
// Each value is sealed with XChaCha20-Poly1305 keyed directly by the data key,
// with a fresh random 24-byte nonce and, as additional data, the
// length-prefixed environment name and secret name. A value copied to another
// name, or to a section of another environment, does not decrypt.
//
// The MAC is HMAC-SHA256, keyed with 32 bytes derived from the data key by
// HKDF-SHA256 (info "envseal/secrets/v1 mac"), over a length-prefixed encoding
// of the version, the environment name, the recipients in order, the armored
// data key, and every entry's name, nonce and ciphertext in order. Removing,
// adding, reordering or swapping entries, and editing the recipient list, all
// change the MAC. [Section.Open] checks the MAC before it decrypts or returns
// anything. Only holders of the data key can compute a valid MAC, so a section
// is as trustworthy as the least trustworthy recipient.
//
// The environment name is not stored in the section: callers pass it to
// [New], [Section.Open] and [Opened.Rename]. A section copied into the lockfile
// of another environment fails to open with an [IntegrityError].
//
// [Section.Marshal] and [ParseSection] give the canonical YAML text; a Section
// also decodes strictly when it is a field of a larger yaml.v3 document.
//
// # Recipients and identities
//
// Recipients are age X25519 public keys (`age1…`), age hybrid post-quantum
// keys (`age1pq1…`), SSH `ssh-ed25519` and `ssh-rsa` public keys, and a
// passphrase (age's scrypt recipient, shown as "passphrase" in the list).
// Identities are the matching secret keys: age identity files
// (`AGE-SECRET-KEY-1…`), unencrypted SSH private keys, and passphrases.
//
// age requires a passphrase recipient to be the only recipient of a file, so a
// section sealed with a passphrase has no other recipient. When opening, the
// scrypt work factor is bounded (see [NewPassphraseIdentity]) so that a hostile
// file cannot make the caller spin.
//
// # Changing recipients
//
// [Opened.AddRecipients] wraps the same data key for the larger set: the new
// recipient can therefore read every earlier commit of the section too.
//
// [Opened.RemoveRecipient] re-keys: a new data key is generated and every
// value is sealed again, so the removed recipient cannot open the new section.
// It can still open every earlier commit, and it knows the values it could
// read: rotate the secrets themselves when that matters. [Opened.Rotate]
// generates a new data key without changing the recipients.
//
// # Errors
//
// A section that opens with none of the given identities fails with a
// [*NoIdentityError], which matches [ErrNoIdentityMatched] with errors.Is. A
// section that was corrupted or tampered with (MAC mismatch, a value that does
// not decrypt, a broken age file) fails with an [*IntegrityError]. A section
// of an unknown version fails with a [*VersionError]. Errors never contain
// secret values, data keys or private keys; they may contain secret names and
// public recipient strings.
//
// # Memory
//
// [Opened.Close] overwrites the data key and the plaintext values it holds,
// and the package clears intermediate key material it allocates. This is best
// effort: the Go runtime may have copied the bytes, strings (such as a
// passphrase) cannot be cleared, and slices returned by [Opened.Get] belong
// to the caller.
package secrets
