package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/envseal/envseal/ops"
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
	exitDrift       = 7 // envseal verify found drift
	exitInterrupted = 130
	// exitNoIdentity: a secrets section nobody here can open is not the
	// same failure as one that was tampered with (README).
	exitNoIdentity = 5
)

// streams are the standard streams a command reads and writes; tests pass
// buffers.
type streams struct {
	In  io.Reader
	Out io.Writer
	Err io.Writer
}

// usageError is a mistake in how the command was called (exit 2); the
// library reports its own the same way.
type usageError = ops.UsageError

func usagef(format string, args ...any) error {
	return &usageError{Msg: fmt.Sprintf(format, args...)}
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
	app := newApp(io, environ, args)
	err := app.RunContext(ctx, args)
	if err == nil {
		return exitOK
	}
	code := exitCode(ctx, err)
	var silent *silentError
	var child *ops.ExitError // the child spoke for itself
	switch {
	case errors.As(err, &silent), errors.As(err, &child):
	case wantsJSON(args):
		// Every --json failure is JSON on stdout: error, exit_code and,
		// where known, guidance (README).
		writeJSONError(io.Out, err, code)
	default:
		fmt.Fprintf(io.Err, "envseal: %v\n", err)
	}
	return code
}

// wantsJSON reports whether the command line asks for --json (before a
// "--" that starts a child's arguments).
func wantsJSON(args []string) bool {
	for _, a := range args[1:] {
		if a == "--" {
			return false
		}
		if a == "--json" || a == "--json=true" {
			return true
		}
	}
	return false
}

// exitCode maps an error to the process exit status.
func exitCode(ctx context.Context, err error) int {
	var ue *usageError
	// Only our own errors choose their code: a wrapped *exec.ExitError
	// (pip, an activation script) also has ExitCode, but its status is not
	// one of envseal's (pip's 2 is not a usage error, nor its 4 tampering).
	var ec *silentError
	var child *ops.ExitError
	var unsat *resolver.UnsolvableError
	var integrity *secrets.IntegrityError
	var badVersion *secrets.VersionError
	var noID *ops.NoIdentityError
	switch {
	case errors.Is(err, context.Canceled) && ctx.Err() != nil:
		return exitInterrupted
	case errors.As(err, &ec):
		return ec.ExitCode()
	case errors.As(err, &child):
		return child.Code
	case errors.As(err, &ue):
		return exitUsage
	case errors.As(err, &unsat):
		return exitUnsolvable
	case errors.As(err, &integrity), errors.As(err, &badVersion):
		return exitIntegrity
	case errors.Is(err, secrets.ErrNoIdentityMatched), errors.As(err, &noID):
		return exitNoIdentity
	}
	return exitError
}

func newApp(s streams, environ, args []string) *cli.App {
	g := &globals{streams: s, environ: append([]string(nil), environ...), args: args}
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
			return &usageError{Msg: suggestFlag(err, c.App.Flags)}
		},
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "verbose", Aliases: []string{"v"}, Usage: "say more about what happens"},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "say less"},
		},
		Before: func(c *cli.Context) error { g.verbose = c.Bool("verbose"); return nil },
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
			mergeDriverCommand(g),
			treeCommand(g),
			configCommand(g),
			envCommand(g),
			completionCommand(g),
			verifyCommand(g),
			kernelCommand(g),
		},
	}
	for _, c := range app.Commands {
		setUsageErrors(c, "envseal "+c.Name)
	}
	app.Commands = append(app.Commands, completeCommand(g, func() *cli.App { return app }))
	app.Action = unknownCommand("envseal", app.Commands, func(c *cli.Context) error { return cli.ShowAppHelp(c) })
	return app
}

// setUsageErrors makes flag-parsing failures of every subcommand exit 2
// and suggests the nearest flag; a command with subcommands and no action
// of its own refuses (and suggests for) a word that names none of them.
func setUsageErrors(c *cli.Command, path string) {
	c.OnUsageError = func(_ *cli.Context, err error, _ bool) error {
		return &usageError{Msg: fmt.Sprintf("%s: %s", c.Name, suggestFlag(err, c.Flags))}
	}
	if len(c.Subcommands) > 0 && c.Action == nil {
		c.Action = unknownCommand(path, c.Subcommands, nil)
	}
	for _, sub := range c.Subcommands {
		setUsageErrors(sub, path+" "+sub.Name)
	}
}

// globals is what every subcommand shares: streams and environment access.
type globals struct {
	streams
	environ []string // the process environment, "KEY=value"
	args    []string // the command line, recorded in conda-meta/history
	verbose bool     // -v/--verbose before the command
}

// host is what the library is told about this process: the environment,
// the command line, and where its messages go. render receives the
// events of the command's own (plans, changes); warnings and notices go
// to stderr.
func (g *globals) host(quiet bool, render func(ops.Event)) ops.Host {
	return ops.Host{Environ: g.environ, Events: eventFunc(func(e ops.Event) {
		switch e := e.(type) {
		case *ops.Warning:
			fmt.Fprintf(g.Err, "envseal: warning: %s\n", e.Msg)
		case *ops.ConfigWarning:
			fmt.Fprintln(g.Err, "warning:", e.Msg)
		case *ops.Notice:
			fmt.Fprintf(g.Err, "envseal: %s\n", e.Msg)
		default:
			if render != nil {
				render(e)
			}
		}
	}), Log: g.Err, Quiet: quiet, Verbose: g.verbose, Args: g.args, Version: version}
}

// eventFunc adapts a function to ops.Events.
type eventFunc func(ops.Event)

func (f eventFunc) Event(e ops.Event) { f(e) }

// jsonErrors prints a failure of a --json command in conda's JSON error
// shape on stdout and keeps its exit code.
func jsonErrors(c *cli.Context, out io.Writer, err error) error {
	if err != nil && c.Bool("json") {
		code := exitCode(c.Context, err)
		writeJSONError(out, err, code)
		return &silentError{code: code, err: err}
	}
	return err
}
