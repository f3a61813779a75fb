package main

import (
	"context"
	"io"

	"github.com/envseal/envseal/ops"
	"github.com/urfave/cli/v2"
)

func runCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name: "run", Usage: "run a command inside an environment (activated as conda activate does)",
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
			nameFlag, prefixFlag,
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
		Name: "shell-hook", Usage: "print the shell function that gives `envseal activate` / `envseal deactivate`",
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
		Name: "shell", Usage: "print shell commands that activate or deactivate an environment (used by shell-hook)",
		ArgsUsage: "activate [NAME|PREFIX] | deactivate", Hidden: true, Flags: []cli.Flag{shellFlag},
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
