package config

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// Editor changes one configuration file (envseal's .envsealrc, or a
// condarc) the way `conda config --set/--add/--append/--remove/
// --remove-key` and `pixi config set/unset` do, keeping the file's
// comments, order and the keys envseal does not know. It works on the
// file's yaml.v3 node tree; [Editor.Bytes] checks the result with the
// same rules [Load] applies, so a bad value is refused before anything is
// written. Writing (atomically, under a write lock) is the caller's job.
//
// Keys are the ones [Keys] lists (aliases such as verify_ssl are accepted
// and written as given). Map-valued keys take a dotted sub-key:
// "proxy_servers.https", "custom_channels.mychan".
type Editor struct {
	path string
	doc  *yaml.Node // the document node
	top  *yaml.Node // its mapping
}

// UnknownKeyError reports a key envseal does not use; Valid lists the ones
// it does.
type UnknownKeyError struct {
	Key   string
	Valid []string
}

func (e *UnknownKeyError) Error() string {
	return fmt.Sprintf("unknown configuration key %q; valid keys: %s", e.Key, strings.Join(e.Valid, ", "))
}

// ErrNotSet is returned (wrapped) by Unset and Remove when there is
// nothing to remove.
var ErrNotSet = errors.New("not set")

// OpenEditor reads path for editing; a file that does not exist yet is an
// empty configuration.
func OpenEditor(path string) (*Editor, error) {
	data, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("reading configuration: %w", err)
	}
	return ParseEditor(path, data)
}

// ParseEditor is [OpenEditor] on text already read.
func ParseEditor(path string, data []byte) (*Editor, error) {
	e := &Editor{path: path}
	var doc yaml.Node
	if len(bytes.TrimSpace(data)) > 0 {
		if err := yaml.Unmarshal(data, &doc); err != nil {
			return nil, &Error{Source: path, Err: err}
		}
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		doc = yaml.Node{Kind: yaml.DocumentNode, HeadComment: doc.HeadComment}
		doc.Content = []*yaml.Node{{Kind: yaml.MappingNode}}
	}
	top := doc.Content[0]
	if top.Kind == yaml.ScalarNode && top.Tag == "!!null" {
		*top = yaml.Node{Kind: yaml.MappingNode}
	}
	if top.Kind != yaml.MappingNode {
		return nil, &Error{Source: path, Line: top.Line, Err: errors.New("not a mapping of settings")}
	}
	e.doc, e.top = &doc, top
	return e, nil
}

// resolve splits "key" or "key.sub" and checks the key against kinds.
func resolve(key string, want ...kind) (keySpec, string, error) {
	name, sub, _ := strings.Cut(key, ".")
	spec, ok := specFor(name)
	if !ok {
		return keySpec{}, "", &UnknownKeyError{Key: key, Valid: Keys()}
	}
	if sub != "" && spec.kind != kindMap && spec.kind != kindListMap {
		return keySpec{}, "", fmt.Errorf("%s is not a mapping: use %s without a sub-key", name, name)
	}
	k := spec.kind
	if sub != "" && k == kindListMap {
		k = kindList
	} else if sub != "" {
		k = kindScalar
	}
	if !slices.Contains(want, k) {
		switch k {
		case kindList:
			return keySpec{}, "", fmt.Errorf("%s is a list: use add, append or remove", key)
		case kindScalar:
			return keySpec{}, "", fmt.Errorf("%s takes one value: use set", key)
		}
		return keySpec{}, "", fmt.Errorf("%s is a mapping: name an entry, e.g. %s.NAME", key, key)
	}
	return spec, sub, nil
}

// find returns the value node of key in m (any alias of spec), and its
// index in m.Content, or -1.
func find(m *yaml.Node, names ...string) (*yaml.Node, int) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if slices.Contains(names, m.Content[i].Value) {
			return m.Content[i+1], i
		}
	}
	return nil, -1
}

func specNames(spec keySpec) []string { return append([]string{spec.name}, spec.aliases...) }

// slot returns the node that holds key's value (creating the key, and a
// map's entry, as kind when create is set), nil when absent.
func (e *Editor) slot(spec keySpec, sub string, create bool, kind yaml.Kind) *yaml.Node {
	v, _ := find(e.top, specNames(spec)...)
	if sub == "" {
		if v == nil && create {
			v = &yaml.Node{Kind: kind}
			e.top.Content = append(e.top.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: spec.name}, v)
		} else if v != nil && create && (v.Kind != kind || isNull(v)) {
			*v = yaml.Node{Kind: kind, LineComment: v.LineComment}
		}
		return v
	}
	if v == nil || v.Kind != yaml.MappingNode {
		if !create {
			return nil
		}
		if v == nil {
			v = &yaml.Node{Kind: yaml.MappingNode}
			e.top.Content = append(e.top.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: spec.name}, v)
		} else {
			*v = yaml.Node{Kind: yaml.MappingNode}
		}
	}
	s, _ := find(v, sub)
	if s == nil && create {
		s = &yaml.Node{Kind: kind}
		v.Content = append(v.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: sub}, s)
	} else if s != nil && create && (s.Kind != kind || isNull(s)) {
		*s = yaml.Node{Kind: kind, LineComment: s.LineComment}
	}
	return s
}

// Set gives a single-valued key (or a map entry, "proxy_servers.https")
// its value.
func (e *Editor) Set(key, value string) error {
	spec, sub, err := resolve(key, kindScalar)
	if err != nil {
		return err
	}
	v := e.slot(spec, sub, true, yaml.ScalarNode)
	v.Value, v.Tag, v.Style = value, "", 0
	if _, isBool := parseBool(value); !isBool {
		v.Tag = "!!str"
	}
	return nil
}

// Add puts value into a list key (or a list-valued map entry), first when
// top is set (conda's --add, which also moves a value already present),
// else last (--append).
func (e *Editor) Add(key, value string, top bool) error {
	spec, sub, err := resolve(key, kindList)
	if err != nil {
		return err
	}
	seq := e.slot(spec, sub, true, yaml.SequenceNode)
	seq.Style &^= yaml.FlowStyle
	seq.Content = slices.DeleteFunc(seq.Content, func(n *yaml.Node) bool { return n.Value == value })
	n := &yaml.Node{Kind: yaml.ScalarNode, Value: value}
	if top {
		seq.Content = append([]*yaml.Node{n}, seq.Content...)
	} else {
		seq.Content = append(seq.Content, n)
	}
	return nil
}

// Remove takes value out of a list key; a value that is not there is an
// error wrapping [ErrNotSet].
func (e *Editor) Remove(key, value string) error {
	spec, sub, err := resolve(key, kindList)
	if err != nil {
		return err
	}
	seq := e.slot(spec, sub, false, yaml.SequenceNode)
	if seq == nil || seq.Kind != yaml.SequenceNode || !slices.ContainsFunc(seq.Content, func(n *yaml.Node) bool { return n.Value == value }) {
		return fmt.Errorf("%q is not in %s of %s: %w", value, key, e.path, ErrNotSet)
	}
	seq.Content = slices.DeleteFunc(seq.Content, func(n *yaml.Node) bool { return n.Value == value })
	return nil
}

// Unset removes a key (or a map entry) whatever its kind; a key the file
// does not set is an error wrapping [ErrNotSet].
func (e *Editor) Unset(key string) error {
	spec, sub, err := resolve(key, kindScalar, kindList, kindMap, kindListMap)
	if err != nil {
		return err
	}
	m := e.top
	names := specNames(spec)
	if sub != "" {
		v, _ := find(e.top, names...)
		if v == nil || v.Kind != yaml.MappingNode {
			return fmt.Errorf("%s is not set in %s: %w", key, e.path, ErrNotSet)
		}
		m, names = v, []string{sub}
	}
	_, i := find(m, names...)
	if i < 0 {
		return fmt.Errorf("%s is not set in %s: %w", key, e.path, ErrNotSet)
	}
	m.Content = slices.Delete(m.Content, i, i+2)
	return nil
}

// Get returns the file's own value of key (not the merged configuration):
// a string, a []string or a map, and whether the file sets it.
func (e *Editor) Get(key string) (any, bool, error) {
	spec, sub, err := resolve(key, kindScalar, kindList, kindMap, kindListMap)
	if err != nil {
		return nil, false, err
	}
	v := e.slot(spec, sub, false, 0)
	if v == nil || isNull(v) {
		return nil, false, nil
	}
	k := spec
	if sub != "" {
		k.kind = kindScalar
		if spec.kind == kindListMap {
			k.kind = kindList
		}
	}
	m, err := nodeMatch(k, v)
	if err != nil {
		return nil, false, &Error{Source: e.path, Line: v.Line, Key: key, Err: err}
	}
	return m.value(k), true, nil
}

// Bytes encodes the edited file and checks every setting in it with the
// rules of [Load] (opts gives the home directory and variables for paths
// and $VARS); a bad value is an *[Error] naming the file and line.
func (e *Editor) Bytes(opts Options) ([]byte, error) {
	var b bytes.Buffer
	if len(e.top.Content) > 0 || e.doc.HeadComment != "" {
		enc := yaml.NewEncoder(&b)
		enc.SetIndent(2)
		if err := enc.Encode(e.doc); err != nil {
			return nil, fmt.Errorf("encoding %s: %w", e.path, err)
		}
		if err := enc.Close(); err != nil {
			return nil, err
		}
	}
	src, err := parseSource(e.path, b.Bytes())
	if err != nil {
		var ye *yamlError
		if errors.As(err, &ye) {
			return nil, &Error{Source: e.path, Line: ye.line, Err: ye.err}
		}
		return nil, err
	}
	if _, err := build([]*source{src}, opts); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
