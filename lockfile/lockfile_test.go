package lockfile

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/envseal/envseal/conda"
)

// minimal is a valid envseal.lock the strictness tests edit.
const minimal = `version: 1
metadata:
  platforms:
    - linux-64
packages:
  linux-64:
    - name: zlib
      version: 1.3.1
      build: hb9d3cd8_2
      build_number: 2
      subdir: linux-64
      url: https://conda.anaconda.org/conda-forge/linux-64/zlib-1.3.1-hb9d3cd8_2.conda
      md5: c9f075ab2f33b3bbee9e62d4ad0a6cd8
`

func TestParseMinimal(t *testing.T) {
	l, err := Parse([]byte(minimal))
	if err != nil {
		t.Fatal(err)
	}
	p := l.Packages[conda.Linux64][0]
	if p.Name != "zlib" || p.Version.String() != "1.3.1" || p.BuildNumber != 2 || p.MD5 != "c9f075ab2f33b3bbee9e62d4ad0a6cd8" {
		t.Errorf("got %+v", p)
	}
	out, err := Marshal(l)
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != minimal {
		t.Errorf("canonical text differs:\n%s", out)
	}
}

func TestParseStrict(t *testing.T) {
	tests := []struct {
		name, old, new, want string
	}{
		{"unknown top key", "packages:\n", "extra: 1\npackages:\n", `5: lockfile: unknown key "extra"`},
		{"unknown package key", "      md5:", "      colour: red\n      md5:", `13: packages.linux-64: package: unknown key "colour"`},
		{"duplicate key", "      md5:", "      name: zlib\n      md5:", `13: packages.linux-64: package: duplicate key "name"`},
		{"unknown platform", "    - linux-64\n", "    - linux-65\n", `4: metadata.platforms: invalid platform "linux-65"`},
		{"platform listed twice", "    - linux-64\n", "    - linux-64\n    - linux-64\n", `5: metadata.platforms: linux-64 is listed twice`},
		{"unlisted platform", "  linux-64:\n    - name", "  osx-64:\n    - name", `6: packages: platform osx-64 is not listed in metadata.platforms`},
		{"missing url", "      url: https://conda.anaconda.org/conda-forge/linux-64/zlib-1.3.1-hb9d3cd8_2.conda\n", "", `7: packages.linux-64: package: missing key "url"`},
		{"bad md5", "md5: c9f075ab2f33b3bbee9e62d4ad0a6cd8", "md5: c9f0", `md5 "c9f0" is not 32 hex digits`},
		{"bad version", "version: 1.3.1", "version: 1..3", `8: packages.linux-64: package zlib: invalid version "1..3"`},
		{"build number not int", "build_number: 2", "build_number: two", `10: packages.linux-64: build_number: want an integer, found "two"`},
		{"alias", "    - name: zlib", "    - &a\n      name: zlib", `anchors, aliases and tags are not allowed`},
		{"second document", "", "---\nversion: 1\n", `more than one YAML document`},
		{"list for string", "      build: hb9d3cd8_2", "      build: [a]", `9: packages.linux-64: build: want a string, found a list`},
		{"bad noarch", "      md5:", "      noarch: perl\n      md5:", `13: packages.linux-64: package zlib: noarch: want python or generic, found "perl"`},
		{"listed twice", "", `    - name: zlib
      version: 1.3.1
      build: hb9d3cd8_2
      subdir: linux-64
      url: https://conda.anaconda.org/conda-forge/linux-64/zlib-1.3.1-hb9d3cd8_2.conda
`, `14: packages.linux-64: https://conda.anaconda.org/conda-forge/linux-64/zlib-1.3.1-hb9d3cd8_2.conda is listed twice`},
		{"bad secrets", "", "secrets:\n  version: 1\n", `15: parsing secrets section`},
		{"bad priority", "packages:\n", "  channel_priority: sometimes\npackages:\n", `5: channel_priority: want strict, flexible or disabled, found "sometimes"`},
		{"yaml syntax", "packages:\n", "packages: [\n", `invalid YAML`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var in string
			if tc.old == "" {
				in = minimal + tc.new
			} else {
				if !strings.Contains(minimal, tc.old) {
					t.Fatalf("%q not in the minimal lock", tc.old)
				}
				in = strings.Replace(minimal, tc.old, tc.new, 1)
			}
			l, err := Decode([]byte(in), DecodeOptions{Filename: "envseal.lock", Format: FormatEnvseal})
			if err == nil {
				t.Fatalf("no error; decoded %+v", l)
			}
			if l != nil {
				t.Errorf("non-nil lock with an error")
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "envseal.lock:") || !strings.Contains(msg, tc.want) {
				t.Errorf("error %q\nwant it to name envseal.lock and contain %q", msg, tc.want)
			}
		})
	}
}

func TestVersionError(t *testing.T) {
	in := strings.Replace(minimal, "version: 1\n", "version: 2\nnew_key: x\n", 1)
	_, err := Parse([]byte(in))
	var ve *VersionError
	if !errors.As(err, &ve) || ve.Version != 2 || ve.Format != "envseal.lock" {
		t.Fatalf("got %v, want *VersionError for version 2", err)
	}
	if !strings.Contains(err.Error(), "1: envseal.lock version 2 is not supported (supported: 1)") {
		t.Errorf("message %q", err)
	}
	if _, err := Marshal(&Lock{Version: 3}); !errors.As(err, &ve) {
		t.Errorf("Marshal of version 3: got %v", err)
	}
}

func TestDetect(t *testing.T) {
	tests := []struct {
		in   string
		want Format
	}{
		{minimal, FormatEnvseal},
		{"# comment\n@EXPLICIT\nhttps://x/linux-64/a-1-0.conda\n", FormatExplicit},
		{"version: 6\nenvironments: {}\npackages: []\n", FormatPixi},
		{"version: 7\nplatforms: []\n", FormatPixi},
		{"metadata: {}\npackage: []\nversion: 1\n", FormatCondaLock},
		{"name: env\ndependencies: [python]\n", FormatUnknown},
		{"", FormatUnknown},
		{"\"version\": 1\r\n\"packages\": {}\r\n", FormatEnvseal},
	}
	for _, tc := range tests {
		if got := Detect([]byte(tc.in)); got != tc.want {
			t.Errorf("Detect(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
	for _, s := range []string{"envseal", "conda-lock", "pixi.lock", "explicit"} {
		if _, err := ParseFormat(s); err != nil {
			t.Errorf("ParseFormat(%q): %v", s, err)
		}
	}
	if _, err := ParseFormat("poetry"); err == nil {
		t.Error("ParseFormat(poetry): no error")
	}
}

func TestFailFiles(t *testing.T) {
	tests := map[string]string{
		"pixi-v7-missing-platform.yml":              `:14: environment "default": platform "UNKNOWN" is not defined in platforms`,
		"pixi-v7-duplicate-platform-definition.yml": `:7: platforms: platform "DUPLICATE" is defined twice`,
		"condalock-bad-package.yml":                 `:4: package: missing key "manager"`,
	}
	for name, want := range tests {
		path := filepath.Join("testdata", "fail", name)
		_, err := ReadFile(path, DecodeOptions{})
		if err == nil || !strings.HasPrefix(err.Error(), path+":") || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: got %v, want an error naming the file and containing %q", name, err, want)
		}
	}
	if _, err := ReadFile(filepath.Join("testdata", "nonexistent.lock"), DecodeOptions{}); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: got %v", err)
	}
}

func testInputs() Inputs {
	return Inputs{
		Platform:        conda.Linux64,
		Specs:           []string{"python 3.12.*", "numpy >=2"},
		PyPISpecs:       []string{"requests"},
		Channels:        []string{"https://conda.example.com/t/tok1/main", "conda-forge"},
		ChannelPriority: "strict",
		VirtualPackages: []string{"__glibc=2.17=0", "__unix=0=0"},
	}
}

func TestContentHashVector(t *testing.T) {
	// A frozen value: the canonical encoding must not drift, or every
	// existing lock would read as stale.
	const want = "72f32f9f231b7a8e6e8b6e4b4e1764eee2f2a79d5832895e12332e775b8f0848"
	in := testInputs()
	got := ContentHash(in)
	if got != want {
		t.Errorf("ContentHash = %s, want %s", got, want)
	}
	// Order of specs and virtual packages, space and a rotated token do
	// not change the hash.
	in.Specs = []string{" numpy >=2", "python 3.12.*", "numpy >=2"}
	in.VirtualPackages = []string{"__unix=0=0", "__glibc=2.17=0"}
	in.Channels[0] = "https://conda.example.com/t/tok2/main"
	if h := ContentHash(in); h != got {
		t.Errorf("equivalent inputs hash to %s, want %s", h, got)
	}
	in.Channels = []string{"conda-forge", "https://conda.example.com/t/tok2/main"}
	if h := ContentHash(in); h == got {
		t.Error("channel order does not change the hash")
	}
}

func TestStale(t *testing.T) {
	l := New()
	l.SetInputs(testInputs())
	if s := l.Stale(testInputs()); s != nil {
		t.Fatalf("fresh lock is stale: %v", s)
	}
	tests := []struct {
		name   string
		change func(*Inputs)
		want   string
	}{
		{"spec added", func(in *Inputs) { in.Specs = append(in.Specs, "scipy") }, `linux-64: specs: added ["scipy"]`},
		{"spec removed", func(in *Inputs) { in.Specs = in.Specs[:1] }, `linux-64: specs: removed ["numpy >=2"]`},
		{"spec changed", func(in *Inputs) { in.Specs[1] = "numpy >=2.1" }, `linux-64: specs: added ["numpy >=2.1"], removed ["numpy >=2"]`},
		{"pypi spec", func(in *Inputs) { in.PyPISpecs = nil }, `linux-64: pypi specs: removed ["requests"]`},
		{"channel order", func(in *Inputs) { in.Channels[0], in.Channels[1] = in.Channels[1], in.Channels[0] }, `linux-64: channels: was ["https://conda.example.com/t/${CHANNEL_CONDA_EXAMPLE_COM_TOKEN}/main" "conda-forge"], now ["conda-forge" "https://conda.example.com/t/${CHANNEL_CONDA_EXAMPLE_COM_TOKEN}/main"]`},
		{"channel priority", func(in *Inputs) { in.ChannelPriority = "flexible" }, `linux-64: channel priority: was "strict", now "flexible"`},
		{"virtual package", func(in *Inputs) { in.VirtualPackages[0] = "__glibc=2.28=0" }, `linux-64: virtual packages: added ["__glibc=2.28=0"], removed ["__glibc=2.17=0"]`},
		{"platform", func(in *Inputs) { in.Platform = conda.OsxArm64 }, `osx-arm64: platform is not locked`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := testInputs()
			tc.change(&in)
			got := l.Stale(in)
			if len(got) != 1 || got[0] != tc.want {
				t.Errorf("Stale = %q\nwant [%q]", got, tc.want)
			}
		})
	}
	t.Run("token rotation is not a change", func(t *testing.T) {
		in := testInputs()
		in.Channels[0] = "https://conda.example.com/t/rotated/main"
		if s := l.Stale(in); s != nil {
			t.Errorf("Stale = %q", s)
		}
	})
	t.Run("edited hash", func(t *testing.T) {
		l2 := New()
		l2.SetInputs(testInputs())
		l2.Metadata.ContentHash[conda.Linux64] = "0000"
		if s := l2.Stale(testInputs()); len(s) != 1 || !strings.Contains(s[0], "content hash 0000 does not match the recorded inputs") {
			t.Errorf("Stale = %q", s)
		}
	})
	t.Run("imported lock", func(t *testing.T) {
		l2 := New()
		l2.Metadata.Platforms = []conda.Platform{conda.Linux64}
		l2.Metadata.ContentHash = map[conda.Platform]string{conda.Linux64: "abc"}
		if s := l2.Stale(testInputs()); len(s) != 1 || !strings.Contains(s[0], "records no inputs") {
			t.Errorf("Stale = %q", s)
		}
	})
	t.Run("platform no longer requested", func(t *testing.T) {
		l2 := New()
		l2.SetInputs(testInputs())
		osx := testInputs()
		osx.Platform = conda.Osx64
		l2.SetInputs(osx)
		if s := l2.StaleAll([]Inputs{testInputs()}); len(s) != 1 || s[0] != "osx-64: platform is locked but no longer requested" {
			t.Errorf("StaleAll = %q", s)
		}
	})
	t.Run("survives the file", func(t *testing.T) {
		l.Packages = map[conda.Platform][]*Package{}
		text, err := Marshal(l)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(text, []byte("tok1")) {
			t.Errorf("token written:\n%s", text)
		}
		l2, err := Parse(text)
		if err != nil {
			t.Fatal(err)
		}
		if s := l2.Stale(testInputs()); s != nil {
			t.Errorf("stale after a round trip: %q", s)
		}
		in := testInputs()
		in.Specs = in.Specs[1:]
		if s := l2.Stale(in); len(s) != 1 || !strings.Contains(s[0], `removed ["python 3.12.*"]`) {
			t.Errorf("Stale = %q", s)
		}
	})
}

func TestRedactChannelURL(t *testing.T) {
	tests := []struct {
		in, want string
		vars     map[string]string
	}{
		{"https://conda.anaconda.org/conda-forge", "https://conda.anaconda.org/conda-forge", nil},
		{"conda-forge", "conda-forge", nil},
		{"https://conda.anaconda.org/t/tk-123-456/conda-forge/linux-64/zlib-1.3.1-0.conda",
			"https://conda.anaconda.org/t/${CHANNEL_CONDA_ANACONDA_ORG_TOKEN}/conda-forge/linux-64/zlib-1.3.1-0.conda",
			map[string]string{"CHANNEL_CONDA_ANACONDA_ORG_TOKEN": "tk-123-456"}},
		{"https://me:p%40ss@repo.example.com:8443/ch",
			"https://${CHANNEL_REPO_EXAMPLE_COM_8443_USER}:${CHANNEL_REPO_EXAMPLE_COM_8443_PASSWORD}@repo.example.com:8443/ch",
			map[string]string{"CHANNEL_REPO_EXAMPLE_COM_8443_USER": "me", "CHANNEL_REPO_EXAMPLE_COM_8443_PASSWORD": "p%40ss"}},
		{"https://token@10.0.0.1/ch", "https://${CHANNEL_10_0_0_1_USER}@10.0.0.1/ch", map[string]string{"CHANNEL_10_0_0_1_USER": "token"}},
		{"https://${U}:${P}@host/t/${T}/ch", "https://${U}:${P}@host/t/${T}/ch", nil},
		{"https://host/path?q=/t/x", "https://host/path?q=/t/x", nil},
	}
	for _, tc := range tests {
		got, vars := RedactChannelURL(tc.in)
		if got != tc.want || !reflect.DeepEqual(vars, tc.vars) {
			t.Errorf("RedactChannelURL(%q) = %q, %v\nwant %q, %v", tc.in, got, vars, tc.want, tc.vars)
		}
		back, err := ExpandChannelURL(got, func(k string) (string, bool) { v, ok := vars[k]; return v, ok })
		if tc.vars != nil && (err != nil || back != tc.in) {
			t.Errorf("ExpandChannelURL(%q) = %q, %v; want %q", got, back, err, tc.in)
		}
		if HasCredentials(tc.in) != (tc.vars != nil) {
			t.Errorf("HasCredentials(%q) = %v", tc.in, !(tc.vars != nil))
		}
	}
	_, err := ExpandChannelURL("https://h/t/${MISSING}/x", func(string) (string, bool) { return "", false })
	if err == nil || !strings.Contains(err.Error(), "MISSING is not set") {
		t.Errorf("missing variable: %v", err)
	}
	if _, err := ExpandChannelURL("https://h/t/${bad name}/x", func(string) (string, bool) { return "", true }); err == nil {
		t.Error("invalid placeholder name: no error")
	}
}

// TestCredentialsNeverWritten puts tokens and passwords in every URL of a
// lock and checks that no encoder writes them.
func TestCredentialsNeverWritten(t *testing.T) {
	l := newTestLock(t)
	l.Metadata.Channels = []string{"https://user:hunter2@private.example.com/ch", "https://conda.example.com/t/SECRETTOKEN/main"}
	p := l.Packages[conda.Linux64][0]
	p.URL = "https://conda.example.com/t/SECRETTOKEN/main/linux-64/" + p.Fn()
	p.Channel = "https://conda.example.com/t/SECRETTOKEN/main"
	l.PyPI = map[conda.Platform][]*PyPIPackage{conda.Linux64: {{Name: "six", Version: "1.16.0", URL: "https://user:hunter2@pypi.example.com/six-1.16.0-py2.py3-none-any.whl"}}}
	in := testInputs()
	in.Channels = []string{"https://conda.example.com/t/SECRETTOKEN/main"}
	l.SetInputs(in)
	for _, f := range []Format{FormatEnvseal, FormatCondaLock, FormatPixi, FormatExplicit} {
		out, err := Encode(l, f, EncodeOptions{Platform: conda.Linux64})
		if err != nil {
			t.Fatalf("%v: %v", f, err)
		}
		if bytes.Contains(out, []byte("SECRETTOKEN")) || bytes.Contains(out, []byte("hunter2")) {
			t.Errorf("%v output holds a credential:\n%s", f, out)
		}
		if !bytes.Contains(out, []byte("${CHANNEL_CONDA_EXAMPLE_COM_TOKEN}")) {
			t.Errorf("%v output lacks the token placeholder:\n%s", f, out)
		}
		l2, err := Decode(out, DecodeOptions{Format: f})
		if err != nil {
			t.Fatalf("%v: reading back: %v", f, err)
		}
		var got *Package
		for _, q := range l2.Packages[conda.Linux64] {
			if q.Name == p.Name {
				got = q
			}
		}
		u, err := ExpandChannelURL(got.URL, func(k string) (string, bool) {
			return "SECRETTOKEN", k == "CHANNEL_CONDA_EXAMPLE_COM_TOKEN"
		})
		if err != nil || u != p.URL {
			t.Errorf("%v: expanded URL %q, %v; want %q", f, u, err, p.URL)
		}
	}
	vars := l.Redact()
	want := map[string]string{
		"CHANNEL_PRIVATE_EXAMPLE_COM_USER":     "user",
		"CHANNEL_PRIVATE_EXAMPLE_COM_PASSWORD": "hunter2",
		"CHANNEL_CONDA_EXAMPLE_COM_TOKEN":      "SECRETTOKEN",
		"CHANNEL_PYPI_EXAMPLE_COM_USER":        "user",
		"CHANNEL_PYPI_EXAMPLE_COM_PASSWORD":    "hunter2",
	}
	if !reflect.DeepEqual(vars, want) {
		t.Errorf("Redact = %v\nwant %v", vars, want)
	}
	if HasCredentials(l.Packages[conda.Linux64][0].URL) {
		t.Error("Redact left a credential in a package URL")
	}
	// Two tokens for one host get distinct names.
	l3 := New()
	l3.Metadata.Channels = []string{"https://h.example/t/one/a", "https://h.example/t/two/b"}
	if v := l3.Redact(); v["CHANNEL_H_EXAMPLE_TOKEN"] != "one" || v["CHANNEL_H_EXAMPLE_TOKEN_2"] != "two" {
		t.Errorf("Redact with two tokens = %v", v)
	}
}

// newTestLock returns a two-platform lock built from records.
func newTestLock(t *testing.T) *Lock {
	t.Helper()
	v := func(s string) conda.Version {
		x, err := conda.ParseVersion(s)
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	recs := map[conda.Platform][]*conda.Record{
		conda.Linux64: {
			{Name: "zlib", Version: v("1.3.1"), Build: "hb9d3cd8_2", BuildNumber: 2, Subdir: "linux-64",
				Depends: []string{"libzlib 1.3.1 hb9d3cd8_2"}, MD5: "c9f075ab2f33b3bbee9e62d4ad0a6cd8",
				URL: "https://conda.anaconda.org/conda-forge/linux-64/zlib-1.3.1-hb9d3cd8_2.conda", Timestamp: 1727963183577, Size: 92286},
			{Name: "libzlib", Version: v("1.3.1"), Build: "hb9d3cd8_2", BuildNumber: 2, Subdir: "linux-64",
				SHA256: "d4bfe88d7cb447768e31650f06257995601f89076080e76df55e3112d4e47dc4",
				URL:    "https://conda.anaconda.org/conda-forge/linux-64/libzlib-1.3.1-hb9d3cd8_2.conda"},
		},
		conda.OsxArm64: {
			{Name: "tzdata", Version: v("2024b"), Build: "hc8b5060_0", Subdir: "noarch", Noarch: "generic",
				MD5: "8ac3367aafb1cc0a068483c580af8015", URL: "https://conda.anaconda.org/conda-forge/noarch/tzdata-2024b-hc8b5060_0.conda"},
		},
	}
	return FromRecords(recs)
}

func TestRecords(t *testing.T) {
	l := newTestLock(t)
	if got := l.Metadata.Platforms; !reflect.DeepEqual(got, []conda.Platform{conda.Linux64, conda.OsxArm64}) {
		t.Errorf("platforms %v", got)
	}
	recs := l.Records(conda.Linux64)
	if len(recs) != 2 || recs[0].Name != "libzlib" || recs[1].Name != "zlib" {
		t.Fatalf("records %v", recs)
	}
	z := recs[1]
	if z.Fn != "zlib-1.3.1-hb9d3cd8_2.conda" || z.Channel != "https://conda.anaconda.org/conda-forge" ||
		z.Platform != "linux" || z.Arch != "x86_64" || z.Timestamp != 1727963183577 || z.Depends[0] != "libzlib 1.3.1 hb9d3cd8_2" {
		t.Errorf("record %+v", z)
	}
	z.Depends[0] = "changed"
	if l.Packages[conda.Linux64][1].Depends[0] == "changed" {
		t.Error("Records shares slices with the lock")
	}
	// Records → lock → text → lock → records keeps every field.
	text, err := Marshal(l)
	if err != nil {
		t.Fatal(err)
	}
	l2, err := Parse(text)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range l.AllPlatforms() {
		a, b := l.Records(p), l2.Records(p)
		for i := range a {
			if a[i].Version.String() != b[i].Version.String() {
				t.Errorf("%s: version %s vs %s", p, a[i].Version, b[i].Version)
			}
			a[i].Version, b[i].Version = conda.Version{}, conda.Version{}
			if !reflect.DeepEqual(a[i], b[i]) {
				t.Errorf("%s: record changed in the round trip:\n%+v\n%+v", p, a[i], b[i])
			}
		}
	}
}

func TestMarshalErrors(t *testing.T) {
	l := newTestLock(t)
	l.Packages[conda.Linux64][0].URL = ""
	if _, err := Marshal(l); err == nil || !strings.Contains(err.Error(), "has no url") {
		t.Errorf("missing url: %v", err)
	}
	l = newTestLock(t)
	l.Packages[conda.Linux64][0].SHA256 = "xyz"
	for _, f := range []Format{FormatEnvseal, FormatCondaLock, FormatPixi, FormatExplicit} {
		if _, err := Encode(l, f, EncodeOptions{Platform: conda.Linux64}); err == nil || !strings.Contains(err.Error(), "not 64 hex digits") {
			t.Errorf("%v with a bad sha256: %v", f, err)
		}
	}
	if _, err := Encode(newTestLock(t), FormatExplicit, EncodeOptions{}); err == nil || !strings.Contains(err.Error(), "2 platforms") {
		t.Errorf("explicit without a platform: %v", err)
	}
}

func TestSecretsCarried(t *testing.T) {
	path := filepath.Join("testdata", "golden", "envseal-full.in")
	l, err := ReadFile(path, DecodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if l.Secrets == nil || len(l.Secrets.Entries) != 2 {
		t.Fatalf("secrets not read: %+v", l.Secrets)
	}
	want, err := l.Secrets.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	// A relock replaces the packages and keeps the section.
	l.SetRecords(conda.Linux64, nil)
	text, err := Marshal(l)
	if err != nil {
		t.Fatal(err)
	}
	l2, err := Parse(text)
	if err != nil {
		t.Fatal(err)
	}
	got, err := l2.Secrets.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) || !reflect.DeepEqual(l2.Secrets, l.Secrets) {
		t.Errorf("secrets section changed:\n%s\nwant\n%s", got, want)
	}
}

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "envseal.lock")
	l := newTestLock(t)
	if err := WriteFile(path, l); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o644 {
		t.Errorf("new file mode %v, want 0644", fi.Mode().Perm())
	}
	if err := os.Chmod(path, 0o600); err != nil {
		t.Fatal(err)
	}
	l.Metadata.Sources = []string{"environment.yml"}
	if err := WriteFile(path, l); err != nil {
		t.Fatal(err)
	}
	fi, _ = os.Stat(path)
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("rewritten file mode %v, want 0600 kept", fi.Mode().Perm())
	}
	got, _ := os.ReadFile(path)
	want, _ := Marshal(l)
	if !bytes.Equal(got, want) {
		t.Error("file content differs from Marshal")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("temporary files left: %v", entries)
	}
	l2, err := ReadFile(path, DecodeOptions{})
	if err != nil || !reflect.DeepEqual(l2.Metadata.Sources, []string{"environment.yml"}) {
		t.Errorf("ReadFile: %v, %+v", err, l2)
	}
	// A bad lock leaves the file alone.
	l.Packages[conda.Linux64][0].Name = ""
	if err := WriteFile(path, l); err == nil {
		t.Error("WriteFile of an invalid lock: no error")
	}
	if again, _ := os.ReadFile(path); !bytes.Equal(again, want) {
		t.Error("a failed WriteFile changed the file")
	}
}

func TestExplicit(t *testing.T) {
	const md5 = "c9f075ab2f33b3bbee9e62d4ad0a6cd8"
	const sha = "d4bfe88d7cb447768e31650f06257995601f89076080e76df55e3112d4e47dc4"
	in := "# comment\n@EXPLICIT\n" +
		"https://conda.anaconda.org/conda-forge/linux-64/zlib-1.3.1-hb9d3cd8_2.conda#" + md5 + "\n" +
		"https://conda.anaconda.org/conda-forge/linux-64/libzlib-1.3.1-hb9d3cd8_2.conda#" + sha + "\n" +
		"https://conda.anaconda.org/conda-forge/noarch/tzdata-2024b-hc8b5060_0.conda#sha256:" + strings.ToUpper(sha) + "\n" +
		"\n# pip six @ https://files.example/six-1.16.0-py2.py3-none-any.whl#sha256=" + sha + "\n"
	l, err := ParseExplicit([]byte(in), "")
	if err != nil {
		t.Fatal(err)
	}
	pk := l.Packages[conda.Linux64]
	if len(pk) != 3 || pk[0].MD5 != md5 || pk[1].SHA256 != sha || pk[2].SHA256 != sha || pk[2].Noarch != "generic" || pk[0].BuildNumber != 2 {
		t.Errorf("packages %+v %+v %+v", pk[0], pk[1], pk[2])
	}
	if py := l.PyPI[conda.Linux64]; len(py) != 1 || py[0].Version != "1.16.0" || py[0].SHA256 != sha {
		t.Errorf("pypi %+v", py)
	}
	if !reflect.DeepEqual(l.Metadata.Channels, []string{"https://conda.anaconda.org/conda-forge"}) {
		t.Errorf("channels %v", l.Metadata.Channels)
	}
	errs := []struct{ in, want string }{
		{"https://x/linux-64/a-1-0.conda\n", `1: "https://x/linux-64/a-1-0.conda" before the @EXPLICIT line`},
		{"# platform: linux-65\n@EXPLICIT\n", `1: invalid platform "linux-65"`},
		{"@EXPLICIT\nhttps://x/linux-64/a-1-0.conda#abc\n", `2: https://x/linux-64/a-1-0.conda: fragment "abc" is neither an MD5`},
		{"@EXPLICIT\nhttps://x/linux-64/README.md\n", `2: url "https://x/linux-64/README.md": not a conda package archive`},
		{"@EXPLICIT\nhttps://x/noarch/a-1-0.conda\n", `cannot tell the platform`},
		{"# just a comment\n", `no @EXPLICIT line`},
	}
	for _, e := range errs {
		_, err := Decode([]byte(e.in), DecodeOptions{Format: FormatExplicit, Filename: "env.txt"})
		if err == nil || !strings.HasPrefix(err.Error(), "env.txt:") || !strings.Contains(err.Error(), e.want) {
			t.Errorf("ParseExplicit(%q) = %v, want %q", e.in, err, e.want)
		}
	}
	// A platform given by the caller, for files without one.
	l, err = ParseExplicit([]byte("@EXPLICIT\nhttps://x/noarch/a-1-0.conda\n"), conda.Win64)
	if err != nil || len(l.Packages[conda.Win64]) != 1 {
		t.Errorf("explicit with a given platform: %v", err)
	}
}

func TestTopoSort(t *testing.T) {
	mk := func(name string, deps ...string) *Package {
		return &Package{Name: name, Depends: deps}
	}
	pkgs := []*Package{mk("a", "b >=1"), mk("b", "c"), mk("c"), mk("d", "e"), mk("e", "d")}
	var got []string
	for _, p := range topoSort(pkgs) {
		got = append(got, p.Name)
	}
	if want := []string{"c", "b", "a", "d", "e"}; !reflect.DeepEqual(got, want) {
		t.Errorf("topoSort = %v, want %v", got, want)
	}
	for spec, want := range map[string]string{"python >=3.10": "python", "numpy[version='>=1']": "numpy", "conda-forge::zlib": "zlib", "pip": "pip", "a==1": "a"} {
		if got := specName(spec); got != want {
			t.Errorf("specName(%q) = %q, want %q", spec, got, want)
		}
	}
}

func TestPixiWritesV6ThatReadsBack(t *testing.T) {
	l := newTestLock(t)
	l.Packages[conda.Linux64][0].Channel = "" // written as channel: null
	l.Packages[conda.Linux64][1].Noarch = ""
	l.Packages[conda.Linux64][1].BuildNumber = 7 // not the build string's digits
	l.Packages[conda.Linux64][1].Timestamp = 1700000000000
	out, err := MarshalPixi(l, "dev")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(out, []byte("channel: null")) || !bytes.Contains(out, []byte("build_number: 7")) {
		t.Errorf("derived fields not written where they differ:\n%s", out)
	}
	if _, err := ParsePixi(out, ""); err == nil || !strings.Contains(err.Error(), `no environment "default" (it has: dev)`) {
		t.Errorf("default environment: %v", err)
	}
	l2, err := ParsePixi(out, "dev")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range l.AllPlatforms() {
		if a, b := recordKeys(l.Packages[p], false), recordKeys(l2.Packages[p], false); !reflect.DeepEqual(a, b) {
			t.Errorf("%s: %v vs %v", p, a, b)
		}
	}
	if g := l2.Packages[conda.Linux64][0]; g.Channel != "" || g.BuildNumber != 2 {
		t.Errorf("libzlib read back as %+v", g)
	}
	if g := l2.Packages[conda.Linux64][1]; g.BuildNumber != 7 || g.Timestamp != 1700000000000 {
		t.Errorf("zlib read back as %+v", g)
	}
}
