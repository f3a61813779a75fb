package cmdutil

import (
	"strings"

	"github.com/urfave/cli/v2"
)

// Intersperse lets flags follow arguments, as conda's argparse does
// (`envseal create -n ml python=3.10 numpy -c conda-forge --dry-run`):
// urfave/cli, like Go's flag package, stops reading flags at the first
// argument. It returns args with the flags of the command named moved
// before that command's arguments; a flag that takes a value keeps it.
// After "--" nothing moves. Commands that skip flag parsing are left as
// they are, and for those keepTail reports, everything from the first
// argument on is left as it is (the command and arguments `run` starts).
func Intersperse(app *cli.App, args []string, keepTail func(*cli.Command) bool) []string {
	if len(args) < 2 {
		return args
	}
	out := []string{args[0]}
	i := 1
	// Global flags, then the command path.
	for i < len(args) && strings.HasPrefix(args[i], "-") && args[i] != "--" {
		out = append(out, args[i])
		i++
	}
	cmds := app.Commands
	var cmd *cli.Command
	for i < len(args) {
		next := findCommand(cmds, args[i])
		if next == nil {
			break
		}
		cmd, cmds = next, next.Subcommands
		out = append(out, args[i])
		i++
		if len(cmds) == 0 {
			break
		}
		// Flags of a parent command may stand between it and the
		// subcommand's name: leave them there.
		for i < len(args) && strings.HasPrefix(args[i], "-") && args[i] != "--" && findCommand(cmds, args[i]) == nil {
			out = append(out, args[i])
			if takesValue(cmd, args[i]) && i+1 < len(args) {
				out = append(out, args[i+1])
				i++
			}
			i++
		}
	}
	if cmd == nil || cmd.SkipFlagParsing {
		return append(out, args[i:]...)
	}
	var flags, rest []string
	for ; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			// Flags stop here; what follows keeps its place.
			return append(append(append(out, flags...), rest...), args[i:]...)
		case strings.HasPrefix(a, "-") && len(a) > 1 && takesValue(cmd, a) && i+1 == len(args):
			// A value flag with no value left: moved, it would take an
			// argument as its value; in place, the parser says it lacks one.
			rest = append(rest, a)
		case strings.HasPrefix(a, "-") && len(a) > 1:
			flags = append(flags, a)
			if takesValue(cmd, a) {
				flags = append(flags, args[i+1])
				i++
			}
		default:
			if keepTail != nil && keepTail(cmd) {
				return append(append(out, flags...), args[i:]...)
			}
			rest = append(rest, a)
		}
	}
	return append(append(out, flags...), rest...)
}

func findCommand(cmds []*cli.Command, name string) *cli.Command {
	for _, c := range cmds {
		if c.HasName(name) {
			return c
		}
	}
	return nil
}

// takesValue reports whether arg (-x, --name, not --name=value) is a flag of
// cmd that takes a value, so that the next argument is its value.
func takesValue(cmd *cli.Command, arg string) bool {
	name := strings.TrimLeft(arg, "-")
	if strings.Contains(name, "=") {
		return false
	}
	for _, f := range cmd.Flags {
		for _, n := range f.Names() {
			if n == name {
				return valueFlag(f)
			}
		}
	}
	return false
}
