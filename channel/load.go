package channel

import (
	"bytes"
	"compress/bzip2"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/envseal/envseal/conda"
	"github.com/envseal/envseal/internal/atomicfile"
	"github.com/klauspost/compress/zstd"
)

// ErrNoRepodata is wrapped by errors for a channel that has repodata for
// neither the requested platform nor noarch.
var ErrNoRepodata = errors.New("no repodata")

// ErrNotCached is wrapped by errors for remote repodata that is needed while
// [Loader.Offline] is set and is not in the cache.
var ErrNotCached = errors.New("not in the repodata cache")

// Source names one channel to load.
type Source struct {
	// URL is an http(s):// or file:// URL or a local directory path of
	// the channel (the directory holding the subdirs). It may carry
	// credentials: user:password@ or a /t/<token>/ segment.
	URL string
	// Name is the canonical, credential-free channel name stored in
	// Record.Channel (e.g. "conda-forge"). Empty means the URL without
	// credentials.
	Name string
}

// Loader loads channel repodata. The zero value reads local channels and
// fetches remote ones without caching. A Loader is safe for concurrent
// use; its fields must not change while it is in use.
type Loader struct {
	// HTTPClient is used for http(s) channels. Nil means a new
	// http.Client with default settings (never http.DefaultClient).
	HTTPClient *http.Client
	// CacheDir holds cached remote repodata: <hash>.json and
	// <hash>.info.json per subdir URL. Empty disables caching.
	CacheDir string
	// Offline forbids network requests: remote repodata comes from the
	// cache only, and a miss is an error wrapping [ErrNotCached].
	Offline bool
	// UserAgent is sent with requests when set.
	UserAgent string
	// Now returns the current time; nil means time.Now. Tests set it.
	Now func() time.Time
	// NoShards reads repodata.json even where a subdir serves a CEP-16
	// shard index (repodata_shards.msgpack.zst).
	NoShards bool
	// MaxShardFetches bounds the concurrent shard requests of one Load;
	// 0 means 16.
	MaxShardFetches int
	// Progress, when it is a terminal, shows repodata, shard index and
	// shard downloads (bytes, shards fetched) on the progress display of
	// internal/progress. Nil or not a terminal: nothing is drawn.
	Progress io.Writer
}

func (l *Loader) now() time.Time {
	if l.Now != nil {
		return l.Now()
	}
	return time.Now()
}

func (l *Loader) client() *http.Client {
	if l.HTTPClient != nil {
		return l.HTTPClient
	}
	return &http.Client{}
}

// Load reads platform and noarch of every channel, concurrently, and
// returns an Index in channel order (platform before noarch within a
// channel). A platform of "noarch" or "" reads noarch only. A channel
// written with a subdir ("https://host/ch/osx-64") reads that subdir and
// noarch instead; "defaults" reads its members in order.
//
// A subdir that does not exist (404/403, or a missing local directory) is
// skipped, but a channel with neither subdir is an error wrapping
// [ErrNoRepodata]. (conda itself also requires noarch for remote channels;
// envseal accepts either, as mamba and rattler do.) Errors name the
// channel and the file or URL, never credentials.
func (l *Loader) Load(ctx context.Context, channels []conda.Channel, platform string) (*Index, error) {
	var srcs []Source
	var subdirs [][]string
	var add func(c conda.Channel) error
	add = func(c conda.Channel) error {
		switch {
		case c.IsDefaults():
			for _, m := range c.Members() {
				if err := add(m); err != nil {
					return err
				}
			}
			return nil
		case c.IsZero() || c.IsPattern() || c.URLWithCredentials() == "":
			return fmt.Errorf("channel %q cannot be loaded", c.Name())
		}
		p := platform
		if c.Platform() != "" {
			p = string(c.Platform())
		}
		srcs = append(srcs, Source{URL: c.URLWithCredentials(), Name: c.Name()})
		subdirs = append(subdirs, subdirsFor(p))
		return nil
	}
	for _, c := range channels {
		if err := add(c); err != nil {
			return nil, err
		}
	}
	return l.load(ctx, srcs, subdirs)
}

// LoadSources is [Loader.Load] for channels given as [Source] values.
func (l *Loader) LoadSources(ctx context.Context, channels []Source, platform string) (*Index, error) {
	subdirs := make([][]string, len(channels))
	for k := range subdirs {
		subdirs[k] = subdirsFor(platform)
	}
	return l.load(ctx, channels, subdirs)
}

func subdirsFor(platform string) []string {
	if platform == "" || platform == "noarch" {
		return []string{"noarch"}
	}
	return []string{platform, "noarch"}
}

func (l *Loader) load(ctx context.Context, channels []Source, subdirs [][]string) (*Index, error) {
	type result struct {
		p   *part
		err error
	}
	results := make([][]result, len(channels))
	g, err := newFetchGroup(l.MaxShardFetches)
	if err != nil {
		return nil, err
	}
	g.progress = newLoadProgress(l.Progress)
	g.client = l.shardClient(l.MaxShardFetches)
	defer g.progress.closeLoad()
	var wg sync.WaitGroup
	for ci, ch := range channels {
		results[ci] = make([]result, len(subdirs[ci]))
		for si, sd := range subdirs[ci] {
			wg.Add(1)
			go func(ci, si int, ch Source, sd string) {
				defer wg.Done()
				p, err := l.loadSubdir(ctx, ch, sd, g)
				results[ci][si] = result{p, err}
			}(ci, si, ch, sd)
		}
	}
	wg.Wait()
	var parts []*part
	var errs []error
	for ci, ch := range channels {
		found := false
		var chErrs []error
		for _, r := range results[ci] {
			if r.err != nil {
				chErrs = append(chErrs, r.err)
				continue
			}
			if r.p != nil {
				found = true
				parts = append(parts, r.p)
			}
		}
		if len(chErrs) > 0 {
			errs = append(errs, chErrs...)
			continue
		}
		if !found {
			name := ch.Name
			if loc, err := parseLocation(ch.URL); err == nil && name == "" {
				name = loc.clean
			}
			errs = append(errs, fmt.Errorf("channel %s: %w for %s", name, ErrNoRepodata, strings.Join(subdirs[ci], " or ")))
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	var sharded []*part
	for _, p := range parts {
		if p.shards != nil {
			sharded = append(sharded, p)
		}
	}
	for _, p := range sharded {
		p.group = sharded
	}
	return newIndex(parts), nil
}

// loadSubdir loads one subdir; a nil part and nil error mean "not there".
func (l *Loader) loadSubdir(ctx context.Context, ch Source, subdir string, g *fetchGroup) (*part, error) {
	loc, err := parseLocation(ch.URL)
	if err != nil {
		return nil, err
	}
	name := ch.Name
	if name == "" {
		name = loc.clean
	}
	sub := loc.child(subdir)
	if !l.NoShards {
		p, err := l.loadSharded(ctx, name, subdir, sub, g)
		if err != nil {
			return nil, fmt.Errorf("channel %s: %w", name, err)
		}
		if p != nil {
			return p, nil
		}
	}
	var data []byte
	var source, idxPath string
	var mapped bool
	var size, mtimeNs int64
	if sub.remote != nil {
		var info fetchInfo
		data, source, err = l.fetch(ctx, sub, &info, g.progress)
		mapped, size, mtimeNs = info.mapped, info.size, info.mtimeNs
		if l.CacheDir != "" && size == int64(len(data)) && size > 0 {
			idxPath = l.remoteIndexPath(cacheKey(sub.clean))
		}
	} else {
		var fi os.FileInfo
		data, source, fi, mapped, err = l.readLocalSubdir(sub.dir)
		if l.CacheDir != "" && fi != nil {
			idxPath = l.localIndexPath(source)
			size, mtimeNs = fi.Size(), fi.ModTime().UnixNano()
		}
	}
	if err != nil {
		return nil, fmt.Errorf("channel %s: %w", name, err)
	}
	if data == nil {
		return nil, nil
	}
	sc, err := scanIndexed(data, mapped, idxPath, size, mtimeNs)
	if err == nil {
		var p *part
		p, err = buildPartScanned(data, sc, source, name, subdir, sub.clean)
		if err == nil {
			return p, nil
		}
	} else {
		err = fmt.Errorf("parsing repodata %s: %w", source, err)
	}
	if sub.remote != nil {
		// Do not keep (or revalidate) what cannot be read.
		l.dropCache(cacheKey(sub.clean))
	}
	return nil, fmt.Errorf("channel %s: %w", name, err)
}

// buildPart scans a repodata document read from source (a path or clean
// URL), whose subdir has the clean URL subdirURL.
func buildPart(data []byte, source, channel, subdir, subdirURL string) (*part, error) {
	sc, err := scanRepodata(data)
	if err != nil {
		return nil, fmt.Errorf("parsing repodata %s: %w", source, err)
	}
	return buildPartScanned(data, sc, source, channel, subdir, subdirURL)
}

// buildPartScanned is buildPart for a document already scanned.
func buildPartScanned(data []byte, sc *scanned, source, channel, subdir, subdirURL string) (*part, error) {
	var err error
	base := subdirURL
	if sc.info.BaseURL != "" {
		base, err = resolveBaseURL(subdirURL, sc.info.BaseURL)
		if err != nil {
			return nil, fmt.Errorf("parsing repodata %s: %w", source, err)
		}
	}
	if !strings.Contains(base, "://") {
		// A relative base_url with nothing to resolve it against.
		base = ""
	}
	if sc.info.Subdir != "" {
		subdir = sc.info.Subdir
	}
	return newPart(source, channel, subdir, base, data, sc), nil
}

// localNames are the repodata file names tried in a local subdir, in order
// of preference.
var localNames = [...]string{"repodata.json.zst", "repodata.json", "repodata.json.bz2"}

// readLocalSubdir reads the preferred repodata file of a local subdir; nil
// data and nil error mean there is none. An uncompressed repodata.json is
// memory-mapped, and so is the cached decompressed copy of a
// repodata.json.zst (see [Loader.localZstCopy]); fi is then the FileInfo
// of the mapped file, for the per-name index.
func (l *Loader) readLocalSubdir(dir string) (data []byte, path string, fi os.FileInfo, mapped bool, err error) {
	for _, fn := range localNames {
		p := filepath.Join(dir, fn)
		if fn == fnZst && l.CacheDir != "" {
			data, fi, mapped, err = l.localZstCopy(p)
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			if err == nil {
				return data, p, fi, mapped, nil
			}
			// The cache could not help; read it into memory.
			fi, mapped = nil, false
		}
		if fn == fnJSON {
			data, fi, mapped, err = mapFile(p)
			if err != nil && !errors.Is(err, fs.ErrNotExist) {
				err = fmt.Errorf("reading %s: %w", p, err)
			}
		} else {
			data, err = readRepodataFile(p)
		}
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, p, nil, false, err
		}
		return data, p, fi, mapped, nil
	}
	return nil, "", nil, false, nil
}

// readRepodataFile reads a file, decompressing by extension (.zst, .bz2).
func readRepodataFile(path string) ([]byte, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	data, err := decompress(raw, path)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	return data, nil
}

// localZstCopy returns a local repodata.json.zst decompressed, from a copy
// kept in the cache (index-v1/<hash of the path>.json, beside a .src file
// naming the size and mtime of the .zst it came from), memory-mapped. A
// missing or outdated copy is written first, streaming: the document is
// never held in the heap. Errors wrap fs.ErrNotExist when there is no .zst.
func (l *Loader) localZstCopy(zstPath string) (data []byte, fi os.FileInfo, mapped bool, err error) {
	zfi, err := os.Stat(zstPath)
	if err != nil {
		return nil, nil, false, err
	}
	idx := l.localIndexPath(zstPath)
	copyPath := strings.TrimSuffix(idx, ".idx") + ".json"
	srcPath := copyPath + ".src"
	want := fmt.Sprintf("%d %d\n", zfi.Size(), zfi.ModTime().UnixNano())
	if b, err := os.ReadFile(srcPath); err == nil && string(b) == want {
		if data, fi, mapped, err := mapFile(copyPath); err == nil {
			return data, fi, mapped, nil
		}
	}
	in, err := os.Open(zstPath)
	if err != nil {
		return nil, nil, false, err
	}
	defer in.Close()
	dir := filepath.Dir(copyPath)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, nil, false, err
	}
	f, err := os.CreateTemp(dir, ".copy-*")
	if err != nil {
		return nil, nil, false, err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	zr, err := zstd.NewReader(in, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(maxDocSize))
	if err != nil {
		return nil, nil, false, fmt.Errorf("reading %s: zstd: %w", zstPath, err)
	}
	defer zr.Close()
	n, err := io.Copy(f, io.LimitReader(zr, maxDocSize+1))
	if err != nil {
		return nil, nil, false, fmt.Errorf("reading %s: zstd: %w", zstPath, err)
	}
	if n > maxDocSize {
		return nil, nil, false, fmt.Errorf("reading %s: %w", zstPath, errTooLarge(n))
	}
	// Synced before the .src file vouches for it.
	if err = f.Sync(); err != nil {
		return nil, nil, false, err
	}
	if err = f.Close(); err != nil {
		return nil, nil, false, err
	}
	if err = os.Rename(f.Name(), copyPath); err != nil {
		return nil, nil, false, err
	}
	if err = atomicfile.WriteFile(srcPath, []byte(want), 0o600); err != nil {
		return nil, nil, false, err
	}
	return mapFile(copyPath)
}

// decompress returns raw decompressed according to the name's extension.
func decompress(raw []byte, name string) ([]byte, error) {
	switch {
	case strings.HasSuffix(name, ".zst"):
		return unzstd(raw)
	case strings.HasSuffix(name, ".bz2"):
		data, err := io.ReadAll(io.LimitReader(bzip2.NewReader(bytes.NewReader(raw)), maxDocSize+1))
		if err != nil {
			return nil, fmt.Errorf("bzip2: %w", err)
		}
		if len(data) > maxDocSize {
			return nil, fmt.Errorf("bzip2: decompressed data larger than %d bytes", maxDocSize)
		}
		return data, nil
	default:
		return raw, nil
	}
}

func unzstd(raw []byte) ([]byte, error) {
	dec, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(maxDocSize))
	if err != nil {
		return nil, fmt.Errorf("zstd: %w", err)
	}
	defer dec.Close()
	var h zstd.Header
	var dst []byte
	if h.Decode(raw) == nil && h.HasFCS && h.FrameContentSize < maxDocSize {
		dst = make([]byte, 0, h.FrameContentSize)
	}
	data, err := dec.DecodeAll(raw, dst)
	if err != nil {
		return nil, fmt.Errorf("zstd: %w", err)
	}
	return data, nil
}

// FileOptions describes a repodata file loaded on its own.
type FileOptions struct {
	// Channel is the canonical channel name for Record.Channel. Empty
	// means the file:// URL of the directory above the file's directory
	// (the channel root in the <channel>/<subdir>/repodata.json layout).
	Channel string
	// Subdir is used for records that carry none, when the document has
	// no info.subdir. Empty means the name of the file's directory.
	Subdir string
	// BaseURL is where the archives live (Record.URL = BaseURL/fn) when
	// the document has no info.base_url. Empty means the file:// URL of
	// the file's directory.
	BaseURL string
}

// LoadRepodataFile loads one repodata.json (.zst and .bz2 by extension)
// into an Index. Errors name the file.
func LoadRepodataFile(ctx context.Context, path string, opts FileOptions) (*Index, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("loading repodata %s: %w", path, err)
	}
	data, err := readRepodataFile(abs)
	if err != nil {
		return nil, fmt.Errorf("loading repodata: %w", err)
	}
	dir := filepath.Dir(abs)
	if opts.Channel == "" {
		opts.Channel = fileURL(filepath.Dir(dir))
	}
	if opts.Subdir == "" {
		opts.Subdir = filepath.Base(dir)
	}
	if opts.BaseURL == "" {
		opts.BaseURL = fileURL(dir)
	}
	p, err := buildPart(data, path, opts.Channel, opts.Subdir, strings.TrimSuffix(opts.BaseURL, "/"))
	if err != nil {
		return nil, err
	}
	return newIndex([]*part{p}), nil
}

// ParseRepodata indexes an in-memory repodata document. source names it
// in errors. data is kept (not copied) and must not be modified.
func ParseRepodata(data []byte, source string, opts FileOptions) (*Index, error) {
	p, err := buildPart(data, source, opts.Channel, opts.Subdir, strings.TrimSuffix(opts.BaseURL, "/"))
	if err != nil {
		return nil, err
	}
	return newIndex([]*part{p}), nil
}

// LoadFlatIndex loads a legacy flat index (a JSON object mapping archive
// file names to records, as conda's tests/data/index*.json), such as test
// fixtures for the resolver. channel goes into Record.Channel; when it is a
// URL, Record.URL is channel/subdir/fn for records with a subdir. Records
// without "subdir" get subdir.
func LoadFlatIndex(ctx context.Context, path, channel, subdir string) (*Index, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	data, err := readRepodataFile(path)
	if err != nil {
		return nil, fmt.Errorf("loading flat index: %w", err)
	}
	sc, err := scanFlat(data)
	if err != nil {
		return nil, fmt.Errorf("parsing flat index %s: %w", path, err)
	}
	p := newPart(path, channel, subdir, "", data, sc)
	if strings.Contains(channel, "://") {
		p.flatURL = strings.TrimSuffix(channel, "/")
	}
	return newIndex([]*part{p}), nil
}
