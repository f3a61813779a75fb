package ops

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	pfx "github.com/envseal/envseal/prefix"
)

// ActivateResult is the environment a shell gets when it activates an
// environment: Env is the whole environment after activation; Scripts
// are the packages' etc/conda/activate.d scripts for the shell to source.
type ActivateResult struct {
	Prefix  string
	Env     []string
	Scripts []string
}

// ActivateOptions are the options of [Activate] and [Deactivate].
type ActivateOptions struct {
	Host
	// Target is the environment Activate activates: a name (under the
	// first envs directory) or a path.
	Target string
}

// Activate computes what `envseal activate TARGET` changes in the
// caller's environment (Host.Environ).
func Activate(ctx context.Context, o ActivateOptions) (*ActivateResult, error) {
	h, target := &o.Host, o.Target
	cfg, err := h.config()
	if err != nil {
		return nil, err
	}
	if target == "" {
		return nil, usagef("activate: give an environment name or path")
	}
	prefix := target
	if !strings.ContainsRune(target, filepath.Separator) {
		prefix = filepath.Join(cfg.EnvsDirs[0], target)
	}
	if prefix, err = filepath.Abs(prefix); err != nil {
		return nil, err
	}
	if !prefixExists(prefix) {
		return nil, fmt.Errorf("no environment at %s", prefix)
	}
	after, scripts, err := h.activation(ctx, prefix)
	if err != nil {
		return nil, err
	}
	return &ActivateResult{Prefix: prefix, Env: after, Scripts: scripts}, nil
}

// Deactivate computes the environment after `envseal deactivate`: the
// active environment's variables, bin directory and CONDA_* settings
// undone, the one below it (CONDA_PREFIX_<n>) restored. Its Env is nil
// when no environment is active.
func Deactivate(ctx context.Context, o ActivateOptions) (*ActivateResult, error) {
	h := &o.Host
	prefix := h.getenv("CONDA_PREFIX")
	if prefix == "" {
		return &ActivateResult{}, nil
	}
	vars := map[string]string{}
	for _, kv := range h.Environ {
		if k, v, ok := strings.Cut(kv, "="); ok {
			vars[k] = v
		}
	}
	if pd, err := pfx.ReadPrefix(ctx, prefix); err == nil {
		for _, v := range pd.Variables {
			delete(vars, v.Name)
		}
	}
	bin := filepath.Join(prefix, "bin")
	var path []string
	for _, p := range filepath.SplitList(vars["PATH"]) {
		if p != bin {
			path = append(path, p)
		}
	}
	level, _ := strconv.Atoi(vars["CONDA_SHLVL"])
	delete(vars, "CONDA_PREFIX")
	delete(vars, "CONDA_DEFAULT_ENV")
	delete(vars, "CONDA_PROMPT_MODIFIER")
	if level > 0 {
		level--
	}
	vars["CONDA_SHLVL"] = strconv.Itoa(level)
	prevKey := "CONDA_PREFIX_" + strconv.Itoa(level)
	if prev, ok := vars[prevKey]; ok && level > 0 {
		delete(vars, prevKey)
		vars["CONDA_PREFIX"] = prev
		vars["CONDA_DEFAULT_ENV"] = prev
		path = append([]string{filepath.Join(prev, "bin")}, path...)
	}
	vars["PATH"] = strings.Join(path, string(filepath.ListSeparator))
	after := make([]string, 0, len(vars))
	for k, v := range vars {
		after = append(after, k+"="+v)
	}
	return &ActivateResult{Prefix: prefix, Env: after}, nil
}

// activation returns the process environment with conda's variables for
// prefix and the env_vars of its conda-meta/state, and the packages'
// activate.d scripts (not run).
func (h *Host) activation(ctx context.Context, prefix string) ([]string, []string, error) {
	pd, err := pfx.ReadPrefix(ctx, prefix)
	if err != nil {
		return nil, nil, err
	}
	scripts, err := pfx.ActivateScripts(prefix)
	if err != nil {
		return nil, nil, err
	}
	return pfx.ActivationEnv(prefix, h.Environ, pd.Variables), scripts, nil
}
