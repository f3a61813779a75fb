package main

import (
	"encoding/json"
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
		Usage: "list the recipients with their labels, and when the data key was last rotated",
		Description: `One recipient a line, followed by "# kind, fingerprint, comment"; the
last line says when the data key was last made (secrets rotate, recipients
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
				enc := json.NewEncoder(g.Out)
				enc.SetIndent("", "  ")
				return enc.Encode(res)
			}
			for _, k := range res.Keys {
				fmt.Fprintf(g.Out, "%s  # %s\n", k.Recipient, describeKey(k))
			}
			switch {
			case len(res.Keys) == 0:
			case res.RotatedKnown:
				fmt.Fprintf(g.Out, "# data key last rotated %s\n", res.Rotated.UTC().Format(time.RFC3339))
			default:
				fmt.Fprintln(g.Out, "# data key last rotated: not recorded (the section predates the record; `envseal secrets rotate` records it)")
			}
			return nil
		},
	}
}

// describeKey is "kind, fingerprint, comment" (the fingerprint only for
// SSH keys, whose public string does not show it).
func describeKey(k ops.KeyInfo) string {
	parts := []string{k.Kind}
	if k.Plugin != "" {
		parts[0] = "plugin " + k.Plugin
	}
	if strings.HasPrefix(k.Kind, "ssh-") {
		parts = append(parts, k.Fingerprint)
	}
	if k.Comment != "" {
		parts = append(parts, k.Comment)
	}
	return strings.Join(parts, ", ")
}
