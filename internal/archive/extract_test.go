package archive

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"
)

func TestTarTraversalCorpusRefused(t *testing.T) {
	dir := filepath.Join(corpusDir(t), "conda", "tests", "data", "tar_traversal")
	files, err := filepath.Glob(filepath.Join(dir, "*.tar"))
	if err != nil || len(files) != 8 {
		t.Fatalf("want the 8 tar_traversal archives, got %d (%v)", len(files), err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			parent := t.TempDir()
			dst := filepath.Join(parent, "dst")
			err = ExtractTar(context.Background(), bytes.NewReader(data), dst, nil)
			if !errors.Is(err, ErrUnsafe) {
				t.Fatalf("ExtractTar(%s) = %v, want ErrUnsafe", file, err)
			}
			assertOnlyChild(t, parent, "dst")
		})
	}
}

func TestSyntheticAttacksRefused(t *testing.T) {
	tests := []struct {
		name string
		ents []tarEntry
		opts *ExtractOptions
		want string // substring of the error
	}{
		{"dotdot", []tarEntry{{name: "a/../../x", data: "x"}}, nil, "'..'"},
		{"absolute", []tarEntry{{name: "/etc/x", data: "x"}}, nil, "absolute"},
		{"backslash", []tarEntry{{name: `..\x`, data: "x"}}, nil, "backslash"},
		{"abs symlink", []tarEntry{{name: "l", typ: tar.TypeSymlink, link: "/etc/passwd"}}, nil, "absolute"},
		{"escaping symlink", []tarEntry{{name: "a/l", typ: tar.TypeSymlink, link: "../../x"}}, nil, "escapes"},
		{"symlink chain escape", []tarEntry{
			{name: "cur", typ: tar.TypeSymlink, link: "."},
			{name: "par", typ: tar.TypeSymlink, link: "cur/.."},
		}, nil, "escapes"},
		{"symlink escape made by a later link", []tarEntry{
			{name: "par", typ: tar.TypeSymlink, link: "cur/.."},
			{name: "cur", typ: tar.TypeSymlink, link: "."},
		}, nil, "escapes"},
		{"symlink loop", []tarEntry{
			{name: "a", typ: tar.TypeSymlink, link: "b"},
			{name: "b", typ: tar.TypeSymlink, link: "a/x"},
		}, nil, "too many levels"},
		{"write through inner symlink", []tarEntry{
			{name: "d/f", data: "x"},
			{name: "l", typ: tar.TypeSymlink, link: "d"},
			{name: "l/g", data: "y"},
		}, nil, "through symlink"},
		{"file replaces symlink", []tarEntry{
			{name: "f", data: "x"},
			{name: "l", typ: tar.TypeSymlink, link: "f"},
			{name: "l", data: "y"},
		}, nil, "duplicate"},
		{"duplicate file", []tarEntry{{name: "f", data: "x"}, {name: "./f", data: "y"}}, nil, "duplicate"},
		{"case collision", []tarEntry{{name: "Foo", data: "x"}, {name: "foo", data: "y"}}, nil, "case-insensitive"},
		{"case collision of dirs", []tarEntry{{name: "E/x", data: "x"}, {name: "e/x", data: "y"}}, nil, "case-insensitive"},
		{"hardlink outside", []tarEntry{{name: "h", typ: tar.TypeLink, link: "../etc/passwd"}}, nil, "'..'"},
		{"hardlink absolute", []tarEntry{{name: "h", typ: tar.TypeLink, link: "/etc/passwd"}}, nil, "absolute"},
		{"hardlink to missing", []tarEntry{{name: "h", typ: tar.TypeLink, link: "nope"}}, nil, "not an earlier regular file"},
		{"hardlink to symlink", []tarEntry{
			{name: "f", data: "x"},
			{name: "l", typ: tar.TypeSymlink, link: "f"},
			{name: "h", typ: tar.TypeLink, link: "l"},
		}, nil, "not an earlier regular file"},
		{"fifo", []tarEntry{{name: "p", typ: tar.TypeFifo}}, nil, "special"},
		{"char device", []tarEntry{{name: "c", typ: tar.TypeChar}}, nil, "special"},
		{"block device", []tarEntry{{name: "b", typ: tar.TypeBlock}}, nil, "special"},
		{"file as parent", []tarEntry{{name: "f", data: "x"}, {name: "f/g", data: "y"}}, nil, "is a file"},
		{"file too big", []tarEntry{{name: "f", data: strings.Repeat("x", 100)}},
			&ExtractOptions{Limits: Limits{MaxFileSize: 99}}, "limit"},
		{"total too big", []tarEntry{{name: "f", data: strings.Repeat("x", 60)}, {name: "g", data: strings.Repeat("x", 60)}},
			&ExtractOptions{Limits: Limits{MaxTotalSize: 100}}, "limit"},
		{"too many entries", []tarEntry{{name: "a", data: ""}, {name: "b", data: ""}, {name: "c", data: ""}},
			&ExtractOptions{Limits: Limits{MaxEntries: 2}}, "more than 2"},
		{"name too long", []tarEntry{{name: strings.Repeat("a/", 100) + "f", data: ""}},
			&ExtractOptions{Limits: Limits{MaxPathLength: 100}}, "member name of"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			data := makeTar(t, tc.ents)
			parent := t.TempDir()
			dst := filepath.Join(parent, "dst")
			err := ExtractTar(context.Background(), bytes.NewReader(data), dst, tc.opts)
			if !errors.Is(err, ErrUnsafe) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("ExtractTar = %v, want ErrUnsafe containing %q", err, tc.want)
			}
			assertOnlyChild(t, parent, "dst")
		})
	}
}

func TestSyntheticAccepted(t *testing.T) {
	ents := []tarEntry{
		{name: "./info/index.json", data: `{}`},
		{name: "bin/", typ: tar.TypeDir, mode: 0o7755},
		{name: "bin/tool", data: "#!/bin/sh\n", mode: 0o6755},
		{name: "bin/tool2", typ: tar.TypeLink, link: "bin/tool"},
		{name: "lib/libz.so.1.2", data: "elf"},
		{name: "lib/libz.so", typ: tar.TypeSymlink, link: "libz.so.1.2"},
		{name: "lib/dangling", typ: tar.TypeSymlink, link: "../share/provided-by-another-package"},
		{name: "lib64", typ: tar.TypeSymlink, link: "lib"},
		{name: "share/up", typ: tar.TypeSymlink, link: "../lib64/libz.so"},
		{name: "share/sticky", data: "s", mode: 0o1777},
		{name: "share/terminfo/E/Eterm", data: "E"},
	}
	dst := filepath.Join(t.TempDir(), "dst")
	if err := ExtractTar(context.Background(), bytes.NewReader(makeTar(t, ents)), dst, nil); err != nil {
		t.Fatal(err)
	}
	got := snapshot(t, dst)
	want := map[string]struct {
		kind string
		mode fs.FileMode
		link string
	}{
		"info":                   {"d", 0, ""},
		"info/index.json":        {"f", 0o644, ""},
		"bin":                    {"d", 0, ""},
		"bin/tool":               {"f", 0o755, ""},
		"bin/tool2":              {"f", 0o755, ""},
		"lib":                    {"d", 0, ""},
		"lib/libz.so.1.2":        {"f", 0o644, ""},
		"lib/libz.so":            {"l", 0, "libz.so.1.2"},
		"lib/dangling":           {"l", 0, "../share/provided-by-another-package"},
		"lib64":                  {"l", 0, "lib"},
		"share":                  {"d", 0, ""},
		"share/up":               {"l", 0, "../lib64/libz.so"},
		"share/sticky":           {"f", 0o777, ""},
		"share/terminfo":         {"d", 0, ""},
		"share/terminfo/E":       {"d", 0, ""},
		"share/terminfo/E/Eterm": {"f", 0o644, ""},
	}
	if len(got) != len(want) {
		t.Errorf("got %d paths, want %d: %v", len(got), len(want), got)
	}
	for p, w := range want {
		g, ok := got[p]
		if !ok {
			t.Errorf("%s missing", p)
			continue
		}
		if g.Kind != w.kind || g.Mode != w.mode || g.Link != w.link {
			t.Errorf("%s = %+v, want kind %s mode %v link %q", p, g, w.kind, w.mode, w.link)
		}
	}

	// With AllowCaseCollisions, ncurses-style E/ and e/ directories pass.
	ci := makeTar(t, []tarEntry{{name: "t/E/Eterm", data: "E"}, {name: "t/e/eterm", data: "e"}})
	dst2 := filepath.Join(t.TempDir(), "dst")
	if err := ExtractTar(context.Background(), bytes.NewReader(ci), dst2, &ExtractOptions{AllowCaseCollisions: true}); err != nil {
		t.Fatalf("AllowCaseCollisions: %v", err)
	}
}

func TestExtractRefusesNonEmptyDestination(t *testing.T) {
	dst := t.TempDir()
	if err := os.WriteFile(filepath.Join(dst, "x"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	err := ExtractTar(context.Background(), bytes.NewReader(makeTar(t, []tarEntry{{name: "a", data: "a"}})), dst, nil)
	if err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Fatalf("got %v, want a not-empty error", err)
	}
}

// TestZlibBothFormats extracts the same real zlib build in both formats and
// requires the same files, contents, modes and links.
func TestZlibBothFormats(t *testing.T) {
	base := filepath.Join(corpusDir(t), "conda", "tests", "data", "conda_format_repo")
	for _, stem := range []string{
		"linux-64/zlib-1.2.11-h7b6447c_3",
		"osx-64/zlib-1.2.11-h1de35cc_3",
		"win-32/zlib-1.2.11-h62dcd97_3",
		"win-64/zlib-1.2.11-h62dcd97_3",
	} {
		t.Run(stem, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			a := filepath.Join(t.TempDir(), "conda")
			b := filepath.Join(t.TempDir(), "bz2")
			if err := Extract(ctx, filepath.Join(base, stem+".conda"), a, nil); err != nil {
				t.Fatal(err)
			}
			if err := Extract(ctx, filepath.Join(base, stem+".tar.bz2"), b, nil); err != nil {
				t.Fatal(err)
			}
			sa, sb := snapshot(t, a), snapshot(t, b)
			// In the corpus copies of the unix builds the library symlinks
			// are broken: empty regular files in the .tar.bz2, symlinks with
			// empty targets in the .conda (skipped, as conda does). They
			// must be the only difference.
			const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
			for _, p := range brokenLinks[stem] {
				if _, ok := sa[p]; ok {
					t.Errorf("%s: empty-target symlink was extracted", p)
				}
				if sb[p].Kind != "f" || sb[p].Hash != emptySHA256 {
					t.Errorf("%s: want an empty file in the .tar.bz2, got %+v", p, sb[p])
				}
				delete(sb, p)
			}
			if !reflect.DeepEqual(sa, sb) {
				for p := range sa {
					if sa[p] != sb[p] {
						t.Errorf("%s: .conda %+v, .tar.bz2 %+v", p, sa[p], sb[p])
					}
				}
				for p := range sb {
					if _, ok := sa[p]; !ok {
						t.Errorf("%s only in .tar.bz2", p)
					}
				}
			}
			if _, ok := sa["info/paths.json"]; !ok {
				t.Errorf("no info/paths.json extracted")
			}
			if len(sa) < 8 {
				t.Errorf("only %d paths extracted", len(sa))
			}
		})
	}
}

// brokenLinks lists the empty-target symlinks of the corpus zlib .conda files.
var brokenLinks = map[string][]string{
	"linux-64/zlib-1.2.11-h7b6447c_3": {"lib/libz.so", "lib/libz.so.1"},
	"osx-64/zlib-1.2.11-h1de35cc_3":   {"lib/libz.dylib", "lib/libz.1.dylib"},
}

// corruptCorpus lists corpus archives that must be refused.
var corruptCorpus = map[string]bool{
	// 0 bytes, and "not_a_valid_bz2\n".
	"conda-index/tests/index_data/corrupt/noarch/another_bad_package.conda": true,
	"conda-index/tests/index_data/corrupt/noarch/bad_package.tar.bz2":       true,
	// Re-zipped by a desktop tool: members nested under
	// Users/.../ca-certificates-2024.7.4-hbcca054_0/ and deflated, so
	// there is no top-level info-*.tar.zst.
	"rattler/crates/rattler_package_streaming/tests/resources/ca-certificates-2024.7.4-hbcca054_0.conda": true,
}

// TestCorpusArchives extracts every real archive in the corpus, checks that
// ReadIndexJSON and ReadInfo agree with the extracted info/ files, and that
// the corrupt ones fail with an error naming the file.
func TestCorpusArchives(t *testing.T) {
	root := corpusDir(t)
	var files []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && (strings.HasSuffix(p, ".conda") || strings.HasSuffix(p, ".tar.bz2")) {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 200 {
		t.Fatalf("found only %d archives in the corpus", len(files))
	}
	ctx := context.Background()
	for _, file := range files {
		rel, _ := filepath.Rel(root, file)
		rel = filepath.ToSlash(rel)
		t.Run(rel, func(t *testing.T) {
			t.Parallel()
			dst := filepath.Join(t.TempDir(), "dst")
			err := Extract(ctx, file, dst, &ExtractOptions{AllowCaseCollisions: false})
			if corruptCorpus[rel] {
				if err == nil || !strings.Contains(err.Error(), file) {
					t.Fatalf("corrupt archive: got %v, want an error naming %s", err, file)
				}
				if _, err := ReadIndexJSON(ctx, file); err == nil || !strings.Contains(err.Error(), file) {
					t.Fatalf("ReadIndexJSON of corrupt archive: got %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			onDisk, haveIndex := os.ReadFile(filepath.Join(dst, "info", "index.json"))
			idx, err := ReadIndexJSON(ctx, file)
			if haveIndex != nil {
				// Non-package tarballs (repodata.tar.bz2, a.tar.bz2) have no index.
				if !errors.Is(err, ErrNoIndexJSON) {
					t.Fatalf("ReadIndexJSON without index.json: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(idx, onDisk) {
				t.Fatalf("ReadIndexJSON differs from the extracted info/index.json")
			}
			var m map[string]any
			if err := json.Unmarshal(idx, &m); err != nil {
				t.Fatalf("index.json: %v", err)
			}
			all, err := ReadInfo(ctx, file)
			if err != nil {
				t.Fatal(err)
			}
			for name, data := range all {
				disk, err := os.ReadFile(filepath.Join(dst, "info", filepath.FromSlash(name)))
				if err != nil || !bytes.Equal(disk, data) {
					t.Errorf("ReadInfo %s differs from disk (%v)", name, err)
				}
			}
		})
	}
}

// buildConda assembles a .conda by hand so tests can corrupt its structure.
type zipMember struct {
	name string
	data []byte
}

func tarZst(t testing.TB, ents []tarEntry, opts ...zstd.EOption) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc, err := zstd.NewWriter(&buf, opts...)
	if err != nil {
		t.Fatal(err)
	}
	enc.Write(makeTar(t, ents))
	if err := enc.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func buildZip(t testing.TB, members []zipMember) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, m := range members {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: m.name, Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(m.data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestCondaStructureRefused(t *testing.T) {
	meta := zipMember{"metadata.json", []byte(`{"conda_pkg_format_version": 2}`)}
	info := zipMember{"info-x-1-0.tar.zst", tarZst(t, []tarEntry{{name: "info/index.json", data: `{"name":"x"}`}})}
	pkg := zipMember{"pkg-x-1-0.tar.zst", tarZst(t, []tarEntry{{name: "lib/a", data: "a"}})}
	good := buildZip(t, []zipMember{meta, info, pkg})

	// A local header whose name differs from the central directory's.
	renamed := bytes.Clone(good)
	i := bytes.Index(renamed, []byte("pkg-x-1-0.tar.zst"))
	copy(renamed[i:], "pkg-y")
	// Hidden bytes between entries.
	gap := buildZipWithGap(t, []zipMember{meta, info, pkg})

	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"duplicate entry", buildZip(t, []zipMember{meta, info, pkg, pkg}), "pkg-x-1-0.tar.zst"},
		{"local header name mismatch", renamed, "disagrees"},
		{"hidden data", gap, "offset"},
		{"no info member", buildZip(t, []zipMember{meta, pkg}), "no info"},
		{"two info members", buildZip(t, []zipMember{meta, info, {"info-y-1-0.tar.zst", info.data}}), "second info"},
		{"wrong format version", buildZip(t, []zipMember{{"metadata.json", []byte(`{"conda_pkg_format_version": 3}`)}, info, pkg}), "conda_pkg_format_version"},
		{"pkg member of another package", buildZip(t, []zipMember{meta, info, {"pkg-y-1-0.tar.zst", pkg.data}}), "different packages"},
		{"pkg tar overwrites info", buildZip(t, []zipMember{meta, info,
			{"pkg-x-1-0.tar.zst", tarZst(t, []tarEntry{{name: "info/index.json", data: "{}"}})}}), "duplicate"},
		{"info tar writes outside info", buildZip(t, []zipMember{meta,
			{"info-x-1-0.tar.zst", tarZst(t, []tarEntry{{name: "bin/evil", data: "x"}})}, pkg}), "outside info/"},
		{"too many entries", buildZip(t, manyMembers(meta, info, pkg, 70)), "zip entries"},
		{"zstd window over limit", buildZip(t, []zipMember{meta, info,
			{"pkg-x-1-0.tar.zst", withZstdWindowLog(t, tarZst(t, []tarEntry{{name: "lib/a", data: "a"}},
				zstd.WithSingleSegment(false)), 28)}}), "window"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			parent := t.TempDir()
			dst := filepath.Join(parent, "dst")
			err := ExtractConda(context.Background(), bytes.NewReader(tc.data), int64(len(tc.data)), dst, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("ExtractConda = %v, want error containing %q", err, tc.want)
			}
			assertOnlyChild(t, parent, "dst")
		})
	}
	// The unmodified archive extracts.
	dst := filepath.Join(t.TempDir(), "dst")
	if err := ExtractConda(context.Background(), bytes.NewReader(good), int64(len(good)), dst, nil); err != nil {
		t.Fatalf("good archive: %v", err)
	}
}

func manyMembers(meta, info, pkg zipMember, n int) []zipMember {
	ms := []zipMember{meta, info, pkg}
	for i := 0; len(ms) < n; i++ {
		ms = append(ms, zipMember{name: "extra/" + strings.Repeat("x", i+1)})
	}
	return ms
}

// buildZipWithGap writes a ZIP preceded by 16 bytes that no entry accounts
// for (the offsets in the central directory include them, as for a
// self-extracting prefix).
func buildZipWithGap(t testing.TB, members []zipMember) []byte {
	t.Helper()
	var buf bytes.Buffer
	buf.Write(make([]byte, 16))
	zw := zip.NewWriter(&buf)
	zw.SetOffset(16)
	for _, m := range members {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: m.name, Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(m.data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// withZstdWindowLog rewrites the header of a single zstd frame (as written by
// the klauspost encoder: no dictionary, optional content size) to declare a
// window of 1<<log bytes and no content size.
func withZstdWindowLog(t testing.TB, frame []byte, log int) []byte {
	t.Helper()
	fhd := frame[4]
	if fhd&0x20 != 0 || fhd&0x03 != 0 {
		t.Fatalf("unexpected zstd frame header descriptor %#x", fhd)
	}
	fcsLen := []int{0, 2, 4, 8}[fhd>>6]
	rest := frame[4+1+1+fcsLen:]
	out := append([]byte{}, frame[:4]...)
	out = append(out, fhd&0x3f, byte((log-10)<<3))
	return append(out, rest...)
}
