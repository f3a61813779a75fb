package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/envseal/envseal/resolver"
	"github.com/envseal/envseal/secrets"
	"github.com/urfave/cli/v2"
)

// version is the envseal release; set with -ldflags "-X main.version=…".
var version = "0.1.0-dev"

// Exit codes, chosen once here (STYLE.md §3).
const (
	exitOK          = 0
	exitError       = 1
	exitUsage       = 2
	exitUnsolvable  = 3
	exitIntegrity   = 4
	exitFound       = 6 // envseal scan found plaintext secrets
	exitInterrupted = 130
)

// streams are the standard streams a command reads and writes; tests pass
// buffers.
type streams struct {
	In  io.Reader
	Out io.Writer
	Err io.Writer
}

// usageError is a mistake in how the command was called (exit 2).
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// silentError carries an exit code for a failure whose message has already
// been written (for example as JSON on stdout).
type silentError struct {
	code int
	err  error
}

func (e *silentError) Error() string { return e.err.Error() }
func (e *silentError) Unwrap() error { return e.err }
func (e *silentError) ExitCode() int { return e.code }

// run is the whole program: tests call it with buffers and an environment
// of their own ("KEY=value" entries, as os.Environ gives).
func run(ctx context.Context, args []string, io streams, environ []string) int {
	app := newApp(io, environ)
	err := app.RunContext(ctx, args)
	if err == nil {
		return exitOK
	}
	code := exitCode(ctx, err)
	var silent *silentError
	if !errors.As(err, &silent) {
		fmt.Fprintf(io.Err, "envseal: %v\n", err)
	}
	return code
}

// exitCode maps an error to the process exit status.
func exitCode(ctx context.Context, err error) int {
	var ue *usageError
	// Only our own errors choose their code: a wrapped *exec.ExitError
	// (pip, an activation script) also has ExitCode, but its status is not
	// one of envseal's (pip's 2 is not a usage error, nor its 4 tampering).
	var ec *silentError
	switch {
	case errors.Is(err, context.Canceled) && ctx.Err() != nil:
		return exitInterrupted
	case errors.As(err, &ec):
		return ec.ExitCode()
	case errors.As(err, &ue):
		return exitUsage
	}
	var unsat *resolver.UnsolvableError
	var integrity *secrets.IntegrityError
	var badVersion *secrets.VersionError
	var noID *noIdentityError
	switch {
	case errors.As(err, &unsat):
		return exitUnsolvable
	case errors.As(err, &integrity), errors.As(err, &badVersion):
		return exitIntegrity
	case errors.Is(err, secrets.ErrNoIdentityMatched), errors.As(err, &noID):
		return exitNoIdentity
	}
	return exitError
}

func newApp(s streams, environ []string) *cli.App {
	vars := make(map[string]string, len(environ))
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok {
			vars[k] = v
		}
	}
	lookupEnv := func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
	g := &globals{streams: s, lookupEnv: lookupEnv, environ: append([]string(nil), environ...)}
	app := &cli.App{
		Name:      "envseal",
		Usage:     "conda-compatible environments with secrets sealed in the lockfile",
		Version:   version,
		Reader:    s.In,
		Writer:    s.Out,
		ErrWriter: s.Err,
		// The default handler calls os.Exit inside Run (skipping defers);
		// errors are mapped to exit codes in run instead.
		ExitErrHandler:  func(*cli.Context, error) {},
		HideHelpCommand: true,
		OnUsageError: func(c *cli.Context, err error, isSubcommand bool) error {
			return &usageError{msg: err.Error()}
		},
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "verbose", Aliases: []string{"v"}, Usage: "say more about what happens"},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "say less"},
		},
		// -v is --verbose, as in conda; the version is --version / -V.
		HideVersion: true,
		Commands: []*cli.Command{
			{
				Name:  "version",
				Usage: "print the envseal version",
				Action: func(c *cli.Context) error {
					_, err := fmt.Fprintf(s.Out, "envseal %s\n", version)
					return err
				},
			},
			createCommand(g),
			installCommand(g),
			updateCommand(g),
			removeCommand(g),
			listCommand(g),
			envsCommand(g),
			runCommand(g),
			shellHookCommand(g),
			shellCommand(g),
			cleanCommand(g),
			lockCommand(g),
			exportCommand(g),
			secretsCommand(g),
			searchCommand(g),
			infoCommand(g),
			indexCommand(g),
			uploadCommand(g),
			scanCommand(g),
			guardCommand(g),
		},
	}
	for _, c := range app.Commands {
		setUsageErrors(c)
	}
	return app
}

// setUsageErrors makes flag-parsing failures of every subcommand exit 2.
func setUsageErrors(c *cli.Command) {
	c.OnUsageError = func(_ *cli.Context, err error, _ bool) error {
		return &usageError{msg: fmt.Sprintf("%s: %v", c.Name, err)}
	}
	for _, sub := range c.Subcommands {
		setUsageErrors(sub)
	}
}

// globals is what every subcommand shares: streams and environment access.
type globals struct {
	streams
	lookupEnv func(string) (string, bool)
	environ   []string // the process environment, "KEY=value"
}

func (g *globals) getenv(key string) string {
	v, _ := g.lookupEnv(key)
	return v
}
