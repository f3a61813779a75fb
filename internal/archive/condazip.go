package archive

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/klauspost/compress/zstd"
)

const (
	zipLocalSig      = 0x04034b50
	zipCentralSig    = 0x02014b50
	zipDescriptorSig = 0x08074b50
	zipLocalLen      = 30
	zip64ExtraID     = 0x0001
	maxMetadataSize  = 64 << 10
)

// condaZip is a validated .conda ZIP: its info and (optional) pkg members.
type condaZip struct {
	info *zip.File
	pkg  *zip.File
}

// openConda parses and validates the ZIP structure of a .conda file. It
// checks every local header against the central directory, so the members
// later read through archive/zip are exactly the bytes the central directory
// describes.
func openConda(r io.ReaderAt, size int64, lim Limits) (*condaZip, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, fmt.Errorf("reading zip directory: %w", err)
	}
	if len(zr.File) > lim.MaxZipEntries {
		return nil, fmt.Errorf("%d zip entries, limit %d: %w", len(zr.File), lim.MaxZipEntries, ErrUnsafe)
	}
	if len(zr.File) == 0 {
		return nil, fmt.Errorf("empty zip: %w", ErrUnsafe)
	}
	if err := checkLocalHeaders(r, size, zr.File); err != nil {
		return nil, err
	}
	cz := &condaZip{}
	seen := make(map[string]bool, len(zr.File))
	var infoDist, pkgDist string
	for _, f := range zr.File {
		if seen[f.Name] {
			return nil, fmt.Errorf("duplicate zip entry %q: %w", f.Name, ErrUnsafe)
		}
		seen[f.Name] = true
		if f.Flags&1 != 0 {
			return nil, fmt.Errorf("zip entry %q is encrypted: %w", f.Name, ErrUnsafe)
		}
		if f.Method != zip.Store && f.Method != zip.Deflate {
			return nil, fmt.Errorf("zip entry %q: compression method %d not supported: %w", f.Name, f.Method, ErrUnsafe)
		}
		switch {
		case f.Name == "metadata.json":
			if err := checkMetadata(f); err != nil {
				return nil, err
			}
		case strings.HasPrefix(f.Name, "info-") && strings.HasSuffix(f.Name, ".tar.zst"):
			if cz.info != nil {
				return nil, fmt.Errorf("second info member %q: %w", f.Name, ErrUnsafe)
			}
			cz.info = f
			infoDist = strings.TrimSuffix(strings.TrimPrefix(f.Name, "info-"), ".tar.zst")
		case strings.HasPrefix(f.Name, "pkg-") && strings.HasSuffix(f.Name, ".tar.zst"):
			if cz.pkg != nil {
				return nil, fmt.Errorf("second pkg member %q: %w", f.Name, ErrUnsafe)
			}
			cz.pkg = f
			pkgDist = strings.TrimSuffix(strings.TrimPrefix(f.Name, "pkg-"), ".tar.zst")
		}
		// Other entries are ignored: never extracted, but validated above.
	}
	if cz.info == nil {
		return nil, fmt.Errorf("no info-*.tar.zst member: %w", ErrUnsafe)
	}
	if cz.pkg != nil && pkgDist != infoDist {
		return nil, fmt.Errorf("members %q and %q name different packages: %w", cz.info.Name, cz.pkg.Name, ErrUnsafe)
	}
	return cz, nil
}

func checkMetadata(f *zip.File) error {
	if f.UncompressedSize64 > maxMetadataSize {
		return fmt.Errorf("metadata.json is %d bytes: %w", f.UncompressedSize64, ErrUnsafe)
	}
	rc, err := f.Open()
	if err != nil {
		return fmt.Errorf("opening metadata.json: %w", err)
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, maxMetadataSize+1))
	if err != nil {
		return fmt.Errorf("reading metadata.json: %w", err)
	}
	var md struct {
		Version *int `json:"conda_pkg_format_version"`
	}
	if err := json.Unmarshal(data, &md); err != nil {
		return fmt.Errorf("parsing metadata.json: %w", err)
	}
	if md.Version == nil || *md.Version != 2 {
		return fmt.Errorf("metadata.json: unsupported conda_pkg_format_version (want 2): %w", ErrUnsafe)
	}
	return nil
}

// checkLocalHeaders walks the local file headers from offset 0 and requires
// them to tile the file up to the central directory: each entry's local
// header starts where the previous entry's data (and data descriptor) ends,
// and agrees with its central directory record on name, method, flags, CRC
// and sizes.
func checkLocalHeaders(r io.ReaderAt, size int64, files []*zip.File) error {
	type ent struct {
		f   *zip.File
		off int64
	}
	ents := make([]ent, 0, len(files))
	for _, f := range files {
		off, err := f.DataOffset()
		if err != nil {
			return fmt.Errorf("zip entry %q: %w", f.Name, err)
		}
		ents = append(ents, ent{f, off})
	}
	sort.Slice(ents, func(i, j int) bool { return ents[i].off < ents[j].off })
	var pos int64
	var hdr [zipLocalLen]byte
	for _, e := range ents {
		f := e.f
		bad := func(what string) error {
			return fmt.Errorf("zip entry %q: local header %s disagrees with central directory: %w", f.Name, what, ErrUnsafe)
		}
		if _, err := r.ReadAt(hdr[:], pos); err != nil {
			return fmt.Errorf("zip entry %q: reading local header at %d: %w", f.Name, pos, err)
		}
		if binary.LittleEndian.Uint32(hdr[0:]) != zipLocalSig {
			return fmt.Errorf("zip entry %q: no local header at offset %d (gap or overlap): %w", f.Name, pos, ErrUnsafe)
		}
		flags := binary.LittleEndian.Uint16(hdr[6:])
		method := binary.LittleEndian.Uint16(hdr[8:])
		crc := binary.LittleEndian.Uint32(hdr[14:])
		csize := uint64(binary.LittleEndian.Uint32(hdr[18:]))
		usize := uint64(binary.LittleEndian.Uint32(hdr[22:]))
		nameLen := int64(binary.LittleEndian.Uint16(hdr[26:]))
		extraLen := int64(binary.LittleEndian.Uint16(hdr[28:]))
		varLen := nameLen + extraLen
		if pos+zipLocalLen+varLen > size {
			return fmt.Errorf("zip entry %q: truncated local header: %w", f.Name, ErrUnsafe)
		}
		buf := make([]byte, varLen)
		if _, err := r.ReadAt(buf, pos+zipLocalLen); err != nil {
			return fmt.Errorf("zip entry %q: reading local header: %w", f.Name, err)
		}
		if string(buf[:nameLen]) != f.Name {
			return bad(fmt.Sprintf("name %q", buf[:nameLen]))
		}
		if pos+zipLocalLen+varLen != e.off {
			return bad("data offset")
		}
		if method != f.Method {
			return bad("method")
		}
		if flags&^0x0800 != f.Flags&^0x0800 { // bit 11 (UTF-8) may differ
			return bad("flags")
		}
		zip64 := false
		extra := buf[nameLen:]
		for len(extra) >= 4 {
			id := binary.LittleEndian.Uint16(extra)
			n := int(binary.LittleEndian.Uint16(extra[2:]))
			if 4+n > len(extra) {
				return fmt.Errorf("zip entry %q: malformed local extra field: %w", f.Name, ErrUnsafe)
			}
			if id == zip64ExtraID {
				zip64 = true
				fld := extra[4 : 4+n]
				if usize == 0xFFFFFFFF && len(fld) >= 8 {
					usize = binary.LittleEndian.Uint64(fld)
					fld = fld[8:]
				}
				if csize == 0xFFFFFFFF && len(fld) >= 8 {
					csize = binary.LittleEndian.Uint64(fld)
				}
			}
			extra = extra[4+n:]
		}
		end := e.off + int64(f.CompressedSize64)
		if end < e.off || end > size {
			return fmt.Errorf("zip entry %q: data runs past end of file: %w", f.Name, ErrUnsafe)
		}
		if flags&0x8 == 0 {
			if crc != f.CRC32 {
				return bad("crc32")
			}
			if csize != f.CompressedSize64 || usize != f.UncompressedSize64 {
				return bad("sizes")
			}
		} else {
			// Data descriptor: optional signature, crc32, then sizes of 4 or
			// 8 bytes each.
			var d [24]byte
			n, _ := r.ReadAt(d[:], end)
			p := 0
			if n >= 4 && binary.LittleEndian.Uint32(d[:]) == zipDescriptorSig {
				p = 4
			}
			w := 4
			if zip64 || f.CompressedSize64 >= 0xFFFFFFFF || f.UncompressedSize64 >= 0xFFFFFFFF {
				w = 8
			}
			if n < p+4+2*w {
				return fmt.Errorf("zip entry %q: truncated data descriptor: %w", f.Name, ErrUnsafe)
			}
			if binary.LittleEndian.Uint32(d[p:]) != f.CRC32 {
				return bad("data descriptor crc32")
			}
			var dc, du uint64
			if w == 4 {
				dc = uint64(binary.LittleEndian.Uint32(d[p+4:]))
				du = uint64(binary.LittleEndian.Uint32(d[p+8:]))
			} else {
				dc = binary.LittleEndian.Uint64(d[p+4:])
				du = binary.LittleEndian.Uint64(d[p+12:])
			}
			if dc != f.CompressedSize64 || du != f.UncompressedSize64 {
				return bad("data descriptor sizes")
			}
			end += int64(p + 4 + 2*w)
		}
		pos = end
	}
	var sig [4]byte
	if _, err := r.ReadAt(sig[:], pos); err != nil || binary.LittleEndian.Uint32(sig[:]) != zipCentralSig {
		return fmt.Errorf("unaccounted data at offset %d before the zip central directory: %w", pos, ErrUnsafe)
	}
	return nil
}

// newZstdReader returns a single-goroutine zstd decoder bounded by lim.
// The caller must Close it.
func newZstdReader(lim Limits) (*zstd.Decoder, error) {
	return zstd.NewReader(nil,
		zstd.WithDecoderConcurrency(1),
		zstd.WithDecoderMaxWindow(lim.MaxZstdWindow),
		zstd.WithDecoderMaxMemory(lim.MaxZstdWindow),
	)
}

// openZstdMember opens a .tar.zst member of a validated .conda and calls fn
// with the decompressed tar stream. dec is reset onto the member, so one
// decoder (and its window-sized history buffer, 128 MiB for conda-forge
// packages) serves both members of an archive.
func openZstdMember(f *zip.File, dec *zstd.Decoder, fn func(io.Reader) error) error {
	rc, err := f.Open()
	if err != nil {
		return fmt.Errorf("opening %s: %w", f.Name, err)
	}
	defer rc.Close()
	if err := dec.Reset(rc); err != nil {
		return fmt.Errorf("%s: %w", f.Name, err)
	}
	if err := fn(dec); err != nil {
		return fmt.Errorf("%s: %w", f.Name, err)
	}
	// Drain so that the CRC of a stored member is verified even when fn
	// stopped at the tar end-of-archive marker.
	if _, err := io.Copy(io.Discard, rc); err != nil {
		return fmt.Errorf("%s: %w", f.Name, err)
	}
	return nil
}

// bytesReaderAt adapts a byte slice for fuzzing and tests.
func bytesReaderAt(b []byte) (io.ReaderAt, int64) { return bytes.NewReader(b), int64(len(b)) }
