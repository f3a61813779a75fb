//go:build !linux

package env

// syncTree flushes dir to stable storage. Without syncfs only the
// directory itself is synced; metadata files are fsync'd when written.
func syncTree(dir string) error { return syncDir(dir) }
