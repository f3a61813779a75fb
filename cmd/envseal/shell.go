package main

import (
	"fmt"
	"io"

	"github.com/envseal/envseal/ops"
	"github.com/urfave/cli/v2"
)

var shellFlag = &cli.StringFlag{Name: "shell", Value: "bash", Usage: "bash, zsh or fish"}

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
			switch c.Args().First() {
			case "activate":
				return g.shellActivate(c, sh, c.Args().Get(1))
			case "deactivate":
				return g.shellDeactivate(c, sh)
			}
			return usagef("shell: want activate or deactivate")
		},
	}
}

func (g *globals) shellActivate(c *cli.Context, sh, target string) error {
	res, err := ops.Activate(c.Context, ops.ActivateOptions{Host: g.host(true, nil), Target: target})
	if err != nil {
		return err
	}
	writeEnvDiff(g.Out, sh, g.environ, res.Env)
	for _, s := range res.Scripts {
		fmt.Fprintf(g.Out, ". %s\n", ops.ShellQuote(sh, s))
	}
	return nil
}

func (g *globals) shellDeactivate(c *cli.Context, sh string) error {
	res, err := ops.Deactivate(c.Context, ops.ActivateOptions{Host: g.host(true, nil)})
	if err == nil && res.Env != nil {
		writeEnvDiff(g.Out, sh, g.environ, res.Env)
	}
	return err
}

// writeEnvDiff prints the exports and unsets that turn before into after.
func writeEnvDiff(w io.Writer, sh string, before, after []string) {
	io.WriteString(w, ops.EnvDiffScript(sh, before, after))
}
