//go:build unix

package main

import (
	"os"
	"syscall"
	"time"
)

// usage is the CPU time and peak RSS (KiB on Linux) of a finished process.
func usage(ps *os.ProcessState) (time.Duration, int64) {
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok && ru != nil {
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), int64(ru.Maxrss)
	}
	return 0, 0
}
