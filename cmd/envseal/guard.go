package main

import (
	"fmt"

	"github.com/envseal/envseal/ops"
	"github.com/urfave/cli/v2"
)

func guardCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name:  "guard",
		Usage: "refuse commits that carry plaintext secrets (a git pre-commit hook)",
		Description: `install writes a pre-commit hook that runs 'envseal scan --staged' in the
git repository holding the current directory (core.hooksPath when set). A hook
already there is kept and runs first. uninstall removes ours and puts it back.`,
		Subcommands: []*cli.Command{
			{
				Name:  "install",
				Usage: "install the pre-commit hook",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "envseal", Usage: "the envseal executable the hook runs (default: this one)"},
				},
				Action: func(c *cli.Context) error {
					res, err := ops.GuardInstall(c.Context, ops.GuardOptions{Envseal: c.String("envseal")})
					if err != nil {
						return err
					}
					switch {
					case res.Already:
						fmt.Fprintf(g.Err, "envseal: the guard is already installed at %s\n", res.Hook)
					default:
						fmt.Fprintf(g.Err, "envseal: guard installed at %s: commits now run `envseal scan --staged`\n", res.Hook)
					}
					if res.Chained != "" {
						fmt.Fprintf(g.Err, "envseal: the earlier pre-commit hook runs first (kept as %s)\n", res.Chained)
					}
					if res.MergeDriver != nil {
						printMergeDriver(g, res.MergeDriver)
					}
					return nil
				},
			},
			{
				Name:  "uninstall",
				Usage: "remove the pre-commit hook (and put back the one it chained)",
				Action: func(c *cli.Context) error {
					res, err := ops.GuardUninstall(c.Context, ops.GuardOptions{})
					if err != nil {
						return err
					}
					switch {
					case res.Already:
						fmt.Fprintln(g.Err, "envseal: no guard installed")
					case res.Chained != "":
						fmt.Fprintf(g.Err, "envseal: guard removed; the earlier hook is back at %s\n", res.Hook)
					default:
						fmt.Fprintf(g.Err, "envseal: guard removed from %s\n", res.Hook)
					}
					return nil
				},
			},
		},
	}
}
