package conda

import (
	"strings"
	"testing"
)

// TestParseChannelConfigured covers conda's channel configuration rules
// (context.custom_multichannels/custom_channels, Channel.from_value,
// _read_channel_configuration): each case gives the configuration, the
// input, and the name, base URL and URL-with-credentials conda gives.
func TestParseChannelConfigured(t *testing.T) {
	t.Parallel()
	fileAlias := ChannelConfig{Alias: "file:///srv/mirror/"}
	mirrorDefaults := ChannelConfig{
		Alias:           "file:///srv/mirror",
		DefaultChannels: []string{"file:///srv/mirror/pkgs/main", "pkgs/r"},
	}
	corp := ChannelConfig{
		Alias:           "https://conda.corp.example/t/alias-tok",
		DefaultChannels: []string{"https://mirror.corp.example/conda/pkgs/main", "https://conda.corp.example/pkgs/r"},
		CustomChannels: map[string]string{
			"internal":     "https://user:pw@pkgs.corp.example/c",
			"internal/sub": "https://other.corp.example",
			"aliased":      "not-a-url",
			"local-chans":  "file:///opt/chans",
		},
		CustomMultichannels: map[string][]string{
			"science": {"conda-forge", "https://mirror.corp.example/bio/bioconda"},
			"local":   {"https://ignored.example/x"},
		},
	}
	tests := []struct {
		name      string
		cfg       ChannelConfig
		in        string
		wantName  string
		wantBase  string
		wantCreds string // URLWithCredentials, "" = same as base
		local     bool
	}{
		{"file alias name", fileAlias, "conda-forge", "conda-forge", "file:///srv/mirror/conda-forge", "", true},
		{"file alias label", fileAlias, "conda-forge/label/dev/noarch", "conda-forge/label/dev", "file:///srv/mirror/conda-forge/label/dev", "", true},
		{"file URL under file alias", fileAlias, "file:///srv/mirror/bioconda/linux-64", "bioconda", "file:///srv/mirror/bioconda", "", true},
		{"path under file alias", fileAlias, "/srv/mirror/bioconda", "bioconda", "file:///srv/mirror/bioconda", "", true},
		{"file URL elsewhere", fileAlias, "file:///opt/other", "file:///opt/other", "file:///opt/other", "", true},
		{"the alias itself", fileAlias, "file:///srv/mirror", "file:///srv/mirror", "file:///srv/mirror", "", true},
		{"https URL with a file alias", fileAlias, "https://conda.anaconda.org/conda-forge", "https://conda.anaconda.org/conda-forge", "https://conda.anaconda.org/conda-forge", "", false},
		{"pkgs/main from file defaults", mirrorDefaults, "pkgs/main", "pkgs/main", "file:///srv/mirror/pkgs/main", "", true},
		{"pkgs/r from a name in defaults", mirrorDefaults, "pkgs/r", "pkgs/r", "file:///srv/mirror/pkgs/r", "", true},
		{"pkgs/msys2 not in defaults", mirrorDefaults, "pkgs/msys2", "pkgs/msys2", "file:///srv/mirror/pkgs/msys2", "", true},
		{"alias token applies", corp, "conda-forge", "conda-forge", "https://conda.corp.example/conda-forge", "https://conda.corp.example/t/alias-tok/conda-forge", false},
		{"URL under alias takes its token", corp, "https://conda.corp.example/bioconda", "bioconda", "https://conda.corp.example/bioconda", "https://conda.corp.example/t/alias-tok/bioconda", false},
		{"defaults member outside alias: host, then path", corp, "conda/pkgs/main", "conda/pkgs/main", "https://mirror.corp.example/conda/pkgs/main", "", false},
		{"pkgs/main is not the member's name", corp, "pkgs/main", "pkgs/main", "https://conda.corp.example/pkgs/main", "https://conda.corp.example/t/alias-tok/pkgs/main", false},
		{"member URL", corp, "https://mirror.corp.example/conda/pkgs/main/linux-64", "conda/pkgs/main", "https://mirror.corp.example/conda/pkgs/main", "", false},
		{"member URL with a label", corp, "https://mirror.corp.example/conda/pkgs/main/label/x", "conda/pkgs/main/label/x", "https://mirror.corp.example/conda/pkgs/main/label/x", "", false},
		{"custom channel", corp, "internal", "internal", "https://pkgs.corp.example/c/internal", "https://user:pw@pkgs.corp.example/c/internal", false},
		{"custom channel label", corp, "internal/label/a", "internal/label/a", "https://pkgs.corp.example/c/internal/label/a", "https://user:pw@pkgs.corp.example/c/internal/label/a", false},
		{"longest custom name wins", corp, "internal/sub/x", "internal/sub/x", "https://other.corp.example/internal/sub/x", "", false},
		{"custom URL keeps the URL's own auth", corp, "https://me:mine@pkgs.corp.example/c/internal", "internal", "https://pkgs.corp.example/c/internal", "https://me:mine@pkgs.corp.example/c/internal", false},
		{"custom URL gets configured auth", corp, "https://pkgs.corp.example/c/internal", "internal", "https://pkgs.corp.example/c/internal", "https://user:pw@pkgs.corp.example/c/internal", false},
		{"custom without scheme: under alias", corp, "aliased", "aliased", "https://conda.corp.example/aliased", "https://conda.corp.example/t/alias-tok/aliased", false},
		{"custom file channel", corp, "local-chans", "local-chans", "file:///opt/chans/local-chans", "", true},
		{"multichannel member by name", corp, "bio/bioconda", "bio/bioconda", "https://mirror.corp.example/bio/bioconda", "", false},
		{"stock pkgs/pro", ChannelConfig{}, "pkgs/pro", "pkgs/pro", "https://repo.anaconda.com/pkgs/pro", "", false},
		{"no pkgs/pro once custom_channels is set", corp, "pkgs/pro", "pkgs/pro", "https://conda.corp.example/pkgs/pro", "https://conda.corp.example/t/alias-tok/pkgs/pro", false},
		{"local is not a multichannel", corp, "local", "local", "https://conda.corp.example/local", "https://conda.corp.example/t/alias-tok/local", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := ParseChannel(tc.in, tc.cfg)
			if err != nil {
				t.Fatalf("ParseChannel(%q): %v", tc.in, err)
			}
			if got := c.Name(); got != tc.wantName {
				t.Errorf("Name() = %q, want %q", got, tc.wantName)
			}
			if got := c.BaseURL(); got != tc.wantBase {
				t.Errorf("BaseURL() = %q, want %q", got, tc.wantBase)
			}
			want := tc.wantCreds
			if want == "" {
				want = tc.wantBase
			}
			if got := c.URLWithCredentials(); got != want {
				t.Errorf("URLWithCredentials() = %q, want %q", got, want)
			}
			if c.IsLocal() != tc.local {
				t.Errorf("IsLocal() = %v, want %v", c.IsLocal(), tc.local)
			}
			// the base URL parses back to the same channel
			c2, err := ParseChannel(c.BaseURL(), tc.cfg)
			if err != nil || !c2.Equal(c) || c2.Name() != c.Name() {
				t.Errorf("ParseChannel(%q) = %q, %v; want %q", c.BaseURL(), c2.Name(), err, c.Name())
			}
		})
	}
}

func TestMultiChannels(t *testing.T) {
	t.Parallel()
	bases := func(cs []Channel) string {
		var out []string
		for _, c := range cs {
			s := c.BaseURL()
			if c.Platform() != "" {
				s += "@" + string(c.Platform())
			}
			out = append(out, s)
		}
		return strings.Join(out, " ")
	}
	cfg := ChannelConfig{
		Alias:           "file:///srv/mirror",
		DefaultChannels: []string{"pkgs/main", "https://repo.example/pkgs/r"},
		CustomMultichannels: map[string][]string{
			"science": {"conda-forge", "https://mirror.example/bioconda"},
		},
	}
	tests := []struct {
		name, in string
		cfg      ChannelConfig
		plat     Platform
		want     string
	}{
		{"stock linux", "defaults", ChannelConfig{}, Linux64, "https://repo.anaconda.com/pkgs/main https://repo.anaconda.com/pkgs/r"},
		{"stock windows", "defaults", ChannelConfig{}, Win64, "https://repo.anaconda.com/pkgs/main https://repo.anaconda.com/pkgs/r https://repo.anaconda.com/pkgs/msys2"},
		{"default_channels with a name", "defaults", cfg, Linux64, "file:///srv/mirror/pkgs/main https://repo.example/pkgs/r"},
		{"default_channels on windows", "defaults", cfg, Win64, "file:///srv/mirror/pkgs/main https://repo.example/pkgs/r"},
		{"defaults with a subdir", "defaults/linux-64", cfg, OsxArm64, "file:///srv/mirror/pkgs/main@linux-64 https://repo.example/pkgs/r@linux-64"},
		{"custom multichannel", "science", cfg, Linux64, "file:///srv/mirror/conda-forge https://mirror.example/bioconda"},
		{"custom multichannel with a subdir", "science/noarch", cfg, Linux64, "file:///srv/mirror/conda-forge@noarch https://mirror.example/bioconda@noarch"},
		{"custom_multichannels.defaults beats default_channels", "defaults",
			ChannelConfig{DefaultChannels: []string{"https://a.example/x"}, CustomMultichannels: map[string][]string{"defaults": {"https://b.example/y"}}},
			Linux64, "https://b.example/y"},
		{"plain channel", "conda-forge", cfg, Linux64, "file:///srv/mirror/conda-forge"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := ParseChannel(tc.in, tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			cs, err := ExpandChannel(c, tc.cfg, tc.plat)
			if err != nil {
				t.Fatal(err)
			}
			if got := bases(cs); got != tc.want {
				t.Errorf("ExpandChannel(%q) = %q, want %q", tc.in, got, tc.want)
			}
			if c.IsMultiChannel() && (c.BaseURL() != "" || c.URLWithCredentials() != "" || c.Name() != strings.Split(tc.in, "/")[0]) {
				t.Errorf("multichannel %q: base %q name %q", tc.in, c.BaseURL(), c.Name())
			}
		})
	}
	sci, _ := ParseChannel("science", cfg)
	for rc, want := range map[string]bool{
		"science": true, "https://mirror.example/bioconda/noarch": true, "conda-forge": true,
		"file:///srv/mirror/conda-forge": true, "defaults": false, "bioconda-x": false,
	} {
		if got := sci.MatchRecordChannel(rc); got != want {
			t.Errorf("science.MatchRecordChannel(%q) = %v, want %v", rc, got, want)
		}
	}
	def, _ := ParseChannel("defaults", cfg)
	if sci.Equal(def) || !sci.Equal(sci) || def.IsMultiChannel() != true || sci.IsDefaults() {
		t.Error("multichannel identity is wrong")
	}
}

func TestChannelConfigErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  ChannelConfig
		in   string
		want string
	}{
		{"alias file URL with a host", ChannelConfig{Alias: "file://server/share"}, "conda-forge", "file URL with host"},
		{"alias with a space", ChannelConfig{Alias: "https://ho st/"}, "conda-forge", "channel alias"},
		{"alias without host", ChannelConfig{Alias: "https:///x"}, "conda-forge", "without a host"},
		{"defaults lists itself", ChannelConfig{DefaultChannels: []string{"defaults"}}, "defaults", "lists \"defaults\""},
		{"bad default channel", ChannelConfig{DefaultChannels: []string{"https://"}}, "pkgs/main", "default channel"},
		{"bad custom channel", ChannelConfig{CustomChannels: map[string]string{"x": "https://"}}, "x", "custom channel \"x\""},
		{"bad multichannel member", ChannelConfig{CustomMultichannels: map[string][]string{"m": {"bad name!"}}}, "m", "expanding m"},
		{"token stays hidden", ChannelConfig{Alias: "https://h/t/secret-tok", CustomChannels: map[string]string{"x": "https://u:pw@"}}, "x", "custom channel"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseChannel(tc.in, tc.cfg)
			if err == nil {
				t.Fatalf("ParseChannel(%q): no error", tc.in)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not mention %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "secret-tok") || strings.Contains(err.Error(), ":pw") {
				t.Errorf("error %q leaks a credential", err)
			}
		})
	}
}

// BenchmarkParseChannelConfigured measures a name, a URL and a
// multi-channel under a mirror configuration (the custom-channel table is
// built per call).
func BenchmarkParseChannelConfigured(b *testing.B) {
	cfg := ChannelConfig{
		Alias:               "https://mirror.example/conda",
		DefaultChannels:     []string{"https://mirror.example/conda/pkgs/main", "https://mirror.example/conda/pkgs/r"},
		CustomChannels:      map[string]string{"internal": "https://pkgs.corp.example"},
		CustomMultichannels: map[string][]string{"science": {"conda-forge", "bioconda"}},
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, s := range []string{"conda-forge", "https://mirror.example/conda/bioconda/linux-64", "defaults"} {
			if _, err := ParseChannel(s, cfg); err != nil {
				b.Fatal(err)
			}
		}
	}
}
