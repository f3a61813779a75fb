//go:build !unix

package main

import (
	"os"
	"time"
)

// usage reports the CPU time of a finished process; peak RSS is not
// measured here.
func usage(ps *os.ProcessState) (time.Duration, int64) {
	return ps.UserTime() + ps.SystemTime(), 0
}
