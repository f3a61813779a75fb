package config

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// EnvVarsSource is the source name of settings made by CONDA_* environment
// variables, as conda names it.
const EnvVarsSource = "envvars"

// Options says where [Load] looks. cmd/envseal fills it from the process.
type Options struct {
	// LookupEnv reads one environment variable; nil means none is set.
	LookupEnv func(string) (string, bool)
	// Home is the user's home directory, for "~" in the search path and in
	// pkgs_dirs/envs_dirs. "" leaves "~" paths alone (they are then
	// skipped as missing).
	Home string
	// Windows selects conda's Windows search path (C:/ProgramData/conda).
	Windows bool
	// SearchPath, when non-nil, replaces conda's search path; its entries
	// are expanded the same way ($VAR, ${VAR}, a leading ~).
	SearchPath []string
	// EnvsealRC is envseal's own file, read after conda's; "" means
	// $ENVSEALRC, else ~/.envsealrc. It is read whatever its name.
	EnvsealRC string
}

func (o Options) lookup(k string) (string, bool) {
	if o.LookupEnv == nil {
		return "", false
	}
	return o.LookupEnv(k)
}

// SearchPath returns conda's configuration search path, unexpanded, in
// order of increasing precedence (conda's SEARCH_PATH). The caller owns
// the slice.
func SearchPath(windows bool) []string {
	var out []string
	if windows {
		out = []string{"C:/ProgramData/conda/.condarc", "C:/ProgramData/conda/condarc", "C:/ProgramData/conda/condarc.d"}
	} else {
		out = []string{
			"/etc/conda/.condarc", "/etc/conda/condarc", "/etc/conda/condarc.d/",
			"/var/lib/conda/.condarc", "/var/lib/conda/condarc", "/var/lib/conda/condarc.d/",
		}
	}
	return append(out,
		"$CONDA_ROOT/.condarc", "$CONDA_ROOT/condarc", "$CONDA_ROOT/condarc.d/",
		"$XDG_CONFIG_HOME/conda/.condarc", "$XDG_CONFIG_HOME/conda/condarc", "$XDG_CONFIG_HOME/conda/condarc.d/",
		"~/.config/conda/.condarc", "~/.config/conda/condarc", "~/.config/conda/condarc.d/",
		"~/.conda/.condarc", "~/.conda/condarc", "~/.conda/condarc.d/",
		"~/.condarc",
		"$CONDA_PREFIX/.condarc", "$CONDA_PREFIX/condarc", "$CONDA_PREFIX/condarc.d/",
		"$CONDARC",
	)
}

// Error is a setting with a value envseal cannot use, or a configuration
// file it cannot read.
type Error struct {
	Source string // file path, or EnvVarsSource
	Line   int    // 1-based; 0 when unknown (environment variables)
	Key    string // the setting, "" for the whole file
	Err    error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Source)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	if e.Key != "" {
		b.WriteString(": ")
		if e.Source == EnvVarsSource {
			b.WriteString("CONDA_" + strings.ToUpper(e.Key))
		} else {
			b.WriteString(e.Key)
		}
	}
	b.WriteString(": ")
	b.WriteString(e.Err.Error())
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Load reads the configuration: conda's files in conda's order, then
// envseal's own file, then CONDA_* environment variables, and merges them
// as conda does (see the package documentation). Values are checked; the
// first bad one is returned as an *[Error]. It reads a few small files and
// takes no context.
func Load(opts Options) (*Config, error) {
	var srcs []*source
	var warnings []string
	sp := opts.SearchPath
	if sp == nil {
		sp = SearchPath(opts.Windows)
	}
	seen := map[string]bool{}
	for _, entry := range sp {
		for _, p := range expandSearchEntry(entry, opts) {
			if seen[p] {
				continue
			}
			seen[p] = true
			s, err := readFile(p)
			if err != nil {
				var ye *yamlError
				if errors.As(err, &ye) {
					// conda skips a file it cannot parse, with a warning
					warnings = append(warnings, fmt.Sprintf("ignoring configuration file %s: %v", p, ye.err))
					continue
				}
				return nil, err
			}
			srcs = append(srcs, s)
		}
	}
	rc := opts.EnvsealRC
	if rc == "" {
		rc, _ = opts.lookup("ENVSEALRC")
	}
	if rc == "" && opts.Home != "" {
		rc = filepath.Join(opts.Home, ".envsealrc")
	}
	if rc != "" && !seen[rc] {
		s, err := readFile(rc)
		var ye *yamlError
		switch {
		case errors.Is(err, fs.ErrNotExist):
		case errors.As(err, &ye):
			return nil, &Error{Source: rc, Line: ye.line, Err: ye.err}
		case err != nil:
			return nil, err
		default:
			srcs = append(srcs, s)
		}
	}
	env, err := envSource(opts)
	if err != nil {
		return nil, err
	}
	if env != nil {
		srcs = append(srcs, env)
	}
	cfg, err := build(srcs, opts)
	if err != nil {
		return nil, err
	}
	cfg.EnvProxy = envProxy(opts.lookup)
	if cfg.SSLVerify == "false" {
		warnings = append(warnings, fmt.Sprintf("ssl_verify is false (%s): TLS certificates are not verified", cfg.origins["ssl_verify"][0]))
	}
	cfg.Warnings = append(warnings, cfg.Warnings...)
	return cfg, nil
}

// expandSearchEntry expands one search path entry into the files conda
// would read for it: the file itself when its name is .condarc, condarc or
// *.yml/*.yaml, or a directory's *.yml/*.yaml files in name order.
func expandSearchEntry(entry string, opts Options) []string {
	p := expandVars(entry, opts.lookup)
	if p == "~" || strings.HasPrefix(p, "~/") {
		if opts.Home == "" {
			return nil
		}
		p = opts.Home + p[1:]
	}
	p = filepath.Clean(filepath.FromSlash(p))
	fi, err := os.Stat(p)
	if err != nil {
		return nil
	}
	if fi.Mode().IsRegular() {
		if isRCName(filepath.Base(p)) {
			return []string{p}
		}
		return nil
	}
	if !fi.IsDir() {
		return nil
	}
	ents, err := os.ReadDir(p)
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range ents { // ReadDir sorts by name
		if !hasYAMLExt(e.Name()) {
			continue
		}
		full := filepath.Join(p, e.Name())
		if fi, err := os.Stat(full); err == nil && fi.Mode().IsRegular() {
			out = append(out, full)
		}
	}
	return out
}

func isRCName(base string) bool {
	return base == ".condarc" || base == "condarc" || hasYAMLExt(base)
}

func hasYAMLExt(name string) bool {
	ext := filepath.Ext(name)
	return ext == ".yml" || ext == ".yaml"
}

// expandVars replaces $NAME and ${NAME} with the variable's value, leaving
// unset variables as written (Python's os.path.expandvars).
func expandVars(s string, lookup func(string) (string, bool)) string {
	if !strings.Contains(s, "$") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		if s[i] != '$' || i+1 >= len(s) {
			b.WriteByte(s[i])
			i++
			continue
		}
		name, end := "", i+1
		if s[i+1] == '{' {
			j := strings.IndexByte(s[i+2:], '}')
			if j < 0 {
				b.WriteString(s[i:])
				break
			}
			name, end = s[i+2:i+2+j], i+3+j
		} else {
			for end < len(s) && isNameByte(s[end]) {
				end++
			}
			name = s[i+1 : end]
		}
		if v, ok := lookup(name); ok && name != "" && validName(name) {
			b.WriteString(v)
		} else {
			b.WriteString(s[i:end])
		}
		i = end
	}
	return b.String()
}

func isNameByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c|0x20 >= 'a' && c|0x20 <= 'z'
}

func validName(n string) bool {
	for i := 0; i < len(n); i++ {
		if !isNameByte(n[i]) {
			return false
		}
	}
	return true
}

// yamlError is a file that is not YAML, or not a mapping at the top.
type yamlError struct {
	line int
	err  error
}

func (e *yamlError) Error() string { return e.err.Error() }

// source is one file (or the environment) with the known settings it makes.
type source struct {
	name    string
	matches map[string]*match // by canonical key
	order   []string          // keys in file order
}

// readFile parses one configuration file.
func readFile(path string) (*source, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading configuration: %w", err)
	}
	s, err := parseSource(path, data)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// parseSource parses the text of a configuration file named name.
func parseSource(name string, data []byte) (*source, error) {
	s := &source{name: name, matches: map[string]*match{}}
	if len(bytes.TrimSpace(data)) == 0 {
		return s, nil
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, &yamlError{err: err}
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return s, nil
	}
	top := doc.Content[0]
	if top.Kind == yaml.ScalarNode && top.Tag == "!!null" {
		return s, nil
	}
	if top.Kind != yaml.MappingNode {
		return nil, &yamlError{line: top.Line, err: errors.New("not a mapping of settings")}
	}
	for i := 0; i+1 < len(top.Content); i += 2 {
		k, v := top.Content[i], top.Content[i+1]
		spec, ok := specFor(k.Value)
		if !ok {
			continue // a key envseal does not use
		}
		if prev, dup := s.matches[spec.name]; dup {
			return nil, &Error{Source: name, Line: k.Line, Key: k.Value,
				Err: fmt.Errorf("%s is already set on line %d (as %s)", spec.name, prev.line, prev.as)}
		}
		if isNull(v) {
			continue // "channels: ~" sets nothing, as in conda
		}
		m, err := nodeMatch(spec, v)
		if err != nil {
			line := v.Line
			var le *lineError
			if errors.As(err, &le) {
				line, err = le.line, le.err
			}
			return nil, &Error{Source: name, Line: line, Key: k.Value, Err: err}
		}
		m.source, m.line, m.as = name, k.Line, k.Value
		m.final = flagOf(k.LineComment) == flagFinal || (v.Kind == yaml.ScalarNode || v.Style&yaml.FlowStyle != 0) && flagOf(v.LineComment) == flagFinal
		s.matches[spec.name] = m
		s.order = append(s.order, spec.name)
	}
	return s, nil
}

// lineError places an error on a line of its own.
type lineError struct {
	line int
	err  error
}

func (e *lineError) Error() string { return e.err.Error() }

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

type flag int

const (
	flagNone flag = iota
	flagFinal
	flagTop
	flagBottom
)

// flagOf reads conda's "#!final", "#!top" and "#!bottom" markers.
func flagOf(comment string) flag {
	switch strings.Trim(strings.TrimSpace(comment), "!#") {
	case "final":
		return flagFinal
	case "top":
		return flagTop
	case "bottom":
		return flagBottom
	}
	return flagNone
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.MappingNode:
		return "a mapping"
	case yaml.AliasNode:
		return "an alias"
	}
	return fmt.Sprintf("%q", n.Value)
}

func scalarOf(n *yaml.Node) (string, error) {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if n.Kind != yaml.ScalarNode {
		return "", &lineError{n.Line, fmt.Errorf("want a single value, got %s", kindName(n))}
	}
	return n.Value, nil
}

func itemsOf(n *yaml.Node) ([]item, error) {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if n.Kind != yaml.SequenceNode {
		return nil, &lineError{n.Line, fmt.Errorf("want a list, got %s", kindName(n))}
	}
	out := make([]item, 0, len(n.Content))
	for _, c := range n.Content {
		if isNull(c) {
			return nil, &lineError{c.Line, errors.New("empty list item")}
		}
		v, err := scalarOf(c)
		if err != nil {
			return nil, err
		}
		out = append(out, item{val: v, flag: flagOf(c.LineComment), line: c.Line})
	}
	return out, nil
}

// nodeMatch reads the value of one setting from its YAML node.
func nodeMatch(spec keySpec, v *yaml.Node) (*match, error) {
	m := &match{}
	switch spec.kind {
	case kindScalar:
		s, err := scalarOf(v)
		if err != nil {
			return nil, err
		}
		m.scalar = item{val: s, line: v.Line, tag: v.Tag}
	case kindList:
		items, err := itemsOf(v)
		if err != nil {
			return nil, err
		}
		m.items = items
	case kindMap, kindListMap:
		if v.Kind == yaml.AliasNode && v.Alias != nil {
			v = v.Alias
		}
		if v.Kind != yaml.MappingNode {
			return nil, &lineError{v.Line, fmt.Errorf("want a mapping, got %s", kindName(v))}
		}
		for i := 0; i+1 < len(v.Content); i += 2 {
			k, val := v.Content[i], v.Content[i+1]
			key, err := scalarOf(k)
			if err != nil {
				return nil, err
			}
			e := entry{key: key, line: k.Line, flag: flagOf(k.LineComment)}
			if val.Kind == yaml.ScalarNode || val.Style&yaml.FlowStyle != 0 {
				if f := flagOf(val.LineComment); f != flagNone {
					e.flag = f
				}
			}
			if spec.kind == kindMap {
				if isNull(val) {
					e.null = true
				} else if e.val, err = scalarOf(val); err != nil {
					return nil, err
				}
			} else if !isNull(val) {
				if e.items, err = itemsOf(val); err != nil {
					return nil, err
				}
			}
			m.entries = append(m.entries, e)
		}
	}
	return m, nil
}

// envSource reads the CONDA_* variables of the known keys, as conda's
// EnvRawParameter does: lists split on their delimiter, "!important" makes
// a value final, maps cannot be set this way.
func envSource(opts Options) (*source, error) {
	s := &source{name: EnvVarsSource, matches: map[string]*match{}}
	for _, spec := range specs {
		for _, n := range append([]string{spec.name}, spec.aliases...) {
			v, ok := opts.lookup("CONDA_" + strings.ToUpper(n))
			if !ok {
				continue
			}
			if prev, dup := s.matches[spec.name]; dup {
				return nil, &Error{Source: EnvVarsSource, Key: n,
					Err: fmt.Errorf("CONDA_%s is set too", strings.ToUpper(prev.as))}
			}
			m := &match{source: EnvVarsSource, as: n}
			switch spec.kind {
			case kindScalar:
				before, _, important := strings.Cut(v, "!important")
				m.scalar, m.final = item{val: strings.TrimSpace(before)}, important
			case kindList:
				delim := spec.delim
				if delim == "" {
					delim = ","
				}
				for part := range strings.SplitSeq(v, delim) {
					if part = strings.TrimSpace(part); part != "" {
						m.items = append(m.items, item{val: part})
					}
				}
			default:
				return nil, &Error{Source: EnvVarsSource, Key: n, Err: errors.New("a mapping cannot be set by an environment variable")}
			}
			s.matches[spec.name] = m
			s.order = append(s.order, spec.name)
		}
	}
	sort.Strings(s.order)
	if len(s.order) == 0 {
		return nil, nil
	}
	return s, nil
}
