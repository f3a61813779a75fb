// Package lockfile is envseal's lock model and every lockfile format it
// reads and writes.
//
// It sits between the resolver's output ([]conda.Record) and the
// installer's input: cmd/envseal solves, turns the records into a [Lock]
// with [FromRecords] or [Lock.SetRecords], records the solve's inputs with
// [Lock.SetInputs], and writes it with [WriteFile]; `install --locked` reads
// it back with [ReadFile], checks [Lock.Stale], and installs
// [Lock.Records]. It imports conda (the vocabulary) and secrets (the sealed
// section it carries) and nothing else of envseal.
//
// # Formats
//
//   - envseal.lock ([Parse], [Marshal]): YAML, "version: 1", strict and
//     canonical. Writing the same lock twice gives the same bytes; the only
//     data that change are data that changed. One decoder per version feeds
//     the one model; an unknown version is a [*VersionError].
//   - conda-lock.yml ([ParseCondaLock], [MarshalCondaLock]): conda-lock's
//     unified lockfile, version 1, conda and pip packages.
//   - pixi.lock ([ParsePixi], [MarshalPixi]): rattler_lock versions 4 to 7
//     read, version 6 written; one environment at a time.
//   - @EXPLICIT ([ParseExplicit], [MarshalExplicit]): conda's URL list for
//     one platform, with #md5 or #sha256 fragments.
//   - pylock.toml ([ParsePylock], [MarshalPylock], [PylockFromLock]):
//     PEP 751, the pip packages of one platform only.
//
// The exclude-newer cut-off ([Metadata].ExcludeNewer) is kept by
// envseal.lock (metadata and inputs) and pixi.lock (the environment's
// exclude-newer option); [EncodeWarnings] says when a format drops it.
//
// Only envseal.lock carries the secrets section and the recorded inputs;
// the other encoders leave them out, as their formats have no place for
// them. Converting between formats keeps every package's name, version,
// build, URL and hashes (an @EXPLICIT file keeps one hash, the MD5 when
// known, and no dependencies).
//
// [Detect] tells the format from the content and [Decode] / [Encode]
// dispatch on it. Every decode error is a [*ParseError] naming the file
// (when the caller gave one), the line where known, and the fault.
//
// # Content hash and staleness
//
// [ContentHash] is a SHA-256 over a canonical encoding of the [Inputs] of
// one platform's solve: specs, pip specs, channels (without credentials),
// channel priority, the platform and the virtual packages assumed. The lock
// stores the canonical inputs beside the hash, so [Lock.Stale] can say
// which input changed rather than only that something did.
//
// # Credentials
//
// No encoder writes a channel token or password: URLs are written with
// ${NAME} placeholders ([RedactChannelURL]); [Lock.Redact] returns the
// values so that the caller can seal them as secrets, and
// [ExpandChannelURL] puts them back when a URL is used.
//
// # Secrets
//
// [Lock.Secrets] is the sealed section of package secrets. It is decoded
// strictly by [secrets.Section.UnmarshalYAML] and written through
// [secrets.Section.Marshal], so a read-modify-write of a lockfile keeps it
// exactly: a version 1 section (one data_key) stays version 1 and a version 2
// section (data_keys per recipient kind, pending entries) stays as it is until
// the secrets package reseals it. The section's own version field, not the
// lock's, says which shape it has; see package secrets for both.
//
// It owns the lock model, its formats and their canonical encoding. It
// imports conda, secrets (for the sealed section) and internal helpers; it
// must not import resolver, channel, env, prefix or ops.
package lockfile
