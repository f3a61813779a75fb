package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"regexp"

	"github.com/envseal/envseal/deptree"
	"github.com/envseal/envseal/kernel"
	"github.com/envseal/envseal/ops"
	"github.com/urfave/cli/v2"
)

// The commands that make, change, read and run environments.

func createCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name:      "create",
		Usage:     "create an environment from specs or an environment.yml",
		ArgsUsage: "[SPEC...]",
		Description: `Solves the specs (and -f environment.yml) against the channels with
conda's rules and shows the plan. With --dry-run nothing is changed;
--json prints conda's JSON shape.`,
		Flags:  solveFlags(),
		Action: func(c *cli.Context) error { return jsonErrors(c, g.Out, g.create(c)) },
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
	create, from := ops.Create, ""
	if isLock {
		create, from = ops.CreateFromLock, " from "+c.String("file")
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
		n := res.Packages
		if !isLock {
			n = len(res.Plan.Records)
		}
		fmt.Fprintf(g.Out, "Created %s%s (%d packages).\n", res.Prefix, from, n)
		if g.terminal() { // a hint in the words the user chose, for a person only
			where := "-n " + filepath.Base(res.Prefix)
			if c.String("prefix") != "" {
				where = "-p " + c.String("prefix")
			}
			fmt.Fprintf(g.Out, "Run a command in it with:\n\n    envseal run %s -- COMMAND\n\n", where)
		}
	}
	return nil
}

func installCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name:      "install",
		Usage:     "add packages to an environment, keeping what is installed unless a spec needs a change",
		ArgsUsage: "[SPEC...]",
		Flags:     append(solveFlags(), &cli.BoolFlag{Name: "locked", Usage: "install exactly the records of a lockfile (-f, default ./envseal.lock), without solving"}),
		Action:    func(c *cli.Context) error { return jsonErrors(c, g.Out, g.modify(c, "install")) },
	}
}

func updateCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name:      "update",
		Usage:     "update packages of an environment to the newest versions its specs allow",
		ArgsUsage: "[NAME...]",
		Flags:     append(solveFlags(), &cli.BoolFlag{Name: "all", Usage: "update every package"}),
		Action:    func(c *cli.Context) error { return jsonErrors(c, g.Out, g.modify(c, "update")) },
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
		Name:      "remove",
		Aliases:   []string{"uninstall"},
		Usage:     "remove packages (and what depends on them) from an environment",
		ArgsUsage: "NAME...",
		Flags: []cli.Flag{
			nameFlag(), prefixFlag(),
			&cli.BoolFlag{Name: "all", Usage: "remove the whole environment"},
			&cli.BoolFlag{Name: "dry-run", Aliases: []string{"d"}, Usage: "only show what would be done"},
			jsonFlag("print conda's JSON shape"),
			&cli.BoolFlag{Name: "yes", Aliases: []string{"y"}, Usage: "do not ask for confirmation"},
			quietFlag(),
		},
		Action: func(c *cli.Context) error {
			asJSON := c.Bool("json")
			h := g.host(true, func(e ops.Event) {
				if ch, ok := e.(*ops.ChangeReady); ok && !asJSON && !c.Bool("quiet") {
					ch.WriteTable(g.Out)
				}
			})
			res, err := ops.Remove(c.Context, ops.RemoveOptions{Host: h, Name: c.String("name"), Prefix: c.String("prefix"), Packages: c.Args().Slice(), All: c.Bool("all"), DryRun: c.Bool("dry-run")})
			switch {
			case err != nil:
				return jsonErrors(c, g.Out, err)
			case asJSON && (res.All || !res.DryRun):
				return writeJSON(g.Out, res.CondaJSON())
			case res.All && res.DryRun:
				fmt.Fprintf(g.Out, "Would remove the environment at %s\n", res.Prefix)
			case res.All:
				fmt.Fprintf(g.Out, "Removed the environment at %s\n", res.Prefix)
			}
			return nil
		},
	}
}

func listCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name:  "list",
		Usage: "list the packages installed in an environment",
		Flags: []cli.Flag{
			nameFlag(), prefixFlag(),
			jsonFlag("print conda's JSON shape"),
			&cli.BoolFlag{Name: "explicit", Usage: "print an @EXPLICIT file (package URLs) that recreates the environment"},
			&cli.BoolFlag{Name: "md5", Usage: "with --explicit: add #md5 to each URL"},
			&cli.BoolFlag{Name: "sha256", Usage: "with --explicit: add #sha256 to each URL"},
		},
		Action: func(c *cli.Context) error {
			res, err := ops.List(c.Context, ops.ListOptions{Host: g.host(true, nil), Name: c.String("name"), Prefix: c.String("prefix")})
			switch {
			case err != nil:
				return err
			case c.Bool("explicit") && !c.Bool("json"):
				_, err := g.Out.Write(res.Explicit(c.Bool("md5"), c.Bool("sha256")))
				return err
			}
			return g.show(c, res.CondaJSON(), res.WriteText)
		},
	}
}

func envsCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name:  "envs",
		Usage: "list the environments in the envs directories",
		Flags: []cli.Flag{jsonFlag("print {\"envs\": [paths]}")},
		Action: func(c *cli.Context) error {
			res, err := ops.Envs(c.Context, ops.EnvsOptions{Host: g.host(true, nil)})
			if err != nil {
				return err
			}
			return g.show(c, res.CondaJSON(), res.WriteText)
		},
	}
}

func cleanCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name:  "clean",
		Usage: "remove package archives and unused extracted packages from the package cache",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "all", Aliases: []string{"a"}, Usage: "--tarballs and --packages"},
			&cli.BoolFlag{Name: "tarballs", Aliases: []string{"t"}, Usage: "remove package archives"},
			&cli.BoolFlag{Name: "packages", Aliases: []string{"p"}, Usage: "remove extracted packages no environment uses"},
			&cli.BoolFlag{Name: "dry-run", Aliases: []string{"d"}, Usage: "only show what would be removed"},
			jsonFlag("print what was removed as JSON"),
			&cli.BoolFlag{Name: "yes", Aliases: []string{"y"}, Usage: "do not ask for confirmation"},
		},
		Action: func(c *cli.Context) error {
			dryRun := c.Bool("dry-run")
			res, err := ops.Clean(c.Context, ops.CleanOptions{Host: g.host(true, nil),
				Tarballs: c.Bool("tarballs") || c.Bool("all"), Packages: c.Bool("packages") || c.Bool("all"), DryRun: dryRun})
			if err != nil {
				return err
			}
			return g.show(c, res.CondaJSON(dryRun), func(w io.Writer) { res.WriteText(w, dryRun) })
		},
	}
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
		Name:        "env",
		Usage:       "conda env's verbs: create, export, list, remove",
		Subcommands: []*cli.Command{create, exportCommand(g), list, remove},
	}
}

func exportCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name:  "export",
		Usage: "write an environment (or a lock) as environment.yml, @EXPLICIT, conda-lock.yml or pixi.lock",
		Flags: []cli.Flag{
			nameFlag(), prefixFlag(),
			&cli.StringFlag{Name: "lock", Usage: "export this lockfile instead of an environment"},
			&cli.StringFlag{Name: "lock-env", Usage: "with a pixi.lock: the environment to read"},
			&cli.StringFlag{Name: "format", Value: "environment", Usage: "environment, explicit, conda-lock, pixi or envseal"},
			&cli.BoolFlag{Name: "from-history", Usage: "environment format: only the specs that were asked for"},
			&cli.BoolFlag{Name: "no-builds", Usage: "environment format: name=version without the build string"},
			&cli.StringFlag{Name: "platform", Usage: "platform to export from a lock (default this machine's)"},
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write to this file (atomically) instead of stdout"},
		},
		Action: func(c *cli.Context) error {
			res, err := ops.Export(c.Context, ops.ExportOptions{
				Host: g.host(true, nil), Name: c.String("name"), Prefix: c.String("prefix"),
				Lock: c.String("lock"), LockEnv: c.String("lock-env"), Format: c.String("format"),
				FromHistory: c.Bool("from-history"), NoBuilds: c.Bool("no-builds"),
				Platform: c.String("platform"), Output: c.String("output"),
			})
			if err != nil || c.String("output") != "" {
				return err
			}
			_, err = g.Out.Write(res.Data)
			return err
		},
	}
}

func lockCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name:  "lock",
		Usage: "solve environment.yml for every platform and write envseal.lock",
		Description: `Platforms come from --platform (repeatable), else platforms: in the file,
else this machine's. Foreign platforms are solved with default virtual
packages (see envseal info --platform P). The lock records every input
that changes the solve, so --check can tell which one changed. The
secrets: section of an existing lock is kept as it is. When a lock
existed, what changed is printed per platform: + added, - removed,
~ name old → new.`,
		Flags: append(channelFlagsNoPlatform(),
			&cli.StringFlag{Name: "file", Aliases: []string{"f"}, Value: "environment.yml", Usage: "the environment file"},
			&cli.StringSliceFlag{Name: "platform", Usage: "platform to lock (repeat for several)"},
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Value: "envseal.lock", Usage: "the lockfile to write"},
			&cli.BoolFlag{Name: "check", Usage: "only check that the lock is up to date (exit 1 and say which input changed if not)"},
			&cli.StringSliceFlag{Name: "update", Usage: "relock only these names, keeping the other locked records where possible"},
			&cli.BoolFlag{Name: "strict-channel-priority", Usage: "same as --channel-priority strict"},
			&cli.StringFlag{Name: "channel-priority", Usage: "strict (default), flexible or disabled"},
			&cli.BoolFlag{Name: "no-pip", Usage: "do not add pip to python's dependencies"},
			excludeNewerFlag(),
			quietFlag(),
			jsonFlag("print what was locked and what changed as JSON"),
			lockTimeoutFlag,
		),
		Action: func(c *cli.Context) error {
			so := solveOptions(c)
			so.Platform, so.Specs = "", nil
			res, err := ops.Lock(c.Context, ops.LockOptions{Host: g.host(c.Bool("quiet") || c.Bool("json"), nil), SolveOptions: so,
				Platforms: c.StringSlice("platform"), Output: c.String("output"), Check: c.Bool("check"), Update: c.StringSlice("update"), LockTimeout: c.Duration("lock-timeout")})
			if err != nil {
				return err
			}
			return g.show(c, res, func(w io.Writer) { res.WriteText(w, c.Bool("quiet")) })
		},
	}
}

func runCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name:      "run",
		Usage:     "run a command inside an environment (activated as conda activate does)",
		ArgsUsage: "[-n NAME | -p PREFIX] [--cwd DIR] [--] COMMAND [ARG...]",
		Description: `The command runs with <prefix>/bin first on PATH, CONDA_PREFIX and
CONDA_DEFAULT_ENV set, the environment's variables (conda-meta/state) and
whatever its packages' etc/conda/activate.d/*.sh scripts export. Its exit
status becomes envseal's.

Sealed secrets become variables; a sealed file (secrets set-file NAME PATH)
becomes $NAME, the path of a private copy that exists while the command
runs: /proc/self/fd/N (a sealed memfd) on Linux, else a 0600 file under
$XDG_RUNTIME_DIR or the user cache directory.`,
		Flags: []cli.Flag{
			nameFlag(), prefixFlag(),
			&cli.StringFlag{Name: "cwd", Usage: "run the command in this directory"},
			&cli.StringFlag{Name: "lock", Value: "envseal.lock", Usage: "lockfile whose sealed secrets are passed to the command (skipped when the default is absent)"},
			&cli.BoolFlag{Name: "no-secrets", Usage: "do not open or pass the sealed secrets"},
			&cli.StringSliceFlag{Name: "secret", Usage: "pass only this secret (repeat for several)"},
			identityFlag,
			envNameFlag,
		},
		Action: func(c *cli.Context) error {
			_, err := ops.Run(c.Context, ops.RunOptions{
				Host: g.host(true, nil), Name: c.String("name"), Prefix: c.String("prefix"),
				Args: c.Args().Slice(), Dir: c.String("cwd"),
				Lock: c.String("lock"), LockSet: c.IsSet("lock"), NoSecrets: c.Bool("no-secrets"), Secrets: c.StringSlice("secret"),
				IdentityOptions: identityOptions(c),
				Exec:            true, Stdin: g.In, Stdout: g.Out, Stderr: g.Err,
			})
			return err
		},
	}
}

func shellHookCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name:  "shell-hook",
		Usage: "print the shell function that gives `envseal activate` / `envseal deactivate`",
		Description: `Add to ~/.bashrc or ~/.zshrc:   eval "$(envseal shell-hook --shell bash)"
or to fish's config:              envseal shell-hook --shell fish | source`,
		Flags: []cli.Flag{shellFlag},
		Action: func(c *cli.Context) error {
			script, err := ops.ShellHook(c.String("shell"))
			if err != nil {
				return err
			}
			_, err = io.WriteString(g.Out, script)
			return err
		},
	}
}

// shellCommand prints the commands the shell hook evaluates.
func shellCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name:      "shell",
		Usage:     "print shell commands that activate or deactivate an environment (used by shell-hook)",
		ArgsUsage: "activate [NAME|PREFIX] | deactivate",
		Hidden:    true,
		Flags:     []cli.Flag{shellFlag},
		Action: func(c *cli.Context) error {
			sh := c.String("shell")
			if sh != "bash" && sh != "zsh" && sh != "fish" {
				return usagef("shell: unknown shell %q", sh)
			}
			o := ops.ActivateOptions{Host: g.host(true, nil), Target: c.Args().Get(1)}
			op := map[string]func(context.Context, ops.ActivateOptions) (*ops.ActivateResult, error){"activate": ops.Activate, "deactivate": ops.Deactivate}[c.Args().First()]
			if op == nil {
				return usagef("shell: want activate or deactivate")
			}
			res, err := op(c.Context, o)
			if err == nil {
				_, err = io.WriteString(g.Out, res.Script(sh, g.environ))
			}
			return err
		},
	}
}

// writeEnvDiff prints the exports and unsets that turn before into after.
func writeEnvDiff(w io.Writer, sh string, before, after []string) {
	io.WriteString(w, ops.EnvDiffScript(sh, before, after))
}

func verifyCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name:      "verify",
		Usage:     "check an environment against its conda-meta records and a lock (exit 7 on drift)",
		ArgsUsage: "[-n NAME | -p PREFIX] [--lock FILE] [--json] [--repair [--prune]]",
		Description: `Every file the conda-meta records list is checked (sha256 and size; files
untouched since linking, by size and mtime, are not read unless --full).
Files in bin/ and site-packages that no record and no pip RECORD owns are
foreign. With --lock, the installed packages are compared with the lock's
for this platform. --repair relinks damaged packages from the package cache
in one journaled transaction; foreign files are removed only with --prune.`,
		Flags: []cli.Flag{
			nameFlag(), prefixFlag(),
			&cli.StringFlag{Name: "lock", Usage: "also compare with this lockfile's records for this platform"},
			jsonFlag("print the findings as JSON"),
			&cli.BoolFlag{Name: "repair", Usage: "relink damaged packages from the package cache"},
			&cli.BoolFlag{Name: "prune", Usage: "with --repair, also delete foreign files"},
			&cli.BoolFlag{Name: "full", Usage: "hash every file, even those untouched since linking"},
		},
		Action: func(c *cli.Context) error {
			asJSON := c.Bool("json")
			res, err := ops.Verify(c.Context, ops.VerifyOptions{Host: g.host(asJSON, nil), Name: c.String("name"), Prefix: c.String("prefix"),
				Lock: c.String("lock"), Full: c.Bool("full"), Repair: c.Bool("repair"), Prune: c.Bool("prune")})
			if err != nil {
				return err
			}
			if !asJSON {
				res.WriteRepairs(g.Err)
			}
			if err := g.show(c, res.Report, res.WriteText); err != nil || res.Report.Clean {
				return err
			}
			return &silentError{code: exitDrift, err: fmt.Errorf("%s has drifted", res.Report.Prefix)}
		},
	}
}

func treeCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name: "tree", Usage: "show why each package is in an environment (its dependency tree)", ArgsUsage: "[REGEX]",
		Description: `Draws the tree from what you asked for (conda-meta/history, or the lock's
inputs) down to every dependency; "(*)" marks a subtree already drawn.
REGEX keeps the trees that reach a matching name; with -i it lists who needs
the matching packages instead (mamba's whoneeds).`,
		Flags: []cli.Flag{nameFlag(), prefixFlag(),
			&cli.StringFlag{Name: "lock", Usage: "read the tree from a lockfile instead of an environment"},
			&cli.StringFlag{Name: "platform", Usage: "with --lock: the platform (default this machine's)"},
			&cli.BoolFlag{Name: "invert", Aliases: []string{"i"}, Usage: "show what needs the matching packages"},
			jsonFlag("print the graph as JSON"),
			&cli.BoolFlag{Name: "dot", Usage: "print the graph in Graphviz's language"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() > 1 {
				return usagef("tree: at most one REGEX")
			}
			var re *regexp.Regexp
			if c.NArg() == 1 {
				var err error
				if re, err = regexp.Compile(c.Args().First()); err != nil {
					return usagef("tree: %v", err)
				}
			}
			res, err := ops.Tree(c.Context, ops.TreeOptions{Host: g.host(true, nil), Name: c.String("name"),
				Prefix: c.String("prefix"), Lock: c.String("lock"), Platform: c.String("platform")})
			switch {
			case err != nil:
				return err
			case c.Bool("json"):
				return writeJSON(g.Out, res.JSON())
			case c.Bool("dot"):
				return res.Graph.DOT(g.Out)
			}
			return res.Graph.Render(g.Out, deptree.Options{Filter: re, Invert: c.Bool("invert"), ASCII: !g.fancy()})
		},
	}
}

func kernelCommand(g *globals) *cli.Command {
	where := []cli.Flag{
		&cli.BoolFlag{Name: "user", Usage: "the user's Jupyter data directory (the default; $JUPYTER_DATA_DIR or ~/.local/share/jupyter)"},
		&cli.StringFlag{Name: "prefix-dir", Aliases: []string{"prefix"}, Usage: "the Jupyter data directory of this installation prefix (DIR/share/jupyter)"},
		jsonFlag("print JSON"),
	}
	dirs := func(c *cli.Context) ops.KernelDirOptions {
		return ops.KernelDirOptions{User: c.Bool("user"), PrefixDir: c.String("prefix-dir")}
	}
	return &cli.Command{
		Name:  "kernel",
		Usage: "Jupyter kernels that start an environment's python through `envseal run`",
		Subcommands: []*cli.Command{
			{
				Name:      "install",
				Usage:     "write a kernelspec for an environment (sealed secrets reach the kernel, no file)",
				ArgsUsage: "[-n NAME | -p PATH] [--display-name TEXT] [--user | --prefix DIR]",
				Flags: append([]cli.Flag{
					nameFlag(),
					&cli.StringFlag{Name: "path", Aliases: []string{"p"}, Usage: "environment path"},
					&cli.StringFlag{Name: "kernel-name", Usage: "kernel name (default envseal-<environment>)"},
					&cli.StringFlag{Name: "display-name", Usage: "name shown by Jupyter"},
					&cli.StringFlag{Name: "lock", Value: "envseal.lock", Usage: "lockfile whose secrets the kernel gets"},
				}, where...),
				Action: func(c *cli.Context) error {
					res, err := ops.KernelInstall(c.Context, ops.KernelInstallOptions{Host: g.host(true, nil), KernelDirOptions: dirs(c),
						Name: c.String("name"), Prefix: c.String("path"), KernelName: c.String("kernel-name"),
						DisplayName: c.String("display-name"), Lock: c.String("lock")})
					if err != nil {
						return err
					}
					return g.show(c, res, func(w io.Writer) { fmt.Fprintf(w, "installed kernel %s in %s\n", res.Name, res.Dir) })
				},
			},
			{
				Name:  "list",
				Usage: "list the kernelspecs Jupyter finds (envseal's marked)",
				Flags: where,
				Action: func(c *cli.Context) error {
					ks, err := ops.KernelList(c.Context, ops.KernelListOptions{Host: g.host(true, nil), KernelDirOptions: dirs(c)})
					if err != nil {
						return err
					}
					return g.show(c, ks, func(w io.Writer) { kernel.WriteList(w, ks) })
				},
			},
			{
				Name:      "remove",
				Usage:     "remove an envseal kernelspec",
				ArgsUsage: "KERNEL",
				Flags:     where,
				Action: func(c *cli.Context) error {
					if c.NArg() != 1 {
						return usagef("kernel remove: give one KERNEL name")
					}
					dir, err := ops.KernelRemove(c.Context, ops.KernelRemoveOptions{Host: g.host(true, nil), KernelDirOptions: dirs(c), Kernel: c.Args().First()})
					if err != nil {
						return err
					}
					return g.show(c, map[string]string{"removed": dir}, func(w io.Writer) { fmt.Fprintf(w, "removed %s\n", dir) })
				},
			},
		},
	}
}
