package prefix

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/envseal/envseal/conda"
)

// Source gives extracted packages to relink installed packages from: the
// package cache, fetching what it lacks. The operations package adapts
// internal/pkgcache to it.
type Source interface {
	// Packages returns one extracted package per record, in order. With
	// again, the cached extractions of recs are damaged (a file changed
	// through a hard link into the prefix): they must be extracted anew
	// from a verified archive, or fetched again.
	Packages(ctx context.Context, recs []*conda.Record, again bool) ([]Package, error)
}

// RepairOptions tune [Repair].
type RepairOptions struct {
	// Prune also removes the report's foreign files, in the same
	// transaction. Without it they are left alone.
	Prune bool
	// Cmd is the command line recorded in conda-meta/history.
	Cmd string
	// Apply are the options of the transaction (nil: defaults).
	Apply *ApplyOptions
}

// RepairResult says what [Repair] did.
type RepairResult struct {
	// Relinked are the dists linked again, sorted.
	Relinked []string
	// Reextracted are the dists whose cached extraction was damaged too
	// and was replaced before relinking, sorted.
	Reextracted []string
	// Pruned are the foreign files removed.
	Pruned []string
	// Result is the transaction's (nil when there was nothing to do).
	Result *Result
}

// Repair relinks the damaged packages of rep (modified or missing files)
// from src and, with opts.Prune, removes rep's foreign files, as one
// journaled transaction of [Apply]: a killed repair leaves the prefix as it
// was or fully repaired. Cached extractions are checked against their
// info/paths.json first; damaged ones are asked of src again. Lock drift
// is not repaired (that is an install of the lock). The records relinked
// keep their requested_spec.
func Repair(ctx context.Context, prefix string, rep *Report, src Source, opts *RepairOptions) (*RepairResult, error) {
	if opts == nil {
		opts = &RepairOptions{}
	}
	out := &RepairResult{}
	damaged := rep.Damaged()
	var prune []string
	if opts.Prune {
		prune = rep.Foreign
	}
	if len(damaged) == 0 && len(prune) == 0 {
		return out, nil
	}
	pd, err := ReadPrefix(ctx, prefix)
	if err != nil {
		return nil, err
	}
	var recs []*conda.Record
	var inst []*InstalledRecord
	for _, d := range damaged {
		r := pd.Record(d.Name)
		if r == nil || r.DistName() != d.Dist {
			return nil, fmt.Errorf("repairing %s: the prefix changed since it was verified (%s is no longer installed); verify again", prefix, d.Dist)
		}
		rec := r.Record
		recs = append(recs, &rec)
		inst = append(inst, r)
	}
	// Python first: noarch: python packages are linked against it.
	order := make([]int, len(recs))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		pa, pb := recs[a].Name == "python", recs[b].Name == "python"
		switch {
		case pa && !pb:
			return -1
		case pb && !pa:
			return 1
		}
		return strings.Compare(recs[a].Name, recs[b].Name)
	})
	var pkgs []Package
	if len(recs) > 0 {
		pkgs, err = src.Packages(ctx, recs, false)
		if err != nil {
			return nil, fmt.Errorf("fetching packages to repair %s: %w", prefix, err)
		}
		if len(pkgs) != len(recs) {
			return nil, fmt.Errorf("fetching packages to repair %s: %d packages for %d records", prefix, len(pkgs), len(recs))
		}
		var again []int
		for i, p := range pkgs {
			bad, err := DamagedExtraction(ctx, p.Dir)
			if err != nil {
				return nil, err
			}
			if len(bad) > 0 {
				again = append(again, i)
			}
		}
		if len(again) > 0 {
			sub := make([]*conda.Record, len(again))
			for k, i := range again {
				sub[k] = recs[i]
			}
			fresh, err := src.Packages(ctx, sub, true)
			if err != nil {
				return nil, fmt.Errorf("extracting damaged packages again to repair %s: %w", prefix, err)
			}
			if len(fresh) != len(sub) {
				return nil, fmt.Errorf("extracting damaged packages again: %d packages for %d records", len(fresh), len(sub))
			}
			for k, i := range again {
				bad, err := DamagedExtraction(ctx, fresh[k].Dir)
				if err != nil {
					return nil, err
				}
				if len(bad) > 0 {
					return nil, fmt.Errorf("package %s extracted at %s does not match its info/paths.json (%s)", recs[i].DistName(), fresh[k].Dir, bad[0])
				}
				pkgs[i] = fresh[k]
				out.Reextracted = append(out.Reextracted, recs[i].DistName())
			}
		}
		// Byte code kept beside an extraction (hard-linked into the
		// prefix) may be what was damaged: let it be compiled again.
		for i, d := range damaged {
			for _, m := range d.Modified {
				if strings.HasSuffix(m.Path, ".pyc") {
					os.RemoveAll(filepath.Join(pkgs[i].Dir, pycCacheDir))
					break
				}
			}
		}
	}
	plan := &Plan{Cmd: opts.Cmd, Prune: prune}
	for _, i := range order {
		p := pkgs[i]
		p.Record = recs[i]
		p.RequestedSpec = inst[i].RequestedSpec
		plan.Link = append(plan.Link, p)
		out.Relinked = append(out.Relinked, recs[i].DistName())
	}
	res, err := Apply(ctx, prefix, plan, opts.Apply)
	if err != nil {
		return nil, err
	}
	out.Result = res
	out.Pruned = slices.Clone(prune)
	slices.Sort(out.Relinked)
	slices.Sort(out.Reextracted)
	return out, nil
}

// DamagedExtraction checks the files of the extracted package in dir
// against its info/paths.json (size, and sha256 where given) and returns
// the package paths that differ or are missing, sorted. Files are hashed
// in parallel.
func DamagedExtraction(ctx context.Context, dir string) ([]string, error) {
	paths, err := ReadPaths(dir)
	if err != nil {
		return nil, err
	}
	var files []PathEntry
	for _, e := range paths {
		if e.PathType == PathHardlink {
			files = append(files, e)
		}
	}
	bad := make([]bool, len(files))
	var wg sync.WaitGroup
	next := make(chan int)
	for range min(runtime.NumCPU(), max(len(files), 1)) {
		wg.Go(func() {
			buf := make([]byte, 256<<10)
			for i := range next {
				e := files[i]
				name := filepath.Join(dir, filepath.FromSlash(e.Path))
				st, err := os.Lstat(name)
				if err != nil || !st.Mode().IsRegular() || (e.Size > 0 && st.Size() != e.Size) {
					bad[i] = true
					continue
				}
				if e.SHA256 == "" {
					continue
				}
				sum, _, err := hashFile(name, buf)
				bad[i] = err != nil || !strings.EqualFold(sum, e.SHA256)
			}
		})
	}
feed:
	for i := range files {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []string
	for i, b := range bad {
		if b {
			out = append(out, files[i].Path)
		}
	}
	return out, nil
}

// addPrune adds the foreign files of prune to the journal's removals,
// leaving alone what a package that stays owns or the stage adds.
func (j *journal) addPrune(prefix string, prune []string, owners map[string]string) error {
	root, err := os.OpenRoot(prefix)
	if err != nil {
		return err
	}
	defer root.Close()
	skip := map[string]bool{}
	for _, p := range j.Add {
		skip[p] = true
	}
	for _, p := range j.Remove {
		skip[p] = true
	}
	for _, p := range prune {
		if _, ok := owners[p]; ok || skip[p] || checkRelPath(p) != nil {
			continue
		}
		st, err := root.Lstat(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("pruning %s: %w", p, err)
		}
		if st.IsDir() {
			continue
		}
		j.Remove = append(j.Remove, p)
		skip[p] = true
	}
	slices.Sort(j.Remove)
	return nil
}
