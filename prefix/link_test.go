package prefix

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func fixedNow() time.Time { return time.Date(2026, 11, 28, 17, 0, 0, 0, time.Local) }

func testOpts() *ApplyOptions {
	return &ApplyOptions{Version: "0.1.0", Now: fixedNow, NoSync: true}
}

func TestReplaceText(t *testing.T) {
	t.Parallel()
	long := "/" + strings.Repeat("p", 150)
	tests := []struct {
		name, in, placeholder, prefix, want string
	}{
		{"every occurrence", "a=/ph/x b=/ph/y /ph", "/ph", "/opt/env", "a=/opt/env/x b=/opt/env/y /opt/env"},
		{"absent", "nothing here", "/ph", "/opt/env", "nothing here"},
		{"shebang kept short", "#!/ph/bin/python -E\nprint(1)\n", "/ph", "/opt/env", "#!/opt/env/bin/python -E\nprint(1)\n"},
		{"long shebang", "#!/ph/bin/python -E\nprint(1)\n", "/ph", long, "#!/usr/bin/env python -E\nprint(1)\n"},
		{"escaped space", "#!/my\\ env/bin/perl\n", "/ph", "/x", "#!/usr/bin/env perl\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := string(ReplaceText([]byte(tc.in), tc.placeholder, tc.prefix))
			if got != tc.want {
				t.Errorf("ReplaceText(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestReplaceBinary(t *testing.T) {
	t.Parallel()
	ph := "/opt/placeholder_placeholder"
	tests := []struct {
		name, in, prefix, want string
	}{
		{"one string", "xx" + ph + "/lib\x00yy", "/env", "xx/env/lib\x00" + strings.Repeat("\x00", len(ph)-4) + "yy"},
		{"two in one string", ph + ":" + ph + "\x00", "/e", "/e:/e\x00" + strings.Repeat("\x00", 2*(len(ph)-2))},
		{"two strings", ph + "\x00" + ph + "/b\x00", "/env", "/env\x00" + strings.Repeat("\x00", len(ph)-4) + "/env/b\x00" + strings.Repeat("\x00", len(ph)-4)},
		{"no terminator", "ab" + ph, "/env", "ab" + ph},
		{"same length", ph + "\x00", "/" + strings.Repeat("e", len(ph)-1), "/" + strings.Repeat("e", len(ph)-1) + "\x00"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			data := []byte(tc.in)
			if err := ReplaceBinary(data, ph, tc.prefix); err != nil {
				t.Fatal(err)
			}
			if string(data) != tc.want {
				t.Errorf("got %q, want %q", data, tc.want)
			}
			if len(data) != len(tc.in) {
				t.Errorf("length changed: %d -> %d", len(tc.in), len(data))
			}
		})
	}
	t.Run("too long", func(t *testing.T) {
		in := []byte("a" + ph + "\x00")
		err := ReplaceBinary(in, ph, "/"+strings.Repeat("x", len(ph)))
		var be *BinaryPrefixError
		if !errors.As(err, &be) {
			t.Fatalf("err = %v, want *BinaryPrefixError", err)
		}
		if string(in) != "a"+ph+"\x00" {
			t.Errorf("data changed on error: %q", in)
		}
	})
}

func TestParseHasPrefixLine(t *testing.T) {
	t.Parallel()
	tests := []struct {
		line, ph, path string
		mode           FileMode
		bad            bool
	}{
		{line: "bin/foo", ph: DefaultPlaceholder, mode: FileModeText, path: "bin/foo"},
		{line: "/opt/x binary lib/libx.so", ph: "/opt/x", mode: FileModeBinary, path: "lib/libx.so"},
		{line: `"/opt/x y" text "share/a b.txt"`, ph: "/opt/x y", mode: FileModeText, path: "share/a b.txt"},
		{line: "/opt/x weird lib/a", bad: true},
		{line: "a b", bad: true},
	}
	for _, tc := range tests {
		ph, mode, p, err := parseHasPrefixLine(tc.line)
		if tc.bad {
			if err == nil {
				t.Errorf("%q: no error", tc.line)
			}
			continue
		}
		if err != nil || ph != tc.ph || mode != tc.mode || p != tc.path {
			t.Errorf("%q = %q %q %q %v, want %q %q %q", tc.line, ph, mode, p, err, tc.ph, tc.mode, tc.path)
		}
	}
}

func TestParsePathsJSONRejectsUnsafe(t *testing.T) {
	t.Parallel()
	for _, p := range []string{"../etc/passwd", "/etc/passwd", "a/../../b", "a/./b", "", "conda-meta/x.json", ".envseal-stage/x", `a\b`, "a//b"} {
		data := []byte(`{"paths":[{"_path":` + string(jsonString(p)) + `,"path_type":"hardlink"}],"paths_version":1}`)
		_, err := ParsePathsJSON(data)
		if err == nil {
			t.Errorf("path %q accepted", p)
		} else if !errors.Is(err, ErrUnsafePath) {
			t.Errorf("path %q: error %v does not wrap ErrUnsafePath", p, err)
		}
	}
	if _, err := ParsePathsJSON([]byte(`{"paths":[{"_path":"a","path_type":"weird"}]}`)); err == nil {
		t.Error("unknown path_type accepted")
	}
}

// TestLinkBuiltPackage links a package written by the test: text and
// binary placeholders, a symlink, no_link, an executable, a directory
// entry, and checks every property of the result.
func TestLinkBuiltPackage(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	pkgs := filepath.Join(tmp, "pkgs")
	ph := "/opt/" + strings.Repeat("placehold_", 8) // 85 bytes
	elf := "\x7fELF\x00\x01" + ph + "/lib\x00RPATH\x00" + ph + "\x00tail"
	pkg := buildPackage(t, pkgs, testPkg{name: "demo", version: "1.0", files: []testFile{
		{path: "bin/tool", data: "#!/bin/sh\necho " + ph + "\n", mode: 0o755, placeholder: ph},
		{path: "lib/libdemo.so.1", data: elf, mode: 0o755, placeholder: ph, fileMode: FileModeBinary},
		{path: "lib/libdemo.so", link: "libdemo.so.1"},
		{path: "share/demo/data.txt", data: "plain data\n"},
		{path: "share/demo/nolink.txt", data: "copied\n", noLink: true},
		{path: "etc/conf", data: "x", mode: 0o600},
	}})
	prefix := filepath.Join(tmp, "envs", "demo")
	res, err := Apply(context.Background(), prefix, &Plan{Link: []Package{pkg}, UpdateSpecs: []string{"demo"}, Cmd: "envseal create -n demo demo"}, testOpts())
	if err != nil {
		t.Fatal(err)
	}
	if !res.Created || len(res.Linked) != 1 || len(res.Clobbers) != 0 {
		t.Fatalf("result = %+v", res)
	}
	read := func(p string) string {
		b, err := os.ReadFile(filepath.Join(prefix, p))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	if got, want := read("bin/tool"), "#!/bin/sh\necho "+prefix+"\n"; got != want {
		t.Errorf("text placeholder: got %q, want %q", got, want)
	}
	gotELF := read("lib/libdemo.so.1")
	if len(gotELF) != len(elf) {
		t.Errorf("binary file length %d, want %d", len(gotELF), len(elf))
	}
	wantELF := "\x7fELF\x00\x01" + prefix + "/lib\x00" + strings.Repeat("\x00", len(ph)-len(prefix)) +
		"RPATH\x00" + prefix + "\x00" + strings.Repeat("\x00", len(ph)-len(prefix)) + "tail"
	if gotELF != wantELF {
		t.Errorf("binary placeholder:\n got %q\nwant %q", gotELF, wantELF)
	}
	if target, err := os.Readlink(filepath.Join(prefix, "lib/libdemo.so")); err != nil || target != "libdemo.so.1" {
		t.Errorf("symlink = %q, %v", target, err)
	}
	for p, want := range map[string]os.FileMode{"bin/tool": 0o755, "lib/libdemo.so.1": 0o755, "etc/conf": 0o600, "share/demo/data.txt": 0o644} {
		st, err := os.Stat(filepath.Join(prefix, p))
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != want {
			t.Errorf("%s mode %v, want %v", p, st.Mode().Perm(), want)
		}
	}
	same := func(p string) bool {
		a, _ := os.Stat(filepath.Join(prefix, p))
		b, _ := os.Stat(filepath.Join(pkg.Dir, p))
		return os.SameFile(a, b)
	}
	if !same("share/demo/data.txt") {
		t.Error("plain file was not hard-linked")
	}
	if same("share/demo/nolink.txt") || same("bin/tool") {
		t.Error("no_link or placeholder file shares the package's inode")
	}
	rec := res.Linked[0]
	if rec.Link.Type != LinkHardlink || rec.Link.Source != pkg.Dir {
		t.Errorf("link = %+v", rec.Link)
	}
	wantFiles := []string{"bin/tool", "etc/conf", "lib/libdemo.so", "lib/libdemo.so.1", "share/demo/data.txt", "share/demo/nolink.txt"}
	if strings.Join(rec.Files, ",") != strings.Join(wantFiles, ",") {
		t.Errorf("files = %v", rec.Files)
	}
	for _, e := range rec.PathsData {
		if e.PathType == PathSoftlink {
			continue
		}
		got := sha256OfFile(t, filepath.Join(prefix, e.Path))
		if got != e.SHA256InPrefix {
			t.Errorf("%s: sha256_in_prefix %s, file has %s", e.Path, e.SHA256InPrefix, got)
		}
		if e.PrefixPlaceholder == "" && e.SHA256 != e.SHA256InPrefix {
			t.Errorf("%s: sha256 changed without placeholder", e.Path)
		}
	}
	// conda-meta and history are in place and readable.
	pd, err := ReadPrefix(context.Background(), prefix)
	if err != nil {
		t.Fatal(err)
	}
	if len(pd.Records) != 1 || pd.Records[0].Name != "demo" || len(pd.Problems) != 0 {
		t.Fatalf("ReadPrefix = %+v", pd)
	}
	if got := pd.RequestedSpecs(); len(got) != 1 || got[0] != "demo" {
		t.Errorf("requested specs = %v", got)
	}
	// No temporary directory is left beside the prefix.
	ents, _ := os.ReadDir(filepath.Dir(prefix))
	for _, e := range ents {
		if strings.Contains(e.Name(), tmpInfix) {
			t.Errorf("leftover %s", e.Name())
		}
	}
}

func TestLinkBinaryPrefixTooLong(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	ph := "/opt/short"
	pkg := buildPackage(t, filepath.Join(tmp, "pkgs"), testPkg{name: "bin", version: "1", files: []testFile{
		{path: "lib/libx.so", data: "\x00" + ph + "/lib\x00", placeholder: ph, fileMode: FileModeBinary},
	}})
	prefix := filepath.Join(tmp, "a-prefix-longer-than-the-placeholder")
	_, err := Apply(context.Background(), prefix, &Plan{Link: []Package{pkg}}, testOpts())
	var be *BinaryPrefixError
	if !errors.As(err, &be) {
		t.Fatalf("err = %v, want *BinaryPrefixError", err)
	}
	if be.File != "lib/libx.so" || !strings.Contains(err.Error(), "lib/libx.so") {
		t.Errorf("error does not name the file: %v", err)
	}
	if _, err := os.Stat(prefix); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("prefix exists after a failed create: %v", err)
	}
}

func TestLinkLegacyPackage(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	pkg := buildPackage(t, filepath.Join(tmp, "pkgs"), testPkg{name: "old", version: "1", legacy: true, files: []testFile{
		{path: "bin/old", data: "#!" + DefaultPlaceholder + "/bin/sh\n", mode: 0o755, placeholder: DefaultPlaceholder},
		{path: "lib/liba.so", data: "lib"},
		{path: "lib/liba.so.1", link: "liba.so"},
		{path: "share/nl", data: "nl", noLink: true},
	}})
	prefix := filepath.Join(tmp, "p")
	res, err := Apply(context.Background(), prefix, &Plan{Link: []Package{pkg}}, testOpts())
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(prefix, "bin/old")); string(b) != "#!"+prefix+"/bin/sh\n" {
		t.Errorf("bin/old = %q", b)
	}
	if l, _ := os.Readlink(filepath.Join(prefix, "lib/liba.so.1")); l != "liba.so" {
		t.Errorf("symlink = %q", l)
	}
	byPath := map[string]PathEntry{}
	for _, e := range res.Linked[0].PathsData {
		byPath[e.Path] = e
	}
	if e := byPath["lib/liba.so"]; e.SHA256 == "" || e.PathType != PathHardlink {
		t.Errorf("lib/liba.so entry %+v", e)
	}
	if e := byPath["lib/liba.so.1"]; e.PathType != PathSoftlink {
		t.Errorf("lib/liba.so.1 entry %+v", e)
	}
	if !byPath["share/nl"].NoLink {
		t.Error("no_link lost")
	}
}

func TestLinkSymlinkEscapes(t *testing.T) {
	t.Parallel()
	cases := map[string][]testFile{
		"absolute":  {{path: "lib/evil", link: "/etc/passwd"}},
		"relative":  {{path: "lib/evil", link: "../../etc/passwd"}},
		"via chain": {{path: "d", link: "."}, {path: "lib/x", link: "../d/.."}},
	}
	for name, files := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			tmp := t.TempDir()
			pkg := buildPackage(t, filepath.Join(tmp, "pkgs"), testPkg{name: "evil", version: "1", files: files})
			prefix := filepath.Join(tmp, "p")
			_, err := Apply(context.Background(), prefix, &Plan{Link: []Package{pkg}}, testOpts())
			if !errors.Is(err, ErrUnsafePath) {
				t.Fatalf("err = %v, want ErrUnsafePath", err)
			}
			if _, err := os.Lstat(prefix); err == nil {
				t.Error("prefix created")
			}
		})
	}
}

// TestLinkThroughDirSymlink writes files through a directory symlink a
// package put into the prefix: allowed inside the prefix, refused (and
// nothing written) when the link chain leads outside.
func TestLinkThroughDirSymlink(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	pkgs := filepath.Join(tmp, "pkgs")
	a := buildPackage(t, pkgs, testPkg{name: "a", version: "1", files: []testFile{{path: "lib/liba", data: "a"}, {path: "lib64", link: "lib"}}})
	b := buildPackage(t, pkgs, testPkg{name: "b", version: "1", files: []testFile{{path: "lib64/libb", data: "b"}}})
	prefix := filepath.Join(tmp, "ok")
	if _, err := Apply(context.Background(), prefix, &Plan{Link: []Package{a, b}}, testOpts()); err != nil {
		t.Fatal(err)
	}
	if data, err := os.ReadFile(filepath.Join(prefix, "lib", "libb")); err != nil || string(data) != "b" {
		t.Errorf("lib/libb = %q, %v", data, err)
	}

	evil := buildPackage(t, pkgs, testPkg{name: "evil", version: "1", files: []testFile{
		{path: "d", link: "."}, {path: "e", link: "d/.."}, {path: "e/sub/evil", data: "outside!"},
	}})
	prefix = filepath.Join(tmp, "inner", "evil")
	if _, err := Apply(context.Background(), prefix, &Plan{Link: []Package{evil}}, testOpts()); err == nil {
		t.Fatal("writing through an escaping symlink chain succeeded")
	}
	if _, err := os.Stat(filepath.Join(tmp, "inner", "sub", "evil")); err == nil {
		t.Error("file written outside the prefix")
	}
}

func TestLinkUnsafePathsJSON(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	pkg := buildPackage(t, filepath.Join(tmp, "pkgs"), testPkg{name: "evil", version: "1", files: []testFile{{path: "ok", data: "x"}}})
	bad := `{"paths":[{"_path":"../../outside","path_type":"hardlink"}],"paths_version":1}`
	if err := os.WriteFile(filepath.Join(pkg.Dir, "info", "paths.json"), []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Apply(context.Background(), filepath.Join(tmp, "p"), &Plan{Link: []Package{pkg}}, testOpts())
	if !errors.Is(err, ErrUnsafePath) || !strings.Contains(err.Error(), "paths.json") {
		t.Fatalf("err = %v, want ErrUnsafePath naming paths.json", err)
	}
	if _, err := os.Stat(filepath.Join(tmp, "outside")); err == nil {
		t.Error("file written outside")
	}
}

func TestClobber(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	pkgs := filepath.Join(tmp, "pkgs")
	a := buildPackage(t, pkgs, testPkg{name: "a", version: "1", files: []testFile{{path: "share/same", data: "from a"}, {path: "share/a", data: "a"}}})
	b := buildPackage(t, pkgs, testPkg{name: "b", version: "1", files: []testFile{{path: "share/same", data: "from b"}}})
	t.Run("warn", func(t *testing.T) {
		prefix := filepath.Join(tmp, "warn")
		res, err := Apply(context.Background(), prefix, &Plan{Link: []Package{a, b}}, testOpts())
		if err != nil {
			t.Fatal(err)
		}
		want := Clobber{Path: "share/same", Old: "a-1-0", New: "b-1-0"}
		if len(res.Clobbers) != 1 || res.Clobbers[0] != want {
			t.Errorf("clobbers = %v, want %v", res.Clobbers, want)
		}
		if len(res.Warnings) == 0 || !strings.Contains(res.Warnings[0], "share/same") {
			t.Errorf("warnings = %v", res.Warnings)
		}
		if b, _ := os.ReadFile(filepath.Join(prefix, "share/same")); string(b) != "from b" {
			t.Errorf("later package did not win: %q", b)
		}
	})
	t.Run("refuse", func(t *testing.T) {
		prefix := filepath.Join(tmp, "refuse")
		opts := testOpts()
		opts.Clobber = ClobberRefuse
		_, err := Apply(context.Background(), prefix, &Plan{Link: []Package{a, b}}, opts)
		var ce *ClobberError
		if !errors.As(err, &ce) || len(ce.Clobbers) != 1 || !strings.Contains(err.Error(), "share/same") {
			t.Fatalf("err = %v", err)
		}
		if _, err := os.Stat(prefix); err == nil {
			t.Error("prefix created")
		}
	})
	t.Run("installed", func(t *testing.T) {
		prefix := filepath.Join(tmp, "installed")
		if _, err := Apply(context.Background(), prefix, &Plan{Link: []Package{a}}, testOpts()); err != nil {
			t.Fatal(err)
		}
		res, err := Apply(context.Background(), prefix, &Plan{Link: []Package{b}}, testOpts())
		if err != nil {
			t.Fatal(err)
		}
		want := Clobber{Path: "share/same", Old: "a-1-0", New: "b-1-0"}
		if len(res.Clobbers) != 1 || res.Clobbers[0] != want {
			t.Errorf("clobbers = %v", res.Clobbers)
		}
		if b, _ := os.ReadFile(filepath.Join(prefix, "share/same")); string(b) != "from b" {
			t.Errorf("later package did not win: %q", b)
		}
	})
}

func TestLinkCopyMode(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	pkg := buildPackage(t, filepath.Join(tmp, "pkgs"), testPkg{name: "c", version: "1", files: []testFile{{path: "f", data: "data"}}})
	prefix := filepath.Join(tmp, "p")
	opts := testOpts()
	opts.Copy = true
	res, err := Apply(context.Background(), prefix, &Plan{Link: []Package{pkg}}, opts)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := os.Stat(filepath.Join(prefix, "f"))
	b, _ := os.Stat(filepath.Join(pkg.Dir, "f"))
	if os.SameFile(a, b) {
		t.Error("Copy option hard-linked")
	}
	if res.Linked[0].Link.Type != LinkCopy {
		t.Errorf("link type %d, want copy", res.Linked[0].Link.Type)
	}
	if n, ok := linkCount(a); ok && n != 1 {
		t.Errorf("nlink = %d", n)
	}
}

func TestEntryPointScript(t *testing.T) {
	t.Parallel()
	ep, err := parseEntryPoint("moto_server = moto.server:main")
	if err != nil {
		t.Fatal(err)
	}
	got := string(ep.script("/opt/env/bin/python"))
	want := `#!/opt/env/bin/python
# -*- coding: utf-8 -*-
import re
import sys

from moto.server import main

if __name__ == '__main__':
    sys.argv[0] = re.sub(r'(-script\.pyw?|\.exe)?$', '', sys.argv[0])
    sys.exit(main())
`
	if got != want {
		t.Errorf("script:\n%s\nwant:\n%s", got, want)
	}
	long := "/" + strings.Repeat("d", 130) + "/bin/python"
	if s := string(ep.script(long)); !strings.HasPrefix(s, "#!/bin/sh\n'''exec' \""+long+"\" \"$0\" \"$@\" #'''\n") {
		t.Errorf("long shebang: %q", s[:80])
	}
	for _, bad := range []string{"noequals", "a = b", "../x = m:f", "x = m:", "x y = m:f"} {
		if _, err := parseEntryPoint(bad); err == nil {
			t.Errorf("parseEntryPoint(%q) accepted", bad)
		}
	}
	ep, err = parseEntryPoint("tool = pkg.cli:Main.run [extra]")
	if err != nil || ep.fn != "Main.run" {
		t.Errorf("dotted func: %+v %v", ep, err)
	}
	if !bytes.Contains(ep.script("/p/bin/python"), []byte("from pkg.cli import Main\n")) {
		t.Error("import name of a dotted function")
	}
}
