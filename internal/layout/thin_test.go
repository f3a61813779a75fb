package layout

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// maxCommandLines bounds cmd/envseal: flags, help, the choice of text or
// --json, and exit codes. Work that grows belongs in ops (issue #11).
const maxCommandLines = 1500

// fileIO matches the calls that touch files, processes or the network
// directly; cmd/envseal reaches those only through ops and the terminal.
var fileIO = regexp.MustCompile(`\bos\.(ReadFile|WriteFile|Open|OpenFile|Create|CreateTemp|Remove|RemoveAll|Mkdir|MkdirAll|MkdirTemp|Rename|Stat|Lstat|ReadDir|Chmod|Symlink|Link)\(|\bexec\.Command|\bhttp\.(Get|Post|NewRequest)`)

// TestCommandLineIsThin keeps cmd/envseal a thin layer: under
// maxCommandLines lines of non-test Go (testdata included), and no file
// doing I/O of its own.
func TestCommandLineIsThin(t *testing.T) {
	root := filepath.Join("..", "..", "cmd", "envseal")
	total := 0
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		total += bytes.Count(data, []byte("\n"))
		for i, line := range strings.Split(string(data), "\n") {
			if fileIO.MatchString(line) {
				t.Errorf("%s:%d does I/O of its own (move it into ops): %s", path, i+1, strings.TrimSpace(line))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if total >= maxCommandLines {
		t.Errorf("cmd/envseal has %d lines of non-test Go, the bound is %d: move the work into ops", total, maxCommandLines)
	}
	t.Logf("cmd/envseal: %d lines", total)
}

func TestFileIOPattern(t *testing.T) {
	for line, want := range map[string]bool{
		`data, err := os.ReadFile(path)`:          true,
		`f, err := os.Create(name)`:               true,
		`cmd := exec.Command("pip", "install")`:   true,
		`resp, err := http.Get(url)`:              true,
		`var w io.Writer = os.Stderr`:             false,
		`streams{In: os.Stdin, Out: os.Stdout}`:   false,
		`res, err := ops.Export(c.Context, o)`:    false,
		`// os.ReadFile( in a comment counts too`: true,
	} {
		if got := fileIO.MatchString(line); got != want {
			t.Errorf("%q: match %v, want %v", line, got, want)
		}
	}
}
