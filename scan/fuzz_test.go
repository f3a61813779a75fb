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
