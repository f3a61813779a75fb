package main

import (
	"fmt"
	"path/filepath"

	"github.com/envseal/envseal/internal/complete"
	"github.com/envseal/envseal/ops"
	"github.com/urfave/cli/v2"
)

func completionCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name: "completion", Usage: "print a shell completion script (bash, zsh, fish, powershell)", ArgsUsage: "SHELL",
		Description: `bash:        eval "$(envseal completion bash)"  (in ~/.bashrc)
zsh:         envseal completion zsh > "${fpath[1]}/_envseal"
fish:        envseal completion fish > ~/.config/fish/completions/envseal.fish
powershell:  envseal completion powershell | Out-String | Invoke-Expression  (in $PROFILE)`,
		Flags: []cli.Flag{&cli.StringFlag{Name: "shell", Aliases: []string{"s"}, Usage: "the shell (as gh completion -s)"}},
		Action: func(c *cli.Context) error {
			shell := c.String("shell")
			if shell == "" {
				shell = c.Args().First()
			}
			script, ok := complete.Scripts[shell]
			if !ok {
				return usagef("completion: want one of bash, zsh, fish, powershell (got %q)", shell)
			}
			_, err := fmt.Fprint(g.Out, script)
			return err
		},
	}
}

// completeCommand is the hidden helper the scripts call: the candidates
// for the last of its arguments, one a line.
func completeCommand(g *globals, app func() *cli.App) *cli.Command {
	return &cli.Command{
		Name: "__complete", Hidden: true, SkipFlagParsing: true,
		Action: func(c *cli.Context) error {
			root := &complete.Command{Subs: completeTree(app().Commands), Flags: completeFlags(app().Flags)}
			look := complete.Lookups{
				Envs: func() (names []string) {
					if res, err := ops.Envs(c.Context, ops.EnvsOptions{Host: g.host(true, nil)}); err == nil {
						for _, p := range res.Envs {
							names = append(names, filepath.Base(p))
						}
					}
					return names
				},
				Secrets: func(lock string) []string {
					if res, err := ops.SecretsList(c.Context, ops.SecretsOptions{Lock: lock}); err == nil {
						return res.Names
					}
					return nil
				},
			}
			for _, s := range complete.Candidates(root, c.Args().Slice(), look) {
				fmt.Fprintln(g.Out, s)
			}
			return nil
		},
	}
}

func completeTree(cmds []*cli.Command) []*complete.Command {
	out := make([]*complete.Command, 0, len(cmds))
	for _, c := range cmds {
		out = append(out, &complete.Command{Name: c.Name, Aliases: c.Aliases, Hidden: c.Hidden,
			Flags: completeFlags(c.Flags), Subs: completeTree(c.Subcommands)})
	}
	return out
}

func completeFlags(flags []cli.Flag) []complete.Flag {
	out := make([]complete.Flag, 0, len(flags))
	for _, f := range flags {
		tv, _ := f.(interface{ TakesValue() bool })
		out = append(out, complete.Flag{Names: f.Names(), TakesValue: tv != nil && tv.TakesValue()})
	}
	return out
}
