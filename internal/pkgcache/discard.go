package pkgcache

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/envseal/envseal/conda"
	"github.com/envseal/envseal/internal/archive"
)

// Discard removes the extracted directories of rec from every cache
// directory (under each one's package lock), keeping the archives, so that
// the next [Cache.Fetch] extracts it anew from a verified archive or
// downloads it again. It is for an extraction damaged through a hard link
// into a prefix, which [Cache.Lookup] cannot see (it checks sizes only).
// Directories that cannot be removed are reported in the error.
func (c *Cache) Discard(ctx context.Context, rec *conda.Record) error {
	r, err := c.newRun(false)
	if err != nil {
		return err
	}
	fn, err := fileName(rec, "")
	if err != nil {
		return err
	}
	dist, _ := archive.TrimExt(fn)
	for _, d := range r.dirs {
		dir := filepath.Join(d, dist)
		if _, err := os.Lstat(dir); err != nil {
			continue
		}
		unlock, err := r.lock(ctx, d, dist, true)
		if err != nil {
			return err
		}
		// Renamed aside first: another process never sees half a directory.
		tmp := filepath.Join(d, "."+dist+".discard")
		os.RemoveAll(tmp)
		err = os.Rename(dir, tmp)
		unlock()
		if err != nil {
			return fmt.Errorf("discarding the extraction of %s in %s: %w", dist, d, err)
		}
		os.RemoveAll(tmp)
	}
	return nil
}
