package pip

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestParseReportRealPip(t *testing.T) {
	// Written by pip 24.3.1: `install --dry-run --ignore-installed --report`
	// for hellopkg from a --find-links directory of piptest wheels.
	data, err := os.ReadFile("testdata/report-findlinks.json")
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseReport(data)
	if err != nil {
		t.Fatal(err)
	}
	want := []Dist{
		{Name: "hellopkg", Version: "1.0", URL: "file:///tmp/pipscratch-wheels/hellopkg-1.0-py3-none-any.whl", SHA256: "56e5b1fb90db8bcf7f8d564f505aab3c08223e2d7a9d6862e62f3b6861e69005", Requested: true, RequiresDist: []string{"worldpkg>=1"}},
		{Name: "worldpkg", Version: "2.0", URL: "file:///tmp/pipscratch-wheels/worldpkg-2.0-py3-none-any.whl", SHA256: "fe5021bd92a32763b5674c763c8b232d4c39ad725ea967583e4273ff9e6adcfc"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %+v", got)
	}
	for i := range want {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Errorf("dist %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	if r := got[0].Requirement(); r != "hellopkg @ file:///tmp/pipscratch-wheels/hellopkg-1.0-py3-none-any.whl --hash=sha256:56e5b1fb90db8bcf7f8d564f505aab3c08223e2d7a9d6862e62f3b6861e69005" {
		t.Errorf("Requirement() = %q", r)
	}
}

func TestParseReportKinds(t *testing.T) {
	data, err := os.ReadFile("testdata/report-kinds.json")
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseReport(data)
	if err != nil {
		t.Fatal(err)
	}
	want := []Dist{ // sorted by normalized name
		{Name: "cached", Version: "1.0", URL: "https://files.example.org/cached-1.0-py3-none-any.whl"},
		{Name: "dirpkg", Version: "3", URL: "file:///home/me/src/dirpkg", Requested: true},
		{Name: "edpkg", Version: "0.1.dev0", URL: "file:///home/me/src/edpkg", Requested: true, Editable: true},
		{Name: "Old_Pkg", Version: "0.9", URL: "https://files.example.org/packages/aa/bb/Old_Pkg-0.9.tar.gz", SHA256: "56e5b1fb90db8bcf7f8d564f505aab3c08223e2d7a9d6862e62f3b6861e69005",
			RequiresPython: ">=3.8", RequiresDist: []string{"six>=1", `tomli; python_version < "3.11"`}},
		{Name: "VCS.Pkg", Version: "1.2", URL: "git+https://github.com/example/vcspkg@0123456789abcdef0123456789abcdef01234567#subdirectory=python", Requested: true},
	}
	if len(got) != len(want) {
		t.Fatalf("got %+v", got)
	}
	for i := range want {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Errorf("dist %d = %+v\n want %+v", i, got[i], want[i])
		}
	}
}

func TestParseReportErrors(t *testing.T) {
	item := func(s string) string { return `{"version":"1","install":[` + s + `]}` }
	tests := []struct{ name, in, want string }{
		{"not json", `{`, "unexpected end"},
		{"no version", `{"install":[]}`, "no version"},
		{"version 0", `{"version":"0","install":[]}`, `version "0"`},
		{"no metadata", item(`{"download_info":{"url":"x"}}`), "install[0] has no metadata"},
		{"no url", item(`{"metadata":{"name":"a","version":"1"},"download_info":{}}`), "a 1 has no download_info.url"},
		{"bad hash", item(`{"metadata":{"name":"a","version":"1"},"download_info":{"url":"u","archive_info":{"hashes":{"sha256":"abc"}}}}`), `a 1: malformed sha256 "abc"`},
		{"vcs no commit", item(`{"metadata":{"name":"a","version":"1"},"download_info":{"url":"u","vcs_info":{"vcs":"git"}}}`), "vcs_info without"},
		{"twice", item(`{"metadata":{"name":"A_b","version":"1"},"download_info":{"url":"u"}},{"metadata":{"name":"a.B","version":"2"},"download_info":{"url":"v"}}`), "a.B appears twice"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, err := ParseReport([]byte(tc.in))
			if err == nil || d != nil {
				t.Fatalf("ParseReport = %v, %v; want an error", d, err)
			}
			if !errors.Is(err, ErrReport) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q; want ErrReport mentioning %q", err, tc.want)
			}
		})
	}
}

func TestParseReportEmpty(t *testing.T) {
	d, err := ParseReport([]byte(`{"version":"1","pip_version":"24.3.1","install":[],"environment":{}}`))
	if err != nil || len(d) != 0 {
		t.Errorf("ParseReport(empty) = %v, %v", d, err)
	}
}

func FuzzParseReport(f *testing.F) {
	for _, name := range []string{"report-findlinks.json", "report-kinds.json"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"version":"1","install":[{"metadata":{"name":"a","version":"1"},"download_info":{"url":"u","archive_info":{"hash":"sha256=` + strings.Repeat("a", 64) + `"}}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		dists, err := ParseReport(data)
		if err != nil {
			if dists != nil || !errors.Is(err, ErrReport) {
				t.Fatalf("error %v with dists %v, or not ErrReport", err, dists)
			}
			return
		}
		seen := map[string]bool{}
		for i, d := range dists {
			if d.Name == "" || d.Version == "" || d.URL == "" {
				t.Fatalf("incomplete dist %+v", d)
			}
			if d.SHA256 != "" && !hexSHA256.MatchString(d.SHA256) {
				t.Fatalf("bad sha256 %q", d.SHA256)
			}
			if i > 0 && NormalizeName(dists[i-1].Name) > NormalizeName(d.Name) {
				t.Fatalf("not sorted: %v", dists)
			}
			if seen[NormalizeName(d.Name)] {
				t.Fatalf("duplicate %s", d.Name)
			}
			seen[NormalizeName(d.Name)] = true
		}
	})
}

func TestNormalizeName(t *testing.T) {
	for in, want := range map[string]string{
		"Hello_Pkg": "hello-pkg", "a.-_b": "a-b", "zope.interface": "zope-interface", "pip": "pip", "A__B..C": "a-b-c",
	} {
		if got := NormalizeName(in); got != want {
			t.Errorf("NormalizeName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRedactURL(t *testing.T) {
	tests := []struct {
		in, varName, want, creds, err string
	}{
		{"https://user:s3cr%40t@pkgs.example.com/simple/x.whl", "PKGS_TOKEN", "https://${PKGS_TOKEN}@pkgs.example.com/simple/x.whl", "user:s3cr%40t", ""},
		{"https://token@pkgs.example.com/x.whl#sha256=ab", "T", "https://${T}@pkgs.example.com/x.whl#sha256=ab", "token", ""},
		{"https://pkgs.example.com/x@y.whl", "T", "https://pkgs.example.com/x@y.whl", "", ""},
		{"https://${T}@pkgs.example.com/x.whl", "T", "https://${T}@pkgs.example.com/x.whl", "", ""},
		{"file:///tmp/x.whl", "T", "file:///tmp/x.whl", "", ""},
		{"https://u:p@h/x", "lower", "", "", "not [A-Z0-9_]+"},
		{"https://u:p@h/x", "A}B", "", "", "not [A-Z0-9_]+"},
		{"http://u:p@[::1", "T", "", "", "redacting URL"},
		{"http://[::1", "T", "http://[::1", "", ""}, // no credentials: left alone
	}
	for _, tc := range tests {
		got, creds, err := RedactURL(tc.in, tc.varName)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("RedactURL(%q, %q) error %v, want %q", tc.in, tc.varName, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want || creds != tc.creds {
			t.Errorf("RedactURL(%q, %q) = %q, %q, %v; want %q, %q", tc.in, tc.varName, got, creds, err, tc.want, tc.creds)
		}
	}
}

func TestRestoreEnvCredentials(t *testing.T) {
	dists := []Dist{
		{Name: "a", URL: "https://host/a-1.whl"},
		{Name: "b", URL: "https://host/b-1.whl"},
	}
	restoreEnvCredentials(dists, []string{"a @ https://${TOKEN}@host/a-1.whl#sha256=00 ; python_version > '3'", "b>=1"})
	if dists[0].URL != "https://${TOKEN}@host/a-1.whl" || dists[1].URL != "https://host/b-1.whl" {
		t.Errorf("got %+v", dists)
	}
}
