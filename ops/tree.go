package ops

import (
	"context"
	"fmt"
	"io"
	"regexp"

	"github.com/envseal/envseal/conda"
	"github.com/envseal/envseal/deptree"
	"github.com/envseal/envseal/lockfile"
)

// TreeOptions are the options of [Tree]: an installed environment (Name
// or Prefix), or a lock (Lock, with Platform; default this machine's).
type TreeOptions struct {
	Host
	Name, Prefix string
	Lock         string
	Platform     string
	// Filter is a regular expression: WriteText draws only the trees
	// that reach a matching name ("" draws all).
	Filter string
}

// TreeResult is an environment's dependency graph.
type TreeResult struct {
	// Source is the prefix or the lock the graph was read from.
	Source string
	Graph  *deptree.Graph
	// Filter is TreeOptions.Filter compiled (nil for none).
	Filter *regexp.Regexp
}

// WriteText draws the trees (with invert, who needs the matching
// packages), in ASCII unless fancy allows box-drawing characters.
func (r *TreeResult) WriteText(w io.Writer, invert, fancy bool) error {
	return r.Graph.Render(w, deptree.Options{Filter: r.Filter, Invert: invert, ASCII: !fancy})
}

// Tree builds the dependency graph of an environment or of a lock. In a
// prefix, what the user asked for comes from conda-meta/history; in a
// lock, from the inputs recorded for the platform (its specs).
func Tree(ctx context.Context, o TreeOptions) (*TreeResult, error) {
	var filter *regexp.Regexp
	if o.Filter != "" {
		var err error
		if filter, err = regexp.Compile(o.Filter); err != nil {
			return nil, usagef("tree: %v", err)
		}
	}
	res, err := tree(ctx, o)
	if res != nil {
		res.Filter = filter
	}
	return res, err
}

func tree(ctx context.Context, o TreeOptions) (*TreeResult, error) {
	if o.Lock != "" {
		plat := conda.HostPlatform()
		if o.Platform != "" {
			p, err := conda.ParsePlatform(o.Platform)
			if err != nil {
				return nil, usagef("--platform: %v", err)
			}
			plat = p
		}
		l, err := lockfile.ReadFile(o.Lock, lockfile.DecodeOptions{Filename: o.Lock})
		if err != nil {
			return nil, err
		}
		recs := l.Records(plat)
		if len(recs) == 0 {
			return nil, fmt.Errorf("%s locks no packages for %s (it has %v)", o.Lock, plat, l.AllPlatforms())
		}
		var requested []string
		if in, ok := l.Metadata.Inputs[plat]; ok {
			requested = specNames(in.Specs)
		}
		return &TreeResult{Source: o.Lock, Graph: deptree.New(recs, requested)}, nil
	}
	res, err := List(ctx, ListOptions{Host: o.Host, Name: o.Name, Prefix: o.Prefix})
	if err != nil {
		return nil, err
	}
	recs := make([]*conda.Record, 0, len(res.Installed.Records))
	for _, r := range res.Installed.Records {
		recs = append(recs, &r.Record)
	}
	return &TreeResult{Source: res.Prefix, Graph: deptree.New(recs, specNames(res.Installed.RequestedSpecs()))}, nil
}

// specNames returns the package names of specs, skipping any that does not
// parse.
func specNames(specs []string) []string {
	var names []string
	for _, s := range specs {
		if ms, err := conda.ParseMatchSpec(s); err == nil {
			names = append(names, ms.Name)
		}
	}
	return names
}
