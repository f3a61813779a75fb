// Package pkgcache fetches conda package archives into a shared package
// cache and extracts them there, laid out as conda's pkgs directory.
//
// It sits between cmd/envseal, which hands it the records of a solve (or a
// lockfile), and package env, which links the extracted directories it
// returns into prefixes. Archives are extracted with internal/archive.
//
// # Layout
//
// A cache directory holds, as conda's does:
//
//	<pkgs>/urls.txt                     one URL per fetched archive, appended
//	<pkgs>/<fn>                         the archive, e.g. zlib-1.2.13-h5_0.conda
//	<pkgs>/<fn>.partial                 a download in progress (resumable)
//	<pkgs>/<dist>/                      the extracted package: info/ + files
//	<pkgs>/<dist>/info/repodata_record.json
//
// plus envseal's own lock files in <pkgs>/.envseal-locks/ and, while an
// extraction runs, <pkgs>/.envseal-tmp-<dist>-<random>/.
//
// repodata_record.json is written as conda writes it: the package's
// info/index.json overlaid with the record (so repodata patches win), with
// the credential-free url, channel, fn, md5, sha256 and size of the
// archive. It is written into the temporary directory before that directory
// is renamed into place, and it doubles as the completion marker: an
// extracted directory is used only when its repodata_record.json names the
// wanted sha256 (md5 when the record has no sha256) and every path listed in
// info/paths.json is present with its recorded size. Anything else
// (half-written by a crashed conda, tampered with, another build of the same
// dist) is replaced.
//
// # Several directories
//
// [Cache.Dirs] lists the cache directories in order. The first one that can
// be written to receives downloads and extractions; all of them, writable or
// not, are searched for extracted packages and verified archives.
//
// # Downloads
//
// Archives come from https://, http://, file:// URLs or plain paths, and
// from oci:// URLs when the HTTPClient's transport serves that scheme
// (channel/oci; the wanted sha256 goes along in X-Expected-Sha256 so
// that the registry blob is fetched by digest).
// [Cache.Jobs] of them are fetched at once. A download goes to
// <fn>.partial, is resumed with an HTTP Range request after a network
// failure (or from an earlier, interrupted run) and is restarted when the
// server ignores the range. Network errors, 408, 429 and 5xx responses are
// retried with exponential backoff; other responses (404) are not. The size
// and sha256 (md5 when only that is known) are verified before the archive
// is renamed to <fn>; on a mismatch the partial file is deleted and a
// [*VerifyError] names the package and both values.
//
// # Concurrency
//
// Every package is fetched and extracted while holding an exclusive file
// lock (flock) on <pkgs>/.envseal-locks/<dist>.lock, so goroutines and
// processes sharing a cache directory never write the same entry at once;
// the second to arrive finds the finished entry. A lock file is never
// deleted (deleting a lock file others wait on breaks mutual exclusion).
//
// # Credentials
//
// The URL of a record may carry an anaconda.org token (/t/<token>/) or
// basic-auth user information. It is used for the request only: messages
// show /t/<TOKEN>/ and ***@, and urls.txt and repodata_record.json get the
// URL without them.
//
// It owns the package cache directories and their lock. It imports conda,
// internal/archive and internal/progress; it must not import channel,
// resolver, env, prefix, lockfile or ops.
package pkgcache
