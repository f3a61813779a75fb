package channel

import (
	"context"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/envseal/envseal/conda"
	"github.com/envseal/envseal/internal/testkit"
)

// corpusDir returns the shared corpus, skipping the test when it is absent.
func corpusDir(t testing.TB) string { return testkit.Corpus(t) }

// allRecords decodes every name of ix.
func allRecords(t testing.TB, ix *Index) []*conda.Record {
	t.Helper()
	var out []*conda.Record
	for _, n := range ix.Names() {
		recs, err := ix.Candidates(n)
		if err != nil {
			t.Fatalf("Candidates(%q): %v", n, err)
		}
		if len(recs) == 0 {
			t.Fatalf("Candidates(%q): no records for a listed name", n)
		}
		for _, r := range recs {
			if r.Name != n {
				t.Fatalf("Candidates(%q) returned %q", n, r.Name)
			}
		}
		out = append(out, recs...)
	}
	return out
}

func findFn(recs []*conda.Record, fn string) *conda.Record {
	for _, r := range recs {
		if r.Fn == fn {
			return r
		}
	}
	return nil
}

func TestCorpusRepodataFiles(t *testing.T) {
	corpus := corpusDir(t)
	tests := []struct {
		path    string
		entries int // keys in the document
		records int // after .conda-over-.tar.bz2
		names   int
	}{
		{"conda-subchannel-demo/linux-64/repodata.json", 2709, 2709, 63},
		{"conda-subchannel-demo/linux-64/repodata.json.zst", 2709, 2709, 63},
		{"conda-subchannel-demo/linux-64/repodata.json.bz2", 2709, 2709, 63},
		{"conda-subchannel-demo/linux-aarch64/repodata.json.zst", 1911, 1911, -1},
		{"conda-subchannel-demo/linux-ppc64le/repodata.json.zst", 1870, 1870, -1},
		{"conda-subchannel-demo/noarch/repodata.json.zst", 205, 205, 13},
		{"conda-subchannel-demo/osx-64/repodata.json.zst", 2237, 2237, -1},
		{"conda-subchannel-demo/osx-arm64/repodata.json.zst", 832, 832, -1},
		{"conda-subchannel-demo/win-64/repodata.json.zst", 2339, 2339, -1},
		{"conda-subchannel-demo/win-arm64/repodata.json.zst", 29, 29, -1},
		{"conda/tests/data/repodata/conda-test_linux-64.json", 3, 3, -1},
		{"conda/tests/data/repodata/conda-test_noarch.json", 10, 10, -1},
		{"conda/tests/data/repodata/main_noarch.json", 322, 322, -1},
		{"conda/tests/data/repodata/r_linux-64.json", 4211, 4211, -1},
		{"conda/tests/data/base_url_channel/linux-64/repodata.json", 1, 1, 1},
		{"conda/tests/data/base_url_channel/noarch/repodata.json", 0, 0, 0},
		{"conda/tests/data/conda_format_repo/linux-64/repodata.json", 3, 2, 2},
		{"conda/tests/data/conda_format_repo/win-64/repodata.json", 5, 4, -1},
		{"rattler/test-data/channels/pytorch/linux-64/repodata.json", 2181, 2181, -1},
		// dummy has .conda keys in "packages" too: 5 shadowed .tar.bz2.
		{"rattler/test-data/channels/dummy/linux-64/repodata.json", 29, 24, -1},
		{"rattler/test-data/channels/dummy-no-conda-packages/linux-64/repodata.json", 13, 12, -1},
		{"rattler/test-data/channels/dummy-noarch-str/linux-64/repodata.json", 3, 3, 2},
		{"rattler/test-data/channels/dummy-noarch-str-not-empty/linux-64/repodata.json", 3, 3, 2},
		{"rattler/test-data/channels/dummy-optional-dependencies/noarch/repodata.json", 4, 4, -1},
		{"rattler/test-data/channels/conditional-repodata/noarch/repodata.json", 7, 7, -1},
		{"rattler/test-data/channels/empty/noarch/repodata.json", 0, 0, 0},
		{"rattler/test-data/channels/openssl-run-exports-test/linux-64/repodata.json", 1, 1, 1},
		{"rattler/test-data/channels/with-wheels/linux-64/repodata.json", 25, 25, -1},
		{"rattler/test-data/channels/with-wheels/noarch/repodata.json", 6, 4, -1},
		{"rattler/test-data/channels/patch/linux-64/repodata_from_packages.json", 4, 3, -1},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			t.Parallel()
			ix, err := LoadRepodataFile(context.Background(), filepath.Join(corpus, tc.path), FileOptions{Channel: "test"})
			if err != nil {
				t.Fatal(err)
			}
			if got := ix.Len(); got != tc.entries {
				t.Errorf("Len() = %d, want %d", got, tc.entries)
			}
			recs := allRecords(t, ix)
			if len(recs) != tc.records {
				t.Errorf("decoded %d records, want %d", len(recs), tc.records)
			}
			if tc.names >= 0 && len(ix.Names()) != tc.names {
				t.Errorf("%d names, want %d", len(ix.Names()), tc.names)
			}
			for _, r := range recs {
				if r.Fn == "" || r.Channel != "test" || r.Subdir == "" || r.Version.String() == "" {
					t.Fatalf("record not filled in: %+v", r)
				}
				if !strings.HasPrefix(r.Fn, r.Name+"-") && !strings.Contains(tc.path, "conda-test") {
					t.Errorf("file name %q does not start with name %q", r.Fn, r.Name)
				}
			}
		})
	}
}

func TestCorpusSpotChecks(t *testing.T) {
	corpus := corpusDir(t)
	ctx := context.Background()

	t.Run("conda-forge python record", func(t *testing.T) {
		ix, err := LoadRepodataFile(ctx, filepath.Join(corpus, "conda-subchannel-demo/linux-64/repodata.json.zst"), FileOptions{Channel: "conda-forge", BaseURL: "https://conda.anaconda.org/conda-forge/linux-64"})
		if err != nil {
			t.Fatal(err)
		}
		recs, err := ix.Candidates("python")
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != 50 {
			t.Errorf("python: %d records, want 50", len(recs))
		}
		r := findFn(recs, "python-3.9.14-h47a2c10_0_cpython.conda")
		if r == nil {
			t.Fatal("python-3.9.14-h47a2c10_0_cpython.conda missing")
		}
		want := conda.Record{
			Name:        "python",
			Build:       "h47a2c10_0_cpython",
			BuildNumber: 0,
			Depends: []string{"bzip2 >=1.0.8,<2.0a0", "ld_impl_linux-64 >=2.36.1", "libffi >=3.4,<4.0a0", "libgcc-ng >=12",
				"libnsl >=2.0.0,<2.1.0a0", "libsqlite >=3.40.0,<4.0a0", "libuuid >=2.32.1,<3.0a0", "libzlib >=1.2.13,<1.3.0a0",
				"ncurses >=6.3,<7.0a0", "openssl >=1.1.1s,<1.1.2a", "readline >=8.1.2,<9.0a0", "tk >=8.6.12,<8.7.0a0", "tzdata",
				"xz >=5.2.6,<6.0a0", "pip"},
			Constrains: []string{"python_abi 3.9.* *_cp39"},
			Subdir:     "linux-64",
			Timestamp:  1669037872803,
			MD5:        "85f68c177c35fa325e6a7025cf28a10c",
			SHA256:     "a9c67bfa20c0e27e0fecba000bdb9761d56dddc637881955813524030de8db4d",
			Size:       21989189,
			License:    "Python-2.0",
			Fn:         "python-3.9.14-h47a2c10_0_cpython.conda",
			URL:        "https://conda.anaconda.org/conda-forge/linux-64/python-3.9.14-h47a2c10_0_cpython.conda",
			Channel:    "conda-forge",
		}
		got := *r
		if got.Version.String() != "3.9.14" {
			t.Errorf("version %q, want 3.9.14", got.Version.String())
		}
		got.Version = want.Version
		if !reflect.DeepEqual(got, want) {
			t.Errorf("record\n got %+v\nwant %+v", got, want)
		}
	})

	t.Run("pytorch track_features", func(t *testing.T) {
		ix, err := LoadRepodataFile(ctx, filepath.Join(corpus, "rattler/test-data/channels/pytorch/linux-64/repodata.json"), FileOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if got := ix.Channels(); len(got) != 1 || !strings.HasPrefix(got[0], "file://") || !strings.HasSuffix(got[0], "/channels/pytorch") {
			t.Errorf("Channels() = %q, want the file URL of the pytorch channel", got)
		}
		recs, _ := ix.Candidates("cuda100")
		r := findFn(recs, "cuda100-1.0-0.tar.bz2")
		if r == nil {
			t.Fatal("cuda100-1.0-0.tar.bz2 missing")
		}
		if !reflect.DeepEqual(r.TrackFeatures, []string{"cuda100"}) || r.Timestamp != 1544155153559 || r.Size != 1989 {
			t.Errorf("cuda100: %+v", r)
		}
		if !strings.HasPrefix(r.URL, "file://") || !strings.HasSuffix(r.URL, "/pytorch/linux-64/cuda100-1.0-0.tar.bz2") {
			t.Errorf("URL %q", r.URL)
		}
		for _, n := range []string{"pytorch", "torchvision", "ignite-nightly"} {
			recs, err := ix.Candidates(n)
			if err != nil || len(recs) == 0 {
				t.Errorf("Candidates(%q) = %d records, %v", n, len(recs), err)
			}
		}
	})

	t.Run("dummy: conda over tar.bz2, track_features forms, relative base_url", func(t *testing.T) {
		ix, err := LoadRepodataFile(ctx, filepath.Join(corpus, "rattler/test-data/channels/dummy/linux-64/repodata.json"), FileOptions{Channel: "dummy"})
		if err != nil {
			t.Fatal(err)
		}
		bors, _ := ix.Candidates("bors")
		var fns []string
		for _, r := range bors {
			fns = append(fns, r.Fn)
		}
		wantFns := []string{"bors-1.0-bla_1.tar.bz2", "bors-1.2.1-bla_1.tar.bz2", "bors-2.0-bla_1.tar.bz2", "bors-1.1-bla_1.conda", "bors-2.1-bla_1.conda"}
		if !reflect.DeepEqual(fns, wantFns) {
			t.Errorf("bors files %q, want %q", fns, wantFns)
		}
		foo, _ := ix.Candidates("foo")
		if findFn(foo, "foo-3.0.2-py36h1af98f8_1.tar.bz2") != nil || findFn(foo, "foo-3.0.2-py36h1af98f8_1.conda") == nil {
			t.Errorf("foo 3.0.2 _1: want only the .conda record")
		}
		if findFn(foo, "foo-4.0.2-py36h1af98f8_2.tar.bz2") == nil {
			t.Errorf("foo 4.0.2: a .tar.bz2 without .conda twin must stay")
		}
		tf, _ := ix.Candidates("track-features")
		want := map[string][]string{
			"track-features-1-xxx.tar.bz2": {"foo"},
			"track-features-2-xxx.tar.bz2": {"foo", "bar"},
			"track-features-3-xxx.tar.bz2": {"foo", "bar"},
			"track-features-4-xxx.tar.bz2": {"foo", "bar"},
		}
		for fn, w := range want {
			r := findFn(tf, fn)
			if r == nil || !reflect.DeepEqual(r.TrackFeatures, w) {
				t.Errorf("%s: track features %v, want %v", fn, r, w)
			}
		}
		// base_url "../linux-64" relative to .../dummy/linux-64/repodata.json.
		r := findFn(bors, "bors-1.0-bla_1.tar.bz2")
		if !strings.HasPrefix(r.URL, "file://") || !strings.HasSuffix(r.URL, "/channels/dummy/linux-64/bors-1.0-bla_1.tar.bz2") {
			t.Errorf("URL %q", r.URL)
		}
	})

	t.Run("with-wheels: seconds timestamps", func(t *testing.T) {
		ix, err := LoadRepodataFile(ctx, filepath.Join(corpus, "rattler/test-data/channels/with-wheels/noarch/repodata.json"), FileOptions{})
		if err != nil {
			t.Fatal(err)
		}
		six, _ := ix.Candidates("six")
		r := findFn(six, "six-1.6.0-py3_none_any_0.tar.bz2")
		if r == nil || r.Timestamp != 1765457000000 || r.Noarch != "python" {
			t.Errorf("six 1.6.0: %+v", r)
		}
		if findFn(six, "six-1.8.0-py3_none_any_0.tar.bz2") != nil || findFn(six, "six-1.8.0-py3_none_any_0.conda") == nil {
			t.Errorf("six 1.8.0: want the .conda record only")
		}
	})

	t.Run("noarch true means generic", func(t *testing.T) {
		ix, err := LoadFlatIndex(ctx, filepath.Join(corpus, "conda/tests/data/index4.json"), "https://repo.anaconda.com/pkgs/main", "linux-64")
		if err != nil {
			t.Fatal(err)
		}
		recs, _ := ix.Candidates("font-ttf-inconsolata")
		r := findFn(recs, "font-ttf-inconsolata-2.000-0.tar.bz2")
		if r == nil || r.Noarch != "generic" || r.Subdir != "noarch" || r.Platform != "" {
			t.Fatalf("font-ttf-inconsolata: %+v", r)
		}
		if r.URL != "https://repo.anaconda.com/pkgs/main/noarch/font-ttf-inconsolata-2.000-0.tar.bz2" {
			t.Errorf("URL %q", r.URL)
		}
	})
}

func TestFlatIndexes(t *testing.T) {
	corpus := corpusDir(t)
	tests := []struct {
		file           string
		records, names int
		python         int
	}{
		{"index.json", 1149, -1, -1},
		{"index2.json", 4118, -1, -1},
		{"index4.json", 5643, 814, 52},
		{"index5.json", 1152, -1, -1},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			t.Parallel()
			ix, err := LoadFlatIndex(context.Background(), filepath.Join(corpus, "conda/tests/data", tc.file), "defaults", "linux-64")
			if err != nil {
				t.Fatal(err)
			}
			recs := allRecords(t, ix)
			if len(recs) != tc.records {
				t.Errorf("%d records, want %d", len(recs), tc.records)
			}
			if tc.names >= 0 && len(ix.Names()) != tc.names {
				t.Errorf("%d names, want %d", len(ix.Names()), tc.names)
			}
			if tc.python >= 0 {
				py, _ := ix.Candidates("python")
				if len(py) != tc.python {
					t.Errorf("python: %d records, want %d", len(py), tc.python)
				}
			}
		})
	}
	// index.json files some records under keys that disagree with their
	// "name"; the record's own name wins.
	ix, err := LoadFlatIndex(context.Background(), filepath.Join(corpus, "conda/tests/data/index.json"), "defaults", "linux-64")
	if err != nil {
		t.Fatal(err)
	}
	recs, err := ix.Candidates("dummy-anaconda")
	if err != nil || findFn(recs, "anaconda-custom-0.tar.bz2") == nil {
		t.Errorf("dummy-anaconda: %v %v", recs, err)
	}
}

func TestLoadLocalChannels(t *testing.T) {
	corpus := corpusDir(t)
	ctx := context.Background()
	demo := filepath.Join(corpus, "conda-subchannel-demo")
	abs, _ := filepath.Abs(demo)

	var l Loader
	for _, loc := range []string{demo, "file://" + filepath.ToSlash(abs)} {
		ix, err := l.LoadSources(ctx, []Source{{URL: loc, Name: "conda-forge"}}, "linux-64")
		if err != nil {
			t.Fatalf("Load(%s): %v", loc, err)
		}
		sd := ix.Subdirs()
		if len(sd) != 2 || sd[0].Subdir != "linux-64" || sd[1].Subdir != "noarch" || sd[0].Records != 2709 || sd[1].Records != 205 {
			t.Fatalf("Subdirs() = %+v", sd)
		}
		for _, s := range sd {
			if !strings.HasSuffix(s.Source, "repodata.json.zst") {
				t.Errorf("%s read from %s, want the .zst", s.Subdir, s.Source)
			}
		}
		// certifi is in both subdirs: linux-64 records first.
		certifi, err := ix.Candidates("certifi")
		if err != nil {
			t.Fatal(err)
		}
		if len(certifi) != 164+12 {
			t.Errorf("certifi: %d records, want 176", len(certifi))
		}
		if certifi[0].Subdir != "linux-64" || certifi[len(certifi)-1].Subdir != "noarch" {
			t.Errorf("certifi order: first %s, last %s", certifi[0].Subdir, certifi[len(certifi)-1].Subdir)
		}
		if certifi[0].Channel != "conda-forge" || !strings.HasPrefix(certifi[0].URL, "file://") {
			t.Errorf("certifi[0] channel %q url %q", certifi[0].Channel, certifi[0].URL)
		}
	}

	// Channel priority: the first channel's records come first.
	ix, err := l.LoadSources(ctx, []Source{
		{URL: filepath.Join(corpus, "conda/tests/data/base_url_channel"), Name: "main"},
		{URL: demo, Name: "conda-forge"},
	}, "linux-64")
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := ix.Candidates("ca-certificates")
	if len(ca) != 1+39 || ca[0].Channel != "main" || ca[1].Channel != "conda-forge" {
		t.Fatalf("ca-certificates: %d records, first channel %q", len(ca), ca[0].Channel)
	}
	if want := "https://repo.anaconda.com/pkgs/main/linux-64/ca-certificates-2024.3.11-h06a4308_0.conda"; ca[0].URL != want {
		t.Errorf("base_url record URL %q, want %q", ca[0].URL, want)
	}
	if got := ix.Channels(); !reflect.DeepEqual(got, []string{"main", "conda-forge"}) {
		t.Errorf("Channels() = %q", got)
	}

	// A channel with only one of the two subdirs is fine; neither is not.
	if _, err := l.LoadSources(ctx, []Source{{URL: filepath.Join(corpus, "rattler/test-data/channels/dummy")}}, "linux-64"); err != nil {
		t.Errorf("channel without noarch: %v", err)
	}
	_, err = l.LoadSources(ctx, []Source{{URL: filepath.Join(corpus, "rattler/test-data/channels/dummy"), Name: "dummy"}}, "osx-arm64")
	if err == nil || !strings.Contains(err.Error(), "dummy") || !strings.Contains(err.Error(), "osx-arm64") {
		t.Errorf("channel with neither subdir: error %v", err)
	}
}
