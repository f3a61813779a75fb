package secrets

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/envseal/envseal/internal/testkit/agetoy"
)

// testPluginName is the plugin this test binary becomes when it runs as
// age-plugin-envsealtest (a symlink made by installTestPlugin).
const testPluginName = agetoy.Name

// maybeRunTestPlugin turns the process into the test plugin when it was
// started under the plugin's name; it never returns then.
func maybeRunTestPlugin() {
	if filepath.Base(os.Args[0]) != "age-plugin-"+testPluginName {
		return
	}
	p, err := agetoy.Plugin()
	if err != nil {
		panic(err)
	}
	fs := flag.NewFlagSet(os.Args[0], flag.ContinueOnError)
	p.RegisterFlags(fs)
	if err := fs.Parse(os.Args[1:]); err != nil {
		os.Exit(2)
	}
	os.Exit(p.Main())
}

// installTestPlugin puts age-plugin-envsealtest (this test binary) first
// on PATH and returns a new plugin recipient and its identity line.
func installTestPlugin(t *testing.T) (recipient, identity string) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.Symlink(exe, filepath.Join(dir, "age-plugin-"+testPluginName)); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	return newToyPair(t)
}

func newToyPair(t *testing.T) (recipient, identity string) {
	t.Helper()
	return agetoy.NewPair()
}

func TestPluginRecipient(t *testing.T) {
	pub, idLine := installTestPlugin(t)
	if !strings.HasPrefix(pub, "age1"+testPluginName+"1") || !strings.HasPrefix(idLine, "AGE-PLUGIN-ENVSEALTEST-1") {
		t.Fatalf("encodings: %s %s", pub, idLine)
	}
	r, err := ParseRecipient(pub)
	if err != nil {
		t.Fatal(err)
	}
	if r.String() != pub || RecipientKind(pub) != KindPlugin || PluginName(pub) != testPluginName {
		t.Fatalf("recipient %q kind %v plugin %q", r.String(), RecipientKind(pub), PluginName(pub))
	}
	x, err := GenerateClassicIdentity()
	if err != nil {
		t.Fatal(err)
	}
	o, err := New("demo", r, x.Recipient())
	if err != nil {
		t.Fatal(err)
	}
	if err := o.Set("TOKEN", []byte("s3cret")); err != nil {
		t.Fatal(err)
	}
	sec, err := o.Seal()
	if err != nil {
		t.Fatal(err)
	}
	text, err := sec.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParseSection(text)
	if err != nil {
		t.Fatalf("%v\n%s", err, text)
	}
	if len(back.DataKeys) != 1 || back.DataKeys[0].Kind != WrapClassic {
		t.Errorf("a plugin recipient belongs to the classic wrap: %+v", back.DataKeys)
	}
	keyFile := "# a plugin identity and nothing else\n" + idLine + "\n"
	tests := []struct {
		name    string
		file    string
		wantErr error
	}{
		{"plugin identity", keyFile, nil},
		{"plugin identity with an age key", x.String() + "\n" + idLine + "\n", nil},
		{"another plugin key", func() string { _, other := newToyPair(t); return other + "\n" }(), ErrNoIdentityMatched},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ids, err := ParseIdentitiesWithUI(strings.NewReader(tc.file), nil)
			if err != nil {
				t.Fatal(err)
			}
			o, err := back.Open("demo", ids...)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("open: %v, want %v", err, tc.wantErr)
			}
			if err != nil {
				return
			}
			defer o.Close()
			if v, _ := o.Get("TOKEN"); string(v) != "s3cret" {
				t.Errorf("TOKEN = %q", v)
			}
		})
	}
	// Without the plugin on PATH, wrapping fails and names the plugin.
	t.Setenv("PATH", t.TempDir())
	if _, err := New("demo", r); err == nil || !strings.Contains(err.Error(), testPluginName) {
		t.Errorf("wrapping without the plugin: %v", err)
	}
}

func TestParseRecipientPluginShapes(t *testing.T) {
	pub, _ := newToyPair(t)
	tests := []struct {
		in   string
		kind Kind
		ok   bool
	}{
		{pub, KindPlugin, true},
		{strings.ToUpper(pub), KindUnknown, false},
		{"age1yubikey1qqqq", KindPlugin, false},
	}
	for _, tc := range tests {
		_, err := ParseRecipient(tc.in)
		if (err == nil) != tc.ok {
			t.Errorf("ParseRecipient(%.30s…): %v, want ok=%v", tc.in, err, tc.ok)
		}
		if got := RecipientKind(tc.in); got != tc.kind {
			t.Errorf("RecipientKind(%.30s…) = %v, want %v", tc.in, got, tc.kind)
		}
	}
}
