package lockfile

import (
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/envseal/envseal/conda"
	"github.com/envseal/envseal/internal/testkit"
)

// corpusDir is the shared corpus of real lockfiles (see its SOURCES.md).
var corpusDir = testkit.CorpusRoot()

func needCorpus(t *testing.T) { testkit.Corpus(t) }

// corpusCounts lists every lockfile of the corpus that envseal reads, with
// the number of conda and PyPI packages per platform (of the pixi
// environment "default"). The counts were computed independently of this
// package (PyYAML, unique URLs per platform).
var corpusCounts = []struct {
	path   string
	counts map[string][2]int
}{
	{"conda-libmamba-solver/tests/data/gvleobas.linux-64.lock", map[string][2]int{"linux-64": {214, 0}}},
	{"conda-libmamba-solver/tests/data/gvleobas.win-64.lock", map[string][2]int{"win-64": {158, 0}}},
	{"conda-libmamba-solver/tests/data/mambaforge.linux-64.lock", map[string][2]int{"linux-64": {57, 0}}},
	{"conda-libmamba-solver/tests/data/pangeo_ml_notebook.linux-64.lock", map[string][2]int{"linux-64": {629, 0}}},
	{"conda-libmamba-solver/tests/data/scipipe.linux-64.lock", map[string][2]int{"linux-64": {284, 0}}},
	{"conda-libmamba-solver/tests/data/scipipe.osx-64.lock", map[string][2]int{"osx-64": {280, 0}}},
	{"conda-libmamba-solver/tests/data/silverback9876.linux-64.lock", map[string][2]int{"linux-64": {321, 0}}},
	{"conda-lock/environments/conda-lock-python-3.10.yaml", map[string][2]int{"linux-64": {199, 1}, "linux-aarch64": {198, 1}, "osx-64": {186, 1}, "osx-arm64": {185, 1}, "win-64": {184, 1}}},
	{"conda-lock/environments/conda-lock-python-3.14.yaml", map[string][2]int{"linux-64": {202, 1}, "linux-aarch64": {201, 1}, "osx-64": {178, 1}, "osx-arm64": {190, 1}, "win-64": {189, 1}}},
	{"conda-lock/example/pangeo/conda-lock.yml", map[string][2]int{"linux-64": {255, 0}, "osx-64": {250, 0}, "win-64": {249, 0}}},
	{"conda-lock/example/zlib/conda-lock.yml", map[string][2]int{"linux-64": {6, 0}, "osx-64": {2, 0}, "win-64": {5, 0}}},
	{"conda-lock/tests/test-environment-blas-mkl/conda-lock.yml", map[string][2]int{"linux-64": {40, 0}, "osx-64": {34, 0}, "win-64": {35, 0}}},
	{"conda-lock/tests/test-explicit-toposorted/conda-lock.yml", map[string][2]int{"linux-64": {123, 4}}},
	{"conda-lock/tests/test-install-with-pip-deps/conda-lock.yml", map[string][2]int{"linux-64": {24, 4}, "linux-aarch64": {23, 4}}},
	{"conda-lock/tests/test-lockfile/conda-lock.yml", map[string][2]int{"linux-64": {144, 3}, "osx-64": {139, 3}, "osx-arm64": {138, 3}}},
	{"conda-lock/tests/test-multiple-categories/conda-lock.yml", map[string][2]int{"linux-64": {101, 0}}},
	{"conda-lock/tests/test-pypi-resolve-gh155/conda-lock.yml", map[string][2]int{"linux-64": {24, 12}, "osx-64": {17, 12}, "win-64": {17, 12}}},
	{"conda-lock/tests/test-update-filter-platform/conda-lock.yml", map[string][2]int{"linux-64": {1, 0}, "osx-64": {1, 0}}},
	{"conda-lock/tests/test-v2-to-v3-upgrade/conda-lock-v2.5.8.yml", map[string][2]int{"linux-64": {41, 15}, "linux-aarch64": {40, 15}, "linux-ppc64le": {41, 15}, "osx-64": {34, 15}, "osx-arm64": {34, 15}, "win-64": {34, 15}}},
	{"conda-lock/tests/test-v2-to-v3-upgrade/conda-lock-v3.0.2.yml", map[string][2]int{"linux-64": {41, 15}, "linux-aarch64": {40, 15}, "linux-ppc64le": {41, 15}, "osx-64": {34, 15}, "osx-arm64": {34, 15}, "win-64": {34, 15}}},
	{"conda-lock/tests/test-v2-to-v3-upgrade/conda-lock-v3.0.3.yml", map[string][2]int{"linux-64": {41, 15}, "linux-aarch64": {40, 15}, "linux-ppc64le": {41, 15}, "osx-64": {34, 15}, "osx-arm64": {34, 15}, "win-64": {34, 15}}},
	{"conda-lock/tests/zlib/conda-linux-64.lock", map[string][2]int{"linux-64": {6, 0}}},
	{"conda-lock/tests/zlib/conda-osx-64.lock", map[string][2]int{"osx-64": {2, 0}}},
	{"conda-lock/tests/zlib/conda-win-64.lock", map[string][2]int{"win-64": {6, 0}}},
	{"conda/tests/env/support/explicit.txt", map[string][2]int{"linux-64": {2, 0}}},
	{"mamba/libmamba/tests/data/env_file/minrk_environment.py-3.9-linux-64.lock", map[string][2]int{"linux-64": {170, 0}}},
	{"mamba/libmamba/tests/data/env_lockfile/good_multiple_categories-lock.yaml", map[string][2]int{"linux-64": {31, 6}}},
	{"mamba/libmamba/tests/data/env_lockfile/good_multiple_packages-lock.yaml", map[string][2]int{"linux-64": {6, 2}, "osx-64": {2, 0}, "win-64": {5, 0}}},
	{"mamba/libmamba/tests/data/env_lockfile/good_no_package-lock.yaml", map[string][2]int{"linux-64": {0, 0}, "osx-64": {0, 0}, "win-64": {0, 0}}},
	{"mamba/libmamba/tests/data/env_lockfile/good_one_package-lock.yaml", map[string][2]int{"linux-64": {0, 0}, "osx-64": {0, 0}, "win-64": {1, 0}}},
	{"mamba/libmamba/tests/data/env_lockfile/good_one_package_missing_category-lock.yaml", map[string][2]int{"linux-64": {0, 0}, "osx-64": {0, 0}, "win-64": {1, 0}}},
	{"mamba/libmamba/tests/data/env_lockfile/good_overlap_categories-lock.yaml", map[string][2]int{"linux-64": {2, 3}}},
	{"mamba/micromamba/tests/env_lockfiles/envlockfile-check-step-1-lock.yaml", map[string][2]int{"linux-64": {190, 0}}},
	{"mamba/micromamba/tests/env_lockfiles/envlockfile-check-step-2-lock.yaml", map[string][2]int{"linux-64": {64, 0}}},
	{"mamba/micromamba/tests/env_lockfiles/test-env-lock-pip-git-https.yaml", map[string][2]int{"linux-64": {23, 2}, "osx-arm64": {16, 2}}},
	{"mamba/micromamba/tests/env_lockfiles/test-env-lock.yaml", map[string][2]int{"linux-64": {6, 0}, "osx-64": {2, 0}, "osx-arm64": {2, 0}, "win-64": {5, 0}}},
	{"mamba/micromamba/tests/env_lockfiles/test-env-pip-lock.yaml", map[string][2]int{"linux-64": {23, 2}}},
	{"mamba/micromamba/tests/explicit_env_linux.txt", map[string][2]int{"linux-64": {15, 0}}},
	{"mamba/micromamba/tests/explicit_env_osx.txt", map[string][2]int{"osx-64": {16, 0}}},
	{"pixi/crates/pixi_global/src/test_data/lock_files/ripgrep.lock", map[string][2]int{"linux-64": {6, 0}}},
	{"pixi/crates/pixi_global/src/test_data/lock_files/ripgrep_bat.lock", map[string][2]int{"linux-64": {7, 0}}},
	{"pixi/examples/conda_mapping/pixi.lock", map[string][2]int{"linux-64": {172, 5}, "osx-64": {164, 5}, "osx-arm64": {164, 5}, "win-64": {167, 5}}},
	{"pixi/examples/jupyterlab/pixi.lock", map[string][2]int{"linux-64": {256, 0}, "osx-64": {190, 0}, "osx-arm64": {191, 0}, "win-64": {212, 0}}},
	{"pixi/examples/pypi/pixi.lock", map[string][2]int{"linux-64": {41, 89}, "osx-64": {31, 89}, "osx-arm64": {31, 90}, "win-64": {31, 89}}},
	{"pixi/examples/qgis/pixi.lock", map[string][2]int{"linux-64": {292, 0}, "osx-64": {244, 0}, "osx-arm64": {244, 0}, "win-64": {241, 0}}},
	{"pixi/examples/r/pixi.lock", map[string][2]int{"linux-64": {136, 0}, "osx-64": {130, 0}, "osx-arm64": {131, 0}}},
	{"pixi/examples/ros2-nav2/pixi.lock", map[string][2]int{"linux-64": {762, 0}, "osx-64": {714, 0}, "osx-arm64": {713, 0}}},
	{"pixi/examples/solve-groups/pixi.lock", map[string][2]int{"linux-64": {32, 10}, "osx-64": {24, 10}, "osx-arm64": {24, 10}, "win-64": {26, 10}}},
	{"pixi/examples/turtlesim/pixi.lock", map[string][2]int{"linux-64": {626, 0}, "osx-64": {565, 0}, "osx-arm64": {566, 0}, "win-64": {536, 0}}},
	{"pixi/pixi.lock", map[string][2]int{"linux-64": {146, 0}, "linux-aarch64": {147, 0}, "osx-64": {131, 0}, "osx-arm64": {135, 0}, "win-64": {109, 0}}},
	{"pixi/tests/data/lock_files/archspec.lock", map[string][2]int{"linux-64": {6, 0}}},
	{"pixi/tests/data/lock_files/cuda_virtual_dependency.lock", map[string][2]int{"linux-64": {1, 0}}},
	{"pixi/tests/data/lock_files/dependency_overrides.lock", map[string][2]int{"linux-64": {22, 1}, "osx-64": {13, 1}, "osx-arm64": {13, 1}, "win-64": {14, 1}}},
	{"pixi/tests/data/lock_files/ignored_virtual_packages.lock", map[string][2]int{"linux-64": {1, 0}}},
	{"pixi/tests/data/lock_files/pypi-numpy.lock", map[string][2]int{"linux-64": {22, 1}, "linux-aarch64": {21, 1}, "osx-64": {15, 1}, "osx-arm64": {15, 1}, "win-64": {17, 1}}},
	{"rattler/test-data/conda-lock/v0/numpy-conda-lock.yml", map[string][2]int{"linux-64": {254, 0}, "linux-aarch64": {176, 0}, "linux-ppc64le": {177, 0}, "osx-64": {180, 0}, "osx-arm64": {183, 0}}},
	{"rattler/test-data/conda-lock/v0/pypi-matplotlib-conda-lock.yml", map[string][2]int{"linux-64": {24, 12}, "osx-64": {17, 12}, "win-64": {17, 12}}},
	{"rattler/test-data/conda-lock/v0/python-conda-lock.yml", map[string][2]int{"linux-64": {22, 0}, "linux-aarch64": {21, 0}, "linux-ppc64le": {22, 0}, "osx-64": {15, 0}, "osx-arm64": {15, 0}, "win-64": {16, 0}}},
	{"rattler/test-data/conda-lock/v3/robostack-turtlesim-conda-lock.yml", map[string][2]int{"linux-64": {593, 0}, "osx-64": {543, 0}, "osx-arm64": {544, 0}, "win-64": {517, 0}}},
	{"rattler/test-data/conda-lock/v4/absolute-path-lock.yml", map[string][2]int{"linux-64": {0, 1}, "win-64": {0, 1}}},
	{"rattler/test-data/conda-lock/v4/numpy-lock.yml", map[string][2]int{"linux-64": {254, 0}, "linux-aarch64": {176, 0}, "linux-ppc64le": {177, 0}, "osx-64": {180, 0}, "osx-arm64": {183, 0}}},
	{"rattler/test-data/conda-lock/v4/path-based-lock.yml", map[string][2]int{"win-64": {15, 18}}},
	{"rattler/test-data/conda-lock/v4/pypi-matplotlib-lock.yml", map[string][2]int{"linux-64": {24, 12}, "osx-64": {17, 12}, "win-64": {17, 12}}},
	{"rattler/test-data/conda-lock/v4/python-lock.yml", map[string][2]int{"linux-64": {22, 0}, "linux-aarch64": {21, 0}, "linux-ppc64le": {22, 0}, "osx-64": {15, 0}, "osx-arm64": {15, 0}, "win-64": {16, 0}}},
	{"rattler/test-data/conda-lock/v4/turtlesim-lock.yml", map[string][2]int{"linux-64": {593, 0}, "osx-64": {543, 0}, "osx-arm64": {544, 0}, "win-64": {517, 0}}},
	{"rattler/test-data/conda-lock/v5/flat-index-lock.yml", map[string][2]int{"osx-arm64": {13, 5}}},
	{"rattler/test-data/conda-lock/v5/similar-with-and-without-purl.yml", map[string][2]int{"win-64": {1, 0}}},
	{"rattler/test-data/conda-lock/v5/stability-original.yml", map[string][2]int{"osx-arm64": {13, 2}, "win-64": {15, 2}}},
	{"rattler/test-data/conda-lock/v5/stability-shuffled.yml", map[string][2]int{"osx-arm64": {13, 2}, "win-64": {15, 2}}},
	{"rattler/test-data/conda-lock/v6/conda-path-lock.yml", map[string][2]int{"linux-64": {0, 0}, "win-64": {0, 0}}},
	{"rattler/test-data/conda-lock/v6/derived-channel-lock.yml", map[string][2]int{"win-64": {1, 0}}},
	{"rattler/test-data/conda-lock/v6/empty-lock.yml", map[string][2]int{}},
	{"rattler/test-data/conda-lock/v6/multiple-source-packages-with-variants-lock.yml", map[string][2]int{"linux-64": {0, 0}}},
	{"rattler/test-data/conda-lock/v6/numpy-as-pypi-lock.yml", map[string][2]int{"osx-arm64": {19, 1}}},
	{"rattler/test-data/conda-lock/v6/pixi-build-git-rev-only-source-lock.yml", map[string][2]int{"linux-64": {0, 0}}},
	{"rattler/test-data/conda-lock/v6/pixi-build-git-tag-source-lock.yml", map[string][2]int{"linux-64": {0, 0}}},
	{"rattler/test-data/conda-lock/v6/pixi-build-pinned-source-lock.yml", map[string][2]int{"linux-64": {0, 0}}},
	{"rattler/test-data/conda-lock/v6/pixi-build-url-source-lock.yml", map[string][2]int{"linux-64": {0, 0}}},
	{"rattler/test-data/conda-lock/v6/python-from-conda-only-lock.yml", map[string][2]int{"osx-arm64": {19, 0}}},
	{"rattler/test-data/conda-lock/v6/source-package-with-variants-lock.yml", map[string][2]int{"linux-64": {0, 0}}},
	{"rattler/test-data/conda-lock/v6/sources-lock.yml", map[string][2]int{"win-64": {0, 0}}},
	{"rattler/test-data/conda-lock/v7/conda-path-lock.yml", map[string][2]int{"linux-64-foobar": {0, 0}, "win-64": {0, 0}}},
	{"rattler/test-data/conda-lock/v7/conda-source-build-host-packages-lock.yml", map[string][2]int{"linux-64": {2, 0}}},
	{"rattler/test-data/conda-lock/v7/derived-channel-lock.yml", map[string][2]int{"win-64": {1, 0}}},
	{"rattler/test-data/conda-lock/v7/empty-lock.yml", map[string][2]int{}},
	{"rattler/test-data/conda-lock/v7/multiple-source-packages-with-variants-lock.yml", map[string][2]int{"linux-64": {0, 0}}},
	{"rattler/test-data/conda-lock/v7/numpy-as-pypi-lock.yml", map[string][2]int{"osx-arm64": {19, 1}}},
	{"rattler/test-data/conda-lock/v7/partial-source-extra-depends-lock.yml", map[string][2]int{"linux-64": {0, 0}}},
	{"rattler/test-data/conda-lock/v7/partial-source-flags-lock.yml", map[string][2]int{"linux-64": {0, 0}}},
	{"rattler/test-data/conda-lock/v7/partial-source-purls-lock.yml", map[string][2]int{"linux-64": {0, 0}}},
	{"rattler/test-data/conda-lock/v7/partial-source-run-exports-lock.yml", map[string][2]int{"linux-64": {0, 0}}},
	{"rattler/test-data/conda-lock/v7/pixi-build-git-rev-only-source-lock.yml", map[string][2]int{"linux-64": {0, 0}}},
	{"rattler/test-data/conda-lock/v7/pixi-build-git-tag-source-lock.yml", map[string][2]int{"linux-64": {0, 0}}},
	{"rattler/test-data/conda-lock/v7/pixi-build-pinned-source-lock.yml", map[string][2]int{"linux-64": {0, 0}}},
	{"rattler/test-data/conda-lock/v7/pixi-build-url-source-lock.yml", map[string][2]int{"linux-64": {0, 0}}},
	{"rattler/test-data/conda-lock/v7/pypi_absolute_url.yml", map[string][2]int{"linux-64": {0, 2}, "osx-64": {0, 2}, "osx-arm64": {0, 2}, "win-64": {0, 2}}},
	{"rattler/test-data/conda-lock/v7/pypi_custom_index.yml", map[string][2]int{"linux-64": {0, 3}}},
	{"rattler/test-data/conda-lock/v7/pypi_relative_outside_url.yml", map[string][2]int{"linux-64": {0, 2}, "osx-64": {0, 2}, "osx-arm64": {0, 2}, "win-64": {0, 2}}},
	{"rattler/test-data/conda-lock/v7/pypi_relative_url.yml", map[string][2]int{"linux-64": {0, 2}, "osx-64": {0, 2}, "osx-arm64": {0, 2}, "win-64": {0, 2}}},
	{"rattler/test-data/conda-lock/v7/python-from-conda-only-lock.yml", map[string][2]int{"osx-arm64": {19, 0}}},
	{"rattler/test-data/conda-lock/v7/sources-lfs-lock.yml", map[string][2]int{"win-64": {0, 0}}},
	{"rattler/test-data/conda-lock/v7/sources-lock.yml", map[string][2]int{"win-64": {0, 0}}},
	{"rattler/test-data/explicit-envs/ros-noetic_linux-64.txt", map[string][2]int{"linux-64": {568, 0}}},
	{"rattler/test-data/explicit-envs/vs2015_runtime_win-64.txt", map[string][2]int{"win-64": {2, 0}}},
	{"rattler/test-data/explicit-envs/xtensor_linux-64.txt", map[string][2]int{"linux-64": {7, 0}}},
	{"rattler/test-data/python/explicit-env-linux-64.txt", map[string][2]int{"linux-64": {22, 0}}},
	{"rattler/test-data/python/explicit-env-linux-aarch64.txt", map[string][2]int{"linux-aarch64": {21, 0}}},
	{"rattler/test-data/python/explicit-env-linux-ppc64le.txt", map[string][2]int{"linux-ppc64le": {22, 0}}},
	{"rattler/test-data/python/explicit-env-osx-64.txt", map[string][2]int{"osx-64": {15, 0}}},
	{"rattler/test-data/python/explicit-env-osx-arm64.txt", map[string][2]int{"osx-arm64": {15, 0}}},
	{"rattler/test-data/python/explicit-env-win-64.txt", map[string][2]int{"win-64": {16, 0}}},
	{"rattler/test-data/test.lock", map[string][2]int{"osx-arm64": {13, 5}}},
}

// TestCorpusParses decodes every real lockfile of the corpus and checks its
// package counts per platform, then converts it to every format and back.
func TestCorpusParses(t *testing.T) {
	needCorpus(t)
	for _, tc := range corpusCounts {
		t.Run(tc.path, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(corpusDir, filepath.FromSlash(tc.path))
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if testing.Short() && fi.Size() > 1<<20 {
				t.Skip("large file; skipped in -short mode")
			}
			l, err := ReadFile(path, DecodeOptions{})
			if err != nil {
				t.Fatal(err)
			}
			got := map[string][2]int{}
			for _, p := range l.AllPlatforms() {
				got[string(p)] = [2]int{len(l.Packages[p]), len(l.PyPI[p])}
			}
			if !equalCounts(got, tc.counts) {
				t.Errorf("counts (conda, pypi) per platform:\n got %v\nwant %v", got, tc.counts)
			}
			if fi.Size() > 128<<10 {
				return // converting the large files adds little and costs seconds
			}
			checkConversions(t, l)
		})
	}
}

func equalCounts(a, b map[string][2]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// checkConversions writes l in every format, reads each back, and checks
// that the records (name, version, build, URL, hashes) survive and that
// writing again gives the same bytes.
func checkConversions(t *testing.T, l *Lock) {
	t.Helper()
	type target struct {
		f    Format
		plat conda.Platform
	}
	targets := []target{{FormatEnvseal, ""}, {FormatCondaLock, ""}, {FormatPixi, ""}}
	for _, p := range l.AllPlatforms() {
		targets = append(targets, target{FormatExplicit, p})
	}
	for _, tg := range targets {
		out, err := Encode(l, tg.f, EncodeOptions{Platform: tg.plat})
		if err != nil {
			t.Errorf("encode %v %s: %v", tg.f, tg.plat, err)
			continue
		}
		l2, err := Decode(out, DecodeOptions{Format: tg.f, Filename: tg.f.String()})
		if err != nil {
			t.Errorf("decode %v %s: %v", tg.f, tg.plat, err)
			continue
		}
		out2, err := Encode(l2, tg.f, EncodeOptions{Platform: tg.plat})
		if err != nil {
			t.Errorf("re-encode %v %s: %v", tg.f, tg.plat, err)
			continue
		}
		if string(out) != string(out2) {
			t.Errorf("%v %s: encode(decode(encode(x))) != encode(x)", tg.f, tg.plat)
		}
		plats := l.AllPlatforms()
		if tg.f == FormatExplicit {
			plats = []conda.Platform{tg.plat}
		}
		for _, p := range plats {
			want := recordKeys(l.Packages[p], tg.f == FormatExplicit)
			got := recordKeys(l2.Packages[p], tg.f == FormatExplicit)
			if strings.Join(want, "\n") != strings.Join(got, "\n") {
				t.Errorf("%v %s: records differ after the round trip:\n got %d %v\nwant %d %v", tg.f, p, len(got), first(got), len(want), first(want))
			}
			if tg.f != FormatExplicit || len(l.PyPI[p]) == 0 {
				if g, w := len(l2.PyPI[p]), len(l.PyPI[p]); g != w {
					t.Errorf("%v %s: %d PyPI packages after the round trip, want %d", tg.f, p, g, w)
				}
			}
		}
	}
}

// recordKeys returns the sorted identities of packages. An explicit file
// holds one hash, the MD5 when known, and takes names from the URLs.
func recordKeys(pkgs []*Package, oneHash bool) []string {
	var out []string
	for _, p := range pkgs {
		md5, sha, name := p.MD5, p.SHA256, p.Name
		if oneHash && md5 != "" {
			sha = ""
		}
		if d := deriveFromURL(p.URL); oneHash && d.ok {
			name = d.name // an explicit file has only the URL
		}
		out = append(out, strings.Join([]string{name, p.Version.String(), p.Build, redactURL(p.URL), md5, sha}, " "))
	}
	sort.Strings(out)
	return out
}

func first(s []string) []string {
	if len(s) > 3 {
		return s[:3]
	}
	return s
}

// TestCorpusParseFails checks that lockfiles built to be invalid fail with
// a message naming the file, the line and the fault.
func TestCorpusParseFails(t *testing.T) {
	needCorpus(t)
	cases := []struct {
		path, want string
	}{
		{"rattler/test-data/lock_parse_fails/v7/duplicate_platform.yml", `:14: environment default: packages: duplicate key "DUPLICATE"`},
		{"rattler/test-data/lock_parse_fails/v7/duplicate_platform_definition.yml", `:7: platforms: platform "DUPLICATE" is defined twice`},
		{"rattler/test-data/lock_parse_fails/v7/duplicate_platform_use.yml", `:14: environment default: packages: duplicate key "DUPLICATE"`},
		{"rattler/test-data/lock_parse_fails/v7/invalid_platform_name.yml", `:3: platforms: invalid platform name "linux 64 foobar"`},
		{"rattler/test-data/lock_parse_fails/v7/invalid_platform_subdir.yml", `:3: platforms: platform "linux_64_foobar": invalid platform "linux-XX"`},
		{"rattler/test-data/lock_parse_fails/v7/missing_platform.yml", `:14: environment "default": platform "UNKNOWN" is not defined in platforms`},
		{"mamba/libmamba/tests/data/env_lockfile/bad_package-lock.yaml", `:4: package: missing key "manager"`},
		{"mamba/libmamba/tests/data/env_lockfile/bad_version-lock.yaml", `not a lockfile this build reads`},
		{"rattler/test-data/conda-lock/forward-compatible-lock.yml", `:11: conda-lock.yml version 1000 is not supported (supported: 1, 2, 3)`},
	}
	// Every file of lock_parse_fails must be in the table.
	dir := filepath.Join(corpusDir, "rattler", "test-data", "lock_parse_fails")
	filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			rel, _ := filepath.Rel(corpusDir, path)
			found := false
			for _, c := range cases {
				found = found || c.path == filepath.ToSlash(rel)
			}
			if !found {
				t.Errorf("%s: not covered by the test table", rel)
			}
		}
		return nil
	})
	for _, tc := range cases {
		t.Run(tc.path, func(t *testing.T) {
			path := filepath.Join(corpusDir, filepath.FromSlash(tc.path))
			_, err := ReadFile(path, DecodeOptions{})
			if err == nil {
				t.Fatal("decoded without error")
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, path) || !strings.Contains(msg, tc.want) {
				t.Errorf("error %q\nwant it to start with %q and contain %q", msg, path, tc.want)
			}
			var pe *ParseError
			if !errors.As(err, &pe) || pe.File != path {
				t.Errorf("error is not a *ParseError for %s: %#v", path, err)
			}
		})
	}
}

// TestCorpusVersionErrors checks that a newer pixi.lock is a *VersionError.
func TestCorpusVersionErrors(t *testing.T) {
	needCorpus(t)
	data, err := os.ReadFile(filepath.Join(corpusDir, "rattler", "test-data", "conda-lock", "forward-compatible-lock.yml"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = Decode(data, DecodeOptions{Format: FormatPixi, Filename: "forward.yml"})
	var ve *VersionError
	if !errors.As(err, &ve) || ve.Version != 1000 || ve.Format != "pixi.lock" {
		t.Fatalf("got %v, want a pixi.lock *VersionError for version 1000", err)
	}
}

// TestCorpusPixiEnvironments selects named environments.
func TestCorpusPixiEnvironments(t *testing.T) {
	needCorpus(t)
	path := filepath.Join(corpusDir, "rattler", "test-data", "conda-lock", "v6", "options-lock.yml")
	if _, err := ReadFile(path, DecodeOptions{}); err == nil || !strings.Contains(err.Error(), `no environment "default" (it has: with-channel-priority,`) {
		t.Errorf("default environment: got %v", err)
	}
	l, err := ReadFile(path, DecodeOptions{Environment: "with-channel-priority"})
	if err != nil {
		t.Fatal(err)
	}
	if l.Metadata.ChannelPriority != "disabled" {
		t.Errorf("channel priority %q, want disabled", l.Metadata.ChannelPriority)
	}
}

// BenchmarkParsePixi decodes the largest real pixi.lock of the corpus
// (ros2-nav2, 2.8 MB, about 4,200 packages).
func BenchmarkParsePixi(b *testing.B) {
	data, err := os.ReadFile(filepath.Join(corpusDir, "pixi", "examples", "ros2-nav2", "pixi.lock"))
	if err != nil {
		b.Skipf("shared corpus not present: %v", err)
	}
	b.SetBytes(int64(len(data)))
	for i := 0; i < b.N; i++ {
		if _, err := ParsePixi(data, ""); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMarshal encodes the same lock as envseal.lock.
func BenchmarkMarshal(b *testing.B) {
	data, err := os.ReadFile(filepath.Join(corpusDir, "pixi", "examples", "ros2-nav2", "pixi.lock"))
	if err != nil {
		b.Skipf("shared corpus not present: %v", err)
	}
	l, err := ParsePixi(data, "")
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Marshal(l); err != nil {
			b.Fatal(err)
		}
	}
}
