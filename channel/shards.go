package channel

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/envseal/envseal/conda"
	"github.com/klauspost/compress/zstd"
)

// This file is the CEP-16 sharded repodata client. A subdir that serves
// repodata_shards.msgpack.zst is read through it instead of repodata.json:
// the index (package name → sha256 of that name's shard) is fetched and
// revalidated like repodata (ETag, Last-Modified, Cache-Control), and a
// shard is fetched only when the resolver first asks for its name. Each
// fetched shard then starts background fetches of the shards of the names
// its records depend on, bounded by [Loader.MaxShardFetches], so that the
// dependency graph is walked in parallel while the solver works.
//
// Shards are cached by hash under <CacheDir>/shards-v1/<sha256>.msgpack.zst.
// A cached shard is never revalidated; its hash is checked whenever it is
// read, and a shard is only written to the cache after its hash matched and
// it decoded, so nothing bad is cached.

// shardKeySuffix marks the cache key of a shard index (beside the repodata
// cache entry of the same subdir).
const shardKeySuffix = ".shards"

// maxShardSize bounds a decompressed shard or shard index.
const maxShardSize = 1 << 30

// defaultShardFetches is the default bound on concurrent shard requests.
const defaultShardFetches = 16

// ErrShardNotFound is wrapped by the error for a shard the index lists but
// the channel does not serve.
var ErrShardNotFound = errors.New("shard not found")

// shardSource serves the records of one sharded subdir.
type shardSource struct {
	// ctx is the context of the Load call. Shards are fetched on demand,
	// after Load has returned, when the resolver asks for a name (its
	// Candidates method has no context); cancelling ctx fails those
	// fetches.
	ctx context.Context
	l   *Loader

	channel  string
	subdir   string
	indexURL string // clean URL of the shard index, for errors
	si       *shardIndex

	localDir  string   // local channels: the directory holding the shards
	remote    *url.URL // remote channels: request URL of the shard directory (with credentials), ending in "/"
	cleanBase string   // credential-free URL of the shard directory, ending in "/"
	baseURL   string   // credential-free package base URL, no trailing slash

	fetches *fetchGroup
}

// fetchGroup is shared by the sharded subdirs of one Load: the bound on
// concurrent requests and one zstd decoder.
type fetchGroup struct {
	client   *http.Client // for shards: keeps enough idle connections
	sem      chan struct{}
	dec      *zstd.Decoder
	progress *loadProgress

	qmu     sync.Mutex
	queue   []prefetchJob // background loads not started yet
	workers int           // goroutines draining queue, at most cap(sem)
}

func newFetchGroup(n int) (*fetchGroup, error) {
	if n <= 0 {
		n = defaultShardFetches
	}
	dec, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(0), zstd.WithDecoderMaxMemory(maxShardSize))
	if err != nil {
		return nil, err
	}
	return &fetchGroup{sem: make(chan struct{}, n), dec: dec, client: &http.Client{}}, nil
}

// shardClient returns the client for n parallel shard requests: the
// Loader's, but when it uses the default transport (which keeps two idle
// connections per host, so that most parallel requests would pay a new
// connection), a copy of that transport keeping n.
func (l *Loader) shardClient(n int) *http.Client {
	if n <= 0 {
		n = defaultShardFetches
	}
	c := http.Client{}
	if l.HTTPClient != nil {
		c = *l.HTTPClient
	}
	if c.Transport == nil {
		if dt, ok := http.DefaultTransport.(*http.Transport); ok {
			t := dt.Clone()
			t.MaxIdleConnsPerHost = n
			c.Transport = t
		}
	}
	return &c
}

func (g *fetchGroup) unzstd(raw []byte) ([]byte, error) {
	var h zstd.Header
	var dst []byte
	if h.Decode(raw) == nil && h.HasFCS && h.FrameContentSize < 64<<20 {
		dst = make([]byte, 0, h.FrameContentSize)
	}
	data, err := g.dec.DecodeAll(raw, dst)
	if err != nil {
		return nil, fmt.Errorf("zstd: %w", err)
	}
	return data, nil
}

// loadSharded returns the part of a subdir read through its shard index,
// or nil when the subdir has none.
func (l *Loader) loadSharded(ctx context.Context, channel, subdir string, sub location, g *fetchGroup) (*part, error) {
	var raw []byte
	var parsed *shardIndex // by the download's validation, when there was one
	indexURL := sub.clean + "/" + ShardIndexFile
	key := cacheKey(sub.clean) + shardKeySuffix
	if sub.remote == nil {
		var err error
		raw, err = os.ReadFile(filepath.Join(sub.dir, ShardIndexFile))
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("reading shard index: %w", err)
		}
	} else {
		var found bool
		var err error
		raw, found, err = l.fetchShardIndex(ctx, sub, key, g, func(raw []byte) error {
			var err error
			parsed, err = parseShardIndexFile(raw, g)
			return err
		})
		if err != nil || !found {
			return nil, err
		}
	}
	si, err := parsed, error(nil)
	if si == nil {
		si, err = parseShardIndexFile(raw, g)
	}
	if err != nil {
		if sub.remote != nil {
			l.dropCache(key)
		}
		return nil, fmt.Errorf("reading %s: %w", indexURL, err)
	}
	s := &shardSource{ctx: ctx, l: l, channel: channel, subdir: subdir, indexURL: indexURL, si: si, fetches: g}
	if si.subdir != "" {
		s.subdir = si.subdir
	}
	s.baseURL = sub.clean
	if si.baseURL != "" {
		if s.baseURL, err = resolveBaseURL(sub.clean, si.baseURL); err != nil {
			return nil, fmt.Errorf("reading %s: %w", indexURL, err)
		}
	}
	if err := s.resolveShardsBase(sub); err != nil {
		return nil, fmt.Errorf("reading %s: %w", indexURL, err)
	}
	p := newPart(indexURL, channel, s.subdir, s.baseURL, nil, &scanned{names: si.names})
	p.shards = s
	return p, nil
}

func parseShardIndexFile(raw []byte, g *fetchGroup) (*shardIndex, error) {
	data, err := g.unzstd(raw)
	if err != nil {
		return nil, err
	}
	return parseShardIndex(data)
}

// resolveShardsBase resolves info.shards_base_url against the index URL:
// empty means the subdir itself.
func (s *shardSource) resolveShardsBase(sub location) error {
	ref := s.si.shardsBaseURL
	if ref != "" && !strings.HasSuffix(ref, "/") {
		ref += "/"
	}
	refURL, err := url.Parse(ref)
	if err != nil {
		return fmt.Errorf("invalid shards_base_url %q", redactRaw(s.si.shardsBaseURL))
	}
	if sub.remote == nil {
		from, _ := url.Parse(sub.clean + "/")
		u := from.ResolveReference(refURL)
		if u.Scheme != "file" {
			return fmt.Errorf("shards_base_url %q of a local channel is not a local path", redactRaw(s.si.shardsBaseURL))
		}
		s.localDir = filepath.FromSlash(u.Path)
		s.cleanBase = u.String()
		if !strings.HasSuffix(s.cleanBase, "/") {
			s.cleanBase += "/"
		}
		return nil
	}
	from := *sub.remote
	from.Path = strings.TrimSuffix(from.Path, "/") + "/"
	u := from.ResolveReference(refURL)
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("shards_base_url %q is not an http(s) URL", redactRaw(s.si.shardsBaseURL))
	}
	s.remote = u
	s.cleanBase = cleanURL(u) + "/"
	return nil
}

// load returns the records of names[i], fetching its shard when needed.
func (s *shardSource) load(i int) ([]*conda.Record, error) {
	name := s.si.names[i]
	hash := s.si.hashes[i]
	hexHash := hex.EncodeToString(hash[:])
	file := hexHash + ".msgpack.zst"
	where := s.cleanBase + file
	raw, fromCache, err := s.raw(hash, file)
	if err != nil {
		return nil, fmt.Errorf("channel %s: shard of package %q (%s): %w", s.channel, name, where, err)
	}
	recs, err := s.decode(name, raw)
	if err != nil {
		if fromCache {
			os.Remove(s.cachePath(file))
		}
		return nil, fmt.Errorf("channel %s: shard of package %q (%s): %w", s.channel, name, where, err)
	}
	if !fromCache && s.remote != nil && s.l.CacheDir != "" {
		// Only a shard whose hash matched and that decoded is kept.
		// Best effort: a failed write only costs a later download.
		writeShardCache(s.cachePath(file), raw)
	}
	return recs, nil
}

func (s *shardSource) cachePath(file string) string {
	return filepath.Join(s.l.CacheDir, "shards-v1", file)
}

// raw returns the compressed shard with the given hash, from the cache, the
// local channel or the server. Its hash has been checked.
func (s *shardSource) raw(hash [32]byte, file string) (raw []byte, fromCache bool, err error) {
	if s.remote == nil {
		raw, err := os.ReadFile(filepath.Join(s.localDir, file))
		if errors.Is(err, fs.ErrNotExist) {
			return nil, false, fmt.Errorf("%w in the channel directory", ErrShardNotFound)
		}
		if err != nil {
			return nil, false, err
		}
		return raw, false, checkHash(raw, hash)
	}
	if s.l.CacheDir != "" {
		raw, err := os.ReadFile(s.cachePath(file))
		if err == nil {
			if checkHash(raw, hash) == nil {
				return raw, true, nil
			}
			os.Remove(s.cachePath(file))
		}
	}
	if s.l.Offline {
		return nil, false, fmt.Errorf("%w (offline)", ErrNotCached)
	}
	if err := s.ctx.Err(); err != nil {
		return nil, false, err
	}
	select {
	case s.fetches.sem <- struct{}{}:
	case <-s.ctx.Done():
		return nil, false, s.ctx.Err()
	}
	defer func() { <-s.fetches.sem }()
	u := *s.remote
	u.Path += file
	u.RawPath = ""
	req, err := http.NewRequestWithContext(s.ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, false, errors.New("invalid request")
	}
	if s.l.UserAgent != "" {
		req.Header.Set("User-Agent", s.l.UserAgent)
	}
	resp, err := s.fetches.client.Do(req)
	if err != nil {
		return nil, false, scrubURLError(err)
	}
	raw, status, err := readResponse(resp, s.cleanBase+file)
	if err != nil {
		return nil, false, err
	}
	switch status {
	case http.StatusOK:
	case http.StatusNotFound, http.StatusGone:
		return nil, false, fmt.Errorf("%w on the server (HTTP %d)", ErrShardNotFound, status)
	case http.StatusUnauthorized:
		return nil, false, errors.New("HTTP 401 Unauthorized: the channel needs (other) credentials")
	default:
		return nil, false, fmt.Errorf("HTTP %s", resp.Status)
	}
	s.fetches.progress.shardFetched(int64(len(raw)))
	return raw, false, checkHash(raw, hash)
}

// checkHash verifies a shard against the sha256 its index lists.
func checkHash(raw []byte, want [32]byte) error {
	got := sha256.Sum256(raw)
	if got != want {
		return fmt.Errorf("sha256 mismatch: got %s, the shard index lists %s", hex.EncodeToString(got[:]), hex.EncodeToString(want[:]))
	}
	return nil
}

// writeShardCache stores a verified shard. No fsync: a torn file fails its
// hash check on the next read and is fetched again.
func writeShardCache(path string, raw []byte) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return
	}
	f, err := os.CreateTemp(dir, ".shard-*")
	if err != nil {
		return
	}
	_, werr := f.Write(raw)
	cerr := f.Close()
	if werr != nil || cerr != nil || os.Rename(f.Name(), path) != nil {
		os.Remove(f.Name())
	}
}

// decode turns a compressed shard into the records of name: .conda wins
// over the .tar.bz2 of the same name-version-build, records whose version
// conda cannot order are left out (as in repodata.json), and a record named
// otherwise is an error.
func (s *shardSource) decode(name string, raw []byte) ([]*conda.Record, error) {
	data, err := s.fetches.unzstd(raw)
	if err != nil {
		return nil, err
	}
	srs, err := decodeShard(data)
	if err != nil {
		return nil, err
	}
	var condaStems map[string]bool
	for _, sr := range srs {
		if sr.conda {
			if condaStems == nil {
				condaStems = map[string]bool{}
			}
			condaStems[strings.TrimSuffix(sr.fn, ".conda")] = true
		}
	}
	recs := make([]conda.Record, 0, len(srs))
	for _, sr := range srs {
		if !sr.conda && condaStems != nil && strings.HasSuffix(sr.fn, ".tar.bz2") && condaStems[strings.TrimSuffix(sr.fn, ".tar.bz2")] {
			continue
		}
		recs = recs[:len(recs)+1]
		r := &recs[len(recs)-1]
		if err := r.UnmarshalJSON(sr.json); err != nil {
			if errors.Is(err, conda.ErrInvalidVersion) {
				recs = recs[:len(recs)-1]
				continue
			}
			return nil, fmt.Errorf("record %q: %w", sr.fn, err)
		}
		if r.Name != name {
			return nil, fmt.Errorf("record %q is named %q", sr.fn, r.Name)
		}
		r.Fn = sr.fn
		r.Channel = s.channel
		if r.Subdir == "" {
			r.Subdir = s.subdir
		}
		if s.baseURL != "" {
			r.URL = s.baseURL + "/" + sr.fn
		}
	}
	out := make([]*conda.Record, len(recs))
	for k := range recs {
		out[k] = &recs[k]
	}
	return out, nil
}

// depNames returns the package names the records depend on.
func depNames(recs []*conda.Record) []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range recs {
		for _, d := range r.Depends {
			n := depName(d)
			if n != "" && !seen[n] {
				seen[n] = true
				out = append(out, n)
			}
		}
	}
	return out
}

// depName is the package name of a dependency spec ("numpy >=1.20",
// "python_abi 3.9.* *_cp39", "conda-forge::zlib", "pkg[version='>1']").
func depName(spec string) string {
	spec = strings.TrimSpace(spec)
	if i := strings.LastIndex(spec, "::"); i >= 0 {
		spec = spec[i+2:]
	}
	if i := strings.IndexAny(spec, " =<>!~[;@"); i >= 0 {
		spec = spec[:i]
	}
	return strings.ToLower(spec)
}

// prefetch starts background loads of names in every sharded part of the
// group, for names not started yet.
func prefetch(group []*part, names []string) {
	for _, n := range names {
		for _, p := range group {
			i := p.lookup(n)
			if i < 0 {
				continue
			}
			s := &p.slots[i]
			if s.started.CompareAndSwap(false, true) {
				p.shards.fetches.enqueue(p, i)
			}
		}
	}
}

// prefetchJob is a queued background load of one name's shard.
type prefetchJob struct {
	p *part
	i int
}

// enqueue queues a background load and starts a worker when fewer than the
// fetch bound are running: a dependency graph of thousands of names never
// holds more than that many goroutines. The load counts towards the
// progress burst from now on.
func (g *fetchGroup) enqueue(p *part, i int) {
	g.progress.shardLoadStart()
	g.qmu.Lock()
	g.queue = append(g.queue, prefetchJob{p, i})
	start := g.workers < cap(g.sem)
	if start {
		g.workers++
	}
	g.qmu.Unlock()
	if start {
		go g.work()
	}
}

func (g *fetchGroup) work() {
	for {
		g.qmu.Lock()
		if len(g.queue) == 0 {
			g.workers--
			g.qmu.Unlock()
			return
		}
		j := g.queue[0]
		g.queue[0] = prefetchJob{}
		g.queue = g.queue[1:]
		g.qmu.Unlock()
		j.p.records(j.i)
		g.progress.shardLoadEnd()
	}
}

// fetchShardIndex returns the compressed shard index of a remote subdir,
// from the cache when fresh or confirmed unchanged. found is false when the
// subdir serves none (remembered for a week, as conda does for
// repodata.json.zst) or, offline, when none is cached. valid is called on a
// newly downloaded index before it is cached.
func (l *Loader) fetchShardIndex(ctx context.Context, sub location, key string, g *fetchGroup, valid func([]byte) error) (raw []byte, found bool, err error) {
	target := sub.child(ShardIndexFile)
	c := l.readCache(key)
	now := l.now()
	refreshed := time.Unix(0, c.state.Refreshed)
	if c.ok && c.state.NotFound && (l.Offline || now.Sub(refreshed) < zstRecheck) {
		return nil, false, nil
	}
	if c.data != nil && (l.Offline || now.Before(refreshed.Add(maxAge(c.state.CacheControl)))) {
		return c.data, true, nil
	}
	if l.Offline {
		return nil, false, nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target.remote.String(), nil)
	if err != nil {
		return nil, false, fmt.Errorf("fetching %s: invalid request", target.clean)
	}
	if l.UserAgent != "" {
		req.Header.Set("User-Agent", l.UserAgent)
	}
	if c.data != nil {
		if c.state.ETag != "" {
			req.Header.Set("If-None-Match", c.state.ETag)
		}
		if c.state.Mod != "" {
			req.Header.Set("If-Modified-Since", c.state.Mod)
		}
	}
	// The shards' client, so that its connection is reused for them.
	resp, err := g.client.Do(req)
	if err != nil {
		return nil, false, fmt.Errorf("fetching %s: %w", target.clean, scrubURLError(err))
	}
	done := g.progress.track(resp, target.clean)
	data, status, err := readResponse(resp, target.clean)
	done()
	if err != nil {
		return nil, false, err
	}
	st := cacheState{URL: target.clean, Variant: ShardIndexFile, Refreshed: now.UnixNano(), CacheControl: resp.Header.Get("Cache-Control")}
	switch {
	case status == http.StatusNotModified && c.data != nil:
		st.ETag, st.Mod, st.Size, st.MtimeNs = c.state.ETag, c.state.Mod, c.state.Size, c.state.MtimeNs
		if l.CacheDir != "" {
			_, statePath := l.cachePaths(key)
			if err := l.writeState(statePath, &st); err != nil {
				return nil, false, err
			}
		}
		return c.data, true, nil
	case status == http.StatusOK:
		if err := valid(data); err != nil {
			return nil, false, fmt.Errorf("reading %s: %w", target.clean, err)
		}
		st.ETag = resp.Header.Get("ETag")
		st.Mod = resp.Header.Get("Last-Modified")
		if err := l.writeCache(key, &st, data); err != nil {
			return nil, false, err
		}
		return data, true, nil
	case status == http.StatusNotFound || status == http.StatusForbidden || status == http.StatusGone:
		st.NotFound = true
		if err := l.writeCache(key, &st, nil); err != nil {
			return nil, false, err
		}
		return nil, false, nil
	case status == http.StatusUnauthorized:
		return nil, false, fmt.Errorf("fetching %s: HTTP 401 Unauthorized: the channel needs (other) credentials", target.clean)
	default:
		return nil, false, fmt.Errorf("fetching %s: HTTP %s", target.clean, resp.Status)
	}
}

// readShardIndexBytes is parseShardIndexFile for callers outside a Load
// (tests, tools): it decompresses and decodes a repodata_shards.msgpack.zst.
func readShardIndexBytes(raw []byte) (*shardIndex, error) {
	g, err := newFetchGroup(1)
	if err != nil {
		return nil, err
	}
	return parseShardIndexFile(bytes.Clone(raw), g)
}
