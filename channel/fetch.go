package channel

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/envseal/envseal/internal/atomicfile"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/klauspost/compress/zstd"
)

// zstRecheck is how long a channel found without repodata.json.zst is not
// asked for it again (conda's interval).
const zstRecheck = 7 * 24 * time.Hour

const (
	fnJSON = "repodata.json"
	fnZst  = "repodata.json.zst"
)

// cacheState is the <hash>.info.json file beside a cached <hash>.json.
type cacheState struct {
	URL          string       `json:"url"`                     // clean subdir URL + "/repodata.json"
	Variant      string       `json:"variant,omitempty"`       // file fetched: repodata.json or repodata.json.zst
	ETag         string       `json:"etag,omitempty"`          // validator of Variant
	Mod          string       `json:"mod,omitempty"`           // Last-Modified of Variant
	CacheControl string       `json:"cache_control,omitempty"` // Cache-Control of the last response
	Size         int64        `json:"size"`                    // of <hash>.json, to detect tampering
	MtimeNs      int64        `json:"mtime_ns"`                // of <hash>.json
	Refreshed    int64        `json:"refreshed_ns"`            // when the server last confirmed the data
	NotFound     bool         `json:"not_found,omitempty"`     // the subdir does not exist (404/403)
	HasZst       *formatCheck `json:"has_zst,omitempty"`       // whether repodata.json.zst exists
}

// formatCheck records whether an alternative format was found, and when.
type formatCheck struct {
	Value       bool  `json:"value"`
	LastChecked int64 `json:"last_checked_ns"`
}

// cacheKey names the cache files of a clean subdir URL: the first 8 hex
// digits of the MD5 of "<url>/", as conda does.
func cacheKey(cleanSubdirURL string) string {
	sum := md5.Sum([]byte(cleanSubdirURL + "/"))
	return hex.EncodeToString(sum[:])[:8]
}

// maxAge extracts max-age from a Cache-Control value (0 when absent or
// when no-cache/no-store is present).
func maxAge(cc string) time.Duration {
	var age time.Duration
	for _, d := range strings.Split(cc, ",") {
		d = strings.ToLower(strings.TrimSpace(d))
		switch {
		case d == "no-cache" || d == "no-store":
			return 0
		case strings.HasPrefix(d, "max-age="):
			n, err := strconv.ParseInt(strings.Trim(d[len("max-age="):], `"`), 10, 64)
			if err == nil && n > 0 {
				age = time.Duration(n) * time.Second
			}
		}
	}
	return age
}

// cached is what the cache holds for one subdir.
type cached struct {
	state  cacheState
	data   []byte // nil when there is no usable data file
	mapped bool   // data is a read-only memory mapping of the file
	ok     bool   // state was read
}

// fetchInfo says where [Loader.fetch]'s data came from.
type fetchInfo struct {
	fromCache bool  // read from the cache file
	mapped    bool  // ... through a memory mapping
	size      int64 // of the cache file (0 when caching is off)
	mtimeNs   int64
}

func (l *Loader) cachePaths(key string) (data, state string) {
	ext := ".json"
	if strings.HasSuffix(key, shardKeySuffix) {
		ext = ".msgpack.zst" // a shard index, kept compressed
	}
	return filepath.Join(l.CacheDir, key+ext), filepath.Join(l.CacheDir, key+".info.json")
}

// readCache reads the cached state and data for key. A data file whose
// size or mtime differs from the state is ignored, as is a corrupt state.
func (l *Loader) readCache(key string) cached {
	var c cached
	if l.CacheDir == "" {
		return c
	}
	dataPath, statePath := l.cachePaths(key)
	raw, err := os.ReadFile(statePath)
	if err != nil || json.Unmarshal(raw, &c.state) != nil {
		return cached{}
	}
	c.ok = true
	if c.state.NotFound {
		return c
	}
	fi, err := os.Stat(dataPath)
	if err != nil || fi.Size() != c.state.Size || fi.ModTime().UnixNano() != c.state.MtimeNs {
		c.state.ETag, c.state.Mod, c.state.CacheControl = "", "", ""
		return c
	}
	if strings.HasSuffix(key, shardKeySuffix) {
		data, err := os.ReadFile(dataPath)
		if err != nil || int64(len(data)) != c.state.Size {
			return c
		}
		c.data = data
		return c
	}
	data, mfi, mapped, err := mapFile(dataPath)
	if err != nil || int64(len(data)) != c.state.Size || mfi.ModTime().UnixNano() != c.state.MtimeNs {
		return c
	}
	c.data, c.mapped = data, mapped
	return c
}

// dropCache forgets the cache entry for key (best effort).
func (l *Loader) dropCache(key string) {
	if l.CacheDir == "" {
		return
	}
	dataPath, statePath := l.cachePaths(key)
	os.Remove(statePath)
	os.Remove(dataPath)
}

// writeCache stores data (nil for "not found") and the state atomically:
// the data file first, then the state that vouches for it.
func (l *Loader) writeCache(key string, st *cacheState, data []byte) error {
	if l.CacheDir == "" {
		return nil
	}
	if err := os.MkdirAll(l.CacheDir, 0o755); err != nil {
		return fmt.Errorf("creating repodata cache: %w", err)
	}
	dataPath, statePath := l.cachePaths(key)
	if data != nil {
		fi, err := writeFileAtomic(dataPath, data)
		if err != nil {
			return err
		}
		st.Size = fi.Size()
		st.MtimeNs = fi.ModTime().UnixNano()
	}
	return l.writeState(statePath, st)
}

func (l *Loader) writeState(statePath string, st *cacheState) error {
	raw, err := json.MarshalIndent(st, "", " ")
	if err != nil {
		return err
	}
	_, err = writeFileAtomic(statePath, raw)
	return err
}

// writeFileAtomic writes a cache file whole (temporary file, fsync,
// rename) and returns what it wrote.
func writeFileAtomic(path string, data []byte) (os.FileInfo, error) {
	if err := atomicfile.WriteFile(path, data, 0o600); err != nil {
		return nil, fmt.Errorf("writing cache file: %w", err)
	}
	return os.Stat(path)
}

// fetch returns the repodata of a remote subdir, from the cache when fresh
// or confirmed unchanged. Nil data and nil error mean the subdir does not
// exist. The returned source is the clean URL of the file read.
//
// info, when not nil, is told whether the data came from the cache file
// (and then whether it is memory-mapped) and that file's size and mtime.
func (l *Loader) fetch(ctx context.Context, sub location, info *fetchInfo, prog *loadProgress) ([]byte, string, error) {
	if info == nil {
		info = new(fetchInfo)
	}
	key := cacheKey(sub.clean)
	source := sub.clean + "/" + fnJSON
	c := l.readCache(key)
	now := l.now()
	fresh := c.ok && now.Before(time.Unix(0, c.state.Refreshed).Add(maxAge(c.state.CacheControl)))
	if c.ok && c.state.NotFound && (l.Offline || fresh) {
		return nil, source, nil
	}
	if c.data != nil && (l.Offline || fresh) {
		*info = fetchInfo{fromCache: true, mapped: c.mapped, size: c.state.Size, mtimeNs: c.state.MtimeNs}
		return c.data, source, nil
	}
	if l.Offline {
		return nil, source, fmt.Errorf("%s: %w (offline)", source, ErrNotCached)
	}

	st := c.state
	st.URL = source
	tryZst := st.HasZst == nil || st.HasZst.Value || now.Sub(time.Unix(0, st.HasZst.LastChecked)) > zstRecheck
	variants := []string{fnJSON}
	if tryZst {
		variants = []string{fnZst, fnJSON}
	}
	for _, fn := range variants {
		target := sub.child(fn)
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, target.remote.String(), nil)
		if err != nil {
			return nil, source, fmt.Errorf("fetching %s: invalid request", target.clean)
		}
		if l.UserAgent != "" {
			req.Header.Set("User-Agent", l.UserAgent)
		}
		conditional := c.data != nil && st.Variant == fn
		if conditional {
			if st.ETag != "" {
				req.Header.Set("If-None-Match", st.ETag)
			}
			if st.Mod != "" {
				req.Header.Set("If-Modified-Since", st.Mod)
			}
		}
		resp, err := l.client().Do(req)
		if err != nil {
			return nil, source, fmt.Errorf("fetching %s: %w", target.clean, scrubURLError(err))
		}
		if resp.StatusCode == http.StatusOK && l.CacheDir != "" {
			// Straight to the cache file and then mapped: the document
			// is never held in the heap, compressed or not.
			done := prog.track(resp, target.clean)
			data, fi, mapped, err := l.storeStream(key, resp, fn == fnZst, target.clean)
			done()
			if err != nil {
				return nil, source, err
			}
			if fn == fnZst {
				st.HasZst = hasZst(true, now)
			}
			st.Variant = fn
			st.ETag = resp.Header.Get("ETag")
			st.Mod = resp.Header.Get("Last-Modified")
			st.CacheControl = resp.Header.Get("Cache-Control")
			st.Refreshed = now.UnixNano()
			st.NotFound = false
			st.Size, st.MtimeNs = fi.Size(), fi.ModTime().UnixNano()
			_, statePath := l.cachePaths(key)
			if err := l.writeState(statePath, &st); err != nil {
				return nil, source, err
			}
			*info = fetchInfo{mapped: mapped, size: st.Size, mtimeNs: st.MtimeNs}
			return data, target.clean, nil
		}
		done := prog.track(resp, target.clean)
		data, status, err := readResponse(resp, target.clean)
		done()
		if err != nil {
			return nil, source, err
		}
		switch {
		case status == http.StatusNotModified && conditional:
			st.CacheControl = resp.Header.Get("Cache-Control")
			st.Refreshed = now.UnixNano()
			_, statePath := l.cachePaths(key)
			if l.CacheDir != "" {
				if err := l.writeState(statePath, &st); err != nil {
					return nil, source, err
				}
			}
			*info = fetchInfo{fromCache: true, mapped: c.mapped, size: c.state.Size, mtimeNs: c.state.MtimeNs}
			return c.data, target.clean, nil
		case status == http.StatusOK:
			if fn == fnZst {
				data, err = unzstd(data)
				if err != nil {
					return nil, source, fmt.Errorf("reading %s: %w", target.clean, err)
				}
				st.HasZst = hasZst(true, now)
			}
			st.Variant = fn
			st.ETag = resp.Header.Get("ETag")
			st.Mod = resp.Header.Get("Last-Modified")
			st.CacheControl = resp.Header.Get("Cache-Control")
			st.Refreshed = now.UnixNano()
			st.NotFound = false
			if err := l.writeCache(key, &st, data); err != nil {
				return nil, source, err
			}
			*info = fetchInfo{size: st.Size, mtimeNs: st.MtimeNs}
			return data, target.clean, nil
		case status == http.StatusNotFound || status == http.StatusForbidden:
			if fn == fnZst {
				st.HasZst = hasZst(false, now)
				continue
			}
			st = cacheState{URL: source, HasZst: st.HasZst, NotFound: true, Refreshed: now.UnixNano(),
				CacheControl: resp.Header.Get("Cache-Control")}
			if err := l.writeCache(key, &st, nil); err != nil {
				return nil, source, err
			}
			return nil, source, nil
		case status == http.StatusUnauthorized:
			return nil, source, fmt.Errorf("fetching %s: HTTP 401 Unauthorized: the channel needs (other) credentials", target.clean)
		default:
			return nil, source, fmt.Errorf("fetching %s: HTTP %s", target.clean, resp.Status)
		}
	}
	return nil, source, fmt.Errorf("fetching %s: no repodata variant tried", source)
}

func hasZst(v bool, now time.Time) *formatCheck {
	return &formatCheck{Value: v, LastChecked: now.UnixNano()}
}

// storeStream writes the body of a 200 response (decompressed when zst)
// to the cache data file of key, whole (temporary file, fsync, rename),
// and returns it memory-mapped.
func (l *Loader) storeStream(key string, resp *http.Response, zst bool, clean string) (data []byte, fi os.FileInfo, mapped bool, err error) {
	defer resp.Body.Close()
	if err := os.MkdirAll(l.CacheDir, 0o755); err != nil {
		return nil, nil, false, fmt.Errorf("creating repodata cache: %w", err)
	}
	dataPath, _ := l.cachePaths(key)
	f, err := os.CreateTemp(l.CacheDir, "."+filepath.Base(dataPath)+".tmp-*")
	if err != nil {
		return nil, nil, false, fmt.Errorf("writing cache file: %w", err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	body := &countingReader{r: resp.Body}
	var r io.Reader = io.LimitReader(body, maxDocSize+1)
	if zst {
		zr, err := zstd.NewReader(r, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(maxDocSize))
		if err != nil {
			return nil, nil, false, fmt.Errorf("reading %s: zstd: %w", clean, err)
		}
		defer zr.Close()
		r = zr
	}
	n, err := io.Copy(f, io.LimitReader(r, maxDocSize+1))
	switch {
	case resp.ContentLength >= 0 && body.n < resp.ContentLength && (body.err != nil || body.eof):
		return nil, nil, false, fmt.Errorf("reading %s: truncated response (%d of %d bytes)", clean, body.n, resp.ContentLength)
	case err != nil && zst && body.err == nil:
		return nil, nil, false, fmt.Errorf("reading %s: zstd: %w", clean, err)
	case err != nil:
		return nil, nil, false, fmt.Errorf("reading %s: %w", clean, scrubURLError(err))
	case n > maxDocSize || body.n > maxDocSize:
		return nil, nil, false, fmt.Errorf("reading %s: response larger than %d bytes", clean, int64(maxDocSize))
	}
	if err = f.Chmod(0o600); err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), dataPath)
	}
	if err != nil {
		return nil, nil, false, fmt.Errorf("writing cache file: %w", err)
	}
	atomicfile.SyncDir(l.CacheDir)
	data, fi, mapped, err = mapFile(dataPath)
	if err != nil {
		return nil, nil, false, fmt.Errorf("reading cache file: %w", err)
	}
	return data, fi, mapped, nil
}

// countingReader counts the bytes read and remembers how reading ended.
type countingReader struct {
	r   io.Reader
	n   int64
	eof bool
	err error
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if err == io.EOF {
		c.eof = true
	} else if err != nil {
		c.err = err
	}
	return n, err
}

// readResponse reads a 200 response body whole (pre-sized from
// Content-Length) and closes it; other statuses are drained and closed.
func readResponse(resp *http.Response, clean string) ([]byte, int, error) {
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return nil, resp.StatusCode, nil
	}
	size := resp.ContentLength
	if size < 0 || size > maxDocSize {
		size = 1 << 20
	}
	buf := make([]byte, 0, size+1)
	lr := io.LimitReader(resp.Body, maxDocSize+1)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := lr.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, 0, fmt.Errorf("reading %s: %w", clean, scrubURLError(err))
		}
	}
	if len(buf) > maxDocSize {
		return nil, 0, fmt.Errorf("reading %s: response larger than %d bytes", clean, maxDocSize)
	}
	if resp.ContentLength >= 0 && int64(len(buf)) != resp.ContentLength {
		return nil, 0, fmt.Errorf("reading %s: truncated response (%d of %d bytes)", clean, len(buf), resp.ContentLength)
	}
	return buf, resp.StatusCode, nil
}

// scrubURLError drops the URL (which may hold credentials) from a net/http
// error, keeping the cause; callers name the clean URL themselves.
func scrubURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
