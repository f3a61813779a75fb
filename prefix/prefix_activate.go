package prefix

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// ActivationEnv returns base (a list of "KEY=value" as from os.Environ)
// with the environment at prefix activated the way `conda activate` does
// it for a POSIX shell: <prefix>/bin first on PATH (the bin directory of a
// previously active environment, named by CONDA_PREFIX, is taken off),
// CONDA_PREFIX, CONDA_DEFAULT_ENV (the name for a prefix inside an "envs"
// directory, else the path), CONDA_SHLVL incremented,
// CONDA_PREFIX_<n> remembering the previous prefix, CONDA_PROMPT_MODIFIER,
// and then vars (the env_vars of conda-meta/state) on top. base is not
// modified; the result is sorted by key.
func ActivationEnv(prefix string, base []string, vars []Variable) []string {
	m := make(map[string]string, len(base)+8)
	for _, kv := range base {
		k, v, ok := strings.Cut(kv, "=")
		if ok && k != "" {
			m[k] = v
		}
	}
	bin := filepath.Join(prefix, "bin")
	var path []string
	oldBin := ""
	if old := m["CONDA_PREFIX"]; old != "" {
		oldBin = filepath.Join(old, "bin")
	}
	for _, p := range filepath.SplitList(m["PATH"]) {
		if p != "" && p != bin && p != oldBin {
			path = append(path, p)
		}
	}
	m["PATH"] = strings.Join(append([]string{bin}, path...), string(os.PathListSeparator))
	level, _ := strconv.Atoi(m["CONDA_SHLVL"])
	if old := m["CONDA_PREFIX"]; old != "" && old != prefix {
		m["CONDA_PREFIX_"+strconv.Itoa(level)] = old
	}
	m["CONDA_SHLVL"] = strconv.Itoa(level + 1)
	m["CONDA_PREFIX"] = prefix
	name := prefix
	if filepath.Base(filepath.Dir(prefix)) == "envs" {
		name = filepath.Base(prefix)
	}
	m["CONDA_DEFAULT_ENV"] = name
	m["CONDA_PROMPT_MODIFIER"] = "(" + name + ") "
	for _, v := range vars {
		m[v.Name] = v.Value
	}
	out := make([]string, 0, len(m))
	for k, v := range m {
		out = append(out, k+"="+v)
	}
	slices.Sort(out)
	return out
}

// ActivateScripts returns the POSIX activation scripts of the environment
// at prefix (etc/conda/activate.d/*.sh), sorted by name as conda sources
// them. A prefix without the directory has none.
func ActivateScripts(prefix string) ([]string, error) {
	dir := filepath.Join(prefix, "etc", "conda", "activate.d")
	ents, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("listing activation scripts: %w", err)
	}
	var out []string
	for _, e := range ents {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".sh") {
			out = append(out, filepath.Join(dir, e.Name()))
		}
	}
	slices.Sort(out)
	return out, nil
}

// SourcedEnv sources scripts, in order, in one `/bin/sh` started with the
// environment env and returns the environment they leave (captured with
// `env -0`), sorted by key. Whatever the scripts print goes to the error
// text when one fails, never into the result. The shell's own bookkeeping
// variables (_, SHLVL, PWD, OLDPWD) keep their values from env.
func SourcedEnv(ctx context.Context, env []string, scripts []string) ([]string, error) {
	var script strings.Builder
	for _, s := range scripts {
		script.WriteString(". ")
		script.WriteString(shQuote(s))
		script.WriteString(" >&2 || exit $?\n")
	}
	script.WriteString("exec env -0\n")
	cmd := exec.CommandContext(ctx, "/bin/sh", "-c", script.String())
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("sourcing activation scripts %s: %w: %s", strings.Join(scripts, ", "), err, strings.TrimSpace(stderr.String()))
	}
	keep := map[string]bool{"_": true, "SHLVL": true, "PWD": true, "OLDPWD": true}
	orig := map[string]string{}
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok && keep[k] {
			orig[k] = v
		}
	}
	var out []string
	for _, kv := range strings.Split(stdout.String(), "\x00") {
		k, _, ok := strings.Cut(kv, "=")
		if !ok || keep[k] {
			continue
		}
		out = append(out, kv)
	}
	for k, v := range orig {
		out = append(out, k+"="+v)
	}
	slices.Sort(out)
	return out, nil
}

// shQuote quotes s for a POSIX shell.
func shQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
