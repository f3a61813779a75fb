//go:build !unix

package prefix

import "io/fs"

// linkCount is unknown here.
func linkCount(fs.FileInfo) (uint64, bool) { return 0, false }
