// Package pip installs, locks and exports the `pip:` section of an
// environment.yml, the way conda does: with the environment's own
// interpreter (`<prefix>/bin/python -m pip`), never a pip found on PATH.
//
// It sits beside env in the layout: cmd/envseal links the conda packages
// with env, then calls this package for the pip part of the same prefix.
// It imports nothing of envseal's; everything it knows about the prefix
// comes from the files there (site-packages, conda-meta).
//
// # Install
//
// [Install] writes the `pip:` entries into a temporary requirements file,
// as conda does, after turning paths relative to the environment file's
// directory ([Options].Dir) into absolute ones, and runs `pip install -U
// -r FILE`. Entries may be requirements (`requests>=2`, `name @ URL`,
// local paths), `-r file`, `-c file`, `-e path`, `--index-url`,
// `--extra-index-url`, `--find-links` and any other option pip accepts in
// a requirements file. pip expands `${VAR}` in requirements files from its
// environment, which is how credentials reach it without appearing in
// the files ([Options].PipEnv).
//
// [InstallLocked] installs exact artifacts (`name @ URL --hash=sha256:…`)
// with `--no-deps --require-hashes`, so nothing is resolved and every file
// is verified.
//
// # Lock
//
// [Resolve] asks pip what it would install into an empty environment
// (`--dry-run --ignore-installed --report`) and returns the resolved
// distributions ([Dist]) with their URLs and sha256 digests; [ParseReport]
// reads such a report.
//
// # Export
//
// [Installed] lists the distributions in the prefix's site-packages that
// conda did not install, for `envseal export`'s `pip:` section.
//
// # Environment
//
// The child process gets [Options].Env (typically os.Environ(), which
// this package never reads itself) without PIP_* variables and without
// PYTHONHOME, PYTHONPATH, PYTHONUSERBASE, PYTHONNOUSERSITE, PYTHONSTARTUP,
// PYTHONINSPECT, PYTHONEXECUTABLE, PYTHONPLATLIBDIR, VIRTUAL_ENV and
// __PYVENV_LAUNCHER__, so that nothing of the caller's shell changes what
// pip does; then PYTHONNOUSERSITE=1 (packages in ~/.local are not "already
// satisfied") and [Options].PipEnv, which may set PIP_* on purpose.
//
// # Errors
//
// A failed pip run is a [*Error] naming the failing requirement as pip
// reported it in its "ERROR: …" lines ("No matching distribution found
// for nosuchpkg==1"). A prefix without python is [ErrNoPython]; a python
// without pip is [ErrNoPip].
//
// It owns running the environment's pip. It imports no envseal package:
// callers pass prefixes, requirement lines and environments in.
package pip
