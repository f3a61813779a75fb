package ops

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"
)

// config is everything a command needs to know about where things live and
// which channels to use, gathered once from the environment, ~/.envsealrc
// and the keys of ~/.condarc that matter. Libraries receive the parts they
// need; none of them reads the environment themselves.
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
}

// rcFile is the subset of .condarc / .envsealrc that envseal understands.
type rcFile struct {
	Channels                 []string `yaml:"channels"`
	ChannelAlias             string   `yaml:"channel_alias"`
	ChannelPriority          string   `yaml:"channel_priority"`
	PkgsDirs                 []string `yaml:"pkgs_dirs"`
	EnvsDirs                 []string `yaml:"envs_dirs"`
	AddPipAsPythonDependency *bool    `yaml:"add_pip_as_python_dependency"`
}

// loadConfig reads the configuration. Later sources override earlier ones:
// ~/.condarc (or $CONDARC), then ~/.envsealrc (or $ENVSEALRC), then
// environment variables.
func loadConfig(getenv func(string) string) (*config, error) {
	home := getenv("HOME")
	if home == "" {
		h, err := os.UserHomeDir()
		if err != nil {
			return nil, fmt.Errorf("finding home directory: %w", err)
		}
		home = h
	}
	cfg := &config{
		ChannelAlias:             "https://conda.anaconda.org/",
		ChannelPriority:          "strict",
		Channels:                 []string{"conda-forge"},
		AddPipAsPythonDependency: true,
	}
	rcPaths := []string{filepath.Join(home, ".condarc")}
	if p := getenv("CONDARC"); p != "" {
		rcPaths = []string{p}
	}
	if p := getenv("ENVSEALRC"); p != "" {
		rcPaths = append(rcPaths, p)
	} else {
		rcPaths = append(rcPaths, filepath.Join(home, ".envsealrc"))
	}
	for _, p := range rcPaths {
		rc, err := readRC(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		cfg.Files = append(cfg.Files, p)
		if len(rc.Channels) > 0 {
			cfg.Channels = rc.Channels
		}
		if rc.ChannelAlias != "" {
			cfg.ChannelAlias = rc.ChannelAlias
		}
		if rc.ChannelPriority != "" {
			cfg.ChannelPriority = rc.ChannelPriority
		}
		if len(rc.PkgsDirs) > 0 {
			cfg.PkgsDirs = expandAll(rc.PkgsDirs, home)
		}
		if len(rc.EnvsDirs) > 0 {
			cfg.EnvsDirs = expandAll(rc.EnvsDirs, home)
		}
		if rc.AddPipAsPythonDependency != nil {
			cfg.AddPipAsPythonDependency = *rc.AddPipAsPythonDependency
		}
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
	if p := getenv("CONDA_CHANNEL_PRIORITY"); p != "" {
		cfg.ChannelPriority = p
	}
	switch cfg.ChannelPriority {
	case "strict", "flexible", "disabled":
	case "true":
		cfg.ChannelPriority = "flexible"
	case "false":
		cfg.ChannelPriority = "disabled"
	default:
		return nil, fmt.Errorf("channel_priority %q: want strict, flexible or disabled", cfg.ChannelPriority)
	}
	return cfg, nil
}

func readRC(path string) (*rcFile, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var rc rcFile
	if err := yaml.Unmarshal(data, &rc); err != nil {
		return nil, fmt.Errorf("reading config %s: %w", path, err)
	}
	return &rc, nil
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
