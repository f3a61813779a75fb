package prefix

import (
	"context"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
)

// fakeSigner records the files it signs and appends a stand-in signature
// to each, so that tests see the file change as codesign changes it.
type fakeSigner struct {
	mu    sync.Mutex
	calls []string
	err   error
	// readOnly lists files that were not writable by their owner when
	// Sign was called (codesign would fail on them).
	readOnly []string
}

const fakeSignature = "\x00FAKE-ADHOC-SIGNATURE"

func (f *fakeSigner) Sign(_ context.Context, path string) error {
	f.mu.Lock()
	f.calls = append(f.calls, path)
	if st, err := os.Stat(path); err == nil && st.Mode().Perm()&0o200 == 0 {
		f.readOnly = append(f.readOnly, path)
	}
	f.mu.Unlock()
	if f.err != nil {
		return f.err
	}
	fh, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return err
	}
	defer fh.Close()
	_, err = fh.WriteString(fakeSignature)
	return err
}

// machO returns a small synthetic thin Mach-O image: a mach_header_64
// (little-endian magic 0xfeedfacf, CPU arm64, MH_EXECUTE, no load
// commands) followed by a NUL-terminated C string holding s.
func machO(s string) string {
	h := make([]byte, 32)
	binary.LittleEndian.PutUint32(h[0:], 0xfeedfacf)
	binary.LittleEndian.PutUint32(h[4:], 0x0100000c) // CPU_TYPE_ARM64
	binary.LittleEndian.PutUint32(h[12:], 2)         // MH_EXECUTE
	return string(h) + s + "\x00" + strings.Repeat("\x00", 16)
}

func TestIsMachO(t *testing.T) {
	t.Parallel()
	fat := []byte{0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 2}
	java := []byte{0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 52}
	cases := []struct {
		name string
		data []byte
		want bool
	}{
		{"thin 64-bit little-endian (arm64)", []byte(machO("x")), true},
		{"thin 64-bit big-endian", []byte{0xfe, 0xed, 0xfa, 0xcf, 0, 0, 0, 0}, true},
		{"thin 32-bit little-endian", []byte{0xce, 0xfa, 0xed, 0xfe, 7, 0, 0, 0}, true},
		{"universal", fat, true},
		{"java class file", java, false},
		{"ELF", []byte("\x7fELF\x02\x01\x01\x00"), false},
		{"script", []byte("#!/bin/sh\necho\n"), false},
		{"too short", []byte{0xcf, 0xfa, 0xed}, false},
	}
	for _, tc := range cases {
		if got := isMachO(tc.data); got != tc.want {
			t.Errorf("%s: isMachO = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestSignRewrittenMachO: a binary-mode placeholder rewritten in a Mach-O
// file of an osx-arm64 package is signed, in the tree being built, once
// the prefix is replaced; nothing else is (text mode, other subdirs, other
// file formats, files whose placeholder is absent). The conda-meta record
// holds the signed file's hash.
func TestSignRewrittenMachO(t *testing.T) {
	t.Parallel()
	ph := "/opt/anaconda1anaconda2anaconda3" + strings.Repeat("/placehold", 20)
	files := []testFile{
		{path: "bin/tool", data: machO(ph + "/lib"), mode: 0o755, placeholder: ph, fileMode: FileModeBinary},
		{path: "lib/libtool.dylib", data: machO("@rpath:" + ph + "/lib"), mode: 0o444, placeholder: ph, fileMode: FileModeBinary},
		{path: "lib/no-placeholder.dylib", data: machO("/usr/lib"), placeholder: ph, fileMode: FileModeBinary},
		{path: "lib/data.bin", data: "\x7fELF\x02\x01\x01\x00" + ph + "\x00", placeholder: ph, fileMode: FileModeBinary},
		{path: "bin/text-macho", data: machO(ph), mode: 0o755, placeholder: ph, fileMode: FileModeText},
		{path: "share/plain", data: machO(ph)},
	}
	signedAll := []string{"bin/tool", "lib/libtool.dylib"}
	cases := []struct {
		name    string
		subdir  string
		inPlace bool // link into an existing prefix (staging area)
		err     error
		want    []string
	}{
		{"osx-arm64 new prefix", "osx-arm64", false, nil, signedAll},
		{"osx-arm64 existing prefix", "osx-arm64", true, nil, signedAll},
		{"osx-64", "osx-64", false, nil, nil},
		{"linux-64", "linux-64", false, nil, nil},
		{"codesign fails", "osx-arm64", false, errors.New("codesign exploded"), signedAll},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tmp := t.TempDir()
			pkg := buildPackage(t, filepath.Join(tmp, "pkgs"), testPkg{name: "tool", version: "1", files: files})
			pkg.Record.Subdir = tc.subdir
			prefix := filepath.Join(tmp, "envs", "e")
			ctx := context.Background()
			if tc.inPlace {
				other := buildPackage(t, filepath.Join(tmp, "pkgs"), testPkg{name: "other", version: "1", files: []testFile{{path: "share/other", data: "o"}}})
				if _, err := Apply(ctx, prefix, &Plan{Link: []Package{other}}, testOpts()); err != nil {
					t.Fatal(err)
				}
			}
			signer := &fakeSigner{err: tc.err}
			opts := testOpts()
			opts.Signer = signer
			res, err := Apply(ctx, prefix, &Plan{Link: []Package{pkg}}, opts)
			if err != nil {
				t.Fatal(err)
			}
			// The signer saw absolute paths inside the tree being built,
			// never the prefix itself (not yet committed) nor the cache.
			var got []string
			for _, c := range signer.calls {
				rest, ok := strings.CutPrefix(filepath.ToSlash(c), filepath.ToSlash(filepath.Dir(prefix))+"/")
				tree, rel, _ := strings.Cut(rest, "/")
				if tc.inPlace {
					tree, rel, _ = strings.Cut(rel, "/")
					ok = ok && tree == stageDir
				} else {
					ok = ok && strings.HasPrefix(tree, ".e"+tmpInfix)
				}
				if !ok {
					t.Errorf("signed %s, outside the tree being built", c)
				}
				got = append(got, rel)
			}
			slices.Sort(got)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("signed %q, want %q", got, tc.want)
			}
			if len(signer.readOnly) > 0 {
				t.Errorf("signed read-only files %q", signer.readOnly)
			}
			if st, err := os.Stat(filepath.Join(prefix, "lib/libtool.dylib")); err != nil || st.Mode().Perm() != 0o444 {
				t.Errorf("lib/libtool.dylib mode after signing: %v %v, want 0444", st.Mode(), err)
			}
			rec := res.Linked[0]
			for _, e := range rec.PathsData {
				data, err := os.ReadFile(filepath.Join(prefix, e.Path))
				if err != nil {
					t.Fatal(err)
				}
				signed := strings.HasSuffix(string(data), fakeSignature)
				if wantSigned := slices.Contains(tc.want, e.Path) && tc.err == nil; signed != wantSigned {
					t.Errorf("%s: signed %v, want %v", e.Path, signed, wantSigned)
				}
				if e.SHA256InPrefix != sha256Hex(data) {
					t.Errorf("%s: sha256_in_prefix %s does not match the file", e.Path, e.SHA256InPrefix)
				}
				if e.Path == "bin/tool" && !strings.Contains(string(data), prefix+"/lib\x00") {
					t.Errorf("bin/tool: prefix not replaced")
				}
			}
			var warned int
			for _, w := range res.Warnings {
				if strings.Contains(w, "re-signing") && strings.Contains(w, "codesign exploded") {
					warned++
				}
			}
			if want := map[bool]int{true: len(tc.want), false: 0}[tc.err != nil]; warned != want {
				t.Errorf("%d signing warnings, want %d: %q", warned, want, res.Warnings)
			}
		})
	}
}

// TestCodesignSignerOffMacOS: the real signer never runs outside macOS.
func TestCodesignSignerOffMacOS(t *testing.T) {
	if runtime.GOOS == "darwin" {
		t.Skip("runs codesign on macOS")
	}
	if err := (CodesignSigner{}).Sign(context.Background(), filepath.Join(t.TempDir(), "missing")); err != nil {
		t.Errorf("Sign = %v, want nil off macOS", err)
	}
}
