//go:build unix

package channel

import (
	"os"

	"golang.org/x/sys/unix"
)

// mapFile maps a whole file read-only; mapped is false when it was read
// into memory instead (empty files, file systems that cannot map). The
// mapping lives as long as the process (an Index has no Close); the file
// may be replaced (renamed over) meanwhile, which leaves the mapped inode
// intact.
func mapFile(path string) (data []byte, fi os.FileInfo, mapped bool, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, false, err
	}
	defer f.Close()
	fi, err = f.Stat()
	if err != nil {
		return nil, nil, false, err
	}
	if fi.Size() == 0 {
		return []byte{}, fi, false, nil
	}
	if fi.Size() > maxDocSize {
		return nil, nil, false, errTooLarge(fi.Size())
	}
	data, err = unix.Mmap(int(f.Fd()), 0, int(fi.Size()), unix.PROT_READ, unix.MAP_SHARED)
	if err == nil {
		return data, fi, true, nil
	}
	data, err = os.ReadFile(path)
	if err != nil {
		return nil, nil, false, err
	}
	return data, fi, false, nil
}

// releasePages tells the kernel the process no longer needs the pages of
// data[:off] resident. They stay in the page cache and fault back in when
// read again. Only for data that mapFile mapped.
func releasePages(data []byte, off int, mapped bool) {
	if !mapped {
		return
	}
	page := os.Getpagesize()
	off -= off % page
	if off <= 0 {
		return
	}
	unix.Madvise(data[:off], unix.MADV_DONTNEED)
}
