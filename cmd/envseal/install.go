package main

import (
	"fmt"

	"github.com/envseal/envseal/ops"
	"github.com/urfave/cli/v2"
)

func installCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name: "install", Usage: "add packages to an environment, keeping what is installed unless a spec needs a change", ArgsUsage: "[SPEC...]",
		Flags:  append(solveFlags(), &cli.BoolFlag{Name: "locked", Usage: "install exactly the records of a lockfile (-f, default ./envseal.lock), without solving"}),
		Action: func(c *cli.Context) error { return jsonErrors(c, g.Out, g.modify(c, "install")) },
	}
}

func updateCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name: "update", Usage: "update packages of an environment to the newest versions its specs allow", ArgsUsage: "[NAME...]",
		Flags:  append(solveFlags(), &cli.BoolFlag{Name: "all", Usage: "update every package"}),
		Action: func(c *cli.Context) error { return jsonErrors(c, g.Out, g.modify(c, "update")) },
	}
}

// modify is install and update (and install from a lockfile).
func (g *globals) modify(c *cli.Context, verb string) error {
	asJSON, dryRun := c.Bool("json"), c.Bool("dry-run")
	quiet := asJSON || c.Bool("quiet")
	isLock := verb == "install" && c.Bool("locked")
	if f := c.String("file"); f != "" && verb == "install" && !isLock {
		var err error
		if isLock, err = ops.IsLockFile(f); err != nil {
			return err
		}
	}
	if isLock {
		quiet = c.Bool("quiet")
	}
	h := g.host(quiet, func(e ops.Event) {
		ch, ok := e.(*ops.ChangeReady)
		switch {
		case !ok:
		case isLock && ch.Change.Empty():
			fmt.Fprintln(g.Out, "# The conda packages already match the lock.")
		case !quiet:
			ch.WriteTable(g.Out)
		}
	})
	var res *ops.InstallResult
	var err error
	switch {
	case isLock:
		_, err = ops.InstallLocked(c.Context, ops.InstallOptions{Host: h, LockedOptions: lockedOptions(c), DryRun: dryRun})
		return err
	case verb == "update":
		res, err = ops.Update(c.Context, ops.UpdateOptions{Host: h, SolveOptions: solveOptions(c), All: c.Bool("all"), DryRun: dryRun})
	default:
		res, err = ops.Install(c.Context, ops.InstallOptions{Host: h, LockedOptions: lockedOptions(c), DryRun: dryRun})
	}
	switch {
	case err != nil:
		return err
	case asJSON:
		return writeJSON(g.Out, res.CondaJSON())
	case res.UpToDate:
		fmt.Fprintln(g.Out, "# All requested packages already installed.")
	}
	return nil
}

func removeCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name: "remove", Aliases: []string{"uninstall"}, Usage: "remove packages (and what depends on them) from an environment", ArgsUsage: "NAME...",
		Flags: []cli.Flag{
			nameFlag, prefixFlag,
			&cli.BoolFlag{Name: "all", Usage: "remove the whole environment"},
			dryRunFlag, jsonFlag("print conda's JSON shape"), yesFlag, quietFlag,
		},
		Action: func(c *cli.Context) error {
			asJSON := c.Bool("json")
			h := g.host(true, func(e ops.Event) {
				if ch, ok := e.(*ops.ChangeReady); ok && !asJSON && !c.Bool("quiet") {
					ch.WriteTable(g.Out)
				}
			})
			res, err := ops.Remove(c.Context, ops.RemoveOptions{Host: h, Name: c.String("name"), Prefix: c.String("prefix"), Packages: c.Args().Slice(), All: c.Bool("all"), DryRun: c.Bool("dry-run")})
			if err != nil || !res.All && res.DryRun {
				return jsonErrors(c, g.Out, err)
			}
			return g.show(c, res.CondaJSON(), res.WriteText)
		},
	}
}
