// Package cmdutil is what every envseal command shares and none owns:
// usage errors that suggest the nearest command or flag, the hidden
// __complete command the shell scripts call, terminal checks, a no-echo
// read of a secret, and the JSON writer. It is gh's cmdutil and iostreams
// in one small package.
//
// It may import urfave/cli (with cmd/envseal, the only package that may),
// x/term and internal/complete; it must not import ops or any package
// that does work: commands pass it what it needs as values and functions.
package cmdutil

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/envseal/envseal/internal/complete"
	"github.com/urfave/cli/v2"
	"golang.org/x/term"
)

// UsageErrors makes every flag-parsing failure of the app and its
// commands a usage error (made by usage) that suggests the nearest flag,
// and a word naming no subcommand of a command that has subcommands (and
// no action of its own) one that suggests the nearest command, as git and
// gh do. The app's own action shows the help when no command is given.
func UsageErrors(app *cli.App, usage func(msg string) error) {
	app.OnUsageError = func(c *cli.Context, err error, _ bool) error {
		return usage(suggestFlag(err, c.App.Flags))
	}
	for _, c := range app.Commands {
		usageErrors(c, app.Name+" "+c.Name, usage)
	}
	app.Action = unknownCommand(app.Name, app.Commands, usage, func(c *cli.Context) error { return cli.ShowAppHelp(c) })
}

func usageErrors(c *cli.Command, path string, usage func(string) error) {
	c.OnUsageError = func(_ *cli.Context, err error, _ bool) error {
		return usage(fmt.Sprintf("%s: %s", c.Name, suggestFlag(err, c.Flags)))
	}
	if len(c.Subcommands) > 0 && c.Action == nil {
		c.Action = unknownCommand(path, c.Subcommands, usage, cli.ShowSubcommandHelp)
	}
	for _, sub := range c.Subcommands {
		usageErrors(sub, path+" "+sub.Name, usage)
	}
}

// unknownCommand is the action of a command with subcommands: none given
// runs fallback; a word that names none is a usage error.
func unknownCommand(parent string, cmds []*cli.Command, usage func(string) error, fallback cli.ActionFunc) cli.ActionFunc {
	return func(c *cli.Context) error {
		if c.NArg() == 0 {
			return fallback(c)
		}
		var names []string
		for _, cmd := range cmds {
			if !cmd.Hidden {
				names = append(names, cmd.Names()...)
			}
		}
		return usage(complete.UnknownCommand(parent, c.Args().First(), names))
	}
}

// suggestFlag adds "did you mean --x?" to an unknown-flag error.
func suggestFlag(err error, flags []cli.Flag) string {
	var names []string
	for _, f := range flags {
		names = append(names, f.Names()...)
	}
	return complete.SuggestFlag(err.Error(), names)
}

// CompleteCommand is the hidden command the completion scripts call
// (`NAME __complete WORDS…`): it prints the candidates for the last word,
// one a line, from the app's command tree and the lookups.
func CompleteCommand(app func() *cli.App, out io.Writer, look func(*cli.Context) complete.Lookups) *cli.Command {
	return &cli.Command{
		Name: "__complete", Hidden: true, SkipFlagParsing: true,
		Action: func(c *cli.Context) error {
			root := &complete.Command{Subs: completeTree(app().Commands), Flags: completeFlags(app().Flags)}
			for _, s := range complete.Candidates(root, c.Args().Slice(), look(c)) {
				fmt.Fprintln(out, s)
			}
			return nil
		},
	}
}

func completeTree(cmds []*cli.Command) []*complete.Command {
	out := make([]*complete.Command, 0, len(cmds))
	for _, c := range cmds {
		out = append(out, &complete.Command{Name: c.Name, Aliases: c.Aliases, Hidden: c.Hidden,
			Flags: completeFlags(c.Flags), Subs: completeTree(c.Subcommands)})
	}
	return out
}

func completeFlags(flags []cli.Flag) []complete.Flag {
	out := make([]complete.Flag, 0, len(flags))
	for _, f := range flags {
		out = append(out, complete.Flag{Names: f.Names(), TakesValue: valueFlag(f)})
	}
	return out
}

// valueFlag reports whether f takes a value (--name VALUE), as opposed to
// a boolean flag.
func valueFlag(f cli.Flag) bool {
	tv, ok := f.(interface{ TakesValue() bool })
	return ok && tv.TakesValue()
}

// Terminal reports whether w is a terminal (a person reads it).
func Terminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// Fancy reports whether w is a terminal that may get box-drawing
// characters and colours: not when redirected, nor under NO_COLOR or
// TERM=dumb in environ.
func Fancy(w io.Writer, environ []string) bool {
	return Terminal(w) && !slices.ContainsFunc(environ, func(kv string) bool {
		return kv == "TERM=dumb" || strings.HasPrefix(kv, "NO_COLOR=") && kv != "NO_COLOR="
	})
}

// ReadSecret reads the value of name: from a terminal without echo
// (prompting on prompt), or all of in otherwise, at most limit bytes, one
// trailing newline dropped.
func ReadSecret(in io.Reader, prompt io.Writer, name string, limit int) ([]byte, error) {
	if f, ok := in.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprintf(prompt, "Value for %s: ", name)
		v, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(prompt)
		return v, err
	}
	v, err := io.ReadAll(io.LimitReader(in, int64(limit)+1))
	if err != nil {
		return nil, err
	}
	if len(v) > limit {
		clear(v)
		return nil, fmt.Errorf("the value of %s is larger than %d bytes", name, limit)
	}
	v = bytes.TrimSuffix(v, []byte("\n"))
	return bytes.TrimSuffix(v, []byte("\r")), nil
}

// WriteJSON writes v indented, with '<', '>' and '&' as they are.
func WriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
