package archive

import (
	"errors"
	"fmt"
	"strings"
)

// Format is a conda package archive format.
type Format int

const (
	// FormatTarBz2 is the legacy ".tar.bz2" format.
	FormatTarBz2 Format = iota + 1
	// FormatConda is the ".conda" (v2) format.
	FormatConda
)

// ErrUnknownFormat is returned (wrapped) for a file name that ends in
// neither ".conda" nor ".tar.bz2".
var ErrUnknownFormat = errors.New("not a .conda or .tar.bz2 file name")

// ErrUnsafe is wrapped by every error that refuses an archive member or
// archive structure for safety reasons (path escape, special file, limit
// exceeded, inconsistent ZIP, ...). Callers can test with errors.Is.
var ErrUnsafe = errors.New("unsafe archive")

// FormatOf returns the format implied by a package file name.
func FormatOf(name string) (Format, error) {
	switch {
	case strings.HasSuffix(name, ".conda"):
		return FormatConda, nil
	case strings.HasSuffix(name, ".tar.bz2"):
		return FormatTarBz2, nil
	}
	return 0, fmt.Errorf("%s: %w", name, ErrUnknownFormat)
}

// Ext returns the file name extension of the format, with the leading dot.
func (f Format) Ext() string {
	switch f {
	case FormatConda:
		return ".conda"
	case FormatTarBz2:
		return ".tar.bz2"
	}
	return ""
}

// String returns the extension without the dot ("conda", "tar.bz2").
func (f Format) String() string {
	if e := f.Ext(); e != "" {
		return e[1:]
	}
	return fmt.Sprintf("Format(%d)", int(f))
}

// TrimExt returns name without its package extension and true, or name and
// false when it has none.
func TrimExt(name string) (string, bool) {
	for _, ext := range []string{".conda", ".tar.bz2"} {
		if s, ok := strings.CutSuffix(name, ext); ok {
			return s, true
		}
	}
	return name, false
}

// Limits bound the resources an archive may consume. A zero field means the
// corresponding value of [DefaultLimits].
type Limits struct {
	// MaxEntries is the maximum number of tar members (all tars together).
	MaxEntries int
	// MaxFileSize is the maximum uncompressed size of one member.
	MaxFileSize int64
	// MaxTotalSize is the maximum total uncompressed size of all members.
	MaxTotalSize int64
	// MaxInfoFileSize is the maximum size of an info/ file read into memory
	// by [ReadInfo].
	MaxInfoFileSize int64
	// MaxZipEntries is the maximum number of entries of a .conda ZIP.
	MaxZipEntries int
	// MaxZstdWindow is the largest zstd window accepted (decoder memory).
	MaxZstdWindow uint64
	// MaxPathLength is the maximum length in bytes of a member name or link
	// target.
	MaxPathLength int
}

// DefaultLimits returns the limits used for zero fields: 1,000,000 members,
// 8 GiB per file, 32 GiB in total, 256 MiB per info file read into memory,
// 64 ZIP entries, a 128 MiB zstd window (libzstd's default limit) and
// 4096-byte names.
func DefaultLimits() Limits {
	return Limits{
		MaxEntries:      1_000_000,
		MaxFileSize:     8 << 30,
		MaxTotalSize:    32 << 30,
		MaxInfoFileSize: 256 << 20,
		MaxZipEntries:   64,
		MaxZstdWindow:   1 << 27,
		MaxPathLength:   4096,
	}
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxEntries <= 0 {
		l.MaxEntries = d.MaxEntries
	}
	if l.MaxFileSize <= 0 {
		l.MaxFileSize = d.MaxFileSize
	}
	if l.MaxTotalSize <= 0 {
		l.MaxTotalSize = d.MaxTotalSize
	}
	if l.MaxInfoFileSize <= 0 {
		l.MaxInfoFileSize = d.MaxInfoFileSize
	}
	if l.MaxZipEntries <= 0 {
		l.MaxZipEntries = d.MaxZipEntries
	}
	if l.MaxZstdWindow == 0 {
		l.MaxZstdWindow = d.MaxZstdWindow
	}
	if l.MaxPathLength <= 0 {
		l.MaxPathLength = d.MaxPathLength
	}
	return l
}
