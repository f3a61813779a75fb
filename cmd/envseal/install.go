package main

import (
	"fmt"

	"github.com/envseal/envseal/ops"
	"github.com/urfave/cli/v2"
)

func installCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name:      "install",
		Usage:     "add packages to an environment, keeping what is installed unless a spec needs a change",
		ArgsUsage: "[SPEC...]",
		Flags:     append(solveFlags(), &cli.BoolFlag{Name: "locked", Usage: "install exactly the records of a lockfile (-f, default ./envseal.lock), without solving"}),
		Action:    func(c *cli.Context) error { return g.modify(c, "install") },
	}
}

func updateCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name:      "update",
		Usage:     "update packages of an environment to the newest versions its specs allow",
		ArgsUsage: "[NAME...]",
		Flags:     append(solveFlags(), &cli.BoolFlag{Name: "all", Usage: "update every package"}),
		Action:    func(c *cli.Context) error { return g.modify(c, "update") },
	}
}

func removeCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name:      "remove",
		Aliases:   []string{"uninstall"},
		Usage:     "remove packages (and what depends on them) from an environment",
		ArgsUsage: "NAME...",
		Flags: []cli.Flag{
			nameFlag(), prefixFlag(),
			&cli.BoolFlag{Name: "all", Usage: "remove the whole environment"},
			&cli.BoolFlag{Name: "dry-run", Aliases: []string{"d"}, Usage: "only show what would be done"},
			&cli.BoolFlag{Name: "json", Usage: "print conda's JSON shape"},
			&cli.BoolFlag{Name: "yes", Aliases: []string{"y"}, Usage: "do not ask for confirmation"},
			quietFlag(),
		},
		Action: func(c *cli.Context) error { return g.remove(c) },
	}
}

// modify is install and update.
func (g *globals) modify(c *cli.Context, verb string) error {
	asJSON, dryRun := c.Bool("json"), c.Bool("dry-run")
	quiet := asJSON || c.Bool("quiet")
	if verb == "install" {
		isLock := c.Bool("locked")
		if f := c.String("file"); f != "" && !isLock {
			var err error
			if isLock, err = ops.IsLockFile(f); err != nil {
				return jsonErrors(c, g.Out, err)
			}
		}
		if isLock {
			return jsonErrors(c, g.Out, g.installLocked(c))
		}
	}
	h := g.host(quiet, func(e ops.Event) {
		if ch, ok := e.(*ops.ChangeReady); ok && !quiet {
			ch.WriteTable(g.Out)
		}
	})
	var res *ops.InstallResult
	var err error
	if verb == "update" {
		res, err = ops.Update(c.Context, ops.UpdateOptions{Host: h, SolveOptions: solveOptions(c), All: c.Bool("all"), DryRun: dryRun})
	} else {
		res, err = ops.Install(c.Context, ops.InstallOptions{Host: h, LockedOptions: lockedOptions(c), DryRun: dryRun})
	}
	if err != nil {
		return jsonErrors(c, g.Out, err)
	}
	switch {
	case res.UpToDate && asJSON:
		return writeJSON(g.Out, map[string]any{"success": true, "message": "All requested packages already installed."})
	case res.UpToDate:
		fmt.Fprintln(g.Out, "# All requested packages already installed.")
	case asJSON:
		return writePlanJSON(g.Out, res.Plan, res.Change.Link, dryRun)
	}
	return nil
}

// installLocked makes an existing environment match a lockfile.
func (g *globals) installLocked(c *cli.Context) error {
	quiet := c.Bool("quiet")
	h := g.host(quiet, func(e ops.Event) {
		ch, ok := e.(*ops.ChangeReady)
		switch {
		case !ok:
		case ch.Change.Empty():
			fmt.Fprintln(g.Out, "# The conda packages already match the lock.")
		case !quiet:
			ch.WriteTable(g.Out)
		}
	})
	_, err := ops.InstallLocked(c.Context, ops.InstallOptions{Host: h, LockedOptions: lockedOptions(c), DryRun: c.Bool("dry-run")})
	return err
}

func (g *globals) remove(c *cli.Context) error {
	asJSON, dryRun := c.Bool("json"), c.Bool("dry-run")
	h := g.host(true, func(e ops.Event) {
		if ch, ok := e.(*ops.ChangeReady); ok && !asJSON && !c.Bool("quiet") {
			ch.WriteTable(g.Out)
		}
	})
	res, err := ops.Remove(c.Context, ops.RemoveOptions{Host: h, Name: c.String("name"), Prefix: c.String("prefix"), Packages: c.Args().Slice(), All: c.Bool("all"), DryRun: dryRun})
	if err != nil {
		return jsonErrors(c, g.Out, err)
	}
	switch {
	case res.All && dryRun && asJSON:
		return writeJSON(g.Out, map[string]any{"success": true, "dry_run": true, "remove": res.Prefix})
	case res.All && dryRun:
		fmt.Fprintf(g.Out, "Would remove the environment at %s\n", res.Prefix)
	case res.All && asJSON:
		return writeJSON(g.Out, map[string]any{"success": true, "removed": res.Prefix})
	case res.All:
		fmt.Fprintf(g.Out, "Removed the environment at %s\n", res.Prefix)
	case dryRun:
	case asJSON:
		return writeJSON(g.Out, map[string]any{"success": true, "actions": map[string]any{"UNLINK": res.Change.Unlink, "PREFIX": res.Prefix}})
	}
	return nil
}
