package conda

import (
	"errors"
	"strconv"
	"strings"
	"testing"
)

// canonical forms from conda's tests/models/test_match_spec.py
// (test_canonical_string_forms, test_simple, test_pip_style,
// test_version_wildcard_serialization, test_tarball_match_specs).
func TestMatchSpecCanonicalString(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"numpy", "numpy"},
		{"numpy=1.7", "numpy=1.7"},
		{"numpy 1.7*", "numpy=1.7"},
		{"numpy 1.7.*", "numpy=1.7"},
		{"numpy[version='1.7*']", "numpy=1.7"},
		{"numpy[version='1.7.*']", "numpy=1.7"},
		{"numpy[version=1.7.*]", "numpy=1.7"},
		{"numpy==1.7", "numpy==1.7"},
		{"numpy[version='1.7']", "numpy==1.7"},
		{"numpy[version=1.7]", "numpy==1.7"},
		{"numpy 1.7", "numpy==1.7"},
		{"numpy[version='1.7|1.8']", "numpy[version='1.7|1.8']"},
		{`numpy[version="1.7,1.8"]`, "numpy[version='1.7,1.8']"},
		{"numpy >1.7", "numpy[version='>1.7']"},
		{"numpy>=1.7", "numpy[version='>=1.7']"},
		{"numpy=1.7=py3*_2", "numpy==1.7[build=py3*_2]"},
		{"numpy=1.7.*=py3*_2", "numpy=1.7[build=py3*_2]"},
		{"defaults::numpy", "defaults::numpy"},
		{"numpy[channel=defaults]", "defaults::numpy"},
		{"conda-forge::numpy", "conda-forge::numpy"},
		{"numpy[channel=conda-forge]", "conda-forge::numpy"},
		{"https://conda.anaconda.org/conda-forge::numpy", "conda-forge::numpy"},
		{"https://repo.anaconda.com/pkgs/main::numpy", "pkgs/main::numpy"},
		{"numpy[channel=defaults,subdir=osx-64]", "defaults/osx-64::numpy"},
		{"defaults/win-32::numpy", "defaults/win-32::numpy"},
		{"conda-forge/linux-64::numpy", "conda-forge/linux-64::numpy"},
		{"numpy[channel=conda-forge,subdir=noarch]", "conda-forge/noarch::numpy"},
		{"numpy[subdir=win-32]", "numpy[subdir=win-32]"},
		{"*/win-32::numpy", "numpy[subdir=win-32]"},
		{`*/win-32::numpy[subdir="osx-64"]`, "numpy[subdir=osx-64]"},
		{"conda-forge/linux-64::foo>=1.0", "conda-forge/linux-64::foo[version='>=1.0']"},
		{"*/linux-64::foo>=1.0", "foo[subdir=linux-64,version='>=1.0']"},
		{"numpy=1.10=py38_0", "numpy==1.10=py38_0"},
		{"numpy==1.10=py38_0", "numpy==1.10=py38_0"},
		{"numpy[version=1.10 build=py38_0]", "numpy==1.10=py38_0"},
		{"numpy!=1.10", "numpy!=1.10"},
		{"numpy !=1.10", "numpy!=1.10"},
		{"numpy!=1.10 py38_0", "numpy[version='!=1.10',build=py38_0]"},
		{"numpy !=1.10=py38_0", "numpy[version='!=1.10',build=py38_0]"},
		{"numpy >1.7,!=1.10 py38_0", "numpy[version='>1.7,!=1.10',build=py38_0]"},
		{"numpy!=1.10.*", "numpy!=1.10.*"},
		{"numpy!=1.10,!=1.11", "numpy[version='!=1.10,!=1.11']"},
		{"numpy=1.10.*,!=1.10.2", "numpy[version='=1.10.*,!=1.10.2']"},
		{"numpy ~=1.10.1", "numpy~=1.10.1"},
		{"numpy ~=1.10.1 py38_0", "numpy[version='~=1.10.1',build=py38_0]"},
		{"openssl=1.1.1_", "openssl=1.1.1_"},
		{"openssl>=1.1.1_,!=1.1.1c", "openssl[version='>=1.1.1_,!=1.1.1c']"},
		{"name[version=*,build=*py27*]", "name[build=*py27*]"},
		{"name[version=*]", "name"},
		{"conda-forge::name[version=*]", "conda-forge::name"},
		{"name[version=1.2.*,build=*py27*]", "name=1.2[build=*py27*]"},
		{"name[version=1.*]", "name=1"},
		{"name[version=*,build_number=3]", "name[build_number=3]"},
		{"python", "python"},
		{"python=2.6", "python=2.6"},
		{"python=2.6*", "python=2.6"},
		{"ipython==0.13.0", "ipython==0.13.0"},
		{"foo=1.3.0=3", "foo==1.3.0=3"},
		{"foo>=1.3", "foo[version='>=1.3']"},
		{"zope.int>=1.3,<3.0", "zope.int[version='>=1.3,<3.0']"},
		{"numpy >=1.9", "numpy[version='>=1.9']"},
		{"name >=1.2, <2", "name[version='>=1.2,<2']"},
		{"foo >=1.0 , < 2.0", "foo[version='>=1.0,<2.0']"},
		{"name 1.2|1.4", "name[version='1.2|1.4']"},
		{"mkl@", "*[track_features=mkl]"},
		{"*[track_features=mkl]", "*[track_features=mkl]"},
		{"*[features=mkl]", "*[features=mkl]"},
		{"numpy # comment", "numpy"},
		{"numpy ## comment", "numpy"},
		{"  numpy   1.7   py27_0  ", "numpy==1.7=py27_0"},
		{"FOO-Bar >=1.0", "foo-bar[version='>=1.0']"},
		{"numpy=", "numpy"},
		{"* 2.7.4", "*==2.7.4"},
		{"* >=1.3 2", "*[version='>=1.3',build=2]"},
		{"* * openblas_0", "*[build=openblas_0]"},
		{"blas * openblas_0", "blas[build=openblas_0]"},
		{"python[build_number='>=3']", "python[build_number='>=3']"},
		{"python[build_number=3]", "python[build_number=3]"},
		{"tensorflow[name=pytorch]", "tensorflow"},
		{"defaults::numpy=1.8=py27_0 [channel=anaconda,version=1.9, build=3]", "anaconda::numpy==1.9=3"},
		{`defaults::numpy=1.8=py27_0 [channel='anaconda',version=">=1.8,<2|1.9", build='3']`, "anaconda::numpy[version='>=1.8,<2|1.9',build=3]"},
		{"conda-forge::foo[build=3](target=blarg,optional)", "conda-forge::foo[build=3]"},
		{"pkgs/main::*", "pkgs/main::*"},
		{"defaults::*", "defaults::*"},
		{"*[md5=12345678901234567890123456789012]", "*[md5=12345678901234567890123456789012]"},
		{"pkg[license='*GPL*', license_family=BSD]", "pkg[license=*gpl*,license_family=bsd]"},
		{"pkg[sha256=abc, fn=pkg-1-0.conda]", "pkg[sha256=abc,fn=pkg-1-0.conda]"},
		{"python (>=3.8,<3.10)|(>=3.11,<3.13)", "python[version='>=3.8,<3.10|>=3.11,<3.13']"},
		{
			"https://conda.anaconda.org/conda-canary/linux-64/conda-4.3.21.post699+1dab973-py36h4a561cd_0.tar.bz2",
			"conda-canary/linux-64::conda==4.3.21.post699+1dab973=py36h4a561cd_0",
		},
		{
			"conda-canary/linux-64::conda==4.3.21.post699+1dab973=py36h4a561cd_0",
			"conda-canary/linux-64::conda==4.3.21.post699+1dab973=py36h4a561cd_0",
		},
		{
			"https://conda.anaconda.org/conda-canary/conda-4.3.21.post699+1dab973-py36h4a561cd_0.tar.bz2",
			"*[url=https://conda.anaconda.org/conda-canary/conda-4.3.21.post699+1dab973-py36h4a561cd_0.tar.bz2]",
		},
		{"/some/file/on/disk/package-1.2.3-2.tar.bz2", "*[url=file:///some/file/on/disk/package-1.2.3-2.tar.bz2]"},
		{"https://repo.anaconda.com/pkgs/main/linux-64/_license-1.1-py27_1.tar.bz2", "pkgs/main/linux-64::_license==1.1=py27_1"},
		{"https://host/t/secret-tok/ch/noarch/a-1-0.conda", "https://host/ch/noarch::a==1=0"},
		{"https://host/t/secret-tok/ch/a-1-0.conda", "*[url='https://host/t/<TOKEN>/ch/a-1-0.conda']"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			m, err := ParseMatchSpec(tc.in)
			if err != nil {
				t.Fatalf("ParseMatchSpec(%q): %v", tc.in, err)
			}
			if got := m.String(); got != tc.want {
				t.Errorf("ParseMatchSpec(%q).String() = %q, want %q", tc.in, got, tc.want)
			}
			m2, err := ParseMatchSpec(m.String())
			if err != nil {
				t.Fatalf("reparse %q: %v", m.String(), err)
			}
			if got := m2.String(); got != m.String() {
				t.Errorf("reparse of %q gives %q", m.String(), got)
			}
		})
	}
}

func TestParseMatchSpecFields(t *testing.T) {
	t.Parallel()
	m, err := ParseMatchSpec(`conda-forge/linux-64::numpy >=1.8,<2|1.9 py27*[build_number='>=3', md5="abc", sha256=def, url=https://x/y.conda, fn=y.conda, license=MIT, license_family=MIT, features="a b", track_features='c,d']`)
	if err != nil {
		t.Fatal(err)
	}
	if m.Name != "numpy" || m.Channel == nil || m.Channel.Name() != "conda-forge" || m.Subdir != "linux-64" {
		t.Errorf("name/channel/subdir = %q %v %q", m.Name, m.Channel, m.Subdir)
	}
	if got := m.Version.String(); got != ">=1.8,<2|1.9" {
		t.Errorf("version = %q", got)
	}
	if m.Build != "py27*" || m.BuildNumber != (BuildNumberSpec{Op: ">=", Value: 3}) {
		t.Errorf("build = %q %+v", m.Build, m.BuildNumber)
	}
	if m.MD5 != "abc" || m.SHA256 != "def" || m.URL != "https://x/y.conda" || m.Fn != "y.conda" {
		t.Errorf("hashes/url/fn = %q %q %q %q", m.MD5, m.SHA256, m.URL, m.Fn)
	}
	if m.License != "mit" || m.LicenseFamily != "mit" {
		t.Errorf("license = %q %q", m.License, m.LicenseFamily)
	}
	if strings.Join(m.Features, ",") != "a,b" || strings.Join(m.TrackFeatures, ",") != "c,d" {
		t.Errorf("features = %q %q", m.Features, m.TrackFeatures)
	}

	m, err = ParseMatchSpec("defaults::numpy =1.8")
	if err != nil {
		t.Fatal(err)
	}
	if !m.Channel.IsDefaults() || m.Version.String() != "1.8.*" {
		t.Errorf("defaults::numpy =1.8: channel %v version %q", m.Channel, m.Version)
	}
	m, err = ParseMatchSpec("numpy==1.7")
	if err != nil || !m.Version.IsExact() {
		t.Errorf("numpy==1.7: exact=%v err=%v", m.Version.IsExact(), err)
	}
	m, err = ParseMatchSpec("* 1 *")
	if err != nil || m.Name != "*" || m.Version.String() != "1" || m.Build != "*" {
		t.Errorf("* 1 *: %+v %v", m, err)
	}
	m, err = ParseMatchSpec("ns:numpy")
	if err != nil || m.Namespace != "ns" || m.Name != "numpy" {
		t.Errorf("ns:numpy: %+v %v", m, err)
	}
	m, err = ParseMatchSpec("https://anaconda.org/conda-forge/linux-64/x264-1%21164.3095-h166bdaf_2.tar.bz2")
	if err != nil || m.Version.String() != "1!164.3095" {
		t.Errorf("percent-encoded URL: version %q err %v", m.Version, err)
	}
}

// Bracket text that is not a key=value pair is dropped, as conda's
// _parse_spec_str drops whatever _BRACKETS_KV_RE.finditer does not match;
// IgnoredBrackets says what was dropped. The first case is from
// matplotlib's environment.yml.
func TestParseMatchSpecBrackets(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want, ignored string }{
		{"nbconvert[execute]!=6.0.0", "nbconvert!=6.0.0", "execute"},
		{"nbconvert[execute] >=6", "nbconvert[version='>=6']", "execute"},
		{"dask[complete]", "dask", "complete"},
		{"requests[security,socks]>=2.0", "requests[version='>=2.0']", "security,socks"},
		{"requests[security, socks]", "requests", "security, socks"},
		{"numpy[]", "numpy", ""},
		{"numpy[ , ]", "numpy", ""},
		{"numpy[foo bar, version=1.7]", "numpy==1.7", "foo bar"},
		{"numpy[version=1.7 extra]", "numpy==1.7", "extra"},
		{"numpy[version=1.10 build=py38_0]", "numpy==1.10=py38_0", ""},
		{`numpy[version="1.7,1.8"]`, "numpy[version='1.7,1.8']", ""},
		// an unquoted value ends at the first ',' or ' ': conda keeps
		// ">=1.0" and drops "<2"
		{"numpy[version=>=1.0,<2]", "numpy[version='>=1.0']", "<2"},
		// no pair starts anywhere: an unclosed quote, a stray quote,
		// spaces around '=', an operator for '='
		{"numpy[version='>=1]", "numpy", "version='>=1"},
		{`numpy[build=a"b]`, "numpy", `build=a"b`},
		{"numpy[version = 1.0]", "numpy", "version = 1.0"},
		{"python[version>=3.8]", "python", "version>=3.8"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			m, err := ParseMatchSpec(tc.in)
			if err != nil {
				t.Fatalf("ParseMatchSpec(%q): %v", tc.in, err)
			}
			if got := m.String(); got != tc.want {
				t.Errorf("String() = %q, want %q", got, tc.want)
			}
			if m.IgnoredBrackets != tc.ignored {
				t.Errorf("IgnoredBrackets = %q, want %q", m.IgnoredBrackets, tc.ignored)
			}
			m2, err := ParseMatchSpec(m.String())
			if err != nil || m2.String() != tc.want || m2.IgnoredBrackets != "" {
				t.Errorf("reparse of %q: %q, ignored %q, %v", m.String(), m2.String(), m2.IgnoredBrackets, err)
			}
		})
	}
	m, err := ParseMatchSpec("nbconvert[execute]!=6.0.0")
	if err != nil {
		t.Fatal(err)
	}
	r := &Record{Name: "nbconvert", Version: ver(t, "6.1.0"), Build: "0"}
	if !m.Match(r) {
		t.Errorf("%q does not match nbconvert 6.1.0", m.String())
	}
	r.Version = ver(t, "6.0.0")
	if m.Match(r) {
		t.Errorf("%q matches nbconvert 6.0.0", m.String())
	}
}

func TestParseMatchSpecErrors(t *testing.T) {
	t.Parallel()
	tests := []string{
		"",
		"   ",
		"# only a comment",
		"!xyz 1.3",
		"numpy>>1",
		"blas [optional",
		"blas [test=]",
		`blas[invalid="1"]`,
		"numpy[version=1][build=2]",
		"numpy 1.2[build=1] [x=1]",
		"numpy[version=]",
		"numpy[version=,build=1]",
		"numpy[version='' build=1]",
		"nbconvert[execute, foo=1]",
		"numpy[x-build=1]", // one key ("-" is a key byte), not "x-" skipped
		"numpy==",
		"numpy[build_number=abc]",
		"numpy[build_number='>=x']",
		"foo/bar",
		"numpy[build='^(unclosed$']",
		"::numpy",
		"a:b:c:d",
	}
	for _, in := range tests {
		t.Run(in, func(t *testing.T) {
			m, err := ParseMatchSpec(in)
			if err == nil {
				t.Fatalf("ParseMatchSpec(%q) = %q, want error", in, m.String())
			}
			if want := "invalid match spec " + quote(in); !strings.HasPrefix(err.Error(), want) {
				t.Errorf("error %q does not start with %q", err, want)
			}
		})
	}
	_, err := ParseMatchSpec("numpy>>1")
	if !errors.Is(err, ErrInvalidVersionSpec) {
		t.Errorf("numpy>>1: error %v does not wrap ErrInvalidVersionSpec", err)
	}
}

func quote(s string) string { return fmtQ(s) }

func TestMatchSpecMatch(t *testing.T) {
	t.Parallel()
	rec := func(name, version, build string, bn int64) *Record {
		return &Record{Name: name, Version: ver(t, version), Build: build, BuildNumber: bn,
			Subdir: "linux-64", Channel: "https://conda.anaconda.org/conda-forge/linux-64"}
	}
	numpy := rec("numpy", "1.7.1", "py27_0", 0)
	// test_match_1 from conda
	tests := []struct {
		spec string
		r    *Record
		want bool
	}{
		{"numpy 1.7*", numpy, true},
		{"numpy 1.7.1", numpy, true},
		{"numpy 1.7", numpy, false},
		{"numpy 1.5*", numpy, false},
		{"numpy >=1.5", numpy, true},
		{"numpy >=1.5,<2", numpy, true},
		{"numpy >=1.8,<1.9", numpy, false},
		{"numpy >1.5,<2,!=1.7.1", numpy, false},
		{"numpy >1.8,<2|==1.7", numpy, false},
		{"numpy >1.8,<2|>=1.7.1", numpy, true},
		{"numpy >=1.8|1.7*", numpy, true},
		{"numpy ==1.7", numpy, false},
		{"numpy >=1.5,>1.6", numpy, true},
		{"numpy ==1.7.1", numpy, true},
		{"numpy ==1.7.1.0", numpy, true},
		{"numpy==1.7.1.0.0", numpy, true},
		{"numpy >=1,*.7.*", numpy, true},
		{"numpy *.7.*,>=1", numpy, true},
		{"numpy >=1,*.8.*", numpy, false},
		{"numpy >=2,*.7.*", numpy, false},
		{"numpy 1.6*|1.7*", numpy, true},
		{"numpy 1.6*|1.8*", numpy, false},
		{"numpy 1.6.2|1.7*", numpy, true},
		{"numpy 1.6.2|1.7.1", numpy, true},
		{"numpy 1.6.2|1.7.0", numpy, false},
		{"numpy 1.7.1 py27_0", numpy, true},
		{"numpy 1.7.1 py26_0", numpy, false},
		{"numpy >1.7.1a", numpy, true},
		{"python", numpy, false},
		{"num*", numpy, true},
		{"*", numpy, true},
		{"numpy[build=^py2[0-9]_0$]", numpy, true},
		{"numpy[build=^py3.*$]", numpy, false},
		{"numpy[build=*_0]", numpy, true},
		{"numpy[build_number=0]", numpy, true},
		{"numpy[build_number='>0']", numpy, false},
		{"conda-forge::numpy", numpy, true},
		{"https://conda.anaconda.org/conda-forge::numpy", numpy, true},
		{"conda-forge/linux-64::numpy", numpy, true},
		{"conda-forge/osx-64::numpy", numpy, false},
		{"pkgs/main::numpy", numpy, false},
		{"defaults::numpy", numpy, false},
		{"numpy[channel=conda-*]", numpy, true},
		{"numpy[channel=bio*]", numpy, false},
		{"blas * openblas_0", rec("blas", "1.0", "openblas_0", 0), true},
		{"openssl>=1.0.1_", rec("openssl", "1.0.1_", "4", 4), true},
		{"openssl>=1.0.1", rec("openssl", "1.0.1_", "4", 4), false},
		{"numpy >=1.0.1", rec("numpy", "1.0.1a", "0", 0), false},
		{"numpy >=1.0.1a py27*", rec("numpy", "1.0.1z", "py27_1", 1), true},
		{"my_pkg=1.17.*=red_*", rec("my_pkg", "1.17.3", "red_habc123_3", 3), true},
		{"my_pkg=1.17.*=red_*", rec("my_pkg", "1.17.3", "blue_hdef1234_3", 3), false},
		{"my_pkg=1.17.*=*red*", rec("my_pkg", "1.17.3", "red_habc123_3", 3), true},
		{"my_pkg=1.17.*=*_habc123_3", rec("my_pkg", "1.17.3", "blue_hdef1234_3", 3), false},
	}
	for _, tc := range tests {
		t.Run(tc.spec, func(t *testing.T) {
			m, err := ParseMatchSpec(tc.spec)
			if err != nil {
				t.Fatal(err)
			}
			if got := m.Match(tc.r); got != tc.want {
				t.Errorf("%q.Match(%s) = %v, want %v", tc.spec, tc.r.DistName(), got, tc.want)
			}
		})
	}
}

func TestMatchSpecMatchFields(t *testing.T) {
	t.Parallel()
	base := Record{Name: "numpy", Version: ver(t, "1.11.0"), Build: "py34_7", BuildNumber: 7,
		License: "LGPLv3+", LicenseFamily: "LGPL", MD5: "abc", SHA256: "def", Fn: "numpy-1.11.0-py34_7.tar.bz2",
		URL:     "https://repo.anaconda.com/pkgs/main/linux-64/numpy-1.11.0-py34_7.tar.bz2",
		Channel: "https://repo.anaconda.com/pkgs/main", Subdir: "linux-64"}
	withTF := func(tf []string, f string) *Record { r := base; r.TrackFeatures = tf; r.Features = f; return &r }
	tests := []struct {
		spec string
		r    *Record
		want bool
	}{
		{"numpy<2", &base, true},
		{"numpy[version=<2]", &base, true},
		{"numpy[version='>2']", &base, false},
		{"numpy[build_number='7']", &base, true},
		{"numpy[build_number='<8']", &base, true},
		{"numpy[build_number='>7']", &base, false},
		{"numpy[build_number='>=7']", &base, true},
		{"numpy[build_number='!=7']", &base, false},
		{"numpy ~=1.10", &base, true},
		{"*[license_family='LGPL']", &base, true},
		{"*[license_family='lgpl']", &base, true},
		{"*[license_family='*GP*']", &base, true},
		{"*[license_family='*gpl*']", &base, true},
		{"*[license='*gpl*']", &base, true},
		{"*[license='*v3+']", &base, true},
		{"*[license='MIT']", &base, false},
		{"*[md5=abc]", &base, true},
		{"*[md5=ABC]", &base, true},
		{"*[md5=abd]", &base, false},
		{"*[sha256=def]", &base, true},
		{"*[sha256=dee]", &base, false},
		{"*[fn=numpy-1.11.0-py34_7.tar.bz2]", &base, true},
		{"*[fn=numpy-1.11.0-py34_7.conda]", &base, false},
		{"*[url=https://repo.anaconda.com/pkgs/main/linux-64/numpy-1.11.0-py34_7.tar.bz2]", &base, true},
		{"*[subdir=linux-64]", &base, true},
		{"*[subdir=noarch]", &base, false},
		{"defaults::numpy", &base, true},
		{"pkgs/main::numpy", &base, true},
		{"https://repo.anaconda.com/pkgs/main::numpy", &base, true},
		{"pkgs/r::numpy", &base, false},
		{"conda-forge::numpy", &base, false},
		{"*[track_features=test]", withTF([]string{"test"}, ""), true},
		{"*[track_features=test]", withTF([]string{"test2"}, ""), false},
		{"*[track_features=test]", withTF([]string{"test", "me"}, ""), false},
		{"*[track_features=test]", withTF(nil, ""), false},
		{"*[track_features='']", withTF(nil, ""), true},
		{"*[track_features='']", withTF([]string{"x"}, ""), false},
		{"*[track_features='mkl debug']", withTF([]string{"debug", "mkl"}, ""), true},
		{"*[features=test]", withTF(nil, "test"), true},
		{"*[features=test]", withTF(nil, ""), false},
		{"*[features=test]", withTF(nil, "test me"), false},
		{"*[features='a,b']", withTF(nil, "b a"), true},
	}
	for _, tc := range tests {
		t.Run(tc.spec, func(t *testing.T) {
			m, err := ParseMatchSpec(tc.spec)
			if err != nil {
				t.Fatal(err)
			}
			if got := m.Match(tc.r); got != tc.want {
				t.Errorf("%q.Match = %v, want %v", tc.spec, got, tc.want)
			}
		})
	}
}

func TestBuildNumberSpec(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want BuildNumberSpec
		str  string
	}{
		{"3", BuildNumberSpec{"==", 3}, "3"},
		{"==3", BuildNumberSpec{"==", 3}, "3"},
		{"=3", BuildNumberSpec{"==", 3}, "3"},
		{"!=3", BuildNumberSpec{"!=", 3}, "!=3"},
		{"< 3", BuildNumberSpec{"<", 3}, "<3"},
		{"<=3", BuildNumberSpec{"<=", 3}, "<=3"},
		{">3", BuildNumberSpec{">", 3}, ">3"},
		{">=3", BuildNumberSpec{">=", 3}, ">=3"},
		{"*", BuildNumberSpec{}, "*"},
	}
	for _, tc := range tests {
		got, err := ParseBuildNumberSpec(tc.in)
		if err != nil || got != tc.want || got.String() != tc.str {
			t.Errorf("ParseBuildNumberSpec(%q) = %+v (%q), %v; want %+v (%q)", tc.in, got, got.String(), err, tc.want, tc.str)
		}
	}
	for _, bad := range []string{"x", "-1", ">=", "1.5", "+3", "<>3"} {
		if _, err := ParseBuildNumberSpec(bad); err == nil || !strings.Contains(err.Error(), fmtQ(bad)) {
			t.Errorf("ParseBuildNumberSpec(%q): err = %v, want error quoting input", bad, err)
		}
	}
}

func TestMatchSpecMatchDoesNotAllocate(t *testing.T) {
	m, err := ParseMatchSpec("conda-forge/linux-64::numpy >=1.5,<2 py27*[build_number='>=0', license=*, track_features='']")
	if err != nil {
		t.Fatal(err)
	}
	r := &Record{Name: "numpy", Version: ver(t, "1.7.1"), Build: "py27_0", Subdir: "linux-64",
		Channel: "https://conda.anaconda.org/conda-forge/linux-64", License: "BSD"}
	if !m.Match(r) {
		t.Fatal("spec does not match")
	}
	if n := testing.AllocsPerRun(100, func() { m.Match(r) }); n != 0 {
		t.Errorf("Match allocates %v times per call", n)
	}
	// a channel matched by name against a URL outside the alias
	m, err = ParseMatchSpec("mychan/linux-64::numpy")
	if err != nil {
		t.Fatal(err)
	}
	r.Channel = "https://host.example/a/mychan"
	if !m.Match(r) {
		t.Fatal("mychan::numpy does not match a record from https://host.example/a/mychan")
	}
	if n := testing.AllocsPerRun(100, func() { m.Match(r) }); n != 0 {
		t.Errorf("Match by channel name allocates %v times per call", n)
	}
}

func BenchmarkMatchSpecMatch(b *testing.B) {
	m, err := ParseMatchSpec("numpy >=1.5,<2 py27*")
	if err != nil {
		b.Fatal(err)
	}
	v, _ := ParseVersion("1.7.1")
	r := &Record{Name: "numpy", Version: v, Build: "py27_0"}
	b.ReportAllocs()
	for b.Loop() {
		m.Match(r)
	}
}

func BenchmarkParseMatchSpec(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseMatchSpec("conda-forge::numpy >=1.5,<2 py27*"); err != nil {
			b.Fatal(err)
		}
	}
}

func FuzzParseMatchSpec(f *testing.F) {
	for _, s := range []string{
		"numpy", "numpy 1.7*", "numpy=1.7=py3*_2", "conda-forge/linux-64::foo>=1.0",
		"numpy[version='1.7|1.8', build_number='>=3', md5=abc]", "mkl@", "*/win-32::numpy",
		"https://conda.anaconda.org/c/linux-64/a-1-0.conda", "ns:numpy", "* >=1.3 2",
		"python (>=3.8,<3.10)|(>=3.11,<3.13)", "numpy[track_features='']",
		"https://u:p@host:8080/t/tok/ch::pkg 1.0", "numpy!=1.10 py38_0", "x[build=^a.*$]",
		"nbconvert[execute]!=6.0.0", "requests[security, socks]>=2.0", "numpy[foo bar, version=1.7]",
		"numpy[version=>=1.0,<2]", "numpy[version='>=1]", `numpy[build=a"b]`, "numpy[version = 1.0]",
		"numpy[version='1.7' ,build=\"py\"]", "numpy[ , ]", "x[a version=1 b,c]", "x[features='' track_features=\"\"]",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseMatchSpec(s)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "invalid match spec ") {
				t.Fatalf("error %q lacks the standard prefix", err)
			}
			return
		}
		str := m.String()
		m2, err := ParseMatchSpec(str)
		if err != nil {
			t.Fatalf("ParseMatchSpec(%q) ok, but its String %q does not parse: %v", s, str, err)
		}
		if str2 := m2.String(); str2 != str {
			t.Fatalf("ParseMatchSpec(%q): String %q reparses to %q", s, str, str2)
		}
		for part := range strings.SplitSeq(m.IgnoredBrackets, ",") {
			if !strings.Contains(s, part) {
				t.Fatalf("ParseMatchSpec(%q): ignored %q is not text of the input", s, m.IgnoredBrackets)
			}
		}
		if m2.IgnoredBrackets != "" {
			t.Fatalf("ParseMatchSpec(%q): String %q ignores %q", s, str, m2.IgnoredBrackets)
		}
		m.Match(&Record{Name: "x", Build: "0"})
	})
}

func fmtQ(s string) string { return strconv.Quote(s) }

// ver parses a version for matchspec and record tests.
func ver(t testing.TB, s string) Version {
	t.Helper()
	v, err := ParseVersion(s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
