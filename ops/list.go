package ops

import (
	"context"
	"os"
	"path/filepath"
	"strings"

	"github.com/envseal/envseal/internal/complete"
	"github.com/envseal/envseal/internal/indexer"
	pfx "github.com/envseal/envseal/prefix"
)

// ListOptions are the options of [List].
type ListOptions struct {
	Host
	// Name or Prefix is the environment (default: the active one).
	Name, Prefix string
}

// ListResult is an environment's conda-meta.
type ListResult struct {
	Prefix string
	// Installed holds the records sorted by name; the records that had
	// to be skipped were sent as [*Warning]s.
	Installed *pfx.PrefixData
}

// List reads the packages installed in an environment.
func List(ctx context.Context, o ListOptions) (*ListResult, error) {
	h := &o.Host
	cfg, err := h.config()
	if err != nil {
		return nil, err
	}
	prefix, err := h.existingPrefix(ctx, o.Name, o.Prefix, cfg, "list")
	if err != nil {
		return nil, err
	}
	pd, err := h.readPrefix(ctx, prefix)
	if err != nil {
		return nil, err
	}
	return &ListResult{Prefix: prefix, Installed: pd}, nil
}

// EnvsResult lists the environments of the envs directories.
type EnvsResult struct {
	Envs []string
	// Active is the active environment (CONDA_PREFIX), if any.
	Active string
}

// EnvsOptions are the options of [Envs].
type EnvsOptions struct{ Host }

// Envs lists the environments in the envs directories.
func Envs(ctx context.Context, o EnvsOptions) (*EnvsResult, error) {
	h := &o.Host
	cfg, err := h.config()
	if err != nil {
		return nil, err
	}
	var envs []string
	for _, p := range prefixesIn(cfg.EnvsDirs) {
		if fi, err := os.Lstat(p); err == nil && fi.IsDir() && !strings.HasPrefix(filepath.Base(p), ".") {
			envs = append(envs, p)
		}
	}
	return &EnvsResult{Envs: envs, Active: h.getenv("CONDA_PREFIX")}, nil
}

// prefixesIn lists the environments (directories with conda-meta) in
// dirs, unreadable directories skipped.
func prefixesIn(dirs []string) []string {
	var out []string
	for _, dir := range dirs {
		entries, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		for _, e := range entries {
			if p := filepath.Join(dir, e.Name()); prefixExists(p) {
				out = append(out, p)
			}
		}
	}
	return out
}

// CleanOptions are the options of [Clean].
type CleanOptions struct {
	Host
	// Tarballs removes package archives; Packages removes extracted
	// packages no environment of the envs directories uses.
	Tarballs, Packages bool
	DryRun             bool
}

// CleanResult is what [Clean] removed (or would remove).
type CleanResult struct {
	Tarballs, Packages *CleanReport
	// Bytes is the total size.
	Bytes int64
}

// CleanReport lists the paths removed from the package cache and their
// size.
type CleanReport struct {
	Paths []string
	Bytes int64
}

// Clean removes package archives and unused extracted packages from the
// package cache.
func Clean(ctx context.Context, o CleanOptions) (*CleanResult, error) {
	h := &o.Host
	cfg, err := h.config()
	if err != nil {
		return nil, err
	}
	if !o.Tarballs && !o.Packages {
		return nil, usagef("clean: choose --tarballs, --packages or --all")
	}
	cache, err := h.packageCache(cfg, true)
	if err != nil {
		return nil, err
	}
	res := &CleanResult{}
	if o.Tarballs {
		rep, err := cache.CleanTarballs(ctx, o.DryRun)
		if err != nil {
			return nil, err
		}
		res.Tarballs = &CleanReport{Paths: rep.Paths, Bytes: rep.Bytes}
		res.Bytes += rep.Bytes
	}
	if o.Packages {
		inUse, err := packagesInUse(ctx, cfg)
		if err != nil {
			return nil, err
		}
		rep, err := cache.CleanUnused(ctx, inUse, o.DryRun)
		if err != nil {
			return nil, err
		}
		res.Packages = &CleanReport{Paths: rep.Paths, Bytes: rep.Bytes}
		res.Bytes += rep.Bytes
	}
	return res, nil
}

// packagesInUse returns the dist names linked into any environment of the
// envs directories.
func packagesInUse(ctx context.Context, cfg *config) (map[string]bool, error) {
	inUse := map[string]bool{}
	for _, p := range prefixesIn(cfg.EnvsDirs) {
		pd, err := pfx.ReadPrefix(ctx, p)
		if err != nil {
			return nil, err
		}
		for _, r := range pd.Records {
			inUse[r.DistName()] = true
		}
	}
	return inUse, nil
}

// IndexOptions are the options of [Index].
type IndexOptions struct {
	// Dir holds one folder per subdir of package archives.
	Dir string
	// Shards also writes CEP-16 sharded repodata.
	Shards bool
}

// IndexResult names the channel directory [Index] indexed.
type IndexResult struct{ Dir string }

// Index writes repodata.json (and .zst) for each subdir of o.Dir, a
// directory of .conda/.tar.bz2 package archives, so it can be served or
// used as a local channel; with Shards also CEP-16 sharded repodata
// (repodata_shards.msgpack.zst and shards/).
func Index(ctx context.Context, o IndexOptions) (*IndexResult, error) {
	abs, err := filepath.Abs(o.Dir)
	if err != nil {
		return nil, err
	}
	index := indexer.Index
	if o.Shards {
		index = indexer.IndexShards
	}
	if err := index(ctx, abs); err != nil {
		return nil, err
	}
	return &IndexResult{Dir: abs}, nil
}

// CompletionNames are the names only envseal knows, for shell completion:
// the environments (for -n) and the secrets of a lock. A failure to read
// them gives no names, never an error.
func CompletionNames(ctx context.Context, h Host) complete.Lookups {
	return complete.Lookups{
		Envs: func() (names []string) {
			if res, err := Envs(ctx, EnvsOptions{Host: h}); err == nil {
				for _, p := range res.Envs {
					names = append(names, filepath.Base(p))
				}
			}
			return names
		},
		Secrets: func(lock string) []string {
			if res, err := SecretsList(ctx, SecretsOptions{Lock: lock}); err == nil {
				return res.Names
			}
			return nil
		},
	}
}
