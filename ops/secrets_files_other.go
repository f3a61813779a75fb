//go:build !linux

package ops

import (
	"errors"
	"os"
)

// memfdFile fails: only Linux has memfd_create; the caller falls back to
// a private directory.
func memfdFile(string, []byte) (*os.File, error) {
	return nil, errors.New("memfd_create is Linux only")
}
