package archive

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func sampleFiles() []File {
	big := bytes.Repeat([]byte("0123456789abcdef"), 1<<14)
	return []File{
		{Path: "lib/libx.so.1", Mode: 0o755, Data: []byte("\x7fELF fake")},
		{Path: "lib/libx.so", Mode: fs.ModeSymlink, Linkname: "libx.so.1"},
		{Path: "share/empty", Mode: fs.ModeDir | 0o755},
		{Path: "share/big.bin", Mode: 0o644, Size: int64(len(big)),
			Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(big)), nil }},
		{Path: "info/index.json", Mode: 0o644, Data: []byte(`{"name":"libx","version":"1.0","build":"h0_0","build_number":0}`)},
		{Path: "info/paths.json", Mode: 0o644, Data: []byte(`{"paths":[],"paths_version":1}`)},
		{Path: "bin/" + strings.Repeat("long-name-", 15), Mode: 0o755, Data: []byte("#!/bin/sh\n")},
	}
}

func TestWriteRoundTripAndDeterminism(t *testing.T) {
	ctx := context.Background()
	for _, format := range []Format{FormatConda, FormatTarBz2} {
		t.Run(format.String(), func(t *testing.T) {
			t.Parallel()
			var a, b bytes.Buffer
			if err := Write(ctx, &a, format, sampleFiles(), nil); err != nil {
				t.Fatal(err)
			}
			// Same inputs in another order give the same bytes.
			rev := sampleFiles()
			for i, j := 0, len(rev)-1; i < j; i, j = i+1, j-1 {
				rev[i], rev[j] = rev[j], rev[i]
			}
			if err := Write(ctx, &b, format, rev, nil); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(a.Bytes(), b.Bytes()) {
				t.Fatalf("two writes of the same files differ (%d vs %d bytes)", a.Len(), b.Len())
			}
			dir := t.TempDir()
			pkg := filepath.Join(dir, "libx-1.0-h0_0"+format.Ext())
			if err := os.WriteFile(pkg, a.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			dst := filepath.Join(dir, "x")
			if err := Extract(ctx, pkg, dst, nil); err != nil {
				t.Fatal(err)
			}
			snap := snapshot(t, dst)
			for _, f := range sampleFiles() {
				got, ok := snap[f.Path]
				if !ok {
					t.Errorf("%s missing after extraction", f.Path)
					continue
				}
				switch {
				case f.Mode&fs.ModeSymlink != 0:
					if got.Kind != "l" || got.Link != f.Linkname {
						t.Errorf("%s = %+v, want link to %s", f.Path, got, f.Linkname)
					}
				case f.Mode.IsDir():
					if got.Kind != "d" {
						t.Errorf("%s = %+v, want a directory", f.Path, got)
					}
				default:
					data, _ := fileData(f)
					sum := sha256.Sum256(data)
					if got.Kind != "f" || got.Hash != hex.EncodeToString(sum[:]) || got.Mode != f.Mode.Perm() {
						t.Errorf("%s = %+v, want file mode %v", f.Path, got, f.Mode.Perm())
					}
				}
			}
			idx, err := ReadIndexJSON(ctx, pkg)
			if err != nil || !strings.Contains(string(idx), `"libx"`) {
				t.Fatalf("ReadIndexJSON = %q, %v", idx, err)
			}
			info, err := ReadInfo(ctx, pkg)
			if err != nil || len(info) != 2 {
				t.Fatalf("ReadInfo = %d files, %v; want index.json and paths.json", len(info), err)
			}
		})
	}
}

func TestWriteCondaLayout(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(context.Background(), &buf, FormatConda, sampleFiles(), nil); err != nil {
		t.Fatal(err)
	}
	r, size := bytesReaderAt(buf.Bytes())
	cz, err := openConda(r, size, DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	if cz.info.Name != "info-libx-1.0-h0_0.tar.zst" || cz.pkg.Name != "pkg-libx-1.0-h0_0.tar.zst" {
		t.Errorf("members %q, %q", cz.info.Name, cz.pkg.Name)
	}
	if cz.info.Flags&0x8 != 0 || cz.pkg.Flags&0x8 != 0 {
		t.Errorf("data descriptors used; sizes must be in the local headers")
	}
	if want := time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC); !cz.info.Modified.Equal(want) {
		t.Errorf("zip time %v, want %v", cz.info.Modified, want)
	}
}

func TestWriteErrors(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name   string
		format Format
		files  []File
		want   string
	}{
		{"conda without index.json", FormatConda, []File{{Path: "a", Data: []byte("a")}}, "info/index.json"},
		{"duplicate", FormatTarBz2, []File{{Path: "a"}, {Path: "./a"}}, "duplicate"},
		{"escaping path", FormatTarBz2, []File{{Path: "../a"}}, "invalid path"},
		{"symlink without target", FormatTarBz2, []File{{Path: "l", Mode: fs.ModeSymlink}}, "without target"},
		{"short Open", FormatTarBz2, []File{{Path: "a", Size: 10,
			Open: func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader("abc")), nil }}}, "a"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := Write(ctx, io.Discard, tc.format, tc.files, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Write = %v, want error containing %q", err, tc.want)
			}
		})
	}
}

func TestFormatOf(t *testing.T) {
	tests := []struct {
		name string
		want Format
		ok   bool
	}{
		{"zlib-1.2.11-h7b6447c_3.conda", FormatConda, true},
		{"zlib-1.2.11-h7b6447c_3.tar.bz2", FormatTarBz2, true},
		{"repodata.json", 0, false},
		{"x.tar.gz", 0, false},
	}
	for _, tc := range tests {
		got, err := FormatOf(tc.name)
		if got != tc.want || (err == nil) != tc.ok {
			t.Errorf("FormatOf(%q) = %v, %v", tc.name, got, err)
		}
	}
	if s, ok := TrimExt("a-1-0.tar.bz2"); s != "a-1-0" || !ok {
		t.Errorf("TrimExt = %q, %v", s, ok)
	}
}
