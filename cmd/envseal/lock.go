package main

import (
	"io"

	"github.com/envseal/envseal/ops"
	"github.com/urfave/cli/v2"
)

func lockCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name: "lock", Usage: "solve environment.yml for every platform and write envseal.lock",
		Description: `Platforms come from --platform (repeatable), else platforms: in the file,
else this machine's. Foreign platforms are solved with default virtual
packages (see envseal info --platform P). The lock records every input
that changes the solve, so --check can tell which one changed. The
secrets: section of an existing lock is kept as it is. When a lock
existed, what changed is printed per platform: + added, - removed,
~ name old → new.`,
		Flags: append(append(channelFlags(false),
			&cli.StringFlag{Name: "file", Aliases: []string{"f"}, Value: "environment.yml", Usage: "the environment file"},
			&cli.StringSliceFlag{Name: "platform", Usage: "platform to lock (repeat for several)"},
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Value: "envseal.lock", Usage: "the lockfile to write"},
			&cli.BoolFlag{Name: "check", Usage: "only check that the lock is up to date (exit 1 and say which input changed if not)"},
			&cli.StringSliceFlag{Name: "update", Usage: "relock only these names, keeping the other locked records where possible"},
			jsonFlag("print what was locked and what changed as JSON"), lockTimeoutFlag,
		), priorityFlags()...),
		Action: func(c *cli.Context) error {
			so := solveOptions(c)
			so.Platform, so.Specs = "", nil
			res, err := ops.Lock(c.Context, ops.LockOptions{Host: g.host(c.Bool("quiet") || c.Bool("json"), nil), SolveOptions: so,
				Platforms: c.StringSlice("platform"), Output: c.String("output"), Check: c.Bool("check"), Update: c.StringSlice("update"), LockTimeout: c.Duration("lock-timeout")})
			if err != nil {
				return err
			}
			return g.show(c, res, func(w io.Writer) { res.WriteText(w, c.Bool("quiet")) })
		},
	}
}
