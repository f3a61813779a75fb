package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/envseal/envseal/ops"
	"github.com/envseal/envseal/secrets"
	"github.com/urfave/cli/v2"
	"golang.org/x/term"
)

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

Someone who is not a recipient (or has no identity) can still set a value:
it is sealed to the recipients' public keys as a pending entry, which list
marks, run passes, and a recipient's next write folds under the data key
and MAC. A section with any classic (X25519, SSH) recipient is not
post-quantum; writes and recipients list say so. See also envseal
merge-driver, and secrets audit for who could open what.

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
			secretsAuditCommand(g, common),
			{
				Name: "get", Usage: "print a secret's value", ArgsUsage: "NAME",
				Flags:  append([]cli.Flag{&cli.BoolFlag{Name: "json", Usage: "print {\"name\", \"value\"} (the value, as asked)"}}, common...),
				Action: func(c *cli.Context) error { return g.secretsGet(c) },
			},
			{
				Name: "list", Usage: "list the secret names (values are not opened)",
				Flags:  common,
				Action: g.secretsAction(-1, "", ops.SecretsList, listLines),
			},
			{
				Name: "rm", Usage: "remove a secret", ArgsUsage: "NAME",
				Flags:  common,
				Action: g.secretsAction(1, "secrets rm: want exactly one NAME", ops.SecretsRm, nil),
			},
			{
				Name:   "rotate",
				Usage:  "seal every value under a new data key",
				Flags:  common,
				Action: g.secretsAction(-1, "", ops.SecretsRotate, nil),
			},
			{
				Name:  "recipients",
				Usage: "manage who can open the secrets",
				Subcommands: []*cli.Command{
					{
						Name: "add", Usage: "add recipients (age1…, ssh-ed25519 …, ssh-rsa …)", ArgsUsage: "KEY...",
						Flags:  append([]cli.Flag{&cli.StringFlag{Name: "file", Aliases: []string{"f"}, Usage: "read recipients from a file, one a line"}}, common...),
						Action: g.secretsAction(-1, "", ops.SecretsRecipientsAdd, nil),
					},
					{
						Name: "rm", Usage: "remove a recipient and re-key (new data key, every value re-sealed)", ArgsUsage: "KEY",
						Flags: common,
						Action: g.secretsAction(-1, "", ops.SecretsRecipientsRm, func(r *ops.SecretsResult) []string {
							if len(r.Exposed) > 0 {
								fmt.Fprintf(g.Err, "envseal: the removed key could open these secrets in some commit of %s; git keeps them forever, so rotate them where they are issued, then `envseal secrets set` each:\n", r.Lock)
								for _, n := range r.Exposed {
									fmt.Fprintf(g.Err, "  %s\n", n)
								}
							}
							return nil
						}),
					},
					{
						Name: "list", Usage: "list the recipients, each with its kind (KEY<tab>KIND), and say whether the seal is post-quantum",
						Flags: common,
						Action: g.secretsAction(-1, "", ops.SecretsRecipients, func(r *ops.SecretsResult) []string {
							if len(r.Recipients) > 0 && !r.PostQuantum {
								short := make([]string, len(r.Classic))
								for i, k := range r.Classic {
									short[i] = ops.ShortRecipient(k)
								}
								fmt.Fprintf(g.Err, "envseal: warning: the seal is not post-quantum until the last classic recipient is removed (%s)\n", strings.Join(short, ", "))
							}
							out := make([]string, len(r.Recipients))
							for i, k := range r.Recipients {
								out[i] = k + "\t" + r.Kinds[i]
							}
							return out
						}),
					},
				},
			},
		},
	}
}

// listLines are the lines of `secrets list`: a name a line, pending ones
// marked (with who added them when git knows).
func listLines(r *ops.SecretsResult) []string {
	out := make([]string, len(r.Entries))
	for i, e := range r.Entries {
		out[i] = e.Name
		if e.Pending {
			out[i] += "\t(pending"
			if e.AddedBy != "" {
				out[i] += ", added by " + e.AddedBy
			}
			out[i] += ")"
		}
	}
	return out
}

func (g *globals) secretsOptions(c *cli.Context) ops.SecretsOptions {
	return ops.SecretsOptions{Host: g.host(true, nil), Lock: c.String("lock"), IdentityOptions: identityOptions(c), LockTimeout: c.Duration("lock-timeout"),
		Name: c.Args().First(), Keys: c.Args().Slice(), KeysFile: c.String("file"), File: c.String("file"), Names: c.Args().Slice()}
}

func (g *globals) secretsKeygen(c *cli.Context) error {
	res, err := ops.SecretsKeygen(c.Context, ops.KeygenOptions{Host: g.host(true, nil), Output: c.String("output"), Force: c.Bool("force"), Classic: c.Bool("classic")})
	if err != nil {
		return err
	}
	fmt.Fprintf(g.Err, "envseal: identity written to %s\n", res.Path)
	fmt.Fprintln(g.Out, res.PublicKey)
	return nil
}

func (g *globals) secretsSet(c *cli.Context) error {
	if c.NArg() != 1 {
		return usagef("secrets set: want exactly one NAME (the value is read from stdin, never from the command line)")
	}
	name := c.Args().First()
	if err := ops.CheckSecretName(name); err != nil {
		return err
	}
	value, err := g.readSecretValue(name)
	if err != nil {
		return err
	}
	defer clear(value)
	o := g.secretsOptions(c)
	o.Value = value
	_, err = ops.SecretsSet(c.Context, o)
	return err
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
	res, err := ops.SecretsGet(c.Context, g.secretsOptions(c))
	if err != nil {
		return err
	}
	defer clear(res.Value)
	if c.Bool("json") {
		return writeJSON(g.Out, map[string]string{"name": c.Args().First(), "value": string(res.Value)})
	}
	_, err = fmt.Fprintf(g.Out, "%s\n", res.Value)
	return err
}

// secretsAction runs a secrets operation with the command's options and
// prints the lines that lines picks from its result; nargs >= 0 demands
// that many arguments.
func (g *globals) secretsAction(nargs int, usage string, op func(context.Context, ops.SecretsOptions) (*ops.SecretsResult, error), lines func(*ops.SecretsResult) []string) cli.ActionFunc {
	return func(c *cli.Context) error {
		if nargs >= 0 && c.NArg() != nargs {
			return usagef("%s", usage)
		}
		res, err := op(c.Context, g.secretsOptions(c))
		if err == nil && lines != nil {
			for _, l := range lines(res) {
				fmt.Fprintln(g.Out, l)
			}
		}
		return err
	}
}
