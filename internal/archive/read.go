package archive

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	dbzip2 "github.com/dsnet/compress/bzip2"
)

// ErrNoIndexJSON is returned (wrapped) by [ReadIndexJSON] for an archive
// without info/index.json.
var ErrNoIndexJSON = errors.New("no info/index.json")

// ReadIndexJSON returns the raw bytes of info/index.json of the package at
// path. For a .conda only the info member is decompressed; for a .tar.bz2
// reading stops once index.json is found.
func ReadIndexJSON(ctx context.Context, path string) ([]byte, error) {
	m, err := ReadInfo(ctx, path, "index.json")
	if err != nil {
		return nil, err
	}
	b, ok := m["index.json"]
	if !ok {
		return nil, fmt.Errorf("%s: %w", path, ErrNoIndexJSON)
	}
	return b, nil
}

// ReadInfo returns files from the info/ directory of the package at path,
// keyed by their name relative to info/ ("index.json", "paths.json",
// "recipe/meta.yaml"). With names, only those files are read and reading
// stops as soon as all are found; names not in the archive are absent from
// the map. Without names every regular info/ file is returned; for a
// .tar.bz2 reading stops at the first non-info member after the info/ ones.
// Each file is limited to [Limits].MaxInfoFileSize. The caller owns the map.
func ReadInfo(ctx context.Context, path string, names ...string) (map[string][]byte, error) {
	format, err := FormatOf(path)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading info of %s: %w", path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("reading info of %s: %w", path, err)
	}
	m, err := ReadInfoFrom(ctx, f, st.Size(), format, Limits{}, names...)
	if err != nil {
		return nil, fmt.Errorf("reading info of %s: %w", path, err)
	}
	return m, nil
}

// ReadInfoFrom is [ReadInfo] on an archive of the given format read from r
// (size bytes), with explicit limits (zero fields take [DefaultLimits]).
func ReadInfoFrom(ctx context.Context, r io.ReaderAt, size int64, format Format, lim Limits, names ...string) (map[string][]byte, error) {
	lim = lim.withDefaults()
	want := make(map[string]bool, len(names))
	for _, n := range names {
		want[strings.TrimPrefix(n, "info/")] = true
	}
	out := map[string][]byte{}
	switch format {
	case FormatConda:
		cz, err := openConda(r, size, lim)
		if err != nil {
			return nil, err
		}
		dec, err := newZstdReader(lim)
		if err != nil {
			return nil, err
		}
		defer dec.Close()
		err = openZstdMember(cz.info, dec, func(r io.Reader) error {
			return readInfoTar(ctx, r, want, lim, out)
		})
		if err != nil {
			return nil, err
		}
	case FormatTarBz2:
		bz, err := dbzip2.NewReader(io.NewSectionReader(r, 0, size), nil)
		if err != nil {
			return nil, fmt.Errorf("bzip2: %w", err)
		}
		defer bz.Close()
		if err := readInfoTar(ctx, bz, want, lim, out); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("format %v: %w", format, ErrUnknownFormat)
	}
	return out, nil
}

func readInfoTar(ctx context.Context, r io.Reader, want map[string]bool, lim Limits, out map[string][]byte) error {
	tr := tar.NewReader(r)
	seenInfo := false
	entries := 0
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		hdr, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("reading tar: %w", err)
		}
		entries++
		if entries > lim.MaxEntries {
			return fmt.Errorf("more than %d members: %w", lim.MaxEntries, ErrUnsafe)
		}
		name, err := cleanName(hdr.Name, lim.MaxPathLength)
		if err != nil {
			return err
		}
		rel, ok := strings.CutPrefix(name, "info/")
		if !ok {
			if seenInfo && len(want) == 0 {
				return nil
			}
			continue
		}
		seenInfo = true
		if hdr.Typeflag != tar.TypeReg && hdr.Typeflag != tar.TypeRegA {
			continue
		}
		if len(want) > 0 && !want[rel] {
			continue
		}
		if _, dup := out[rel]; dup {
			return fmt.Errorf("member %q: duplicate: %w", hdr.Name, ErrUnsafe)
		}
		if hdr.Size < 0 || hdr.Size > lim.MaxInfoFileSize {
			return fmt.Errorf("member %q: size %d over the %d limit: %w", hdr.Name, hdr.Size, lim.MaxInfoFileSize, ErrUnsafe)
		}
		data := make([]byte, hdr.Size)
		if _, err := io.ReadFull(tr, data); err != nil {
			return fmt.Errorf("member %q: %w", hdr.Name, err)
		}
		out[rel] = data
		if len(want) > 0 && len(out) == len(want) {
			return nil
		}
	}
}
