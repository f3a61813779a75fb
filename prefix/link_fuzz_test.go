package prefix

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func FuzzParsePathsJSON(f *testing.F) {
	f.Add([]byte(`{"paths":[{"_path":"lib/a","path_type":"hardlink","sha256":"00","size_in_bytes":1}],"paths_version":1}`))
	f.Add([]byte(`{"paths":[{"_path":"../x","path_type":"softlink"}]}`))
	f.Add([]byte(`{"paths":[{"_path":"a","prefix_placeholder":"/p","file_mode":"binary"},{"_path":"a"}]}`))
	for _, rel := range []string{"rattler/test-data/conda-22.9.0-py38haa244fe_2-paths.json"} {
		if data, err := os.ReadFile(filepath.Join(corpusDir, rel)); err == nil {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		paths, err := ParsePathsJSON(data)
		if err != nil {
			if paths != nil {
				t.Fatal("paths returned with an error")
			}
			return
		}
		seen := map[string]bool{}
		for _, e := range paths {
			if err := checkRelPath(e.Path); err != nil {
				t.Fatalf("accepted unsafe path %q: %v", e.Path, err)
			}
			if !filepath.IsLocal(e.Path) || strings.Contains(e.Path, "..") && !strings.Contains(e.Path, "...") && strings.Contains("/"+e.Path+"/", "/../") {
				t.Fatalf("accepted non-local path %q", e.Path)
			}
			if seen[e.Path] {
				t.Fatalf("duplicate %q accepted", e.Path)
			}
			seen[e.Path] = true
			switch e.PathType {
			case PathHardlink, PathSoftlink, PathDirectory:
			default:
				t.Fatalf("path type %q accepted", e.PathType)
			}
			if e.PrefixPlaceholder != "" && e.FileMode != FileModeText && e.FileMode != FileModeBinary {
				t.Fatalf("file mode %q accepted", e.FileMode)
			}
		}
	})
}

func FuzzReplaceBinary(f *testing.F) {
	f.Add([]byte("a/opt/ph/lib\x00b/opt/ph\x00"), "/opt/ph", "/e")
	f.Add([]byte("/opt/ph/opt/ph\x00"), "/opt/ph", "/opt/ph2")
	f.Add([]byte("no nul /opt/ph"), "/opt/ph", "")
	f.Fuzz(func(t *testing.T, data []byte, placeholder, prefix string) {
		orig := bytes.Clone(data)
		err := ReplaceBinary(data, placeholder, prefix)
		if len(data) != len(orig) {
			t.Fatalf("length changed %d -> %d", len(orig), len(data))
		}
		var be *BinaryPrefixError
		if errors.As(err, &be) {
			if len(prefix) <= len(placeholder) {
				t.Fatalf("too-long error for a shorter prefix: %v", err)
			}
			if !bytes.Equal(data, orig) {
				t.Fatal("data changed on error")
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		if placeholder == "" || strings.Contains(prefix, placeholder) || strings.Contains(placeholder, prefix) && prefix != "" {
			return
		}
		// Outside the rewritten C strings nothing changes: the number of
		// NUL-terminated strings can only grow (padding), and no
		// placeholder remains in a terminated string.
		if bytes.Count(data, []byte{0}) < bytes.Count(orig, []byte{0}) {
			t.Fatal("NUL bytes lost")
		}
		if len(prefix) > 0 && !strings.ContainsRune(prefix, 0) && !strings.ContainsRune(placeholder, 0) {
			last := bytes.LastIndexByte(data, 0)
			if last >= 0 && bytes.Contains(data[:last], []byte(placeholder)) &&
				!bytes.Contains(bytes.ReplaceAll(orig[:last], []byte(placeholder), nil), []byte(placeholder)) {
				t.Fatalf("placeholder left in a terminated string: %q", data)
			}
		}
	})
}

func FuzzReplaceText(f *testing.F) {
	f.Add([]byte("#!/ph/bin/python\nx=/ph\n"), "/ph", "/env")
	f.Add([]byte("#!/ph/bin/python -E\n"), "/ph", "/"+strings.Repeat("a", 200))
	f.Fuzz(func(t *testing.T, data []byte, placeholder, prefix string) {
		if placeholder == "" || strings.Contains(prefix, placeholder) {
			return
		}
		out := ReplaceText(data, placeholder, prefix)
		if bytes.Contains(out, []byte(placeholder)) && !bytes.Contains(bytes.ReplaceAll(data, []byte(placeholder), []byte(prefix)), []byte(placeholder)) && !bytes.HasPrefix(out, []byte("#!/usr/bin/env ")) {
			t.Fatalf("placeholder left: %q", out)
		}
		if m := shebangRE.FindSubmatch(out); m != nil && len(m[1]) > maxShebang && !bytes.HasPrefix(out, []byte("#!/usr/bin/env ")) {
			t.Fatalf("long shebang kept: %q", m[1])
		}
	})
}
