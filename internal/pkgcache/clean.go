package pkgcache

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/envseal/envseal/internal/archive"
)

// CleanReport lists what a clean removed, or would remove in a dry run.
type CleanReport struct {
	// Paths are the removed files and directories, sorted.
	Paths []string
	// Bytes is the total size of the regular files among them (files
	// hard-linked into environments are counted although their data stays
	// in use).
	Bytes int64
}

// CleanTarballs removes the package archives (*.conda, *.tar.bz2) and
// partial downloads from every cache directory it can write to, as
// `conda clean --tarballs` does. An archive whose package is being fetched
// right now (its lock is held) is skipped. With dryRun nothing is removed.
func (c *Cache) CleanTarballs(ctx context.Context, dryRun bool) (CleanReport, error) {
	return c.clean(ctx, dryRun, func(name string, isDir bool) (string, bool) {
		if isDir {
			return "", false
		}
		base := strings.TrimSuffix(name, partialExt)
		dist, ok := archive.TrimExt(base)
		return dist, ok && dist != ""
	})
}

// CleanUnused removes extracted package directories whose dist name
// ("zlib-1.2.13-hd590300_5") is not in inUse, as `conda clean --packages`
// does, and leftovers of interrupted extractions. A package being fetched
// right now is skipped. With dryRun nothing is removed.
func (c *Cache) CleanUnused(ctx context.Context, inUse map[string]bool, dryRun bool) (CleanReport, error) {
	return c.clean(ctx, dryRun, func(name string, isDir bool) (string, bool) {
		if !isDir || name == lockDir {
			return "", false
		}
		for _, pre := range []string{tmpPrefix, trashPrefix} {
			if rest, ok := strings.CutPrefix(name, pre); ok {
				if i := strings.LastIndexByte(rest, '-'); i > 0 {
					return rest[:i], true
				}
				return "", false
			}
		}
		if strings.HasPrefix(name, ".") || inUse[name] {
			return "", false
		}
		return name, true
	})
}

// clean removes the members of each writable cache directory that pick
// selects, each under the lock of the dist pick names.
func (c *Cache) clean(ctx context.Context, dryRun bool, pick func(name string, isDir bool) (dist string, ok bool)) (CleanReport, error) {
	r, err := c.newRun(false)
	if err != nil {
		return CleanReport{}, err
	}
	var rep CleanReport
	var errs []error
	for _, dir := range r.dirs {
		des, err := os.ReadDir(dir)
		if err != nil {
			if !errors.Is(err, fs.ErrNotExist) {
				errs = append(errs, err)
			}
			continue
		}
		if probeWritable(dir) != nil {
			continue // read-only caches are left alone
		}
		for _, de := range des {
			if err := ctx.Err(); err != nil {
				return rep, err
			}
			isDir := de.IsDir()
			dist, ok := pick(de.Name(), isDir)
			if !ok {
				continue
			}
			if isDir && !strings.HasPrefix(de.Name(), ".") {
				// Only directories that look like packages (have info/).
				if st, err := os.Stat(filepath.Join(dir, de.Name(), "info")); err != nil || !st.IsDir() {
					continue
				}
			}
			unlock, err := r.lock(ctx, dir, dist, false)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			if unlock == nil {
				continue // in use by a fetch
			}
			p := filepath.Join(dir, de.Name())
			n := treeSize(p)
			if !dryRun {
				err = os.RemoveAll(p)
			}
			unlock()
			if err != nil {
				errs = append(errs, err)
				continue
			}
			rep.Paths = append(rep.Paths, p)
			rep.Bytes += n
		}
	}
	sort.Strings(rep.Paths)
	return rep, errors.Join(errs...)
}

// treeSize sums the sizes of the regular files under p (p included).
func treeSize(p string) int64 {
	var n int64
	filepath.WalkDir(p, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if info, err := d.Info(); err == nil {
				n += info.Size()
			}
		}
		return nil
	})
	return n
}
