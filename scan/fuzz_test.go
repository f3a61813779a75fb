package scan

import (
	"bytes"
	"slices"
	"testing"
)

// FuzzScan: on any input the scanner returns sorted findings on lines that
// exist, the same ones twice, and none once every line carries
// envseal:allow.
func FuzzScan(f *testing.F) {
	for _, tc := range ruleCases() {
		f.Add("config.txt", []byte(tc.text))
	}
	f.Add("environment.yml", []byte("name: x\ndependencies: []\nvariables:\n  DB_PASSWORD: hunter2hunter\n  K: "+fake(alnum, 30, 1)+"\n"))
	f.Add("environment.yml", []byte("variables:\n  A: |\n    x\n  B: [1, 2]\n  C: {d: e}\nchannels: [a]\n"))
	sealed := func(yield func(string, []byte) bool) { yield("S", []byte("sealed-value")) }
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		s := New(Options{Sealed: sealed})
		got := s.Scan(name, data)
		lines := bytes.Count(data, []byte("\n")) + 1
		for i, fd := range got {
			if fd.Line < 1 || fd.Line > lines {
				t.Fatalf("finding %v outside the %d lines", fd, lines)
			}
			if fd.File != name || !knownRule(fd.Rule) {
				t.Fatalf("bad finding %v", fd)
			}
			if i > 0 && (got[i-1].Line > fd.Line || got[i-1] == fd) {
				t.Fatalf("findings not sorted and unique: %v", got)
			}
		}
		if again := s.Scan(name, data); !slices.Equal(got, again) {
			t.Fatalf("two scans differ: %v, %v", got, again)
		}
		allowed := bytes.ReplaceAll(data, []byte("\n"), []byte(" envseal:allow\n"))
		allowed = append(allowed, " envseal:allow"...)
		if fs := s.Scan(name, allowed); len(fs) > 0 && !isBinary(data) {
			t.Fatalf("findings on allowed lines: %v", fs)
		}
	})
}

// FuzzParseIgnore: any allow-list either fails with an error naming the
// file, or gives an Ignore whose questions never panic; a pattern that is
// a plain file name matches that file.
func FuzzParseIgnore(f *testing.F) {
	f.Add([]byte("testdata/\n*.pem\n!keep.pem\ndocs/**/*.md:url-password\n[a-\n\\#x\n"), "docs/a/b.md")
	f.Add([]byte("/root\na/**/b\n**/c/**\n"), "a/x/y/b")
	f.Fuzz(func(t *testing.T, list []byte, path string) {
		ig, err := ParseIgnore(".envsealignore", list)
		if err != nil {
			if !bytes.Contains([]byte(err.Error()), []byte(".envsealignore")) {
				t.Fatalf("error without the file name: %v", err)
			}
			return
		}
		ig.File(path)
		for _, r := range Rules() {
			ig.Rule(path, r.Name)
		}
	})
}

func TestIgnorePlainNames(t *testing.T) {
	for _, name := range []string{"a.txt", "dir/b.json", "weird name+(1).yml"} {
		ig, err := ParseIgnore("x", []byte(name+"\n"))
		if err != nil {
			t.Fatal(err)
		}
		if !ig.File(name) || ig.File(name+"x") {
			t.Errorf("%q does not match exactly itself", name)
		}
	}
}
