package main

import (
	"fmt"

	"github.com/envseal/envseal/ops"
	"github.com/urfave/cli/v2"
)

func secretsSetFileCommand(g *globals, common []cli.Flag) *cli.Command {
	return &cli.Command{
		Name:      "set-file",
		Usage:     "seal a whole file (a config file, a service-account key); run gives $NAME as its path",
		ArgsUsage: "NAME PATH",
		Description: fmt.Sprintf(`Seals the content of PATH (at most %d bytes) as the secret NAME.
envseal run gives the command $NAME as the path of a private file holding
the content: a sealed memfd (/proc/self/fd/N) on Linux, elsewhere a 0600
file in a 0700 directory under $XDG_RUNTIME_DIR or the user cache
directory, removed when the command exits (and, after a crash, by the
next run). The plaintext never goes to the working tree; --rm deletes PATH
once the seal is written.`, ops.MaxSealedFileSize),
		Flags: append([]cli.Flag{
			&cli.BoolFlag{Name: "rm", Usage: "delete PATH once it is sealed"},
		}, common...),
		Action: func(c *cli.Context) error {
			if c.NArg() != 2 {
				return usagef("secrets set-file: want NAME PATH")
			}
			o := ops.SecretsSetFileOptions{SecretsOptions: g.secretsOptions(c), Path: c.Args().Get(1), Remove: c.Bool("rm")}
			o.Name = c.Args().First()
			res, err := ops.SecretsSetFile(c.Context, o)
			if err != nil {
				return err
			}
			fmt.Fprintf(g.Err, "envseal: sealed %s as %s in %s\n", o.Path, o.Name, res.Lock)
			return nil
		},
	}
}
