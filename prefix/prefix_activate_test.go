package prefix

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func envMap(env []string) map[string]string {
	m := map[string]string{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	return m
}

func TestActivationEnv(t *testing.T) {
	t.Parallel()
	base := []string{"PATH=/usr/bin:/old/env/bin:/bin", "HOME=/home/u", "CONDA_PREFIX=/old/env", "CONDA_SHLVL=1", "X=base"}
	got := envMap(ActivationEnv("/root/.envseal/envs/demo", base, []Variable{{"X", "from-state"}, {"Y", "2"}}))
	want := map[string]string{
		"PATH":                  "/root/.envseal/envs/demo/bin:/usr/bin:/bin",
		"HOME":                  "/home/u",
		"CONDA_PREFIX":          "/root/.envseal/envs/demo",
		"CONDA_PREFIX_1":        "/old/env",
		"CONDA_SHLVL":           "2",
		"CONDA_DEFAULT_ENV":     "demo",
		"CONDA_PROMPT_MODIFIER": "(demo) ",
		"X":                     "from-state",
		"Y":                     "2",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %v\nwant %v", got, want)
	}
	got = envMap(ActivationEnv("/data/p", nil, nil))
	if got["PATH"] != "/data/p/bin" || got["CONDA_DEFAULT_ENV"] != "/data/p" || got["CONDA_SHLVL"] != "1" {
		t.Errorf("from empty env: %v", got)
	}
	if len(base) != 5 || base[0] != "PATH=/usr/bin:/old/env/bin:/bin" {
		t.Error("base modified")
	}
}

func TestSourcedEnv(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat("/bin/sh"); err != nil {
		t.Skip("no /bin/sh")
	}
	prefix := t.TempDir()
	dir := filepath.Join(prefix, "etc", "conda", "activate.d")
	os.MkdirAll(dir, 0o755)
	os.WriteFile(filepath.Join(dir, "b.sh"), []byte("export BOTH=\"$FIRST+b\"\nexport MULTI='line1\nline2'\nunset DROPME\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "a.sh"), []byte("echo chatter from a\nexport FIRST=\"a:$CONDA_PREFIX\"\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "not-a-script.txt"), nil, 0o644)
	scripts, err := ActivateScripts(prefix)
	if err != nil {
		t.Fatal(err)
	}
	if len(scripts) != 2 || filepath.Base(scripts[0]) != "a.sh" || filepath.Base(scripts[1]) != "b.sh" {
		t.Fatalf("scripts = %v", scripts)
	}
	base := ActivationEnv(prefix, []string{"PATH=/usr/bin:/bin", "DROPME=1", "SHLVL=3"}, nil)
	env, err := SourcedEnv(context.Background(), base, scripts)
	if err != nil {
		t.Fatal(err)
	}
	m := envMap(env)
	if m["FIRST"] != "a:"+prefix || m["BOTH"] != "a:"+prefix+"+b" || m["MULTI"] != "line1\nline2" {
		t.Errorf("sourced env: %q", env)
	}
	if _, ok := m["DROPME"]; ok {
		t.Error("unset variable kept")
	}
	if m["SHLVL"] != "3" || m["CONDA_PREFIX"] != prefix {
		t.Errorf("SHLVL %q CONDA_PREFIX %q", m["SHLVL"], m["CONDA_PREFIX"])
	}
	for k := range m {
		if strings.Contains(k, "chatter") || k == "" {
			t.Errorf("script output leaked into the environment: %q", k)
		}
	}
	bad := filepath.Join(prefix, "bad.sh")
	os.WriteFile(bad, []byte("echo broken >&2\nfalse\n"), 0o644)
	if _, err := SourcedEnv(context.Background(), base, []string{bad}); err == nil || !strings.Contains(err.Error(), "broken") {
		t.Errorf("failing script: %v", err)
	}
	if s, err := ActivateScripts(t.TempDir()); err != nil || s != nil {
		t.Errorf("no activate.d: %v %v", s, err)
	}
}
