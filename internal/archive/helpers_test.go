package archive

import (
	"archive/tar"
	"bytes"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/envseal/envseal/internal/testkit"
)

// corpusDir returns the shared corpus directory or skips the test.
func corpusDir(t testing.TB) string { return testkit.Corpus(t) }

// tarEntry describes one member of a synthetic tar.
type tarEntry struct {
	name, link string
	typ        byte
	mode       int64
	data       string
	size       int64 // header size override (for limit tests); -1 = len(data)
}

func makeTar(t testing.TB, ents []tarEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range ents {
		typ := e.typ
		if typ == 0 {
			typ = tar.TypeReg
		}
		mode := e.mode
		if mode == 0 {
			mode = 0o644
		}
		h := &tar.Header{Name: e.name, Linkname: e.link, Typeflag: typ, Mode: mode, Format: tar.FormatPAX}
		if typ == tar.TypeReg {
			h.Size = int64(len(e.data))
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatalf("tar header %q: %v", e.name, err)
		}
		if typ == tar.TypeReg {
			if _, err := tw.Write([]byte(e.data)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// treeEntry and snapshot are testkit's directory snapshots.
type treeEntry = testkit.TreeEntry

var snapshot = testkit.Snapshot

// assertOnlyChild fails if parent holds anything but the single entry name:
// the extraction wrote outside its destination.
func assertOnlyChild(t testing.TB, parent, name string) {
	t.Helper()
	ents, err := os.ReadDir(parent)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	if len(names) > 1 || (len(names) == 1 && names[0] != name) {
		t.Fatalf("extraction wrote outside its destination: %s holds %s", parent, strings.Join(names, ", "))
	}
}
