//go:build !linux

package prefix

// syncTreeCoversFiles: syncTree only flushes the directory here.
const syncTreeCoversFiles = false

// syncTree flushes dir to stable storage. Without syncfs only the
// directory itself is synced; metadata files are fsync'd when written.
func syncTree(dir string) error { return syncDir(dir) }
