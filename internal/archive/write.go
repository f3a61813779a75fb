package archive

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"sort"
	"strings"
	"time"

	dbzip2 "github.com/dsnet/compress/bzip2"
	"github.com/klauspost/compress/zstd"
)

// File is one member given to [Write].
type File struct {
	// Path is the slash-separated path inside the package ("bin/python3",
	// "info/index.json").
	Path string
	// Mode holds the permission bits, plus fs.ModeSymlink for a symlink or
	// fs.ModeDir for a directory entry (only needed for empty directories).
	Mode fs.FileMode
	// Data is the content of a regular file when Open is nil.
	Data []byte
	// Open, when set, streams the content of a regular file, which must be
	// exactly Size bytes.
	Open func() (io.ReadCloser, error)
	// Size is the content length when Open is used.
	Size int64
	// Linkname is the target of a symlink.
	Linkname string
}

// WriteOptions tune [Write]. The zero value (or nil) gives the defaults.
type WriteOptions struct {
	// Level is the compression level: bzip2 1-9 (default 9) or zstd 1-22
	// (default 3, mapped onto the encoder's speed classes).
	Level int
	// ModTime is stored for every tar member (default the Unix epoch).
	// ZIP entries of a .conda always carry 1980-01-01T00:00:00Z.
	ModTime time.Time
}

// zipDOSDate is the fixed MS-DOS date of .conda ZIP entries, 1980-01-01
// (the earliest a ZIP can store), with time 00:00:00 and no extended
// timestamp field.
const zipDOSDate = 1<<5 | 1

// Write writes a package archive of the given format holding files to w.
// Output is deterministic: info/ members first, then the others, each group
// sorted by path; uid/gid 0, no user or group names, a fixed mtime, and (for
// .conda) fixed ZIP times with the member names derived from the name,
// version and build in info/index.json, which must be among files. Write
// does not close w.
func Write(ctx context.Context, w io.Writer, format Format, files []File, opts *WriteOptions) error {
	var o WriteOptions
	if opts != nil {
		o = *opts
	}
	if o.ModTime.IsZero() {
		o.ModTime = time.Unix(0, 0)
	}
	o.ModTime = o.ModTime.Truncate(time.Second)
	sorted, err := sortFiles(files)
	if err != nil {
		return err
	}
	var info, pkg []File
	for _, f := range sorted {
		if f.Path == "info" || strings.HasPrefix(f.Path, "info/") {
			info = append(info, f)
		} else {
			pkg = append(pkg, f)
		}
	}
	switch format {
	case FormatTarBz2:
		level := o.Level
		if level == 0 {
			level = 9
		}
		bz, err := dbzip2.NewWriter(w, &dbzip2.WriterConfig{Level: level})
		if err != nil {
			return fmt.Errorf("bzip2 writer: %w", err)
		}
		if err := writeTar(ctx, bz, sorted, o.ModTime); err != nil {
			return err
		}
		if err := bz.Close(); err != nil {
			return fmt.Errorf("closing bzip2 stream: %w", err)
		}
		return nil
	case FormatConda:
		dist, err := distOf(info)
		if err != nil {
			return err
		}
		return writeConda(ctx, w, dist, info, pkg, o)
	}
	return fmt.Errorf("format %v: %w", format, ErrUnknownFormat)
}

// sortFiles validates and orders files: info/ first, then by path.
func sortFiles(files []File) ([]File, error) {
	out := make([]File, len(files))
	seen := make(map[string]bool, len(files))
	for i, f := range files {
		name, err := cleanName(f.Path, 4096)
		if err != nil || name == "" {
			return nil, fmt.Errorf("file %q: invalid path: %w", f.Path, err)
		}
		if seen[name] {
			return nil, fmt.Errorf("file %q: duplicate path", f.Path)
		}
		seen[name] = true
		if f.Mode&fs.ModeSymlink != 0 && f.Linkname == "" {
			return nil, fmt.Errorf("file %q: symlink without target", f.Path)
		}
		f.Path = name
		out[i] = f
	}
	isInfo := func(p string) bool { return p == "info" || strings.HasPrefix(p, "info/") }
	sort.Slice(out, func(i, j int) bool {
		a, b := isInfo(out[i].Path), isInfo(out[j].Path)
		if a != b {
			return a
		}
		return out[i].Path < out[j].Path
	})
	return out, nil
}

// distOf returns name-version-build from info/index.json among files.
func distOf(info []File) (string, error) {
	for _, f := range info {
		if f.Path != "info/index.json" {
			continue
		}
		data, err := fileData(f)
		if err != nil {
			return "", err
		}
		var idx struct {
			Name    string `json:"name"`
			Version string `json:"version"`
			Build   string `json:"build"`
		}
		if err := json.Unmarshal(data, &idx); err != nil {
			return "", fmt.Errorf("parsing info/index.json: %w", err)
		}
		if idx.Name == "" || idx.Version == "" || idx.Build == "" {
			return "", fmt.Errorf("info/index.json lacks name, version or build")
		}
		return idx.Name + "-" + idx.Version + "-" + idx.Build, nil
	}
	return "", fmt.Errorf("a .conda needs info/index.json among its files")
}

func fileData(f File) ([]byte, error) {
	if f.Open == nil {
		return f.Data, nil
	}
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", f.Path, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", f.Path, err)
	}
	return b, nil
}

func writeTar(ctx context.Context, w io.Writer, files []File, mtime time.Time) error {
	tw := tar.NewWriter(w)
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return err
		}
		hdr := &tar.Header{
			Name:    f.Path,
			Mode:    int64(f.Mode.Perm()),
			ModTime: mtime,
		}
		switch {
		case f.Mode&fs.ModeSymlink != 0:
			hdr.Typeflag = tar.TypeSymlink
			hdr.Linkname = f.Linkname
			if hdr.Mode == 0 {
				hdr.Mode = 0o777
			}
		case f.Mode.IsDir():
			hdr.Typeflag = tar.TypeDir
			hdr.Name += "/"
		default:
			hdr.Typeflag = tar.TypeReg
			hdr.Size = int64(len(f.Data))
			if f.Open != nil {
				hdr.Size = f.Size
			}
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return fmt.Errorf("writing tar header for %s: %w", f.Path, err)
		}
		if hdr.Typeflag != tar.TypeReg {
			continue
		}
		if f.Open == nil {
			if _, err := tw.Write(f.Data); err != nil {
				return fmt.Errorf("writing %s: %w", f.Path, err)
			}
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return fmt.Errorf("opening %s: %w", f.Path, err)
		}
		n, err := io.Copy(tw, rc)
		rc.Close()
		if err == nil && n != f.Size {
			err = fmt.Errorf("got %d bytes, Size says %d", n, f.Size)
		}
		if err != nil {
			return fmt.Errorf("writing %s: %w", f.Path, err)
		}
	}
	if err := tw.Close(); err != nil {
		return fmt.Errorf("closing tar: %w", err)
	}
	return nil
}

func zstdLevel(level int) zstd.EncoderLevel {
	if level == 0 {
		level = 3
	}
	return zstd.EncoderLevelFromZstd(level)
}

// writeConda writes the ZIP: metadata.json, info-<dist>.tar.zst and
// pkg-<dist>.tar.zst, all stored, with sizes in the local headers (no data
// descriptors) so that streaming readers can follow them.
func writeConda(ctx context.Context, w io.Writer, dist string, info, pkg []File, o WriteOptions) error {
	zw := zip.NewWriter(w)
	add := func(name string, data []byte) error {
		hdr := &zip.FileHeader{
			Name:               name,
			Method:             zip.Store,
			ModifiedDate:       zipDOSDate,
			CRC32:              crc32.ChecksumIEEE(data),
			CompressedSize64:   uint64(len(data)),
			UncompressedSize64: uint64(len(data)),
		}
		hdr.SetMode(0o644)
		fw, err := zw.CreateRaw(hdr)
		if err != nil {
			return fmt.Errorf("adding %s: %w", name, err)
		}
		if _, err := fw.Write(data); err != nil {
			return fmt.Errorf("adding %s: %w", name, err)
		}
		return nil
	}
	tarZst := func(files []File) ([]byte, error) {
		var buf bytes.Buffer
		enc, err := zstd.NewWriter(&buf,
			zstd.WithEncoderLevel(zstdLevel(o.Level)),
			zstd.WithEncoderConcurrency(1),
		)
		if err != nil {
			return nil, fmt.Errorf("zstd writer: %w", err)
		}
		if err := writeTar(ctx, enc, files, o.ModTime); err != nil {
			enc.Close()
			return nil, err
		}
		if err := enc.Close(); err != nil {
			return nil, fmt.Errorf("closing zstd stream: %w", err)
		}
		return buf.Bytes(), nil
	}
	if err := add("metadata.json", []byte(`{"conda_pkg_format_version": 2}`)); err != nil {
		return err
	}
	infoData, err := tarZst(info)
	if err != nil {
		return fmt.Errorf("info-%s.tar.zst: %w", dist, err)
	}
	if err := add("info-"+dist+".tar.zst", infoData); err != nil {
		return err
	}
	pkgData, err := tarZst(pkg)
	if err != nil {
		return fmt.Errorf("pkg-%s.tar.zst: %w", dist, err)
	}
	if err := add("pkg-"+dist+".tar.zst", pkgData); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("closing zip: %w", err)
	}
	return nil
}
