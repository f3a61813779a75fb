package env

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// RemoveVariables returns the environment file data without the named
// entries of its top-level variables: mapping (all of them when names is
// empty), and the names it removed, in file order. It is what
// `envseal secrets import` writes back once the values are sealed.
//
// Everything else stays byte for byte — comments, blank lines, key order,
// quoting, line endings: yaml.v3 nodes locate each entry and only its lines
// are cut, together with the comment lines directly above it at its
// indentation (its head comment). A variables: mapping left empty goes
// with its key. The result is parsed again and checked to hold exactly
// the remaining entries.
//
// Errors name filename: a name that is not in variables:, no variables:
// mapping at all, or one written in flow style ({A: 1}), whose entries
// share lines with what stays.
func RemoveVariables(filename string, data []byte, names []string) ([]byte, []string, error) {
	vars, varsKey, err := variablesNode(filename, data)
	if err != nil {
		return nil, nil, err
	}
	var all []string
	for i := 0; i+1 < len(vars.Content); i += 2 {
		all = append(all, vars.Content[i].Value)
	}
	remove := map[string]bool{}
	if len(names) == 0 {
		for _, n := range all {
			remove[n] = true
		}
	}
	for _, n := range names {
		if !slices.Contains(all, n) {
			return nil, nil, fmt.Errorf("%s: no variable %s under variables:", filename, n)
		}
		remove[n] = true
	}
	lines := bytes.SplitAfter(data, []byte("\n"))
	if len(lines) > 0 && len(lines[len(lines)-1]) == 0 {
		lines = lines[:len(lines)-1]
	}
	drop := make([]bool, len(lines))
	var removed []string
	cut := func(key *yaml.Node) {
		start, end := entryLines(lines, key)
		for i := start; i < end; i++ {
			drop[i] = true
		}
	}
	if len(remove) == len(all) {
		cut(varsKey)
		removed = all
	} else {
		for i := 0; i+1 < len(vars.Content); i += 2 {
			if k := vars.Content[i]; remove[k.Value] {
				cut(k)
				removed = append(removed, k.Value)
			}
		}
	}
	var out bytes.Buffer
	for i, l := range lines {
		if !drop[i] {
			out.Write(l)
		}
	}
	// The cut must leave a file whose variables are exactly the others.
	var keep []string
	for _, n := range all {
		if !remove[n] {
			keep = append(keep, n)
		}
	}
	if err := checkVariables(filename, out.Bytes(), keep); err != nil {
		return nil, nil, err
	}
	return out.Bytes(), removed, nil
}

// variablesNode finds the top-level variables: mapping and its key.
func variablesNode(filename string, data []byte) (vars, key *yaml.Node, err error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", filename, err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, nil, fmt.Errorf("%s: not an environment file (no top-level mapping)", filename)
	}
	root := doc.Content[0]
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value != "variables" {
			continue
		}
		key, vars = root.Content[i], root.Content[i+1]
		if vars.Kind != yaml.MappingNode {
			return nil, nil, fmt.Errorf("%s:%d: variables: is not a mapping", filename, vars.Line)
		}
		if vars.Style&yaml.FlowStyle != 0 {
			return nil, nil, fmt.Errorf("%s:%d: variables: is written in flow style ({…}); write one NAME: value per line first", filename, vars.Line)
		}
		return vars, key, nil
	}
	return nil, nil, fmt.Errorf("%s: no variables: section", filename)
}

// checkVariables parses data and checks that its variables: holds exactly
// want, in order (none: no variables: key at all).
func checkVariables(filename string, data []byte, want []string) error {
	vars, _, err := variablesNode(filename, data)
	if len(want) == 0 {
		if err == nil {
			return fmt.Errorf("%s: rewriting variables: went wrong (a variables: section is left); the file was not changed", filename)
		}
		var doc yaml.Node
		if err := yaml.Unmarshal(data, &doc); err != nil {
			return fmt.Errorf("%s: rewriting variables: went wrong (%v); the file was not changed", filename, err)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("rewriting variables: went wrong (%w); the file was not changed", err)
	}
	var got []string
	for i := 0; i+1 < len(vars.Content); i += 2 {
		got = append(got, vars.Content[i].Value)
	}
	if !slices.Equal(got, want) {
		return fmt.Errorf("%s: rewriting variables: went wrong (left %v, want %v); the file was not changed", filename, got, want)
	}
	return nil
}

// entryLines returns the 0-based half-open range of lines that hold the
// mapping entry whose key is key: its head comment lines (comments at the
// key's indentation directly above), the key's line, and the lines after
// it that are blank or indented deeper (the value), trailing blank lines
// excluded.
func entryLines(lines [][]byte, key *yaml.Node) (int, int) {
	indent := key.Column - 1
	start := key.Line - 1
	for start > 0 {
		prev := lines[start-1]
		t := bytes.TrimLeft(prev, " ")
		if len(prev)-len(t) != indent || !bytes.HasPrefix(t, []byte("#")) {
			break
		}
		start--
	}
	end := key.Line // exclusive; the key's own line is in
	for end < len(lines) {
		l := lines[end]
		t := bytes.TrimLeft(l, " ")
		blank := len(strings.TrimSpace(string(l))) == 0
		if !blank && len(l)-len(t) <= indent {
			break
		}
		end++
	}
	for end > key.Line && len(strings.TrimSpace(string(lines[end-1]))) == 0 {
		end--
	}
	return start, end
}
