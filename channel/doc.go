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
// of a name are then cached. The raw bytes (memory-mapped where the
// document is an uncompressed file) stay available for that purpose.
//
// # Sharded repodata (CEP-16)
//
// A subdir that serves repodata_shards.msgpack.zst (local or remote) is read
// through it instead of repodata.json: the shard index maps each package
// name to the sha256 of that name's shard, and a shard is fetched only when
// [Index.Candidates] is first asked for its name. Each decoded shard starts
// background fetches of the shards its records depend on (at most
// [Loader.MaxShardFetches] requests at a time), so the dependency graph is
// walked in parallel while the solver works. Shards are cached by hash
// under <CacheDir>/shards-v1/ and never revalidated; a shard is checked
// against its hash whenever it is read and cached only after it matched and
// decoded. The index itself is revalidated like repodata. Records from
// shards are the same values as records from repodata.json.
//
// # Per-name index of a full repodata.json
//
// An uncompressed repodata.json (a local one, or the cached copy of a
// remote one) is memory-mapped, and the result of its scan is kept in the
// cache (index-v1/ for local documents, <key>.idx beside a cached one). A
// later load of the unchanged document reads that index instead of
// scanning, and only the records of the names asked for are ever read.
//
// # Sources and caching
//
// A channel is a local directory, a file:// URL, an http(s):// URL or an
// oci:// URL (an OCI registry: the HTTPClient's transport must serve the
// oci scheme, see package channel/oci). Each is
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
