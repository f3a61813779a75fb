package ops

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// memfdFile returns an anonymous in-memory file holding content, sealed
// against writes, shrinking and growing: it never touches a disk, and it
// disappears with the last descriptor (ours, and the child's).
func memfdFile(name string, content []byte) (*os.File, error) {
	fd, err := unix.MemfdCreate("envseal:"+name, unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING)
	if err != nil {
		return nil, fmt.Errorf("memfd_create: %w", err)
	}
	f := os.NewFile(uintptr(fd), "memfd:"+name)
	if _, err := f.Write(content); err != nil {
		f.Close()
		return nil, fmt.Errorf("writing memfd: %w", err)
	}
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_ADD_SEALS, unix.F_SEAL_SHRINK|unix.F_SEAL_GROW|unix.F_SEAL_WRITE|unix.F_SEAL_SEAL); err != nil {
		f.Close()
		return nil, fmt.Errorf("sealing memfd: %w", err)
	}
	return f, nil
}
