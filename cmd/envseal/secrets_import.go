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
and order. envseal run passes them to the command as before.

With --dotenv FILE, the variables of a .env file are sealed instead, in one
atomic write of the lock; the .env file is left as it was unless --delete
removes the moved lines from it.`,
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "file", Aliases: []string{"f"}, Value: "environment.yml", Usage: "the environment file"},
			&cli.StringFlag{Name: "dotenv", Usage: "import the variables of this .env file instead"},
			&cli.BoolFlag{Name: "delete", Usage: "with --dotenv: remove the imported variables from the .env file"},
		}, common...),
		Action: func(c *cli.Context) error {
			o := g.secretsOptions(c)
			o.Dotenv, o.Delete = c.String("dotenv"), c.Bool("delete")
			if o.Delete && o.Dotenv == "" {
				return usagef("--delete goes with --dotenv FILE")
			}
			res, err := ops.SecretsImport(c.Context, o)
			if err != nil {
				return err
			}
			if o.Dotenv != "" {
				fmt.Fprintf(g.Err, "envseal: sealed %s into %s\n", strings.Join(res.Names, ", "), res.Lock)
				if res.File != "" {
					fmt.Fprintf(g.Err, "envseal: removed them from %s\n", res.File)
				} else {
					fmt.Fprintf(g.Err, "envseal: %s is unchanged: delete it (or rerun with --delete) once the seal is committed\n", o.Dotenv)
				}
				return nil
			}
			fmt.Fprintf(g.Err, "envseal: sealed %s into %s and removed them from %s\n", strings.Join(res.Names, ", "), res.Lock, res.File)
			fmt.Fprintln(g.Err, "envseal: environments created before still hold them in conda-meta/state until they are re-created; `envseal run` passes the sealed values")
			return nil
		},
	}
}
