package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/envseal/envseal/internal/complete"
	"github.com/envseal/envseal/ops"
	"github.com/urfave/cli/v2"
	"golang.org/x/term"
)

func newApp(s streams, environ, args []string) *cli.App {
	g := &globals{streams: s, environ: append([]string(nil), environ...), args: args}
	app := &cli.App{
		Name:      "envseal",
		Usage:     "conda-compatible environments with secrets sealed in the lockfile",
		Version:   version,
		Reader:    s.In,
		Writer:    s.Out,
		ErrWriter: s.Err,
		// The default handler calls os.Exit inside Run (skipping defers);
		// errors are mapped to exit codes in run instead.
		ExitErrHandler:  func(*cli.Context, error) {},
		HideHelpCommand: true,
		OnUsageError: func(c *cli.Context, err error, isSubcommand bool) error {
			return &usageError{Msg: suggestFlag(err, c.App.Flags)}
		},
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "verbose", Aliases: []string{"v"}, Usage: "say more about what happens"},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "say less"},
		},
		Before: func(c *cli.Context) error { g.verbose = c.Bool("verbose"); return nil },
		// -v is --verbose, as in conda; the version is --version / -V.
		HideVersion: true,
		Commands: []*cli.Command{
			{
				Name:  "version",
				Usage: "print the envseal version",
				Action: func(c *cli.Context) error {
					_, err := fmt.Fprintf(s.Out, "envseal %s\n", version)
					return err
				},
			},
			createCommand(g), installCommand(g), updateCommand(g), removeCommand(g),
			listCommand(g), envsCommand(g), runCommand(g), shellHookCommand(g), shellCommand(g),
			cleanCommand(g), lockCommand(g), exportCommand(g), secretsCommand(g),
			searchCommand(g), infoCommand(g), indexCommand(g), uploadCommand(g),
			scanCommand(g), guardCommand(g), mergeDriverCommand(g), treeCommand(g),
			configCommand(g), envCommand(g), completionCommand(g), verifyCommand(g), kernelCommand(g),
		},
	}
	for _, c := range app.Commands {
		setUsageErrors(c, "envseal "+c.Name)
	}
	app.Commands = append(app.Commands, completeCommand(g, func() *cli.App { return app }))
	app.Action = unknownCommand("envseal", app.Commands, func(c *cli.Context) error { return cli.ShowAppHelp(c) })
	return app
}

// setUsageErrors makes flag-parsing failures of every subcommand exit 2
// and suggests the nearest flag; a command with subcommands and no action
// of its own refuses (and suggests for) a word that names none of them.
func setUsageErrors(c *cli.Command, path string) {
	c.OnUsageError = func(_ *cli.Context, err error, _ bool) error {
		return &usageError{Msg: fmt.Sprintf("%s: %s", c.Name, suggestFlag(err, c.Flags))}
	}
	if len(c.Subcommands) > 0 && c.Action == nil {
		c.Action = unknownCommand(path, c.Subcommands, nil)
	}
	for _, sub := range c.Subcommands {
		setUsageErrors(sub, path+" "+sub.Name)
	}
}

// globals is what every subcommand shares: streams and environment access.
type globals struct {
	streams
	environ []string // the process environment, "KEY=value"
	args    []string // the command line, recorded in conda-meta/history
	verbose bool     // -v/--verbose before the command
}

// host is what the library is told about this process: the environment,
// the command line, and where its messages go. render receives the
// events of the command's own (plans, changes); warnings and notices go
// to stderr.
func (g *globals) host(quiet bool, render func(ops.Event)) ops.Host {
	return ops.Host{Environ: g.environ, Events: ops.TextEvents(g.Err, render), Log: g.Err, Quiet: quiet, Verbose: g.verbose, Args: g.args, Version: version}
}

// fancy reports whether stdout is a terminal that may get box-drawing
// characters and colours: not when redirected, nor under NO_COLOR or
// TERM=dumb.
func (g *globals) fancy() bool {
	if !g.terminal() {
		return false
	}
	return !slices.ContainsFunc(g.environ, func(kv string) bool {
		return kv == "TERM=dumb" || strings.HasPrefix(kv, "NO_COLOR=") && kv != "NO_COLOR="
	})
}

// terminal reports whether stdout is a terminal (a person reads it).
func (g *globals) terminal() bool {
	f, ok := g.Out.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// unknownCommand is the action of the app and of every command that has
// subcommands: a word that names none of them is a usage error (exit 2)
// that suggests the nearest.
func unknownCommand(parent string, cmds []*cli.Command, fallback cli.ActionFunc) cli.ActionFunc {
	return func(c *cli.Context) error {
		if c.NArg() == 0 && fallback != nil {
			return fallback(c)
		} else if c.NArg() == 0 {
			return cli.ShowSubcommandHelp(c)
		}
		var names []string
		for _, cmd := range cmds {
			if !cmd.Hidden {
				names = append(names, cmd.Names()...)
			}
		}
		return &usageError{Msg: complete.UnknownCommand(parent, c.Args().First(), names)}
	}
}

// suggestFlag adds "did you mean --x?" to an unknown-flag error.
func suggestFlag(err error, flags []cli.Flag) string {
	var names []string
	for _, f := range flags {
		names = append(names, f.Names()...)
	}
	return complete.SuggestFlag(err.Error(), names)
}

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
