package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestREADMEExitCodes keeps the README's exit-code table and the exit*
// constants of this package the same set of numbers.
func TestREADMEExitCodes(t *testing.T) {
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, ".", func(fi os.FileInfo) bool { return !strings.HasSuffix(fi.Name(), "_test.go") }, 0)
	if err != nil {
		t.Fatal(err)
	}
	var code []int
	for _, pkg := range pkgs {
		for _, f := range pkg.Files {
			ast.Inspect(f, func(n ast.Node) bool {
				vs, ok := n.(*ast.ValueSpec)
				if !ok {
					return true
				}
				for i, name := range vs.Names {
					if !strings.HasPrefix(name.Name, "exit") || i >= len(vs.Values) {
						continue
					}
					if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.INT {
						v, _ := strconv.Atoi(lit.Value)
						code = append(code, v)
					}
				}
				return true
			})
		}
	}
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(readme)
	i := strings.Index(text, "### Exit codes")
	if i < 0 {
		t.Fatal("README has no ### Exit codes section")
	}
	section := text[i:]
	if j := strings.Index(section[3:], "\n#"); j >= 0 {
		section = section[:j+3]
	}
	var doc []int
	for _, m := range regexp.MustCompile(`(?m)^\| (\d+) \|`).FindAllStringSubmatch(section, -1) {
		v, _ := strconv.Atoi(m[1])
		doc = append(doc, v)
	}
	slices.Sort(code)
	code = slices.Compact(code)
	slices.Sort(doc)
	if len(code) < 5 || !slices.Equal(code, doc) {
		t.Errorf("exit codes in the code %v, in the README's table %v", code, doc)
	}
}
