// Command envseal is a conda-compatible environment manager whose
// environments carry their secrets sealed inside the lockfile.
//
// The command is thin: each subcommand maps its flags and the process
// environment to an options struct of package ops, which does the work,
// and renders the result (text or --json). It holds flag definitions,
// help, rendering and exit codes (chosen once, in exitCode) and nothing
// else; it does no I/O except through ops and the terminal.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/envseal/envseal/internal/cmdutil"
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

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args, streams{In: os.Stdin, Out: os.Stdout, Err: os.Stderr}, os.Environ())
	stop()
	os.Exit(code)
}

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
	// Flags may follow arguments, as in conda; run's child keeps its own.
	err := app.RunContext(ctx, cmdutil.Intersperse(app, args, func(c *cli.Command) bool { return c.Name == "run" }))
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

// writeJSON writes v indented, with '<', '>' and '&' as they are.
var writeJSON = cmdutil.WriteJSON

// writeJSONError prints a failure in conda's JSON error shape, with the
// exit code and, where envseal knows it, the next step ("guidance").
func writeJSONError(w io.Writer, err error, code int) {
	j := ops.ErrorJSON(err)
	j["exit_code"] = code
	if g := ops.Guidance(err); g != "" {
		j["guidance"] = g
	}
	_ = writeJSON(w, j)
}

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

// show prints a result: doc as JSON with --json, else its text.
func (g *globals) show(c *cli.Context, doc any, text func(io.Writer)) error {
	if c.Bool("json") {
		return writeJSON(g.Out, doc)
	}
	text(g.Out)
	return nil
}
