package lockfile

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestCutoffRoundTrip(t *testing.T) {
	t.Parallel()
	l, err := ReadFile(filepath.Join("testdata", "golden", "envseal-cutoff.in"), DecodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := time.Date(2024, 10, 4, 0, 0, 0, 0, time.UTC)
	if !l.Metadata.ExcludeNewer.Equal(want) {
		t.Fatalf("metadata cut-off %v, want %v", l.Metadata.ExcludeNewer, want)
	}
	if in := l.Metadata.Inputs["linux-64"]; in == nil || !in.ExcludeNewer.Equal(want) {
		t.Fatalf("inputs cut-off %+v, want %v", in, want)
	}
	tests := []struct {
		format  Format
		carries bool
	}{
		{FormatEnvseal, true},
		{FormatPixi, true},
		{FormatCondaLock, false},
		{FormatExplicit, false},
	}
	for _, tc := range tests {
		t.Run(tc.format.String(), func(t *testing.T) {
			data, err := Encode(l, tc.format, EncodeOptions{})
			if err != nil {
				t.Fatal(err)
			}
			back, err := Decode(data, DecodeOptions{Format: tc.format})
			if err != nil {
				t.Fatal(err)
			}
			warns := EncodeWarnings(l, tc.format, EncodeOptions{})
			if tc.carries {
				if !back.Metadata.ExcludeNewer.Equal(want) {
					t.Errorf("cut-off after a round trip: %v, want %v", back.Metadata.ExcludeNewer, want)
				}
				if len(warns) != 0 {
					t.Errorf("warnings %q for a format that carries the cut-off", warns)
				}
				return
			}
			if !back.Metadata.ExcludeNewer.IsZero() {
				t.Errorf("cut-off %v read from a format that cannot carry it", back.Metadata.ExcludeNewer)
			}
			if len(warns) != 1 || !strings.Contains(warns[0], "2024-10-04T00:00:00Z") || !strings.Contains(warns[0], tc.format.String()) {
				t.Errorf("warnings %q, want one naming %s and the cut-off", warns, tc.format)
			}
		})
	}
	if w := EncodeWarnings(New(), FormatCondaLock, EncodeOptions{}); len(w) != 0 {
		t.Errorf("warnings %q for a lock without a cut-off", w)
	}
}

func TestCutoffInputs(t *testing.T) {
	t.Parallel()
	base := Inputs{Platform: "linux-64", Specs: []string{"python"}, Channels: []string{"conda-forge"}, ChannelPriority: "strict"}
	cut := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	with := base
	with.ExcludeNewer = cut
	// The same instant in another zone is the same input.
	other := base
	other.ExcludeNewer = cut.In(time.FixedZone("x", 3600))
	later := base
	later.ExcludeNewer = cut.Add(24 * time.Hour)

	if ContentHash(base) == ContentHash(with) {
		t.Error("the cut-off does not change the content hash")
	}
	if ContentHash(with) != ContentHash(other) {
		t.Error("the same cut-off in another zone changes the hash")
	}

	l := New()
	l.SetRecords("linux-64", nil)
	l.SetInputs(with)
	if s := l.Stale(other); len(s) != 0 {
		t.Errorf("stale with the same cut-off: %q", s)
	}
	for _, tc := range []struct {
		in   Inputs
		want string
	}{
		{later, "linux-64: exclude-newer cut-off: was 2025-01-01T00:00:00Z, now 2025-01-02T00:00:00Z"},
		{base, "linux-64: exclude-newer cut-off: was 2025-01-01T00:00:00Z, now none"},
	} {
		s := l.Stale(tc.in)
		if len(s) != 1 || s[0] != tc.want {
			t.Errorf("Stale = %q, want [%q]", s, tc.want)
		}
	}
	l2 := New()
	l2.SetRecords("linux-64", nil)
	l2.SetInputs(base)
	if s := l2.Stale(with); len(s) != 1 || !strings.Contains(s[0], "was none, now 2025-01-01T00:00:00Z") {
		t.Errorf("Stale = %q", s)
	}
	// Survives the envseal.lock encoding.
	data, err := Marshal(l)
	if err != nil {
		t.Fatal(err)
	}
	back, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	if s := back.Stale(with); len(s) != 0 {
		t.Errorf("stale after a round trip: %q", s)
	}
}

func TestCutoffBadValue(t *testing.T) {
	t.Parallel()
	data := []byte("version: 1\nmetadata:\n  platforms: [linux-64]\n  exclude_newer: yesterday\npackages: {}\n")
	_, err := Parse(data)
	if err == nil || !strings.Contains(err.Error(), "metadata.exclude_newer") || !strings.Contains(err.Error(), "line 4") {
		t.Errorf("error %v, want one naming metadata.exclude_newer at line 4", err)
	}
}

func TestCutoffSpanRoundTrip(t *testing.T) {
	t.Parallel()
	l := New()
	l.SetRecords("linux-64", nil)
	l.Metadata.ExcludeNewer = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	l.Metadata.ExcludeNewerSpan = "7d"
	data, err := Marshal(l)
	if err != nil {
		t.Fatal(err)
	}
	back, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	if back.Metadata.ExcludeNewerSpan != "7d" || !back.Metadata.ExcludeNewer.Equal(l.Metadata.ExcludeNewer) {
		t.Errorf("read back %q %v:\n%s", back.Metadata.ExcludeNewerSpan, back.Metadata.ExcludeNewer, data)
	}
}
