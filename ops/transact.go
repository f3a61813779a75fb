package ops

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/envseal/envseal/conda"
	"github.com/envseal/envseal/env"
	"github.com/envseal/envseal/internal/pkgcache"
	"github.com/envseal/envseal/lockfile"
	pfx "github.com/envseal/envseal/prefix"
)

// change is what a solve means for a prefix: records to link (in
// dependency order) and installed names to unlink.
type change struct {
	link   []*conda.Record
	unlink []string
}

// diffPrefix compares a solution with what is installed. A record is kept
// when the same dist from the same channel is installed, unless python's
// minor version changes under a noarch: python package.
func diffPrefix(sol []*conda.Record, installed []*pfx.InstalledRecord) change {
	have := map[string]*pfx.InstalledRecord{}
	for _, r := range installed {
		have[r.Name] = r
	}
	want := map[string]bool{}
	var ch change
	for _, r := range sol {
		want[r.Name] = true
		if old, ok := have[r.Name]; ok && old.DistName() == r.DistName() && sameChannel(old.Channel, r.Channel) {
			continue
		}
		ch.link = append(ch.link, r)
	}
	for _, r := range installed {
		if !want[r.Name] {
			ch.unlink = append(ch.unlink, r.Name)
		}
	}
	// A new python minor version moves site-packages: the noarch: python
	// packages that stay are relinked there (installing a record whose
	// name is installed replaces it), as conda's solve_for_diff does.
	for _, r := range pfx.NoarchRelinks(installed, sol) {
		if !slices.Contains(ch.link, r) {
			ch.link = append(ch.link, r)
		}
	}
	sort.Strings(ch.unlink)
	ch.link = dependencyOrder(ch.link)
	return ch
}

func sameChannel(a, b string) bool {
	return strings.TrimSuffix(a, "/") == strings.TrimSuffix(b, "/")
}

// dependencyOrder sorts records so that each comes after the records it
// depends on (python before noarch python packages), ties by name; cycles
// are broken by name order.
func dependencyOrder(recs []*conda.Record) []*conda.Record {
	byName := map[string]*conda.Record{}
	for _, r := range recs {
		byName[r.Name] = r
	}
	sorted := append([]*conda.Record(nil), recs...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
	state := map[string]int{} // 0 new, 1 visiting, 2 done
	var out []*conda.Record
	var visit func(r *conda.Record)
	visit = func(r *conda.Record) {
		if state[r.Name] != 0 {
			return
		}
		state[r.Name] = 1
		deps := make([]string, 0, len(r.Depends))
		for _, d := range r.Depends {
			n, _, _ := strings.Cut(strings.TrimSpace(d), " ")
			deps = append(deps, n)
		}
		sort.Strings(deps)
		for _, n := range deps {
			if dep, ok := byName[n]; ok {
				visit(dep)
			}
		}
		state[r.Name] = 2
		out = append(out, r)
	}
	for _, r := range sorted {
		visit(r)
	}
	return out
}

// applyOptions describes one transaction.
type applyOptions struct {
	prefix      string
	requested   map[string]string // name -> the user's spec that asked for it
	updateSpecs []string
	removeSpecs []string
	variables   []env.Variable // nil: keep the prefix's
	quiet       bool
	urlFor      func(*conda.Record) string
}

// apply fetches the records to link and changes the prefix in one
// transaction.
func (h *Host) apply(ctx context.Context, cfg *config, ch change, o applyOptions) (*pfx.Result, error) {
	plan := &pfx.Plan{
		Unlink:      ch.unlink,
		UpdateSpecs: o.updateSpecs,
		RemoveSpecs: o.removeSpecs,
		Variables:   stateVariables(o.variables),
		Cmd:         historyCmd(h.Args),
	}
	if len(ch.link) > 0 {
		cache, err := h.packageCache(cfg, o.quiet)
		if err != nil {
			return nil, err
		}
		urlFor := o.urlFor
		if urlFor == nil {
			urlFor = func(r *conda.Record) string { return r.URL }
		}
		entries, err := cache.Fetch(ctx, ch.link, urlFor)
		if err != nil {
			return nil, err
		}
		byName := map[string]pkgcache.Entry{}
		for _, e := range entries {
			byName[e.Record.Name] = e
		}
		for _, r := range ch.link {
			e, ok := byName[r.Name]
			if !ok {
				return nil, fmt.Errorf("package cache returned no entry for %s", r.DistName())
			}
			plan.Link = append(plan.Link, pfx.Package{Record: r, Dir: e.Dir, Tarball: e.Archive, RequestedSpec: o.requested[r.Name]})
		}
	}
	res, err := pfx.Apply(ctx, o.prefix, plan, &pfx.ApplyOptions{Version: "envseal " + h.Version})
	if err != nil {
		return nil, err
	}
	for _, c := range res.Clobbers {
		h.warnf("clobbered: %s", c.String())
	}
	for _, w := range res.Warnings {
		h.warnf("%s", w)
	}
	return res, nil
}

// historyCmd is the command line recorded in conda-meta/history, with
// channel credentials (-c https://user:pass@host/t/<token>/…) replaced by
// ${VAR} placeholders: the history is a log, not a place for secrets.
func historyCmd(args []string) string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i], _ = lockfile.RedactChannelURL(a)
	}
	return strings.Join(out, " ")
}

// credentialedURL returns the URL to fetch r from: the record's URL with
// the credentials of the channel it came from, if any.
func (s *channelSetup) credentialedURL(r *conda.Record) string {
	ch, ok := s.channelByName(r.Channel)
	if !ok || !ch.HasCredentials() {
		return r.URL
	}
	base := ch.BaseURL()
	if strings.HasPrefix(r.URL, base+"/") {
		return ch.URLWithCredentials() + r.URL[len(base):]
	}
	return r.URL
}

// requestedNames maps each requested spec's name to its text.
func requestedNames(specs []conda.MatchSpec) map[string]string {
	m := map[string]string{}
	for _, s := range specs {
		if s.IsExactName() {
			m[s.Name] = s.String()
		}
	}
	return m
}

func specStrings(specs []conda.MatchSpec) []string {
	out := make([]string, len(specs))
	for i, s := range specs {
		out[i] = s.String()
	}
	return out
}

// stateVariables converts an environment file's variables to the prefix's
// conda-meta/state ones, keeping nil (keep the prefix's) apart from empty
// (clear them).
func stateVariables(vs []env.Variable) []pfx.Variable {
	if vs == nil {
		return nil
	}
	out := make([]pfx.Variable, len(vs))
	for i, v := range vs {
		out[i] = pfx.Variable(v)
	}
	return out
}
