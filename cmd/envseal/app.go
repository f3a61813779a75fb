package main

import (
	"fmt"

	"github.com/envseal/envseal/internal/cmdutil"
	"github.com/envseal/envseal/internal/complete"
	"github.com/envseal/envseal/ops"
	"github.com/urfave/cli/v2"
)

func newApp(s streams, environ, args []string) *cli.App {
	g := &globals{streams: s, environ: append([]string(nil), environ...), args: args}
	app := &cli.App{
		Name: "envseal", Usage: "conda-compatible environments with secrets sealed in the lockfile",
		Version:   version,
		Reader:    s.In,
		Writer:    s.Out,
		ErrWriter: s.Err,
		// The default handler calls os.Exit inside Run (skipping defers);
		// errors are mapped to exit codes in run instead.
		ExitErrHandler:  func(*cli.Context, error) {},
		HideHelpCommand: true,
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "verbose", Aliases: []string{"v"}, Usage: "say more about what happens"},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "say less"},
		},
		Before: func(c *cli.Context) error { g.verbose = c.Bool("verbose"); return nil },
		// -v is --verbose, as in conda; the version is --version / -V.
		HideVersion: true,
		Commands: []*cli.Command{
			{Name: "version", Usage: "print the envseal version", Action: func(c *cli.Context) error { _, err := fmt.Fprintf(s.Out, "envseal %s\n", version); return err }},
			createCommand(g), installCommand(g), updateCommand(g), removeCommand(g),
			listCommand(g), envsCommand(g), runCommand(g), shellHookCommand(g), shellCommand(g),
			cleanCommand(g), lockCommand(g), exportCommand(g), secretsCommand(g),
			searchCommand(g), infoCommand(g), indexCommand(g), uploadCommand(g),
			scanCommand(g), guardCommand(g), mergeDriverCommand(g), treeCommand(g),
			configCommand(g), envCommand(g), completionCommand(g), verifyCommand(g), kernelCommand(g),
		},
	}
	cmdutil.UsageErrors(app, func(msg string) error { return &usageError{Msg: msg} })
	app.Commands = append(app.Commands, cmdutil.CompleteCommand(func() *cli.App { return app }, s.Out, func(c *cli.Context) complete.Lookups {
		return ops.CompletionNames(c.Context, g.host(true, nil))
	}))
	return app
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
