package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"

	"github.com/envseal/envseal/channel"
	"github.com/envseal/envseal/conda"
	"github.com/envseal/envseal/resolver"
	"github.com/urfave/cli/v2"
)

func searchCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name:      "search",
		Usage:     "list the packages matching a spec, ordered as conda orders them",
		ArgsUsage: "SPEC",
		Description: `SPEC is a conda match spec: "numpy", "numpy>=1.26", "python=3.10",
"conda-forge::numpy 1.26.* py312*", "numpy[build_number=1]", "num*".
Records are listed by name, then version (conda's VersionOrder), then build.
When an exact name matches nothing, "*name*" is tried (as conda does).`,
		Flags: append(channelFlags(),
			&cli.BoolFlag{Name: "json", Usage: "print conda's JSON shape: {name: [record, ...]}"},
			&cli.BoolFlag{Name: "skip-flexible-search", Usage: "do not retry with *name* when nothing matches"},
		),
		Action: func(c *cli.Context) error { return g.search(c) },
	}
}

// packagesNotFoundError is conda's PackagesNotFoundError: nothing in the
// searched channels matches.
type packagesNotFoundError struct {
	Specs    []string
	Channels []string
}

func (e *packagesNotFoundError) Error() string {
	var b strings.Builder
	b.WriteString("the following packages are not available from current channels:\n")
	for _, s := range e.Specs {
		fmt.Fprintf(&b, "\n  - %s\n", s)
	}
	b.WriteString("\nCurrent channels:\n\n")
	for _, c := range e.Channels {
		fmt.Fprintf(&b, "  - %s\n", c)
	}
	return strings.TrimRight(b.String(), "\n")
}

func (g *globals) search(c *cli.Context) error {
	if c.NArg() != 1 {
		return usagef("search: want exactly one SPEC, got %d arguments", c.NArg())
	}
	asJSON := c.Bool("json")
	err := g.doSearch(c, c.Args().First(), asJSON)
	if err != nil && asJSON {
		writeJSONError(g.Out, err)
		return &silentError{code: exitCode(c.Context, err), err: err}
	}
	return err
}

func (g *globals) doSearch(c *cli.Context, arg string, asJSON bool) error {
	cfg, err := loadConfig(g.getenv)
	if err != nil {
		return err
	}
	setup, err := g.newChannelSetup(c, cfg, nil)
	if err != nil {
		return err
	}
	spec, err := conda.ParseMatchSpecWithConfig(arg, setup.chCfg)
	if err != nil {
		return &usageError{msg: err.Error()}
	}
	g.warnIgnoredBrackets("", arg, spec)
	chans := setup.channels
	if spec.Channel != nil && !spec.Channel.IsPattern() {
		// Search the spec's channel only: the searched channels it names
		// ("mychan::" with -c /srv/chans/mychan), else the channel itself.
		chans = nil
		for _, ch := range setup.channels {
			if spec.Channel.MatchRecordChannel(ch.Name()) {
				chans = append(chans, ch)
			}
		}
		if len(chans) == 0 {
			setup.channels = nil
			if err := setup.addSpecChannels([]conda.MatchSpec{spec}); err != nil {
				return err
			}
			chans = setup.channels
		}
	}
	if spec.Subdir != "" {
		plat, err := conda.ParsePlatform(spec.Subdir)
		if err != nil {
			return &usageError{msg: fmt.Sprintf("invalid subdir in spec %q: %v", arg, err)}
		}
		setup.platform = plat
	}
	idx, err := setup.load(c.Context, chans)
	if err != nil {
		return err
	}
	matches, err := searchIndex(idx, spec)
	if err != nil {
		return err
	}
	if len(matches) == 0 && spec.IsExactName() && !c.Bool("skip-flexible-search") {
		flex := spec
		flex.Name = "*" + spec.Name + "*"
		if !asJSON {
			fmt.Fprintf(g.Out, "No match found for: %s. Search: %s\n", spec.String(), flex.String())
		}
		if matches, err = searchIndex(idx, flex); err != nil {
			return err
		}
	}
	if len(matches) == 0 {
		nf := &packagesNotFoundError{Specs: []string{spec.String()}}
		for _, ch := range chans {
			nf.Channels = append(nf.Channels, ch.SubdirURL(setup.platform), ch.SubdirURL("noarch"))
		}
		return nf
	}
	if asJSON {
		return writeSearchJSON(g.Out, matches, setup)
	}
	writeSearchTable(g.Out, matches)
	return nil
}

// searchIndex returns every record of idx that spec matches, sorted as
// conda's search sorts: by name, VersionOrder, then build string; records
// equal in all three keep channel-priority order.
func searchIndex(idx *channel.Index, spec conda.MatchSpec) ([]*conda.Record, error) {
	var names []string
	if spec.IsExactName() {
		names = []string{spec.Name}
	} else {
		names = idx.Names()
	}
	var out []*conda.Record
	for _, n := range names {
		if !spec.IsExactName() && !nameMatches(spec, n) {
			continue
		}
		recs, err := idx.Candidates(n)
		if err != nil {
			return nil, err
		}
		for _, r := range recs {
			if spec.Match(r) {
				out = append(out, r)
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		if c := a.Version.Compare(b.Version); c != 0 {
			return c < 0
		}
		return a.Build < b.Build
	})
	return out, nil
}

// nameMatches is a cheap pre-filter on the name alone, so that a glob
// search does not decode every record of a 465,000-record channel.
func nameMatches(spec conda.MatchSpec, name string) bool {
	probe := conda.MatchSpec{Name: spec.Name}
	return probe.Match(&conda.Record{Name: name})
}

func writeSearchTable(w io.Writer, recs []*conda.Record) {
	fmt.Fprintf(w, "# %-18s %15s %15s  %-20s\n", "Name", "Version", "Build", "Channel")
	for _, r := range recs {
		fmt.Fprintf(w, "%-20s %15s %15s  %-20s\n", r.Name, r.Version.String(), r.Build, r.Channel)
	}
}

// searchRecord renders a record the way conda search --json does: the
// repodata fields plus channel (the subdir URL), fn and url, keys sorted.
func searchRecord(r *conda.Record, setup *channelSetup) map[string]any {
	m := map[string]any{
		"name":         r.Name,
		"version":      r.Version.String(),
		"build":        r.Build,
		"build_number": r.BuildNumber,
		"depends":      nonNil(r.Depends),
		"constrains":   nonNil(r.Constrains),
		"subdir":       r.Subdir,
		"fn":           r.Fn,
		"url":          r.URL,
		"md5":          r.MD5,
		"sha256":       r.SHA256,
		"size":         r.Size,
		"timestamp":    r.Timestamp,
		"channel":      recordChannelURL(r, setup),
	}
	if r.Arch != "" {
		m["arch"] = r.Arch
	}
	if r.Platform != "" {
		m["platform"] = r.Platform
	}
	if r.License != "" {
		m["license"] = r.License
	}
	if r.LicenseFamily != "" {
		m["license_family"] = r.LicenseFamily
	}
	if r.Noarch != "" {
		m["noarch"] = r.Noarch
	}
	if len(r.TrackFeatures) > 0 {
		m["track_features"] = strings.Join(r.TrackFeatures, ",")
	}
	if r.Features != "" {
		m["features"] = r.Features
	}
	return m
}

// recordChannelURL is the credential-free URL of the record's channel
// subdir, as conda prints in "channel".
func recordChannelURL(r *conda.Record, setup *channelSetup) string {
	if ch, ok := setup.channelByName(r.Channel); ok {
		return ch.SubdirURL(conda.Platform(r.Subdir))
	}
	if r.URL != "" {
		return path.Dir(r.URL)
	}
	return r.Channel
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func writeSearchJSON(w io.Writer, recs []*conda.Record, setup *channelSetup) error {
	out := map[string][]map[string]any{}
	for _, r := range recs {
		out[r.Name] = append(out[r.Name], searchRecord(r, setup))
	}
	return writeJSON(w, out)
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// writeJSONError prints a failure in conda's JSON error shape.
func writeJSONError(w io.Writer, err error) {
	name := "CondaError"
	var nf *packagesNotFoundError
	var rnf *resolver.PackagesNotFoundError
	var unsat *resolver.UnsolvableError
	var ue *usageError
	switch {
	case errors.As(err, &unsat):
		name = "UnsatisfiableError"
	case errors.As(err, &nf), errors.As(err, &rnf):
		name = "PackagesNotFoundError"
	case errors.As(err, &ue):
		name = "ArgumentError"
	}
	_ = writeJSON(w, map[string]any{
		"success":        false,
		"error":          name + ": " + err.Error(),
		"exception_name": name,
		"message":        err.Error(),
	})
}
