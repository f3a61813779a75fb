package main

import (
	"fmt"
	"regexp"
	"strings"

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
		if s := nearest(word, names); s != "" {
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
	if s := nearest(m[1], names); s != "" {
		dash := "--"
		if len(s) == 1 {
			dash = "-"
		}
		return fmt.Sprintf("%v; did you mean %s%s?", err, dash, s)
	}
	return err.Error()
}

// nearest returns the candidate closest to word by edit distance (with
// transpositions), if it is close enough to be what was meant: at most a
// third of the word's length, and at least one edit allowed; a candidate
// that word is a prefix of also counts.
func nearest(word string, candidates []string) string {
	best, bestD := "", 1<<30
	limit := max(1, len(word)/3)
	for _, c := range candidates {
		d := distance(strings.ToLower(word), strings.ToLower(c))
		if strings.HasPrefix(c, word) && len(word) >= 3 {
			d = min(d, 1)
		}
		if d <= limit && d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

// distance is the optimal string alignment distance between a and b.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range rb {
		d[0][j+1] = j + 1
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}
