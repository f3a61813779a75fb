package main

import "runtime"

// caseSensitiveFS reports whether the usual file systems of this OS tell
// names apart by case (Linux yes; macOS and Windows no by default).
func caseSensitiveFS() bool {
	return runtime.GOOS != "darwin" && runtime.GOOS != "windows"
}
