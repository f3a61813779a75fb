package conda

import "testing"

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
