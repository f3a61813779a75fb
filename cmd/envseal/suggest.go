package main

import (
	"fmt"
	"github.com/envseal/envseal/internal/complete"
	"regexp"

	"github.com/urfave/cli/v2"
)

// unknownCommand is the action of the app and of every command that has
// subcommands: a word that names none of them is a usage error (exit 2)
// that suggests the nearest, as git and gh do.
func unknownCommand(parent string, cmds []*cli.Command, fallback cli.ActionFunc) cli.ActionFunc {
	return func(c *cli.Context) error {
		if c.NArg() == 0 {
			if fallback != nil {
				return fallback(c)
			}
			return cli.ShowSubcommandHelp(c)
		}
		word := c.Args().First()
		var names []string
		for _, cmd := range cmds {
			if !cmd.Hidden {
				names = append(names, cmd.Names()...)
			}
		}
		msg := fmt.Sprintf("unknown command %q for %q", word, parent)
		if s := complete.Nearest(word, names); s != "" {
			msg += fmt.Sprintf("; did you mean %q?", s)
		}
		return &usageError{Msg: msg + "\nrun `" + parent + " --help` for the list"}
	}
}

var undefinedFlag = regexp.MustCompile(`flag provided but not defined: -+([^\s=]+)`)

// suggestFlag adds "did you mean --x?" to an unknown-flag error.
func suggestFlag(err error, flags []cli.Flag) string {
	m := undefinedFlag.FindStringSubmatch(err.Error())
	if m == nil {
		return err.Error()
	}
	var names []string
	for _, f := range flags {
		names = append(names, f.Names()...)
	}
	if s := complete.Nearest(m[1], names); s != "" {
		dash := "--"
		if len(s) == 1 {
			dash = "-"
		}
		return fmt.Sprintf("%v; did you mean %s%s?", err, dash, s)
	}
	return err.Error()
}
