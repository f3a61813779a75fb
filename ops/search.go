package ops

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/envseal/envseal/channel"
	"github.com/envseal/envseal/conda"
)

// SearchOptions are the options of [Search].
type SearchOptions struct {
	Host
	ChannelOptions
	// Spec is a conda match spec ("numpy>=1.26", "conda-forge::num*").
	Spec string
	// SkipFlexible does not retry an exact name that matches nothing as
	// *name*.
	SkipFlexible bool
}

// SearchResult holds the records a search found.
type SearchResult struct {
	// Spec is the parsed spec; Flexible, when set, is the *name* spec
	// that was tried because Spec matched nothing.
	Spec     conda.MatchSpec
	Flexible *conda.MatchSpec
	// Records are sorted by name, conda's version order, then build.
	Records []*conda.Record
	// Channels are the channels searched and Platform the subdir.
	Channels []conda.Channel
	Platform conda.Platform
}

// Channel returns the searched channel whose canonical name a record
// carries.
func (r *SearchResult) Channel(name string) (conda.Channel, bool) {
	return channelNamed(r.Channels, name)
}

// PackagesNotFoundError is conda's PackagesNotFoundError: nothing in the
// searched channels matches.
type PackagesNotFoundError struct {
	Specs    []string
	Channels []string
}

func (e *PackagesNotFoundError) Error() string {
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

// Search lists the records of the channels that match a spec, ordered as
// conda orders them. Nothing found is a [*PackagesNotFoundError]; the
// result is returned with it, saying which flexible spec was tried.
func Search(ctx context.Context, o SearchOptions) (*SearchResult, error) {
	h := &o.Host
	cfg, err := h.config()
	if err != nil {
		return nil, err
	}
	setup, err := h.newChannelSetup(o.ChannelOptions, cfg, nil)
	if err != nil {
		return nil, err
	}
	spec, err := conda.ParseMatchSpecWithConfig(o.Spec, setup.chCfg)
	if err != nil {
		return nil, &UsageError{Msg: err.Error()}
	}
	h.warnIgnoredBrackets("", o.Spec, spec)
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
				return nil, err
			}
			chans = setup.channels
		}
	}
	if spec.Subdir != "" {
		plat, err := conda.ParsePlatform(spec.Subdir)
		if err != nil {
			return nil, &UsageError{Msg: fmt.Sprintf("invalid subdir in spec %q: %v", o.Spec, err)}
		}
		setup.platform = plat
	}
	idx, err := setup.load(ctx, chans)
	if err != nil {
		return nil, err
	}
	res := &SearchResult{Spec: spec, Channels: setup.channels, Platform: setup.platform}
	if res.Records, err = searchIndex(idx, spec); err != nil {
		return nil, err
	}
	if len(res.Records) == 0 && spec.IsExactName() && !o.SkipFlexible {
		flex := spec
		flex.Name = "*" + spec.Name + "*"
		res.Flexible = &flex
		if res.Records, err = searchIndex(idx, flex); err != nil {
			return nil, err
		}
	}
	if len(res.Records) == 0 {
		nf := &PackagesNotFoundError{Specs: []string{spec.String()}}
		for _, ch := range chans {
			nf.Channels = append(nf.Channels, ch.SubdirURL(setup.platform), ch.SubdirURL("noarch"))
		}
		return res, nf
	}
	return res, nil
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

// InfoOptions are the options of [Info].
type InfoOptions struct {
	Host
	// Platform is the platform whose virtual packages are shown ("" for
	// CONDA_SUBDIR, else this machine's).
	Platform string
}

// InfoResult is what envseal uses: platform, virtual packages,
// directories and channels.
type InfoResult struct {
	Config   *Config
	Platform conda.Platform
	Virtual  []conda.VirtualPackage
	// ChannelURLs are the configured channels' subdir URLs (platform and
	// noarch), "defaults" expanded.
	ChannelURLs []string
	// Sources maps each setting a file or a variable made to where it
	// came from ("file:line", "envvars"), lowest precedence first.
	Sources map[string][]string
}

// Info reports the configuration, the platform and the virtual packages
// a solve for it would assume.
func Info(ctx context.Context, o InfoOptions) (*InfoResult, error) {
	h := &o.Host
	cfg, err := h.config()
	if err != nil {
		return nil, err
	}
	plat, err := h.targetPlatform(o.Platform)
	if err != nil {
		return nil, err
	}
	vps, err := h.virtualPackages(plat)
	if err != nil {
		return nil, err
	}
	chCfg := cfg.channelConfig("")
	res := &InfoResult{Config: cfg, Platform: plat, Virtual: vps, Sources: cfg.sources()}
	for _, name := range cfg.Channels {
		ch, err := conda.ParseChannel(name, chCfg)
		if err != nil {
			return nil, fmt.Errorf("configured channel: %w", err)
		}
		members, err := conda.ExpandChannel(ch, chCfg, plat)
		if err != nil {
			return nil, err
		}
		for _, m := range members {
			res.ChannelURLs = append(res.ChannelURLs, m.SubdirURL(plat), m.SubdirURL("noarch"))
		}
	}
	return res, nil
}
