package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// write creates the files (path relative to dir -> content) and returns dir.
func write(t *testing.T, dir string, files map[string]string) string {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func envOf(kv ...string) func(string) (string, bool) {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestSearchPathIsConda(t *testing.T) {
	t.Parallel()
	got := SearchPath(false)
	want := []string{
		"/etc/conda/.condarc", "/etc/conda/condarc", "/etc/conda/condarc.d/",
		"/var/lib/conda/.condarc", "/var/lib/conda/condarc", "/var/lib/conda/condarc.d/",
		"$CONDA_ROOT/.condarc", "$CONDA_ROOT/condarc", "$CONDA_ROOT/condarc.d/",
		"$XDG_CONFIG_HOME/conda/.condarc", "$XDG_CONFIG_HOME/conda/condarc", "$XDG_CONFIG_HOME/conda/condarc.d/",
		"~/.config/conda/.condarc", "~/.config/conda/condarc", "~/.config/conda/condarc.d/",
		"~/.conda/.condarc", "~/.conda/condarc", "~/.conda/condarc.d/",
		"~/.condarc",
		"$CONDA_PREFIX/.condarc", "$CONDA_PREFIX/condarc", "$CONDA_PREFIX/condarc.d/",
		"$CONDARC",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("SearchPath(false) =\n%q\nwant\n%q", got, want)
	}
	if w := SearchPath(true); w[0] != "C:/ProgramData/conda/.condarc" || w[len(w)-1] != "$CONDARC" {
		t.Errorf("SearchPath(true) = %q", w)
	}
}

// TestSearchOrder lays out files in a fake root and checks which are read,
// in which order, with conda's search path rewritten under the root.
func TestSearchOrder(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	home := filepath.Join(root, "home")
	write(t, root, map[string]string{
		"etc/conda/.condarc":                "channels: [etc]\n",
		"etc/conda/condarc.d/b.yml":         "channels: [etc-d-b]\n",
		"etc/conda/condarc.d/a.yaml":        "channels: [etc-d-a]\n",
		"etc/conda/condarc.d/notes.txt":     "channels: [ignored]\n",
		"xdg/conda/condarc":                 "channels: [xdg]\n",
		"home/.condarc":                     "channels: [home]\n",
		"home/.config/conda/.condarc":       "channels: [dot-config]\n",
		"prefix/condarc.d/x.yml":            "channels: [prefix-d]\n",
		"elsewhere/myrc":                    "channels: [condarc-var-not-rc-name]\n",
		"home/.envsealrc":                   "channels: [envsealrc]\n",
		"var/lib/conda/condarc.d/sub/x.yml": "channels: [nested-not-read]\n",
	})
	var sp []string
	for _, e := range SearchPath(false) {
		if strings.HasPrefix(e, "/") {
			e = root + e
		}
		sp = append(sp, e)
	}
	cfg, err := Load(Options{
		Home:       home,
		SearchPath: sp,
		LookupEnv: envOf("XDG_CONFIG_HOME", filepath.Join(root, "xdg"), "CONDA_PREFIX", filepath.Join(root, "prefix"),
			"CONDARC", filepath.Join(root, "elsewhere/myrc")),
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range cfg.Files {
		rel, _ := filepath.Rel(root, f)
		got = append(got, filepath.ToSlash(rel))
	}
	want := []string{
		"etc/conda/.condarc", "etc/conda/condarc.d/a.yaml", "etc/conda/condarc.d/b.yml",
		"xdg/conda/condarc", "home/.config/conda/.condarc", "home/.condarc",
		"prefix/condarc.d/x.yml", "home/.envsealrc",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("files read =\n%q\nwant\n%q", got, want)
	}
	wantCh := []string{"envsealrc", "prefix-d", "home", "dot-config", "xdg", "etc-d-b", "etc-d-a", "etc"}
	if !reflect.DeepEqual(cfg.Channels, wantCh) {
		t.Errorf("channels = %q, want %q", cfg.Channels, wantCh)
	}
	if o := cfg.Origins("channels"); len(o) != len(want) || o[0].Line != 1 {
		t.Errorf("Origins(channels) = %v", o)
	}
}

// TestMerge covers conda's merge rules; files are read in the order given.
func TestMerge(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		files []string
		env   []string
		check func(t *testing.T, c *Config)
	}{
		{"lists: later sources first, repeats dropped",
			[]string{"channels:\n  - a\n  - b\n", "channels:\n  - c\n  - a\n"}, nil,
			func(t *testing.T, c *Config) { eq(t, c.Channels, []string{"c", "a", "b"}) }},
		{"list #!final stops later sources",
			[]string{"channels: #!final\n  - a\n", "channels:\n  - b\n"}, nil,
			func(t *testing.T, c *Config) { eq(t, c.Channels, []string{"a"}) }},
		{"list #!top and #!bottom",
			[]string{"channels:\n  - a  #!top\n  - b\n  - z  #!bottom\n", "channels:\n  - c\n  - d  #!bottom\n"}, nil,
			func(t *testing.T, c *Config) { eq(t, c.Channels, []string{"a", "c", "b", "d", "z"}) }},
		{"'# !top' with a space is no marker, as in conda",
			[]string{"channels:\n  - a  # !top\n", "channels:\n  - c\n"}, nil,
			func(t *testing.T, c *Config) { eq(t, c.Channels, []string{"c", "a"}) }},
		{"scalar: last wins",
			[]string{"channel_priority: flexible\n", "channel_priority: strict\n"}, nil,
			func(t *testing.T, c *Config) { eq(t, c.ChannelPriority, "strict") }},
		{"scalar #!final wins",
			[]string{"channel_priority: disabled  #!final\n", "channel_priority: strict\n"}, nil,
			func(t *testing.T, c *Config) { eq(t, c.ChannelPriority, "disabled") }},
		{"channel_priority booleans",
			[]string{"channel_priority: false\n"}, nil,
			func(t *testing.T, c *Config) { eq(t, c.ChannelPriority, "disabled") }},
		{"maps merge key by key",
			[]string{"custom_channels:\n  a: https://one.example\n  b: https://b.example\n", "custom_channels:\n  a: https://two.example\n"}, nil,
			func(t *testing.T, c *Config) {
				eq(t, c.CustomChannels, map[string]string{"a": "https://two.example", "b": "https://b.example"})
			}},
		{"map entry #!final",
			[]string{"proxy_servers:\n  https: http://corp:3128  #!final\n", "proxy_servers:\n  https: http://mine:8080\n  http: http://mine:8080\n"}, nil,
			func(t *testing.T, c *Config) {
				eq(t, c.ProxyServers, map[string]string{"https": "http://corp:3128", "http": "http://mine:8080"})
			}},
		{"multichannels merge their lists",
			[]string{"custom_multichannels:\n  sci: [a, b]\n", "custom_multichannels:\n  sci: [c]\n  bio: [d]\n"}, nil,
			func(t *testing.T, c *Config) {
				eq(t, c.CustomMultichannels, map[string][]string{"sci": {"c", "a", "b"}, "bio": {"d"}})
			}},
		{"null sets nothing",
			[]string{"channels: [a]\n", "channels: ~\nproxy_servers:\n"}, nil,
			func(t *testing.T, c *Config) {
				eq(t, c.Channels, []string{"a"})
				eq(t, c.ProxyServers, map[string]string(nil))
			}},
		{"aliases",
			[]string{"channel: [a]\nenvs_path: [/e]\nverify_ssl: false\nclient_cert: /c.pem\n"}, nil,
			func(t *testing.T, c *Config) {
				eq(t, c.Channels, []string{"a"})
				eq(t, c.EnvsDirs, []string{"/e"})
				eq(t, c.SSLVerify, "false")
				eq(t, c.ClientSSLCert, "/c.pem")
			}},
		{"insecure_registries (oci:// channels) merge as lists",
			[]string{"insecure_registries: [registry.lan:5000]\n", "insecure_registries:\n  - harbor.corp\n"}, nil,
			func(t *testing.T, c *Config) {
				eq(t, c.InsecureRegistries, []string{"harbor.corp", "registry.lan:5000"})
			}},
		{"unknown keys are ignored",
			[]string{"auto_activate_base: false\nchangeps1: false\nsome_future_key: {a: [1]}\nchannels: [a]\n"}, nil,
			func(t *testing.T, c *Config) { eq(t, c.Channels, []string{"a"}) }},
		{"env vars come last",
			[]string{"channels: [a]\nchannel_priority: strict\npkgs_dirs: [/p]\n"},
			[]string{"CONDA_CHANNELS", "x, y", "CONDA_CHANNEL_PRIORITY", "flexible", "CONDA_ENVS_DIRS", "/e1" + string(os.PathListSeparator) + "/e2"},
			func(t *testing.T, c *Config) {
				eq(t, c.Channels, []string{"x", "y", "a"})
				eq(t, c.ChannelPriority, "flexible")
				eq(t, c.EnvsDirs, []string{"/e1", "/e2"})
				eq(t, c.Origins("channel_priority"), []Origin{{Source: EnvVarsSource}})
			}},
		{"a final file value beats the environment",
			[]string{"channel_priority: strict #!final\n"}, []string{"CONDA_CHANNEL_PRIORITY", "flexible"},
			func(t *testing.T, c *Config) { eq(t, c.ChannelPriority, "strict") }},
		{"!important in the environment",
			nil, []string{"CONDA_SSL_VERIFY", "false !important"},
			func(t *testing.T, c *Config) { eq(t, c.SSLVerify, "false") }},
		{"$VARS expand in values",
			[]string{"channel_alias: $MIRROR/conda\npkgs_dirs: [~/pkgs, \"${MIRROR}/p\"]\nchannel_priority: strict\n"}, []string{"MIRROR", "https://m.example"},
			func(t *testing.T, c *Config) {
				eq(t, c.ChannelAlias, "https://m.example/conda")
				eq(t, c.PkgsDirs, []string{"/home/u/pkgs", "https://m.example/p"})
			}},
		{"ssl_verify truststore is the system store",
			[]string{"ssl_verify: truststore\n"}, nil,
			func(t *testing.T, c *Config) { eq(t, c.SSLVerify, "") }},
		{"file:// channel_alias and default_channels",
			[]string{"channel_alias: file:///srv/mirror\ndefault_channels:\n  - pkgs/main\n  - file:///srv/mirror/pkgs/r\nadd_pip_as_python_dependency: no\n"}, nil,
			func(t *testing.T, c *Config) {
				eq(t, c.ChannelAlias, "file:///srv/mirror")
				eq(t, c.DefaultChannels, []string{"pkgs/main", "file:///srv/mirror/pkgs/r"})
				eq(t, *c.AddPipAsPythonDependency, false)
			}},
		{"exclude_newer, later file wins",
			[]string{"exclude_newer: 2024-01-01\n", "exclude-newer: 7d\n"}, nil,
			func(t *testing.T, c *Config) { eq(t, c.ExcludeNewer, "7d") }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			var sp []string
			for i, content := range tc.files {
				p := filepath.Join(dir, string(rune('a'+i))+".yml")
				write(t, dir, map[string]string{filepath.Base(p): content})
				sp = append(sp, p)
			}
			c, err := Load(Options{SearchPath: sp, Home: "/home/u", EnvsealRC: filepath.Join(dir, "none"), LookupEnv: envOf(tc.env...)})
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, c)
		})
	}
}

func eq[T any](t *testing.T, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %#v, want %#v", got, want)
	}
}

// TestBadValues: a used key with a bad value is an error naming the file,
// the line and the key; an unparsable conda file is skipped with a warning.
func TestBadValues(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tests := []struct {
		name, content string
		env           []string
		want          string // after "<file>"
	}{
		{"list given a string", "channels: conda-forge\n", nil, ":1: channels: want a list, got \"conda-forge\""},
		{"list item is a map", "channels:\n  - conda-forge\n  - {a: b}\n", nil, ":3: channels: want a single value, got a mapping"},
		{"bad channel", "channels:\n  - ok\n  - 'https://'\n", nil, ":3: channels: invalid channel"},
		{"bad priority", "x: 1\nchannel_priority: sometimes\n", nil, ":2: channel_priority: \"sometimes\": want strict, flexible or disabled"},
		{"alias without scheme", "channel_alias: mirror.example\n", nil, ":1: channel_alias: channel alias \"mirror.example\" has no scheme"},
		{"alias file URL with a host", "channel_alias: file://host/x\n", nil, ":1: channel_alias: invalid channel"},
		{"ssl_verify missing file", "ssl_verify: /nonexistent/ca.pem\n", nil, ":1: ssl_verify: \"/nonexistent/ca.pem\" is neither"},
		{"exclude_newer", "exclude_newer: last tuesday\n", nil, ":1: exclude_newer: exclude-newer \"last tuesday\": want a duration"},
		{"bool", "add_pip_as_python_dependency: maybe\n", nil, ":1: add_pip_as_python_dependency: \"maybe\": want true or false"},
		{"custom channel without URL", "custom_channels:\n  a: https://ok.example\n  b:\n", nil, ":3: custom_channels: custom channel \"b\" has no URL"},
		{"proxy URL", "proxy_servers:\n  https: 'ftp://proxy'\n", nil, ":2: proxy_servers: https: unsupported proxy scheme \"ftp\""},
		{"map given a list", "proxy_servers: [a]\n", nil, ":1: proxy_servers: want a mapping, got a list"},
		{"alias and name in one file", "channels: [a]\nchannel: [b]\n", nil, ":2: channel: channels is already set on line 1 (as channels)"},
		{"multichannel member", "custom_multichannels:\n  m:\n    - ok\n    - 'bad name'\n", nil, ":4: custom_multichannels: invalid channel"},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(dir, string(rune('a'+i))+".yml")
			write(t, dir, map[string]string{filepath.Base(p): tc.content})
			_, err := Load(Options{SearchPath: []string{p}, EnvsealRC: p + ".none", LookupEnv: envOf(tc.env...)})
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("Load: %v, want *Error", err)
			}
			if want := p + tc.want; !strings.HasPrefix(err.Error(), want) {
				t.Errorf("error\n%s\nwant prefix\n%s", err, want)
			}
		})
	}
	envTests := []struct{ env, want string }{
		{"CONDA_CHANNEL_PRIORITY=often", "envvars: CONDA_CHANNEL_PRIORITY: \"often\""},
		{"CONDA_PROXY_SERVERS=http://p", "envvars: CONDA_PROXY_SERVERS: a mapping cannot be set"},
		{"CONDA_SSL_VERIFY=/nonexistent", "envvars: CONDA_SSL_VERIFY: \"/nonexistent\" is neither"},
	}
	for _, tc := range envTests {
		k, v, _ := strings.Cut(tc.env, "=")
		_, err := Load(Options{SearchPath: []string{}, EnvsealRC: filepath.Join(dir, "none"), LookupEnv: envOf(k, v)})
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want prefix %q", tc.env, err, tc.want)
		}
	}
	// conda skips an unparsable file with a warning; envseal's own is an error
	bad := write(t, t.TempDir(), map[string]string{".condarc": "channels: [a\n", "good.yml": "channels: [b]\n"})
	c, err := Load(Options{SearchPath: []string{filepath.Join(bad, ".condarc"), filepath.Join(bad, "good.yml")}, EnvsealRC: filepath.Join(bad, "none")})
	if err != nil || len(c.Warnings) != 1 || !strings.Contains(c.Warnings[0], ".condarc") || !reflect.DeepEqual(c.Channels, []string{"b"}) {
		t.Errorf("bad conda file: %v %q %q", err, c.Warnings, c.Channels)
	}
	if _, err := Load(Options{SearchPath: []string{}, EnvsealRC: filepath.Join(bad, ".condarc")}); err == nil || !strings.Contains(err.Error(), ".condarc") {
		t.Errorf("bad .envsealrc: %v", err)
	}
}

func TestSources(t *testing.T) {
	t.Parallel()
	dir := write(t, t.TempDir(), map[string]string{"a.yml": "# c\nchannels: [a]\nssl_verify: false\nother: 1\n"})
	c, err := Load(Options{SearchPath: []string{filepath.Join(dir, "a.yml")}, EnvsealRC: filepath.Join(dir, "none"),
		LookupEnv: envOf("CONDA_CHANNELS", "b")})
	if err != nil {
		t.Fatal(err)
	}
	want := []Source{
		{Name: filepath.Join(dir, "a.yml"), Settings: []Setting{{Key: "channels", Line: 2, Value: []string{"a"}}, {Key: "ssl_verify", Line: 3, Value: false}}},
		{Name: EnvVarsSource, Settings: []Setting{{Key: "channels", Value: []string{"b"}}}},
	}
	eq(t, c.Sources, want)
	eq(t, c.Origins("ssl_verify"), []Origin{{Source: filepath.Join(dir, "a.yml"), Line: 3}})
	eq(t, c.Origins("channels")[1].String(), "envvars")
	eq(t, c.Origins("proxy_servers"), []Origin(nil))
}

func FuzzParseSource(f *testing.F) {
	for _, s := range []string{
		"channels: [a, b]\n", "channels: #!final\n  - a  #!top\n", "proxy_servers:\n  https: http://p:1\n",
		"custom_multichannels:\n  m: [a]\n", "- a\n", "a: &x [1]\nchannels: *x\n", "channel_priority: strict #!final\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := parseSource("f.yml", data)
		if err != nil {
			if s != nil {
				t.Fatal("source and error")
			}
			return
		}
		// whatever parses merges without panicking
		if _, err := build([]*source{s}, Options{}); err != nil {
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("build error %v is not an *Error", err)
			}
		}
	})
}

func TestExpandVars(t *testing.T) {
	t.Parallel()
	env := envOf("A", "x", "B_1", "y/z", "EMPTY", "")
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"$A", "x"},
		{"${A}/b", "x/b"},
		{"$B_1/c", "y/z/c"},
		{"$A$A", "xx"},
		{"$MISSING/x", "$MISSING/x"},
		{"${MISSING}", "${MISSING}"},
		{"$EMPTY.", "."},
		{"$", "$"},
		{"a$", "a$"},
		{"${A", "${A"},
		{"${A B}", "${A B}"},
		{"$$A", "$x"},
	}
	for _, tc := range tests {
		if got := expandVars(tc.in, env); got != tc.want {
			t.Errorf("expandVars(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func FuzzExpandVars(f *testing.F) {
	for _, s := range []string{"$A", "${A}", "$", "${", "a$b${c}d", "$$"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got := expandVars(s, envOf()); got != s {
			t.Fatalf("with no variables, expandVars(%q) = %q", s, got)
		}
		if got := expandVars(s, envOf("A", "1")); !strings.Contains(s, "$") && got != s {
			t.Fatalf("expandVars(%q) = %q without a $", s, got)
		}
	})
}
