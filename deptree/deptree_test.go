package deptree

import (
	"regexp"
	"strings"
	"testing"

	"github.com/envseal/envseal/conda"
)

func rec(t *testing.T, name, version string, depends ...string) *conda.Record {
	t.Helper()
	v, err := conda.ParseVersion(version)
	if err != nil {
		t.Fatal(err)
	}
	return &conda.Record{Name: name, Version: v, Build: "0", Depends: depends}
}

// graph: numpy and pip requested; python shared; a cycle between a and b;
// __glibc is virtual and has no record.
func testGraph(t *testing.T) *Graph {
	return New([]*conda.Record{
		rec(t, "numpy", "1.26.4", "python >=3.10,<3.11.0a0", "libblas >=3.9", "__glibc >=2.17"),
		rec(t, "pip", "24.3.1", "python >=3.8"),
		rec(t, "python", "3.10.16", "libzlib >=1.3", "a"),
		rec(t, "libblas", "3.9.0", "libzlib"),
		rec(t, "libzlib", "1.3.1"),
		rec(t, "a", "1", "b"),
		rec(t, "b", "1", "a 1.*"),
	}, []string{"numpy", "pip", "not-installed"})
}

func TestRender(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts Options
		want string
	}{
		{"tree", Options{}, `
numpy 1.26.4 (requested)
├── libblas 3.9.0
│   └── libzlib 1.3.1
└── python 3.10.16
    ├── a 1
    │   └── b 1
    │       └── a 1 (*)
    └── libzlib 1.3.1
pip 24.3.1 (requested)
└── python 3.10.16 (*)
`},
		{"ascii", Options{ASCII: true, Filter: regexp.MustCompile("^pip$")}, `
pip 24.3.1 (requested)
` + "`-- python 3.10.16\n" + `    |-- a 1
    |   ` + "`-- b 1\n" + `    |       ` + "`-- a 1 (*)\n" + `    ` + "`-- libzlib 1.3.1\n"},
		{"filter keeps roots that reach a match", Options{Filter: regexp.MustCompile("blas")}, `
numpy 1.26.4 (requested)
├── libblas 3.9.0
│   └── libzlib 1.3.1
└── python 3.10.16
    ├── a 1
    │   └── b 1
    │       └── a 1 (*)
    └── libzlib 1.3.1
`},
		{"invert", Options{Invert: true, Filter: regexp.MustCompile("^libzlib$")}, `
libzlib 1.3.1
├── libblas 3.9.0
│   └── numpy 1.26.4 (requested)
└── python 3.10.16
    ├── numpy 1.26.4 (requested)
    └── pip 24.3.1 (requested)
`},
		{"invert through a cycle", Options{Invert: true, Filter: regexp.MustCompile("^b$")}, `
b 1
└── a 1
    ├── b 1 (*)
    └── python 3.10.16
        ├── numpy 1.26.4 (requested)
        └── pip 24.3.1 (requested)
`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b strings.Builder
			if err := testGraph(t).Render(&b, tc.opts); err != nil {
				t.Fatal(err)
			}
			if want := strings.TrimPrefix(tc.want, "\n"); b.String() != want {
				t.Errorf("got:\n%s\nwant:\n%s", b.String(), want)
			}
		})
	}
}

func TestRootsWithoutHistory(t *testing.T) {
	g := New([]*conda.Record{rec(t, "x", "1", "y"), rec(t, "y", "1")}, nil)
	if got := g.Roots(); len(got) != 1 || got[0] != "x" {
		t.Errorf("Roots = %v, want [x]", got)
	}
}

func TestNodesAndDOT(t *testing.T) {
	g := testGraph(t)
	var py *Node
	for _, n := range g.Nodes() {
		if n.Name == "python" {
			py = n
		}
	}
	if py == nil || strings.Join(py.Depends, ",") != "a,libzlib" || strings.Join(py.Needed, ",") != "numpy,pip" || py.Requested {
		t.Fatalf("python node = %+v", py)
	}
	var b strings.Builder
	if err := g.DOT(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"digraph environment {", `"numpy" [label="numpy\n1.26.4", style=bold];`, `"numpy" -> "libblas";`, `"b" -> "a";`} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("DOT lacks %s:\n%s", want, b.String())
		}
	}
	if strings.Contains(b.String(), "__glibc") {
		t.Error("a virtual package reached the graph")
	}
}
