package config

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

const editBase = `# team mirror settings
channels:   # ordered, highest priority first
  - conda-forge
  - bioconda
channel_priority: flexible  # we need bioconda's older builds
some_key_conda_uses: 3
`

func TestEditor(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(e *Editor) error
		want string
	}{
		{"set keeps comments and unknown keys", func(e *Editor) error { return e.Set("channel_priority", "strict") }, `# team mirror settings
channels: # ordered, highest priority first
  - conda-forge
  - bioconda
channel_priority: strict # we need bioconda's older builds
some_key_conda_uses: 3
`},
		{"add puts first and moves", func(e *Editor) error { return e.Add("channels", "bioconda", true) }, `# team mirror settings
channels: # ordered, highest priority first
  - bioconda
  - conda-forge
channel_priority: flexible # we need bioconda's older builds
some_key_conda_uses: 3
`},
		{"append and a new key", func(e *Editor) error {
			if err := e.Add("channels", "pytorch", false); err != nil {
				return err
			}
			return e.Add("default_channels", "https://mirror.example/pkgs/main", false)
		}, `# team mirror settings
channels: # ordered, highest priority first
  - conda-forge
  - bioconda
  - pytorch
channel_priority: flexible # we need bioconda's older builds
some_key_conda_uses: 3
default_channels:
  - https://mirror.example/pkgs/main
`},
		{"remove and unset", func(e *Editor) error {
			if err := e.Remove("channels", "conda-forge"); err != nil {
				return err
			}
			return e.Unset("channel_priority")
		}, `# team mirror settings
channels: # ordered, highest priority first
  - bioconda
some_key_conda_uses: 3
`},
		{"map entries", func(e *Editor) error {
			if err := e.Set("proxy_servers.https", "http://proxy.example:3128"); err != nil {
				return err
			}
			return e.Set("custom_channels.internal", "https://chan.example/t")
		}, editBase[:len(editBase)-len("some_key_conda_uses: 3\n")] + `some_key_conda_uses: 3
proxy_servers:
  https: http://proxy.example:3128
custom_channels:
  internal: https://chan.example/t
`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, err := ParseEditor("/home/u/.envsealrc", []byte(editBase))
			if err != nil {
				t.Fatal(err)
			}
			if err := tc.edit(e); err != nil {
				t.Fatal(err)
			}
			got, err := e.Bytes(Options{Home: "/home/u"})
			if err != nil {
				t.Fatal(err)
			}
			want := strings.ReplaceAll(tc.want, "channels:   #", "channels: #")
			want = strings.ReplaceAll(want, "flexible  #", "flexible #")
			if string(got) != want {
				t.Errorf("got:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

func TestEditorErrors(t *testing.T) {
	e, err := ParseEditor("/home/u/.envsealrc", []byte(editBase))
	if err != nil {
		t.Fatal(err)
	}
	var uk *UnknownKeyError
	if err := e.Set("chanel_priority", "strict"); !errors.As(err, &uk) || !strings.Contains(err.Error(), "channel_priority") {
		t.Errorf("unknown key: %v (want the valid keys listed)", err)
	}
	if err := e.Set("channels", "x"); err == nil || !strings.Contains(err.Error(), "is a list") {
		t.Errorf("set on a list: %v", err)
	}
	if err := e.Add("channel_alias", "x", true); err == nil || !strings.Contains(err.Error(), "use set") {
		t.Errorf("add on a scalar: %v", err)
	}
	if err := e.Remove("channels", "pytorch"); !errors.Is(err, ErrNotSet) {
		t.Errorf("remove of an absent value: %v", err)
	}
	if err := e.Unset("ssl_verify"); !errors.Is(err, ErrNotSet) {
		t.Errorf("unset of an absent key: %v", err)
	}
	// A bad value is refused when encoding, with the file and line.
	if err := e.Set("channel_priority", "sometimes"); err != nil {
		t.Fatal(err)
	}
	_, err = e.Bytes(Options{Home: "/home/u"})
	var ce *Error
	if !errors.As(err, &ce) || ce.Line != 5 || !strings.Contains(err.Error(), "/home/u/.envsealrc") || !strings.Contains(err.Error(), "strict, flexible or disabled") {
		t.Errorf("bad value: %v", err)
	}
}

func TestEditorGetAndEmpty(t *testing.T) {
	e, err := ParseEditor("rc", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok, err := e.Get("channels"); ok || err != nil {
		t.Errorf("empty file: ok=%v err=%v", ok, err)
	}
	if b, err := e.Bytes(Options{}); err != nil || len(b) != 0 {
		t.Errorf("empty file encodes as %q, %v", b, err)
	}
	e.Add("channels", "conda-forge", true)
	e.Set("add_pip_as_python_dependency", "false")
	got, ok, err := e.Get("channels")
	if !ok || err != nil || !reflect.DeepEqual(got, []string{"conda-forge"}) {
		t.Errorf("Get(channels) = %v %v %v", got, ok, err)
	}
	if got, _, _ := e.Get("add_pip_as_python_dependency"); got != false {
		t.Errorf("Get(add_pip_as_python_dependency) = %#v, want false", got)
	}
	b, _ := e.Bytes(Options{})
	if string(b) != "channels:\n  - conda-forge\nadd_pip_as_python_dependency: false\n" {
		t.Errorf("new file:\n%s", b)
	}
}

// FuzzEditor: any text either fails to parse, or survives an edit and
// re-encodes to a fixed point.
func FuzzEditor(f *testing.F) {
	f.Add([]byte(editBase))
	f.Add([]byte("channels: [a, b]\nproxy_servers: {http: 'http://p:1'}\n"))
	f.Add([]byte("# only a comment\n"))
	f.Add([]byte("- not a mapping\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := ParseEditor("rc", data)
		if err != nil {
			return
		}
		if e.Add("channels", "fuzz-chan", true) != nil {
			return
		}
		out, err := e.Bytes(Options{Home: "/h"})
		if err != nil {
			return
		}
		e2, err := ParseEditor("rc", out)
		if err != nil {
			t.Fatalf("re-reading our own output: %v\n%s", err, out)
		}
		out2, err := e2.Bytes(Options{Home: "/h"})
		if err != nil || string(out2) != string(out) {
			t.Fatalf("not a fixed point (%v):\n%s\n---\n%s", err, out, out2)
		}
		if got, ok, _ := e2.Get("channels"); !ok || len(got.([]string)) == 0 || got.([]string)[0] != "fuzz-chan" {
			t.Fatalf("channels after add: %v", got)
		}
	})
}
