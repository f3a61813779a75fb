package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"filippo.io/age/plugin"
	"github.com/envseal/envseal/ops"
	"github.com/envseal/envseal/secrets"
	"github.com/urfave/cli/v2"
)

// pluginUI lets age plugins (age-plugin-yubikey, age-plugin-tpm…) show
// messages on stderr and ask for a PIN on the terminal (/dev/tty), even
// when stdin and stdout are redirected.
func pluginUI(c *cli.Context) *secrets.PluginUI {
	var w io.Writer = os.Stderr
	if c != nil && c.App != nil && c.App.ErrWriter != nil {
		w = c.App.ErrWriter
	}
	return plugin.NewTerminalUI(
		func(format string, v ...any) { fmt.Fprintf(w, "envseal: "+format+"\n", v...) },
		func(format string, v ...any) { fmt.Fprintf(w, "envseal: warning: "+format+"\n", v...) },
	)
}

func recipientsAddCommand(g *globals, common []cli.Flag) *cli.Command {
	return &cli.Command{
		Name:      "add",
		Usage:     "add recipients (age1…, age plugin keys age1NAME1…, ssh-ed25519 …, ssh-rsa …, github:USER)",
		ArgsUsage: "KEY...",
		Description: `Adds the keys given, those of --file (one a line) and those of the
authorized_keys lists at --keys-url (https://…, or github:USER for
USER's keys at $ENVSEAL_GITHUB_KEYS_URL, default
https://github.com/{user}.keys). The fingerprint and comment of each SSH key,
and where it came from, are recorded in the lock, so a key that changes
upstream shows in review. Plugin keys (age1yubikey1…, age1tpm1…) need
age-plugin-NAME on PATH to wrap the data key.`,
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "file", Aliases: []string{"f"}, Usage: "read recipients from a file, one a line"},
			&cli.StringSliceFlag{Name: "keys-url", Usage: "read an authorized_keys list from this URL, or github:USER (repeat for several)"},
			&cli.StringFlag{Name: "github-keys-url", Usage: "where github:USER is read, {user} replaced (default $ENVSEAL_GITHUB_KEYS_URL, else " + ops.DefaultGitHubKeysURL + ")"},
		}, common...),
		Action: func(c *cli.Context) error {
			res, err := ops.SecretsRecipientsAddFrom(c.Context, ops.RecipientsAddOptions{
				SecretsOptions: g.secretsOptions(c), KeysURLs: c.StringSlice("keys-url"), GitHubKeysURL: c.String("github-keys-url"),
			})
			if err != nil {
				return err
			}
			for _, s := range res.Skipped {
				fmt.Fprintf(g.Err, "envseal: warning: skipped %s: age cannot encrypt to this key type\n", s)
			}
			for _, k := range res.Keys {
				fmt.Fprintf(g.Err, "envseal: recipient %s\n", describeKey(k))
			}
			return nil
		},
	}
}

func recipientsListCommand(g *globals, common []cli.Flag) *cli.Command {
	return &cli.Command{
		Name:  "list",
		Usage: "list the recipients (KEY<tab>KIND[<tab>LABEL]), say whether the seal is post-quantum and when the data key was last rotated",
		Description: `One recipient a line: its public key, its kind, and its label (the
fingerprint of an SSH key, the comment and source recorded by recipients
add, the plugin of a plugin key). On stderr: a warning while any recipient
is classic, and when the data key was last made (secrets rotate, recipients
rm). The output is itself a valid --file for recipients add.`,
		Flags: append([]cli.Flag{&cli.BoolFlag{Name: "json", Usage: "print the list as JSON"}}, common...),
		Action: func(c *cli.Context) error {
			res, err := ops.SecretsRecipientsInfo(c.Context, g.secretsOptions(c))
			if err != nil {
				return err
			}
			if c.Bool("json") {
				if res.Keys == nil {
					res.Keys = []ops.KeyInfo{}
				}
				return writeJSON(g.Out, res)
			}
			for _, k := range res.Keys {
				line := k.Recipient + "\t" + k.Kind
				if l := keyLabel(k); l != "" {
					line += "\t" + l
				}
				fmt.Fprintln(g.Out, line)
			}
			if len(res.Keys) == 0 {
				return nil
			}
			if !res.PostQuantum {
				short := make([]string, len(res.Classic))
				for i, k := range res.Classic {
					short[i] = ops.ShortRecipient(k)
				}
				fmt.Fprintf(g.Err, "envseal: warning: the seal is not post-quantum until the last classic recipient is removed (%s)\n", strings.Join(short, ", "))
			}
			if res.RotatedKnown {
				fmt.Fprintf(g.Err, "envseal: data key last rotated %s\n", res.Rotated.UTC().Format(time.RFC3339))
			} else {
				fmt.Fprintln(g.Err, "envseal: data key last rotated: not recorded (the section predates the record; `envseal secrets rotate` records it)")
			}
			return nil
		},
	}
}

// keyLabel is "fingerprint, comment" (the fingerprint only for SSH keys,
// whose public string does not show it; the plugin for plugin keys).
func keyLabel(k ops.KeyInfo) string {
	var parts []string
	if k.Plugin != "" {
		parts = append(parts, "age-plugin-"+k.Plugin)
	}
	if strings.HasPrefix(k.Kind, "ssh-") {
		parts = append(parts, k.Fingerprint)
	}
	if k.Comment != "" {
		parts = append(parts, k.Comment)
	}
	return strings.Join(parts, ", ")
}

// describeKey is "kind, label".
func describeKey(k ops.KeyInfo) string {
	if l := keyLabel(k); l != "" {
		return k.Kind + ", " + l
	}
	return k.Kind
}
