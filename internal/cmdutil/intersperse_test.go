package cmdutil

import (
	"slices"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
)

func intersperseApp() *cli.App {
	return &cli.App{
		Name:  "envseal",
		Flags: []cli.Flag{&cli.BoolFlag{Name: "verbose", Aliases: []string{"v"}}},
		Commands: []*cli.Command{
			{Name: "create", Flags: []cli.Flag{
				&cli.StringFlag{Name: "name", Aliases: []string{"n"}},
				&cli.StringSliceFlag{Name: "channel", Aliases: []string{"c"}},
				&cli.BoolFlag{Name: "dry-run", Aliases: []string{"d"}},
				&cli.BoolFlag{Name: "yes", Aliases: []string{"y"}},
			}},
			{Name: "run", Flags: []cli.Flag{&cli.StringFlag{Name: "name", Aliases: []string{"n"}}}},
			{Name: "secrets", Flags: []cli.Flag{&cli.StringFlag{Name: "lock"}}, Subcommands: []*cli.Command{
				{Name: "set-file", Flags: []cli.Flag{&cli.BoolFlag{Name: "rm"}, &cli.StringFlag{Name: "lock"}}},
			}},
			{Name: "__complete", SkipFlagParsing: true},
		},
	}
}

func TestIntersperse(t *testing.T) {
	keepRun := func(c *cli.Command) bool { return c.Name == "run" }
	for _, tc := range []struct{ in, want string }{
		// conda's habits: flags after the specs.
		{"envseal create -n ml python=3.10 numpy -c conda-forge --dry-run -y",
			"envseal create -n ml -c conda-forge --dry-run -y python=3.10 numpy"},
		{"envseal create python -n=ml --channel=x", "envseal create -n=ml --channel=x python"},
		{"envseal -v create python -d", "envseal -v create -d python"},
		// Already in order: unchanged.
		{"envseal create -n ml python", "envseal create -n ml python"},
		// After "--" nothing moves.
		{"envseal create python -d -- -c x", "envseal create -d python -- -c x"},
		{"envseal create -- -d", "envseal create -- -d"},
		// run: the child's command and its flags stay as given.
		{"envseal run -n ml python -c print(1)", "envseal run -n ml python -c print(1)"},
		{"envseal run python -n ml", "envseal run python -n ml"},
		// Subcommands, with a parent's flag between.
		{"envseal secrets set-file SA sa.json --rm", "envseal secrets set-file --rm SA sa.json"},
		{"envseal secrets --lock l set-file SA f --rm", "envseal secrets --lock l set-file --rm SA f"},
		// An unknown flag moves too (the parser then says what it is).
		{"envseal create python --dry-rn", "envseal create --dry-rn python"},
		// Flag parsing skipped, unknown commands, nothing at all.
		{"envseal __complete create --dr", "envseal __complete create --dr"},
		{"envseal craete python -d", "envseal craete python -d"},
		{"envseal", "envseal"},
		// A value flag at the very end stays there (and the parser says
		// it lacks a value) rather than taking an argument as its value.
		{"envseal create python -n", "envseal create python -n"},
		{"envseal create python -d -n", "envseal create -d python -n"},
	} {
		got := Intersperse(intersperseApp(), strings.Fields(tc.in), keepRun)
		if !slices.Equal(got, strings.Fields(tc.want)) {
			t.Errorf("%s\n got  %s\n want %s", tc.in, strings.Join(got, " "), tc.want)
		}
	}
}

func FuzzIntersperse(f *testing.F) {
	f.Add("create -n ml python -c x -- -d")
	f.Add("secrets set-file a b --rm")
	f.Fuzz(func(t *testing.T, line string) {
		in := append([]string{"envseal"}, strings.Fields(line)...)
		out := Intersperse(intersperseApp(), in, func(c *cli.Command) bool { return c.Name == "run" })
		// Only the order changes: the same words, the program first.
		if len(out) != len(in) || out[0] != "envseal" {
			t.Fatalf("%q -> %q", in, out)
		}
		a, b := slices.Clone(in), slices.Clone(out)
		slices.Sort(a)
		slices.Sort(b)
		if !slices.Equal(a, b) {
			t.Fatalf("%q -> %q: words changed", in, out)
		}
	})
}
