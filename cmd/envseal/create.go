package main

import (
	"fmt"
	"path/filepath"

	"github.com/envseal/envseal/internal/cmdutil"
	"github.com/envseal/envseal/ops"
	"github.com/urfave/cli/v2"
)

func createCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name: "create", Usage: "create an environment from specs or an environment.yml", ArgsUsage: "[SPEC...]",
		Description: `Solves the specs (and -f environment.yml) against the channels with
conda's rules and shows the plan. With --dry-run nothing is changed;
--json prints conda's JSON shape.`,
		Flags: solveFlags(), Action: func(c *cli.Context) error { return jsonErrors(c, g.Out, g.create(c)) },
	}
}

func (g *globals) create(c *cli.Context) error {
	isLock := false
	if f := c.String("file"); f != "" {
		var err error
		if isLock, err = ops.IsLockFile(f); err != nil {
			return err
		}
	}
	asJSON, dryRun := c.Bool("json"), c.Bool("dry-run")
	quiet := asJSON || c.Bool("quiet")
	o := ops.CreateOptions{Host: g.host(quiet, func(e ops.Event) {
		switch e := e.(type) {
		case *ops.PlanReady:
			if !quiet {
				e.Plan.WriteTable(g.Out, e.Plan.Records)
			}
		case *ops.LockedPlanReady:
			if !asJSON && (!quiet || dryRun) {
				e.WriteTable(g.Out)
			}
		}
	}), LockedOptions: lockedOptions(c), DryRun: dryRun}
	create := ops.Create
	if isLock {
		create = ops.CreateFromLock
	}
	res, err := create(c.Context, o)
	switch {
	case err != nil:
		return err
	case asJSON:
		return writeJSON(g.Out, res.CondaJSON())
	case dryRun && !isLock:
		res.Plan.WriteTable(g.Out, res.Plan.Records)
	case !quiet && !dryRun:
		res.WriteText(g.Out)
		if cmdutil.Terminal(g.Out) { // a hint in the words the user chose, for a person only
			where := "-n " + filepath.Base(res.Prefix)
			if c.String("prefix") != "" {
				where = "-p " + c.String("prefix")
			}
			fmt.Fprintf(g.Out, "Run a command in it with:\n\n    envseal run %s -- COMMAND\n\n", where)
		}
	}
	return nil
}

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
		Name: "env", Usage: "conda env's verbs: create, export, list, remove",
		Subcommands: []*cli.Command{create, exportCommand(g), list, remove},
	}
}
