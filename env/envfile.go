package env

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/envseal/envseal/conda"
	"gopkg.in/yaml.v3"
)

// File is a parsed environment.yml.
//
// A File owns its slices; Parse returns a fresh one each call. Methods do
// not modify the File and are safe for concurrent use as long as nobody
// writes to it.
type File struct {
	// Name is the preferred environment name ("" when absent).
	Name string
	// Prefix is the preferred environment path, as written (no ~ or $VAR
	// expansion).
	Prefix string
	// Channels are the channel entries as written: names, URLs, paths and
	// ${VAR} placeholders are kept verbatim, and so is conda's "nodefaults"
	// marker (see NoDefaults).
	Channels []string
	// Dependencies are the conda specs in file order. The pip section is
	// not among them; see Pip.
	Dependencies []Dependency
	// Pip holds the entries of the `- pip:` section verbatim, options such
	// as -r, -e and --index-url included.
	Pip []string
	// Variables are the environment variables of the `variables:` section
	// in file order, values converted to strings as conda does.
	Variables []Variable
	// Platforms are the target subdirs (conda-lock and pixi extension).
	Platforms []string
	// Category is conda-lock's free-form dependency group label.
	Category string
	// ExcludeNewer is the exclude_newer value as written: a duration
	// ("7d") or an RFC 3339 date or time; "" when absent. Its syntax is
	// checked when the file is read; the caller resolves it against the
	// time of the command with conda.ParseExcludeNewer.
	ExcludeNewer string
	// Warnings are the problems conda tolerates (it prints a warning and
	// goes on); they are not part of the file's content and Marshal ignores
	// them.
	Warnings []Warning
}

// Dependency is one conda requirement of an environment file.
type Dependency struct {
	// Text is the spec exactly as written in the file. Marshal writes Text
	// when it is set and Spec.String() otherwise.
	Text string
	// Spec is Text parsed by conda.ParseMatchSpec.
	Spec conda.MatchSpec
	// Selector restricts the dependency to some platforms; the zero value
	// means all platforms.
	Selector Selector
	// Line and Column locate the spec in the file (1-based; 0 when the
	// Dependency was not read from a file).
	Line, Column int
}

// String returns the spec as it is written back to a file.
func (d Dependency) String() string {
	if d.Text != "" {
		return d.Text
	}
	return d.Spec.String()
}

// Variable is one entry of the `variables:` section.
type Variable struct {
	Name, Value string
}

// Warning is a problem conda tolerates, located like a ParseError.
type Warning struct {
	File         string
	Line, Column int
	Msg          string
}

// String formats w as "file:line:col: msg".
func (w Warning) String() string { return position(w.File, w.Line, w.Column) + w.Msg }

// ParseError is a problem that makes an environment file unusable. Line and
// Column are 1-based; Column (or both) is 0 when unknown. Err, when set, is
// the underlying cause (for example a conda.ParseMatchSpec error) and is
// returned by Unwrap.
type ParseError struct {
	File         string
	Line, Column int
	Msg          string
	Err          error
}

// Error formats e as "file:line:col: msg".
func (e *ParseError) Error() string { return position(e.File, e.Line, e.Column) + e.Msg }

// Unwrap returns the underlying cause, if any.
func (e *ParseError) Unwrap() error { return e.Err }

func position(file string, line, col int) string {
	switch {
	case line > 0 && col > 0:
		return fmt.Sprintf("%s:%d:%d: ", file, line, col)
	case line > 0:
		return fmt.Sprintf("%s:%d: ", file, line)
	}
	return file + ": "
}

// NoDefaults reports whether the channels contain conda's "nodefaults"
// marker, which drops the default channels from the channel list.
func (f *File) NoDefaults() bool { return slices.Contains(f.Channels, "nodefaults") }

// SolverChannels returns the channels to search, in order, without the
// "nodefaults" marker (which must never reach a solver). The result is a new
// slice.
func (f *File) SolverChannels() []string {
	out := make([]string, 0, len(f.Channels))
	for _, c := range f.Channels {
		if c != "nodefaults" {
			out = append(out, c)
		}
	}
	return out
}

// Specs returns the parsed specs of all dependencies, selectors ignored, in
// file order. The result is a new slice.
func (f *File) Specs() []conda.MatchSpec {
	out := make([]conda.MatchSpec, len(f.Dependencies))
	for i, d := range f.Dependencies {
		out[i] = d.Spec
	}
	return out
}

// HasPip reports whether the file has pip entries to install.
func (f *File) HasPip() bool { return len(f.Pip) > 0 }

// DependenciesFor returns the dependencies whose selectors select platform
// (a subdir such as "osx-arm64"), in file order. The result is a new slice.
// The error names the dependency whose selector is malformed.
func (f *File) DependenciesFor(platform string) ([]Dependency, error) {
	var out []Dependency
	for _, d := range f.Dependencies {
		ok, err := d.Selector.Match(platform)
		if err != nil {
			return nil, fmt.Errorf("dependency %q: %w", d.String(), err)
		}
		if ok {
			out = append(out, d)
		}
	}
	return out, nil
}

// ReadFile reads and parses the environment file at path; errors name path.
func ReadFile(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading environment file: %w", err)
	}
	return Parse(path, data)
}

// Parse parses the environment file data; filename is used in messages only.
//
// On failure it returns a nil File and either one *ParseError or several
// joined with errors.Join (use errors.As, or errors.Join's Unwrap() []error,
// to get each one with its position). Problems conda only warns about are
// returned in File.Warnings.
func Parse(filename string, data []byte) (*File, error) {
	return parse(filename, data, conda.ParseMatchSpec)
}

// parse is Parse with the spec parser as a parameter, so that the file
// structure can be tested apart from conda's MatchSpec grammar.
func parse(filename string, data []byte, parseSpec func(string) (conda.MatchSpec, error)) (*File, error) {
	p := &parser{file: filename, f: &File{}, parseSpec: parseSpec}
	p.parse(data)
	if len(p.errs) > 0 {
		slices.SortStableFunc(p.errs, func(a, b *ParseError) int { return comparePos(a.Line, a.Column, b.Line, b.Column) })
		if len(p.errs) == 1 {
			return nil, p.errs[0]
		}
		errs := make([]error, len(p.errs))
		for i, e := range p.errs {
			errs[i] = e
		}
		return nil, errors.Join(errs...)
	}
	slices.SortStableFunc(p.f.Warnings, func(a, b Warning) int { return comparePos(a.Line, a.Column, b.Line, b.Column) })
	return p.f, nil
}

func comparePos(l1, c1, l2, c2 int) int {
	if l1 != l2 {
		return l1 - l2
	}
	return c1 - c2
}

// Keys read from the top level. conda itself reads the first five; the
// others are CEP 24 extensions used by conda-lock and pixi.
var knownKeys = []string{"name", "channels", "dependencies", "prefix", "variables", "platforms", "category", "exclude_newer"}

// knownSubdirs are the platforms accepted in `platforms:` without a warning.
var knownSubdirs = []string{
	"linux-32", "linux-64", "linux-aarch64", "linux-armv6l", "linux-armv7l",
	"linux-ppc64", "linux-ppc64le", "linux-riscv64", "linux-s390x",
	"osx-64", "osx-arm64", "win-32", "win-64", "win-arm64",
	"freebsd-64", "zos-z", "emscripten-wasm32", "wasi-wasm32",
}

type parser struct {
	file      string
	f         *File
	errs      []*ParseError
	parseSpec func(string) (conda.MatchSpec, error)
}

func (p *parser) errorf(n *yaml.Node, format string, args ...any) {
	p.errs = append(p.errs, &ParseError{File: p.file, Line: n.Line, Column: n.Column, Msg: fmt.Sprintf(format, args...)})
}

func (p *parser) warnf(n *yaml.Node, format string, args ...any) {
	p.f.Warnings = append(p.f.Warnings, Warning{File: p.file, Line: n.Line, Column: n.Column, Msg: fmt.Sprintf(format, args...)})
}

var reYAMLLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

func (p *parser) parse(data []byte) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil && !errors.Is(err, io.EOF) {
		p.yamlError(data, err)
		return
	}
	var next yaml.Node
	if err := dec.Decode(&next); err == nil {
		p.errorf(&next, "a second YAML document starts here; an environment file holds one")
		return
	} else if !errors.Is(err, io.EOF) {
		p.yamlError(data, err)
		return
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		p.errs = append(p.errs, &ParseError{File: p.file, Msg: "file is empty"})
		return
	}
	root := p.deref(doc.Content[0])
	if root == nil {
		return
	}
	if root.Kind == yaml.ScalarNode {
		if k, _ := scalarType(root); k == kindNull {
			p.errs = append(p.errs, &ParseError{File: p.file, Line: root.Line, Column: root.Column, Msg: "file is empty"})
			return
		}
	}
	if root.Kind != yaml.MappingNode {
		p.errorf(root, "the top level must be a mapping of keys (name, channels, dependencies, ...), found %s", describe(root))
		return
	}
	p.top(root)
}

// yamlError turns a yaml.v3 error into ParseErrors, pointing at a tab in
// indentation when that is what broke the document.
func (p *parser) yamlError(data []byte, err error) {
	line := 0
	msg := err.Error()
	if m := reYAMLLine.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = m[2]
	} else {
		msg = strings.TrimPrefix(msg, "yaml: ")
	}
	// yaml.v3 reports indentation tabs as "found character that cannot
	// start any token" (or worse, at a later line); find the first one.
	for i, l := range bytes.Split(data, []byte("\n")) {
		if line > 0 && i+1 > line {
			break
		}
		indent := len(l) - len(bytes.TrimLeft(l, " \t"))
		if t := bytes.IndexByte(l[:indent], '\t'); t >= 0 && indent < len(bytes.TrimRight(l, " \t\r")) {
			p.errs = append(p.errs, &ParseError{File: p.file, Line: i + 1, Column: t + 1,
				Msg: "tab character in indentation (YAML indents with spaces only)", Err: err})
			return
		}
	}
	p.errs = append(p.errs, &ParseError{File: p.file, Line: line, Msg: "invalid YAML: " + msg, Err: err})
}

// deref follows aliases to the node they name.
func (p *parser) deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode; i++ {
		if i > 16 || n.Alias == nil {
			p.errorf(n, "alias *%s cannot be resolved", n.Value)
			return nil
		}
		n = n.Alias
	}
	return n
}

// describe names the YAML type of n for messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		k, _ := scalarType(n)
		if k == kindStr {
			return fmt.Sprintf("the string %q", n.Value)
		}
		if k == kindNull {
			return "null"
		}
		return fmt.Sprintf("the %s %s", k, n.Value)
	}
	return "an alias"
}

type pair struct{ key, value *yaml.Node }

// pairs returns the entries of mapping m, reporting duplicate and non-string
// keys (conda's loader would silently keep the last duplicate).
func (p *parser) pairs(m *yaml.Node, where string) []pair {
	var out []pair
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		k = p.deref(k)
		if k == nil {
			continue
		}
		if k.Kind != yaml.ScalarNode {
			p.errorf(k, "%s: a key must be a string, found %s", where, describe(k))
			continue
		}
		if k.Value == "<<" && k.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) == 0 {
			p.errorf(k, "%s: YAML merge keys (<<) are not supported", where)
			continue
		}
		if first, dup := seen[k.Value]; dup {
			p.errorf(k, "%s: duplicate key %q (first defined at line %d)", where, k.Value, first.Line)
			continue
		}
		seen[k.Value] = k
		out = append(out, pair{k, v})
	}
	return out
}

func (p *parser) top(root *yaml.Node) {
	var hasDeps bool
	for _, kv := range p.pairs(root, "top level") {
		v := p.deref(kv.value)
		if v == nil {
			continue
		}
		switch key := kv.key.Value; key {
		case "name":
			p.f.Name, _ = p.str(v, "name")
			p.checkName(v)
		case "prefix":
			if p.f.Prefix, _ = p.str(v, "prefix"); p.f.Prefix != "" {
				p.checkPrefix(v, p.f.Prefix)
			}
		case "category":
			p.f.Category, _ = p.str(v, "category")
		case "exclude_newer", "exclude-newer":
			p.excludeNewer(v, key)
		case "channels":
			p.f.Channels = p.strList(v, "channels")
		case "platforms":
			p.f.Platforms = p.strList(v, "platforms")
			p.checkPlatforms(v)
		case "dependencies":
			hasDeps = true
			p.dependencies(v)
		case "variables":
			p.variables(v)
		default:
			p.warnf(kv.key, "unknown key %q is ignored (known keys: %s)", key, strings.Join(knownKeys, ", "))
		}
	}
	if !hasDeps {
		p.warnf(root, "no dependencies key (conda 26.3 and later warn that it is required)")
	}
}

// str reads a string-valued key; null reads as "" with ok false.
func (p *parser) str(n *yaml.Node, key string) (string, bool) {
	if n.Kind != yaml.ScalarNode {
		p.errorf(n, "%s must be a string, found %s", key, describe(n))
		return "", false
	}
	k, bad := scalarType(n)
	switch {
	case bad != "":
		p.errorf(n, "%s: %s", key, bad)
		return "", false
	case k == kindNull:
		return "", false
	case k != kindStr:
		p.errorf(n, "%s must be a string, found %s (quote it: %s: %s)", key, describe(n), key, quoteString(n.Value))
		return "", false
	}
	p.noSelector(n)
	return n.Value, true
}

// strList reads a list of strings; null reads as an empty list.
func (p *parser) strList(n *yaml.Node, key string) []string {
	if n.Kind == yaml.ScalarNode {
		if k, _ := scalarType(n); k == kindNull {
			return nil
		}
	}
	if n.Kind != yaml.SequenceNode {
		p.errorf(n, "%s must be a list, found %s", key, describe(n))
		return nil
	}
	var out []string
	for _, item := range n.Content {
		if item = p.deref(item); item == nil {
			continue
		}
		if s, ok := p.str(item, key+" entry"); ok {
			out = append(out, s)
		} else if k, _ := scalarType(item); item.Kind == yaml.ScalarNode && k == kindNull {
			p.errorf(item, "%s entry is empty", key)
		}
	}
	return out
}

// noSelector warns about a conda-lock selector comment where envseal does
// not apply selectors.
func (p *parser) noSelector(n *yaml.Node) {
	if expr, ok := commentSelector(n.LineComment); ok {
		p.warnf(n, "selector [%s] is only applied to conda dependencies; this entry is kept for every platform", expr)
	}
}

// Characters conda refuses in environment names (PREFIX_NAME_DISALLOWED_CHARS),
// plus the Windows path separator.
const nameDisallowed = "/\\ :#"

func (p *parser) checkName(n *yaml.Node) {
	if n.Kind != yaml.ScalarNode {
		return
	}
	k, _ := scalarType(n)
	if k != kindStr && k != kindNull {
		return // already reported
	}
	name := n.Value
	if k == kindNull {
		name = ""
	}
	if err := CheckName(name); err != nil {
		p.errorf(n, "%s", err)
	} else if name == "base" || name == "root" {
		p.warnf(n, "name %q is conda's reserved name for the base environment", name)
	}
}

// CheckName reports whether name can name an environment (one directory
// under an envs directory) by conda's rules; the error says what is wrong.
func CheckName(name string) error {
	switch {
	case name == "":
		return errors.New("name is empty")
	case name == "." || name == "..":
		return fmt.Errorf("name %q is not a valid environment name", name)
	case strings.ContainsAny(name, nameDisallowed):
		i := strings.IndexAny(name, nameDisallowed)
		return fmt.Errorf("name %q contains %q; environment names cannot contain '/', '\\', ' ', ':' or '#' (use prefix: for a path)", name, name[i:i+1])
	case strings.IndexFunc(name, func(r rune) bool { return r < 0x20 || r == 0x7f }) >= 0:
		return fmt.Errorf("name %q contains a control character", name)
	}
	return nil
}

// checkPrefix applies CEP 24's rule that the last component of a prefix
// obeys the environment-name rules (path separators aside).
func (p *parser) checkPrefix(n *yaml.Node, prefix string) {
	last := strings.TrimRight(prefix, "/\\")
	if i := strings.LastIndexAny(last, "/\\"); i >= 0 {
		last = last[i+1:]
	}
	if i := strings.IndexAny(last, " :#"); i >= 0 {
		p.errorf(n, "prefix %q: the environment directory %q contains %q; it cannot contain ' ', ':' or '#'", prefix, last, last[i:i+1])
	}
}

func (p *parser) checkPlatforms(n *yaml.Node) {
	if n.Kind != yaml.SequenceNode {
		return
	}
	for _, item := range n.Content {
		if item.Kind != yaml.ScalarNode {
			continue
		}
		if k, _ := scalarType(item); k != kindStr {
			continue
		}
		switch {
		case item.Value == "noarch":
			p.errorf(item, "platforms: noarch is not a platform an environment can target")
		case !slices.Contains(knownSubdirs, item.Value):
			p.warnf(item, "platforms: unknown platform %q", item.Value)
		}
	}
}

func (p *parser) dependencies(n *yaml.Node) {
	if n.Kind == yaml.ScalarNode {
		if k, _ := scalarType(n); k == kindNull {
			return
		}
	}
	if n.Kind != yaml.SequenceNode {
		p.errorf(n, "dependencies must be a list, found %s", describe(n))
		return
	}
	var pipAt *yaml.Node
	for _, item := range n.Content {
		if item = p.deref(item); item == nil {
			continue
		}
		switch item.Kind {
		case yaml.ScalarNode:
			d, ok := p.spec(item)
			if !ok {
				continue
			}
			if expr, isSel := commentSelector(item.LineComment); isSel {
				d.Selector = Selector{Expr: expr}
				p.checkSelector(item, expr)
			}
			p.f.Dependencies = append(p.f.Dependencies, d)
		case yaml.MappingNode:
			kvs := p.pairs(item, "dependencies")
			if len(kvs) != 1 {
				if len(kvs) > 1 {
					p.errorf(item, "dependencies: a mapping entry must have exactly one key (pip: or sel(...):), found %d", len(kvs))
				}
				continue
			}
			key, val := kvs[0].key, p.deref(kvs[0].value)
			if val == nil {
				continue
			}
			if m := reDictSelector.FindStringSubmatch(key.Value); m != nil {
				d, ok := p.spec(val)
				if !ok {
					continue
				}
				d.Selector = Selector{Expr: strings.TrimSpace(m[1]), Dict: true}
				p.checkSelector(key, d.Selector.Expr)
				p.f.Dependencies = append(p.f.Dependencies, d)
				continue
			}
			if key.Value != "pip" {
				p.errorf(key, "dependencies: unknown installer section %q (only pip: is supported)", key.Value)
				continue
			}
			if pipAt != nil {
				p.errorf(key, "dependencies: second pip: section (the first is at line %d); merge them into one", pipAt.Line)
				continue
			}
			pipAt = key
			p.pip(val)
		default:
			p.errorf(item, "dependencies: an entry must be a spec string or a pip: section, found %s", describe(item))
		}
	}
	if pipAt != nil && len(p.f.Pip) > 0 {
		hasPip := false
		for _, d := range p.f.Dependencies {
			if d.Spec.Name == "pip" {
				hasPip = true
			}
		}
		if !hasPip {
			p.warnf(pipAt, "pip: section without pip among the conda dependencies; add pip so the right pip installs these packages (conda adds it for you)")
		}
	}
}

// spec reads one conda spec from scalar node n.
func (p *parser) spec(n *yaml.Node) (Dependency, bool) {
	if n.Kind != yaml.ScalarNode {
		p.errorf(n, "dependencies: an entry must be a spec string, found %s", describe(n))
		return Dependency{}, false
	}
	k, bad := scalarType(n)
	switch {
	case bad != "":
		p.errorf(n, "dependencies: %s", bad)
		return Dependency{}, false
	case k == kindNull:
		p.errorf(n, "dependencies: empty entry")
		return Dependency{}, false
	case k != kindStr:
		conv, ok := pythonStr(k, n.Value)
		hint := ""
		if ok && conv != n.Value {
			hint = fmt.Sprintf(", which conda reads as %s", conv)
		}
		p.errorf(n, "dependencies: %s is a YAML %s, not a spec string%s; quote it: - %s", n.Value, k, hint, quoteString(n.Value))
		return Dependency{}, false
	}
	text := n.Value
	if strings.TrimSpace(text) == "" {
		p.errorf(n, "dependencies: empty entry")
		return Dependency{}, false
	}
	ms, err := p.parseSpec(text)
	if err != nil {
		p.errs = append(p.errs, &ParseError{File: p.file, Line: n.Line, Column: n.Column,
			Msg: "dependencies: " + err.Error(), Err: err}) // conda's error quotes the spec
		return Dependency{}, false
	}
	return Dependency{Text: text, Spec: ms, Line: n.Line, Column: n.Column}, true
}

func (p *parser) checkSelector(n *yaml.Node, expr string) {
	e, err := parseSelector(expr)
	if err != nil {
		p.errs = append(p.errs, &ParseError{File: p.file, Line: n.Line, Column: n.Column, Msg: err.Error(), Err: err})
		return
	}
	for _, v := range e.vars(nil) {
		if !knownSelectorVar(v) {
			p.warnf(n, "selector [%s]: unknown variable %q is false on every platform", expr, v)
		}
	}
}

func (p *parser) pip(n *yaml.Node) {
	if n.Kind == yaml.ScalarNode {
		if k, _ := scalarType(n); k == kindNull {
			return
		}
	}
	if n.Kind != yaml.SequenceNode {
		p.errorf(n, "pip: must be a list of pip requirement lines, found %s", describe(n))
		return
	}
	for _, item := range n.Content {
		if item = p.deref(item); item == nil {
			continue
		}
		if item.Kind != yaml.ScalarNode {
			p.errorf(item, "pip: an entry must be a string, found %s", describe(item))
			continue
		}
		k, bad := scalarType(item)
		switch {
		case bad != "":
			p.errorf(item, "pip: %s", bad)
		case k == kindNull:
			p.errorf(item, "pip: empty entry")
		case k != kindStr:
			p.errorf(item, "pip: %s is a YAML %s, not a requirement string; quote it: - %s", item.Value, k, quoteString(item.Value))
		default:
			p.noSelector(item)
			p.f.Pip = append(p.f.Pip, item.Value)
		}
	}
}

// reEnvVarName matches names that work as environment variables on both
// POSIX shells and Windows.
var reEnvVarName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func (p *parser) variables(n *yaml.Node) {
	if n.Kind == yaml.ScalarNode {
		if k, _ := scalarType(n); k == kindNull {
			return
		}
	}
	if n.Kind != yaml.MappingNode {
		p.errorf(n, "variables must be a mapping of NAME: value, found %s", describe(n))
		return
	}
	for _, kv := range p.pairs(n, "variables") {
		name := kv.key.Value
		if k, _ := scalarType(kv.key); k != kindStr {
			p.errorf(kv.key, "variables: name %s is a YAML %s, not a string", name, k)
			continue
		}
		if !reEnvVarName.MatchString(name) {
			p.warnf(kv.key, "variables: %q is not a portable environment variable name", name)
		}
		v := p.deref(kv.value)
		if v == nil {
			continue
		}
		if v.Kind != yaml.ScalarNode {
			p.errorf(v, "variables: %s must be a string, found %s", name, describe(v))
			continue
		}
		k, bad := scalarType(v)
		if bad != "" {
			p.errorf(v, "variables: %s: %s", name, bad)
			continue
		}
		val, ok := pythonStr(k, v.Value)
		switch {
		case k == kindNull:
			p.errorf(v, "variables: %s has no value; write %s: \"\" for an empty one", name, name)
			continue
		case !ok:
			p.errorf(v, "variables: %s: the YAML %s %s has no unambiguous string form; quote it", name, k, v.Value)
			continue
		case k != kindStr && val != v.Value:
			p.warnf(v, "variables: %s: YAML reads %s as a %s, so conda sets %q; quote the value to get %q", name, v.Value, k, val, v.Value)
		}
		p.noSelector(v)
		p.f.Variables = append(p.f.Variables, Variable{Name: name, Value: val})
	}
}

// quoteString is used in hints to show how to write s as a YAML string.
func quoteString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// excludeNewer reads exclude_newer. An unquoted date is a YAML timestamp
// and a bare number an integer; both are taken as written, as conda
// reads its own exclude_newer setting.
func (p *parser) excludeNewer(n *yaml.Node, key string) {
	if n.Kind != yaml.ScalarNode {
		p.errorf(n, "%s must be a duration or a date, found %s", key, describe(n))
		return
	}
	if k, _ := scalarType(n); k == kindNull {
		return
	}
	v := strings.TrimSpace(n.Value)
	if _, err := conda.ParseExcludeNewer(v, time.Unix(0, 0)); err != nil {
		p.errorf(n, "%v", err)
		return
	}
	p.noSelector(n)
	p.f.ExcludeNewer = v
}
