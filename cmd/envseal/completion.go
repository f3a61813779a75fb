package main

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/envseal/envseal/ops"
	"github.com/urfave/cli/v2"
)

// completionScripts are the shell functions `envseal completion SHELL`
// prints. Each asks `envseal __complete WORDS…` (the words after envseal,
// the one being completed last) for candidates, one a line, so commands,
// flags, environment names and secret names come from the binary itself.
var completionScripts = map[string]string{
	"bash": `# envseal completion for bash: eval "$(envseal completion bash)"
_envseal() {
	local IFS=$'\n'
	COMPREPLY=($(envseal __complete "${COMP_WORDS[@]:1:$COMP_CWORD}" 2>/dev/null))
	if [[ ${#COMPREPLY[@]} -eq 0 ]]; then compopt -o default 2>/dev/null; fi
}
complete -F _envseal envseal
`,
	"zsh": `#compdef envseal
# envseal completion for zsh: envseal completion zsh > "${fpath[1]}/_envseal"
_envseal() {
	local -a cands
	cands=("${(@f)$(envseal __complete "${(@)words[2,CURRENT]}" 2>/dev/null)}")
	if (( ${#cands} )) && [[ -n "${cands[1]}" ]]; then
		compadd -- "${cands[@]}"
	else
		_files
	fi
}
compdef _envseal envseal
`,
	"fish": `# envseal completion for fish: envseal completion fish > ~/.config/fish/completions/envseal.fish
function __envseal_complete
	set -l tokens (commandline -opc) (commandline -ct)
	envseal __complete $tokens[2..-1] 2>/dev/null
end
complete -c envseal -f -a '(__envseal_complete)'
`,
	"powershell": `# envseal completion for PowerShell: envseal completion powershell | Out-String | Invoke-Expression
Register-ArgumentCompleter -Native -CommandName envseal -ScriptBlock {
	param($wordToComplete, $commandAst, $cursorPosition)
	$words = @($commandAst.CommandElements | Select-Object -Skip 1 | ForEach-Object { $_.ToString() })
	if ($wordToComplete -eq '') { $words += '' }
	envseal __complete @words 2>$null | ForEach-Object {
		[System.Management.Automation.CompletionResult]::new($_, $_, 'ParameterValue', $_)
	}
}
`,
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
			script, ok := completionScripts[shell]
			if !ok {
				return usagef("completion: want one of bash, zsh, fish, powershell (got %q)", shell)
			}
			_, err := fmt.Fprint(g.Out, script)
			return err
		},
	}
}

// completeCommand is the hidden helper the scripts call.
func completeCommand(g *globals, app func() *cli.App) *cli.Command {
	return &cli.Command{
		Name: "__complete", Hidden: true, SkipFlagParsing: true,
		Action: func(c *cli.Context) error {
			for _, s := range g.complete(c.Context, app(), c.Args().Slice()) {
				fmt.Fprintln(g.Out, s)
			}
			return nil
		},
	}
}

// complete returns the candidates for the last of words (the words after
// "envseal"): subcommands, flags (when it starts with "-"), environment
// names after -n/--name, secret names for secrets get/rm/set.
func (g *globals) complete(ctx context.Context, app *cli.App, words []string) []string {
	if len(words) == 0 {
		words = []string{""}
	}
	cur, before := words[len(words)-1], words[:len(words)-1]
	cmds, flags := app.Commands, app.Flags
	var path []string
	var lock string
	takesValue := func(name string) bool {
		for _, f := range flags {
			if slices.Contains(f.Names(), name) {
				if tv, ok := f.(interface{ TakesValue() bool }); ok {
					return tv.TakesValue()
				}
			}
		}
		return false
	}
	for i := 0; i < len(before); i++ {
		w := before[i]
		if strings.HasPrefix(w, "-") {
			name, _, hasValue := strings.Cut(strings.TrimLeft(w, "-"), "=")
			if !hasValue && takesValue(name) && i+1 < len(before) {
				if name == "lock" {
					lock = before[i+1]
				}
				i++
			}
			continue
		}
		for _, cmd := range cmds {
			if slices.Contains(cmd.Names(), w) {
				path = append(path, cmd.Name)
				cmds, flags = cmd.Subcommands, cmd.Flags
				break
			}
		}
	}
	var cands []string
	prev := ""
	if len(before) > 0 {
		prev = before[len(before)-1]
	}
	switch {
	case prev == "-n" || prev == "--name":
		if res, err := ops.Envs(ctx, ops.EnvsOptions{Host: g.host(true, nil)}); err == nil {
			for _, p := range res.Envs {
				cands = append(cands, filepath.Base(p))
			}
		}
	case strings.HasPrefix(prev, "-") && takesValue(strings.TrimLeft(prev, "-")):
		return nil // a value the shell completes (a path, a platform)
	case strings.HasPrefix(cur, "-"):
		for _, f := range flags {
			for _, n := range f.Names() {
				if len(n) == 1 {
					cands = append(cands, "-"+n)
				} else {
					cands = append(cands, "--"+n)
				}
			}
		}
	case len(cmds) > 0:
		for _, cmd := range cmds {
			if !cmd.Hidden {
				cands = append(cands, cmd.Name)
			}
		}
	case len(path) == 2 && path[0] == "secrets" && slices.Contains([]string{"get", "rm", "set"}, path[1]):
		if lock == "" {
			lock = "envseal.lock"
		}
		if res, err := ops.SecretsList(ctx, ops.SecretsOptions{Lock: lock}); err == nil {
			cands = res.Names
		}
	}
	var out []string
	for _, c := range cands {
		if strings.HasPrefix(c, cur) {
			out = append(out, c)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
