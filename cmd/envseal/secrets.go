package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/envseal/envseal/internal/cmdutil"
	"github.com/envseal/envseal/ops"
	"github.com/envseal/envseal/secrets"
	"github.com/urfave/cli/v2"
)

func secretsCommand(g *globals) *cli.Command {
	common := []cli.Flag{lockFlag, identityFlag, envNameFlag, lockTimeoutFlag}
	with := func(flags ...cli.Flag) []cli.Flag { return append(flags, common...) }
	return &cli.Command{
		Name: "secrets", Usage: "seal secrets to teammates' keys inside envseal.lock",
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
				Name: "keygen", Usage: "create a post-quantum age identity (written 0600) and print its public key",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "identity file (default ~/.config/envseal/identity.txt)"},
					&cli.BoolFlag{Name: "force", Usage: "overwrite an existing identity file"},
					&cli.BoolFlag{Name: "classic", Usage: "make an X25519 key (age1…) instead of a post-quantum one (age1pq1…), for tools older than age 1.3"},
				},
				Action: func(c *cli.Context) error {
					res, err := ops.SecretsKeygen(c.Context, ops.KeygenOptions{Host: g.host(true, nil), Output: c.String("output"), Force: c.Bool("force"), Classic: c.Bool("classic")})
					if err == nil {
						fmt.Fprintln(g.Out, res.PublicKey)
					}
					return err
				},
			},
			{
				Name: "set", Usage: "seal a value (read from stdin, or a no-echo prompt on a terminal)", ArgsUsage: "NAME", Flags: common,
				Before: wantArgs(1, "secrets set: want exactly one NAME (the value is read from stdin, never from the command line)"),
				Action: func(c *cli.Context) error {
					if err := ops.CheckSecretName(c.Args().First()); err != nil {
						return err
					}
					value, err := cmdutil.ReadSecret(g.In, g.Err, c.Args().First(), secrets.MaxValueSize)
					if err != nil {
						return err
					}
					defer clear(value)
					o := g.secretsOptions(c)
					o.Value = value
					_, err = ops.SecretsSet(c.Context, o)
					return err
				},
			},
			{
				Name: "import", Usage: "move plaintext variables: of an environment file into the sealed secrets", ArgsUsage: "[NAME...]",
				Description: `Seals the named variables (all of them when no NAME is given) into the
lock, then rewrites the environment file without them, keeping its comments
and order. envseal run passes them to the command as before.

With --dotenv FILE, the variables of a .env file are sealed instead, in one
atomic write of the lock; the .env file is left as it was unless --delete
removes the moved lines from it.`,
				Flags: with(
					&cli.StringFlag{Name: "file", Aliases: []string{"f"}, Value: "environment.yml", Usage: "the environment file"},
					&cli.StringFlag{Name: "dotenv", Usage: "import the variables of this .env file instead"},
					&cli.BoolFlag{Name: "delete", Usage: "with --dotenv: remove the imported variables from the .env file"},
				),
				Action: func(c *cli.Context) error {
					o := g.secretsOptions(c)
					o.Dotenv, o.Delete = c.String("dotenv"), c.Bool("delete")
					if o.Delete && o.Dotenv == "" {
						return usagef("--delete goes with --dotenv FILE")
					}
					_, err := ops.SecretsImport(c.Context, o)
					return err
				},
			},
			{
				Name: "set-file", Usage: "seal a whole file (a config file, a service-account key); run gives $NAME as its path",
				ArgsUsage: "NAME PATH",
				Description: fmt.Sprintf(`Seals the content of PATH (at most %d bytes) as the secret NAME.
envseal run gives the command $NAME as the path of a private file holding
the content: a sealed memfd (/proc/self/fd/N) on Linux, elsewhere a 0600
file in a 0700 directory under $XDG_RUNTIME_DIR or the user cache
directory, removed when the command exits (and, after a crash, by the
next run). The plaintext never goes to the working tree; --rm deletes PATH
once the seal is written.`, ops.MaxSealedFileSize),
				Flags: with(&cli.BoolFlag{Name: "rm", Usage: "delete PATH once it is sealed"}), Before: wantArgs(2, "secrets set-file: want NAME PATH"),
				Action: func(c *cli.Context) error {
					_, err := ops.SecretsSetFile(c.Context, ops.SecretsSetFileOptions{SecretsOptions: g.secretsOptions(c), Path: c.Args().Get(1), Remove: c.Bool("rm")})
					return err
				},
			},
			{
				Name: "audit", Usage: "say from git history when each secret last changed and who could open each of its values",
				Description: `Reads the commits of envseal.lock (no identity or plaintext needed). For each
secret: the commit, date and author that set its current value, and for every
value it had, the recipients who could open it. A re-key (recipients rm,
rotate) is taken as sealing the same values again. --max-age DAYS exits 1 when
a secret's value is older, as a CI policy.`,
				Flags: with(jsonFlag("print the audit as JSON"),
					&cli.IntFlag{Name: "max-age", Usage: "fail (exit 1) when a secret's value is older than DAYS"}),
				Before: wantArgs(0, "secrets audit takes no arguments"),
				Action: func(c *cli.Context) error {
					if c.Int("max-age") < 0 {
						return usagef("--max-age wants a number of days")
					}
					res, err := ops.SecretsAudit(c.Context, ops.AuditOptions{SecretsOptions: g.secretsOptions(c), MaxAge: time.Duration(c.Int("max-age")) * 24 * time.Hour})
					var stale *ops.StaleError
					if err != nil && !errors.As(err, &stale) {
						return err
					}
					if err := g.show(c, res, res.WriteText); err != nil || stale == nil {
						return err
					}
					fmt.Fprintf(g.Err, "envseal: %v\n", stale)
					return &silentError{code: exitError, err: stale}
				},
			},
			{
				Name: "get", Usage: "print a secret's value", ArgsUsage: "NAME",
				Flags: with(jsonFlag("print {\"name\", \"value\"} (the value, as asked)")), Before: wantArgs(1, "secrets get: want exactly one NAME"),
				Action: func(c *cli.Context) error {
					res, err := ops.SecretsGet(c.Context, g.secretsOptions(c))
					if err != nil {
						return err
					}
					defer clear(res.Value)
					if c.Bool("json") {
						return writeJSON(g.Out, map[string]string{"name": c.Args().First(), "value": string(res.Value)})
					}
					if _, err = g.Out.Write(res.Value); err == nil && !res.SealedFile { // a file's bytes as they were
						_, err = io.WriteString(g.Out, "\n")
					}
					return err
				},
			},
			{
				Name: "list", Usage: "list the secret names (values are not opened)", Flags: common,
				Action: g.secretsAction(ops.SecretsList, (*ops.SecretsResult).WriteList),
			},
			{
				Name: "rm", Usage: "remove a secret", ArgsUsage: "NAME", Flags: common, Before: wantArgs(1, "secrets rm: want exactly one NAME"),
				Action: g.secretsAction(ops.SecretsRm, nil),
			},
			{
				Name: "rotate", Usage: "seal every value under a new data key", Flags: common,
				Action: g.secretsAction(ops.SecretsRotate, nil),
			},
			{
				Name: "recipients", Usage: "manage who can open the secrets",
				Subcommands: []*cli.Command{
					{
						Name: "add", Usage: "add recipients (age1…, age plugin keys age1NAME1…, ssh-ed25519 …, ssh-rsa …, github:USER)",
						ArgsUsage: "KEY...",
						Description: `Adds the keys given, those of --file (one a line) and those of the
authorized_keys lists at --keys-url (https://…, or github:USER for
USER's keys at $ENVSEAL_GITHUB_KEYS_URL, default
https://github.com/{user}.keys). The fingerprint and comment of each SSH key,
and where it came from, are recorded in the lock, so a key that changes
upstream shows in review. Plugin keys (age1yubikey1…, age1tpm1…) need
age-plugin-NAME on PATH to wrap the data key.`,
						Flags: with(
							&cli.StringFlag{Name: "file", Aliases: []string{"f"}, Usage: "read recipients from a file, one a line"},
							&cli.StringSliceFlag{Name: "keys-url", Usage: "read an authorized_keys list from this URL, or github:USER (repeat for several)"},
							&cli.StringFlag{Name: "github-keys-url", Usage: "where github:USER is read, {user} replaced (default $ENVSEAL_GITHUB_KEYS_URL, else " + ops.DefaultGitHubKeysURL + ")"},
						),
						Action: func(c *cli.Context) error {
							_, err := ops.SecretsRecipientsAddFrom(c.Context, ops.RecipientsAddOptions{
								SecretsOptions: g.secretsOptions(c), KeysURLs: c.StringSlice("keys-url"), GitHubKeysURL: c.String("github-keys-url"),
							})
							return err
						},
					},
					{
						Name: "rm", Usage: "remove a recipient and re-key (new data key, every value re-sealed)", ArgsUsage: "KEY", Flags: common,
						Action: g.secretsAction(ops.SecretsRecipientsRm, nil),
					},
					{
						Name:  "list",
						Usage: "list the recipients (KEY<tab>KIND[<tab>LABEL]), say whether the seal is post-quantum and when the data key was last rotated",
						Description: `One recipient a line: its public key, its kind, and its label (the
fingerprint of an SSH key, the comment and source recorded by recipients
add, the plugin of a plugin key). On stderr: a warning while any recipient
is classic, and when the data key was last made (secrets rotate, recipients
rm). The output is itself a valid --file for recipients add.`,
						Flags: with(jsonFlag("print the list as JSON")),
						Action: func(c *cli.Context) error {
							res, err := ops.SecretsRecipientsInfo(c.Context, g.secretsOptions(c))
							if err != nil || c.Bool("json") {
								if err == nil {
									err = writeJSON(g.Out, res)
								}
								return err
							}
							res.WriteText(g.Out)
							res.WriteNotes(g.Err)
							return nil
						},
					},
				},
			},
		},
	}
}

func (g *globals) secretsOptions(c *cli.Context) ops.SecretsOptions {
	return ops.SecretsOptions{Host: g.host(true, nil), Lock: c.String("lock"), IdentityOptions: identityOptions(c), LockTimeout: c.Duration("lock-timeout"),
		Name: c.Args().First(), Keys: c.Args().Slice(), KeysFile: c.String("file"), File: c.String("file"), Names: c.Args().Slice()}
}

// secretsAction runs a secrets operation with the command's options and
// prints what text writes of its result.
func (g *globals) secretsAction(op func(context.Context, ops.SecretsOptions) (*ops.SecretsResult, error), text func(*ops.SecretsResult, io.Writer)) cli.ActionFunc {
	return func(c *cli.Context) error {
		res, err := op(c.Context, g.secretsOptions(c))
		if err == nil && text != nil {
			text(res, g.Out)
		}
		return err
	}
}

// pluginUI lets age plugins (age-plugin-yubikey, age-plugin-tpm…) talk to
// the user on stderr and the terminal.
func pluginUI(c *cli.Context) *secrets.PluginUI {
	var w io.Writer = os.Stderr
	if c != nil && c.App != nil && c.App.ErrWriter != nil {
		w = c.App.ErrWriter
	}
	return secrets.TerminalPluginUI(w)
}
