package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	pfx "github.com/envseal/envseal/prefix"
	"github.com/urfave/cli/v2"
)

func runCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name:      "run",
		Usage:     "run a command inside an environment (activated as conda activate does)",
		ArgsUsage: "[-n NAME | -p PREFIX] [--cwd DIR] [--] COMMAND [ARG...]",
		Description: `The command runs with <prefix>/bin first on PATH, CONDA_PREFIX and
CONDA_DEFAULT_ENV set, the environment's variables (conda-meta/state) and
whatever its packages' etc/conda/activate.d/*.sh scripts export. Its exit
status becomes envseal's.`,
		Flags: []cli.Flag{
			nameFlag(), prefixFlag(),
			&cli.StringFlag{Name: "cwd", Usage: "run the command in this directory"},
			&cli.StringFlag{Name: "lock", Value: "envseal.lock", Usage: "lockfile whose sealed secrets are passed to the command (skipped when the default is absent)"},
			&cli.BoolFlag{Name: "no-secrets", Usage: "do not open or pass the sealed secrets"},
			&cli.StringSliceFlag{Name: "secret", Usage: "pass only this secret (repeat for several)"},
			identityFlag,
			envNameFlag,
		},
		Action: func(c *cli.Context) error { return g.run(c) },
	}
}

// activatedEnv returns the process environment with prefix activated:
// conda's variables, env_vars from conda-meta/state, then what the
// packages' activate.d scripts change.
func (g *globals) activatedEnv(c *cli.Context, prefix string) ([]string, error) {
	pd, err := pfx.ReadPrefix(c.Context, prefix)
	if err != nil {
		return nil, err
	}
	environ := pfx.ActivationEnv(prefix, g.environ, pd.Variables)
	scripts, err := pfx.ActivateScripts(prefix)
	if err != nil {
		return nil, err
	}
	if len(scripts) > 0 {
		if environ, err = pfx.SourcedEnv(c.Context, environ, scripts); err != nil {
			return nil, err
		}
	}
	return environ, nil
}

func (g *globals) run(c *cli.Context) error {
	if c.NArg() == 0 {
		return usagef("run: give the COMMAND to run, e.g. envseal run -n NAME -- python -V")
	}
	cfg, err := loadConfig(g.getenv)
	if err != nil {
		return err
	}
	prefix, err := g.existingPrefix(c, cfg)
	if err != nil {
		return err
	}
	environ, err := g.activatedEnv(c, prefix)
	if err != nil {
		return err
	}
	// Secrets are opened (MAC checked) before anything runs; on any failure
	// the command is not started.
	if environ, err = g.withSecrets(c, environ); err != nil {
		return err
	}
	// The key that opens every secret is not the child's business.
	environ = withoutVar(environ, "ENVSEAL_IDENTITY")
	args := c.Args().Slice()
	path, err := lookPath(args[0], envValue(environ, "PATH"), c.String("cwd"))
	if err != nil {
		return err
	}
	return g.exec(c, path, args, environ)
}

// exec runs the child and passes its exit status through.
func (g *globals) exec(c *cli.Context, path string, args, environ []string) error {
	cmd := exec.CommandContext(c.Context, path, args[1:]...)
	cmd.Args[0] = args[0]
	cmd.Env = environ
	cmd.Dir = c.String("cwd")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = g.In, g.Out, g.Err
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
		return &silentError{code: code, err: fmt.Errorf("%s exited with status %d", args[0], code)}
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
func (g *globals) withSecrets(c *cli.Context, environ []string) ([]string, error) {
	if c.Bool("no-secrets") {
		return environ, nil
	}
	path := c.String("lock")
	if _, err := os.Stat(path); err != nil {
		if errors.Is(err, fs.ErrNotExist) && !c.IsSet("lock") && len(c.StringSlice("secret")) == 0 {
			return environ, nil // no lockfile here: nothing to pass
		}
		return nil, fmt.Errorf("secrets: %w", err)
	}
	l, err := readLock(path, false)
	if err != nil {
		return nil, err
	}
	if l.Secrets == nil {
		if len(c.StringSlice("secret")) > 0 {
			return nil, fmt.Errorf("%s has no secrets section", path)
		}
		return environ, nil
	}
	ids, _, err := g.identities(c)
	if err != nil {
		return nil, err
	}
	envName := lockEnvName(c, path)
	o, err := l.Secrets.Open(envName, ids...)
	if err != nil {
		return nil, fmt.Errorf("opening the secrets of %s (environment %q): %w", path, envName, err)
	}
	defer o.Close()
	names := c.StringSlice("secret")
	if len(names) == 0 {
		names = o.Names()
	}
	out := append([]string(nil), environ...)
	for _, n := range names {
		v, ok := o.Get(n)
		if !ok {
			return nil, fmt.Errorf("no secret named %q in %s", n, path)
		}
		out = append(out, n+"="+string(v))
	}
	return out, nil
}

// withoutVar returns environ without key.
func withoutVar(environ []string, key string) []string {
	out := environ[:0:0]
	for _, kv := range environ {
		if k, _, _ := strings.Cut(kv, "="); k != key {
			out = append(out, kv)
		}
	}
	return out
}
