// Package complete answers shell completion for envseal: given the words
// after "envseal" (the one being completed last) and the command tree, it
// returns the candidates: subcommands, flags, environment names after
// -n/--name, secret names for `secrets get/rm/set`. It also holds the
// completion scripts for bash, zsh, fish and PowerShell, which ask the
// binary (`envseal __complete WORDS…`) for candidates, and Nearest, the
// "did you mean" suggestion for a mistyped word.
//
// It imports only the standard library: the command line converts its
// own command tree into [Command] values, and passes the lookups of
// environment and secret names as functions.
package complete

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Command is one command of the tree.
type Command struct {
	Name    string
	Aliases []string
	Hidden  bool
	Flags   []Flag
	Subs    []*Command
}

// Flag is one flag: its names without dashes, and whether it takes a value.
type Flag struct {
	Names      []string
	TakesValue bool
}

// Lookups supply the names only the program knows.
type Lookups struct {
	// Envs returns the environment names (for -n/--name).
	Envs func() []string
	// Secrets returns the secret names of the lockfile at path.
	Secrets func(lock string) []string
}

func (c *Command) names() []string { return append([]string{c.Name}, c.Aliases...) }

// Candidates returns the sorted candidates for the last of words, given
// the root command (whose Subs are envseal's commands and whose Flags are
// its global flags).
func Candidates(root *Command, words []string, look Lookups) []string {
	if len(words) == 0 {
		words = []string{""}
	}
	cur, before := words[len(words)-1], words[:len(words)-1]
	cmd := root
	var path []string
	lock := ""
	takesValue := func(name string) bool {
		for _, f := range cmd.Flags {
			if slices.Contains(f.Names, name) {
				return f.TakesValue
			}
		}
		return false
	}
	for i := 0; i < len(before); i++ {
		w := before[i]
		if strings.HasPrefix(w, "-") {
			name, _, hasValue := strings.Cut(strings.TrimLeft(w, "-"), "=")
			if !hasValue && takesValue(name) && i+1 < len(before) {
				if name == "lock" {
					lock = before[i+1]
				}
				i++
			}
			continue
		}
		for _, sub := range cmd.Subs {
			if slices.Contains(sub.names(), w) {
				path = append(path, sub.Name)
				cmd = sub
				break
			}
		}
	}
	prev := ""
	if len(before) > 0 {
		prev = before[len(before)-1]
	}
	var cands []string
	switch {
	case prev == "-n" || prev == "--name":
		if look.Envs != nil {
			cands = look.Envs()
		}
	case strings.HasPrefix(prev, "-") && takesValue(strings.TrimLeft(prev, "-")):
		return nil // a value the shell completes (a path, a platform)
	case strings.HasPrefix(cur, "-"):
		for _, f := range cmd.Flags {
			for _, n := range f.Names {
				if len(n) == 1 {
					cands = append(cands, "-"+n)
				} else {
					cands = append(cands, "--"+n)
				}
			}
		}
	case len(cmd.Subs) > 0:
		for _, sub := range cmd.Subs {
			if !sub.Hidden {
				cands = append(cands, sub.Name)
			}
		}
	case len(path) == 2 && path[0] == "secrets" && slices.Contains([]string{"get", "rm", "set"}, path[1]):
		if lock == "" {
			lock = "envseal.lock"
		}
		if look.Secrets != nil {
			cands = look.Secrets(lock)
		}
	}
	var out []string
	for _, c := range cands {
		if strings.HasPrefix(c, cur) {
			out = append(out, c)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Nearest returns the candidate closest to word by edit distance (with
// transpositions), if it is close enough to be what was meant: at most a
// third of the word's length, and at least one edit allowed; a candidate
// that word (three letters or more) begins also counts. "" when none is.
func Nearest(word string, candidates []string) string {
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

// UnknownCommand is the message for a word that names none of the
// subcommands of parent (e.g. "envseal secrets"), suggesting the nearest
// of names, as git and gh do.
func UnknownCommand(parent, word string, names []string) string {
	msg := fmt.Sprintf("unknown command %q for %q", word, parent)
	if s := Nearest(word, names); s != "" {
		msg += fmt.Sprintf("; did you mean %q?", s)
	}
	return msg + "\nrun `" + parent + " --help` for the list"
}

var undefinedFlag = regexp.MustCompile(`flag provided but not defined: -+([^\s=]+)`)

// SuggestFlag adds "did you mean --x?" (the nearest of names) to a flag
// parser's unknown-flag message; other messages come back as they are.
func SuggestFlag(msg string, names []string) string {
	m := undefinedFlag.FindStringSubmatch(msg)
	if m == nil {
		return msg
	}
	if s := Nearest(m[1], names); s != "" {
		dash := "--"
		if len(s) == 1 {
			dash = "-"
		}
		return fmt.Sprintf("%s; did you mean %s%s?", msg, dash, s)
	}
	return msg
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
