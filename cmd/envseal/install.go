package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/envseal/envseal/conda"
	"github.com/envseal/envseal/env"
	pfx "github.com/envseal/envseal/prefix"
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

// existingPrefix resolves -n/-p (or the active environment) to a prefix
// that must hold an environment, after finishing or rolling back any
// transaction a killed envseal left in it.
func (g *globals) existingPrefix(c *cli.Context, cfg *config) (string, error) {
	_, prefix, err := g.targetPrefix(c, cfg, nil)
	if err != nil {
		return "", err
	}
	if prefix == "" {
		prefix = g.getenv("CONDA_PREFIX")
	}
	if prefix == "" {
		return "", usagef("%s: give -n NAME or -p PREFIX (no environment is active)", c.Command.Name)
	}
	if !prefixExists(prefix) {
		if _, err := os.Stat(prefix); err == nil {
			if err := pfx.Recover(c.Context, prefix); err != nil {
				return "", err
			}
		}
		if !prefixExists(prefix) {
			return "", fmt.Errorf("no environment at %s (create one with `envseal create`)", prefix)
		}
	}
	if err := pfx.Recover(c.Context, prefix); err != nil {
		return "", fmt.Errorf("recovering %s: %w", prefix, err)
	}
	return prefix, nil
}

// modify is install and update: solve the environment's requested specs
// plus the new ones against what is installed, then apply the difference.
func (g *globals) modify(c *cli.Context, verb string) error {
	err := g.doModify(c, verb)
	if err != nil && c.Bool("json") {
		writeJSONError(g.Out, err)
		return &silentError{code: exitCode(c.Context, err), err: err}
	}
	return err
}

func (g *globals) doModify(c *cli.Context, verb string) error {
	cfg, err := loadConfig(g.getenv)
	if err != nil {
		return err
	}
	if verb == "install" {
		isLock := c.Bool("locked")
		if f := c.String("file"); f != "" && !isLock {
			if isLock, err = isLockFile(f); err != nil {
				return err
			}
		}
		if isLock {
			return g.installLocked(c, cfg)
		}
	}
	prefix, err := g.existingPrefix(c, cfg)
	if err != nil {
		return err
	}
	pd, err := g.readPrefix(c, prefix)
	if err != nil {
		return err
	}
	in, err := g.readSolveInput(c, cfg)
	if err != nil {
		return err
	}
	in.prefix, in.name = prefix, filepath.Base(prefix)
	newSpecs := in.specs
	installed := make([]*conda.Record, 0, len(pd.Records))
	for _, r := range pd.Records {
		installed = append(installed, &r.Record)
	}
	switch verb {
	case "update":
		if c.Bool("all") {
			installed = nil
		} else {
			if len(newSpecs) == 0 {
				return usagef("update: name the packages to update, or --all")
			}
			drop := map[string]bool{}
			for _, s := range newSpecs {
				if pd.Record(s.Name) == nil {
					return fmt.Errorf("update: %s is not installed in %s", s.Name, prefix)
				}
				drop[s.Name] = true
			}
			kept := installed[:0]
			for _, r := range installed {
				if !drop[r.Name] {
					kept = append(kept, r)
				}
			}
			installed = kept
		}
	case "install":
		if len(newSpecs) == 0 {
			return usagef("install: nothing to install: give specs or -f environment.yml")
		}
	}
	// The history's specs still hold; a new spec for the same name
	// replaces the old one.
	in.specs = mergeSpecs(pd.RequestedSpecs(), newSpecs, in.setup.chCfg)
	if len(in.specs) == 0 {
		for _, r := range pd.Records {
			s, _ := conda.ParseMatchSpec(r.Name)
			in.specs = append(in.specs, s)
		}
	}
	sol, _, err := g.solve(c.Context, in, installed)
	if err != nil {
		return err
	}
	ch := diffPrefix(sol.Records, pd.Records)
	quiet := c.Bool("json") || c.Bool("quiet")
	if len(ch.link) == 0 && len(ch.unlink) == 0 {
		if !c.Bool("dry-run") {
			if err := g.installPipSection(c.Context, prefix, c.String("file"), in.file, quiet); err != nil {
				return err
			}
		}
		if c.Bool("json") {
			return writeJSON(g.Out, map[string]any{"success": true, "message": "All requested packages already installed."})
		}
		fmt.Fprintln(g.Out, "# All requested packages already installed.")
		return nil
	}
	if !quiet {
		writeChangeTable(g.Out, prefix, ch, pd)
	}
	if c.Bool("dry-run") {
		if c.Bool("json") {
			return writePlanJSON(g.Out, in, ch.link, true)
		}
		return nil
	}
	var vars []env.Variable
	if in.file != nil {
		vars = append([]env.Variable{}, in.file.Variables...)
	}
	if _, err := g.apply(c.Context, cfg, ch, applyOptions{
		prefix:      prefix,
		requested:   requestedNames(newSpecs),
		updateSpecs: specStrings(newSpecs),
		variables:   vars,
		quiet:       quiet,
		urlFor:      in.setup.credentialedURL,
	}); err != nil {
		return err
	}
	if err := g.installPipSection(c.Context, prefix, c.String("file"), in.file, quiet); err != nil {
		return err
	}
	if c.Bool("json") {
		return writePlanJSON(g.Out, in, ch.link, false)
	}
	return nil
}

// mergeSpecs parses the history specs (with the channel configuration, so
// that "defaults::" and custom channel names mean what it says) and lets a
// new spec replace an old one of the same name.
func mergeSpecs(history []string, newSpecs []conda.MatchSpec, chCfg conda.ChannelConfig) []conda.MatchSpec {
	replaced := map[string]bool{}
	for _, s := range newSpecs {
		replaced[s.Name] = true
	}
	var out []conda.MatchSpec
	for _, h := range history {
		s, err := conda.ParseMatchSpecWithConfig(h, chCfg)
		if err != nil || replaced[s.Name] {
			continue
		}
		out = append(out, s)
	}
	return append(out, newSpecs...)
}

// writeChangeTable prints the packages a transaction links and unlinks.
func writeChangeTable(w io.Writer, prefix string, ch change, pd *pfx.PrefixData) {
	fmt.Fprintf(w, "\n## Package Plan ##\n\n  environment location: %s\n\n", prefix)
	if len(ch.unlink) > 0 {
		fmt.Fprintln(w, "  The following packages will be REMOVED:")
		fmt.Fprintln(w)
		for _, n := range ch.unlink {
			if r := pd.Record(n); r != nil {
				fmt.Fprintf(w, "    %s-%s-%s\n", r.Name, r.Version.String(), r.Build)
			}
		}
		fmt.Fprintln(w)
	}
	var added, changed []string
	for _, r := range ch.link {
		if old := pd.Record(r.Name); old != nil {
			changed = append(changed, fmt.Sprintf("    %-20s %s-%s --> %s-%s", r.Name, old.Version.String(), old.Build, r.Version.String(), r.Build))
		} else {
			added = append(added, fmt.Sprintf("    %-20s %s-%s  %s", r.Name, r.Version.String(), r.Build, r.Channel))
		}
	}
	if len(added) > 0 {
		fmt.Fprintf(w, "  The following NEW packages will be INSTALLED:\n\n%s\n\n", strings.Join(added, "\n"))
	}
	if len(changed) > 0 {
		fmt.Fprintf(w, "  The following packages will be CHANGED:\n\n%s\n\n", strings.Join(changed, "\n"))
	}
}

func (g *globals) remove(c *cli.Context) error {
	err := g.doRemove(c)
	if err != nil && c.Bool("json") {
		writeJSONError(g.Out, err)
		return &silentError{code: exitCode(c.Context, err), err: err}
	}
	return err
}

func (g *globals) doRemove(c *cli.Context) error {
	cfg, err := loadConfig(g.getenv)
	if err != nil {
		return err
	}
	prefix, err := g.existingPrefix(c, cfg)
	if err != nil {
		return err
	}
	if c.Bool("all") {
		if c.Bool("dry-run") {
			if c.Bool("json") {
				return writeJSON(g.Out, map[string]any{"success": true, "dry_run": true, "remove": prefix})
			}
			fmt.Fprintf(g.Out, "Would remove the environment at %s\n", prefix)
			return nil
		}
		if err := removePrefix(prefix); err != nil {
			return err
		}
		if c.Bool("json") {
			return writeJSON(g.Out, map[string]any{"success": true, "removed": prefix})
		}
		fmt.Fprintf(g.Out, "Removed the environment at %s\n", prefix)
		return nil
	}
	if c.NArg() == 0 {
		return usagef("remove: name the packages to remove, or --all")
	}
	pd, err := pfx.ReadPrefix(c.Context, prefix)
	if err != nil {
		return err
	}
	var names []string
	for _, n := range c.Args().Slice() {
		spec, err := conda.ParseMatchSpec(n)
		if err != nil {
			return &usageError{msg: err.Error()}
		}
		if pd.Record(spec.Name) == nil {
			return fmt.Errorf("package %s is not installed in %s", spec.Name, prefix)
		}
		names = append(names, spec.Name)
	}
	ch := change{unlink: dependents(pd.Records, names)}
	if !c.Bool("json") && !c.Bool("quiet") {
		writeChangeTable(g.Out, prefix, ch, pd)
	}
	if c.Bool("dry-run") {
		return nil
	}
	if _, err := g.apply(c.Context, cfg, ch, applyOptions{prefix: prefix, removeSpecs: names, quiet: true}); err != nil {
		return err
	}
	if c.Bool("json") {
		return writeJSON(g.Out, map[string]any{"success": true, "actions": map[string]any{"UNLINK": ch.unlink, "PREFIX": prefix}})
	}
	return nil
}

// dependents returns names plus every installed package that depends on
// one of them, directly or not, sorted: removing a library removes what
// cannot work without it, as conda does.
func dependents(installed []*pfx.InstalledRecord, names []string) []string {
	gone := map[string]bool{}
	for _, n := range names {
		gone[n] = true
	}
	for changed := true; changed; {
		changed = false
		for _, r := range installed {
			if gone[r.Name] {
				continue
			}
			for _, d := range r.Depends {
				n, _, _ := strings.Cut(strings.TrimSpace(d), " ")
				if gone[n] {
					gone[r.Name] = true
					changed = true
					break
				}
			}
		}
	}
	out := make([]string, 0, len(gone))
	for n := range gone {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// removePrefix deletes a whole environment: it is first renamed aside in
// one step, so that it is never seen half deleted.
func removePrefix(prefix string) error {
	if prefix == "/" || filepath.Dir(prefix) == prefix {
		return errors.New("refusing to remove a root directory")
	}
	trash := filepath.Join(filepath.Dir(prefix), "."+filepath.Base(prefix)+".envseal-removing")
	if err := os.RemoveAll(trash); err != nil {
		return err
	}
	if err := os.Rename(prefix, trash); err != nil {
		return fmt.Errorf("removing %s: %w", prefix, err)
	}
	return os.RemoveAll(trash)
}

// readPrefix reads an environment's conda-meta, warning about the records
// it had to skip.
func (g *globals) readPrefix(c *cli.Context, prefix string) (*pfx.PrefixData, error) {
	pd, err := pfx.ReadPrefix(c.Context, prefix)
	if err != nil {
		return nil, err
	}
	for _, p := range pd.Problems {
		fmt.Fprintf(g.Err, "envseal: warning: %v\n", p)
	}
	return pd, nil
}
