package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestConfigCommand(t *testing.T) {
	e := newCLI(t)
	rc := filepath.Join(e.env["HOME"], ".envsealrc")
	if err := os.WriteFile(rc, []byte("# our lab's settings\nchannels:\n  - conda-forge  # first\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// conda's spellings and envseal's own.
	e.mustRun("config", "--add", "channels", "bioconda")
	e.mustRun("config", "append", "channels", "pytorch")
	e.mustRun("config", "--set", "channel_priority", "flexible")
	e.mustRun("config", "set", "proxy_servers.https", "http://alice:hunter2@proxy.example:3128")
	got, _ := os.ReadFile(rc)
	want := "# our lab's settings\nchannels:\n  - bioconda\n  - conda-forge # first\n  - pytorch\nchannel_priority: flexible\nproxy_servers:\n  https: http://alice:hunter2@proxy.example:3128\n"
	if string(got) != want {
		t.Errorf(".envsealrc:\n%s\nwant:\n%s", got, want)
	}
	out := e.mustRun("config", "--show", "--show-sources")
	for _, want := range []string{"channels: [bioconda, conda-forge, pytorch]    # " + rc + ":2", "channel_priority: flexible    # " + rc + ":6"} {
		if !strings.Contains(out, want) {
			t.Errorf("--show --show-sources lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "hunter2") {
		t.Errorf("a proxy password reached the output:\n%s", out)
	}
	var res struct {
		Settings []struct {
			Key   string `json:"key"`
			Value any    `json:"value"`
		} `json:"settings"`
	}
	if err := json.Unmarshal([]byte(e.mustRun("config", "get", "--json", "channel_priority")), &res); err != nil {
		t.Fatal(err)
	}
	if len(res.Settings) != 1 || res.Settings[0].Value != "flexible" {
		t.Errorf("config get --json channel_priority = %+v", res)
	}
	e.mustRun("config", "--remove", "channels", "pytorch")
	e.mustRun("config", "--remove-key", "channel_priority")
	if out := e.mustRun("config", "get", "channel_priority"); out != "channel_priority: strict\n" {
		t.Errorf("after --remove-key the default shows: %q", out)
	}

	before, _ := os.ReadFile(rc)
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"config", "set", "chanel_priority", "strict"}, exitUsage, "valid keys: add_pip_as_python_dependency"},
		{[]string{"config", "set", "channel_priority", "sometimes"}, exitUsage, rc + ":"},
		{[]string{"config", "set", "channels", "x"}, exitUsage, "is a list"},
		{[]string{"config", "--remove", "channels", "nope"}, exitUsage, "not in channels"},
		{[]string{"config", "--set", "channel_priority"}, exitUsage, "want one VALUE"},
	} {
		_, errs, code := e.run(tc.args...)
		if code != tc.code || !strings.Contains(errs, tc.want) {
			t.Errorf("%v: exit %d, %q; want exit %d and %q", tc.args, code, errs, tc.code, tc.want)
		}
	}
	if after, _ := os.ReadFile(rc); string(after) != string(before) {
		t.Errorf("a refused change was written:\n%s", after)
	}
	// --file edits a project's file instead.
	proj := filepath.Join(t.TempDir(), ".envsealrc")
	e.mustRun("config", "set", "--file", proj, "channel_alias", "file:///srv/mirror/")
	if b, _ := os.ReadFile(proj); string(b) != "channel_alias: file:///srv/mirror/\n" {
		t.Errorf("--file: %q", b)
	}
}
