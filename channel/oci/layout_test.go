package oci

import (
	"net/url"
	"strings"
	"testing"
)

func TestParseURL(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in                          string
		repo, tag, mediaType, chURL string
		err                         string
	}{
		// The conda-forge mirror, as rattler's tests fetch it.
		{in: "oci://ghcr.io/channel-mirrors/conda-forge/osx-arm64/xtensor-0.25.0-h2ffa867_0.conda",
			repo: "channel-mirrors/conda-forge/osx-arm64/xtensor", tag: "0.25.0-h2ffa867_0", mediaType: MediaTypeCondaV2,
			chURL: "oci://ghcr.io/channel-mirrors/conda-forge"},
		{in: "oci://ghcr.io/channel-mirrors/conda-forge/osx-arm64/repodata.json",
			repo: "channel-mirrors/conda-forge/osx-arm64/repodata.json", tag: "latest", mediaType: MediaTypeRepodata},
		{in: "oci://ghcr.io/channel-mirrors/conda-forge/linux-64/repodata.json.zst",
			repo: "channel-mirrors/conda-forge/linux-64/repodata.json", tag: "latest", mediaType: MediaTypeRepodataZst},
		{in: "oci://ghcr.io/channel-mirrors/conda-forge/linux-64/repodata.json.gz",
			repo: "channel-mirrors/conda-forge/linux-64/repodata.json", tag: "latest", mediaType: MediaTypeRepodataGzip},
		{in: "oci://ghcr.io/channel-mirrors/conda-forge/linux-64/repodata.json.bz2",
			repo: "channel-mirrors/conda-forge/linux-64/repodata.json", tag: "latest", mediaType: MediaTypeRepodataBz2},
		// .tar.bz2 is the v1 media type; names starting with _ get zzz.
		{in: "oci://ghcr.io/channel-mirrors/conda-forge/linux-64/_openmp_mutex-4.5-2_gnu.tar.bz2",
			repo: "channel-mirrors/conda-forge/linux-64/zzz_openmp_mutex", tag: "4.5-2_gnu", mediaType: MediaTypeCondaV1},
		// + ! = are escaped in tags.
		{in: "oci://127.0.0.1:5000/team/ch/noarch/pkg-1!2.0+local-py_0.conda",
			repo: "team/ch/noarch/pkg", tag: "1__e__2.0__p__local-py_0", mediaType: MediaTypeCondaV2, chURL: "oci://127.0.0.1:5000/team/ch"},
		{in: "oci://[::1]:5000/a/b/linux-64/x-1.0-a=b.conda", repo: "a/b/linux-64/x", tag: "1.0-a__eq__b", mediaType: MediaTypeCondaV2},
		// Credentials are ignored (and never shown).
		{in: "oci://u:secret@ghcr.io/org/ch/noarch/repodata.json", repo: "org/ch/noarch/repodata.json", tag: "latest", mediaType: MediaTypeRepodata},
		{in: "oci://u:secret@ghcr.io/org/ch/noarch/repodata_shards.msgpack.zst", err: "no such file"},
		{in: "oci://ghcr.io/org/ch/noarch/nodash.conda", err: "not NAME-VERSION-BUILD"},
		{in: "oci://ghcr.io/org/ch/noarch/a-1-.conda", err: "not NAME-VERSION-BUILD"},
		{in: "oci://ghcr.io/noarch/repodata.json", err: "want oci://REGISTRY/CHANNEL/SUBDIR/FILE"},
		{in: "oci://ghcr.io/Org/ch/noarch/repodata.json", err: "not a valid OCI repository name"},
		{in: "oci:///org/ch/noarch/repodata.json", err: "no registry host"},
		{in: "https://ghcr.io/org/ch/noarch/repodata.json", err: "not an oci:// URL"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			u, err := url.Parse(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			got, err := ParseURL(u)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("ParseURL(%s) error = %v, want %q", tc.in, err, tc.err)
				}
				if strings.Contains(err.Error(), "secret") {
					t.Errorf("error shows the password: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Repository != tc.repo || got.Tag != tc.tag || got.MediaType != tc.mediaType {
				t.Errorf("ParseURL(%s) = %s:%s %s, want %s:%s %s", tc.in, got.Repository, got.Tag, got.MediaType, tc.repo, tc.tag, tc.mediaType)
			}
			if tc.chURL != "" && got.ChannelURL() != tc.chURL {
				t.Errorf("ChannelURL() = %s, want %s", got.ChannelURL(), tc.chURL)
			}
		})
	}
}

func TestTagEncoding(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"1.0-0", "1.0-0"},
		{"2.0+cuda-h1_0", "2.0__p__cuda-h1_0"},
		{"1!1.0-0", "1__e__1.0-0"},
		{"1.0-a=b", "1.0-a__eq__b"},
		{"1!2+3=4-x", "1__e__2__p__3__eq__4-x"},
	} {
		if got := EncodeTag(tc.in); got != tc.want {
			t.Errorf("EncodeTag(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if got := DecodeTag(tc.want); got != tc.in {
			t.Errorf("DecodeTag(%q) = %q, want %q", tc.want, got, tc.in)
		}
	}
}

func TestPlainHTTP(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		host     string
		insecure []string
		want     bool
	}{
		{"127.0.0.1:5000", nil, true},
		{"127.3.2.1", nil, true},
		{"[::1]:5000", nil, true},
		{"localhost:5000", nil, true},
		{"LOCALHOST", nil, true},
		{"ghcr.io", nil, false},
		{"10.0.0.5:5000", nil, false},
		{"128.0.0.1", nil, false},
		{"registry.lan:5000", []string{"registry.lan"}, true},
		{"registry.lan:5000", []string{"registry.lan:5000"}, true},
		{"registry.lan:5001", []string{"registry.lan:5000"}, false},
		{"localhost.evil.com", nil, false},
	} {
		if got := PlainHTTP(tc.host, tc.insecure); got != tc.want {
			t.Errorf("PlainHTTP(%q, %v) = %v, want %v", tc.host, tc.insecure, got, tc.want)
		}
	}
}

// FuzzParseURL: ParseURL never panics, and what it accepts is a valid
// repository and tag whose tag decodes back to the file's version-build.
func FuzzParseURL(f *testing.F) {
	for _, s := range []string{
		"oci://ghcr.io/channel-mirrors/conda-forge/osx-arm64/xtensor-0.25.0-h2ffa867_0.conda",
		"oci://ghcr.io/channel-mirrors/conda-forge/linux-64/repodata.json.zst",
		"oci://127.0.0.1:5000/team/ch/noarch/pkg-1!2.0+local-py_0.tar.bz2",
		"oci://h/a/b/c/_x-1-0.conda",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, err := url.Parse(s)
		if err != nil {
			return
		}
		tg, err := ParseURL(u)
		if err != nil {
			return
		}
		if !validRepository(tg.Repository) || !validTag(tg.Tag) {
			t.Fatalf("accepted invalid %s:%s", tg.Repository, tg.Tag)
		}
		if tg.Tag != RepodataTag {
			_, vb, err := splitArchive(tg.File)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(vb, "__") && DecodeTag(tg.Tag) != vb {
				t.Fatalf("tag %q decodes to %q, want %q", tg.Tag, DecodeTag(tg.Tag), vb)
			}
		}
	})
}
