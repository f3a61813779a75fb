package cmdutil

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/envseal/envseal/internal/complete"
	"github.com/urfave/cli/v2"
)

// usageErr marks the errors UsageErrors makes.
type usageErr struct{ msg string }

func (e *usageErr) Error() string { return e.msg }

func testApp(out *bytes.Buffer) *cli.App {
	app := &cli.App{
		Name: "tool", Writer: out, ErrWriter: out, ExitErrHandler: func(*cli.Context, error) {}, HideHelpCommand: true,
		Flags: []cli.Flag{&cli.BoolFlag{Name: "verbose"}},
		Commands: []*cli.Command{
			{Name: "create", Flags: []cli.Flag{&cli.BoolFlag{Name: "dry-run"}, &cli.StringFlag{Name: "name", Aliases: []string{"n"}}}, Action: func(*cli.Context) error { return nil }},
			{Name: "secrets", Subcommands: []*cli.Command{
				{Name: "list", Action: func(*cli.Context) error { return nil }},
				{Name: "set", Action: func(*cli.Context) error { return nil }},
			}},
		},
	}
	UsageErrors(app, func(msg string) error { return &usageErr{msg} })
	app.Commands = append(app.Commands, CompleteCommand(func() *cli.App { return app }, out, func(*cli.Context) complete.Lookups {
		return complete.Lookups{Envs: func() []string { return []string{"ml", "web"} }}
	}))
	return app
}

func TestUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string // "" for success
	}{
		{[]string{"tool", "create", "--dry-run"}, ""},
		{[]string{"tool", "create", "--dry-rn"}, "create: flag provided but not defined: -dry-rn; did you mean --dry-run?"},
		{[]string{"tool", "--verbos"}, "flag provided but not defined: -verbos; did you mean --verbose?"},
		{[]string{"tool", "craete"}, `unknown command "craete" for "tool"; did you mean "create"?`},
		{[]string{"tool", "secrets", "lsit"}, `unknown command "lsit" for "tool secrets"; did you mean "list"?`},
		{[]string{"tool", "secrets", "list"}, ""},
	} {
		var out bytes.Buffer
		err := testApp(&out).RunContext(context.Background(), tc.args)
		var ue *usageErr
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%v: %v", tc.args, err)
		case tc.want != "" && !errors.As(err, &ue):
			t.Errorf("%v: got %v (%T), want a usage error", tc.args, err, err)
		case tc.want != "" && !strings.HasPrefix(ue.msg, tc.want):
			t.Errorf("%v: got %q, want it to start with %q", tc.args, ue.msg, tc.want)
		}
	}
}

func TestCompleteCommand(t *testing.T) {
	for _, tc := range []struct {
		words []string
		want  []string
	}{
		{[]string{"cr"}, []string{"create"}},
		{[]string{"secrets", ""}, []string{"list", "set"}},
		{[]string{"create", "-n", ""}, []string{"ml", "web"}},
		{[]string{"create", "--d"}, []string{"--dry-run"}},
	} {
		var out bytes.Buffer
		if err := testApp(&out).RunContext(context.Background(), append([]string{"tool", "__complete"}, tc.words...)); err != nil {
			t.Fatal(err)
		}
		if got := strings.Fields(out.String()); strings.Join(got, " ") != strings.Join(tc.want, " ") {
			t.Errorf("complete %q = %q, want %q", tc.words, got, tc.want)
		}
	}
}

func TestReadSecret(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		err      bool
	}{
		{"s3cret\n", "s3cret", false},
		{"s3cret\r\n", "s3cret", false},
		{"two\nlines\n", "two\nlines", false},
		{"", "", false},
		{"0123456789", "0123456789", false},
		{"0123456789x", "", true},
	} {
		v, err := ReadSecret(strings.NewReader(tc.in), nil, "TOKEN", 10)
		if tc.err {
			if err == nil || !strings.Contains(err.Error(), "TOKEN") || strings.Contains(err.Error(), tc.in) {
				t.Errorf("%q: err %v, want one naming TOKEN and not the value", tc.in, err)
			}
			continue
		}
		if err != nil || string(v) != tc.want {
			t.Errorf("%q: %q, %v; want %q", tc.in, v, err, tc.want)
		}
	}
}

func TestTerminalAndFancy(t *testing.T) {
	// A buffer and a regular file are not terminals, whatever the
	// environment says.
	f, err := os.CreateTemp(t.TempDir(), "out")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, w := range []any{&bytes.Buffer{}, f} {
		out := w.(interface{ Write([]byte) (int, error) })
		if Terminal(out) || Fancy(out, []string{"TERM=xterm"}) {
			t.Errorf("%T counted as a terminal", w)
		}
	}
}

func TestWriteJSON(t *testing.T) {
	var b bytes.Buffer
	if err := WriteJSON(&b, map[string]string{"spec": "python >=3.8,<4 & more"}); err != nil {
		t.Fatal(err)
	}
	if want := "{\n  \"spec\": \"python >=3.8,<4 & more\"\n}\n"; b.String() != want {
		t.Errorf("got %q, want %q", b.String(), want)
	}
}
