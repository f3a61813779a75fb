package main

import (
	"fmt"

	"github.com/envseal/envseal/internal/writelock"
	"github.com/urfave/cli/v2"
)

// lockTimeoutFlag bounds how long a command that rewrites envseal.lock or
// environment.yml waits for another envseal writing the same file.
var lockTimeoutFlag = &cli.DurationFlag{
	Name:  "lock-timeout",
	Value: writelock.DefaultTimeout,
	Usage: "how long to wait for another envseal writing the same file",
}

// lockForWrite takes the write lock of target (a file the command reads,
// changes and writes back) for the whole read-modify-write, saying once
// on stderr whom it waits for. Release the lock after the rename.
func (g *globals) lockForWrite(c *cli.Context, target string) (*writelock.Lock, error) {
	return writelock.Acquire(c.Context, target, writelock.Options{
		Timeout: c.Duration("lock-timeout"),
		Waiting: func(pid int) {
			if pid > 0 {
				fmt.Fprintf(g.Err, "envseal: waiting for another envseal writing %s (pid %d)\n", target, pid)
			} else {
				fmt.Fprintf(g.Err, "envseal: waiting for another envseal writing %s\n", target)
			}
		},
	})
}
