package ops

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/envseal/envseal/env"
	"github.com/envseal/envseal/internal/atomicfile"
	"github.com/envseal/envseal/lockfile"
	"github.com/envseal/envseal/secrets"
)

// secretNameRE is what an environment variable name may be.
var secretNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// CheckSecretName refuses a name that cannot be an environment variable.
func CheckSecretName(n string) error {
	if !secretNameRE.MatchString(n) {
		return usagef("invalid secret name %q: secrets become environment variables, so use letters, digits and _ (not starting with a digit)", n)
	}
	return nil
}

// DefaultIdentityFile is where keygen writes an identity and where one is
// looked for: ENVSEAL_IDENTITY_FILE, else envseal/identity.txt under
// XDG_CONFIG_HOME (default ~/.config).
func (h *Host) DefaultIdentityFile() string {
	if p := h.getenv("ENVSEAL_IDENTITY_FILE"); p != "" {
		return p
	}
	base := h.getenv("XDG_CONFIG_HOME")
	if base == "" {
		base = filepath.Join(h.getenv("HOME"), ".config")
	}
	return filepath.Join(base, "envseal", "identity.txt")
}

// KeygenOptions are the options of [SecretsKeygen].
type KeygenOptions struct {
	Host
	// Output is the identity file ("" for [Host.DefaultIdentityFile]).
	Output string
	// Force overwrites an existing identity file.
	Force bool
	// Classic makes an X25519 key (age1…) instead of a post-quantum one
	// (age1pq1…), for tools older than age 1.3.
	Classic bool
}

// KeygenResult is the identity [SecretsKeygen] wrote.
type KeygenResult struct {
	Path      string
	PublicKey string
}

// SecretsKeygen creates an age identity (post-quantum unless Classic), written 0600 with its public key
// in a comment, and returns its public key.
func SecretsKeygen(ctx context.Context, o KeygenOptions) (*KeygenResult, error) {
	h := &o.Host
	path := o.Output
	if path == "" {
		path = h.DefaultIdentityFile()
	}
	if _, err := os.Stat(path); err == nil && !o.Force {
		return nil, fmt.Errorf("%s already exists (use --force to replace it; the secrets sealed to it would be lost to you)", path)
	}
	generate := secrets.GenerateIdentity
	if o.Classic {
		generate = secrets.GenerateClassicIdentity
	}
	id, err := generate()
	if err != nil {
		return nil, err
	}
	pub := id.Recipient().String()
	text := fmt.Sprintf("# created by envseal secrets keygen\n# public key: %s\n%s\n", pub, id.String())
	if err := writePrivateFile(path, []byte(text)); err != nil {
		return nil, err
	}
	return &KeygenResult{Path: path, PublicKey: pub}, nil
}

// writePrivateFile writes data 0600, atomically, creating the directory 0700.
func writePrivateFile(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	return atomicfile.WriteFile(path, data, 0o600)
}

// identities returns the identities available to this user, in lookup
// order, and the public recipients they stand for (for the first `set`).
func (h *Host) identities(o IdentityOptions) ([]secrets.Identity, []string, error) {
	var sources [][]byte
	var names []string
	add := func(name string, data []byte) { sources = append(sources, data); names = append(names, name) }
	if p := o.IdentityFile; p != "" {
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, nil, fmt.Errorf("reading identity: %w", err)
		}
		add(p, data)
	} else {
		if t := h.getenv("ENVSEAL_IDENTITY"); t != "" {
			add("$ENVSEAL_IDENTITY", []byte(t))
		}
		home := h.getenv("HOME")
		for _, p := range []string{h.DefaultIdentityFile(), filepath.Join(home, ".ssh", "id_ed25519"), filepath.Join(home, ".ssh", "id_rsa")} {
			if data, err := os.ReadFile(p); err == nil {
				add(p, data)
			}
		}
	}
	var ids []secrets.Identity
	var pubs []string
	for i, data := range sources {
		parsed, err := secrets.ParseIdentities(bytes.NewReader(data))
		if err != nil {
			return nil, nil, fmt.Errorf("identity %s: %w", names[i], err)
		}
		ids = append(ids, parsed...)
		pubs = append(pubs, publicKeys(names[i], data)...)
	}
	if len(ids) == 0 {
		return nil, nil, &NoIdentityError{}
	}
	return ids, pubs, nil
}

// NoIdentityError: the user has no identity at all.
type NoIdentityError struct{}

func (*NoIdentityError) Error() string {
	return "no identity found: run `envseal secrets keygen`, or pass --identity FILE, or set ENVSEAL_IDENTITY"
}

// publicKeys finds the recipients of an identity file: age keys carry a
// "# public key:" comment (keygen writes one); for SSH keys the .pub file
// beside them is read.
func publicKeys(name string, data []byte) []string {
	var out []string
	for _, line := range strings.Split(string(data), "\n") {
		if k, ok := strings.CutPrefix(strings.TrimSpace(line), "# public key: "); ok {
			out = append(out, strings.TrimSpace(k))
		}
	}
	if len(out) == 0 && strings.Contains(string(data), "PRIVATE KEY") {
		if pub, err := os.ReadFile(name + ".pub"); err == nil {
			out = append(out, strings.TrimSpace(string(pub)))
		}
	}
	return out
}

// lockEnvName is the environment name secrets are bound to.
func lockEnvName(o IdentityOptions, lockPath string) string {
	if n := o.EnvName; n != "" {
		return n
	}
	for _, name := range []string{"environment.yml", "environment.yaml"} {
		if f, err := env.ReadFile(filepath.Join(filepath.Dir(lockPath), name)); err == nil && f.Name != "" {
			return f.Name
		}
	}
	return "default"
}

// readLock reads the lockfile; a missing one is an empty lock when create
// is set.
func readLock(path string, create bool) (*lockfile.Lock, error) {
	l, err := lockfile.ReadFile(path, lockfile.DecodeOptions{Filename: path, Format: lockfile.FormatEnvseal})
	if errors.Is(err, fs.ErrNotExist) && create {
		return lockfile.New(), nil
	}
	return l, err
}

// openSection reads the lock and opens its secrets; with create, a lock
// or section that does not exist yet is made, sealed to the caller.
func (h *Host) openSection(opts SecretsOptions, create bool) (*lockfile.Lock, *secrets.Opened, string, error) {
	path := opts.lockPath()
	l, err := readLock(path, create)
	if err != nil {
		return nil, nil, "", err
	}
	envName := lockEnvName(opts.IdentityOptions, path)
	ids, pubs, err := h.identities(opts.IdentityOptions)
	if err != nil {
		return nil, nil, "", err
	}
	if l.Secrets == nil {
		if !create {
			return nil, nil, "", fmt.Errorf("%s has no secrets section (create one with `envseal secrets set NAME`)", path)
		}
		if len(pubs) == 0 {
			return nil, nil, "", errors.New("cannot tell your public key from your identity file: add it with `envseal secrets recipients add KEY` first")
		}
		var rs []secrets.Recipient
		for _, p := range pubs {
			r, err := secrets.ParseRecipient(p)
			if err != nil {
				return nil, nil, "", err
			}
			rs = append(rs, r)
		}
		o, err := secrets.New(envName, rs...)
		if err != nil {
			return nil, nil, "", err
		}
		return l, o, path, nil
	}
	o, err := l.Secrets.Open(envName, ids...)
	if err != nil {
		return nil, nil, "", fmt.Errorf("opening the secrets of %s (environment %q): %w", path, envName, err)
	}
	return l, o, path, nil
}

// editSecrets opens the section, applies edit and writes the lock back
// atomically. The lock's write lock is held from the read to the rename,
// so concurrent edits (twenty `secrets set` started at once) all land.
func editSecrets(ctx context.Context, opts SecretsOptions, create bool, edit func(*secrets.Opened) error) error {
	h := &opts.Host
	wl, err := h.lockForWrite(ctx, opts.lockPath(), opts.LockTimeout)
	if err != nil {
		return err
	}
	defer wl.Release()
	l, o, path, err := h.openSection(opts, create)
	if err != nil {
		return err
	}
	defer o.Close()
	if err := edit(o); err != nil {
		return err
	}
	sec, err := o.Seal()
	if err != nil {
		return err
	}
	l.Secrets = sec
	return lockfile.WriteFile(path, l)
}

// SecretsOptions say which lock holds the secrets, who opens them, and
// what a secrets operation acts on.
type SecretsOptions struct {
	Host
	// Lock is the lockfile (default envseal.lock).
	Lock string
	IdentityOptions
	// LockTimeout bounds the wait for another envseal writing Lock (0: a
	// minute).
	LockTimeout time.Duration
	// Name is the secret SecretsSet, SecretsGet and SecretsRm act on;
	// Value is what SecretsSet seals (the caller clears it afterwards).
	Name  string
	Value []byte
	// Keys are the recipients SecretsRecipientsAdd adds (with those of
	// KeysFile, one a line) or SecretsRecipientsRm removes (one).
	Keys     []string
	KeysFile string
	// File and Names are SecretsImport's environment file (default
	// environment.yml) and the variables it moves (empty: all).
	File  string
	Names []string
}

// SecretsResult is what a secrets operation read or changed.
type SecretsResult struct {
	// Lock is the lockfile read or written.
	Lock string
	// Value is the secret SecretsGet opened; the caller clears it.
	Value []byte
	// Names are SecretsList's names in the lock's order, or the
	// variables SecretsImport moved.
	Names []string
	// Recipients are SecretsRecipients' recipients.
	Recipients []string
	// File is the environment file SecretsImport rewrote.
	File string
}

func (o SecretsOptions) lockPath() string {
	if o.Lock == "" {
		return "envseal.lock"
	}
	return o.Lock
}

// SecretsSet seals o.Value as the secret o.Name, creating the lock or its
// secrets: section (sealed to the caller's own public key) if needed.
func SecretsSet(ctx context.Context, o SecretsOptions) (*SecretsResult, error) {
	if err := CheckSecretName(o.Name); err != nil {
		return nil, err
	}
	return o.result(editSecrets(ctx, o, true, func(s *secrets.Opened) error { return s.Set(o.Name, o.Value) }))
}

// SecretsGet opens the secrets and returns the value of o.Name.
func SecretsGet(ctx context.Context, o SecretsOptions) (*SecretsResult, error) {
	h := &o.Host
	_, s, _, err := h.openSection(o, false)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	v, ok := s.Get(o.Name)
	if !ok {
		return nil, fmt.Errorf("no secret named %q", o.Name)
	}
	return &SecretsResult{Lock: o.lockPath(), Value: append([]byte(nil), v...)}, nil
}

// SecretsList returns the secret names, in the lock's order, without
// opening any value.
func SecretsList(ctx context.Context, o SecretsOptions) (*SecretsResult, error) {
	l, err := readLock(o.lockPath(), false)
	if err != nil {
		return nil, err
	}
	res := &SecretsResult{Lock: o.lockPath()}
	if l.Secrets != nil {
		for _, e := range l.Secrets.Entries {
			res.Names = append(res.Names, e.Name)
		}
	}
	return res, nil
}

// SecretsRm removes the secret o.Name.
func SecretsRm(ctx context.Context, o SecretsOptions) (*SecretsResult, error) {
	return o.result(editSecrets(ctx, o, false, func(s *secrets.Opened) error {
		if !s.Remove(o.Name) {
			return fmt.Errorf("no secret named %q", o.Name)
		}
		return nil
	}))
}

// SecretsRotate seals every value under a new data key.
func SecretsRotate(ctx context.Context, o SecretsOptions) (*SecretsResult, error) {
	return o.result(editSecrets(ctx, o, false, func(s *secrets.Opened) error { return s.Rotate() }))
}

// SecretsRecipientsAdd adds the recipients o.Keys and those of o.KeysFile
// (age1…, ssh-ed25519 …, ssh-rsa …; one a line, # comments), creating the
// secrets: section if needed.
func SecretsRecipientsAdd(ctx context.Context, o SecretsOptions) (*SecretsResult, error) {
	keys := append([]string(nil), o.Keys...)
	if o.KeysFile != "" {
		data, err := os.ReadFile(o.KeysFile)
		if err != nil {
			return nil, err
		}
		for _, line := range strings.Split(string(data), "\n") {
			if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
				keys = append(keys, line)
			}
		}
	}
	if len(keys) == 0 {
		return nil, usagef("recipients add: give KEY... or --file F")
	}
	var rs []secrets.Recipient
	for _, k := range keys {
		r, err := secrets.ParseRecipient(k)
		if err != nil {
			return nil, &UsageError{Msg: err.Error()}
		}
		rs = append(rs, r)
	}
	return o.result(editSecrets(ctx, o, true, func(s *secrets.Opened) error { return s.AddRecipients(rs...) }))
}

// SecretsRecipientsRm removes the recipient o.Keys[0] and re-keys: a new
// data key, every value sealed again.
func SecretsRecipientsRm(ctx context.Context, o SecretsOptions) (*SecretsResult, error) {
	if len(o.Keys) != 1 {
		return nil, usagef("recipients rm: want exactly one KEY")
	}
	return o.result(editSecrets(ctx, o, false, func(s *secrets.Opened) error { return s.RemoveRecipient(o.Keys[0]) }))
}

// SecretsRecipients lists the recipients of the secrets: section.
func SecretsRecipients(ctx context.Context, o SecretsOptions) (*SecretsResult, error) {
	l, err := readLock(o.lockPath(), false)
	if err != nil {
		return nil, err
	}
	res := &SecretsResult{Lock: o.lockPath()}
	if l.Secrets != nil {
		res.Recipients = append([]string(nil), l.Secrets.Recipients...)
	}
	return res, nil
}

// result is the result of an edit of the lock at o's path.
func (o SecretsOptions) result(err error) (*SecretsResult, error) {
	if err != nil {
		return nil, err
	}
	return &SecretsResult{Lock: o.lockPath()}, nil
}
