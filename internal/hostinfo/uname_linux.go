package hostinfo

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// kernelRelease returns uname(2)'s release field.
func kernelRelease() (string, error) {
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		return "", fmt.Errorf("uname: %w", err)
	}
	return unix.ByteSliceToString(u.Release[:]), nil
}
