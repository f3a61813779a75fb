//go:build !linux

package hostinfo

import "errors"

// kernelRelease is only needed for __linux, which only a Linux host
// detects.
func kernelRelease() (string, error) {
	return "", errors.New("kernel release is only read on linux")
}
