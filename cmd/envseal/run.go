package main

import (
	"github.com/envseal/envseal/ops"
	"github.com/urfave/cli/v2"
)

func runCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name:      "run",
		Usage:     "run a command inside an environment (activated as conda activate does)",
		ArgsUsage: "[-n NAME | -p PREFIX] [--cwd DIR] [--] COMMAND [ARG...]",
		Description: `The command runs with <prefix>/bin first on PATH, CONDA_PREFIX and
CONDA_DEFAULT_ENV set, the environment's variables (conda-meta/state) and
whatever its packages' etc/conda/activate.d/*.sh scripts export. Its exit
status becomes envseal's.`,
		Flags: []cli.Flag{
			nameFlag(), prefixFlag(),
			&cli.StringFlag{Name: "cwd", Usage: "run the command in this directory"},
			&cli.StringFlag{Name: "lock", Value: "envseal.lock", Usage: "lockfile whose sealed secrets are passed to the command (skipped when the default is absent)"},
			&cli.BoolFlag{Name: "no-secrets", Usage: "do not open or pass the sealed secrets"},
			&cli.StringSliceFlag{Name: "secret", Usage: "pass only this secret (repeat for several)"},
			identityFlag,
			envNameFlag,
		},
		Action: func(c *cli.Context) error { return g.run(c) },
	}
}

func (g *globals) run(c *cli.Context) error {
	_, err := ops.Run(c.Context, ops.RunOptions{
		Host: g.host(true, nil), Name: c.String("name"), Prefix: c.String("prefix"),
		Args: c.Args().Slice(), Dir: c.String("cwd"),
		Lock: c.String("lock"), LockSet: c.IsSet("lock"), NoSecrets: c.Bool("no-secrets"), Secrets: c.StringSlice("secret"),
		IdentityOptions: identityOptions(c),
		Exec:            true, Stdin: g.In, Stdout: g.Out, Stderr: g.Err,
	})
	return err
}
