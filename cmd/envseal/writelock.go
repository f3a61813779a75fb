package main

import (
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
