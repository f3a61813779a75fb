package archive

import (
	"archive/tar"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"time"

	dbzip2 "github.com/dsnet/compress/bzip2"
)

// ExtractOptions tune [Extract]. The zero value is the safe default.
type ExtractOptions struct {
	// Limits bound the archive; zero fields take [DefaultLimits].
	Limits Limits
	// AllowCaseCollisions accepts members whose names differ only by case
	// (e.g. ncurses' share/terminfo/E and share/terminfo/e). Leave it false
	// when the destination may be on a case-insensitive file system.
	AllowCaseCollisions bool
}

// Extract extracts the package archive at path (".conda" or ".tar.bz2",
// chosen by its name) into dst, which must be absent or an empty directory.
// On error dst may hold part of the archive; callers extract into a
// temporary directory and remove it on failure. Errors name the archive and
// member and wrap [ErrUnsafe] when the archive was refused for safety.
func Extract(ctx context.Context, path, dst string, opts *ExtractOptions) error {
	format, err := FormatOf(path)
	if err != nil {
		return err
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("extracting %s: %w", path, err)
	}
	defer f.Close()
	switch format {
	case FormatConda:
		var st os.FileInfo
		if st, err = f.Stat(); err == nil {
			err = ExtractConda(ctx, f, st.Size(), dst, opts)
		}
	default:
		err = ExtractTarBz2(ctx, f, dst, opts)
	}
	if err != nil {
		return fmt.Errorf("extracting %s: %w", path, err)
	}
	return nil
}

// ExtractConda extracts a .conda archive read from r (size bytes) into dst
// (absent or empty). See [Extract].
func ExtractConda(ctx context.Context, r io.ReaderAt, size int64, dst string, opts *ExtractOptions) error {
	x, err := newExtractor(dst, opts)
	if err != nil {
		return err
	}
	defer x.close()
	cz, err := openConda(r, size, x.lim)
	if err != nil {
		return err
	}
	dec, err := newZstdReader(x.lim)
	if err != nil {
		return err
	}
	defer dec.Close()
	if err := openZstdMember(cz.info, dec, func(r io.Reader) error {
		return x.tar(ctx, r, onlyInfo)
	}); err != nil {
		return err
	}
	if cz.pkg != nil {
		// Real packages (conda-forge's andes) keep info/licenses/ in the
		// pkg tar; duplicates of info tar members are refused by claim.
		if err := openZstdMember(cz.pkg, dec, func(r io.Reader) error {
			return x.tar(ctx, r, nil)
		}); err != nil {
			return err
		}
	}
	return x.finish()
}

// ExtractTarBz2 extracts a .tar.bz2 archive read from r into dst (absent or
// empty). See [Extract].
func ExtractTarBz2(ctx context.Context, r io.Reader, dst string, opts *ExtractOptions) error {
	bz, err := dbzip2.NewReader(r, nil)
	if err != nil {
		return fmt.Errorf("bzip2: %w", err)
	}
	defer bz.Close()
	return ExtractTar(ctx, bz, dst, opts)
}

// ExtractTar extracts an uncompressed tar stream into dst (absent or
// empty) with the same checks as [Extract].
func ExtractTar(ctx context.Context, r io.Reader, dst string, opts *ExtractOptions) error {
	x, err := newExtractor(dst, opts)
	if err != nil {
		return err
	}
	defer x.close()
	if err := x.tar(ctx, r, nil); err != nil {
		return err
	}
	return x.finish()
}

type kind uint8

const (
	kindDir kind = iota + 1
	kindFile
	kindSymlink
)

// extractor holds the state of one extraction. Its maps describe the whole
// destination tree, which started empty, so symlink resolution needs no
// file-system calls.
type extractor struct {
	root    *os.Root
	lim     Limits
	opts    ExtractOptions
	kinds   map[string]kind   // every path created, by kind
	links   map[string]string // symlink path -> target
	lower   map[string]string // lower-cased path -> path
	entries int
	total   int64
	buf     []byte
}

func newExtractor(dst string, opts *ExtractOptions) (*extractor, error) {
	var o ExtractOptions
	if opts != nil {
		o = *opts
	}
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return nil, fmt.Errorf("creating %s: %w", dst, err)
	}
	ents, err := os.ReadDir(dst)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", dst, err)
	}
	if len(ents) > 0 {
		return nil, fmt.Errorf("destination %s is not empty", dst)
	}
	root, err := os.OpenRoot(dst)
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", dst, err)
	}
	return &extractor{
		root:  root,
		lim:   o.Limits.withDefaults(),
		opts:  o,
		kinds: map[string]kind{},
		links: map[string]string{},
		lower: map[string]string{},
	}, nil
}

func (x *extractor) close() { x.root.Close() }

// onlyInfo is the member filter of the info tar of a .conda.
func onlyInfo(name string) error {
	if name != "info" && !strings.HasPrefix(name, "info/") {
		return fmt.Errorf("member %q outside info/ in the info tar: %w", name, ErrUnsafe)
	}
	return nil
}

// cleanName validates a member name and returns it in canonical form
// ("a/b/c": no leading "./", no trailing slash, no empty or "." parts).
func cleanName(name string, max int) (string, error) {
	if len(name) > max {
		return "", fmt.Errorf("member name of %d bytes: %w", len(name), ErrUnsafe)
	}
	if strings.ContainsAny(name, "\x00\\") {
		return "", fmt.Errorf("member %q: NUL or backslash in name: %w", name, ErrUnsafe)
	}
	if strings.HasPrefix(name, "/") {
		return "", fmt.Errorf("member %q: absolute path: %w", name, ErrUnsafe)
	}
	parts := strings.Split(name, "/")
	out := parts[:0]
	for _, p := range parts {
		switch p {
		case "", ".":
			continue
		case "..":
			return "", fmt.Errorf("member %q: '..' in path: %w", name, ErrUnsafe)
		}
		if len(p) > 255 {
			return "", fmt.Errorf("member %q: path component over 255 bytes: %w", name, ErrUnsafe)
		}
		out = append(out, p)
	}
	if len(out) == 0 {
		return "", nil
	}
	return strings.Join(out, "/"), nil
}

func (x *extractor) tar(ctx context.Context, r io.Reader, filter func(string) error) error {
	tr := tar.NewReader(r)
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
		if hdr.Typeflag == tar.TypeXGlobalHeader {
			continue
		}
		x.entries++
		if x.entries > x.lim.MaxEntries {
			return fmt.Errorf("more than %d members: %w", x.lim.MaxEntries, ErrUnsafe)
		}
		name, err := cleanName(hdr.Name, x.lim.MaxPathLength)
		if err != nil {
			return err
		}
		if name == "" {
			if hdr.Typeflag == tar.TypeDir {
				continue // "./"
			}
			return fmt.Errorf("member %q: empty name: %w", hdr.Name, ErrUnsafe)
		}
		if filter != nil {
			if err := filter(name); err != nil {
				return err
			}
		}
		if err := x.member(ctx, tr, hdr, name); err != nil {
			return err
		}
	}
}

func (x *extractor) member(ctx context.Context, tr *tar.Reader, hdr *tar.Header, name string) error {
	switch hdr.Typeflag {
	case tar.TypeDir:
		return x.dir(name, hdr.Name)
	case tar.TypeReg, tar.TypeRegA, tar.TypeGNUSparse:
		return x.file(ctx, tr, hdr, name)
	case tar.TypeSymlink:
		return x.symlink(hdr, name)
	case tar.TypeLink:
		return x.hardlink(hdr, name)
	}
	return fmt.Errorf("member %q: unsupported type %q (device, fifo or other special file): %w", hdr.Name, hdr.Typeflag, ErrUnsafe)
}

// claim records a new path of kind k, refusing duplicates and case
// collisions. Re-declaring an existing directory is allowed.
func (x *extractor) claim(name, raw string, k kind) (exists bool, err error) {
	if old, ok := x.kinds[name]; ok {
		if old == kindDir && k == kindDir {
			return true, nil
		}
		return false, fmt.Errorf("member %q: duplicate of an earlier member: %w", raw, ErrUnsafe)
	}
	if !x.opts.AllowCaseCollisions {
		lc := strings.ToLower(name)
		if other, ok := x.lower[lc]; ok && other != name {
			return false, fmt.Errorf("member %q collides with %q on a case-insensitive file system: %w", raw, other, ErrUnsafe)
		}
		x.lower[lc] = name
	}
	x.kinds[name] = k
	return false, nil
}

// parents creates the missing parent directories of name and refuses to go
// through anything that is not a directory (notably a symlink).
func (x *extractor) parents(name, raw string) error {
	for i := 0; i < len(name); i++ {
		if name[i] != '/' {
			continue
		}
		p := name[:i]
		switch x.kinds[p] {
		case kindDir:
			continue
		case kindSymlink:
			return fmt.Errorf("member %q: path goes through symlink %q: %w", raw, p, ErrUnsafe)
		case kindFile:
			return fmt.Errorf("member %q: parent %q is a file: %w", raw, p, ErrUnsafe)
		}
		if _, err := x.claim(p, raw, kindDir); err != nil {
			return err
		}
		if err := x.root.Mkdir(p, 0o755); err != nil {
			return fmt.Errorf("member %q: %w", raw, err)
		}
	}
	return nil
}

func (x *extractor) dir(name, raw string) error {
	if err := x.parents(name, raw); err != nil {
		return err
	}
	exists, err := x.claim(name, raw, kindDir)
	if err != nil || exists {
		return err
	}
	if err := x.root.Mkdir(name, 0o755); err != nil {
		return fmt.Errorf("member %q: %w", raw, err)
	}
	return nil
}

func (x *extractor) file(ctx context.Context, tr *tar.Reader, hdr *tar.Header, name string) error {
	if hdr.Size < 0 || hdr.Size > x.lim.MaxFileSize {
		return fmt.Errorf("member %q: size %d over the %d limit: %w", hdr.Name, hdr.Size, x.lim.MaxFileSize, ErrUnsafe)
	}
	if x.total+hdr.Size > x.lim.MaxTotalSize {
		return fmt.Errorf("member %q: total size over the %d limit: %w", hdr.Name, x.lim.MaxTotalSize, ErrUnsafe)
	}
	if err := x.parents(name, hdr.Name); err != nil {
		return err
	}
	if _, err := x.claim(name, hdr.Name, kindFile); err != nil {
		return err
	}
	f, err := x.root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("member %q: %w", hdr.Name, err)
	}
	if x.buf == nil {
		x.buf = make([]byte, 256<<10)
	}
	n, err := io.CopyBuffer(onlyWriter{f}, ctxReader{ctx, io.LimitReader(tr, hdr.Size)}, x.buf)
	x.total += n
	if err == nil && n != hdr.Size {
		err = io.ErrUnexpectedEOF
	}
	if err == nil {
		err = f.Chmod(fs.FileMode(hdr.Mode) & fs.ModePerm)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("member %q: %w", hdr.Name, err)
	}
	if mt := hdr.ModTime; !mt.IsZero() && mt.Unix() > 0 {
		if err := x.root.Chtimes(name, time.Time{}, mt); err != nil {
			return fmt.Errorf("member %q: %w", hdr.Name, err)
		}
	}
	return nil
}

func (x *extractor) symlink(hdr *tar.Header, name string) error {
	target := hdr.Linkname
	if target == "" {
		// Early .tar.bz2-to-.conda converters wrote some symlinks with
		// empty targets (defaults' zlib-1.2.11-h7b6447c_3.conda). Such a
		// link cannot be created; conda's tarfile extraction skips it
		// too.
		return nil
	}
	if len(target) > x.lim.MaxPathLength || strings.ContainsRune(target, 0) {
		return fmt.Errorf("member %q: invalid symlink target %q: %w", hdr.Name, target, ErrUnsafe)
	}
	if strings.HasPrefix(target, "/") || strings.Contains(target, "\\") {
		return fmt.Errorf("member %q: symlink target %q is absolute: %w", hdr.Name, target, ErrUnsafe)
	}
	if err := x.parents(name, hdr.Name); err != nil {
		return err
	}
	if _, err := x.claim(name, hdr.Name, kindSymlink); err != nil {
		return err
	}
	x.links[name] = target
	if err := x.resolveWithin(name); err != nil {
		return fmt.Errorf("member %q: %w", hdr.Name, err)
	}
	if err := x.root.Symlink(target, name); err != nil {
		return fmt.Errorf("member %q: %w", hdr.Name, err)
	}
	return nil
}

func (x *extractor) hardlink(hdr *tar.Header, name string) error {
	target, err := cleanName(hdr.Linkname, x.lim.MaxPathLength)
	if err != nil {
		return fmt.Errorf("member %q: hard link target: %w", hdr.Name, err)
	}
	if x.kinds[target] != kindFile {
		return fmt.Errorf("member %q: hard link to %q, which is not an earlier regular file: %w", hdr.Name, hdr.Linkname, ErrUnsafe)
	}
	if err := x.parents(name, hdr.Name); err != nil {
		return err
	}
	if _, err := x.claim(name, hdr.Name, kindFile); err != nil {
		return err
	}
	if err := x.root.Link(target, name); err == nil {
		return nil
	}
	// Some file systems refuse hard links: copy instead.
	src, err := x.root.Open(target)
	if err != nil {
		return fmt.Errorf("member %q: %w", hdr.Name, err)
	}
	defer src.Close()
	st, err := src.Stat()
	if err != nil {
		return fmt.Errorf("member %q: %w", hdr.Name, err)
	}
	if x.total+st.Size() > x.lim.MaxTotalSize {
		return fmt.Errorf("member %q: total size over the %d limit: %w", hdr.Name, x.lim.MaxTotalSize, ErrUnsafe)
	}
	x.total += st.Size()
	dst, err := x.root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, st.Mode().Perm())
	if err != nil {
		return fmt.Errorf("member %q: %w", hdr.Name, err)
	}
	_, err = io.Copy(onlyWriter{dst}, src)
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("member %q: %w", hdr.Name, err)
	}
	return nil
}

// maxLinkHops bounds symlink expansion during resolution (as ELOOP does).
const maxLinkHops = 255

// resolveWithin follows the symlink at link (and every symlink its target
// goes through, as recorded in x.links) and fails if the resolution leaves
// the destination. Targets that do not exist (yet) are resolved lexically.
func (x *extractor) resolveWithin(link string) error {
	stack := strings.Split(link, "/")
	stack = stack[:len(stack)-1]
	queue := strings.Split(x.links[link], "/")
	hops := 0
	for len(queue) > 0 {
		c := queue[0]
		queue = queue[1:]
		switch c {
		case "", ".":
			continue
		case "..":
			if len(stack) == 0 {
				return fmt.Errorf("symlink %q -> %q escapes the destination: %w", link, x.links[link], ErrUnsafe)
			}
			stack = stack[:len(stack)-1]
			continue
		}
		stack = append(stack, c)
		t, ok := x.links[strings.Join(stack, "/")]
		if !ok {
			continue
		}
		hops++
		if hops > maxLinkHops {
			return fmt.Errorf("symlink %q: too many levels of symbolic links: %w", link, ErrUnsafe)
		}
		if strings.HasPrefix(t, "/") {
			return fmt.Errorf("symlink %q goes through an absolute symlink: %w", link, ErrUnsafe)
		}
		stack = stack[:len(stack)-1]
		queue = append(strings.Split(t, "/"), queue...)
	}
	return nil
}

// finish re-checks every symlink against the final tree: a link that was
// safe when created can be redirected by a later one (a -> b/.., then
// b -> .).
func (x *extractor) finish() error {
	for link := range x.links {
		if err := x.resolveWithin(link); err != nil {
			return err
		}
	}
	return nil
}

// onlyWriter hides ReadFrom so io.CopyBuffer uses our buffer and the
// context checks of ctxReader.
type onlyWriter struct{ w io.Writer }

func (w onlyWriter) Write(p []byte) (int, error) { return w.w.Write(p) }

// ctxReader fails reads once ctx is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (r ctxReader) Read(p []byte) (int, error) {
	if err := r.ctx.Err(); err != nil {
		return 0, err
	}
	return r.r.Read(p)
}
