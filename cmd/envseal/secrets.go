package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/envseal/envseal/env"
	"github.com/envseal/envseal/lockfile"
	"github.com/envseal/envseal/secrets"
	"github.com/urfave/cli/v2"
	"golang.org/x/term"
)

// Exit codes of the secrets commands (README): a section nobody here can
// open is not the same failure as a section that was tampered with.
const exitNoIdentity = 5

var lockFlag = &cli.StringFlag{Name: "lock", Value: "envseal.lock", Usage: "the lockfile holding the sealed secrets"}
var identityFlag = &cli.StringFlag{Name: "identity", Aliases: []string{"i"}, Usage: "identity file (age key or SSH private key)"}
var envNameFlag = &cli.StringFlag{Name: "env-name", Usage: "environment name the secrets are bound to (default: name: of the environment.yml beside the lock, else \"default\")"}

func secretsCommand(g *globals) *cli.Command {
	common := []cli.Flag{lockFlag, identityFlag, envNameFlag, lockTimeoutFlag}
	return &cli.Command{
		Name:  "secrets",
		Usage: "seal secrets to teammates' keys inside envseal.lock",
		Description: `Secrets live in the secrets: section of envseal.lock, each value sealed
(XChaCha20-Poly1305) under a data key that is wrapped for every recipient as
one age file. Names stay readable so diffs show which secret changed.
envseal run injects them into the child's environment only.

Identity lookup: --identity FILE, $ENVSEAL_IDENTITY (key text, for CI),
$ENVSEAL_IDENTITY_FILE, ~/.config/envseal/identity.txt (made by keygen),
then ~/.ssh/id_ed25519 and ~/.ssh/id_rsa.`,
		Subcommands: []*cli.Command{
			{
				Name:  "keygen",
				Usage: "create a post-quantum age identity (written 0600) and print its public key",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "identity file (default ~/.config/envseal/identity.txt)"},
					&cli.BoolFlag{Name: "force", Usage: "overwrite an existing identity file"},
					&cli.BoolFlag{Name: "classic", Usage: "make an X25519 key (age1…) instead of a post-quantum one (age1pq1…), for tools older than age 1.3"},
				},
				Action: func(c *cli.Context) error { return g.secretsKeygen(c) },
			},
			{
				Name: "set", Usage: "seal a value (read from stdin, or a no-echo prompt on a terminal)", ArgsUsage: "NAME",
				Flags:  common,
				Action: func(c *cli.Context) error { return g.secretsSet(c) },
			},
			secretsImportCommand(g, common),
			{
				Name: "get", Usage: "print a secret's value", ArgsUsage: "NAME",
				Flags:  common,
				Action: func(c *cli.Context) error { return g.secretsGet(c) },
			},
			{
				Name: "list", Usage: "list the secret names (values are not opened)",
				Flags:  common,
				Action: func(c *cli.Context) error { return g.secretsList(c) },
			},
			{
				Name: "rm", Usage: "remove a secret", ArgsUsage: "NAME",
				Flags:  common,
				Action: func(c *cli.Context) error { return g.secretsRm(c) },
			},
			{
				Name:  "rotate",
				Usage: "seal every value under a new data key",
				Flags: common,
				Action: func(c *cli.Context) error {
					return g.editSecrets(c, func(o *secrets.Opened) error { return o.Rotate() })
				},
			},
			{
				Name:  "recipients",
				Usage: "manage who can open the secrets",
				Subcommands: []*cli.Command{
					{
						Name: "add", Usage: "add recipients (age1…, ssh-ed25519 …, ssh-rsa …)", ArgsUsage: "KEY...",
						Flags:  append([]cli.Flag{&cli.StringFlag{Name: "file", Aliases: []string{"f"}, Usage: "read recipients from a file, one a line"}}, common...),
						Action: func(c *cli.Context) error { return g.recipientsAdd(c) },
					},
					{
						Name: "rm", Usage: "remove a recipient and re-key (new data key, every value re-sealed)", ArgsUsage: "KEY",
						Flags: common,
						Action: func(c *cli.Context) error {
							if c.NArg() != 1 {
								return usagef("recipients rm: want exactly one KEY")
							}
							return g.editSecrets(c, func(o *secrets.Opened) error { return o.RemoveRecipient(c.Args().First()) })
						},
					},
					{
						Name: "list", Usage: "list the recipients",
						Flags:  common,
						Action: func(c *cli.Context) error { return g.recipientsList(c) },
					},
				},
			},
		},
	}
}

// secretNameRE is what an environment variable name may be.
var secretNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func checkSecretName(n string) error {
	if !secretNameRE.MatchString(n) {
		return usagef("invalid secret name %q: secrets become environment variables, so use letters, digits and _ (not starting with a digit)", n)
	}
	return nil
}

func (g *globals) defaultIdentityFile() string {
	if p := g.getenv("ENVSEAL_IDENTITY_FILE"); p != "" {
		return p
	}
	base := g.getenv("XDG_CONFIG_HOME")
	if base == "" {
		base = filepath.Join(g.getenv("HOME"), ".config")
	}
	return filepath.Join(base, "envseal", "identity.txt")
}

func (g *globals) secretsKeygen(c *cli.Context) error {
	path := c.String("output")
	if path == "" {
		path = g.defaultIdentityFile()
	}
	if _, err := os.Stat(path); err == nil && !c.Bool("force") {
		return fmt.Errorf("%s already exists (use --force to replace it; the secrets sealed to it would be lost to you)", path)
	}
	generate := secrets.GenerateIdentity
	if c.Bool("classic") {
		generate = secrets.GenerateClassicIdentity
	}
	id, err := generate()
	if err != nil {
		return err
	}
	pub := id.Recipient().String()
	text := fmt.Sprintf("# created by envseal secrets keygen\n# public key: %s\n%s\n", pub, id.String())
	if err := writePrivateFile(path, []byte(text)); err != nil {
		return err
	}
	fmt.Fprintf(g.Err, "envseal: identity written to %s\n", path)
	fmt.Fprintln(g.Out, pub)
	return nil
}

// writePrivateFile writes data 0600, atomically, creating the directory 0700.
func writePrivateFile(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	return writeFileAtomic(path, data, 0o600)
}

// identities returns the identities available to this user, in lookup
// order, and the public recipients they stand for (for the first `set`).
func (g *globals) identities(c *cli.Context) ([]secrets.Identity, []string, error) {
	var sources [][]byte
	var names []string
	add := func(name string, data []byte) { sources = append(sources, data); names = append(names, name) }
	if p := c.String("identity"); p != "" {
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, nil, fmt.Errorf("reading identity: %w", err)
		}
		add(p, data)
	} else {
		if t := g.getenv("ENVSEAL_IDENTITY"); t != "" {
			add("$ENVSEAL_IDENTITY", []byte(t))
		}
		home := g.getenv("HOME")
		for _, p := range []string{g.defaultIdentityFile(), filepath.Join(home, ".ssh", "id_ed25519"), filepath.Join(home, ".ssh", "id_rsa")} {
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
		return nil, nil, &noIdentityError{}
	}
	return ids, pubs, nil
}

// noIdentityError: the user has no identity at all.
type noIdentityError struct{}

func (*noIdentityError) Error() string {
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
func lockEnvName(c *cli.Context, lockPath string) string {
	if n := c.String("env-name"); n != "" {
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
func (g *globals) openSection(c *cli.Context, create bool) (*lockfile.Lock, *secrets.Opened, string, error) {
	path := c.String("lock")
	l, err := readLock(path, create)
	if err != nil {
		return nil, nil, "", err
	}
	envName := lockEnvName(c, path)
	ids, pubs, err := g.identities(c)
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
func (g *globals) editSecrets(c *cli.Context, edit func(*secrets.Opened) error) error {
	wl, err := g.lockForWrite(c, c.String("lock"))
	if err != nil {
		return err
	}
	defer wl.Release()
	l, o, path, err := g.openSection(c, c.Command.Name == "set" || c.Command.Name == "add" || c.Command.Name == "import")
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

func (g *globals) secretsSet(c *cli.Context) error {
	if c.NArg() != 1 {
		return usagef("secrets set: want exactly one NAME (the value is read from stdin, never from the command line)")
	}
	name := c.Args().First()
	if err := checkSecretName(name); err != nil {
		return err
	}
	value, err := g.readSecretValue(name)
	if err != nil {
		return err
	}
	defer clear(value)
	return g.editSecrets(c, func(o *secrets.Opened) error { return o.Set(name, value) })
}

// readSecretValue reads a value from a terminal without echo, or all of
// stdin otherwise (one trailing newline dropped).
func (g *globals) readSecretValue(name string) ([]byte, error) {
	if f, ok := g.In.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprintf(g.Err, "Value for %s: ", name)
		v, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(g.Err)
		return v, err
	}
	v, err := io.ReadAll(io.LimitReader(g.In, secrets.MaxValueSize+1))
	if err != nil {
		return nil, err
	}
	if len(v) > secrets.MaxValueSize {
		return nil, fmt.Errorf("the value of %s is larger than %d bytes", name, secrets.MaxValueSize)
	}
	v = bytes.TrimSuffix(v, []byte("\n"))
	v = bytes.TrimSuffix(v, []byte("\r"))
	return v, nil
}

func (g *globals) secretsGet(c *cli.Context) error {
	if c.NArg() != 1 {
		return usagef("secrets get: want exactly one NAME")
	}
	_, o, _, err := g.openSection(c, false)
	if err != nil {
		return err
	}
	defer o.Close()
	v, ok := o.Get(c.Args().First())
	if !ok {
		return fmt.Errorf("no secret named %q", c.Args().First())
	}
	_, err = fmt.Fprintf(g.Out, "%s\n", v)
	return err
}

func (g *globals) secretsList(c *cli.Context) error {
	l, err := readLock(c.String("lock"), false)
	if err != nil {
		return err
	}
	if l.Secrets == nil {
		return nil
	}
	for _, e := range l.Secrets.Entries {
		fmt.Fprintln(g.Out, e.Name)
	}
	return nil
}

func (g *globals) secretsRm(c *cli.Context) error {
	if c.NArg() != 1 {
		return usagef("secrets rm: want exactly one NAME")
	}
	name := c.Args().First()
	return g.editSecrets(c, func(o *secrets.Opened) error {
		if !o.Remove(name) {
			return fmt.Errorf("no secret named %q", name)
		}
		return nil
	})
}

func (g *globals) recipientsAdd(c *cli.Context) error {
	keys := c.Args().Slice()
	if f := c.String("file"); f != "" {
		data, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		for _, line := range strings.Split(string(data), "\n") {
			if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
				keys = append(keys, line)
			}
		}
	}
	if len(keys) == 0 {
		return usagef("recipients add: give KEY... or --file F")
	}
	var rs []secrets.Recipient
	for _, k := range keys {
		r, err := secrets.ParseRecipient(k)
		if err != nil {
			return &usageError{msg: err.Error()}
		}
		rs = append(rs, r)
	}
	return g.editSecrets(c, func(o *secrets.Opened) error { return o.AddRecipients(rs...) })
}

func (g *globals) recipientsList(c *cli.Context) error {
	l, err := readLock(c.String("lock"), false)
	if err != nil {
		return err
	}
	if l.Secrets != nil {
		for _, r := range l.Secrets.Recipients {
			fmt.Fprintln(g.Out, r)
		}
	}
	return nil
}
