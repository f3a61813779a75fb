// Package prefix applies a plan to an environment prefix and reads one
// back: linking, unlinking, prefix placeholders, noarch: python,
// conda-meta records, history and state, journaled transactions and
// activation.
//
// It owns everything under a prefix directory. It sits below the
// operations package and imports conda and internal helpers
// (internal/atomicfile) only; it must not import env, resolver, channel,
// lockfile or secrets (see STYLE.md): the caller solves, fetches and
// passes extracted packages and records in.
//
// # Prefixes
//
// [Apply] links extracted packages (the package cache's directories) into
// a prefix per info/paths.json: hard links where possible, copies where a
// prefix placeholder is rewritten (text mode, or binary mode keeping the
// length), symlinks that never leave the prefix, noarch: python moved into
// lib/pythonX.Y/site-packages with entry points generated and .pyc
// compiled by the environment's own python. It writes conda-meta/<dist>.json
// records, conda-meta/history (last) and conda-meta/state as conda does,
// so conda can read the prefix; [ReadPrefix] reads one back.
//
// When a plan moves python to another minor version, the noarch: python
// packages are unlinked and linked again for the new site-packages (with
// new entry points and byte code) in the same transaction, as conda's
// solve_for_diff asks; [NoarchRelinks] says which. A Mach-O file of an
// osx-arm64 package whose binary placeholder was rewritten is re-signed
// ad hoc through a [Signer] ([CodesignSigner] runs codesign on macOS).
//
// # Transactions
//
// A new prefix is built beside its target and renamed into place. A change
// to an existing prefix stages its files, writes a journal, then swaps;
// [Recover], run before every operation on a prefix, rolls an interrupted
// change back or finishes it, so a killed envseal leaves the prefix absent,
// fully old or fully new. A file lock beside the prefix keeps writers apart.
//
// # Verification
//
// [Verify] checks a prefix against its conda-meta records (each file's
// kind, size and sha256, or sha256_in_prefix where a placeholder was
// rewritten), lists foreign files in bin/ and site-packages (pip's
// dist-info RECORD files own what pip installed) and compares the records
// with a lock's. Linking keeps each file's size and mtime in paths_data
// (envseal_size, envseal_mtime_ns; conda ignores them) so that untouched
// files are not read. [Repair] relinks damaged packages through [Apply]'s
// journal, re-extracting cache entries that were damaged through a hard
// link, and removes foreign files only when asked.
//
// # Activation
//
// [ActivationEnv], [ActivateScripts] and [SourcedEnv] give `envseal run` the
// environment `conda activate` would: PATH, CONDA_PREFIX, env_vars and what
// etc/conda/activate.d scripts export.
package prefix
