// Package env reads and writes conda environment files (environment.yml)
// and builds, changes and reads environment prefixes.
//
// It sits below cmd/envseal and imports only the conda vocabulary package;
// it never imports resolver, channel or lockfile (see STYLE.md).
//
// # environment.yml
//
// [Parse] and [ReadFile] turn an environment file into a [File], reporting
// every problem with its file name, line and column as a [*ParseError] (or
// several joined with errors.Join). Problems conda itself only warns about
// (unknown top-level keys, a pip section without pip, …) are returned in
// [File.Warnings] rather than failing. [File.Marshal] writes a File back in
// the canonical layout of `conda env export`.
//
// The file format is the one documented by CEP 24: the keys name, prefix,
// channels, dependencies and variables, plus the platforms and category
// extensions used by conda-lock and pixi. Plain YAML scalars are typed the
// way conda's YAML loader (YAML 1.1) types them, so `- 3.10` is the float
// 3.1, not the string "3.10", and `yes` is a boolean.
//
// # Selectors
//
// Two per-dependency selector forms exist in the wild and both are kept on
// [Dependency.Selector] rather than applied while parsing:
//
//   - conda-lock's comment form, `- gcc_linux-64  # [linux64]`;
//   - micromamba's dictionary form, `- sel(linux): gcc_linux-64`.
//
// [File.DependenciesFor] applies them for one target platform. Selectors on
// pip entries, channels or platforms are not supported: the entry is kept
// for every platform and a warning says so.
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
// # Transactions
//
// A new prefix is built beside its target and renamed into place. A change
// to an existing prefix stages its files, writes a journal, then swaps;
// [Recover], run before every operation on a prefix, rolls an interrupted
// change back or finishes it, so a killed envseal leaves the prefix absent,
// fully old or fully new. A file lock beside the prefix keeps writers apart.
//
// # Activation
//
// [ActivationEnv], [ActivateScripts] and [SourcedEnv] give `envseal run` the
// environment `conda activate` would: PATH, CONDA_PREFIX, env_vars and what
// etc/conda/activate.d scripts export.
package env
