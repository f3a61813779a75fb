package conda

import (
	"testing"
	"time"
)

func TestParseExcludeNewer(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 6, 13, 58, 6, 500_000_000, time.UTC)
	tests := []struct {
		in   string
		want string // FormatCutoff of the result; "" for an error
	}{
		{"7d", "2026-11-29T13:58:06Z"},
		{"2w", "2026-11-22T13:58:06Z"},
		{"36h", "2026-12-05T01:58:06Z"},
		{"3d12h", "2026-12-03T01:58:06Z"},
		{"1w 2d", "2026-11-27T13:58:06Z"},
		{"90M", "2026-12-06T12:28:06Z"},
		{"P7D", "2026-11-29T13:58:06Z"},
		{"p1wt2h", "2026-11-29T11:58:06Z"},
		{"PT36H", "2026-12-05T01:58:06Z"},
		{"0", "2026-12-06T13:58:06Z"},
		{"86400", "2026-12-05T13:58:06Z"},
		{"2026-04-01", "2026-04-02T00:00:00Z"},
		{"2024-02-29", "2024-03-01T00:00:00Z"},
		{" 2026-04-01T12:00:00Z ", "2026-04-01T12:00:00Z"},
		{"2026-04-01T12:00:00+02:00", "2026-04-01T10:00:00Z"},
		{"2026-04-01T12:00:00.25Z", "2026-04-01T12:00:00.25Z"},
		{"2026-04-01 12:00:00", "2026-04-01T12:00:00Z"},
		{"2026-04-01T12:00", "2026-04-01T12:00:00Z"},
		{"2026-04-01t12:00:00z", ""},
		{"", ""},
		{"-7d", ""},
		{"-5", ""},
		{"7x", ""},
		{"d", ""},
		{"P", ""},
		{"PT", ""},
		{"P1D1W", ""},
		{"P1Y", ""},
		{"99999999999w", ""},
		{"2026-13-01", ""},
		{"20260401", "2026-12-06T13:58:06Z"}, // a plain number is seconds, as in conda
		{"yesterday", ""},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseExcludeNewer(tc.in, now)
			if tc.want == "" {
				if err == nil {
					t.Fatalf("ParseExcludeNewer(%q) = %s, want an error", tc.in, FormatCutoff(got))
				}
				return
			}
			if tc.in == "20260401" {
				// 20,260,401 s is about 234 days.
				tc.want = FormatCutoff(now.Add(-20260401 * time.Second).Truncate(time.Second))
			}
			if err != nil {
				t.Fatalf("ParseExcludeNewer(%q): %v", tc.in, err)
			}
			if s := FormatCutoff(got); s != tc.want {
				t.Errorf("ParseExcludeNewer(%q) = %s, want %s", tc.in, s, tc.want)
			}
			if got.Location() != time.UTC {
				t.Errorf("location %v, want UTC", got.Location())
			}
			// The written form reads back as the same instant.
			back, err := ParseExcludeNewer(FormatCutoff(got), now)
			if err != nil || !back.Equal(got) {
				t.Errorf("round trip of %s: %v, %v", FormatCutoff(got), back, err)
			}
		})
	}
}

func TestIsRelativeCutoff(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]bool{"7d": true, " 2w ": true, "P1D": true, "0": true, "2026-04-01": false, "2026-04-01T00:00:00Z": false, "": false, "-7d": false, "soon": false} {
		if got := IsRelativeCutoff(s); got != want {
			t.Errorf("IsRelativeCutoff(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestPublishedAfter(t *testing.T) {
	t.Parallel()
	cut := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	ms := cut.UnixMilli()
	tests := []struct {
		name string
		ts   int64
		cut  time.Time
		want bool
	}{
		{"no timestamp is kept (conda's rule)", 0, cut, false},
		{"older", ms - 1, cut, false},
		{"exactly at the cut-off is kept", ms, cut, false},
		{"newer", ms + 1, cut, true},
		{"no cut-off", ms + 1, time.Time{}, false},
		{"sub-millisecond cut-off", ms + 1, cut.Add(500 * time.Microsecond), true},
		{"sub-millisecond cut-off keeps the millisecond before", ms, cut.Add(500 * time.Microsecond), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := &Record{Name: "x", Timestamp: tc.ts}
			if got := r.PublishedAfter(tc.cut); got != tc.want {
				t.Errorf("PublishedAfter = %v, want %v", got, tc.want)
			}
		})
	}
}

func FuzzParseExcludeNewer(f *testing.F) {
	for _, s := range []string{"7d", "2w", "36h", "P1WT2H", "0", "2026-04-01", "2026-04-01T12:00:00Z", "2026-04-01 12:00", "1w 2d"} {
		f.Add(s)
	}
	now := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseExcludeNewer(s, now)
		if err != nil {
			if !got.IsZero() {
				t.Fatalf("error with a non-zero time: %v", got)
			}
			return
		}
		back, err := ParseExcludeNewer(FormatCutoff(got), now)
		if err != nil || !back.Equal(got) {
			t.Fatalf("%q -> %s does not read back: %v %v", s, FormatCutoff(got), back, err)
		}
	})
}
