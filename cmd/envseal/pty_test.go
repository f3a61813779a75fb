//go:build linux || darwin

package main

import (
	"bytes"
	"io"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/creack/pty"
)

// TestTerminalOutput runs a create on a pseudo-terminal, as a person sees
// it: the plan's download total and the bar's total are the same number in
// the same unit, and the closing hint uses the user's own -n NAME. The same
// create into a pipe shows no bar and no hint.
func TestTerminalOutput(t *testing.T) {
	ch := fixtureChannel(t)
	bin := buildEnvseal(t)
	p := newProc(t, bin, filepath.Join(t.TempDir(), "root"))
	cmd := p.command("create", "-n", "tty", "--override-channels", "-c", ch, "python=3.10", "pip")
	cmd.Env = append(cmd.Env, "TERM=xterm")
	f, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 40, Cols: 120})
	if err != nil {
		t.Skipf("no pseudo-terminal here: %v", err)
	}
	var buf bytes.Buffer
	io.Copy(&buf, f) // ends with EIO when the child exits
	f.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("create on a terminal: %v\n%s", err, buf.String())
	}
	out := strings.ReplaceAll(buf.String(), "\r", "\n")
	plan := regexp.MustCompile(`(\d+) packages, ([0-9.]+ [kMG]?B) to download`).FindStringSubmatch(out)
	if plan == nil {
		t.Fatalf("no plan total in:\n%s", out)
	}
	bars := regexp.MustCompile(`Total \d+/\d+.*?([0-9.]+ [kMG]?B) / ([0-9.]+ [kMG]?B)`).FindAllStringSubmatch(out, -1)
	if len(bars) == 0 {
		t.Fatalf("no download bar on the terminal:\n%s", out)
	}
	if last := bars[len(bars)-1]; last[2] != plan[2] || last[1] != last[2] {
		t.Errorf("plan says %s to download, the bar ended at %s / %s", plan[2], last[1], last[2])
	}
	if !strings.Contains(out, "envseal run -n tty -- COMMAND") {
		t.Errorf("the hint does not use -n tty:\n%s", out)
	}

	piped := p.command("create", "-n", "piped", "--override-channels", "-c", ch, "python=3.10", "pip")
	pout, err := piped.CombinedOutput()
	if err != nil {
		t.Fatalf("create into a pipe: %v\n%s", err, pout)
	}
	if strings.Contains(string(pout), "Total ") || strings.Contains(string(pout), "Run a command in it") || strings.Contains(string(pout), "\x1b[") {
		t.Errorf("bars, hints or escapes went into a pipe:\n%s", pout)
	}
}
