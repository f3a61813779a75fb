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
	"github.com/envseal/envseal/internal/gitindex"
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
	h.noticef("identity written to %s", path)
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
		parsed, err := secrets.ParseIdentitiesWithUI(bytes.NewReader(data), o.PluginUI)
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
		} else if _, k, ok := strings.Cut(line, "#"); ok {
			// age-plugin-yubikey and -tpm write "#    Recipient: age1yubikey1…".
			if r, ok := strings.CutPrefix(strings.TrimSpace(k), "Recipient: "); ok && strings.HasPrefix(strings.TrimSpace(r), "age1") {
				out = append(out, strings.TrimSpace(r))
			}
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
	return editSecretsOr(ctx, opts, create, edit, nil)
}

// editSecretsOr is editSecrets with a fallback for a user whose identities
// do not open the section (or who has none): pending, when not nil, changes
// the sealed section with public keys only, and the lock is written.
func editSecretsOr(ctx context.Context, opts SecretsOptions, create bool, edit func(*secrets.Opened) error, pending func(l *lockfile.Lock, envName string) error) error {
	h := &opts.Host
	wl, err := h.lockForWrite(ctx, opts.lockPath(), opts.LockTimeout)
	if err != nil {
		return err
	}
	defer wl.Release()
	l, o, path, err := h.openSection(opts, create)
	if err != nil {
		var noID *NoIdentityError
		if pending == nil || !(errors.Is(err, secrets.ErrNoIdentityMatched) || errors.As(err, &noID)) {
			return err
		}
		var rerr error
		if l, rerr = readLock(opts.lockPath(), true); rerr != nil {
			return rerr
		}
		if l.Secrets == nil {
			return err
		}
		if err := pending(l, lockEnvName(opts.IdentityOptions, opts.lockPath())); err != nil {
			return err
		}
		h.warnPostQuantum(l.Secrets)
		return lockfile.WriteFile(opts.lockPath(), l)
	}
	defer o.Close()
	if ps := o.Pending(); len(ps) > 0 {
		var readable, unreadable []string
		for _, p := range ps {
			if p.Readable {
				readable = append(readable, p.Name)
			} else {
				unreadable = append(unreadable, p.Name)
			}
		}
		if len(readable) > 0 {
			h.noticef("folding pending %s under the data key and MAC (added with public keys only: check that you expected them)", strings.Join(readable, ", "))
		}
		if len(unreadable) > 0 {
			h.warnf("pending %s cannot be opened with your identity and stay pending", strings.Join(unreadable, ", "))
		}
	}
	if err := edit(o); err != nil {
		return err
	}
	sec, err := o.Seal()
	if err != nil {
		return err
	}
	l.Secrets = sec
	h.warnPostQuantum(sec)
	return lockfile.WriteFile(path, l)
}

// warnPostQuantum says, after a write, that a section with classic
// recipients is not post-quantum, and who keeps it so.
func (h *Host) warnPostQuantum(sec *secrets.Section) {
	if sec == nil || sec.PostQuantum() {
		return
	}
	classic := sec.ClassicRecipients()
	short := make([]string, len(classic))
	for i, r := range classic {
		short[i] = ShortRecipient(r)
	}
	if len(classic) == 0 {
		h.warnf("the seal is not post-quantum: a pending entry was sealed to classic keys; the next write by a recipient folds it")
		return
	}
	h.warnf("the seal is not post-quantum until the last classic recipient is removed: %s (each holder runs `envseal secrets keygen`, adds the new age1pq1 key, then the old one is removed with `envseal secrets recipients rm`)", strings.Join(short, ", "))
}

// ShortRecipient shortens a public key for display: post-quantum keys are
// about 2 KB long. SSH keys keep their type and comment.
func ShortRecipient(r string) string {
	if f := strings.Fields(r); len(f) >= 2 && strings.HasPrefix(f[0], "ssh-") {
		b := f[1]
		if len(b) > 16 {
			b = b[len(b)-12:]
		}
		out := f[0] + " …" + b
		if len(f) > 2 {
			out += " " + strings.Join(f[2:], " ")
		}
		return out
	}
	if len(r) > 24 {
		return r[:12] + "…" + r[len(r)-8:]
	}
	return r
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
	// Dotenv is the .env file SecretsImport moves instead (its variables
	// become secrets); Delete removes them from it afterwards, else the
	// file is left as it was.
	Dotenv string
	Delete bool
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
	// Entries are SecretsList's secrets, pending ones marked.
	Entries []SecretInfo
	// Pending: SecretsSet sealed a pending entry (the caller is not a
	// recipient).
	Pending bool
	// Kinds are the kinds of Recipients (secrets.Kind.String), in order;
	// PostQuantum says every recipient is post-quantum, else Classic are
	// the ones keeping the seal classic.
	Kinds       []string
	PostQuantum bool
	Classic     []string
	// Exposed are, after SecretsRecipientsRm, the secrets the removed key
	// could open in some commit (or the working lock): rotate them where
	// they are issued.
	Exposed []string
	// SealedFile says SecretsGet's Value is a file's content (see
	// SecretsSetFile).
	SealedFile bool
}

func (o SecretsOptions) lockPath() string {
	if o.Lock == "" {
		return "envseal.lock"
	}
	return o.Lock
}

// SecretsSet seals o.Value as the secret o.Name, creating the lock or its
// secrets: section (sealed to the caller's own public key) if needed. A
// caller whose identities do not open an existing section (or who has
// none) seals the value with the recipients' public keys as a pending
// entry; result.Pending says so. A recipient's next write folds it.
func SecretsSet(ctx context.Context, o SecretsOptions) (*SecretsResult, error) {
	if err := CheckSecretName(o.Name); err != nil {
		return nil, err
	}
	pending := false
	err := editSecretsOr(ctx, o, true, func(s *secrets.Opened) error { return s.Set(o.Name, o.Value) },
		func(l *lockfile.Lock, envName string) error {
			if err := l.Secrets.AddPending(envName, o.Name, o.Value); err != nil {
				return err
			}
			pending = true
			o.Host.noticef("you are not a recipient of %s: %s is sealed to the %d recipients' public keys as a pending entry; the next write by a recipient folds it", o.lockPath(), o.Name, len(l.Secrets.Recipients))
			return nil
		})
	res, err := o.result(err)
	if res != nil {
		res.Pending = pending
	}
	return res, err
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
	v, isFile := SplitSealedValue(v) // a sealed file: its content
	return &SecretsResult{Lock: o.lockPath(), Value: append([]byte(nil), v...), SealedFile: isFile}, nil
}

// SecretsList returns the secret names, in the lock's order, without
// opening any value, then the pending ones (Entries says which, and who
// added them when git knows).
func SecretsList(ctx context.Context, o SecretsOptions) (*SecretsResult, error) {
	l, err := readLock(o.lockPath(), false)
	if err != nil {
		return nil, err
	}
	res := &SecretsResult{Lock: o.lockPath()}
	if l.Secrets != nil {
		for _, e := range l.Secrets.Entries {
			res.Names = append(res.Names, e.Name)
			res.Entries = append(res.Entries, SecretInfo{Name: e.Name})
		}
		for _, p := range l.Secrets.Pending {
			res.Entries = append(res.Entries, SecretInfo{Name: p.Name, Pending: true, AddedBy: pendingAuthor(ctx, o.lockPath(), p)})
		}
	}
	return res, nil
}

// SecretInfo is one secret SecretsList found.
type SecretInfo struct {
	Name string `json:"name"`
	// Pending: added with public keys only, not yet folded by a recipient.
	Pending bool `json:"pending,omitempty"`
	// AddedBy is the git author of the commit that added a pending entry
	// ("" when git does not know: not committed, no repository).
	AddedBy string `json:"added_by,omitempty"`
}

// pendingAuthor asks git who committed the pending entry p: its sealed
// value is unique, so the last commit that added or removed that text is
// the one that added it.
func pendingAuthor(ctx context.Context, lock string, p secrets.PendingEntry) string {
	dir, base := filepath.Split(lock)
	if dir == "" {
		dir = "."
	}
	needle := p.Value
	if len(needle) > 64 {
		needle = needle[:64]
	}
	out, err := gitindex.Git(ctx, dir, "log", "-1", "--format=%an", "-S"+needle, "--", base)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
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
// data key, every value sealed again. The result's Exposed are the
// secrets that key could open in some commit of the lock (or in the lock
// before this change): the re-key protects future values only, so those
// must be rotated where they are issued.
func SecretsRecipientsRm(ctx context.Context, o SecretsOptions) (*SecretsResult, error) {
	if len(o.Keys) != 1 {
		return nil, usagef("recipients rm: want exactly one KEY")
	}
	public := o.Keys[0]
	if r, err := secrets.ParseRecipient(public); err == nil {
		public = r.String()
	}
	exposed, err := exposedTo(ctx, o.lockPath(), public)
	if err != nil {
		return nil, err
	}
	res, err := o.result(editSecrets(ctx, o, false, func(s *secrets.Opened) error { return s.RemoveRecipient(o.Keys[0]) }))
	if res != nil {
		res.Exposed = exposed
	}
	if err == nil && len(exposed) > 0 {
		o.Host.noticef("the removed key could open these secrets in some commit of %s; git keeps them forever, so rotate them where they are issued, then `envseal secrets set` each:\n  %s", res.Lock, strings.Join(exposed, "\n  "))
	}
	return res, err
}

// SecretsRecipients lists the recipients of the secrets: section, with
// their kinds and whether the seal is post-quantum.
func SecretsRecipients(ctx context.Context, o SecretsOptions) (*SecretsResult, error) {
	l, err := readLock(o.lockPath(), false)
	if err != nil {
		return nil, err
	}
	res := &SecretsResult{Lock: o.lockPath()}
	if l.Secrets != nil {
		res.Recipients = append([]string(nil), l.Secrets.Recipients...)
		for _, r := range res.Recipients {
			res.Kinds = append(res.Kinds, secrets.RecipientKind(r).String())
		}
		res.PostQuantum = l.Secrets.PostQuantum()
		res.Classic = l.Secrets.ClassicRecipients()
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
