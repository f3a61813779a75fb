//go:build linux || darwin

package cmdutil

import (
	"testing"

	"github.com/creack/pty"
)

// TestFancyOnATerminal: a pseudo-terminal is a terminal, and fancy unless
// NO_COLOR (non-empty) or TERM=dumb says otherwise.
func TestFancyOnATerminal(t *testing.T) {
	ptm, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminal here: %v", err)
	}
	defer ptm.Close()
	defer tty.Close()
	if !Terminal(tty) {
		t.Fatal("a pseudo-terminal is not counted as a terminal")
	}
	for _, tc := range []struct {
		environ []string
		want    bool
	}{
		{[]string{"TERM=xterm"}, true},
		{[]string{"TERM=xterm", "NO_COLOR="}, true},
		{[]string{"TERM=xterm", "NO_COLOR=1"}, false},
		{[]string{"TERM=dumb"}, false},
	} {
		if got := Fancy(tty, tc.environ); got != tc.want {
			t.Errorf("Fancy(%q) = %v, want %v", tc.environ, got, tc.want)
		}
	}
}
