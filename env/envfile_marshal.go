package env

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// Marshal writes f in the canonical layout of `conda env export`: the keys
// name, channels, dependencies, variables, prefix, platforms and category in
// that order, empty ones left out (except dependencies, written as [] when
// empty); two-space indentation with `- ` items; conda specs first and the
// pip section last. Strings that a YAML reader would not read back as the
// same string (3.10, yes, *, "a: b", leading spaces, …) are quoted; plain
// text is left bare.
//
// Parse(Marshal(f)) gives back f's content (positions and warnings aside)
// and Marshal is a fixpoint: marshalling the re-parsed file gives the same
// bytes. Comments other than selectors are not kept. Marshal fails on
// strings that are not valid UTF-8, an empty dependency, or a malformed
// selector.
func (f *File) Marshal() ([]byte, error) {
	w := &yamlWriter{}
	if f.Name != "" {
		w.keyValue("", "name", f.Name)
	}
	w.list("channels", f.Channels)
	if len(f.Dependencies) == 0 && len(f.Pip) == 0 {
		w.raw("dependencies: []\n")
	} else {
		w.raw("dependencies:\n")
		for _, d := range f.Dependencies {
			text := d.String()
			if text == "" {
				w.fail(fmt.Errorf("dependency %d has neither text nor spec", d.Line))
				continue
			}
			if !d.Selector.IsZero() {
				if _, err := parseSelector(d.Selector.Expr); err != nil {
					w.fail(fmt.Errorf("dependency %q: %w", text, err))
					continue
				}
			}
			switch {
			case d.Selector.IsZero():
				w.raw("  - " + w.scalar(text) + "\n")
			case d.Selector.Dict:
				w.raw("  - " + w.scalar("sel("+d.Selector.Expr+")") + ": " + w.scalar(text) + "\n")
			default:
				w.raw("  - " + w.scalar(text) + "  # [" + d.Selector.Expr + "]\n")
			}
		}
		if len(f.Pip) > 0 {
			w.raw("  - pip:\n")
			for _, s := range f.Pip {
				w.raw("      - " + w.scalar(s) + "\n")
			}
		}
	}
	if len(f.Variables) > 0 {
		w.raw("variables:\n")
		for _, v := range f.Variables {
			w.keyValue("  ", v.Name, v.Value)
		}
	}
	if f.Prefix != "" {
		w.keyValue("", "prefix", f.Prefix)
	}
	w.list("platforms", f.Platforms)
	if f.Category != "" {
		w.keyValue("", "category", f.Category)
	}
	if f.ExcludeNewer != "" {
		w.keyValue("", "exclude_newer", f.ExcludeNewer)
	}
	if w.err != nil {
		return nil, fmt.Errorf("marshalling environment file: %w", w.err)
	}
	return w.buf.Bytes(), nil
}

type yamlWriter struct {
	buf bytes.Buffer
	err error
}

func (w *yamlWriter) fail(err error) {
	if w.err == nil {
		w.err = err
	}
}

func (w *yamlWriter) raw(s string) { w.buf.WriteString(s) }

func (w *yamlWriter) keyValue(indent, key, value string) {
	w.raw(indent + w.scalar(key) + ": " + w.scalar(value) + "\n")
}

func (w *yamlWriter) list(key string, items []string) {
	if len(items) == 0 {
		return
	}
	w.raw(key + ":\n")
	for _, s := range items {
		w.raw("  - " + w.scalar(s) + "\n")
	}
}

// scalar renders s as a YAML scalar that reads back as the string s.
func (w *yamlWriter) scalar(s string) string {
	if !utf8.ValidString(s) {
		w.fail(fmt.Errorf("string %q is not valid UTF-8", s))
		return "''"
	}
	if plainSafe(s) {
		return s
	}
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return strconv.Quote(s) // Go's escapes are all valid YAML escapes
		}
	}
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// plainSafe reports whether s can be written as a plain scalar in block
// context and be read back as the same string by both a YAML 1.1 reader
// (conda) and a YAML 1.2 reader (yaml.v3).
func plainSafe(s string) bool {
	if s == "" || s != strings.TrimSpace(s) {
		return false
	}
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return false
		}
	}
	switch s[0] {
	case ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`', '?', ':':
		return false
	case '-':
		if len(s) == 1 || s[1] == ' ' {
			return false
		}
	}
	if strings.Contains(s, ": ") || strings.Contains(s, " #") || strings.HasSuffix(s, ":") {
		return false
	}
	if s == "=" || s == "<<" || resolvePlain(s) != kindStr {
		return false // YAML 1.1 would not read a plain string
	}
	var v any
	if err := yaml.Unmarshal([]byte(s), &v); err != nil {
		return false
	}
	got, ok := v.(string)
	return ok && got == s
}
