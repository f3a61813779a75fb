//go:build !unix

package channel

import "os"

// mapFile reads a whole file (no mmap on this platform); mapped is false.
func mapFile(path string) (data []byte, fi os.FileInfo, mapped bool, err error) {
	fi, err = os.Stat(path)
	if err != nil {
		return nil, nil, false, err
	}
	if fi.Size() > maxDocSize {
		return nil, nil, false, errTooLarge(fi.Size())
	}
	data, err = os.ReadFile(path)
	return data, fi, false, err
}

func releasePages(data []byte, off int, mapped bool) {}
