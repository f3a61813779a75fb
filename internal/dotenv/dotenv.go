// Package dotenv reads the .env files of dotenv, docker compose and
// python-dotenv: KEY=VALUE lines, with `export ` allowed before KEY, #
// comments, and single- or double-quoted values that may span lines
// (double quotes take \n, \r, \t, \", \\ and \$ escapes). It is used to move
// such a file's values into the seal.
//
// Errors name the file and line but never quote the line: it may hold a
// secret.
package dotenv

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
)

// Var is one variable of a .env file.
type Var struct {
	Name  string
	Value string
	// Line and EndLine are the 1-based lines the variable spans.
	Line, EndLine int
}

var nameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.-]*$`)

// Parse reads a .env file; file names it in errors. A name given twice
// is returned twice, in order (the last one wins for dotenv).
func Parse(file string, data []byte) ([]Var, error) {
	lines := strings.Split(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n")
	var out []Var
	for i := 0; i < len(lines); i++ {
		line := strings.TrimSpace(lines[i])
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		start := i + 1
		if rest, ok := strings.CutPrefix(line, "export"); ok && len(rest) > 0 && (rest[0] == ' ' || rest[0] == '\t') {
			line = strings.TrimSpace(rest)
		}
		name, value, ok := strings.Cut(line, "=")
		if !ok {
			return nil, fmt.Errorf("%s:%d: not NAME=VALUE", file, start)
		}
		name = strings.TrimSpace(name)
		if !nameRE.MatchString(name) {
			return nil, fmt.Errorf("%s:%d: invalid variable name", file, start)
		}
		value = strings.TrimLeft(value, " \t")
		if value != "" && (value[0] == '"' || value[0] == '\'') {
			q := value[0]
			body := value[1:]
			var b strings.Builder
			for {
				end := closing(body, q)
				if end >= 0 {
					b.WriteString(body[:end])
					after := strings.TrimSpace(body[end+1:])
					if after != "" && !strings.HasPrefix(after, "#") {
						return nil, fmt.Errorf("%s:%d: text after the closing quote", file, i+1)
					}
					break
				}
				b.WriteString(body)
				b.WriteByte('\n')
				i++
				if i >= len(lines) {
					return nil, fmt.Errorf("%s:%d: quote not closed", file, start)
				}
				body = lines[i]
			}
			value = b.String()
			if q == '"' {
				value = unescape(value)
			}
		} else {
			if j := strings.Index(value, " #"); j >= 0 {
				value = value[:j]
			} else if j := strings.Index(value, "\t#"); j >= 0 {
				value = value[:j]
			}
			value = strings.TrimSpace(value)
		}
		out = append(out, Var{Name: name, Value: value, Line: start, EndLine: i + 1})
	}
	return out, nil
}

// closing returns the index of the quote q that ends s, or -1; in double
// quotes a backslash escapes the next byte.
func closing(s string, q byte) int {
	for j := 0; j < len(s); j++ {
		if q == '"' && s[j] == '\\' {
			j++
			continue
		}
		if s[j] == q {
			return j
		}
	}
	return -1
}

func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		i++
		switch s[i] {
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case '"', '\\', '$', '\'':
			b.WriteByte(s[i])
		default:
			b.WriteByte('\\')
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// Remove returns data without the lines of vars, keeping everything else
// (comments, blank lines, other variables) byte for byte.
func Remove(data []byte, vars []Var) []byte {
	drop := map[int]bool{}
	for _, v := range vars {
		for l := v.Line; l <= v.EndLine; l++ {
			drop[l] = true
		}
	}
	var out bytes.Buffer
	for i, line := range bytes.SplitAfter(data, []byte("\n")) {
		if !drop[i+1] {
			out.Write(line)
		}
	}
	return out.Bytes()
}
