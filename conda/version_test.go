package conda

import (
	"bufio"
	"encoding/json"
	"errors"
	"math/rand"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func mustVersion(t testing.TB, s string) Version {
	t.Helper()
	v, err := ParseVersion(s)
	if err != nil {
		t.Fatalf("ParseVersion(%q): %v", s, err)
	}
	return v
}

// pyRepr renders the main version (epoch first) the way Python prints
// conda's VersionOrder.version, the format of testdata/parsed_versions.txt.
func pyRepr(s seq) string {
	var b strings.Builder
	b.WriteByte('[')
	for i := 0; i < s.len(); i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('[')
		for j, a := range s.comp(i) {
			if j > 0 {
				b.WriteString(", ")
			}
			switch a.kind {
			case atomNum:
				b.WriteString(strconv.FormatUint(a.n, 10))
			case atomBig:
				b.WriteString(a.s)
			case atomPost:
				b.WriteString("inf")
			case atomStr:
				b.WriteString("'" + a.s + "'")
			}
		}
		b.WriteByte(']')
	}
	b.WriteByte(']')
	return b.String()
}

// TestVersionOrderDocstring checks the order listed in conda's VersionOrder
// docstring. Each group holds versions that compare equal; groups ascend.
func TestVersionOrderDocstring(t *testing.T) {
	t.Parallel()
	groups := [][]string{
		{"0.4", "0.4.0"},
		{"0.4.1.rc", "0.4.1.RC"},
		{"0.4.1"},
		{"0.5a1"},
		{"0.5b3"},
		{"0.5C1"},
		{"0.5"},
		{"0.9.6"},
		{"0.960923"},
		{"1.0"},
		{"1.1dev1"},
		{"1.1_"},
		{"1.1a1"},
		{"1.1.0dev1", "1.1.dev1"},
		{"1.1.a1"},
		{"1.1.0rc1"},
		{"1.1.0", "1.1"},
		{"1.1.0post1", "1.1.post1"},
		{"1.1post1"},
		{"1996.07.12"},
		{"1!0.4.1"},
		{"1!3.1.1.6"},
		{"2!0.4.1"},
	}
	checkGroups(t, groups)
}

func checkGroups(t *testing.T, groups [][]string) {
	t.Helper()
	var flat []Version
	var group []int
	for gi, g := range groups {
		for _, s := range g {
			flat = append(flat, mustVersion(t, s))
			group = append(group, gi)
		}
	}
	for i := range flat {
		for j := range flat {
			want := 0
			switch {
			case group[i] < group[j]:
				want = -1
			case group[i] > group[j]:
				want = 1
			}
			if got := flat[i].Compare(flat[j]); got != want {
				t.Errorf("Compare(%q, %q) = %d, want %d", flat[i], flat[j], got, want)
			}
			if got := flat[i].Equal(flat[j]); got != (want == 0) {
				t.Errorf("Equal(%q, %q) = %v, want %v", flat[i], flat[j], got, want == 0)
			}
		}
	}
}

// TestVersionOrderConda checks the sorted lists from conda's own tests
// (test_version_order, test_openssl_convention, test_pep440, test_hexrd).
func TestVersionOrderConda(t *testing.T) {
	t.Parallel()
	lists := map[string][]string{
		"version_order": {"0.4", "0.4.1a.vc11", "0.4.1.rc", "0.4.1.vc11", "0.4.1", "0.5*", "0.5a1",
			"0.5b3", "0.5C1", "0.5z", "0.5za", "0.5", "0.5_5", "0.9.6", "0.960923", "1.0", "1.0.4a3",
			"1.0.4b1", "1.0.4", "1.1dev1", "1.1_", "1.1a1", "1.1.dev1", "1.1.a1", "1.1", "1.1.post1",
			"1.1.1dev1", "1.1.1rc1", "1.1.1", "1.1.1post1", "1.1post1", "2g6", "2.0b1pr0", "2.2be.ta29",
			"2.2be5ta29", "2.2beta29", "2.2.0.1", "3.1.1.6", "3.2.p.r0", "3.2.pr0", "3.2.pr.1",
			"5.5.kw", "11g", "14.3.1", "14.3.1.post26.g9d75ca2", "1996.07.12", "1!0.4.1", "1!3.1.1.6",
			"2!0.4.1"},
		"openssl": {"1.0.1dev", "1.0.1_", "1.0.1a", "1.0.1b", "1.0.1c", "1.0.1d", "1.0.1r", "1.0.1rc",
			"1.0.1rc1", "1.0.1rc2", "1.0.1s", "1.0.1", "1.0.1post.a", "1.0.1post.b", "1.0.1post.z",
			"1.0.1post.za", "1.0.2"},
		"pep440": {"1.0a1", "1.0a2.dev456", "1.0a12.dev456", "1.0a12", "1.0b1.dev456", "1.0b2",
			"1.0b2.post345.dev456", "1.0b2.post345", "1.0c1.dev456", "1.0c1", "1.0c3", "1.0rc2",
			"1.0.dev456", "1.0", "1.0.post456.dev34", "1.0.post456", "1.1.dev1", "1.2.r32+123456",
			"1.2.rev33+123456", "1.2+abc", "1.2+abc123def", "1.2+abc123", "1.2+123abc",
			"1.2+123abc456", "1.2+1234.abc", "1.2+123456", "1!1.0a1", "1!1.0a2.dev456",
			"1!1.0a12.dev456", "1!1.0a12", "1!1.0b1.dev456", "1!1.0b2", "1!1.0b2.post345.dev456",
			"1!1.0b2.post345", "1!1.0c1.dev456", "1!1.0c1", "1!1.0c3", "1!1.0rc2", "1!1.0.dev456",
			"1!1.0", "1!1.0.post456.dev34", "1!1.0.post456", "1!1.1.dev1", "1!1.2.r32+123456",
			"1!1.2.rev33+123456", "1!1.2+abc", "1!1.2+abc123def", "1!1.2+abc123", "1!1.2+123abc",
			"1!1.2+123abc456", "1!1.2+1234.abc", "1!1.2+123456"},
		"hexrd": {"0.3.0.dev", "0.3.3"},
		"big numbers": {"20210928123456789011", "20210928123456789012", "020210928123456789013",
			"99999999999999999999999999", "1!0"},
		"uint64 edge": {"18446744073709551614", "18446744073709551615", "18446744073709551616",
			"18446744073709551617", "18446744073709551617.post"},
		"dev star underscore": {"1.*", "1.dev", "1._", "1.a", "1.0", "1.post"},
	}
	for name, list := range lists {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var groups [][]string
			for _, s := range list {
				groups = append(groups, []string{s})
			}
			checkGroups(t, groups)
			// A shuffled copy sorts back into place.
			vs := make([]Version, len(list))
			for i, s := range list {
				vs[i] = mustVersion(t, s)
			}
			r := rand.New(rand.NewSource(1))
			r.Shuffle(len(vs), func(i, j int) { vs[i], vs[j] = vs[j], vs[i] })
			slices.SortFunc(vs, Version.Compare)
			for i, v := range vs {
				if v.String() != list[i] {
					t.Fatalf("sorted[%d] = %q, want %q", i, v, list[i])
				}
			}
		})
	}
}

func TestVersionEqual(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ a, b string }{
		{"0.4.1.rc", "  0.4.1.RC  "},
		{"0.4.rc", "0.4.RC"},
		{"0.4", "0.4.0"},
		{"0.4.a1", "0.4.0a1"},
		{"1.1", "1.1.0.0.0"},
		{"1.0", "0!1.0"},
		{"1.0", "00!1.0"},
		{"1.0+0", "1.0"},
		{"1.0-1", "1.0_1"},
		{"1.0-1", "1.0.1"},
		{"007", "7"},
		{"1.0post1", "1.0POST1"},
		{"000000000000000000000000000001", "1"},
	} {
		a, b := mustVersion(t, tc.a), mustVersion(t, tc.b)
		if !a.Equal(b) || a.Compare(b) != 0 || b.Compare(a) != 0 {
			t.Errorf("%q and %q: Compare = %d, want equal", tc.a, tc.b, a.Compare(b))
		}
	}
	for _, tc := range []struct{ a, b string }{
		{"0.4", "0.4.1"},
		{"0.4.a1", "0.4.1a1"},
		{"1.0+abc", "1.0"},
		{"1.0dev", "1.0devel"},
	} {
		a, b := mustVersion(t, tc.a), mustVersion(t, tc.b)
		if a.Equal(b) {
			t.Errorf("%q and %q compare equal", tc.a, tc.b)
		}
	}
}

func TestParseVersion(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in, str, canon, main, local string
	}{
		{"1.2g.beta15.rc", "1.2g.beta15.rc", "1.2g.beta15.rc", "[[0], [1], [2, 'g'], [0, 'beta', 15], [0, 'rc']]", "[]"},
		{"1!2.15.1_ALPHA", "1!2.15.1_ALPHA", "1!2.15.1_alpha", "[[1], [2], [15], [1], [0, 'alpha']]", "[]"},
		{"  1.0-rc1 ", "1.0-rc1", "1.0_rc1", "[[0], [1], [0], [0, 'rc', 1]]", "[]"},
		{"1.1_", "1.1_", "1.1_", "[[0], [1], [1, '_']]", "[]"},
		{"1._", "1._", "1._", "[[0], [1], [0, '_']]", "[]"},
		{"_", "_", "_", "[[0], [0, '_']]", "[]"},
		{"1.0.1__", "1.0.1__", "1.0.1__", "[[0], [1], [0], [1], [0, '_']]", "[]"},
		{"0.5*", "0.5*", "0.5*", "[[0], [0], [5, '*']]", "[]"},
		{"1.0**a", "1.0**a", "1.0**a", "[[0], [1], [0, '**', 'a']]", "[]"},
		{"1.0.dev2", "1.0.dev2", "1.0.dev2", "[[0], [1], [0], [0, 'DEV', 2]]", "[]"},
		{"1.0.devel", "1.0.devel", "1.0.devel", "[[0], [1], [0], [0, 'devel']]", "[]"},
		{"1.0post", "1.0post", "1.0post", "[[0], [1], [0, inf]]", "[]"},
		{"2.4.3+9.6_3", "2.4.3+9.6_3", "2.4.3+9.6_3", "[[0], [2], [4], [3]]", "[[9], [6], [3]]"},
		{"1.0+abc.5x", "1.0+abc.5x", "1.0+abc.5x", "[[0], [1], [0]]", "[[0, 'abc'], [5, 'x']]"},
		{"123456789012345678901234567890", "123456789012345678901234567890", "123456789012345678901234567890", "[[0], [123456789012345678901234567890]]", "[]"},
		{"99999999999999999999!1", "99999999999999999999!1", "99999999999999999999!1", "[[99999999999999999999], [1]]", "[]"},
		{"\u212a1", "\u212a1", "k1", "[[0], [0, 'k', 1]]", "[]"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			v := mustVersion(t, tc.in)
			if got := v.String(); got != tc.str {
				t.Errorf("String = %q, want %q", got, tc.str)
			}
			if got := v.Canonical(); got != tc.canon {
				t.Errorf("Canonical = %q, want %q", got, tc.canon)
			}
			if got := pyRepr(v.d.main); got != tc.main {
				t.Errorf("main = %s, want %s", got, tc.main)
			}
			if got := pyRepr(v.d.local); got != tc.local {
				t.Errorf("local = %s, want %s", got, tc.local)
			}
			if v.IsZero() {
				t.Error("IsZero = true for a parsed version")
			}
		})
	}
}

func TestParseVersionErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, reason string }{
		{"", "empty version string"},
		{"   ", "empty version string"},
		{"3.5&1", "invalid character(s)"},
		{"1.0-1_2", "invalid character(s)"},
		{"1.0 1", "invalid character(s)"},
		{"1.0é", "invalid character(s)"},
		{"5.5++", "duplicated local version separator '+'"},
		{"1+2+3", "duplicated local version separator '+'"},
		{"5.5..mw", "empty version component"},
		{"1..2", "empty version component"},
		{".1", "empty version component"},
		{"1.", "empty version component"},
		{"_1", "empty version component"},
		{"1.2+", "empty version component"},
		{"1.2+a_", "empty version component"},
		{"!", "epoch must be an integer"},
		{"a!1.0", "epoch must be an integer"},
		{"!1.0", "epoch must be an integer"},
		{"a!b!1.0", "duplicated epoch separator '!'"},
		{"1!2!3", "duplicated epoch separator '!'"},
		{"1!", "missing version after epoch separator '!'"},
		{"+1.2", "missing version before local version separator '+'"},
		{"+1.2+", "duplicated local version separator '+'"},
		{"++", "duplicated local version separator '+'"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			v, err := ParseVersion(tc.in)
			if err == nil {
				t.Fatalf("ParseVersion(%q) = %q, want error", tc.in, v)
			}
			if !v.IsZero() {
				t.Errorf("ParseVersion(%q) returned a non-zero version with its error", tc.in)
			}
			if !errors.Is(err, ErrInvalidVersion) {
				t.Errorf("error %v does not wrap ErrInvalidVersion", err)
			}
			want := "invalid version " + strconv.Quote(tc.in) + ": " + tc.reason
			if err.Error() != want {
				t.Errorf("error = %q, want %q", err, want)
			}
		})
	}
}

func TestStartsWith(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		v, prefix string
		want      bool
	}{
		{"0.4.1", "0", true},
		{"0.4.1", "0.4", true},
		{"0.4.1p1", "0.4", true},
		{"0.4.1p1", "0.4.1p", true},
		{"0.4.1p1", "0.4.1q1", false},
		{"0.4", "0.4.1", false},
		{"0.4.1+1.3", "0.4.1", true},
		{"0.4.1+1.3", "0.4.1+1", true},
		{"0.4.1", "0.4.1+1.3", false},
		{"0.4.1+1", "0.4.1+1.3", false},
		{"1.20", "1.2", false},
		{"1.2", "1.2.0", true},
		{"1.2rc1", "1.2r", true},
		{"1.2", "1.2r", false},
		{"1.2.0.1", "1.2", true},
		{"1!1.2", "1.2", false},
		{"1!1.2", "1!1", true},
		{"1.0devel", "1.0dev", false}, // "DEV" is not a prefix of "devel"
		{"1.0dev1", "1.0dev", true},
		{"1.0.post1", "1.0.post", true},
		{"2013ab", "2013a", true},
		{"2013a", "2013b", false},
	} {
		v, p := mustVersion(t, tc.v), mustVersion(t, tc.prefix)
		if got := v.StartsWith(p); got != tc.want {
			t.Errorf("%q.StartsWith(%q) = %v, want %v", tc.v, tc.prefix, got, tc.want)
		}
	}
	var zero Version
	if zero.StartsWith(mustVersion(t, "1")) || mustVersion(t, "1").StartsWith(zero) {
		t.Error("StartsWith with a zero Version reported true")
	}
}

func TestVersionZero(t *testing.T) {
	t.Parallel()
	var zero Version
	one := mustVersion(t, "0")
	if !zero.IsZero() || zero.String() != "" || zero.Canonical() != "" {
		t.Errorf("zero Version: IsZero %v, String %q, Canonical %q", zero.IsZero(), zero, zero.Canonical())
	}
	if zero.Compare(one) != -1 || one.Compare(zero) != 1 || zero.Compare(Version{}) != 0 {
		t.Error("zero Version does not sort first")
	}
}

func TestVersionText(t *testing.T) {
	t.Parallel()
	type doc struct {
		V Version `json:"v"`
	}
	var d doc
	if err := json.Unmarshal([]byte(`{"v":"1.2.3RC1"}`), &d); err != nil {
		t.Fatal(err)
	}
	if d.V.String() != "1.2.3RC1" || !d.V.Equal(mustVersion(t, "1.2.3rc1")) {
		t.Errorf("unmarshalled %q", d.V)
	}
	out, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != `{"v":"1.2.3RC1"}` {
		t.Errorf("marshalled %s", out)
	}
	if err := json.Unmarshal([]byte(`{"v":"1..2"}`), &d); !errors.Is(err, ErrInvalidVersion) {
		t.Errorf("unmarshal of an invalid version: %v", err)
	}
	if d.V.String() != "1.2.3RC1" {
		t.Errorf("failed unmarshal changed the value to %q", d.V)
	}
}

// corpusLines reads a testdata file, skipping comments and blank lines.
func corpusLines(t *testing.T, name string) []string {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		lines = append(lines, line)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return lines
}

// TestParsedVersionsCorpus checks every line of rattler's
// parsed_versions.txt: conda's VersionOrder(v).version for real versions.
func TestParsedVersionsCorpus(t *testing.T) {
	t.Parallel()
	lines := corpusLines(t, "parsed_versions.txt")
	versions := corpusLines(t, "versions.txt")
	if len(lines) != len(versions) || len(lines) < 28000 {
		t.Fatalf("parsed_versions.txt has %d lines, versions.txt %d", len(lines), len(versions))
	}
	for i, line := range lines {
		in, want, ok := strings.Cut(line, "=")
		if !ok {
			t.Fatalf("parsed_versions.txt: malformed line %q", line)
		}
		if in != versions[i] {
			t.Fatalf("line %d: parsed_versions.txt has %q, versions.txt %q", i+1, in, versions[i])
		}
		v, err := ParseVersion(in)
		if err != nil {
			t.Errorf("ParseVersion(%q): %v", in, err)
			continue
		}
		if got := pyRepr(v.d.main); got != want {
			t.Errorf("ParseVersion(%q) = %s, conda: %s", in, got, want)
		}
	}
}

// pyVal is an element of conda's parsed form as Python holds it.
type pyVal struct {
	str   string
	num   string // decimal digits without leading zeros
	isStr bool
	inf   bool
}

// parsePyRepr reads "[[0], [1, 'a', 2]]" as printed by Python.
func parsePyRepr(t *testing.T, s string) [][]pyVal {
	t.Helper()
	s = strings.TrimSuffix(strings.TrimPrefix(s, "[["), "]]")
	var out [][]pyVal
	for _, comp := range strings.Split(s, "], [") {
		var c []pyVal
		for _, e := range strings.Split(comp, ", ") {
			switch {
			case e == "inf":
				c = append(c, pyVal{inf: true})
			case strings.HasPrefix(e, "'"):
				c = append(c, pyVal{isStr: true, str: strings.Trim(e, "'")})
			default:
				n := strings.TrimLeft(e, "0")
				if n == "" {
					n = "0"
				}
				c = append(c, pyVal{num: n})
			}
		}
		out = append(out, c)
	}
	return out
}

// pyLess is conda's VersionOrder.__lt__ transcribed over the generic parsed
// form, independent of the packed representation Compare uses.
func pyLess(x, y [][]pyVal) bool {
	zero := pyVal{num: "0"}
	for i := 0; i < max(len(x), len(y)); i++ {
		var v1, v2 []pyVal
		if i < len(x) {
			v1 = x[i]
		}
		if i < len(y) {
			v2 = y[i]
		}
		for j := 0; j < max(len(v1), len(v2)); j++ {
			c1, c2 := zero, zero
			if j < len(v1) {
				c1 = v1[j]
			}
			if j < len(v2) {
				c2 = v2[j]
			}
			if c1 == c2 {
				continue
			}
			if c1.isStr != c2.isStr {
				return c1.isStr
			}
			if c1.isStr {
				return c1.str < c2.str
			}
			if c1.inf || c2.inf {
				return c2.inf
			}
			if len(c1.num) != len(c2.num) {
				return len(c1.num) < len(c2.num)
			}
			return c1.num < c2.num
		}
	}
	return false
}

// TestCorpusOrder sorts all 28k corpus versions with Compare and checks the
// order against conda's comparison rules applied to conda's own parse.
// (versions.txt itself is in jq's string order, not version order.)
func TestCorpusOrder(t *testing.T) {
	t.Parallel()
	lines := corpusLines(t, "parsed_versions.txt")
	type item struct {
		v  Version
		py [][]pyVal
	}
	items := make([]item, len(lines))
	for i, line := range lines {
		in, repr, _ := strings.Cut(line, "=")
		items[i] = item{mustVersion(t, in), parsePyRepr(t, repr)}
	}
	slices.SortStableFunc(items, func(a, b item) int { return a.v.Compare(b.v) })
	for i := 1; i < len(items); i++ {
		a, b := items[i-1], items[i]
		if pyLess(b.py, a.py) {
			t.Errorf("sorted %q before %q; conda orders them the other way", a.v, b.v)
		}
		if a.v.Compare(b.v) == 0 && (pyLess(a.py, b.py) || pyLess(b.py, a.py)) {
			t.Errorf("%q and %q compare equal; conda does not", a.v, b.v)
		}
	}
	r := rand.New(rand.NewSource(2))
	for range 200000 {
		a, b := items[r.Intn(len(items))], items[r.Intn(len(items))]
		want := 0
		switch {
		case pyLess(a.py, b.py):
			want = -1
		case pyLess(b.py, a.py):
			want = 1
		}
		if got := a.v.Compare(b.v); got != want {
			t.Fatalf("Compare(%q, %q) = %d, conda: %d", a.v, b.v, got, want)
		}
	}
}

func TestCompareDoesNotAllocate(t *testing.T) {
	a, b := mustVersion(t, "1.2.3rc1+abc.4"), mustVersion(t, "1.2.3rc1+abc.5")
	p := mustVersion(t, "1.2")
	n := testing.AllocsPerRun(100, func() {
		_ = a.Compare(b)
		_ = a.StartsWith(p)
	})
	if n != 0 {
		t.Errorf("Compare and StartsWith allocate %v times per run", n)
	}
}

func FuzzParseVersion(f *testing.F) {
	for _, s := range []string{"1.2.3", "1!2.0+local.1", "1.0-rc1", "1.1_", "0.5*", "1.0.post1.dev2",
		"20210928123456789012", "", "1..2", "a!b", "+", "1.0-1_2", "_"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseVersion(s)
		if err != nil {
			if !v.IsZero() {
				t.Fatalf("ParseVersion(%q) returned a value with error %v", s, err)
			}
			if !errors.Is(err, ErrInvalidVersion) || !strings.Contains(err.Error(), strconv.Quote(s)) {
				t.Fatalf("ParseVersion(%q): error %q does not wrap ErrInvalidVersion or quote the input", s, err)
			}
			return
		}
		for _, text := range []string{v.String(), v.Canonical()} {
			w, err := ParseVersion(text)
			if err != nil {
				t.Fatalf("ParseVersion(%q) ok, reparse of %q: %v", s, text, err)
			}
			if !v.Equal(w) || w.Compare(v) != 0 || !v.StartsWith(w) {
				t.Fatalf("ParseVersion(%q) = %q does not round-trip through %q", s, v, text)
			}
		}
		if w, _ := ParseVersion(v.String()); w.String() != v.String() || w.Canonical() != v.Canonical() {
			t.Fatalf("ParseVersion(%q): String/Canonical not stable", s)
		}
	})
}

func BenchmarkParseVersion(b *testing.B) {
	inputs := []string{"1.2.3", "2024.10.1", "1.0.0rc1", "3.11.4+local.7", "1!2.0.post1.dev3"}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := ParseVersion(inputs[i%len(inputs)]); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCompare(b *testing.B) {
	a, c := mustVersion(b, "1.21.5"), mustVersion(b, "1.21.6rc1")
	b.ReportAllocs()
	for b.Loop() {
		if a.Compare(c) != -1 {
			b.Fatal("wrong order")
		}
	}
}

// BenchmarkSortCorpus sorts the 28k corpus versions.
func BenchmarkSortCorpus(b *testing.B) {
	f, err := os.ReadFile(filepath.Join("testdata", "versions.txt"))
	if err != nil {
		b.Fatal(err)
	}
	var vs []Version
	for _, line := range strings.Split(strings.TrimSpace(string(f)), "\n") {
		vs = append(vs, mustVersion(b, line))
	}
	work := make([]Version, len(vs))
	b.ReportAllocs()
	for b.Loop() {
		copy(work, vs)
		slices.SortFunc(work, Version.Compare)
	}
	b.ReportMetric(float64(len(vs)), "versions/op")
}

// FuzzVersionCompare checks Compare against conda's comparison rules
// applied to the generic parsed form (pyLess), and that it is antisymmetric
// and consistent with StartsWith.
func FuzzVersionCompare(f *testing.F) {
	for _, p := range [][2]string{{"1.0", "1.0.0"}, {"1.1dev1", "1.1_"}, {"1.0+a", "1.0"},
		{"18446744073709551616", "18446744073709551615"}, {"1.0post", "1.0.post"}, {"1!0", "9"}} {
		f.Add(p[0], p[1])
	}
	ref := func(t *testing.T, a, b Version) int {
		for _, pair := range [][2]seq{{a.d.main, b.d.main}, {a.d.local, b.d.local}} {
			x, y := parsePyRepr(t, pyRepr(pair[0])), parsePyRepr(t, pyRepr(pair[1]))
			if pyRepr(pair[0]) == "[]" {
				x = nil
			}
			if pyRepr(pair[1]) == "[]" {
				y = nil
			}
			switch {
			case pyLess(x, y):
				return -1
			case pyLess(y, x):
				return 1
			}
		}
		return 0
	}
	f.Fuzz(func(t *testing.T, sa, sb string) {
		a, errA := ParseVersion(sa)
		b, errB := ParseVersion(sb)
		if errA != nil || errB != nil {
			return
		}
		got := a.Compare(b)
		if want := ref(t, a, b); got != want {
			t.Fatalf("Compare(%q, %q) = %d, conda's rules give %d", sa, sb, got, want)
		}
		if back := b.Compare(a); back != -got {
			t.Fatalf("Compare(%q, %q) = %d but Compare(%q, %q) = %d", sa, sb, got, sb, sa, back)
		}
		if got == 0 && !a.StartsWith(b) {
			t.Fatalf("%q equals %q but does not start with it", sa, sb)
		}
	})
}
