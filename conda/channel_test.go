package conda

import (
	"fmt"
	"strings"
	"testing"
)

func TestParseChannel(t *testing.T) {
	t.Parallel()
	cfg := ChannelConfig{WorkDir: "/work/dir", HomeDir: "/home/u",
		CustomChannels: map[string]string{"internal": "https://pkgs.corp.example/conda"}}
	tests := []struct {
		in, name, base string
		plat           Platform
		local          bool
	}{
		{"conda-forge", "conda-forge", "https://conda.anaconda.org/conda-forge", "", false},
		{"  conda-forge  ", "conda-forge", "https://conda.anaconda.org/conda-forge", "", false},
		{"conda-forge/linux-64", "conda-forge", "https://conda.anaconda.org/conda-forge", Linux64, false},
		{"conda-forge/label/dev", "conda-forge/label/dev", "https://conda.anaconda.org/conda-forge/label/dev", "", false},
		{"pkgs/main", "pkgs/main", "https://repo.anaconda.com/pkgs/main", "", false},
		{"pkgs/r/noarch", "pkgs/r", "https://repo.anaconda.com/pkgs/r", Noarch, false},
		{"pkgs/free", "pkgs/free", "https://conda.anaconda.org/pkgs/free", "", false},
		{"internal", "internal", "https://pkgs.corp.example/conda/internal", "", false},
		{"internal/sub", "internal/sub", "https://pkgs.corp.example/conda/internal/sub", "", false},
		{"https://conda.anaconda.org/conda-forge", "conda-forge", "https://conda.anaconda.org/conda-forge", "", false},
		{"https://conda.anaconda.org/conda-forge/", "conda-forge", "https://conda.anaconda.org/conda-forge", "", false},
		{"https://conda.anaconda.org/conda-forge/osx-arm64", "conda-forge", "https://conda.anaconda.org/conda-forge", OsxArm64, false},
		{"https://conda.anaconda.org/conda-forge/linux-64/zlib-1.2.13-0.conda", "conda-forge", "https://conda.anaconda.org/conda-forge", Linux64, false},
		{"HTTPS://Conda.Anaconda.org/conda-forge", "conda-forge", "https://conda.anaconda.org/conda-forge", "", false},
		{"https://conda.anaconda.org/t/tk-123-abc/conda-forge", "conda-forge", "https://conda.anaconda.org/conda-forge", "", false},
		{"https://repo.anaconda.com/pkgs/main/win-64", "pkgs/main", "https://repo.anaconda.com/pkgs/main", Win64, false},
		{"https://example.com/some/channel", "https://example.com/some/channel", "https://example.com/some/channel", "", false},
		{"http://localhost:8000/ch/noarch", "http://localhost:8000/ch", "http://localhost:8000/ch", Noarch, false},
		{"https://user:secret@example.com/ch", "https://example.com/ch", "https://example.com/ch", "", false},
		{"https://pkgs.corp.example/conda/internal", "internal", "https://pkgs.corp.example/conda/internal", "", false},
		{"s3://bucket/channel", "s3://bucket/channel", "s3://bucket/channel", "", false},
		{"oci://ghcr.io/channel-mirrors/conda-forge", "oci://ghcr.io/channel-mirrors/conda-forge", "oci://ghcr.io/channel-mirrors/conda-forge", "", false},
		{"oci://127.0.0.1:5000/team/chan/linux-64", "oci://127.0.0.1:5000/team/chan", "oci://127.0.0.1:5000/team/chan", Linux64, false},
		{"file:///opt/channel", "file:///opt/channel", "file:///opt/channel", "", true},
		{"file:///opt/channel/linux-64/", "file:///opt/channel", "file:///opt/channel", Linux64, true},
		{"file://localhost/opt/channel", "file:///opt/channel", "file:///opt/channel", "", true},
		{"/opt/channel", "file:///opt/channel", "file:///opt/channel", "", true},
		{"/opt/x/../channel/", "file:///opt/channel", "file:///opt/channel", "", true},
		{"./local", "file:///work/dir/local", "file:///work/dir/local", "", true},
		{"../up/osx-64", "file:///work/up", "file:///work/up", Osx64, true},
		{"~/chan", "file:///home/u/chan", "file:///home/u/chan", "", true},
		{`C:\Users\me\chan`, "file:///C:/Users/me/chan", "file:///C:/Users/me/chan", "", true},
		{"file:///C:/Users/me/chan", "file:///C:/Users/me/chan", "file:///C:/Users/me/chan", "", true},
		{"defaults", "defaults", "", "", false},
		{"conda-*", "conda-*", "", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			c, err := ParseChannel(tc.in, cfg)
			if err != nil {
				t.Fatalf("ParseChannel(%q): %v", tc.in, err)
			}
			if got := c.Name(); got != tc.name {
				t.Errorf("Name() = %q, want %q", got, tc.name)
			}
			if got := c.String(); got != tc.name {
				t.Errorf("String() = %q, want %q", got, tc.name)
			}
			if got := c.BaseURL(); got != tc.base {
				t.Errorf("BaseURL() = %q, want %q", got, tc.base)
			}
			if got := c.Platform(); got != tc.plat {
				t.Errorf("Platform() = %q, want %q", got, tc.plat)
			}
			if got := c.IsLocal(); got != tc.local {
				t.Errorf("IsLocal() = %v, want %v", got, tc.local)
			}
			if tc.base != "" {
				if got, want := c.SubdirURL(Noarch), tc.base+"/noarch"; got != want {
					t.Errorf("SubdirURL(noarch) = %q, want %q", got, want)
				}
				// the base URL names the same channel
				c2, err := ParseChannel(c.BaseURL(), cfg)
				if err != nil || !c2.Equal(c) || c2.Name() != c.Name() {
					t.Errorf("ParseChannel(BaseURL()=%q) = %q, %v; want equal", c.BaseURL(), c2.Name(), err)
				}
			}
		})
	}
}

func TestParseChannelAlias(t *testing.T) {
	t.Parallel()
	cfg := ChannelConfig{Alias: "https://mirror.example/conda/"}
	c, err := ParseChannel("conda-forge", cfg)
	if err != nil {
		t.Fatal(err)
	}
	if c.BaseURL() != "https://mirror.example/conda/conda-forge" || c.Name() != "conda-forge" {
		t.Errorf("alias channel = %q %q", c.BaseURL(), c.Name())
	}
	c, err = ParseChannel("https://mirror.example/conda/bioconda/linux-64", cfg)
	if err != nil || c.Name() != "bioconda" || c.Platform() != Linux64 {
		t.Errorf("URL under alias = %q %q %v", c.Name(), c.Platform(), err)
	}
	// under a custom alias, conda.anaconda.org URLs are plain URLs
	c, err = ParseChannel("https://conda.anaconda.org/conda-forge", cfg)
	if err != nil || c.Name() != "https://conda.anaconda.org/conda-forge" {
		t.Errorf("foreign URL = %q %v", c.Name(), err)
	}
	// a token on the alias applies to channels resolved through it
	c, err = ParseChannel("private", ChannelConfig{Alias: "https://conda.example/t/alias-tok"})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c.URLWithCredentials(), "https://conda.example/t/alias-tok/private"; got != want {
		t.Errorf("URLWithCredentials() = %q, want %q", got, want)
	}
	if strings.Contains(c.String()+c.BaseURL(), "alias-tok") {
		t.Errorf("token leaked: %q %q", c.String(), c.BaseURL())
	}
}

func TestChannelCredentialsNeverShown(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, withCreds, user, pass, token string
	}{
		{"https://conda.anaconda.org/t/tk-SECRET1/conda-forge/linux-64", "https://conda.anaconda.org/t/tk-SECRET1/conda-forge", "", "", "tk-SECRET1"},
		{"https://bob:SECRET2@example.com/ch", "https://bob:SECRET2@example.com/ch", "bob", "SECRET2", ""},
		{"https://bob:SECRET3@example.com/t/SECRET4/ch", "https://bob:SECRET3@example.com/t/SECRET4/ch", "bob", "SECRET3", "SECRET4"},
		{"http://SECRET5@example.com:8080/a/b", "http://SECRET5@example.com:8080/a/b", "SECRET5", "", ""},
		{"oci://ci:SECRET11@registry.example.com/team/ch", "oci://ci:SECRET11@registry.example.com/team/ch", "ci", "SECRET11", ""},
	}
	for _, tc := range tests {
		c, err := ParseChannel(tc.in, ChannelConfig{})
		if err != nil {
			t.Fatalf("ParseChannel: %v", err)
		}
		if got := c.URLWithCredentials(); got != tc.withCreds {
			t.Errorf("URLWithCredentials() = %q, want %q", got, tc.withCreds)
		}
		if u, p, tok := c.Credentials(); u != tc.user || p != tc.pass || tok != tc.token || !c.HasCredentials() {
			t.Errorf("Credentials() = %q %q %q", u, p, tok)
		}
		ms, err := ParseMatchSpec(tc.in + "::numpy")
		if err != nil {
			t.Fatalf("ParseMatchSpec: %v", err)
		}
		shown := []string{c.String(), c.Name(), c.BaseURL(), c.SubdirURL(Linux64), c.GoString(),
			fmt.Sprintf("%v %+v %#v %s", c, c, c, c), fmt.Sprintf("%v %+v", &c, []Channel{c}), ms.String()}
		for _, s := range shown {
			if strings.Contains(s, "SECRET") {
				t.Errorf("credentials shown in %q", s)
			}
		}
	}
	// errors quote the input with credentials redacted
	for _, bad := range []string{
		"https://conda.anaconda.org/t/tk-SECRET6/bad name",
		"https://bob:SECRET7@/nohost",
		"gopher://bob:SECRET8@host/ch",
		"https://bob:SECRET9@host/t/SECRET10/ch::numpy>>1",
	} {
		_, err1 := ParseChannel(bad, ChannelConfig{})
		_, err2 := ParseMatchSpec(bad)
		for _, err := range []error{err1, err2} {
			if err == nil {
				t.Errorf("%q parsed, want error", bad)
				continue
			}
			if strings.Contains(err.Error(), "SECRET") {
				t.Errorf("credentials in error %q", err)
			}
		}
	}
}

func TestParseChannelErrors(t *testing.T) {
	t.Parallel()
	for _, in := range []string{
		"", "  ", "conda forge", "conda-forge//x", "a/../b", "ftp:/x", "gopher://host/ch", "https:///ch",
		"file://remote/opt/ch", "file://relative", "~/x", "bad\x00name", "na:me", "https://@host/ch",
		"oci://ghcr.io", "oci://ghcr.io/",
	} {
		t.Run(in, func(t *testing.T) {
			c, err := ParseChannel(in, ChannelConfig{})
			if err == nil {
				t.Fatalf("ParseChannel(%q) = %q, want error", in, c.Name())
			}
			if !strings.HasPrefix(err.Error(), "invalid channel ") {
				t.Errorf("error %q lacks the standard prefix", err)
			}
		})
	}
}

func TestExpandDefaults(t *testing.T) {
	t.Parallel()
	names := func(cs []Channel) string {
		var out []string
		for _, c := range cs {
			out = append(out, c.BaseURL())
		}
		return strings.Join(out, " ")
	}
	cs, err := ExpandDefaults(ChannelConfig{}, Linux64)
	if err != nil || names(cs) != "https://repo.anaconda.com/pkgs/main https://repo.anaconda.com/pkgs/r" {
		t.Errorf("linux defaults = %q, %v", names(cs), err)
	}
	cs, err = ExpandDefaults(ChannelConfig{}, Win64)
	if err != nil || names(cs) != "https://repo.anaconda.com/pkgs/main https://repo.anaconda.com/pkgs/r https://repo.anaconda.com/pkgs/msys2" {
		t.Errorf("win defaults = %q, %v", names(cs), err)
	}
	cfg := ChannelConfig{DefaultChannels: []string{"https://mirror.example/pkgs/main", "conda-forge"}}
	cs, err = ExpandDefaults(cfg, Linux64)
	if err != nil || names(cs) != "https://mirror.example/pkgs/main https://conda.anaconda.org/conda-forge" {
		t.Errorf("custom defaults = %q, %v", names(cs), err)
	}
	if cs[0].Name() != "pkgs/main" {
		t.Errorf("custom default member name = %q", cs[0].Name())
	}
	if _, err := ExpandDefaults(ChannelConfig{DefaultChannels: []string{"defaults"}}, Linux64); err == nil {
		t.Error("defaults listing itself: no error")
	}
}

func TestMatchRecordChannel(t *testing.T) {
	t.Parallel()
	tests := []struct {
		spec, rc string
		want     bool
	}{
		{"conda-forge", "conda-forge", true},
		{"conda-forge", "https://conda.anaconda.org/conda-forge", true},
		{"conda-forge", "https://conda.anaconda.org/conda-forge/linux-64", true},
		{"conda-forge", "https://conda.anaconda.org/conda-forge/linux-64/", true},
		{"https://conda.anaconda.org/conda-forge", "conda-forge", true},
		{"conda-forge", "bioconda", false},
		{"conda-forge", "https://conda.anaconda.org/conda-forge-extra", false},
		{"defaults", "https://repo.anaconda.com/pkgs/main", true},
		{"defaults", "pkgs/main", true},
		{"defaults", "defaults", true},
		{"pkgs/main", "defaults", false},
		{"https://repo.anaconda.com/pkgs/main", "defaults", false},
		{"https://repo.anaconda.com/pkgs/main", "conda-forge", false},
		{"defaults", "conda-forge", false},
		{"conda-*", "conda-forge", true},
		{"conda-*", "https://conda.anaconda.org/conda-forge/noarch", true},
		{"conda-*", "bioconda", false},
		{"/opt/ch", "file:///opt/ch/noarch", true},
		{"conda-forge", "", false},

		// conda's test_channel_matching and
		// test_channel_matching_strict_for_non_alias_urls
		{"https://conda.anaconda.org/conda-forge", "conda-forge", true},
		{"file:///tmp/a/distr", "file:///tmp/a/distr", true},
		{"file:///tmp/a/distr", "file:///tmp/b/distr", false},
		{"file:///tmp/a/distr", "distr", false},
		{"distr", "file:///tmp/a/distr", true},
		{"https://repo.anaconda.com/pkgs/main", "pkgs/main", true},

		// a name matches a URL or path channel outside the alias by
		// conda's name for it or by its last path component
		{"mychan", "https://host/a/mychan", true},
		{"mychan", "https://host/a/mychan/linux-64", true},
		{"mychan", "https://host:8080/mychan", true},
		{"a/mychan", "https://host/a/mychan", true},
		{"mychan", "https://host/conda/mychan", true},
		{"mychan", "file:///srv/chans/mychan", true},
		{"mychan", "file:///srv/chans/mychan/noarch", true},
		{"chans/mychan", "file:///srv/chans/mychan", false},
		{"mychan", "https://host/mychan/other", false},
		{"mychan", "https://host/mychan-2", false},
		{"mychan", "https://mychan", false},
		{"mychan", "file:///", false},
		{"a", "https://host/a/mychan", false},
		{"conda-forge/label/testing", "https://mirror.example/conda-forge/label/testing", true},
		{"testing", "https://mirror.example/conda-forge/label/testing", true},
		{"conda-forge", "https://mirror.example/pkgs/conda-forge", true},
		// a named record channel is matched by its whole name only
		{"main", "pkgs/main", false},
		{"mychan", "other/mychan", false},
		// a URL or path in the spec matches only that base URL
		{"https://host/a/mychan", "https://host/a/mychan/linux-64", true},
		{"https://host/a/mychan", "https://other/a/mychan", false},
		{"https://host/a/mychan", "mychan", false},
		{"/srv/chans/mychan", "file:///srv/chans/mychan", true},
		{"/srv/chans/mychan", "mychan", false},
		{"/srv/chans/mychan", "file:///srv/other/mychan", false},
		// defaults: its members, wherever a name leads
		{"defaults", "https://repo.anaconda.com/pkgs/r/noarch", true},
		{"defaults", "pkgs/r", true},
		// conda's canonical_name of a channel named pkgs/main is
		// "defaults", wherever it lives
		{"defaults", "https://mirror.example/pkgs/main", true},
		{"defaults", "https://mirror.example/pkgs/free", false},
	}
	for _, tc := range tests {
		c, err := ParseChannel(tc.spec, ChannelConfig{})
		if err != nil {
			t.Fatal(err)
		}
		if got := c.MatchRecordChannel(tc.rc); got != tc.want {
			t.Errorf("ParseChannel(%q).MatchRecordChannel(%q) = %v, want %v", tc.spec, tc.rc, got, tc.want)
		}
	}
}

// Names from the configuration: custom_channels, and default_channels
// pointing at a mirror (what "defaults" and "pkgs/main" then mean).
func TestMatchRecordChannelConfigured(t *testing.T) {
	t.Parallel()
	cfg := ChannelConfig{
		CustomChannels:  map[string]string{"internal": "https://pkgs.corp.example/conda"},
		DefaultChannels: []string{"https://mirror.example/pkgs/main", "file:///srv/mirror/pkgs/r"},
	}
	tests := []struct {
		spec, rc string
		want     bool
	}{
		{"internal", "internal", true},
		{"internal", "https://pkgs.corp.example/conda/internal", true},
		{"internal", "https://pkgs.corp.example/conda/internal/noarch", true},
		{"internal/label/dev", "internal/label/dev", true},
		{"internal/label/dev", "internal", false},
		{"internal", "https://conda.anaconda.org/internal", true}, // conda matches names, not places
		{"defaults", "pkgs/main", true},
		{"defaults", "https://mirror.example/pkgs/main", true},
		{"defaults", "file:///srv/mirror/pkgs/r", true},
		{"defaults", "https://repo.anaconda.com/pkgs/r", false},
		{"defaults", "conda-forge", false},
		{"pkgs/main", "https://mirror.example/pkgs/main", true},
		{"pkgs/main", "pkgs/main", true},
	}
	for _, tc := range tests {
		c, err := ParseChannel(tc.spec, cfg)
		if err != nil {
			t.Fatal(err)
		}
		if got := c.MatchRecordChannel(tc.rc); got != tc.want {
			t.Errorf("ParseChannel(%q).MatchRecordChannel(%q) = %v, want %v", tc.spec, tc.rc, got, tc.want)
		}
	}
}

func TestURLChannelName(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"https://host/a/mychan", "a/mychan"},
		{"https://host/a/mychan/linux-64/", "a/mychan"},
		{"https://host/conda/mychan", "mychan"},
		{"http://localhost:8000/ch", "ch"},
		{"file:///srv/chans/mychan", "mychan"},
		{"file:///srv/chans/mychan/noarch", "mychan"},
		{"file:///C:/chans/mychan", "mychan"},
		{"https://host", ""},
		{"https://host/", ""},
		{"mychan", ""},
		{"", ""},
	}
	for _, tc := range tests {
		if got := urlChannelName(tc.in); got != tc.want {
			t.Errorf("urlChannelName(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func FuzzParseChannel(f *testing.F) {
	for _, s := range []string{
		"conda-forge", "pkgs/main", "defaults", "https://conda.anaconda.org/t/tok/conda-forge/linux-64",
		"https://u:p@host:8080/a/b", "file:///opt/ch", "/opt/ch/noarch", "./rel", "C:\\x\\y", "conda-*",
	} {
		f.Add(s)
	}
	cfg := ChannelConfig{WorkDir: "/w", HomeDir: "/h"}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseChannel(s, cfg)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "invalid channel ") {
				t.Fatalf("error %q lacks the standard prefix", err)
			}
			return
		}
		if c.BaseURL() == "" {
			return
		}
		c2, err := ParseChannel(c.BaseURL(), cfg)
		if err != nil {
			t.Fatalf("ParseChannel(%q) ok, BaseURL %q does not parse: %v", s, c.BaseURL(), err)
		}
		if c2.HasCredentials() {
			t.Fatalf("ParseChannel(%q): BaseURL %q carries credentials", s, c.BaseURL())
		}
		if c2.BaseURL() != c.BaseURL() || c2.Name() != c.Name() {
			t.Fatalf("ParseChannel(%q): BaseURL %q reparses to %q (name %q vs %q)", s, c.BaseURL(), c2.BaseURL(), c2.Name(), c.Name())
		}
		if !c.MatchRecordChannel(c.BaseURL()) {
			t.Fatalf("channel %q does not match its own base URL", s)
		}
	})
}
