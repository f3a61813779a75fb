package main

import (
	"fmt"

	"github.com/envseal/envseal/ops"
	"github.com/envseal/envseal/scan"
	"github.com/urfave/cli/v2"
)

func scanCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name: "scan", Usage: "find plaintext secrets (exit 6 when any is found)", ArgsUsage: "[PATH...]",
		Description: `Looks for credentials (AWS, GitHub, GitLab and Slack tokens, private keys,
age keys, conda channel tokens, passwords in URLs), secret-like variables: of
environment files, and the values sealed in envseal.lock when your identity
opens it. Prints FILE:LINE: RULE, never the value.

PATHs default to the tracked files of the current directory. --staged scans
what the next commit changes, as staged in git's index (the pre-commit hook
that 'envseal guard install' writes runs this).

False positives: '# envseal:allow' on the line, or .envsealignore at the
repository root (gitignore patterns skip files; PATTERN:RULE skips one rule).

--json prints {"findings": [{"file", "line", "rule", "name"?}], "files",
"skipped"}, findings sorted by file, line and rule; "name" is the variable
or sealed secret involved. --rules lists the rule names.`,
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "staged", Usage: "scan the staged content of the files the next commit changes"},
			jsonFlag("print the findings as JSON"),
			&cli.BoolFlag{Name: "rules", Usage: "list the rules and exit"},
			&cli.BoolFlag{Name: "no-sealed", Usage: "do not open envseal.lock to look for its sealed values"},
			lockFlag, identityFlag, envNameFlag,
		},
		Action: func(c *cli.Context) error {
			if c.Bool("rules") {
				scan.WriteRules(g.Out)
				return nil
			}
			res, err := ops.Scan(c.Context, ops.ScanOptions{Host: g.host(true, nil), Paths: c.Args().Slice(), Staged: c.Bool("staged"),
				NoSealed: c.Bool("no-sealed"), Lock: c.String("lock"), LockSet: c.IsSet("lock"), IdentityOptions: identityOptions(c)})
			if err != nil {
				return err
			}
			if err := g.show(c, res, res.WriteText); err != nil || len(res.Findings) == 0 {
				return err
			}
			if !c.Bool("json") {
				res.WriteHint(g.Err, c.Bool("staged"))
			}
			return &silentError{code: exitFound, err: fmt.Errorf("%d plaintext secrets found", len(res.Findings))}
		},
	}
}

func guardCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name: "guard", Usage: "refuse commits that carry plaintext secrets (a git pre-commit hook)",
		Description: `install writes a pre-commit hook that runs 'envseal scan --staged' in the
git repository holding the current directory (core.hooksPath when set). A hook
already there is kept and runs first. uninstall removes ours and puts it back.`,
		Subcommands: []*cli.Command{
			{
				Name: "install", Usage: "install the pre-commit hook",
				Flags: []cli.Flag{&cli.StringFlag{Name: "envseal", Usage: "the envseal executable the hook runs (default: this one)"}},
				Action: func(c *cli.Context) error {
					_, err := ops.GuardInstall(c.Context, ops.GuardOptions{Host: g.host(true, nil), Envseal: c.String("envseal")})
					return err
				},
			},
			{
				Name: "uninstall", Usage: "remove the pre-commit hook (and put back the one it chained)",
				Action: func(c *cli.Context) error {
					_, err := ops.GuardUninstall(c.Context, ops.GuardOptions{Host: g.host(true, nil)})
					return err
				},
			},
		},
	}
}

func mergeDriverCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name: "merge-driver", Usage: "git merge driver for envseal.lock (secrets merge per entry), or --install it", ArgsUsage: "%O %A %B %P",
		Description: `git runs it as 'envseal merge-driver %O %A %B %P' once registered with
--install (git config merge.envseal.* and a .gitattributes line; 'envseal
guard install' registers it too). Secrets merge per entry, by name; a name
changed on both sides is a conflict. Recipients merge as sets; if a side
removed one or rotated, the result gets a fresh data key. The MAC is computed
with your identity (ENVSEAL_IDENTITY_FILE, ENVSEAL_IDENTITY or
~/.config/envseal/identity.txt). Platforms changed on both sides conflict:
run 'envseal lock'. No value is ever printed.`,
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "install", Usage: "register the driver in this git repository"},
			&cli.StringFlag{Name: "envseal", Usage: "with --install: the envseal executable git runs (default: this one)"},
			identityFlag, envNameFlag,
		},
		Action: func(c *cli.Context) error {
			if c.Bool("install") {
				if c.NArg() != 0 {
					return usagef("merge-driver --install takes no arguments")
				}
				_, err := ops.MergeDriverInstall(c.Context, ops.MergeDriverInstallOptions{Host: g.host(true, nil), Envseal: c.String("envseal")})
				return err
			}
			if c.NArg() != 4 {
				return usagef("merge-driver: want %%O %%A %%B %%P (git passes them), or --install")
			}
			a := c.Args().Slice()
			_, err := ops.MergeDriver(c.Context, ops.MergeDriverOptions{Host: g.host(true, nil), IdentityOptions: identityOptions(c),
				Base: a[0], Ours: a[1], Theirs: a[2], Path: a[3]})
			return err
		},
	}
}
