package ops

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/envseal/envseal/channel"
	"github.com/envseal/envseal/conda"
)

// ChannelOptions choose the channels and platform of an operation, with
// the meaning of conda's -c, --override-channels, --platform and
// --offline.
type ChannelOptions struct {
	// Channels are added before the environment file's and the configured
	// ones (names, URLs or paths), highest priority first.
	Channels []string
	// OverrideChannels drops the configured channels and, when Channels
	// is not empty, the environment file's too.
	OverrideChannels bool
	// Platform is the target platform; "" means CONDA_SUBDIR, else this
	// machine's.
	Platform string
	// Offline uses cached repodata only (also when CONDA_OFFLINE is set).
	Offline bool
}

// channelSetup is the resolved channel configuration of one command.
type channelSetup struct {
	cfg      *config
	chCfg    conda.ChannelConfig
	channels []conda.Channel // expanded (no "defaults"), priority order
	platform conda.Platform
	offline  bool
	// noDefaults is true when an environment file's "nodefaults" dropped
	// the configured channels from this setup.
	noDefaults bool
	progress   io.Writer // repodata download progress; nil when quiet
	version    string    // envseal's, for the user agent
}

// newChannelSetup resolves -c/--override-channels/--platform against the
// configuration. fileChannels are an environment file's channels as
// written: they come after the -c flags and before the configured ones, as
// conda orders them, and conda's "nodefaults" among them drops the
// configured channels.
func (h *Host) newChannelSetup(o ChannelOptions, cfg *config, fileChannels []string) (*channelSetup, error) {
	return h.newChannelSetupPlatform(o, cfg, fileChannels, o.Platform)
}

// newChannelSetupPlatform is newChannelSetup with the platform given (""
// for this machine's).
func (h *Host) newChannelSetupPlatform(o ChannelOptions, cfg *config, fileChannels []string, platform string) (*channelSetup, error) {
	plat, err := h.targetPlatform(platform)
	if err != nil {
		return nil, err
	}
	wd, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	s := &channelSetup{
		cfg:      cfg,
		chCfg:    cfg.channelConfig(wd),
		platform: plat,
		offline:  o.Offline || isTruthy(h.getenv("CONDA_OFFLINE")),
		version:  h.Version,
	}
	h.warnConfig(cfg)
	if !h.Quiet && h.Log != nil {
		s.progress = h.Log
	}
	flagChannels := o.Channels
	if o.OverrideChannels && len(flagChannels) == 0 && len(fileChannels) == 0 {
		return nil, usagef("--override-channels requires at least one -c/--channel")
	}
	// Order: -c flags, then the environment file's channels, then the
	// configured ones. --override-channels drops the configured channels
	// and, when -c is given, the file's too, so that one can point a
	// committed environment.yml at a mirror or a local channel.
	//
	// "nodefaults" in the file drops the configured channels, as conda env
	// create does (conda/env/installers/conda.py, _solve: the context's
	// channels are added only when "nodefaults" is absent).
	var names []string
	switch {
	case o.OverrideChannels && len(flagChannels) > 0:
		names = flagChannels
	case o.OverrideChannels:
		names = fileChannels
		s.noDefaults = slices.Contains(fileChannels, noDefaultsMarker)
	case slices.Contains(fileChannels, noDefaultsMarker):
		names = append(append(names, flagChannels...), fileChannels...)
		s.noDefaults = true
	default:
		names = append(append(append(names, flagChannels...), fileChannels...), cfg.Channels...)
	}
	if err := s.addChannels(names); err != nil {
		return nil, err
	}
	if len(s.channels) == 0 {
		return nil, usagef("no channels: pass -c CHANNEL or configure channels in ~/.envsealrc")
	}
	return s, nil
}

// noDefaultsMarker is conda's "nodefaults" entry in an environment file's
// channels: not a channel, but "do not add the configured channels".
const noDefaultsMarker = "nodefaults"

// addChannels parses names, expands "defaults", and drops duplicates
// (the first occurrence keeps its priority).
func (s *channelSetup) addChannels(names []string) error {
	for _, n := range names {
		if n == noDefaultsMarker {
			continue
		}
		// A relative path that names an existing directory is a local
		// channel ("my-channel", ".cache/fixture"); conda would read it as
		// a channel name under the alias, which cannot be what was meant.
		if !strings.Contains(n, "://") && !filepath.IsAbs(n) {
			if fi, err := os.Stat(n); err == nil && fi.IsDir() {
				if abs, err := filepath.Abs(n); err == nil {
					n = abs
				}
			}
		}
		ch, err := conda.ParseChannel(n, s.chCfg)
		if err != nil {
			return err
		}
		expanded, err := conda.ExpandChannel(ch, s.chCfg, s.platform)
		if err != nil {
			return err
		}
		for _, e := range expanded {
			dup := false
			for _, have := range s.channels {
				if have.Equal(e) {
					dup = true
					break
				}
			}
			if !dup {
				s.channels = append(s.channels, e)
			}
		}
	}
	return nil
}

func (h *Host) targetPlatform(flag string) (conda.Platform, error) {
	p := flag
	if p == "" {
		p = h.getenv("CONDA_SUBDIR")
	}
	if p == "" {
		return conda.HostPlatform(), nil
	}
	plat, err := conda.ParsePlatform(p)
	if err != nil {
		return "", usagef("--platform: %v", err)
	}
	return plat, nil
}

// load reads the repodata of channels for the target platform and noarch.
func (s *channelSetup) load(ctx context.Context, channels []conda.Channel) (*channel.Index, error) {
	client, err := s.cfg.httpClient(5 * time.Minute)
	if err != nil {
		return nil, err
	}
	l := &channel.Loader{
		HTTPClient: client,
		CacheDir:   s.cfg.RepodataCache,
		Offline:    s.offline,
		UserAgent:  "envseal/" + s.version,
		Progress:   s.progress,
	}
	idx, err := l.Load(ctx, channels, string(s.platform))
	if err != nil {
		return nil, fmt.Errorf("loading channels: %w", err)
	}
	return idx, nil
}

// channelByName finds the loaded channel whose canonical name a record
// carries.
func (s *channelSetup) channelByName(name string) (conda.Channel, bool) {
	for _, ch := range s.channels {
		if ch.Name() == name {
			return ch, true
		}
	}
	return conda.Channel{}, false
}

func isTruthy(s string) bool {
	switch s {
	case "1", "true", "True", "TRUE", "yes", "on":
		return true
	}
	return false
}

// addSpecChannels adds the channels that requested specs name
// ("conda-forge/label/testing::matplotlib-base") and that the solve does
// not search yet, after all the others, as conda does: its classic solver
// in Solver._prepare (conda/core/solve.py, additional_channels) and
// conda-libmamba-solver in SolverInputState.channels_from_specs (state.py),
// whose channels LibMambaSolver._collect_channel_list appends to the
// solve's; micromamba likewise (populate_context_channels_from_specs in
// libmamba/src/api/utils.cpp). Being last, such a channel loses to a
// higher one that has the same package name under strict priority, as in
// all of them. A channel is already searched when a record from it would
// match the spec's channel ("mychan::" with -c /srv/chans/mychan). Glob
// channels ("conda-*::") add nothing.
func (s *channelSetup) addSpecChannels(specs []conda.MatchSpec) error {
	for _, m := range specs {
		if m.Channel == nil || m.Channel.IsPattern() {
			continue
		}
		want, err := conda.ExpandChannel(*m.Channel, s.chCfg, s.platform)
		if err != nil {
			return fmt.Errorf("channel of %s: %w", m.String(), err)
		}
		for _, w := range want {
			searched := false
			for _, have := range s.channels {
				if w.MatchRecordChannel(have.Name()) {
					searched = true
					break
				}
			}
			if searched {
				continue
			}
			if w.Platform() != "" {
				// "chan/linux-64::pkg" restricts the subdir, which the
				// spec's Subdir does; the channel is read for the target
				// platform like any other (conda-libmamba-solver drops the
				// platform of a channel from specs the same way)
				var err error
				if w, err = conda.ParseChannel(w.URLWithCredentials(), s.chCfg); err != nil {
					return fmt.Errorf("channel of %s: %w", m.String(), err)
				}
			}
			s.channels = append(s.channels, w)
		}
	}
	return nil
}
