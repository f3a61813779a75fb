package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/envseal/envseal/conda"
	"github.com/envseal/envseal/env"
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
	asJSON := c.Bool("json")
	err := g.doCreate(c)
	if err != nil && asJSON {
		writeJSONError(g.Out, err)
		return &silentError{code: exitCode(c.Context, err), err: err}
	}
	return err
}

func (g *globals) doCreate(c *cli.Context) error {
	cfg, err := loadConfig(g.getenv)
	if err != nil {
		return err
	}
	if f := c.String("file"); f != "" {
		isLock, err := isLockFile(f)
		if err != nil {
			return err
		}
		if isLock {
			return g.createFromLock(c, cfg)
		}
	}
	in, err := g.readSolveInput(c, cfg)
	if err != nil {
		return err
	}
	if c.Bool("dry-run") {
		sol, _, err := g.solve(c.Context, in, nil)
		if err != nil {
			return err
		}
		if c.Bool("json") {
			return writePlanJSON(g.Out, in, sol.Records, true)
		}
		writePlanTable(g.Out, in, sol.Records)
		return nil
	}
	if in.prefix == "" {
		return usagef("create: give -n NAME or -p PREFIX (or a name in the environment file)")
	}
	if prefixExists(in.prefix) {
		return fmt.Errorf("an environment already exists at %s: change it with `envseal install -p %s`, or remove it first with `envseal remove -p %s --all`", in.prefix, in.prefix, in.prefix)
	}
	sol, _, err := g.solve(c.Context, in, nil)
	if err != nil {
		return err
	}
	quiet := c.Bool("json") || c.Bool("quiet")
	if !quiet {
		writePlanTable(g.Out, in, sol.Records)
	}
	var vars []env.Variable
	if in.file != nil {
		vars = append([]env.Variable{}, in.file.Variables...)
	}
	ch := change{link: dependencyOrder(sol.Records)}
	if _, err := g.apply(c.Context, in.cfg, ch, applyOptions{
		prefix:      in.prefix,
		requested:   requestedNames(in.specs),
		updateSpecs: specStrings(in.specs),
		variables:   vars,
		quiet:       quiet,
		urlFor:      in.setup.credentialedURL,
	}); err != nil {
		return err
	}
	if err := g.installPipSection(c.Context, in.prefix, c.String("file"), in.file, quiet); err != nil {
		return err
	}
	if c.Bool("json") {
		return writePlanJSON(g.Out, in, sol.Records, false)
	}
	if !c.Bool("quiet") {
		fmt.Fprintf(g.Out, "Created %s (%d packages).\nRun a command in it with:\n\n    envseal run -p %s -- COMMAND\n\n", in.prefix, len(sol.Records), in.prefix)
	}
	return nil
}

// writePlanTable prints the records to link as conda prints a plan.
func writePlanTable(w io.Writer, in *solveInput, recs []*conda.Record) {
	if in.prefix != "" {
		fmt.Fprintf(w, "\n## Package Plan ##\n\n  environment location: %s\n\n", in.prefix)
	} else {
		fmt.Fprintf(w, "\n## Package Plan ##\n\n")
	}
	fmt.Fprintf(w, "  The following NEW packages will be INSTALLED (platform %s):\n\n", in.setup.platform)
	nameW, verW, buildW, chW := 4, 7, 5, 7
	for _, r := range recs {
		nameW = max(nameW, len(r.Name))
		verW = max(verW, len(r.Version.String()))
		buildW = max(buildW, len(r.Build))
		chW = max(chW, len(r.Channel))
	}
	fmt.Fprintf(w, "  %-*s  %-*s  %-*s  %-*s  %10s\n", nameW, "Name", verW, "Version", buildW, "Build", chW, "Channel", "Size")
	var total int64
	for _, r := range recs {
		total += r.Size
		fmt.Fprintf(w, "  %-*s  %-*s  %-*s  %-*s  %10s\n", nameW, r.Name, verW, r.Version.String(), buildW, r.Build, chW, r.Channel, humanBytes(r.Size))
	}
	fmt.Fprintf(w, "\n  %d packages, %s to download\n\n", len(recs), humanBytes(total))
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// linkAction is one entry of conda's actions.LINK list.
func linkAction(r *conda.Record, in *solveInput) map[string]any {
	base := ""
	if ch, ok := in.setup.channelByName(r.Channel); ok {
		base = ch.BaseURL()
	}
	return distJSON(r, base)
}

// distJSON is a record in the shape of conda's LINK actions and
// `conda list --json`; base "" is taken from the record's URL.
func distJSON(r *conda.Record, base string) map[string]any {
	if base == "" {
		if i := strings.LastIndex(r.URL, "/"+r.Subdir+"/"); i >= 0 {
			base = r.URL[:i]
		}
	}
	return map[string]any{
		"base_url":     base,
		"build_number": r.BuildNumber,
		"build_string": r.Build,
		"channel":      r.Channel,
		"dist_name":    r.DistName(),
		"name":         r.Name,
		"platform":     r.Subdir,
		"version":      r.Version.String(),
	}
}

// writePlanJSON prints the plan in conda's create/install --json shape.
func writePlanJSON(w io.Writer, in *solveInput, recs []*conda.Record, dryRun bool) error {
	link := make([]map[string]any, 0, len(recs))
	fetch := make([]map[string]any, 0, len(recs))
	for _, r := range recs {
		link = append(link, linkAction(r, in))
		fetch = append(fetch, searchRecord(r, in.setup))
	}
	actions := map[string]any{"LINK": link, "FETCH": fetch}
	if in.prefix != "" {
		actions["PREFIX"] = in.prefix
	}
	out := map[string]any{"success": true, "dry_run": dryRun, "actions": actions}
	if in.prefix != "" {
		out["prefix"] = in.prefix
	}
	// Not in conda's shape: the virtual packages the solve assumed, and
	// whether they were defaults for a foreign platform.
	vps := make([]map[string]any, 0, len(in.virtual))
	for _, v := range in.virtual {
		vps = append(vps, map[string]any{"name": v.Name, "version": v.Version, "build": v.Build, "defaulted": v.Defaulted})
	}
	out["platform"] = string(in.setup.platform)
	out["virtual_packages"] = vps
	return writeJSON(w, out)
}
