package pip

import (
	"strings"
	"testing"
)

func TestPylockEntry(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		lines   []string
		path    string
		ok      bool
		wantErr string
	}{
		{"none", []string{"requests", "-r requirements.txt"}, "", false, ""},
		{"empty", nil, "", false, ""},
		{"space", []string{"--pylock pylock.toml"}, "pylock.toml", true, ""},
		{"equals", []string{"  --pylock=locks/pylock.dev.toml  "}, "locks/pylock.dev.toml", true, ""},
		{"quoted", []string{`--pylock "my lock/pylock.toml"`}, "my lock/pylock.toml", true, ""},
		{"with a comment", []string{"# exact files", "--pylock pylock.toml"}, "pylock.toml", true, ""},
		{"no file", []string{"--pylock"}, "", false, "needs a file"},
		{"empty file", []string{"--pylock=''"}, "", false, "needs a file"},
		{"twice", []string{"--pylock a.toml", "--pylock b.toml"}, "", false, "given twice (a.toml and b.toml)"},
		{"mixed", []string{"--pylock a.toml", "requests"}, "", false, "must be the only entry"},
		{"not the option", []string{"--pylockfile x"}, "", false, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path, ok, err := PylockEntry(tc.lines)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || path != tc.path || ok != tc.ok {
				t.Errorf("PylockEntry = %q, %v, %v; want %q, %v", path, ok, err, tc.path, tc.ok)
			}
		})
	}
}
