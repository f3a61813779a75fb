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
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args, streams{In: os.Stdin, Out: os.Stdout, Err: os.Stderr}, os.Environ())
	stop()
	os.Exit(code)
}
