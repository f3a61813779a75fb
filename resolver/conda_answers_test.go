package resolver_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/envseal/envseal/channel"
	"github.com/envseal/envseal/resolver"
)

// condaAnswer is a request whose complete answer conda's own test suite
// states on the 2018 test indexes of the corpus: index4.json (conda's
// "channel-4", a view of defaults pkgs/main linux-64 in Aug 2018, with the
// r packages of pkgs/r) and index2.json ("channel-2", a view of the older
// pkgs/free linux-64). The expected lists are copied from the named tests
// of conda's tests/core/test_solve.py and tests/test_resolve.py as they
// stood before commit c2e307c3b (conda 23.3, which removed test_resolve.py),
// with the "channel-N::" prefix kept. Cases whose "from" names
// "classic Resolve.install" were not in conda's suite: their answers were
// computed by running conda 23.1's own resolve.py (the classic solver,
// pycosat) on the same corpus file, as its tests load it.
type condaAnswer struct {
	name     string
	from     string   // conda test the answer comes from
	channels []string // "channel-2", "channel-4", in priority order
	priority resolver.ChannelPriority
	specs    []string
	want     []string // channel::name-version-build
}

var condaAnswers = []condaAnswer{
	{
		name: "pandas-python27", from: "tests/test_resolve.py::test_channel_priority_2",
		channels: []string{"channel-4"}, specs: []string{"pandas", "python 2.7*"},
		want: []string{
			"channel-4::blas-1.0-mkl",
			"channel-4::ca-certificates-2018.03.07-0",
			"channel-4::intel-openmp-2018.0.3-0",
			"channel-4::libedit-3.1.20170329-h6b74fdf_2",
			"channel-4::libffi-3.2.1-hd88cf55_4",
			"channel-4::libgcc-ng-8.2.0-hdf63c60_0",
			"channel-4::libgfortran-ng-7.2.0-hdf63c60_3",
			"channel-4::libstdcxx-ng-8.2.0-hdf63c60_0",
			"channel-4::mkl-2018.0.3-1",
			"channel-4::mkl_fft-1.0.4-py27h4414c95_1",
			"channel-4::mkl_random-1.0.1-py27h4414c95_1",
			"channel-4::ncurses-6.1-hf484d3e_0",
			"channel-4::numpy-1.15.0-py27h1b885b7_0",
			"channel-4::numpy-base-1.15.0-py27h3dfced4_0",
			"channel-4::openssl-1.0.2p-h14c3975_0",
			"channel-4::pandas-0.23.4-py27h04863e7_0",
			"channel-4::python-2.7.15-h1571d57_0",
			"channel-4::python-dateutil-2.7.3-py27_0",
			"channel-4::pytz-2018.5-py27_0",
			"channel-4::readline-7.0-ha6073c6_4",
			"channel-4::six-1.11.0-py27_1",
			"channel-4::sqlite-3.24.0-h84994c4_0",
			"channel-4::tk-8.6.7-hc745277_3",
			"channel-4::zlib-1.2.11-ha838bed_2",
		},
	},
	{
		name: "conda-python2", from: "tests/core/test_solve.py::test_python2_update",
		channels: []string{"channel-4"}, specs: []string{"conda", "python=2"},
		want: []string{
			"channel-4::ca-certificates-2018.03.07-0",
			"channel-4::conda-env-2.6.0-1",
			"channel-4::libgcc-ng-8.2.0-hdf63c60_0",
			"channel-4::libstdcxx-ng-8.2.0-hdf63c60_0",
			"channel-4::libffi-3.2.1-hd88cf55_4",
			"channel-4::ncurses-6.1-hf484d3e_0",
			"channel-4::openssl-1.0.2p-h14c3975_0",
			"channel-4::tk-8.6.7-hc745277_3",
			"channel-4::yaml-0.1.7-had09818_2",
			"channel-4::zlib-1.2.11-ha838bed_2",
			"channel-4::libedit-3.1.20170329-h6b74fdf_2",
			"channel-4::readline-7.0-ha6073c6_4",
			"channel-4::sqlite-3.24.0-h84994c4_0",
			"channel-4::python-2.7.15-h1571d57_0",
			"channel-4::asn1crypto-0.24.0-py27_0",
			"channel-4::certifi-2018.8.13-py27_0",
			"channel-4::chardet-3.0.4-py27_1",
			"channel-4::cryptography-vectors-2.3-py27_0",
			"channel-4::enum34-1.1.6-py27_1",
			"channel-4::futures-3.2.0-py27_0",
			"channel-4::idna-2.7-py27_0",
			"channel-4::ipaddress-1.0.22-py27_0",
			"channel-4::pycosat-0.6.3-py27h14c3975_0",
			"channel-4::pycparser-2.18-py27_1",
			"channel-4::pysocks-1.6.8-py27_0",
			"channel-4::ruamel_yaml-0.15.46-py27h14c3975_0",
			"channel-4::six-1.11.0-py27_1",
			"channel-4::cffi-1.11.5-py27h9745a5d_0",
			"channel-4::cryptography-2.3-py27hb7f436b_0",
			"channel-4::pyopenssl-18.0.0-py27_0",
			"channel-4::urllib3-1.23-py27_0",
			"channel-4::requests-2.19.1-py27_0",
			"channel-4::conda-4.5.10-py27_0",
		},
	},
	{
		name: "python2-old-openssl-sqlite", from: "tests/core/test_solve.py::test_fast_update_with_update_modifier_not_set",
		channels: []string{"channel-4"}, specs: []string{"python=2", "openssl==1.0.2l", "sqlite=3.21"},
		want: []string{
			"channel-4::ca-certificates-2018.03.07-0",
			"channel-4::libgcc-ng-8.2.0-hdf63c60_0",
			"channel-4::libstdcxx-ng-8.2.0-hdf63c60_0",
			"channel-4::libffi-3.2.1-hd88cf55_4",
			"channel-4::ncurses-6.0-h9df7e31_2",
			"channel-4::openssl-1.0.2l-h077ae2c_5",
			"channel-4::tk-8.6.7-hc745277_3",
			"channel-4::zlib-1.2.11-ha838bed_2",
			"channel-4::libedit-3.1-heed3624_0",
			"channel-4::readline-7.0-ha6073c6_4",
			"channel-4::sqlite-3.21.0-h1bed415_2",
			"channel-4::python-2.7.14-h89e7a4a_22",
		},
	},
	{
		name: "python362-timestamps", from: "tests/core/test_solve.py::test_timestamps_1",
		channels: []string{"channel-4"}, specs: []string{"python=3.6.2"},
		want: []string{
			"channel-4::ca-certificates-2018.03.07-0",
			"channel-4::libgcc-ng-8.2.0-hdf63c60_0",
			"channel-4::libstdcxx-ng-8.2.0-hdf63c60_0",
			"channel-4::libffi-3.2.1-hd88cf55_4",
			"channel-4::ncurses-6.0-h9df7e31_2",
			"channel-4::openssl-1.0.2p-h14c3975_0",
			"channel-4::tk-8.6.7-hc745277_3",
			"channel-4::xz-5.2.4-h14c3975_4",
			"channel-4::zlib-1.2.11-ha838bed_2",
			"channel-4::libedit-3.1-heed3624_0",
			"channel-4::readline-7.0-ha6073c6_4",
			"channel-4::sqlite-3.23.1-he433501_0",
			// conda's comment: later timestamp, lower hash than python-3.6.2-hda45abc_19.
			"channel-4::python-3.6.2-hca45abc_19",
		},
	},
	{
		name: "conda-build", from: "tests/core/test_solve.py::test_remove_with_constrained_dependencies",
		channels: []string{"channel-4"}, specs: []string{"conda", "conda-build"},
		want: []string{
			"channel-4::ca-certificates-2018.03.07-0",
			"channel-4::conda-env-2.6.0-1",
			"channel-4::libgcc-ng-8.2.0-hdf63c60_0",
			"channel-4::libstdcxx-ng-8.2.0-hdf63c60_0",
			"channel-4::libffi-3.2.1-hd88cf55_4",
			"channel-4::ncurses-6.1-hf484d3e_0",
			"channel-4::openssl-1.0.2p-h14c3975_0",
			"channel-4::patchelf-0.9-hf484d3e_2",
			"channel-4::tk-8.6.7-hc745277_3",
			"channel-4::xz-5.2.4-h14c3975_4",
			"channel-4::yaml-0.1.7-had09818_2",
			"channel-4::zlib-1.2.11-ha838bed_2",
			"channel-4::libedit-3.1.20170329-h6b74fdf_2",
			"channel-4::readline-7.0-ha6073c6_4",
			"channel-4::sqlite-3.24.0-h84994c4_0",
			"channel-4::python-3.7.0-hc3d631a_0",
			"channel-4::asn1crypto-0.24.0-py37_0",
			"channel-4::beautifulsoup4-4.6.3-py37_0",
			"channel-4::certifi-2018.8.13-py37_0",
			"channel-4::chardet-3.0.4-py37_1",
			"channel-4::cryptography-vectors-2.3-py37_0",
			"channel-4::filelock-3.0.4-py37_0",
			"channel-4::glob2-0.6-py37_0",
			"channel-4::idna-2.7-py37_0",
			"channel-4::markupsafe-1.0-py37h14c3975_1",
			"channel-4::pkginfo-1.4.2-py37_1",
			"channel-4::psutil-5.4.6-py37h14c3975_0",
			"channel-4::pycosat-0.6.3-py37h14c3975_0",
			"channel-4::pycparser-2.18-py37_1",
			"channel-4::pysocks-1.6.8-py37_0",
			"channel-4::pyyaml-3.13-py37h14c3975_0",
			"channel-4::ruamel_yaml-0.15.46-py37h14c3975_0",
			"channel-4::six-1.11.0-py37_1",
			"channel-4::cffi-1.11.5-py37h9745a5d_0",
			"channel-4::setuptools-40.0.0-py37_0",
			"channel-4::cryptography-2.3-py37hb7f436b_0",
			"channel-4::jinja2-2.10-py37_0",
			"channel-4::pyopenssl-18.0.0-py37_0",
			"channel-4::urllib3-1.23-py37_0",
			"channel-4::requests-2.19.1-py37_0",
			"channel-4::conda-4.5.10-py37_0",
			"channel-4::conda-build-3.12.1-py37_0",
		},
	},
	{
		name: "scipy-nomkl", from: "conda 23.1 classic Resolve.install(['scipy', 'nomkl']) on index4.json",
		channels: []string{"channel-4"}, specs: []string{"scipy", "nomkl"},
		want: []string{
			"channel-4::blas-1.0-openblas",
			"channel-4::ca-certificates-2018.03.07-0",
			"channel-4::libedit-3.1.20170329-h6b74fdf_2",
			"channel-4::libffi-3.2.1-hd88cf55_4",
			"channel-4::libgcc-ng-8.2.0-hdf63c60_0",
			"channel-4::libgfortran-ng-7.2.0-hdf63c60_3",
			"channel-4::libopenblas-0.2.20-h9ac9557_7",
			"channel-4::libstdcxx-ng-8.2.0-hdf63c60_0",
			"channel-4::ncurses-6.1-hf484d3e_0",
			"channel-4::nomkl-3.0-0",
			"channel-4::numpy-1.14.2-py36_nomklh2b20989_1",
			"channel-4::openssl-1.0.2p-h14c3975_0",
			"channel-4::python-3.6.6-hc3d631a_0",
			"channel-4::readline-7.0-ha6073c6_4",
			"channel-4::scipy-1.1.0-py36_nomklh9c1e066_0",
			"channel-4::sqlite-3.24.0-h84994c4_0",
			"channel-4::tk-8.6.7-hc745277_3",
			"channel-4::xz-5.2.4-h14c3975_4",
			"channel-4::zlib-1.2.11-ha838bed_2",
		},
	},
	{
		// conda prunes unnecessary packages before timestamps: the older
		// readline 7.0 *_4 build needs no ncurses.
		name: "readline", from: "conda 23.1 classic Resolve.install(['readline']) on index4.json",
		channels: []string{"channel-4"}, specs: []string{"readline"},
		want: []string{"channel-4::libgcc-ng-8.2.0-hdf63c60_0", "channel-4::readline-7.0-hb321a52_4"},
	},
	{
		name: "readline-ncurses", from: "conda 23.1 classic Resolve.install(['readline', 'ncurses']) on index4.json",
		channels: []string{"channel-4"}, specs: []string{"readline", "ncurses"},
		want: []string{"channel-4::libgcc-ng-8.2.0-hdf63c60_0", "channel-4::libstdcxx-ng-8.2.0-hdf63c60_0",
			"channel-4::ncurses-6.1-hf484d3e_0", "channel-4::readline-7.0-ha6073c6_4"},
	},
	{
		// conda's feature count is global: the r-base build of r-digest
		// switches on _r-mutex's anacondar feature two levels down.
		name: "r-digest", from: "conda 23.1 classic Resolve.install(['r-digest']) on index4.json",
		channels: []string{"channel-4"}, specs: []string{"r-digest"},
		want: []string{
			"channel-4::_r-mutex-1.0.0-mro_2",
			"channel-4::binutils_impl_linux-64-2.28.1-had2808c_3",
			"channel-4::binutils_linux-64-7.2.0-had2808c_27",
			"channel-4::ca-certificates-2018.03.07-0",
			"channel-4::cairo-1.14.12-h8948797_3",
			"channel-4::curl-7.61.0-h84994c4_0",
			"channel-4::fontconfig-2.13.0-h9420a91_0",
			"channel-4::freetype-2.9.1-h8a8886c_0",
			"channel-4::fribidi-1.0.4-h14c3975_0",
			"channel-4::gcc_impl_linux-64-7.2.0-habb00fd_3",
			"channel-4::gcc_linux-64-7.2.0-h550dcbe_27",
			"channel-4::gfortran_impl_linux-64-7.2.0-hdf63c60_3",
			"channel-4::gfortran_linux-64-7.2.0-h550dcbe_27",
			"channel-4::glib-2.56.1-h000015b_0",
			"channel-4::graphite2-1.3.11-h16798f4_2",
			"channel-4::gxx_impl_linux-64-7.2.0-hdf63c60_3",
			"channel-4::gxx_linux-64-7.2.0-h550dcbe_27",
			"channel-4::harfbuzz-1.8.4-hec2c2bc_0",
			"channel-4::icu-58.2-h9c2bf20_1",
			"channel-4::libcurl-7.61.0-h1ad7b7a_0",
			"channel-4::libffi-3.2.1-hd88cf55_4",
			"channel-4::libgcc-ng-8.2.0-hdf63c60_0",
			"channel-4::libgfortran-ng-7.2.0-hdf63c60_3",
			"channel-4::libpng-1.6.34-hb9fc6fc_0",
			"channel-4::libssh2-1.8.0-h9cfc8f7_4",
			"channel-4::libstdcxx-ng-8.2.0-hdf63c60_0",
			"channel-4::libuuid-1.0.3-h1bed415_2",
			"channel-4::libxcb-1.13-h1bed415_1",
			"channel-4::libxml2-2.9.8-h26e45fe_1",
			"channel-4::make-4.2.1-h1bed415_1",
			"channel-4::mro-base-3.5.0-h1c2f66e_0",
			"channel-4::openssl-1.0.2p-h14c3975_0",
			"channel-4::pango-1.42.3-h8589676_0",
			"channel-4::pcre-8.42-h439df22_0",
			"channel-4::pixman-0.34.0-hceecf20_3",
			"channel-4::r-digest-0.6.15-mro350hbc2858b_0",
			"channel-4::xz-5.2.4-h14c3975_4",
			"channel-4::zlib-1.2.11-ha838bed_2",
		},
	},
	{
		name: "nomkl-free-first", from: "tests/core/test_solve.py::test_features_solve_1 (CONDA_CHANNEL_PRIORITY=True)",
		channels: []string{"channel-2", "channel-4"}, priority: resolver.Flexible,
		specs: []string{"python=2.7", "numpy", "nomkl"},
		want: []string{
			"channel-2::nomkl-1.0-0",
			"channel-2::libgfortran-3.0.0-1",
			"channel-2::openssl-1.0.2l-0",
			"channel-2::readline-6.2-2",
			"channel-2::sqlite-3.13.0-0",
			"channel-2::tk-8.5.18-0",
			"channel-2::zlib-1.2.11-0",
			"channel-2::openblas-0.2.19-0",
			"channel-2::python-2.7.13-0",
			"channel-2::numpy-1.13.1-py27_nomkl_0",
		},
	},
	{
		name: "nomkl-no-priority", from: "tests/core/test_solve.py::test_features_solve_1 (CONDA_CHANNEL_PRIORITY=False)",
		channels: []string{"channel-2", "channel-4"}, priority: resolver.Disabled,
		specs: []string{"python=2.7", "numpy", "nomkl"},
		want: []string{
			"channel-4::blas-1.0-openblas",
			"channel-4::ca-certificates-2018.03.07-0",
			"channel-2::libffi-3.2.1-1",
			"channel-4::libgcc-ng-8.2.0-hdf63c60_0",
			"channel-4::libgfortran-ng-7.2.0-hdf63c60_3",
			"channel-4::libstdcxx-ng-8.2.0-hdf63c60_0",
			"channel-2::zlib-1.2.11-0",
			"channel-4::libopenblas-0.2.20-h9ac9557_7",
			"channel-4::ncurses-6.1-hf484d3e_0",
			"channel-4::nomkl-3.0-0",
			"channel-4::openssl-1.0.2p-h14c3975_0",
			"channel-4::tk-8.6.7-hc745277_3",
			"channel-4::libedit-3.1.20170329-h6b74fdf_2",
			"channel-4::readline-7.0-ha6073c6_4",
			"channel-4::sqlite-3.24.0-h84994c4_0",
			"channel-4::python-2.7.15-h1571d57_0",
			"channel-4::numpy-base-1.15.0-py27h7cdd4dd_0",
			"channel-4::numpy-1.15.0-py27h2aefc1b_0",
		},
	},
}

// loadConda2018 loads the index4.json (channel-4) and, when asked for,
// index2.json (channel-2) flat indexes under conda's test channel names,
// and the r channel's repodata/r_linux-64.json as "r".
func loadConda2018(tb testing.TB, channels []string) *channel.Index {
	tb.Helper()
	key := "conda2018:" + strings.Join(channels, ",")
	corpusMu.Lock()
	defer corpusMu.Unlock()
	if ix, ok := corpusCache[key]; ok {
		return ix
	}
	var parts []*channel.Index
	for _, ch := range channels {
		var ix *channel.Index
		var err error
		if ch == "r" {
			// The anaconda r channel (Aug 2018), a full repodata.json.
			ix, err = channel.LoadRepodataFile(context.Background(), corpusPath(tb, "conda", "tests", "data", "repodata", "r_linux-64.json"), channel.FileOptions{Channel: "r"})
		} else {
			file := map[string]string{"channel-2": "index2.json", "channel-4": "index4.json"}[ch]
			ix, err = channel.LoadFlatIndex(context.Background(), corpusPath(tb, "conda", "tests", "data", file), ch, "linux-64")
		}
		if err != nil {
			tb.Fatalf("loading %s: %v", ch, err)
		}
		parts = append(parts, ix)
	}
	ix := channel.Join(parts...)
	corpusCache[key] = ix
	return ix
}

// setDiff returns what only got holds and what only want holds.
func setDiff(got, want []string) (extra, missing []string) {
	for _, g := range got {
		if !slices.Contains(want, g) {
			extra = append(extra, g)
		}
	}
	for _, w := range want {
		if !slices.Contains(got, w) {
			missing = append(missing, w)
		}
	}
	return extra, missing
}

func distStrings(sol *resolver.Solution) []string {
	var out []string
	for _, r := range sol.Records {
		out = append(out, r.Channel+"::"+r.Name+"-"+r.Version.String()+"-"+r.Build)
	}
	slices.Sort(out)
	return out
}

// TestCondaAnswers checks complete answers stated by conda's own tests.
func TestCondaAnswers(t *testing.T) {
	for _, c := range condaAnswers {
		t.Run(c.name, func(t *testing.T) {
			ix := loadConda2018(t, c.channels)
			req := corpusRequest(t, corpusCase{specs: c.specs, priority: c.priority}, c.channels)
			sol, err := resolver.Solve(context.Background(), ix, req)
			if err != nil {
				t.Fatalf("%s: %v", c.from, err)
			}
			got := distStrings(sol)
			want := slices.Clone(c.want)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				extra, missing := setDiff(got, want)
				t.Errorf("answer differs from conda's %s\n  envseal only: %v\n  conda only:   %v", c.from, extra, missing)
			}
		})
	}
}
