// Command envseal is a conda-compatible environment manager whose
// environments carry their secrets sealed inside the lockfile.
//
// The command is thin: each subcommand reads flags and environment into an
// options struct and calls into the library packages (conda, channel, env,
// resolver, lockfile, secrets). Exit codes are chosen once, in exitCode.
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
