package env

import (
	"strings"
	"testing"
)

func TestExcludeNewer(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, yaml string
		want       string
		wantErr    string
	}{
		{"date", "dependencies: [python]\nexclude_newer: 2024-01-01\n", "2024-01-01", ""},
		{"quoted time", "dependencies: [python]\nexclude_newer: \"2024-01-01T12:00:00Z\"\n", "2024-01-01T12:00:00Z", ""},
		{"duration", "dependencies: [python]\nexclude_newer: 7d\n", "7d", ""},
		{"dash spelling", "dependencies: [python]\nexclude-newer: 2w\n", "2w", ""},
		{"seconds", "dependencies: [python]\nexclude_newer: 3600\n", "3600", ""},
		{"null", "dependencies: [python]\nexclude_newer:\n", "", ""},
		{"bad", "dependencies: [python]\nexclude_newer: soon\n", "", "x.yml:2:16: exclude-newer \"soon\""},
		{"list", "dependencies: [python]\nexclude_newer: [7d]\n", "", "x.yml:2:16: exclude_newer must be a duration or a date"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Parse("x.yml", []byte(tc.yaml))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if f.ExcludeNewer != tc.want {
				t.Fatalf("ExcludeNewer = %q, want %q", f.ExcludeNewer, tc.want)
			}
			for _, w := range f.Warnings {
				t.Errorf("warning: %v", w)
			}
			out, err := f.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			back, err := Parse("back.yml", out)
			if err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			if back.ExcludeNewer != tc.want {
				t.Errorf("after Marshal: %q, want %q\n%s", back.ExcludeNewer, tc.want, out)
			}
		})
	}
}
