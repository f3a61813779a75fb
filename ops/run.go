package ops

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	pfx "github.com/envseal/envseal/prefix"
)

// RunOptions are the options of [Run].
type RunOptions struct {
	Host
	// Name or Prefix is the environment (default: the active one).
	Name, Prefix string
	// Args is the command and its arguments.
	Args []string
	// Dir is the directory the command runs in ("" for ours).
	Dir string
	// Lock holds the sealed secrets passed to the command (default
	// envseal.lock, skipped when that default is absent). LockSet says
	// the caller chose Lock, so an absent one is an error.
	Lock    string
	LockSet bool
	// NoSecrets opens and passes no secrets.
	NoSecrets bool
	// Secrets passes only these secrets.
	Secrets []string
	IdentityOptions
	// Exec starts the command, with Stdin, Stdout and Stderr, and waits
	// for it; without it Run only prepares the command.
	Exec           bool
	Stdin          io.Reader
	Stdout, Stderr io.Writer
}

// RunResult is the command [Run] prepared (and ran, with Exec).
type RunResult struct {
	// Path is the executable found on the environment's PATH.
	Path string
	// Args are the command and its arguments (Args[0] as given).
	Args []string
	// Env is the activated environment, secrets included: keep it in
	// memory only.
	Env []string
	Dir string
}

// ExitError is the failure of a command Run started: its exit status
// (128+signal when killed by one).
type ExitError struct {
	Name string
	Code int
}

func (e *ExitError) Error() string { return fmt.Sprintf("%s exited with status %d", e.Name, e.Code) }

// Run prepares a command inside an environment, activated as conda
// activate does: <prefix>/bin first on PATH, CONDA_PREFIX and
// CONDA_DEFAULT_ENV, the environment's variables (conda-meta/state), what
// its etc/conda/activate.d scripts export, and the lock's sealed secrets
// (opened, MAC checked, before anything starts). ENVSEAL_IDENTITY is
// never passed on. With Exec it runs the command; a non-zero exit is an
// [*ExitError].
func Run(ctx context.Context, o RunOptions) (*RunResult, error) {
	h := &o.Host
	if len(o.Args) == 0 {
		return nil, usagef("run: give the COMMAND to run, e.g. envseal run -n NAME -- python -V")
	}
	cfg, err := h.config()
	if err != nil {
		return nil, err
	}
	prefix, err := h.existingPrefix(ctx, o.Name, o.Prefix, cfg, "run")
	if err != nil {
		return nil, err
	}
	environ, err := h.activatedEnv(ctx, prefix)
	if err != nil {
		return nil, err
	}
	// Secrets are opened (MAC checked) before anything runs; on any failure
	// the command is not started.
	if environ, err = h.withSecrets(o, environ); err != nil {
		return nil, err
	}
	// The key that opens every secret is not the child's business.
	environ = withoutVar(environ, "ENVSEAL_IDENTITY")
	path, err := lookPath(o.Args[0], envValue(environ, "PATH"), o.Dir)
	if err != nil {
		return nil, err
	}
	res := &RunResult{Path: path, Args: o.Args, Env: environ, Dir: o.Dir}
	if !o.Exec {
		return res, nil
	}
	return res, execChild(ctx, o, res)
}

// activatedEnv returns the process environment with prefix activated:
// conda's variables, env_vars from conda-meta/state, then what the
// packages' activate.d scripts change.
func (h *Host) activatedEnv(ctx context.Context, prefix string) ([]string, error) {
	environ, scripts, err := h.activation(ctx, prefix)
	if err != nil {
		return nil, err
	}
	if len(scripts) > 0 {
		if environ, err = pfx.SourcedEnv(ctx, environ, scripts); err != nil {
			return nil, err
		}
	}
	return environ, nil
}

// execChild runs the child and passes its exit status through.
func execChild(ctx context.Context, o RunOptions, r *RunResult) error {
	args := r.Args
	cmd := exec.CommandContext(ctx, r.Path, args[1:]...)
	cmd.Args[0] = args[0]
	cmd.Env = r.Env
	cmd.Dir = r.Dir
	cmd.Stdin, cmd.Stdout, cmd.Stderr = o.Stdin, o.Stdout, o.Stderr
	// On interruption the child gets SIGTERM and a moment to finish.
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 10 * time.Second
	err := cmd.Run()
	var exitErr *exec.ExitError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &exitErr):
		code := exitErr.ExitCode()
		if ws, ok := exitErr.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			code = 128 + int(ws.Signal())
		}
		return &ExitError{Name: args[0], Code: code}
	}
	return fmt.Errorf("running %s: %w", args[0], err)
}

// lookPath finds file on pathList (the child's PATH, not ours).
func lookPath(file, pathList, cwd string) (string, error) {
	if strings.Contains(file, "/") {
		p := file
		if !filepath.IsAbs(p) && cwd != "" {
			p = filepath.Join(cwd, p)
		}
		if isExecutable(p) {
			return p, nil
		}
		return "", fmt.Errorf("%s: not an executable file", file)
	}
	for _, dir := range filepath.SplitList(pathList) {
		if dir == "" {
			dir = "."
		}
		p := filepath.Join(dir, file)
		if isExecutable(p) {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s: command not found in the environment's PATH", file)
}

func isExecutable(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}

func envValue(environ []string, key string) string {
	for i := len(environ) - 1; i >= 0; i-- {
		if k, v, ok := strings.Cut(environ[i], "="); ok && k == key {
			return v
		}
	}
	return ""
}

// withSecrets adds the lock's sealed secrets to environ, in memory only.
func (h *Host) withSecrets(o RunOptions, environ []string) ([]string, error) {
	if o.NoSecrets {
		return environ, nil
	}
	path := o.Lock
	if path == "" {
		path = "envseal.lock"
	}
	if _, err := os.Stat(path); err != nil {
		if errors.Is(err, fs.ErrNotExist) && !o.LockSet && len(o.Secrets) == 0 {
			return environ, nil // no lockfile here: nothing to pass
		}
		return nil, fmt.Errorf("secrets: %w", err)
	}
	l, err := readLock(path, false)
	if err != nil {
		return nil, err
	}
	if l.Secrets == nil {
		if len(o.Secrets) > 0 {
			return nil, fmt.Errorf("%s has no secrets section", path)
		}
		return environ, nil
	}
	ids, _, err := h.identities(o.IdentityOptions)
	if err != nil {
		return nil, err
	}
	envName := lockEnvName(o.IdentityOptions, path)
	s, err := l.Secrets.Open(envName, ids...)
	if err != nil {
		return nil, fmt.Errorf("opening the secrets of %s (environment %q): %w", path, envName, err)
	}
	defer s.Close()
	for _, p := range s.Pending() {
		if p.Readable {
			h.warnf("%s is a pending entry of %s (sealed with public keys only, not yet under the MAC): passed; a recipient's next write folds it", p.Name, path)
		} else {
			h.warnf("%s is a pending entry of %s that your identity cannot open (sealed before you were a recipient): not passed", p.Name, path)
		}
	}
	names := o.Secrets
	if len(names) == 0 {
		names = s.Names()
	}
	out := append([]string(nil), environ...)
	for _, n := range names {
		v, ok := s.Get(n)
		if !ok {
			return nil, fmt.Errorf("no secret named %q in %s", n, path)
		}
		out = append(out, n+"="+string(v))
	}
	return out, nil
}
