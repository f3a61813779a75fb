package main

import (
	"github.com/envseal/envseal/ops"
	"github.com/urfave/cli/v2"
)

func exportCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name: "export", Usage: "write an environment (or a lock) as environment.yml, @EXPLICIT, conda-lock.yml or pixi.lock",
		Flags: []cli.Flag{
			nameFlag, prefixFlag,
			&cli.StringFlag{Name: "lock", Usage: "export this lockfile instead of an environment"},
			&cli.StringFlag{Name: "lock-env", Usage: "with a pixi.lock: the environment to read"},
			&cli.StringFlag{Name: "format", Value: "environment", Usage: "environment, explicit, conda-lock, pixi or envseal"},
			&cli.BoolFlag{Name: "from-history", Usage: "environment format: only the specs that were asked for"},
			&cli.BoolFlag{Name: "no-builds", Usage: "environment format: name=version without the build string"},
			&cli.StringFlag{Name: "platform", Usage: "platform to export from a lock (default this machine's)"},
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write to this file (atomically) instead of stdout"},
		},
		Action: func(c *cli.Context) error {
			res, err := ops.Export(c.Context, ops.ExportOptions{
				Host: g.host(true, nil), Name: c.String("name"), Prefix: c.String("prefix"),
				Lock: c.String("lock"), LockEnv: c.String("lock-env"), Format: c.String("format"),
				FromHistory: c.Bool("from-history"), NoBuilds: c.Bool("no-builds"),
				Platform: c.String("platform"), Output: c.String("output"),
			})
			if err != nil || c.String("output") != "" {
				return err
			}
			_, err = g.Out.Write(res.Data)
			return err
		},
	}
}
