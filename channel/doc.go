// Package channel reads conda channel indexes (repodata.json) and keeps a
// lazily decoded, per-name index of their records.
//
// It sits between cmd/envseal and the resolver: cmd/envseal asks a [Loader]
// for the repodata of some channels and a platform, and hands the resulting
// [Index] to the resolver, which only ever asks for the candidates of the
// package names its solve touches.
//
// # Lazy decoding
//
// A conda-forge subdir holds some 465,000 records (about 240 MB of JSON).
// Loading one makes a single structural pass over the bytes: for each record
// it keeps the byte range of its key and value, grouped by package name (the
// record's "name" field, found during the same pass). No record is decoded
// until [Index.Candidates] is first asked for its name; the decoded records
// of a name are then cached. The raw bytes stay in memory for that purpose.
//
// # Sources and caching
//
// A channel is a local directory, a file:// URL or an http(s):// URL. Each is
// read for the target platform and for noarch, preferring repodata.json.zst
// over repodata.json (and repodata.json.bz2 for local channels). Remote
// repodata is cached under [Loader.CacheDir] keyed by a hash of the
// credential-free URL, with the HTTP validators (ETag, Last-Modified,
// Cache-Control max-age) in a state file beside it.
//
// # Credentials
//
// Tokens (/t/<token>/) and basic-auth user information in a channel URL are
// used for requests only. They never appear in errors, cache file names,
// cache state, Record.URL or Record.Channel.
//
// It owns repodata: fetching (full, sharded), the on-disk cache and the
// per-name index. It imports conda and internal helpers only; it must not
// import resolver, env, prefix, lockfile, secrets or ops (it satisfies
// resolver.Index without importing it).
package channel
