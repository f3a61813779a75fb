package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestTreeOfEnvironment(t *testing.T) {
	ch := fixtureChannel(t)
	e := newCLI(t)
	e.mustRun("create", "-q", "-n", "tr", "--override-channels", "-c", ch, "pip", "python=3.10")
	out := e.mustRun("tree", "-n", "tr")
	// Not a terminal: plain ASCII, what was asked for marked.
	for _, want := range []string{"pip 24.3.1 (requested)\n", "`-- python 3.10.16", "python 3.10.16 (requested)"} {
		if !strings.Contains(out, want) {
			t.Errorf("tree lacks %q:\n%s", want, out)
		}
	}
	if strings.ContainsAny(out, "├└│") {
		t.Errorf("box-drawing characters when stdout is not a terminal:\n%s", out)
	}
	inv := e.mustRun("tree", "-n", "tr", "-i", "^python$")
	if !strings.HasPrefix(inv, "python 3.10.16 (requested)\n") || !strings.Contains(inv, "-- pip 24.3.1 (requested)") {
		t.Errorf("tree -i python:\n%s", inv)
	}
	var js struct {
		Roots    []string `json:"roots"`
		Packages []struct {
			Name      string   `json:"name"`
			Requested bool     `json:"requested"`
			Depends   []string `json:"depends"`
		} `json:"packages"`
	}
	if err := json.Unmarshal([]byte(e.mustRun("tree", "-n", "tr", "--json")), &js); err != nil {
		t.Fatal(err)
	}
	if strings.Join(js.Roots, ",") != "pip,python" {
		t.Errorf("roots = %v", js.Roots)
	}
	if dot := e.mustRun("tree", "-n", "tr", "--dot"); !strings.Contains(dot, `"pip" -> "python";`) {
		t.Errorf("--dot:\n%s", dot)
	}
	if _, errs, code := e.run("tree", "-n", "tr", "("); code != exitUsage || !strings.Contains(errs, "tree:") {
		t.Errorf("bad regex: exit %d, %s", code, errs)
	}
}

func TestTreeOfLock(t *testing.T) {
	ch := solveChannel(t)
	_, yml, lock := lockProject(t, ch, "  - python=3.10\n  - foo\n")
	e := newCLI(t)
	e.mustRun("lock", "-q", "--override-channels", "-f", yml, "-o", lock, "--platform", "linux-64")
	out := e.mustRun("tree", "--lock", lock, "--platform", "linux-64")
	for _, want := range []string{"foo 1.5 (requested)\n", "python 3.10.16 (requested)"} {
		if !strings.Contains(out, want) {
			t.Errorf("tree --lock lacks %q:\n%s", want, out)
		}
	}
	if _, errs, code := e.run("tree", "--lock", lock, "--platform", "osx-arm64"); code == 0 || !strings.Contains(errs, "no packages for osx-arm64") {
		t.Errorf("a platform the lock lacks: exit %d, %s", code, errs)
	}
}
