package main

import (
	"strings"
	"testing"
)

// TestFlagsAfterArguments: conda users put flags after the specs
// (`conda create -n ml python=3.10 -c conda-forge --dry-run`); envseal
// takes them there too, and run leaves its child's flags alone.
func TestFlagsAfterArguments(t *testing.T) {
	ch := fixtureChannel(t)
	e := newCLI(t)
	out, errs, code := e.run("create", "-n", "late", "python=3.10", "--override-channels", "-c", ch, "--dry-run", "--json")
	if code != 0 || !strings.Contains(out, `"dry_run": true`) || !strings.Contains(out, `"name": "python"`) {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	// A typo after the specs is still a usage error with a suggestion.
	if _, errs, code := e.run("create", "-n", "late", "python", "--dry-rn"); code != exitUsage || !strings.Contains(errs, "--dry-run") {
		t.Errorf("typo after the specs: exit %d: %s", code, errs)
	}
}
