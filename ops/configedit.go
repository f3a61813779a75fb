package ops

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	conf "github.com/envseal/envseal/config"
	"github.com/envseal/envseal/internal/atomicfile"
	"github.com/envseal/envseal/lockfile"
)

// ConfigAction is what [ConfigEdit] does to a configuration file.
type ConfigAction string

// The actions of [ConfigEdit], with conda config's spellings beside them.
const (
	ConfigSet    ConfigAction = "set"    // --set KEY VALUE
	ConfigUnset  ConfigAction = "unset"  // --remove-key KEY
	ConfigAdd    ConfigAction = "add"    // --add KEY VALUE (first)
	ConfigAppend ConfigAction = "append" // --append KEY VALUE (last)
	ConfigRemove ConfigAction = "remove" // --remove KEY VALUE
)

// ConfigEditOptions are the options of [ConfigEdit].
type ConfigEditOptions struct {
	Host
	// File is the file to change; "" means $ENVSEALRC, else ~/.envsealrc.
	File   string
	Action ConfigAction
	Key    string
	Value  string
}

// ConfigEditResult names the file that was written.
type ConfigEditResult struct{ File string }

// configFile is the file a config command reads or writes.
func (h *Host) configFile(file string) (string, error) {
	if file == "" {
		file = h.getenv("ENVSEALRC")
	}
	if file == "" {
		home := h.getenv("HOME")
		if home == "" {
			return "", fmt.Errorf("no HOME: name the file with --file")
		}
		file = filepath.Join(home, ".envsealrc")
	}
	return filepath.Abs(file)
}

// ConfigEdit changes one setting in a configuration file, keeping its
// comments and order. The change is checked with the rules every command
// reads the file with before it is written (atomically, under the file's
// write lock); an unknown key is a usage error listing the valid ones.
func ConfigEdit(ctx context.Context, o ConfigEditOptions) (*ConfigEditResult, error) {
	h := &o.Host
	file, err := h.configFile(o.File)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		return nil, err
	}
	wl, err := h.lockForWrite(ctx, file, 0)
	if err != nil {
		return nil, err
	}
	defer wl.Release()
	ed, err := conf.OpenEditor(file)
	if err != nil {
		return nil, err
	}
	switch o.Action {
	case ConfigSet:
		err = ed.Set(o.Key, o.Value)
	case ConfigUnset:
		err = ed.Unset(o.Key)
	case ConfigAdd, ConfigAppend:
		err = ed.Add(o.Key, o.Value, o.Action == ConfigAdd)
	case ConfigRemove:
		err = ed.Remove(o.Key, o.Value)
	default:
		return nil, usagef("config: unknown action %q", o.Action)
	}
	if err != nil {
		return nil, configUsage(err)
	}
	data, err := ed.Bytes(h.configOptions())
	if err != nil {
		// The value came from the command line: a usage error, which
		// still names the file and line it would have gone to.
		return nil, &UsageError{Msg: err.Error()}
	}
	mode, err := atomicfile.KeepMode(file, 0o644)
	if err != nil {
		return nil, err
	}
	if err := atomicfile.WriteFile(file, data, mode); err != nil {
		return nil, err
	}
	if !h.Quiet {
		h.noticef("wrote %s", file)
	}
	return &ConfigEditResult{File: file}, nil
}

// configUsage turns a mistake in naming a key into a usage error.
func configUsage(err error) error {
	if err == nil {
		return nil
	}
	return &UsageError{Msg: "config: " + err.Error()}
}

func (h *Host) configOptions() conf.Options {
	return conf.Options{
		LookupEnv: func(k string) (string, bool) { v := h.getenv(k); return v, v != "" },
		Home:      h.getenv("HOME"),
		Windows:   runtime.GOOS == "windows",
	}
}

// ConfigShowOptions are the options of [ConfigShow].
type ConfigShowOptions struct {
	Host
	// File, when set, shows that file's own settings instead of the
	// merged configuration.
	File string
	// Key limits the result to one key ("" for all).
	Key string
}

// ConfigSetting is one key's value and where it came from.
type ConfigSetting struct {
	Key     string   `json:"key"`
	Value   any      `json:"value"`
	Sources []string `json:"sources,omitempty"`
}

// ConfigShowResult lists settings sorted by key.
type ConfigShowResult struct {
	Settings []ConfigSetting `json:"settings"`
	// Files are the configuration files that were read, in order.
	Files []string `json:"files"`
}

// ConfigShow reports the configuration as every command sees it (merged
// from conda's files, .envsealrc and CONDA_* variables, each setting with
// its sources), or one file's own settings.
func ConfigShow(ctx context.Context, o ConfigShowOptions) (*ConfigShowResult, error) {
	h := &o.Host
	keys := conf.Keys()
	if o.Key != "" {
		if _, _, err := probeKey(o.Key); err != nil {
			return nil, configUsage(err)
		}
		keys = []string{o.Key}
	}
	if o.File != "" {
		file, err := h.configFile(o.File)
		if err != nil {
			return nil, err
		}
		ed, err := conf.OpenEditor(file)
		if err != nil {
			return nil, err
		}
		res := &ConfigShowResult{Files: []string{file}}
		for _, k := range keys {
			v, ok, err := ed.Get(k)
			if err != nil {
				return nil, err
			}
			if ok {
				res.Settings = append(res.Settings, ConfigSetting{Key: k, Value: redactValue(v), Sources: []string{file}})
			}
		}
		return res, nil
	}
	cfg, err := h.config()
	if err != nil {
		return nil, err
	}
	res := &ConfigShowResult{Files: cfg.Files}
	src := cfg.sources()
	for _, k := range keys {
		v, ok := cfg.value(k)
		if !ok {
			continue
		}
		res.Settings = append(res.Settings, ConfigSetting{Key: k, Value: redactValue(v), Sources: src[k]})
	}
	return res, nil
}

// redactValue replaces credentials in URLs (a proxy's user:password@, a
// channel's /t/<token>/) with ${VAR} placeholders: config output is shown
// and pasted into tickets.
func redactValue(v any) any {
	one := func(s string) string { r, _ := lockfile.RedactChannelURL(s); return r }
	switch v := v.(type) {
	case string:
		return one(v)
	case []string:
		out := make([]string, len(v))
		for i, s := range v {
			out[i] = one(s)
		}
		return out
	case map[string]string:
		out := make(map[string]string, len(v))
		for k, s := range v {
			out[k] = one(s)
		}
		return out
	case map[string][]string:
		out := make(map[string][]string, len(v))
		for k, s := range v {
			out[k] = redactValue(s).([]string)
		}
		return out
	}
	return v
}

// probeKey checks that key is one envseal knows.
func probeKey(key string) (any, bool, error) {
	ed, err := conf.ParseEditor("", nil)
	if err != nil {
		return nil, false, err
	}
	return ed.Get(key)
}

// value is the effective value of a configuration key (envseal's
// defaults filled in), and whether it has one.
func (c *config) value(key string) (any, bool) {
	// The keys envseal gives a default to show that default when no
	// file sets them; the others are shown only when set.
	effective := map[string]any{
		"channels": c.Channels, "channel_alias": c.ChannelAlias, "channel_priority": c.ChannelPriority,
		"add_pip_as_python_dependency": c.AddPipAsPythonDependency, "pkgs_dirs": c.PkgsDirs, "envs_dirs": c.EnvsDirs,
	}
	if v, ok := effective[key]; ok {
		return v, true
	}
	return c.rc.Value(key)
}
