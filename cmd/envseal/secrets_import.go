package main

import (
	"fmt"
	"strings"

	"github.com/envseal/envseal/ops"
	"github.com/urfave/cli/v2"
)

func secretsImportCommand(g *globals, common []cli.Flag) *cli.Command {
	return &cli.Command{
		Name:      "import",
		Usage:     "move plaintext variables: of an environment file into the sealed secrets",
		ArgsUsage: "[NAME...]",
		Description: `Seals the named variables (all of them when no NAME is given) into the
lock, then rewrites the environment file without them, keeping its comments
and order. envseal run passes them to the command as before.`,
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "file", Aliases: []string{"f"}, Value: "environment.yml", Usage: "the environment file"},
		}, common...),
		Action: func(c *cli.Context) error {
			res, err := ops.SecretsImport(c.Context, g.secretsOptions(c))
			if err != nil {
				return err
			}
			fmt.Fprintf(g.Err, "envseal: sealed %s into %s and removed them from %s\n", strings.Join(res.Names, ", "), res.Lock, res.File)
			fmt.Fprintln(g.Err, "envseal: environments created before still hold them in conda-meta/state until they are re-created; `envseal run` passes the sealed values")
			return nil
		},
	}
}
