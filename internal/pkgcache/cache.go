package pkgcache

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/gofrs/flock"

	"github.com/envseal/envseal/conda"
	"github.com/envseal/envseal/internal/archive"
	"github.com/envseal/envseal/internal/progress"
)

const (
	lockDir     = ".envseal-locks"
	tmpPrefix   = ".envseal-tmp-"
	trashPrefix = ".envseal-trash-"
	urlsTxt     = "urls.txt"
	partialExt  = ".partial"
)

// Cache fetches package archives into package cache directories and
// extracts them. Set the fields before the first call; a Cache is then safe
// for concurrent use, and several processes may share its directories.
type Cache struct {
	// Dirs are the package cache directories, in search order. The first
	// one that can be created and written to receives new packages.
	Dirs []string
	// HTTPClient makes the requests; nil means a client of its own (never
	// http.DefaultClient). Its Timeout, if any, bounds a whole download.
	HTTPClient *http.Client
	// Jobs is how many packages are fetched at once; 0 means 4.
	Jobs int
	// Retries is how many times a failed download is retried; 0 means 3,
	// a negative value none.
	Retries int
	// RetryDelay is the wait before the first retry, doubled for each
	// further one (capped at 30s); 0 means one second.
	RetryDelay time.Duration
	// StallTimeout aborts (and retries) a download that receives nothing
	// for this long; 0 means one minute.
	StallTimeout time.Duration
	// Progress receives a progress display when it is a terminal; nil
	// means none.
	Progress io.Writer
	// Extract tunes extraction (limits, case collisions).
	Extract archive.ExtractOptions
}

// Entry is one fetched package.
type Entry struct {
	// Record is the record passed to [Cache.Fetch].
	Record *conda.Record
	// Archive is the verified archive, or "" when an extracted directory
	// was found and no archive with the record's size is present beside
	// it (an archive found that way is not re-hashed).
	Archive string
	// Dir is the extracted package directory (holding info/).
	Dir string
	// Cached reports that nothing was downloaded: the package was already
	// extracted, or a verified archive was already in a cache directory.
	Cached bool
}

// sums are the size and digests of an archive, wanted or measured.
type sums struct {
	size        int64
	sha256, md5 string
}

func (s sums) known() bool { return s.sha256 != "" || s.md5 != "" }

func wantOf(rec *conda.Record) sums {
	return sums{size: rec.Size, sha256: strings.ToLower(rec.SHA256), md5: strings.ToLower(rec.MD5)}
}

// verify compares measured sums against wanted ones: size when known, then
// sha256, else md5.
func verify(fn string, got, want sums) error {
	if want.size > 0 && got.size != want.size {
		return &VerifyError{Package: fn, What: "size", Want: fmt.Sprint(want.size), Got: fmt.Sprint(got.size)}
	}
	switch {
	case want.sha256 != "" && got.sha256 != want.sha256:
		return &VerifyError{Package: fn, What: "sha256", Want: want.sha256, Got: got.sha256}
	case want.sha256 == "" && want.md5 != "" && got.md5 != want.md5:
		return &VerifyError{Package: fn, What: "md5", Want: want.md5, Got: got.md5}
	}
	return nil
}

// run is the state of one Fetch, Lookup or Clean call.
type run struct {
	c        *Cache
	client   *http.Client
	dirs     []string // absolute, in order
	writable string   // "" when none
	wErr     error    // why no directory is writable
	disp     *progress.Display
	urlsMu   sync.Mutex
}

func (c *Cache) newRun(probe bool) (*run, error) {
	if len(c.Dirs) == 0 {
		return nil, errors.New("pkgcache: no package cache directories configured")
	}
	r := &run{c: c, client: c.HTTPClient}
	if r.client == nil {
		r.client = &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	}
	var errs []error
	for _, d := range c.Dirs {
		abs, err := filepath.Abs(d)
		if err != nil {
			return nil, fmt.Errorf("package cache %s: %w", d, err)
		}
		r.dirs = append(r.dirs, abs)
		if probe && r.writable == "" {
			if err := probeWritable(abs); err != nil {
				errs = append(errs, err)
			} else {
				r.writable = abs
			}
		}
	}
	if r.writable == "" {
		r.wErr = fmt.Errorf("%w: %w", ErrNoWritableDir, errors.Join(errs...))
	}
	return r, nil
}

// probeWritable creates dir and its urls.txt (which marks a conda package
// cache) and checks that both can be written.
func probeWritable(dir string) error {
	if err := os.MkdirAll(filepath.Join(dir, lockDir), 0o755); err != nil {
		return fmt.Errorf("package cache %s: %w", dir, err)
	}
	f, err := os.OpenFile(filepath.Join(dir, urlsTxt), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("package cache %s: %w", dir, err)
	}
	return f.Close()
}

// Fetch makes every record available as an extracted package directory,
// downloading and extracting what no cache directory holds yet, and
// returns one [Entry] per record, in order.
//
// urlFor gives the URL to fetch a record from, with any channel
// credentials; nil means each record's URL. Records should carry a sha256
// or md5 (and size): a record with neither is always downloaded, and its
// archive's digests are then computed rather than checked.
//
// Packages are fetched concurrently ([Cache.Jobs]); a failure does not stop
// the others. The error joins one error per failed package, each naming
// the package; the returned slice is complete either way, with a zero Dir
// for the failed ones. Errors wrap [*VerifyError], [*HTTPError],
// [ErrNotFound], [ErrNoWritableDir], [archive.ErrUnsafe] or the context's
// error as appropriate.
func (c *Cache) Fetch(ctx context.Context, recs []*conda.Record, urlFor func(*conda.Record) string) ([]Entry, error) {
	r, err := c.newRun(true)
	if err != nil {
		return nil, err
	}
	r.disp = progress.New(c.Progress, progress.Options{})
	defer r.disp.Close()

	entries := make([]Entry, len(recs))
	errs := make([]error, len(recs))
	jobs := c.Jobs
	if jobs <= 0 {
		jobs = 4
	}
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(jobs, max(len(recs), 1)) {
		wg.Go(func() {
			for i := range next {
				entries[i], errs[i] = r.fetchOne(ctx, recs[i], urlFor)
			}
		})
	}
feed:
	for i := range recs {
		select {
		case next <- i:
		case <-ctx.Done():
			for j := i; j < len(recs); j++ {
				errs[j] = fmt.Errorf("fetching %s: %w", recName(recs[j]), context.Cause(ctx))
			}
			break feed
		}
	}
	close(next)
	wg.Wait()
	for i := range entries {
		if entries[i].Record == nil {
			entries[i].Record = recs[i]
		}
	}
	return entries, errors.Join(errs...)
}

// Lookup returns the extracted directory of rec if some cache directory
// holds a complete one for its sha256 (or md5), without fetching anything;
// ok is false otherwise. It is what an offline install uses.
func (c *Cache) Lookup(rec *conda.Record) (e Entry, ok bool, err error) {
	r, err := c.newRun(false)
	if err != nil {
		return Entry{}, false, err
	}
	fn, err := fileName(rec, "")
	if err != nil {
		return Entry{}, false, err
	}
	e, ok = r.lookup(rec, fn, wantOf(rec))
	return e, ok, nil
}

func recName(rec *conda.Record) string {
	if rec.Fn != "" {
		return rec.Fn
	}
	if rec.URL != "" {
		return path.Base(rec.URL)
	}
	return rec.DistName()
}

// fileName returns the archive file name of rec, from its Fn or the last
// element of its URL's path, refusing anything that is not a plain package
// file name (repodata is input, and fn becomes a path in the cache).
func fileName(rec *conda.Record, cleanURL string) (string, error) {
	fn := rec.Fn
	if fn == "" {
		u := cleanURL
		if u == "" {
			u = rec.URL
		}
		if i := strings.IndexAny(u, "?#"); i >= 0 {
			u = u[:i]
		}
		fn = path.Base(filepath.ToSlash(u))
	}
	dist, ok := archive.TrimExt(fn)
	if !ok || dist == "" || strings.ContainsAny(fn, `/\:`+"\x00") || strings.HasPrefix(fn, ".") || dist == "." || dist == ".." {
		return "", fmt.Errorf("invalid package file name %q", fn)
	}
	return fn, nil
}

// lookup searches every directory for a complete extracted entry.
func (r *run) lookup(rec *conda.Record, fn string, want sums) (Entry, bool) {
	if !want.known() {
		return Entry{}, false
	}
	dist, _ := archive.TrimExt(fn)
	for _, d := range r.dirs {
		dir := filepath.Join(d, dist)
		if entryValid(dir, want) {
			e := Entry{Record: rec, Dir: dir, Cached: true}
			if st, err := os.Stat(filepath.Join(d, fn)); err == nil && st.Mode().IsRegular() && (want.size == 0 || st.Size() == want.size) {
				e.Archive = filepath.Join(d, fn)
			}
			return e, true
		}
	}
	return Entry{}, false
}

// fetchOne makes one record available; errors name the package.
func (r *run) fetchOne(ctx context.Context, rec *conda.Record, urlFor func(*conda.Record) string) (Entry, error) {
	raw := rec.URL
	if urlFor != nil {
		raw = urlFor(rec)
	}
	if raw == "" {
		return Entry{}, fmt.Errorf("fetching %s: record has no URL", recName(rec))
	}
	src, err := parseSource(raw)
	if err != nil {
		return Entry{}, fmt.Errorf("fetching %s: %w", recName(rec), err)
	}
	e, err := r.fetchSource(ctx, rec, src)
	if err != nil {
		return Entry{}, fmt.Errorf("fetching %s from %s: %w", recName(rec), src.shown, src.wrap(err))
	}
	return e, nil
}

func (r *run) fetchSource(ctx context.Context, rec *conda.Record, src source) (Entry, error) {
	fn, err := fileName(rec, src.clean)
	if err != nil {
		return Entry{}, err
	}
	dist, _ := archive.TrimExt(fn)
	want := wantOf(rec)
	if e, ok := r.lookup(rec, fn, want); ok {
		return e, nil
	}
	if r.writable == "" {
		return Entry{}, r.wErr
	}
	unlock, err := r.lock(ctx, r.writable, dist, true)
	if err != nil {
		return Entry{}, err
	}
	defer unlock()
	// Another goroutine or process may have finished it meanwhile.
	if e, ok := r.lookup(rec, fn, want); ok {
		return e, nil
	}
	cached := true
	archivePath, got, err := r.findArchive(ctx, fn, want)
	if err != nil {
		return Entry{}, err
	}
	if archivePath == "" {
		cached = false
		if archivePath, got, err = r.download(ctx, src, fn, want); err != nil {
			return Entry{}, err
		}
	}
	if !want.known() {
		// Now that the digests are known, an extracted entry may match.
		if e, ok := r.lookup(rec, fn, got); ok {
			e.Archive, e.Cached = archivePath, cached
			if !cached {
				if err := r.appendURL(src.clean); err != nil {
					return Entry{}, fmt.Errorf("recording download in %s: %w", urlsTxt, err)
				}
			}
			return e, nil
		}
	}
	dir, err := r.extract(ctx, archivePath, fn, rec, src, got)
	if err != nil {
		return Entry{}, err
	}
	if !cached {
		// Recorded once the package is usable, so that a refused
		// archive leaves no trace.
		if err := r.appendURL(src.clean); err != nil {
			return Entry{}, fmt.Errorf("recording download in %s: %w", urlsTxt, err)
		}
	}
	return Entry{Record: rec, Archive: archivePath, Dir: dir, Cached: cached}, nil
}

// lock takes the exclusive lock of dist in cache directory dir. With wait
// false it gives up at once when the lock is held (ok false, no error).
func (r *run) lock(ctx context.Context, dir, dist string, wait bool) (unlock func(), err error) {
	if err := os.MkdirAll(filepath.Join(dir, lockDir), 0o755); err != nil {
		return nil, fmt.Errorf("locking %s: %w", dist, err)
	}
	fl := flock.New(filepath.Join(dir, lockDir, dist+".lock"))
	var ok bool
	if wait {
		ok, err = fl.TryLockContext(ctx, 25*time.Millisecond)
	} else {
		ok, err = fl.TryLock()
	}
	if err != nil {
		return nil, fmt.Errorf("locking %s in %s: %w", dist, dir, err)
	}
	if !ok {
		if wait {
			return nil, fmt.Errorf("locking %s in %s: %w", dist, dir, context.Cause(ctx))
		}
		return nil, nil
	}
	return func() { fl.Unlock() }, nil
}

// findArchive looks for a verified archive named fn in the cache
// directories; a corrupt one in the writable directory is deleted. It
// returns "" when there is none. Archives are only trusted when the record
// has a digest.
func (r *run) findArchive(ctx context.Context, fn string, want sums) (string, sums, error) {
	if !want.known() {
		return "", sums{}, nil
	}
	for _, d := range r.dirs {
		p := filepath.Join(d, fn)
		st, err := os.Stat(p)
		if err != nil || !st.Mode().IsRegular() {
			continue
		}
		var got sums
		if want.size == 0 || st.Size() == want.size {
			if got, err = hashFile(ctx, p); err != nil {
				if ctx.Err() != nil {
					return "", sums{}, err
				}
				continue
			}
			if verify(fn, got, want) == nil {
				return p, got, nil
			}
		}
		if d == r.writable {
			os.Remove(p) // corrupt; download it again
		}
	}
	return "", sums{}, nil
}

// appendURL records a downloaded URL in urls.txt, as conda does.
func (r *run) appendURL(u string) error {
	r.urlsMu.Lock()
	defer r.urlsMu.Unlock()
	f, err := os.OpenFile(filepath.Join(r.writable, urlsTxt), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	_, err = io.WriteString(f, u+"\n") // one write: O_APPEND keeps lines whole across processes
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
