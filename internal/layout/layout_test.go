package layout

import (
	"errors"
	"fmt"
	"go/build"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/envseal/envseal"

// allowed maps a package (or, ending in "/", a tree of packages) to the
// envseal packages it may import; an entry ending in "/" allows a tree.
// A package matching no entry fails the test, so a new package states
// its place here.
var allowed = map[string][]string{
	"conda":       {},
	"secrets":     {},
	"resolver":    {"conda"},
	"env":         {"conda"},
	"prefix":      {"conda", "internal/"},
	"channel":     {"conda", "internal/"},
	"channel/oci": {"conda", "internal/"},
	"lockfile":    {"conda", "secrets", "internal/"},
	"config":      {"conda"},
	"scan":        {"internal/"},
	"guard":       {"internal/"},
	"deptree":     {"conda"},
	"kernel":      {"internal/"},
	"ops":         {"conda", "secrets", "resolver", "env", "prefix", "channel", "lockfile", "config", "scan", "guard", "deptree", "kernel", "channel/oci", "internal/"},
	"internal/":   {"conda", "internal/"},
	"cmd/":        {"conda", "secrets", "resolver", "env", "prefix", "channel", "lockfile", "config", "scan", "guard", "deptree", "kernel", "channel/oci", "ops", "internal/"},
	"bench/":      {"conda", "secrets", "resolver", "env", "prefix", "channel", "lockfile", "config", "scan", "guard", "deptree", "kernel", "channel/oci", "ops", "internal/"},
}

// cliOnly are third-party packages only commands, and internal/cmdutil
// (what every command shares), may import.
var cliOnly = []string{"github.com/urfave/cli"}

// commandLine reports whether rel is part of the command line: a command,
// or the support package of every command.
func commandLine(rel string) bool {
	return strings.HasPrefix(rel, "cmd/") || rel == "internal/cmdutil"
}

type pkg struct {
	ImportPath string
	Imports    []string
}

// listPackages reads the (non-test) imports of every package of the
// module with go/build. Reading the files from this process, rather than
// through `go list`, lets the test cache see when they change.
func listPackages(t *testing.T) []pkg {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("module root not found: %v", err)
	}
	var pkgs []pkg
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		name := d.Name()
		if path != root && (name == "testdata" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
			return filepath.SkipDir
		}
		bp, err := build.ImportDir(path, 0)
		var noGo *build.NoGoError
		if errors.As(err, &noGo) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("reading package %s: %w", path, err)
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		pkgs = append(pkgs, pkg{ImportPath: module + "/" + filepath.ToSlash(rel), Imports: bp.Imports})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(pkgs) == 0 {
		t.Fatal("found no packages")
	}
	return pkgs
}

// rule returns the allowed list of rel (a path below the module), the
// longest matching entry winning.
func rule(rel string) ([]string, bool) {
	best, found := "", false
	for k := range allowed {
		if (k == rel || strings.HasSuffix(k, "/") && strings.HasPrefix(rel, k)) && len(k) >= len(best) {
			best, found = k, true
		}
	}
	return allowed[best], found
}

func permits(list []string, rel string) bool {
	for _, a := range list {
		if a == rel || strings.HasSuffix(a, "/") && strings.HasPrefix(rel, a) {
			return true
		}
	}
	return false
}

func TestImportsGoOneWay(t *testing.T) {
	for _, p := range listPackages(t) {
		rel, ok := strings.CutPrefix(p.ImportPath, module+"/")
		if !ok {
			continue
		}
		list, ok := rule(rel)
		if !ok {
			t.Errorf("%s has no place in the layout: add it to allowed in internal/layout", rel)
			continue
		}
		for _, imp := range p.Imports {
			if dep, ok := strings.CutPrefix(imp, module+"/"); ok {
				if dep == rel || strings.HasPrefix(rel, "internal/") && strings.HasPrefix(dep, rel+"/") {
					continue // a package's own subpackages (internal/pip/piptest)
				}
				if !permits(list, dep) {
					t.Errorf("%s imports %s, which the layout forbids (STYLE.md §1)", rel, dep)
				}
				if strings.HasPrefix(dep, "internal/testkit") && !strings.HasPrefix(rel, "internal/testkit") {
					t.Errorf("%s imports %s outside its tests: testkit is for tests", rel, dep)
				}
				continue
			}
			if !commandLine(rel) && slices.ContainsFunc(cliOnly, func(c string) bool { return strings.HasPrefix(imp, c) }) {
				t.Errorf("%s imports %s: only commands parse flags", rel, imp)
			}
		}
	}
}

// TestImportsAcyclic walks the module's own import graph. The go command
// refuses cycles already; this says which path closes one.
func TestImportsAcyclic(t *testing.T) {
	graph := map[string][]string{}
	for _, p := range listPackages(t) {
		for _, imp := range p.Imports {
			if strings.HasPrefix(imp, module+"/") {
				graph[p.ImportPath] = append(graph[p.ImportPath], imp)
			}
		}
	}
	state := map[string]int{} // 0 new, 1 on the path, 2 done
	var visit func(n string, path []string) error
	visit = func(n string, path []string) error {
		switch state[n] {
		case 1:
			return errors.New(strings.Join(append(path, n), " -> "))
		case 2:
			return nil
		}
		state[n] = 1
		for _, m := range graph[n] {
			if err := visit(m, append(path, n)); err != nil {
				return err
			}
		}
		state[n] = 2
		return nil
	}
	for n := range graph {
		if err := visit(n, nil); err != nil {
			t.Errorf("import cycle: %v", err)
		}
	}
}
