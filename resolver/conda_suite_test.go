package resolver_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/envseal/envseal/channel"
	"github.com/envseal/envseal/conda"
	"github.com/envseal/envseal/resolver"
)

// Cases of conda's backend-agnostic solver suite (conda/testing/
// solver_helpers.py, class SolverTests, at conda commit 0f64223), which
// conda runs against both its classic solver and conda-libmamba-solver.
// They solve against index.json of the corpus (conda's "channel-1", a 2013
// defaults index with the legacy mkl features), served as the channel
// "test", sometimes with a few records of the test's own added
// (helpers.record: build "0", build number 0, timestamp 0).

// extraIndex serves an index plus extra records, with "pip" added to the
// dependencies of python 2 and 3 as conda's add_pip_as_python_dependency
// (on by default, and in this suite) does when it reads repodata; the CLI
// does the same (cmd/envseal pipIndex).
type extraIndex struct {
	base  resolver.Index
	extra []*conda.Record
}

func (x extraIndex) Candidates(name string) ([]*conda.Record, error) {
	recs, err := x.base.Candidates(name)
	if err != nil {
		return nil, err
	}
	for _, r := range x.extra {
		if r.Name == name {
			recs = append(slices.Clip(recs), r)
		}
	}
	if name != "python" {
		return recs, nil
	}
	out := make([]*conda.Record, len(recs))
	for i, r := range recs {
		v := r.Version.String()
		if !strings.HasPrefix(v, "2.") && !strings.HasPrefix(v, "3.") {
			out[i] = r
			continue
		}
		cp := *r
		cp.Depends = append(slices.Clip(r.Depends), "pip")
		out[i] = &cp
	}
	return out, nil
}

// testRecord mirrors conda's helpers.record.
func testRecord(tb testing.TB, name, version, build string, buildNumber int64, timestamp int64, depends ...string) *conda.Record {
	tb.Helper()
	v, err := conda.ParseVersion(version)
	if err != nil {
		tb.Fatal(err)
	}
	return &conda.Record{Name: name, Version: v, Build: build, BuildNumber: buildNumber, Timestamp: timestamp,
		Depends: depends, Subdir: "linux-64", Channel: "test", Fn: name + "-" + version + "-" + build + ".conda"}
}

func loadIndex1(tb testing.TB) *channel.Index {
	tb.Helper()
	corpusMu.Lock()
	defer corpusMu.Unlock()
	if ix, ok := corpusCache["index1"]; ok {
		return ix
	}
	ix, err := channel.LoadFlatIndex(context.Background(), corpusPath(tb, "conda", "tests", "data", "index.json"), "test", "linux-64")
	if err != nil {
		tb.Fatalf("loading index.json: %v", err)
	}
	corpusCache["index1"] = ix
	return ix
}

type suiteCase struct {
	name  string // SolverTests method, and which assertion
	extra func(testing.TB) []*conda.Record
	specs []string
	// want is the complete answer ("test::name-version-build"); when
	// contains is set, want need only be a subset of the answer.
	want     []string
	contains bool
	count    int    // when > 0, the answer's size
	wantErr  string // "unsatisfiable" (either error kind conda accepts)
}

func mypackages110(tb testing.TB) []*conda.Record {
	// test_nonexistent_deps, first index: mypackage 1.0 needs a missing name.
	return []*conda.Record{
		testRecord(tb, "mypackage", "1.0", "0", 0, 0, "nose", "python 3.3*", "notarealpackage 2.0*"),
		testRecord(tb, "mypackage", "1.1", "0", 0, 0, "nose", "python 3.3*"),
		testRecord(tb, "anotherpackage", "1.0", "0", 0, 0, "nose", "mypackage 1.1"),
		testRecord(tb, "anotherpackage", "2.0", "0", 0, 0, "nose", "mypackage"),
	}
}

func mypackages111(tb testing.TB) []*conda.Record {
	// test_nonexistent_deps, second index: now 1.1 is the broken one.
	return []*conda.Record{
		testRecord(tb, "mypackage", "1.0", "0", 0, 0, "nose", "python 3.3*"),
		testRecord(tb, "mypackage", "1.1", "0", 0, 0, "nose", "python 3.3*", "notarealpackage 2.0*"),
		testRecord(tb, "anotherpackage", "1.0", "0", 0, 0, "nose", "mypackage 1.0"),
		testRecord(tb, "anotherpackage", "2.0", "0", 0, 0, "nose", "mypackage"),
	}
}

func timestampPackages(tb testing.TB) []*conda.Record {
	return []*conda.Record{
		testRecord(tb, "mypackage", "1.0", "hash12_0", 0, 1, "libpng 1.2.*"),
		testRecord(tb, "mypackage", "1.0", "hash15_0", 0, 0, "libpng 1.5.*"),
	}
}

var py33Base = []string{
	"test::nose-1.3.0-py33_0", "test::openssl-1.0.1c-0", "test::python-3.3.2-0", "test::readline-6.2-0",
	"test::sqlite-3.7.13-0", "test::system-5.8-1", "test::tk-8.5.13-0", "test::zlib-1.2.7-0",
	"test::distribute-0.6.36-py33_1", "test::pip-1.3.1-py33_1",
}

var suiteCases = []suiteCase{
	{name: "test_iopro_mkl", specs: []string{"iopro 1.4*", "python 2.7*", "numpy 1.7*"}, want: []string{
		"test::iopro-1.4.3-np17py27_p0", "test::numpy-1.7.1-py27_0", "test::openssl-1.0.1c-0",
		"test::python-2.7.5-0", "test::readline-6.2-0", "test::sqlite-3.7.13-0", "test::system-5.8-1",
		"test::tk-8.5.13-0", "test::unixodbc-2.3.1-0", "test::zlib-1.2.7-0",
		"test::distribute-0.6.36-py27_1", "test::pip-1.3.1-py27_1"}},
	{name: "test_anaconda_nomkl", specs: []string{"anaconda 1.5.0", "python 2.7*", "numpy 1.7*"},
		want: []string{"test::scipy-0.12.0-np17py27_0"}, contains: true, count: 107},
	{name: "test_irrational_version", specs: []string{"pytz 2012d", "python 3*"}, want: []string{
		"test::distribute-0.6.36-py33_1", "test::openssl-1.0.1c-0", "test::pip-1.3.1-py33_1",
		"test::python-3.3.2-0", "test::pytz-2012d-py33_0", "test::readline-6.2-0", "test::sqlite-3.7.13-0",
		"test::system-5.8-1", "test::tk-8.5.13-0", "test::zlib-1.2.7-0"}},
	{name: "test_no_features/plain", specs: []string{"python 2.6*", "numpy 1.6*", "scipy 0.11*"}, want: []string{
		"test::distribute-0.6.36-py26_1", "test::numpy-1.6.2-py26_4", "test::openssl-1.0.1c-0",
		"test::pip-1.3.1-py26_1", "test::python-2.6.8-6", "test::readline-6.2-0", "test::scipy-0.11.0-np16py26_3",
		"test::sqlite-3.7.13-0", "test::system-5.8-1", "test::tk-8.5.13-0", "test::zlib-1.2.7-0"}},
	{name: "test_no_features/pandas", specs: []string{"pandas 0.12.0 np16py27_0", "python 2.7*"},
		extra: func(tb testing.TB) []*conda.Record {
			numpy := testRecord(tb, "numpy", "1.6.2", "py27_p5", 0, 0, "mkl-rt 11.0", "python 2.7")
			numpy.Features = "mkl"
			return []*conda.Record{
				testRecord(tb, "pandas", "0.12.0", "np16py27_0", 0, 0, "dateutil", "numpy 1.6*", "python 2.7*", "pytz"),
				numpy,
			}
		},
		want: []string{
			"test::dateutil-2.1-py27_1", "test::distribute-0.6.36-py27_1", "test::numpy-1.6.2-py27_4",
			"test::openssl-1.0.1c-0", "test::pandas-0.12.0-np16py27_0", "test::pip-1.3.1-py27_1",
			"test::python-2.7.5-0", "test::pytz-2013b-py27_0", "test::readline-6.2-0", "test::six-1.3.0-py27_0",
			"test::sqlite-3.7.13-0", "test::system-5.8-1", "test::tk-8.5.13-0", "test::zlib-1.2.7-0"}},
	{name: "test_timestamps_and_deps/libpng-1.2", extra: timestampPackages, specs: []string{"libpng 1.2.*", "mypackage"},
		want: []string{"test::libpng-1.2.50-0", "test::mypackage-1.0-hash12_0"}, contains: true},
	{name: "test_timestamps_and_deps/libpng-1.5", extra: timestampPackages, specs: []string{"libpng 1.5.*", "mypackage"},
		want: []string{"test::libpng-1.5.13-1", "test::mypackage-1.0-hash15_0"}, contains: true},
	{name: "test_timestamps_and_deps/deps-before-timestamp", extra: timestampPackages, specs: []string{"mypackage"},
		want: []string{"test::libpng-1.5.13-1", "test::mypackage-1.0-hash15_0"}},
	{name: "test_nonexistent_deps/mypackage", extra: mypackages110, specs: []string{"mypackage"},
		want: append([]string{"test::mypackage-1.1-0"}, py33Base...)},
	{name: "test_nonexistent_deps/anotherpackage-1.0", extra: mypackages110, specs: []string{"anotherpackage 1.0"},
		want: append([]string{"test::anotherpackage-1.0-0", "test::mypackage-1.1-0"}, py33Base...)},
	{name: "test_nonexistent_deps/anotherpackage", extra: mypackages110, specs: []string{"anotherpackage"},
		want: append([]string{"test::anotherpackage-2.0-0", "test::mypackage-1.1-0"}, py33Base...)},
	{name: "test_nonexistent_deps/broken-latest/mypackage", extra: mypackages111, specs: []string{"mypackage"},
		want: append([]string{"test::mypackage-1.0-0"}, py33Base...)},
	{name: "test_nonexistent_deps/broken-latest/mypackage-1.1", extra: mypackages111, specs: []string{"mypackage 1.1"},
		wantErr: "unsatisfiable"},
	{name: "test_nonexistent_deps/broken-latest/anotherpackage", extra: mypackages111, specs: []string{"anotherpackage"},
		want: append([]string{"test::anotherpackage-2.0-0", "test::mypackage-1.0-0"}, py33Base...)},
}

func TestCondaSolverSuite(t *testing.T) {
	for _, c := range suiteCases {
		t.Run(c.name, func(t *testing.T) {
			ix := extraIndex{base: loadIndex1(t)}
			if c.extra != nil {
				ix.extra = c.extra(t)
			}
			req := corpusRequest(t, corpusCase{specs: c.specs}, []string{"test"})
			sol, err := resolver.Solve(context.Background(), ix, req)
			if c.wantErr != "" {
				var ue *resolver.UnsolvableError
				var ne *resolver.PackagesNotFoundError
				if !errors.As(err, &ue) && !errors.As(err, &ne) {
					t.Fatalf("got %v, want an unsatisfiable request", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := distStrings(sol)
			for i, g := range got {
				got[i] = "test::" + g[len("test::"):]
			}
			if c.count > 0 && len(got) != c.count {
				t.Errorf("%d records, conda's %s wants %d", len(got), c.name, c.count)
			}
			want := slices.Clone(c.want)
			slices.Sort(want)
			var missing, extra []string
			for _, w := range want {
				if !slices.Contains(got, w) {
					missing = append(missing, w)
				}
			}
			if !c.contains {
				for _, g := range got {
					if !slices.Contains(want, g) {
						extra = append(extra, g)
					}
				}
			}
			if len(missing)+len(extra) > 0 {
				t.Errorf("answer differs from conda's %s\n  envseal only: %v\n  conda only:   %v", c.name, extra, missing)
			}
		})
	}
}

// TestCondaSuiteAccelerate is test_accelerate and test_scipy_mkl: accelerate
// tracks the mkl feature, so installing it must give the same answer as
// asking for the feature (MatchSpec(track_features="mkl")), under which
// conda's test_scipy_mkl requires every numpy and scipy to carry mkl in
// its "features".
func TestCondaSuiteAccelerate(t *testing.T) {
	ix := extraIndex{base: loadIndex1(t)}
	for _, specs := range [][]string{{"accelerate"}, {"accelerate", "python 2.7*", "numpy 1.7*", "scipy"}} {
		sol, err := resolver.Solve(context.Background(), ix, corpusRequest(t, corpusCase{specs: specs}, []string{"test"}))
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range sol.Records {
			if (r.Name == "numpy" || r.Name == "scipy") && !strings.Contains(r.Features, "mkl") {
				t.Errorf("%v: %s %s %s lacks the mkl feature accelerate switches on", specs, r.Name, r.Version, r.Build)
			}
		}
		if len(specs) > 1 {
			got := distStrings(sol)
			for _, w := range []string{"test::numpy-1.7.1-py27_p0", "test::scipy-0.12.0-np17py27_p0"} {
				if !slices.Contains(got, w) {
					t.Errorf("%v: answer lacks %s (test_scipy_mkl):\n%v", specs, w, got)
				}
			}
		}
	}
}
