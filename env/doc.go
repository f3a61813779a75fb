// Package env reads and writes conda environment files (environment.yml).
//
// It owns the environment file: its parser, its canonical writer and its
// per-platform selectors. It sits below the operations package and imports
// only the conda vocabulary package and YAML; it must not import prefix,
// resolver, channel, lockfile or secrets (see STYLE.md), and it does no I/O
// beyond reading the file it is given.
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
package env
