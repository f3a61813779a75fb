package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/envseal/envseal/lockfile"
)

// twoYearChannel writes a linux-64 channel whose records span 2024 and
// 2025: app 1.0 … 1.23 released monthly, each needing lib at least as new
// as its quarter's lib, lib 1.0 … 1.7 released quarterly, and tool 0.1
// with no timestamp (never hidden, conda's rule). grown adds records
// from 2026, published after every cut-off the tests use.
func twoYearChannel(t *testing.T, dir string, grown bool) {
	t.Helper()
	pkgs := map[string]any{}
	add := func(name, version string, ts time.Time, depends ...string) {
		rec := map[string]any{"name": name, "version": version, "build": "h0_0", "build_number": 0,
			"depends": append([]string{}, depends...), "subdir": "linux-64", "size": 100}
		if !ts.IsZero() {
			rec["timestamp"] = ts.UnixMilli()
		}
		pkgs[fmt.Sprintf("%s-%s-h0_0.tar.bz2", name, version)] = rec
	}
	start := time.Date(2024, 1, 15, 12, 0, 0, 0, time.UTC)
	for m := 0; m < 24; m++ {
		add("app", fmt.Sprintf("1.%d", m), start.AddDate(0, m, 0), fmt.Sprintf("lib >=1.%d", m/3))
	}
	for q := 0; q < 8; q++ {
		add("lib", fmt.Sprintf("1.%d", q), start.AddDate(0, 3*q, -1))
	}
	add("tool", "0.1", time.Time{})
	add("plugin", "1.0", start.AddDate(0, 2, 0), "lib >=1.6")
	if grown {
		add("app", "2.0", time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), "lib >=2")
		add("lib", "2.0", time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC))
		add("app", "1.5.1", time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC), "lib")
	}
	data, err := json.MarshalIndent(map[string]any{"info": map[string]any{"subdir": "linux-64"}, "packages": pkgs}, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	for _, sub := range []string{"linux-64", "noarch"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "linux-64", "repodata.json"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "noarch", "repodata.json"), []byte(`{"info":{"subdir":"noarch"},"packages":{}}`), 0o644); err != nil {
		t.Fatal(err)
	}
}

func lockedDists(t *testing.T, path string) string {
	t.Helper()
	l, err := lockfile.ReadFile(path, lockfile.DecodeOptions{Filename: path})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range l.Records("linux-64") {
		got = append(got, r.DistName())
	}
	return strings.Join(got, " ")
}

func TestExcludeNewerLock(t *testing.T) {
	ch := t.TempDir()
	twoYearChannel(t, ch, false)
	dir, yml, _ := lockProject(t, ch, "  - app\n  - tool\n")
	e := newCLI(t)
	lockArgs := func(out, cut string) []string {
		args := []string{"lock", "-q", "--no-pip", "--override-channels", "-f", yml, "-o", out, "--platform", "linux-64"}
		if cut != "" {
			args = append(args, "--exclude-newer", cut)
		}
		return args
	}
	tests := []struct {
		cut, want, recorded string
	}{
		{"2024-06-30", "app-1.5-h0_0 lib-1.1-h0_0 tool-0.1-h0_0", "2024-07-01T00:00:00Z"},
		{"2025-06-30T00:00:00+02:00", "app-1.17-h0_0 lib-1.5-h0_0 tool-0.1-h0_0", "2025-06-29T22:00:00Z"},
	}
	var locks []string
	for _, tc := range tests {
		out := filepath.Join(dir, "cut-"+tc.cut[:4]+".lock")
		e.mustRun(lockArgs(out, tc.cut)...)
		if got := lockedDists(t, out); got != tc.want {
			t.Errorf("--exclude-newer %s locked %s, want %s", tc.cut, got, tc.want)
		}
		data, _ := os.ReadFile(out)
		if n := strings.Count(string(data), `exclude_newer: "`+tc.recorded+`"`); n != 2 {
			t.Errorf("--exclude-newer %s: the lock records %q %d times (want metadata and inputs):\n%s", tc.cut, tc.recorded, n, data)
		}
		locks = append(locks, string(data))
	}
	if locks[0] == locks[1] {
		t.Error("two cut-offs gave the same lock")
	}

	// The channel grows; relocking with the same cut-offs gives the same
	// bytes, and --check still passes. Without a cut-off the new records win.
	twoYearChannel(t, ch, true)
	for i, tc := range tests {
		out := filepath.Join(dir, "cut-"+tc.cut[:4]+".lock")
		e.mustRun(append(lockArgs(out, tc.cut)[:1], "--check", "--no-pip", "--override-channels", "-f", yml, "-o", out, "--platform", "linux-64", "--exclude-newer", tc.cut)...)
		e.mustRun(lockArgs(out, tc.cut)...)
		data, _ := os.ReadFile(out)
		if string(data) != locks[i] {
			t.Errorf("relock with --exclude-newer %s on the grown channel changed the lock:\n%s\n---\n%s", tc.cut, locks[i], data)
		}
	}
	latest := filepath.Join(dir, "latest.lock")
	e.mustRun(lockArgs(latest, "")...)
	if got := lockedDists(t, latest); got != "app-2.0-h0_0 lib-2.0-h0_0 tool-0.1-h0_0" {
		t.Errorf("without a cut-off: %s", got)
	}

	// A changed cut-off is a changed input.
	out := filepath.Join(dir, "cut-2024.lock")
	_, errs, code := e.run("lock", "--check", "--no-pip", "--override-channels", "-f", yml, "-o", out, "--platform", "linux-64", "--exclude-newer", "2024-07-31")
	if code == 0 || !strings.Contains(errs, "linux-64: exclude-newer cut-off: was 2024-07-01T00:00:00Z, now 2024-08-01T00:00:00Z") {
		t.Errorf("check with another cut-off: exit %d, %s", code, errs)
	}
	_, errs, code = e.run("lock", "--check", "--no-pip", "--override-channels", "-f", yml, "-o", out, "--platform", "linux-64")
	if code == 0 || !strings.Contains(errs, "was 2024-07-01T00:00:00Z, now none") {
		t.Errorf("check without the cut-off: exit %d, %s", code, errs)
	}

	// environment.yml's exclude_newer is used when the flag is absent.
	rewrite(t, yml, "dependencies:", "exclude_newer: 2024-06-30\ndependencies:")
	e.mustRun("lock", "--check", "--no-pip", "--override-channels", "-f", yml, "-o", out, "--platform", "linux-64")

	// Formats that cannot carry the cut-off say so; pixi.lock keeps it.
	_, errs, code = e.run("export", "--lock", out, "--format", "conda-lock", "--platform", "linux-64")
	if code != 0 || !strings.Contains(errs, "warning: conda-lock.yml has no place for the exclude-newer cut-off 2024-07-01T00:00:00Z") {
		t.Errorf("export conda-lock: exit %d, stderr %q", code, errs)
	}
	pixi, errs, code := e.run("export", "--lock", out, "--format", "pixi", "--platform", "linux-64")
	if code != 0 || errs != "" || !strings.Contains(pixi, `exclude-newer: "2024-07-01T00:00:00Z"`) {
		t.Errorf("export pixi: exit %d, stderr %q\n%s", code, errs, pixi)
	}
}

func TestExcludeNewerUnsolvable(t *testing.T) {
	ch := t.TempDir()
	twoYearChannel(t, ch, false)
	e := newCLI(t)
	_, errs, code := e.run("create", "--dry-run", "--no-pip", "-n", "x", "--override-channels", "-c", ch, "--platform", "linux-64",
		"--exclude-newer", "2024-06-30", "app >=1.10")
	if code != 1 {
		t.Errorf("exit %d, want 1 (packages not found, as without a cut-off)", code)
	}
	want := "app >=1.10 is met only by records published after the exclude-newer cut-off 2024-07-01T00:00:00Z: the newest excluded candidate is app 1.23 h0_0, published 2025-12-15T12:00:00Z (and 13 older ones)"
	if !strings.Contains(errs, want) {
		t.Errorf("stderr %q\nlacks %q", errs, want)
	}
	// A dependency that only newer records meet.
	_, errs, code = e.run("create", "--dry-run", "--no-pip", "-n", "x", "--override-channels", "-c", ch, "--platform", "linux-64",
		"--exclude-newer", "2024-06-30", "plugin")
	if code != 3 || !strings.Contains(errs, "lib >=1.6 is met only by records published after the exclude-newer cut-off 2024-07-01T00:00:00Z: the newest excluded candidate is lib 1.7 h0_0, published 2025-10-14T12:00:00Z (and 1 older one)") {
		t.Errorf("exit %d, stderr %q", code, errs)
	}
	_, errs, code = e.run("create", "--dry-run", "-n", "x", "--override-channels", "-c", ch, "--platform", "linux-64", "--exclude-newer", "last week", "app")
	if code != 2 || !strings.Contains(errs, "--exclude-newer") {
		t.Errorf("bad value: exit %d, stderr %q", code, errs)
	}
	// .envsealrc's exclude_newer applies when neither the flag nor a file
	// sets one.
	rc := filepath.Join(e.env["HOME"], ".envsealrc")
	if err := os.WriteFile(rc, []byte("exclude_newer: 2024-06-30\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errs, code := e.run("create", "--dry-run", "--json", "--no-pip", "-n", "x", "--override-channels", "-c", ch, "--platform", "linux-64", "app")
	var p planJSON
	if code != 0 || json.Unmarshal([]byte(out), &p) != nil {
		t.Fatalf("exit %d: %s\n%s", code, errs, out)
	}
	if got := strings.Join(dists(p), " "); got != "app-1.5-h0_0 lib-1.1-h0_0" {
		t.Errorf("with exclude_newer in .envsealrc: %s", got)
	}
}

// TestExcludeNewerRelative: a duration in environment.yml is resolved
// once; relocking with the same span keeps the locked cut-off (as uv
// does), so the lock does not change as the clock moves, and --check
// passes. A new span, or a duration on the command line, moves it.
func TestExcludeNewerRelative(t *testing.T) {
	ch := t.TempDir()
	twoYearChannel(t, ch, false)
	_, yml, lock := lockProject(t, ch, "  - app\n")
	rewrite(t, yml, "dependencies:", "exclude_newer: 30d\ndependencies:")
	e := newCLI(t)
	args := []string{"lock", "-q", "--no-pip", "--override-channels", "-f", yml, "-o", lock, "--platform", "linux-64"}
	e.mustRun(args...)
	first, _ := os.ReadFile(lock)
	if !strings.Contains(string(first), "exclude_newer_span: 30d") {
		t.Fatalf("the lock does not record the span:\n%s", first)
	}
	time.Sleep(1100 * time.Millisecond) // a re-resolved cut-off would differ
	e.mustRun(args...)
	second, _ := os.ReadFile(lock)
	if string(first) != string(second) {
		t.Errorf("relock with the same span changed the lock:\n%s\n---\n%s", first, second)
	}
	e.mustRun(append([]string{"lock", "--check"}, args[2:]...)...)

	rewrite(t, yml, "exclude_newer: 30d", "exclude_newer: 31d")
	if _, errs, code := e.run(append([]string{"lock", "--check"}, args[2:]...)...); code == 0 || !strings.Contains(errs, "exclude-newer cut-off") {
		t.Errorf("check with a new span: exit %d, %s", code, errs)
	}
	rewrite(t, yml, "exclude_newer: 31d", "exclude_newer: 30d")
	e.mustRun(append(args, "--exclude-newer", "30d")...)
	third, _ := os.ReadFile(lock)
	if string(third) == string(first) || strings.Contains(string(third), "exclude_newer_span") {
		t.Errorf("--exclude-newer 30d on the command line kept the old cut-off or recorded a span:\n%s", third)
	}
}
