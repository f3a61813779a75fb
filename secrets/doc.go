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
// A section (version 2) has six fields, always in this order:
//
//	version: 2
//	recipients:        # sorted public strings, see ParseRecipient
//	  - age1...
//	  - age1pq1...
//	  - ssh-ed25519 AAAA...
//	data_keys:         # one armored age file per kind of recipient, sorted by kind
//	  - kind: classic          # X25519, SSH and passphrase recipients
//	    age: |
//	      -----BEGIN AGE ENCRYPTED FILE-----
//	      ...
//	      -----END AGE ENCRYPTED FILE-----
//	  - kind: postquantum      # age1pq1… recipients
//	    age: |
//	      ...
//	entries:           # sorted by name, names unique
//	  - name: API_TOKEN
//	    nonce: <base64, 24 bytes>
//	    value: <base64, XChaCha20-Poly1305 ciphertext and tag>
//	pending:           # sorted by name, names unique; usually []
//	  - name: NEW_TOKEN
//	    keys:          # like data_keys, for the entry's own key
//	      - kind: postquantum
//	        age: |
//	          ...
//	    nonce: <base64, 24 bytes>
//	    value: <base64>
//	mac: <base64, 32 bytes>
//
// The data key is 32 random bytes. It is the plaintext of every data_keys
// file, so `age -d -i KEYFILE` on the file of the key's kind prints it.
//
// age refuses to put post-quantum and classic recipients in one file ("can't
// mix post-quantum and classic recipients, or the file would be vulnerable to
// quantum computers"). A section therefore wraps its data key once per kind
// present: a team of X25519 and SSH keys has one classic file, a team that
// is all post-quantum has one postquantum file (which age 1.3's own `age -d`
// opens with the hybrid identity), and a team moving from one to the other
// has both. Such a mixed section is only as strong as its classic file:
// [Section.PostQuantum] reports true only when every recipient, and every
// pending entry's wrapped key, is post-quantum. The parser requires exactly
// one file per kind present among the recipients.
//
// Each value is sealed with XChaCha20-Poly1305 keyed directly by the data key,
// with a fresh random 24-byte nonce and, as additional data, the
// length-prefixed domain "envseal/secrets/v1 value", environment name and
// secret name. A value copied to another name, or to a section of another
// environment, does not decrypt.
//
// The MAC is HMAC-SHA256, keyed with 32 bytes derived from the data key by
// HKDF-SHA256 (info "envseal/secrets/v2 mac"), over a length-prefixed
// encoding of the domain "envseal/secrets/v2 section", the version, the
// environment name, the recipients in order, the kind and armored file of
// every data key wrap in order, and every entry's name, nonce and ciphertext
// in order. Removing, adding, reordering or swapping entries, removing or
// replacing a wrap, and editing the recipient list all change the MAC.
// [Section.Open] checks the MAC before it decrypts or returns anything. Only
// holders of the data key can compute a valid MAC, so a section is as
// trustworthy as the least trustworthy recipient.
//
// The environment name is not stored in the section: callers pass it to
// [New], [Section.Open], [Section.AddPending] and [Opened.Rename]. A section
// copied into the lockfile of another environment fails to open with an
// [IntegrityError].
//
// [Section.Marshal] and [ParseSection] give the canonical YAML text; a Section
// also decodes strictly when it is a field of a larger yaml.v3 document. The
// version field comes first and decides the shape; an unknown version is a
// [*VersionError].
//
// # Quiet writes
//
// A write changes only what it touches. [Opened.Seal] keeps the nonce and
// ciphertext of every value that did not change, and a wrap whose kind's
// recipients did not change stays byte for byte: setting one secret changes
// its nonce and value lines and the mac line, adding a post-quantum recipient
// changes the recipients and the postquantum wrap. A diff of the lockfile
// shows what changed. Removing a recipient and rotating change everything, as
// they must.
//
// # Size
//
// A post-quantum recipient costs about 4.3 KB of lockfile: its public string
// (about 1.95 KB of Bech32) and its stanza in the postquantum wrap (an
// ML-KEM-768 ciphertext, about 2.3 KB once armored). An X25519 recipient
// costs about 0.2 KB. With 10 secrets, BenchmarkSection measures 2.1 KB,
// 4.1 KB and 12.5 KB for 1, 10 and 50 X25519 recipients, and 6.2 KB, 45 KB
// and 215 KB for 1, 10 and 50 post-quantum ones (114 KB for 25 of each). A
// pending entry carries a wrap of its own, so in a team of 50 post-quantum
// recipients it adds about 110 KB until a recipient folds it.
//
// # Pending entries
//
// Someone who holds no identity of the section (a teammate not yet added, a
// CI job rotating a token) can still add or replace a secret with
// [Section.AddPending]: the value is sealed with XChaCha20-Poly1305 under a
// fresh key of its own, with the domain "envseal/secrets/v2 pending value",
// the environment name and the secret name as additional data, and that key
// is wrapped for the current recipients' public keys like the data key (one
// age file per kind). The MAC does not cover pending entries (its key is the
// data key), so the section stays valid.
//
// [Section.Open] opens pending entries with the same identities: a readable
// one overrides the sealed value of its name (so `envseal run` injects it)
// and is listed by [Opened.Pending]. The next [Opened.Seal] by a recipient
// folds it: the value is sealed under the data key like any other entry and
// covered by the MAC, and the pending entry is gone. A pending entry that the
// opener's identities cannot open (it was sealed before they were a
// recipient) is listed as unreadable and kept as it is. Anyone who can write
// the lockfile can add a pending entry, so callers should show pending
// entries before they are folded; tampering with one (another environment,
// swapped between names) makes Open fail with an [IntegrityError].
//
// # Version 1 and migration
//
// Version 1 sections, written before post-quantum recipients could be mixed
// with classic ones, have a single `data_key:` literal holding one age file
// for all recipients and no pending field:
//
//	version: 1
//	recipients: [...]
//	data_key: |
//	  -----BEGIN AGE ENCRYPTED FILE-----
//	  ...
//	entries: [...]
//	mac: <base64>
//
// Their MAC uses info "envseal/secrets/v1 mac" and domain
// "envseal/secrets/v1 section" and covers the armored data_key where version
// 2 covers the list of wraps. They are read as they are. The first
// [Opened.Seal] of one writes version 2: the data_key file becomes the one
// item of data_keys, under the kind of its recipients, the entries keep
// their ciphertext (the value additional data did not change), and the MAC is
// recomputed. So the migration diff is the data_key lines, the version and
// the mac, and it happens on a recipient's first ordinary write.
// [Section.AddPending] refuses a version 1 section, since it cannot upgrade it
// without the data key.
//
// To move a team to post-quantum keys, each member makes a hybrid key
// ([GenerateIdentity]) and a recipient adds it ([Opened.AddRecipients]: the
// postquantum wrap appears, nothing else changes); when everyone has one, a
// recipient removes the classic keys ([Opened.RemoveRecipient] re-keys, so
// the new data key is wrapped only in the postquantum file). Earlier commits
// keep their classic wraps: values that were sealed while the section was
// classic should be rotated if a future quantum attacker matters.
//
// # Recipients and identities
//
// Recipients are age X25519 public keys (`age1…`), age hybrid post-quantum
// keys (`age1pq1…`, ML-KEM-768 + X25519, age 1.3), SSH `ssh-ed25519` and
// `ssh-rsa` public keys, and a passphrase (age's scrypt recipient, shown as
// "passphrase" in the list). [RecipientKind] tells them apart. Identities are
// the matching secret keys: age identity files (`AGE-SECRET-KEY-1…` and
// `AGE-SECRET-KEY-PQ-1…`), unencrypted SSH private keys, and passphrases.
// [GenerateIdentity] makes a post-quantum identity, [GenerateClassicIdentity]
// an X25519 one.
//
// age requires a passphrase recipient to be the only recipient of a file, so a
// section sealed with a passphrase has no other recipient, and takes no
// pending entries. When opening, the scrypt work factor is bounded (see
// [NewPassphraseIdentity]) so that a hostile file cannot make the caller spin.
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
//
// It owns sealing, opening and re-keying secrets. It imports only the
// standard library, golang.org/x/crypto, age and YAML; it must not import
// any other envseal package (it knows nothing of conda or lockfiles).
package secrets
