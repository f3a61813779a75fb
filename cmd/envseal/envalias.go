package main

import "github.com/urfave/cli/v2"

// envCommand gives users of `conda env …` their verbs: env create (with
// environment.yml as the default file, as conda env create has it), env
// export, env list and env remove (the whole environment).
func envCommand(g *globals) *cli.Command {
	create := createCommand(g)
	create.Usage = "create an environment from a file (default environment.yml), as conda env create"
	createAction := create.Action
	create.Action = func(c *cli.Context) error {
		if !c.IsSet("file") && c.NArg() == 0 {
			if err := c.Set("file", "environment.yml"); err != nil {
				return err
			}
		}
		return createAction(c)
	}
	remove := removeCommand(g)
	remove.Usage = "remove a whole environment, as conda env remove"
	removeAction := remove.Action
	remove.Action = func(c *cli.Context) error {
		if err := c.Set("all", "true"); err != nil {
			return err
		}
		return removeAction(c)
	}
	list := envsCommand(g)
	list.Name, list.Usage = "list", "list the environments, as conda env list"
	return &cli.Command{
		Name:        "env",
		Usage:       "conda env's verbs: create, export, list, remove",
		Subcommands: []*cli.Command{create, exportCommand(g), list, remove},
	}
}
