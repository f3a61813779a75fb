package conda

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func mustSpec(t testing.TB, s string) VersionSpec {
	t.Helper()
	vs, err := ParseVersionSpec(s)
	if err != nil {
		t.Fatalf("ParseVersionSpec(%q): %v", s, err)
	}
	return vs
}

// TestSpecMatchConda is conda's test_match: every spec against "1.7.1",
// and String returns the spec as written.
func TestSpecMatchConda(t *testing.T) {
	t.Parallel()
	v := mustVersion(t, "1.7.1")
	for _, tc := range []struct {
		spec string
		want bool
	}{
		{"1.7.*", true},
		{"1.7.1", true},
		{"1.7.0", false},
		{"1.7", false},
		{"1.5.*", false},
		{">=1.5", true},
		{"!=1.5", true},
		{"!=1.7.1", false},
		{"==1.7.1", true},
		{"==1.7", false},
		{"==1.7.2", false},
		{"==1.7.1.0", true},
		{"1.7.*|1.8.*", true},
		{">1.7,<1.8", true},
		{">1.7.1,<1.8", false},
		{"^1.7.1$", true},
		{`^1\.7\.1$`, true},
		{`^1\.7\.[0-9]+$`, true},
		{`^1\.8.*$`, false},
		{`^1\.[5-8]\.1$`, true},
		{`^[^1].*$`, false},
		{`^[0-9+]+\.[0-9+]+\.[0-9]+$`, true},
		{"^$", false},
		{"^.*$", true},
		{"1.7.*|^0.*$", true},
		{"1.6.*|^0.*$", false},
		{"1.6.*|^0.*$|1.7.1", true},
		{"^0.*$|1.7.1", true},
		{`1.6.*|^.*\.7\.1$|0.7.1`, true},
		{"*", true},
		{"1.*.1", true},
		{"1.5.*|>1.7,<1.8", true},
		{"1.5.*|>1.7,<1.7.1", false},
	} {
		t.Run(tc.spec, func(t *testing.T) {
			s := mustSpec(t, tc.spec)
			if got := s.Match(v); got != tc.want {
				t.Errorf("Match(1.7.1) = %v, want %v", got, tc.want)
			}
			if got := s.String(); got != tc.spec {
				t.Errorf("String = %q, want %q", got, tc.spec)
			}
		})
	}
}

func TestSpecMatch(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		spec    string
		yes, no []string
	}{
		// conda's test_not_eq_star
		{"=3.3", []string{"3.3.1", "3.3", "3.3.0.0", "3.3a1", "3.3.post1"}, []string{"3.4", "3.30", "3.2"}},
		{"3.3.*", []string{"3.3.1", "3.3"}, []string{"3.4", "3.30"}},
		{"3.3*", []string{"3.3.1", "3.3"}, []string{"3.4", "3.30"}},
		{"=3.3.*", []string{"3.3.1", "3.3"}, []string{"3.4"}},
		{"!=3.3.*", []string{"3.4", "3.4.1", "3.30"}, []string{"3.3.1", "3.3.0.0", "3.3"}},
		{"!=3.3", []string{"3.3.1", "3.4"}, []string{"3.3.0.0", "3.3"}},
		// conda's test_compound_versions
		{">=2.7, !=3.0.*, !=3.1.*, !=3.2.*, !=3.3.*", []string{"2.7.2", "3.4", "3.4a"}, []string{"2.6.8", "3.3", "3.3.4"}},
		// conda's test_compatible_release_versions
		{"~=1.10", []string{"1.11.0", "1.10", "1.10.post1"}, []string{"2.0", "1.9", "1.10rc1"}},
		{"~=1.10.0", []string{"1.10.0", "1.10.5"}, []string{"1.11.0"}},
		{"~=3.3.2", []string{"3.3.2.0", "3.3.3"}, []string{"3.4.0", "3.3.1"}},
		{"~=3.3.2|==2.2", []string{"2.2.0", "3.3.3"}, []string{"2.2.1"}},
		// conda's test_ver_eval
		{"==1.7", []string{"1.7.0", "1.7"}, []string{"1.7.1"}},
		{"<=1.7", []string{"1.7.0", "1.6"}, []string{"1.7.1"}},
		{"<1.7", []string{"1.6.9", "1.7a1", "1.7.0dev"}, []string{"1.7.0"}},
		{">=1.7", []string{"1.7.0"}, []string{"1.6.7", "1.7rc1"}},
		{">1.7", []string{"1.7.0.1", "1.7post1"}, []string{"1.7.0"}},
		{">2013b", []string{"2013k"}, []string{"2013a", "3.0.0"}},
		{">1.0.0a", []string{"1.0.0"}, nil},
		{">1.0.0*", []string{"1.0.0"}, nil},
		{"1.0*", []string{"1.0", "1.0.0"}, []string{"1.01", "1.1"}},
		{"1.0.0*", []string{"1.0"}, []string{"1.0.1"}},
		{"2013a*", []string{"2013a", "2013ab"}, []string{"2013b"}},
		{"1.2.4*", nil, []string{"1.3.4"}},
		{"1.2.3*", []string{"1.2.3+4.5.6"}, nil},
		{"1.2.3+4*", []string{"1.2.3+4.5.6"}, []string{"1.2.3", "1.2.3+5"}},
		{"1.2.3+5*", nil, []string{"1.2.3+4.5.6"}},
		{"1.2.4+5*", nil, []string{"1.2.3+4.5.6"}},
		// test_local_identifier: a version matches itself
		{"1.7.0.post123+gabcdef9", []string{"1.7.0.post123+gabcdef9"}, []string{"1.7.0.post123"}},
		// bare versions are exact, case-insensitive, zero-padded
		{"1.2", []string{"1.2", "1.2.0", "1.2.0.0", "1.2+0"}, []string{"1.2.1", "1.20", "1.2+1"}},
		{"1.2RC1", []string{"1.2rc1", "1.2rc1.0"}, []string{"1.2"}},
		// trailing .* with other operators: ignored, as conda does
		{">=1.2.*", []string{"1.2", "1.2.0", "1.3"}, []string{"1.1.9", "1.2rc1"}},
		{"<1.2.*", []string{"1.1.9", "1.2rc1"}, []string{"1.2", "1.2.1"}},
		{"<=1.2.*", []string{"1.2"}, []string{"1.2.1"}},
		{">1.2.*", []string{"1.2.1"}, []string{"1.2"}},
		{"==1.2.*", []string{"1.2.0"}, []string{"1.2.1"}},
		// globs with "*" inside are matched on the version text
		{"1.*.3", []string{"1.2.3", "1.22.3", "1.x.3"}, []string{"1.2.4", "1.3", "2.2.3", "1.2.3.0"}},
		{"*.3", []string{"1.3", "2.0.3"}, []string{"1.30"}},
		{"1.*.*", []string{"1.2.3"}, []string{"1.2"}},
		{"1.2.*+*", []string{"1.2.3+x"}, []string{"1.2.3"}},
		{"1.[0-5]*.1", []string{"1.5.1", "1.0x.1"}, []string{"1.6.1"}},
		{"*", []string{"0", "1!2.3+4"}, nil},
		// regexes
		{`^1\.[0-9]+$`, []string{"1.7", "1.10"}, []string{"1.7.1", "2.1"}},
		{"^1.(2|3)$", []string{"1.2", "1.3"}, []string{"1.4"}},
		// precedence: "," binds tighter than "|"
		{"1.5|>1.7,<1.8", []string{"1.5", "1.7.5"}, []string{"1.6", "1.8"}},
		{"(1.5|>1.7),<1.8", []string{"1.5", "1.7.5"}, []string{"1.8", "1.9"}},
		{">=1,<2|>=3,<4", []string{"1.5", "3.5"}, []string{"2.5", "4"}},
		{">=1,(<2|>=3),<4", []string{"1.5", "3.5"}, []string{"2.5", "4", "0.5"}},
		// epochs and locals
		{">=1!0", []string{"1!0.1", "2!0"}, []string{"99.9"}},
		{"<2", []string{"1.9", "2.0a1", "2.0dev"}, []string{"2", "1!1.0"}},
		// "@" specs compare the text
		{"1.0@abc", nil, []string{"1.0"}},
	} {
		t.Run(tc.spec, func(t *testing.T) {
			s := mustSpec(t, tc.spec)
			for _, v := range tc.yes {
				if !s.Match(mustVersion(t, v)) {
					t.Errorf("%q does not match %q", tc.spec, v)
				}
			}
			for _, v := range tc.no {
				if s.Match(mustVersion(t, v)) {
					t.Errorf("%q matches %q", tc.spec, v)
				}
			}
		})
	}
}

func TestSpecString(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"( (1.5|((1.6|1.7), 1.8), 1.9 |2.0))|2.1", "1.5|(1.6|1.7),1.8,1.9|2.0|2.1"},
		{"1.5|(1.6|1.7),1.8,1.9|2.0|2.1", "1.5|(1.6|1.7),1.8,1.9|2.0|2.1"},
		{"(1.2.3|4.5.6),<=7.8.9", "(1.2.3|4.5.6),<=7.8.9"},
		{"1.2.3,4.5.6|<=7.8.9", "1.2.3,4.5.6|<=7.8.9"},
		{"((1.2.3,4.5.6))|<=7.8.9", "1.2.3,4.5.6|<=7.8.9"},
		{"(a|b)|(c|d)", "a|b|c|d"},
		{"(1,2),(3,4)", "1,2,3,4"},
		{" >=1.2 , <2 ", ">=1.2,<2"},
		{"1.7.1*", "1.7.1.*"},
		{"1.7.1.*", "1.7.1.*"},
		{"1.7.1*,1.8.1.*", "1.7.1.*,1.8.1.*"},
		{"(1.5)", "1.5"},
		{"1**", "=1*"},
		{"=1.2", "=1.2"},
		{">=1.2.*", ">=1.2.*"},
		{"  *  ", "*"},
		{"1.0-1", "1.0-1"},
	} {
		s := mustSpec(t, tc.in)
		if got := s.String(); got != tc.want {
			t.Errorf("ParseVersionSpec(%q).String() = %q, want %q", tc.in, got, tc.want)
		}
		again := mustSpec(t, s.String())
		if again.String() != s.String() {
			t.Errorf("String of %q is not stable: %q then %q", tc.in, s, again)
		}
	}
}

func TestSpecErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, reason string }{
		{"", "empty version spec"},
		{"  ", "empty version spec"},
		{"~", "invalid operator"},
		{"^", "regex specs must start with '^' and end with '$'"},
		{"1.2$", "regex specs must start with '^' and end with '$'"},
		{"^[$", "error parsing regexp: missing closing ]: `[$`"},
		{"1.2+", `invalid version "1.2+": empty version component`},
		{"+1.2", `invalid version "+1.2": missing version before local version separator '+'`},
		{"+1.2+", `invalid version "+1.2+": duplicated local version separator '+'`},
		{"++", `invalid version "++": duplicated local version separator '+'`},
		{"c +, 0/|0 *", `invalid version "c +": invalid character(s)`},
		{"a[version=)|(", `invalid version "a[version=": invalid character(s)`},
		{"a=)(=b", `invalid version "a=": invalid character(s)`},
		{"==", "invalid operator"},
		{"=", "invalid operator"},
		{">=", "invalid operator"},
		{"<=", "invalid operator"},
		{"><2.4.5", "invalid operator"},
		{"!!2.4.5", "invalid operator"},
		{"!", "invalid operator"},
		{"===3.3.2", "invalid operator"},
		{"<>1.2", "invalid operator"},
		{">= 1.2", "invalid operator"},
		{"~=3.3.2.*", "invalid operator with '.*'"},
		{"~=3", "compatible release operator '~=' needs at least two version components"},
		{">=1..2", `invalid version "1..2": empty version component`},
		{"=1.0.*.", `invalid version "1.0.*.": empty version component`},
		{".*", `invalid version "": empty version string`},
		{"(1.5", "missing ')'"},
		{"1.5)", "unexpected ')'"},
		{"1.5||1.6", "unexpected '|'"},
		{"1.5,", "missing expression"},
		{"|1.5", "unexpected '|'"},
		{"()", "unexpected ')'"},
		{"1.0 (2.0)", "unexpected '('"},
		{"1.0 2.0", `invalid version "1.0 2.0": invalid character(s)`},
	} {
		t.Run(tc.in, func(t *testing.T) {
			s, err := ParseVersionSpec(tc.in)
			if err == nil {
				t.Fatalf("ParseVersionSpec(%q) = %q, want error", tc.in, s)
			}
			if !errors.Is(err, ErrInvalidVersionSpec) {
				t.Errorf("error %v does not wrap ErrInvalidVersionSpec", err)
			}
			want := "invalid version spec " + strconv.Quote(tc.in) + ": " + tc.reason
			if err.Error() != want {
				t.Errorf("error = %q\n want   %q", err, want)
			}
			if strings.HasPrefix(tc.reason, "invalid version ") && !errors.Is(err, ErrInvalidVersion) {
				t.Errorf("error %v does not wrap ErrInvalidVersion", err)
			}
		})
	}
}

func TestSpecZeroAndAny(t *testing.T) {
	t.Parallel()
	var zero VersionSpec
	v := mustVersion(t, "1.0")
	if !zero.IsAny() || zero.String() != "*" || !zero.Match(v) || !zero.Match(Version{}) {
		t.Errorf("zero VersionSpec: IsAny %v String %q", zero.IsAny(), zero)
	}
	for _, tc := range []struct {
		spec       string
		any, exact bool
	}{
		{"*", true, false},
		{" * ", true, false},
		{"1.2", false, true},
		{"==1.2", false, true},
		{"=1.2", false, false},
		{"1.2.*", false, false},
		{">=0|<0", false, false},
		{"1.2|1.3", false, false},
	} {
		s := mustSpec(t, tc.spec)
		if s.IsAny() != tc.any || s.IsExact() != tc.exact {
			t.Errorf("%q: IsAny %v IsExact %v, want %v %v", tc.spec, s.IsAny(), s.IsExact(), tc.any, tc.exact)
		}
	}
	if mustSpec(t, ">=0").Match(Version{}) {
		t.Error(`">=0" matches the zero Version`)
	}
}

func TestSpecText(t *testing.T) {
	t.Parallel()
	var s VersionSpec
	if err := s.UnmarshalText([]byte(" >=1.2 , <2 ")); err != nil {
		t.Fatal(err)
	}
	out, _ := s.MarshalText()
	if string(out) != ">=1.2,<2" {
		t.Errorf("MarshalText = %q", out)
	}
	if err := s.UnmarshalText([]byte(">=")); !errors.Is(err, ErrInvalidVersionSpec) {
		t.Errorf("UnmarshalText(>=): %v", err)
	}
	if s.String() != ">=1.2,<2" {
		t.Errorf("failed UnmarshalText changed the value to %q", s)
	}
}

func TestSpecMatchDoesNotAllocate(t *testing.T) {
	s := mustSpec(t, ">=1.2,<2|3.*|~=4.1|1.*.7")
	v := mustVersion(t, "4.5.1")
	if n := testing.AllocsPerRun(100, func() { _ = s.Match(v) }); n != 0 {
		t.Errorf("Match allocates %v times per run", n)
	}
}

// specProbe is a set of versions to compare two specs on.
var specProbe = []string{"0", "1", "1.0", "1.2", "1.2.0", "1.2.3", "1.2.3rc1", "1.2.3.post1", "1.3",
	"2", "2.0a1", "1!1.0", "1.2+local", "1.2.3+4.5", "3.3.1", "1.0dev", "1.1_", "1.2*"}

func FuzzParseVersionSpec(f *testing.F) {
	for _, s := range []string{"1.2", ">=1.2,<2|3.*", "(1.5|1.6),1.7", "=1.2", "~=1.2.3", "!=1.2.*",
		"1.*.3", `^1\.2$`, "*", "1**", ">=1.2.*", "1.0@x", "((1|2),3)|4", "", "(", "^[$"} {
		f.Add(s)
	}
	var probe []Version
	for _, s := range specProbe {
		probe = append(probe, mustVersion(f, s))
	}
	f.Fuzz(func(t *testing.T, in string) {
		s, err := ParseVersionSpec(in)
		if err != nil {
			if s.n != nil {
				t.Fatalf("ParseVersionSpec(%q) returned a value with error %v", in, err)
			}
			if !errors.Is(err, ErrInvalidVersionSpec) || !strings.Contains(err.Error(), strconv.Quote(in)) {
				t.Fatalf("ParseVersionSpec(%q): error %q does not wrap ErrInvalidVersionSpec or quote the input", in, err)
			}
			return
		}
		again, err := ParseVersionSpec(s.String())
		if err != nil {
			t.Fatalf("ParseVersionSpec(%q) = %q, which does not parse: %v", in, s, err)
		}
		if again.String() != s.String() {
			t.Fatalf("ParseVersionSpec(%q): String %q reparses as %q", in, s, again)
		}
		if again.IsAny() != s.IsAny() || again.IsExact() != s.IsExact() {
			t.Fatalf("ParseVersionSpec(%q): IsAny/IsExact change through %q", in, s)
		}
		for _, v := range probe {
			if s.Match(v) != again.Match(v) {
				t.Fatalf("ParseVersionSpec(%q) and its String %q disagree on %q", in, s, v)
			}
		}
	})
}

func BenchmarkSpecMatch(b *testing.B) {
	specs := []VersionSpec{
		mustSpec(b, ">=1.21,<2.0a0"),
		mustSpec(b, "1.21.*"),
		mustSpec(b, ">=3.10,<3.11.0a0|3.12.*"),
		mustSpec(b, "~=1.21.0"),
	}
	vs := []Version{mustVersion(b, "1.21.5"), mustVersion(b, "1.26.4"), mustVersion(b, "3.11.8"), mustVersion(b, "2.0.0rc1")}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		_ = specs[i&3].Match(vs[(i>>2)&3])
	}
}

func BenchmarkParseVersionSpec(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseVersionSpec(">=1.21,<2.0a0|3.*"); err != nil {
			b.Fatal(err)
		}
	}
}

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

// TestDependsSpecsGolden parses the version field of every depends and
// constrains entry found in real repodata, and records its canonical text
// and how many of a sample of real versions it matches in
// testdata/depends_specs.golden (go test -run Golden -update rewrites it).
func TestDependsSpecsGolden(t *testing.T) {
	t.Parallel()
	specs := corpusLines(t, "depends_specs.txt")
	var sample []Version
	for i, s := range corpusLines(t, "versions.txt") {
		if i%20 == 0 {
			sample = append(sample, mustVersion(t, s))
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# spec\tcanonical\tmatches among %d versions (every 20th line of versions.txt)\n", len(sample))
	for _, in := range specs {
		s, err := ParseVersionSpec(in)
		if err != nil {
			t.Errorf("real spec does not parse: %v", err)
			fmt.Fprintf(&b, "%s\terror: %v\n", in, err)
			continue
		}
		n := 0
		for _, v := range sample {
			if s.Match(v) {
				n++
			}
		}
		fmt.Fprintf(&b, "%s\t%s\t%d\n", in, s, n)
	}
	golden := filepath.Join("testdata", "depends_specs.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got := b.String(); got != string(want) {
		gl, wl := strings.Split(got, "\n"), strings.Split(string(want), "\n")
		for i := 0; i < min(len(gl), len(wl)); i++ {
			if gl[i] != wl[i] {
				t.Fatalf("%s line %d:\n got  %q\n want %q", golden, i+1, gl[i], wl[i])
			}
		}
		t.Fatalf("%s: got %d lines, want %d", golden, len(gl), len(wl))
	}
}
