package main

import (
	"fmt"
	"io"
	"path/filepath"

	"github.com/envseal/envseal/conda"
	"github.com/envseal/envseal/ops"
	"github.com/urfave/cli/v2"
)

func createCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name:      "create",
		Usage:     "create an environment from specs or an environment.yml",
		ArgsUsage: "[SPEC...]",
		Description: `Solves the specs (and -f environment.yml) against the channels with
conda's rules and shows the plan. With --dry-run nothing is changed;
--json prints conda's JSON shape.`,
		Flags:  solveFlags(),
		Action: func(c *cli.Context) error { return g.create(c) },
	}
}

func (g *globals) create(c *cli.Context) error {
	isLock := false
	if f := c.String("file"); f != "" {
		var err error
		if isLock, err = ops.IsLockFile(f); err != nil {
			return jsonErrors(c, g.Out, err)
		}
	}
	asJSON, dryRun := c.Bool("json"), c.Bool("dry-run")
	quiet := asJSON || c.Bool("quiet")
	if isLock {
		return jsonErrors(c, g.Out, g.createFromLock(c, quiet))
	}
	o := ops.CreateOptions{Host: g.host(quiet, func(e ops.Event) {
		if p, ok := e.(*ops.PlanReady); ok && !quiet {
			p.Plan.WriteTable(g.Out, p.Plan.Records)
		}
	}), LockedOptions: lockedOptions(c), DryRun: dryRun}
	res, err := ops.Create(c.Context, o)
	if err != nil {
		return jsonErrors(c, g.Out, err)
	}
	switch {
	case asJSON:
		return writePlanJSON(g.Out, res.Plan, res.Plan.Records, dryRun)
	case dryRun:
		res.Plan.WriteTable(g.Out, res.Plan.Records)
	case !c.Bool("quiet"):
		fmt.Fprintf(g.Out, "Created %s (%d packages).\n", res.Prefix, len(res.Plan.Records))
		g.runHint(c, res.Prefix)
	}
	return nil
}

// runHint says how to use a new environment, in the words the user chose
// (-p PATH only when they gave a path), and only on a terminal: logs and
// pipes get no hints.
func (g *globals) runHint(c *cli.Context, prefix string) {
	if !g.terminal() {
		return
	}
	where := "-n " + filepath.Base(prefix)
	if c.String("prefix") != "" {
		where = "-p " + c.String("prefix")
	}
	fmt.Fprintf(g.Out, "Run a command in it with:\n\n    envseal run %s -- COMMAND\n\n", where)
}

// createFromLock creates an environment from a lockfile, without solving.
func (g *globals) createFromLock(c *cli.Context, quiet bool) error {
	asJSON, dryRun := c.Bool("json"), c.Bool("dry-run")
	o := ops.CreateOptions{Host: g.host(quiet, func(e ops.Event) {
		if p, ok := e.(*ops.LockedPlanReady); ok && !asJSON && (!quiet || dryRun) {
			p.WriteTable(g.Out)
		}
	}), LockedOptions: lockedOptions(c), DryRun: dryRun}
	res, err := ops.CreateFromLock(c.Context, o)
	if err != nil {
		return err
	}
	if asJSON {
		link := make([]map[string]any, 0, len(res.Locked))
		for _, r := range res.Locked {
			link = append(link, ops.DistJSON(r, ""))
		}
		return writeJSON(g.Out, map[string]any{"success": true, "dry_run": dryRun, "prefix": res.Prefix,
			"actions": map[string]any{"LINK": link, "PREFIX": res.Prefix}})
	}
	if !quiet && !dryRun {
		fmt.Fprintf(g.Out, "Created %s from %s (%d packages).\n", res.Prefix, c.String("file"), res.Packages)
		g.runHint(c, res.Prefix)
	}
	return nil
}

// writePlanJSON prints the plan in conda's create/install --json shape.
func writePlanJSON(w io.Writer, in *ops.Plan, recs []*conda.Record, dryRun bool) error {
	return writeJSON(w, in.CondaJSON(recs, dryRun))
}
