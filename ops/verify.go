package ops

import (
	"context"

	"github.com/envseal/envseal/conda"
	"github.com/envseal/envseal/internal/pkgcache"
	"github.com/envseal/envseal/lockfile"
	pfx "github.com/envseal/envseal/prefix"
)

// VerifyOptions are the options of [Verify].
type VerifyOptions struct {
	Host
	// Name or Prefix is the environment (default: the active one).
	Name, Prefix string
	// Lock, when set, is a lockfile whose records for this platform the
	// installed ones are compared with.
	Lock string
	// Full hashes every file, even those untouched since linking.
	Full bool
	// Repair relinks damaged packages from the package cache (fetching
	// what is not there) in one journaled transaction; Prune also deletes
	// foreign files.
	Repair, Prune bool
}

// VerifyResult is the environment's report (after a repair, the report
// of the repaired prefix) and what the repair did.
type VerifyResult struct {
	Report *pfx.Report
	// Repaired is nil when no repair ran.
	Repaired *pfx.RepairResult
}

// Verify checks an environment's files against its conda-meta records
// (and a lock's), and repairs it when asked. Drift is not an error: the
// caller reads Report.Clean.
func Verify(ctx context.Context, o VerifyOptions) (*VerifyResult, error) {
	h := &o.Host
	if o.Prune && !o.Repair {
		return nil, usagef("verify: --prune needs --repair")
	}
	cfg, err := h.config()
	if err != nil {
		return nil, err
	}
	prefix, err := h.existingPrefix(ctx, o.Name, o.Prefix, cfg, "verify")
	if err != nil {
		return nil, err
	}
	opts := &pfx.VerifyOptions{Full: o.Full}
	if o.Lock != "" {
		l, err := lockfile.ReadFile(o.Lock, lockfile.DecodeOptions{Filename: o.Lock})
		if err != nil {
			return nil, err
		}
		plat, err := h.targetPlatform("")
		if err != nil {
			return nil, err
		}
		opts.Locked = l.Records(plat)
		if opts.Locked == nil {
			opts.Locked = []*conda.Record{}
		}
	}
	rep, err := pfx.Verify(ctx, prefix, opts)
	if err != nil {
		return nil, err
	}
	res := &VerifyResult{Report: rep}
	if o.Repair && (len(rep.Damaged()) > 0 || (o.Prune && len(rep.Foreign) > 0)) {
		cache, err := h.packageCache(cfg, h.Quiet)
		if err != nil {
			return nil, err
		}
		res.Repaired, err = pfx.Repair(ctx, prefix, rep, cacheSource{cache}, &pfx.RepairOptions{
			Prune: o.Prune, Cmd: historyCmd(h.Args),
			Apply: &pfx.ApplyOptions{Version: "envseal " + h.Version},
		})
		if err != nil {
			return nil, err
		}
		if res.Report, err = pfx.Verify(ctx, prefix, opts); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// cacheSource hands prefix.Repair the package cache's extractions; again
// discards damaged extractions first (an edit through a hard link damages
// the cache's copy too).
type cacheSource struct{ c *pkgcache.Cache }

func (s cacheSource) Packages(ctx context.Context, recs []*conda.Record, again bool) ([]pfx.Package, error) {
	if again {
		for _, r := range recs {
			if err := s.c.Discard(ctx, r); err != nil {
				return nil, err
			}
		}
	}
	entries, err := s.c.Fetch(ctx, recs, nil)
	if err != nil {
		return nil, err
	}
	out := make([]pfx.Package, len(entries))
	for i, e := range entries {
		out[i] = pfx.Package{Record: recs[i], Dir: e.Dir, Tarball: e.Archive}
	}
	return out, nil
}
