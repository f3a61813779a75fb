// Package deptree draws an environment's dependency graph: why is this
// package here? It answers `envseal tree` the way `pixi tree` and mamba's
// `repoquery depends --tree` / `whoneeds` do, from the records of a prefix
// or a lock.
//
// A [Graph] is built from conda records and the names the user asked for
// (conda-meta/history's specs, or the environment file's). Edges come from
// each record's depends; a dependency that names no record in the set
// (virtual packages such as __glibc, or a package missing from a partial
// lock) is left out. Rendering is pure: text with box-drawing characters
// or plain ASCII, Graphviz DOT, or a JSON-ready value.
//
// The package imports only conda and the standard library; it does no I/O
// of its own beyond the writer it is given.
package deptree

import (
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"

	"github.com/envseal/envseal/conda"
)

// Node is one package of the graph.
type Node struct {
	Name      string   `json:"name"`
	Version   string   `json:"version"`
	Build     string   `json:"build,omitempty"`
	Requested bool     `json:"requested"`
	Depends   []string `json:"depends"`     // names of the packages it needs, sorted
	Needed    []string `json:"required_by"` // names of the packages that need it, sorted
}

// Graph is the dependency graph of one environment. It is not safe for
// concurrent mutation; rendering only reads it.
type Graph struct {
	nodes map[string]*Node
}

// New builds the graph of recs. requested names the packages the user
// asked for; names not among recs are ignored.
func New(recs []*conda.Record, requested []string) *Graph {
	g := &Graph{nodes: make(map[string]*Node, len(recs))}
	for _, r := range recs {
		g.nodes[r.Name] = &Node{Name: r.Name, Version: r.Version.String(), Build: r.Build}
	}
	for _, r := range recs {
		n := g.nodes[r.Name]
		for _, d := range r.Depends {
			name := depName(d)
			if name == "" || name == r.Name || g.nodes[name] == nil || slices.Contains(n.Depends, name) {
				continue
			}
			n.Depends = append(n.Depends, name)
			g.nodes[name].Needed = append(g.nodes[name].Needed, r.Name)
		}
	}
	for _, n := range g.nodes {
		slices.Sort(n.Depends)
		slices.Sort(n.Needed)
	}
	for _, q := range requested {
		if n := g.nodes[q]; n != nil {
			n.Requested = true
		}
	}
	return g
}

// depName is the package name of a depends entry ("numpy >=1.26",
// "python_abi 3.10.* *_cp310", "conda-forge::x").
func depName(dep string) string {
	if ms, err := conda.ParseMatchSpec(dep); err == nil {
		return ms.Name
	}
	name, _, _ := strings.Cut(strings.TrimSpace(dep), " ")
	return name
}

// Nodes returns the graph's nodes sorted by name. The caller must not
// modify them.
func (g *Graph) Nodes() []*Node {
	out := make([]*Node, 0, len(g.nodes))
	for _, n := range g.nodes {
		out = append(out, n)
	}
	slices.SortFunc(out, func(a, b *Node) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// Roots returns the names a tree starts from: the requested packages, or,
// when none is known, the packages nothing else needs.
func (g *Graph) Roots() []string {
	var req, top []string
	for _, n := range g.Nodes() {
		if n.Requested {
			req = append(req, n.Name)
		}
		if len(n.Needed) == 0 {
			top = append(top, n.Name)
		}
	}
	if len(req) > 0 {
		return req
	}
	return top
}

// Options choose what [Graph.Render] draws.
type Options struct {
	// Filter keeps the trees of matching names only: with Invert, the
	// matching packages are the roots; without, roots whose tree holds no
	// match are skipped. nil keeps everything.
	Filter *regexp.Regexp
	// Invert draws who needs each root (mamba's whoneeds, pixi tree -i)
	// instead of what it needs.
	Invert bool
	// ASCII draws with |-- and `-- instead of box-drawing characters, for
	// terminals and logs that cannot show them.
	ASCII bool
}

type glyphs struct{ tee, last, pipe, space string }

var (
	boxGlyphs   = glyphs{"├── ", "└── ", "│   ", "    "}
	asciiGlyphs = glyphs{"|-- ", "`-- ", "|   ", "    "}
)

// Render writes the tree as text. Each line is "name version", followed by
// "(requested)" on a package the user asked for, and "(*)" where a subtree
// already drawn above is not repeated.
func (g *Graph) Render(w io.Writer, opts Options) error {
	gl := boxGlyphs
	if opts.ASCII {
		gl = asciiGlyphs
	}
	var roots []string
	if opts.Invert {
		for _, n := range g.Nodes() {
			if opts.Filter == nil || opts.Filter.MatchString(n.Name) {
				roots = append(roots, n.Name)
			}
		}
	} else {
		for _, r := range g.Roots() {
			if opts.Filter == nil || g.reaches(r, opts.Filter) {
				roots = append(roots, r)
			}
		}
	}
	var b strings.Builder
	shown := map[string]bool{}
	for _, r := range roots {
		g.draw(&b, r, "", "", gl, opts.Invert, shown, map[string]bool{})
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func (g *Graph) edges(n *Node, invert bool) []string {
	if invert {
		return n.Needed
	}
	return n.Depends
}

// draw writes name's line and, unless already drawn, its children.
// onPath guards against cycles (conda allows them: a depends on b, b on a).
func (g *Graph) draw(b *strings.Builder, name, lead, childLead string, gl glyphs, invert bool, shown, onPath map[string]bool) {
	n := g.nodes[name]
	b.WriteString(lead)
	b.WriteString(n.Name + " " + n.Version)
	if n.Requested {
		b.WriteString(" (requested)")
	}
	kids := g.edges(n, invert)
	if len(kids) > 0 && (shown[name] || onPath[name]) {
		b.WriteString(" (*)\n")
		return
	}
	b.WriteString("\n")
	shown[name] = true
	onPath[name] = true
	for i, k := range kids {
		if i == len(kids)-1 {
			g.draw(b, k, childLead+gl.last, childLead+gl.space, gl, invert, shown, onPath)
		} else {
			g.draw(b, k, childLead+gl.tee, childLead+gl.pipe, gl, invert, shown, onPath)
		}
	}
	delete(onPath, name)
}

// reaches reports whether name or anything it needs matches re.
func (g *Graph) reaches(name string, re *regexp.Regexp) bool {
	seen := map[string]bool{}
	stack := []string{name}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if seen[n] {
			continue
		}
		seen[n] = true
		if re.MatchString(n) {
			return true
		}
		stack = append(stack, g.nodes[n].Depends...)
	}
	return false
}

// DOT writes the graph in Graphviz's language: requested packages are
// drawn bold, edges point from a package to what it needs.
func (g *Graph) DOT(w io.Writer) error {
	var b strings.Builder
	b.WriteString("digraph environment {\n  node [shape=box];\n")
	for _, n := range g.Nodes() {
		style := ""
		if n.Requested {
			style = ", style=bold"
		}
		fmt.Fprintf(&b, "  %q [label=%q%s];\n", n.Name, n.Name+"\n"+n.Version, style)
	}
	for _, n := range g.Nodes() {
		for _, d := range n.Depends {
			fmt.Fprintf(&b, "  %q -> %q;\n", n.Name, d)
		}
	}
	b.WriteString("}\n")
	_, err := io.WriteString(w, b.String())
	return err
}
