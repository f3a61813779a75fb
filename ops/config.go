package ops

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/envseal/envseal/channel/oci"
	"github.com/envseal/envseal/conda"
	conf "github.com/envseal/envseal/config"
)

// config is everything a command needs to know about where things live and
// which channels to use, gathered once from the environment, conda's
// configuration files and ~/.envsealrc (package config). Libraries receive
// the parts they need; none of them reads the environment themselves.
type config struct {
	Root                     string   // ENVSEAL_ROOT, default ~/.envseal
	PkgsDirs                 []string // ENVSEAL_PKGS_DIRS, pkgs_dirs, default <root>/pkgs
	EnvsDirs                 []string // envs_dirs, default <root>/envs
	RepodataCache            string   // <root>/cache/repodata
	Channels                 []string // channels, default [conda-forge]
	ChannelAlias             string   // channel_alias, default https://conda.anaconda.org/
	ChannelPriority          string   // strict (default), flexible or disabled
	AddPipAsPythonDependency bool
	Files                    []string // config files that were read, in order
	Warnings                 []string // problems skipped while reading them
	OCIAuth                  oci.Auth // registry credentials for oci:// channels (oci.go)

	home string
	rc   *conf.Config // the merged settings, with their sources

	transportOnce sync.Once
	transport     *http.Transport
	transportErr  error
	warnOnce      sync.Once
}

// warn hands the configuration's warnings (a skipped file, ssl_verify
// false) to emit, once per configuration (one operation).
func (c *config) warn(emit func(string)) {
	c.warnOnce.Do(func() {
		for _, m := range c.Warnings {
			emit(m)
		}
	})
}

// channelConfig is the channel part of the configuration, for
// conda.ParseChannel; wd resolves relative paths ("" for the process's).
func (c *config) channelConfig(wd string) conda.ChannelConfig {
	return conda.ChannelConfig{
		Alias:               c.ChannelAlias,
		DefaultChannels:     c.rc.DefaultChannels,
		CustomChannels:      c.rc.CustomChannels,
		CustomMultichannels: c.rc.CustomMultichannels,
		WorkDir:             wd,
		HomeDir:             c.home,
	}
}

// httpClient returns a client for repodata and package downloads that
// honours proxy_servers, the proxy variables, ssl_verify and client
// certificates. All clients of one command share one transport.
func (c *config) httpClient(timeout time.Duration) (*http.Client, error) {
	c.transportOnce.Do(func() {
		c.transport, c.transportErr = c.rc.Transport()
		if c.transportErr == nil {
			c.transport.RegisterProtocol("oci", c.ociTransport(c.transport))
		}
	})
	if c.transportErr != nil {
		return nil, c.transportErr
	}
	return &http.Client{Transport: c.transport, Timeout: timeout}, nil
}

// sources maps each setting that a file or a variable made to where it
// came from ("file:line", "envvars"), lowest precedence first.
func (c *config) sources() map[string][]string {
	out := map[string][]string{}
	for _, k := range conf.Keys() {
		for _, o := range c.rc.Origins(k) {
			out[k] = append(out[k], o.String())
		}
	}
	return out
}

// loadConfig reads the configuration: conda's files in conda's search
// order, ~/.envsealrc (or $ENVSEALRC), CONDA_* variables (package config),
// then ENVSEAL_* variables.
func loadConfig(getenv func(string) string) (*config, error) {
	home := getenv("HOME")
	if home == "" {
		h, err := os.UserHomeDir()
		if err != nil {
			return nil, fmt.Errorf("finding home directory: %w", err)
		}
		home = h
	}
	rc, err := conf.Load(conf.Options{
		LookupEnv: func(k string) (string, bool) { v := getenv(k); return v, v != "" },
		Home:      home,
		Windows:   runtime.GOOS == "windows",
	})
	if err != nil {
		return nil, fmt.Errorf("reading configuration: %w", err)
	}
	cfg := &config{
		ChannelAlias:             "https://conda.anaconda.org/",
		ChannelPriority:          "strict",
		Channels:                 []string{"conda-forge"},
		AddPipAsPythonDependency: true,
		Files:                    rc.Files,
		Warnings:                 rc.Warnings,
		PkgsDirs:                 rc.PkgsDirs,
		EnvsDirs:                 rc.EnvsDirs,
		home:                     home,
		rc:                       rc,
	}
	if len(rc.Channels) > 0 {
		cfg.Channels = rc.Channels
	}
	if rc.ChannelAlias != "" {
		cfg.ChannelAlias = rc.ChannelAlias
	}
	if rc.ChannelPriority != "" {
		cfg.ChannelPriority = rc.ChannelPriority
	}
	if rc.AddPipAsPythonDependency != nil {
		cfg.AddPipAsPythonDependency = *rc.AddPipAsPythonDependency
	}
	cfg.Root = filepath.Join(home, ".envseal")
	if r := getenv("ENVSEAL_ROOT"); r != "" {
		abs, err := filepath.Abs(expandHome(r, home))
		if err != nil {
			return nil, fmt.Errorf("ENVSEAL_ROOT %q: %w", r, err)
		}
		cfg.Root = abs
	}
	if p := getenv("ENVSEAL_PKGS_DIRS"); p != "" {
		cfg.PkgsDirs = expandAll(strings.Split(p, string(os.PathListSeparator)), home)
	}
	if len(cfg.PkgsDirs) == 0 {
		cfg.PkgsDirs = []string{filepath.Join(cfg.Root, "pkgs")}
	}
	if p := getenv("ENVSEAL_ENVS_DIRS"); p != "" {
		cfg.EnvsDirs = expandAll(strings.Split(p, string(os.PathListSeparator)), home)
	}
	if len(cfg.EnvsDirs) == 0 {
		cfg.EnvsDirs = []string{filepath.Join(cfg.Root, "envs")}
	}
	cfg.RepodataCache = filepath.Join(cfg.Root, "cache", "repodata")
	cfg.OCIAuth = ociAuth(getenv, home)
	return cfg, nil
}

func expandAll(paths []string, home string) []string {
	out := make([]string, 0, len(paths))
	for _, p := range paths {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, expandHome(p, home))
		}
	}
	return out
}

func expandHome(p, home string) string {
	if p == "~" {
		return home
	}
	if strings.HasPrefix(p, "~/") {
		return filepath.Join(home, p[2:])
	}
	return p
}
