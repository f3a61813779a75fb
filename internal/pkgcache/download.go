package pkgcache

import (
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/envseal/envseal/internal/progress"
)

var errStalled = errors.New("download stalled")

// hasher computes both digests of a stream.
type hasher struct {
	sha, md hash.Hash
	n       int64
}

func newHasher() *hasher { return &hasher{sha: sha256.New(), md: md5.New()} }

func (h *hasher) Write(p []byte) (int, error) {
	h.sha.Write(p)
	h.md.Write(p)
	h.n += int64(len(p))
	return len(p), nil
}

func (h *hasher) sums() sums {
	return sums{size: h.n, sha256: hex.EncodeToString(h.sha.Sum(nil)), md5: hex.EncodeToString(h.md.Sum(nil))}
}

// hashFile returns the size and digests of the file at p.
func hashFile(ctx context.Context, p string) (sums, error) {
	f, err := os.Open(p)
	if err != nil {
		return sums{}, err
	}
	defer f.Close()
	h := newHasher()
	if _, err := copyCtx(ctx, h, f); err != nil {
		return sums{}, fmt.Errorf("hashing %s: %w", p, err)
	}
	return h.sums(), nil
}

// copyCtx is io.Copy that stops when ctx is done.
func copyCtx(ctx context.Context, dst io.Writer, src io.Reader) (int64, error) {
	buf := make([]byte, 256<<10)
	var n int64
	for {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		m, rerr := src.Read(buf)
		if m > 0 {
			if _, err := dst.Write(buf[:m]); err != nil {
				return n, err
			}
			n += int64(m)
		}
		if rerr == io.EOF {
			return n, nil
		}
		if rerr != nil {
			return n, rerr
		}
	}
}

// download fetches src into <writable>/<fn>.partial, verifies it and
// renames it to <writable>/<fn>. A partial file left by an earlier attempt
// is resumed; if the result then fails verification it is fetched once
// more from scratch before the mismatch is reported.
func (r *run) download(ctx context.Context, src source, fn string, want sums) (string, sums, error) {
	final := filepath.Join(r.writable, fn)
	partial := final + partialExt
	bar := r.disp.Start(fn, want.size)
	defer bar.Done()
	for fresh := false; ; fresh = true {
		resumed := false
		var got sums
		var err error
		if src.local != "" {
			got, err = copyLocal(ctx, src.local, partial, fn, want, bar)
		} else {
			got, resumed, err = r.httpGet(ctx, src, partial, fn, want, bar)
		}
		if err == nil {
			err = verify(fn, got, want)
		}
		var ve *VerifyError
		if errors.As(err, &ve) {
			os.Remove(partial)
			if resumed && !fresh {
				continue
			}
		}
		if err != nil {
			// Keep a partial worth resuming by a later run; drop the rest.
			if st, serr := os.Stat(partial); serr == nil && (st.Size() == 0 || !retryable(err)) {
				os.Remove(partial)
			}
			return "", sums{}, err
		}
		if err := os.Rename(partial, final); err != nil {
			return "", sums{}, err
		}
		return final, got, nil
	}
}

// copyLocal copies a local archive into partial, hashing it. It never
// copies more than one byte beyond the wanted size.
func copyLocal(ctx context.Context, from, partial, fn string, want sums, bar *progress.Bar) (sums, error) {
	in, err := os.Open(from)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return sums{}, fmt.Errorf("%w: %w", ErrNotFound, err)
		}
		return sums{}, err
	}
	defer in.Close()
	out, err := os.OpenFile(partial, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return sums{}, err
	}
	h := newHasher()
	var rd io.Reader = in
	if want.size > 0 {
		rd = io.LimitReader(in, want.size+1)
	}
	_, err = copyCtx(ctx, io.MultiWriter(out, h, bar), rd)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(partial)
		return sums{}, err
	}
	return h.sums(), nil
}

// httpGet downloads src into partial with retries. resumed reports that
// the result includes bytes from before this call's last request.
func (r *run) httpGet(ctx context.Context, src source, partial, fn string, want sums, bar *progress.Bar) (got sums, resumed bool, err error) {
	retries := r.c.Retries
	switch {
	case retries == 0:
		retries = 3
	case retries < 0:
		retries = 0
	}
	delay := r.c.RetryDelay
	if delay <= 0 {
		delay = time.Second
	}
	for attempt := 0; ; attempt++ {
		got, resumed, err = r.attempt(ctx, src, partial, fn, want, bar)
		if err == nil {
			return got, resumed, nil
		}
		if ctx.Err() != nil {
			return sums{}, false, context.Cause(ctx)
		}
		if !retryable(err) || attempt >= retries {
			if attempt > 0 {
				err = fmt.Errorf("after %d attempts: %w", attempt+1, err)
			}
			return sums{}, false, err
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return sums{}, false, context.Cause(ctx)
		case <-t.C:
		}
		delay = min(2*delay, 30*time.Second)
	}
}

// attempt makes one request, appending to partial when the server honours
// a Range request for the bytes already there, and returns the sums of the
// whole partial file.
func (r *run) attempt(ctx context.Context, src source, partial, fn string, want sums, bar *progress.Bar) (sums, bool, error) {
	f, err := os.OpenFile(partial, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return sums{}, false, err
	}
	defer f.Close()
	off, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		return sums{}, false, err
	}
	restart := func() error {
		off = 0
		if err := f.Truncate(0); err != nil {
			return err
		}
		_, err := f.Seek(0, io.SeekStart)
		return err
	}
	if want.size > 0 && off > want.size {
		if err := restart(); err != nil {
			return sums{}, false, err
		}
	}
	h := newHasher()
	if off > 0 {
		if _, err := copyCtx(ctx, h, io.NewSectionReader(f, 0, off)); err != nil {
			return sums{}, false, err
		}
		if want.size > 0 && off == want.size {
			return h.sums(), true, nil // complete from an earlier run; verify decides
		}
	}

	stall := r.c.StallTimeout
	if stall <= 0 {
		stall = time.Minute
	}
	actx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	timer := time.AfterFunc(stall, func() { cancel(errStalled) })
	defer timer.Stop()
	netErr := func(err error) error {
		if errors.Is(context.Cause(actx), errStalled) {
			err = fmt.Errorf("no data for %v: %w", stall, errStalled)
		}
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // its text holds the URL
		}
		return &netError{err: err}
	}

	req, err := http.NewRequestWithContext(actx, http.MethodGet, src.raw, nil)
	if err != nil {
		return sums{}, false, errors.New("invalid package URL")
	}
	req.Header.Set("Accept-Encoding", "identity") // byte offsets must be those of the archive
	if req.URL.Scheme == "oci" && want.sha256 != "" {
		// An OCI registry serves the blob by digest (channel/oci).
		req.Header.Set("X-Expected-Sha256", want.sha256)
	}
	if off > 0 {
		req.Header.Set("Range", fmt.Sprintf("bytes=%d-", off))
	}
	resp, err := r.client.Do(req)
	if err != nil {
		return sums{}, false, netErr(err)
	}
	defer resp.Body.Close()
	resumed := false
	switch {
	case resp.StatusCode == http.StatusPartialContent && off > 0:
		if start, ok := contentRangeStart(resp.Header.Get("Content-Range")); !ok || start != off {
			if err := restart(); err != nil {
				return sums{}, false, err
			}
			return sums{}, false, &netError{err: fmt.Errorf("server answered a range request for offset %d with %q", off, resp.Header.Get("Content-Range"))}
		}
		resumed = true
	case resp.StatusCode == http.StatusOK:
		if off > 0 { // range not supported: start over
			if err := restart(); err != nil {
				return sums{}, false, err
			}
			h = newHasher()
		}
	case resp.StatusCode == http.StatusRequestedRangeNotSatisfiable && off > 0:
		if err := restart(); err != nil {
			return sums{}, false, err
		}
		return sums{}, false, &netError{err: errors.New("range not satisfiable; restarting the download")}
	default:
		he := &HTTPError{URL: src.shown, StatusCode: resp.StatusCode}
		if errors.Is(he, ErrNotFound) {
			return sums{}, false, fmt.Errorf("%w: %w", ErrNotFound, he)
		}
		return sums{}, false, he
	}
	bar.Set(off)

	buf := make([]byte, 128<<10)
	w := io.MultiWriter(f, h, bar)
	for {
		n, rerr := resp.Body.Read(buf)
		if n > 0 {
			timer.Reset(stall)
			if want.size > 0 && h.n+int64(n) > want.size {
				return sums{}, false, &VerifyError{Package: fn, What: "size", Want: fmt.Sprint(want.size),
					Got: fmt.Sprintf("more than %d", want.size)}
			}
			if _, err := w.Write(buf[:n]); err != nil {
				return sums{}, false, fmt.Errorf("writing %s: %w", partial, err)
			}
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			if ctx.Err() != nil {
				return sums{}, false, context.Cause(ctx)
			}
			if corrupt(rerr) {
				return sums{}, false, rerr // not retried; the partial file goes
			}
			return sums{}, false, netErr(rerr)
		}
	}
	return h.sums(), resumed, nil
}

// corrupt reports whether a body read failed because the transport found
// the content wrong (an oci:// layer whose digest does not match, see
// channel/oci): an error in the chain has a Corrupt method returning true.
func corrupt(err error) bool {
	var c interface{ Corrupt() bool }
	return errors.As(err, &c) && c.Corrupt()
}

// contentRangeStart parses the first byte offset of "bytes a-b/n".
func contentRangeStart(v string) (int64, bool) {
	rest, ok := strings.CutPrefix(strings.TrimSpace(v), "bytes ")
	if !ok {
		return 0, false
	}
	a, _, ok := strings.Cut(rest, "-")
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(a, 10, 64)
	return n, err == nil && n >= 0
}
