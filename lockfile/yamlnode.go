package lockfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// maxInputSize bounds every decoder's input (the largest real pixi.lock seen
// is under 3 MiB).
const maxInputSize = 256 << 20

// ParseError is a failure to read a lockfile. File is the name the caller
// passed to [Decode] (empty when unknown) and Line the 1-based line of the
// offending YAML node or text line (0 when unknown). Err is the fault.
type ParseError struct {
	File string
	Line int
	Err  error
}

// Error returns "file:line: fault", "file: fault", "line N: fault" or
// "fault", depending on what is known.
func (e *ParseError) Error() string {
	var b strings.Builder
	switch {
	case e.File != "" && e.Line > 0:
		b.WriteString(e.File + ":" + strconv.Itoa(e.Line) + ": ")
	case e.File != "":
		b.WriteString(e.File + ": ")
	case e.Line > 0:
		b.WriteString("line " + strconv.Itoa(e.Line) + ": ")
	}
	b.WriteString(e.Err.Error())
	return b.String()
}

// Unwrap returns the fault.
func (e *ParseError) Unwrap() error { return e.Err }

// withFile sets the file name on a *ParseError in err's chain, or wraps err
// in one.
func withFile(err error, file string) error {
	if err == nil || file == "" {
		return err
	}
	var pe *ParseError
	if errors.As(err, &pe) {
		if pe.File == "" {
			pe.File = file
		}
		return err
	}
	return &ParseError{File: file, Err: err}
}

// errAt returns a *ParseError for node n.
func errAt(n *yaml.Node, format string, args ...any) error {
	line := 0
	if n != nil {
		line = n.Line
	}
	return &ParseError{Line: line, Err: fmt.Errorf(format, args...)}
}

// wrapAt adds context to err, keeping (or adding) the line of n.
func wrapAt(n *yaml.Node, what string, err error) error {
	var pe *ParseError
	if errors.As(err, &pe) {
		pe.Err = fmt.Errorf("%s: %w", what, pe.Err)
		return err
	}
	return errAt(n, "%s: %w", what, err)
}

// yamlReader reads YAML nodes. A strict reader rejects unknown keys, anchors,
// aliases and tags; a lenient one (for other tools' formats) ignores unknown
// keys and follows aliases.
type yamlReader struct {
	strict bool
}

// parseDocument decodes data as one YAML document and returns its root
// node. A strict reader also rejects a second document.
func (r yamlReader) parseDocument(data []byte) (*yaml.Node, error) {
	if len(data) > maxInputSize {
		return nil, fmt.Errorf("larger than %d bytes", maxInputSize)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("empty document")
		}
		return nil, yamlSyntaxError(err)
	}
	if r.strict {
		var extra yaml.Node
		if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
			if err != nil {
				return nil, yamlSyntaxError(err)
			}
			return nil, errAt(&extra, "more than one YAML document")
		}
	}
	if doc.Kind == yaml.DocumentNode {
		if len(doc.Content) != 1 {
			return nil, errAt(&doc, "expected one YAML document")
		}
		return doc.Content[0], nil
	}
	return &doc, nil
}

// yamlSyntaxError turns a yaml.v3 error ("yaml: line 3: ...") into a
// *ParseError with the line.
func yamlSyntaxError(err error) error {
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "yaml: ")
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if i := strings.IndexByte(rest, ':'); i > 0 {
			if n, err2 := strconv.Atoi(rest[:i]); err2 == nil {
				return &ParseError{Line: n, Err: fmt.Errorf("invalid YAML: %s", strings.TrimSpace(rest[i+1:]))}
			}
		}
	}
	return &ParseError{Err: fmt.Errorf("invalid YAML: %s", msg)}
}

// node returns n with aliases followed (lenient) or rejected (strict).
func (r yamlReader) node(n *yaml.Node, what string) (*yaml.Node, error) {
	for depth := 0; n != nil && n.Kind == yaml.AliasNode; depth++ {
		if r.strict || depth > 16 {
			return nil, errAt(n, "%s: anchors and aliases are not allowed", what)
		}
		n = n.Alias
	}
	if n == nil {
		return nil, errAt(nil, "%s: missing", what)
	}
	if r.strict && (n.Anchor != "" || (n.Tag != "" && n.Style&yaml.TaggedStyle != 0)) {
		return nil, errAt(n, "%s: anchors, aliases and tags are not allowed", what)
	}
	return n, nil
}

// fields reads a mapping (nil, for an absent key, reads as empty). Keys must be unique strings. A strict reader
// rejects keys not in allowed; a lenient one ignores them. A null node is
// an empty mapping.
func (r yamlReader) fields(n *yaml.Node, what string, allowed ...string) (map[string]*yaml.Node, error) {
	if n == nil {
		return map[string]*yaml.Node{}, nil
	}
	n, err := r.node(n, what)
	if err != nil {
		return nil, err
	}
	if isNull(n) {
		return map[string]*yaml.Node{}, nil
	}
	if n.Kind != yaml.MappingNode {
		return nil, errAt(n, "%s: want a mapping, found %s", what, kindName(n))
	}
	out := make(map[string]*yaml.Node, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			return nil, errAt(k, "%s: keys must be strings", what)
		}
		if _, dup := out[k.Value]; dup {
			return nil, errAt(k, "%s: duplicate key %q", what, k.Value)
		}
		if r.strict && !contains(allowed, k.Value) {
			return nil, errAt(k, "%s: unknown key %q", what, k.Value)
		}
		out[k.Value] = v
	}
	return out, nil
}

// pairs reads a mapping as ordered key/value pairs with unique keys.
func (r yamlReader) pairs(n *yaml.Node, what string) ([][2]*yaml.Node, error) {
	if n == nil {
		return nil, nil
	}
	n, err := r.node(n, what)
	if err != nil {
		return nil, err
	}
	if isNull(n) {
		return nil, nil
	}
	if n.Kind != yaml.MappingNode {
		return nil, errAt(n, "%s: want a mapping, found %s", what, kindName(n))
	}
	seen := make(map[string]bool, len(n.Content)/2)
	out := make([][2]*yaml.Node, 0, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			return nil, errAt(k, "%s: keys must be strings", what)
		}
		if seen[k.Value] {
			return nil, errAt(k, "%s: duplicate key %q", what, k.Value)
		}
		seen[k.Value] = true
		out = append(out, [2]*yaml.Node{k, v})
	}
	return out, nil
}

// list reads a sequence; null is an empty list.
func (r yamlReader) list(n *yaml.Node, what string) ([]*yaml.Node, error) {
	if n == nil {
		return nil, nil
	}
	n, err := r.node(n, what)
	if err != nil {
		return nil, err
	}
	if isNull(n) {
		return nil, nil
	}
	if n.Kind != yaml.SequenceNode {
		return nil, errAt(n, "%s: want a list, found %s", what, kindName(n))
	}
	return n.Content, nil
}

// str reads a scalar as its text; null is "". Numbers and booleans are read
// as they are written ("1.10" stays "1.10").
func (r yamlReader) str(n *yaml.Node, what string) (string, error) {
	if n == nil {
		return "", nil
	}
	n, err := r.node(n, what)
	if err != nil {
		return "", err
	}
	if n.Kind != yaml.ScalarNode {
		return "", errAt(n, "%s: want a string, found %s", what, kindName(n))
	}
	if isNull(n) {
		return "", nil
	}
	return n.Value, nil
}

// int reads an integer scalar; null is 0.
func (r yamlReader) int(n *yaml.Node, what string) (int64, error) {
	s, err := r.str(n, what)
	if err != nil || s == "" {
		return 0, err
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, errAt(n, "%s: want an integer, found %q", what, s)
	}
	return v, nil
}

// bool reads a boolean scalar; null is false.
func (r yamlReader) bool(n *yaml.Node, what string) (bool, error) {
	s, err := r.str(n, what)
	if err != nil || s == "" {
		return false, err
	}
	switch s {
	case "true", "True", "TRUE":
		return true, nil
	case "false", "False", "FALSE":
		return false, nil
	}
	return false, errAt(n, "%s: want true or false, found %q", what, s)
}

// strings reads a list of scalars.
func (r yamlReader) strings(n *yaml.Node, what string) ([]string, error) {
	items, err := r.list(n, what)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, it := range items {
		s, err := r.str(it, what)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) == 0 &&
		(n.Tag == "!!null" || n.Value == "" && n.Tag == "")
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return fmt.Sprintf("%q", n.Value)
	case yaml.AliasNode:
		return "an alias"
	}
	return "a document"
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Node builders for the encoders. Every scalar is a plain string node;
// yaml.v3 quotes it when its text would read back as another type.

func strNode(s string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
}

func intNode(v int64) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.FormatInt(v, 10)}
}

func boolNode(v bool) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(v)}
}

func mapNode() *yaml.Node { return &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"} }

func seqNode() *yaml.Node { return &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"} }

func flowMapNode() *yaml.Node {
	return &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Style: yaml.FlowStyle}
}

// add appends key: value to mapping m.
func add(m *yaml.Node, key string, v *yaml.Node) {
	m.Content = append(m.Content, strNode(key), v)
}

// addStr appends key: s when s is not empty.
func addStr(m *yaml.Node, key, s string) {
	if s != "" {
		add(m, key, strNode(s))
	}
}

// addList appends key: [items] when items is not empty.
func addList(m *yaml.Node, key string, items []string) {
	if len(items) == 0 {
		return
	}
	add(m, key, strList(items))
}

func strList(items []string) *yaml.Node {
	s := seqNode()
	for _, it := range items {
		s.Content = append(s.Content, strNode(it))
	}
	return s
}

// encodeYAML writes a node tree with two-space indentation.
func encodeYAML(root *yaml.Node) ([]byte, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(root); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
