package pkgcache

import (
	"errors"
	"fmt"
	"net/http"
)

// VerifyError reports an archive whose size or checksum differs from the
// one its record promises. The archive is deleted before the error is
// returned; the error is not retried.
type VerifyError struct {
	// Package is the archive file name, e.g. "zlib-1.2.13-hd590300_5.conda".
	Package string
	// What is "sha256", "md5" or "size".
	What string
	// Want and Got are the promised and the actual value (hex digests, or
	// byte counts in decimal).
	Want, Got string
}

func (e *VerifyError) Error() string {
	if e.What == "size" {
		return fmt.Sprintf("%s: size mismatch: want %s bytes, got %s", e.Package, e.Want, e.Got)
	}
	return fmt.Sprintf("%s: %s mismatch: want %s, got %s", e.Package, e.What, e.Want, e.Got)
}

// HTTPError is an unsuccessful HTTP response. URL has its credentials
// replaced by placeholders. Responses 408, 429 and 5xx are retried before
// this error is returned; others (404) are not.
type HTTPError struct {
	URL        string
	StatusCode int
}

func (e *HTTPError) Error() string {
	return fmt.Sprintf("GET %s: HTTP %d %s", e.URL, e.StatusCode, http.StatusText(e.StatusCode))
}

// Is makes errors.Is(err, ErrNotFound) true for a 404 or 410 response.
func (e *HTTPError) Is(target error) bool {
	return target == ErrNotFound && (e.StatusCode == http.StatusNotFound || e.StatusCode == http.StatusGone)
}

func (e *HTTPError) retryable() bool {
	return e.StatusCode >= 500 || e.StatusCode == http.StatusTooManyRequests || e.StatusCode == http.StatusRequestTimeout
}

// ErrNotFound is matched (errors.Is) by errors for archives the server or
// file system does not have.
var ErrNotFound = errors.New("package archive not found")

// ErrNoWritableDir is returned when a package must be fetched but no
// directory of [Cache.Dirs] is writable.
var ErrNoWritableDir = errors.New("no writable package cache directory")

// netError marks a failure of the transfer itself (connection refused,
// reset, stalled, truncated body), which is retried.
type netError struct{ err error }

func (e *netError) Error() string { return e.err.Error() }
func (e *netError) Unwrap() error { return e.err }

// retryable reports whether a download attempt that failed with err may be
// repeated.
func retryable(err error) bool {
	var ne *netError
	if errors.As(err, &ne) {
		return true
	}
	var he *HTTPError
	return errors.As(err, &he) && he.retryable()
}
