package main

import (
	"strings"
	"testing"
)

func TestTyposAreUsageErrors(t *testing.T) {
	e := newCLI(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"craete"}, `did you mean "create"?`},
		{[]string{"secrets", "sett", "X"}, `did you mean "set"?`},
		{[]string{"env", "lst"}, `did you mean "list"?`},
		{[]string{"create", "--dryrun", "x"}, "did you mean --dry-run?"},
		{[]string{"--verbsoe", "list"}, "did you mean --verbose?"},
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
	} {
		_, errs, code := e.run(tc.args...)
		if code != exitUsage || !strings.Contains(errs, tc.want) {
			t.Errorf("envseal %v: exit %d, %q; want exit 2 and %q", tc.args, code, errs, tc.want)
		}
	}
	if out, _, code := e.run(); code != 0 || !strings.Contains(out, "USAGE") {
		t.Errorf("envseal alone: exit %d, %q", code, out)
	}
	if out, _, code := e.run("secrets"); code != 0 || !strings.Contains(out, "keygen") {
		t.Errorf("envseal secrets alone: exit %d, %q", code, out)
	}
}

func TestEnvAliases(t *testing.T) {
	ch := solveChannel(t)
	dir, _, _ := lockProject(t, ch, "  - python=3.10\n")
	t.Chdir(dir)
	e := newCLI(t)
	out := e.mustRun("env", "create", "--dry-run", "--json", "--override-channels", "-c", ch)
	if !strings.Contains(out, `"python"`) {
		t.Errorf("env create reads environment.yml by default:\n%s", out)
	}
	if out := e.mustRun("env", "list", "--json"); !strings.Contains(out, `"envs"`) {
		t.Errorf("env list: %s", out)
	}
}
