package main

import (
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	pfx "github.com/envseal/envseal/prefix"
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
			sh := c.String("shell")
			switch sh {
			case "bash", "zsh":
				fmt.Fprint(g.Out, `envseal() {
    case "$1" in
        activate|deactivate)
            local __envseal_out
            __envseal_out="$(command envseal shell --shell `+sh+` "$@")" || return $?
            eval "$__envseal_out" ;;
        *) command envseal "$@" ;;
    esac
}
`)
			case "fish":
				io.WriteString(g.Out, `function envseal
    switch $argv[1]
        case activate deactivate
            set -l __envseal_out (command envseal shell --shell fish $argv); or return $status
            printf '%s\n' $__envseal_out | source
        case '*'
            command envseal $argv
    end
end
`)
			default:
				return usagef("shell-hook: unknown shell %q (bash, zsh or fish)", sh)
			}
			return nil
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
	cfg, err := loadConfig(g.getenv)
	if err != nil {
		return err
	}
	if target == "" {
		return usagef("activate: give an environment name or path")
	}
	prefix := target
	if !strings.ContainsRune(target, filepath.Separator) {
		prefix = filepath.Join(cfg.EnvsDirs[0], target)
	}
	if prefix, err = filepath.Abs(prefix); err != nil {
		return err
	}
	if !prefixExists(prefix) {
		return fmt.Errorf("no environment at %s", prefix)
	}
	pd, err := pfx.ReadPrefix(c.Context, prefix)
	if err != nil {
		return err
	}
	after := pfx.ActivationEnv(prefix, g.environ, pd.Variables)
	writeEnvDiff(g.Out, sh, g.environ, after)
	scripts, err := pfx.ActivateScripts(prefix)
	if err != nil {
		return err
	}
	for _, s := range scripts {
		fmt.Fprintf(g.Out, ". %s\n", shellQuote(sh, s))
	}
	return nil
}

func (g *globals) shellDeactivate(c *cli.Context, sh string) error {
	prefix := g.getenv("CONDA_PREFIX")
	if prefix == "" {
		return nil
	}
	vars := map[string]string{}
	for _, kv := range g.environ {
		if k, v, ok := strings.Cut(kv, "="); ok {
			vars[k] = v
		}
	}
	if pd, err := pfx.ReadPrefix(c.Context, prefix); err == nil {
		for _, v := range pd.Variables {
			delete(vars, v.Name)
		}
	}
	bin := filepath.Join(prefix, "bin")
	var path []string
	for _, p := range filepath.SplitList(vars["PATH"]) {
		if p != bin {
			path = append(path, p)
		}
	}
	level, _ := strconv.Atoi(vars["CONDA_SHLVL"])
	delete(vars, "CONDA_PREFIX")
	delete(vars, "CONDA_DEFAULT_ENV")
	delete(vars, "CONDA_PROMPT_MODIFIER")
	if level > 0 {
		level--
	}
	vars["CONDA_SHLVL"] = strconv.Itoa(level)
	prevKey := "CONDA_PREFIX_" + strconv.Itoa(level)
	if prev, ok := vars[prevKey]; ok && level > 0 {
		delete(vars, prevKey)
		vars["CONDA_PREFIX"] = prev
		vars["CONDA_DEFAULT_ENV"] = prev
		path = append([]string{filepath.Join(prev, "bin")}, path...)
	}
	vars["PATH"] = strings.Join(path, string(filepath.ListSeparator))
	after := make([]string, 0, len(vars))
	for k, v := range vars {
		after = append(after, k+"="+v)
	}
	writeEnvDiff(g.Out, sh, g.environ, after)
	return nil
}

// writeEnvDiff prints the exports and unsets that turn before into after.
func writeEnvDiff(w io.Writer, sh string, before, after []string) {
	old, nw := map[string]string{}, map[string]string{}
	for _, kv := range before {
		if k, v, ok := strings.Cut(kv, "="); ok {
			old[k] = v
		}
	}
	for _, kv := range after {
		if k, v, ok := strings.Cut(kv, "="); ok {
			nw[k] = v
		}
	}
	var keys []string
	for k := range old {
		if _, ok := nw[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !shellNameRE.MatchString(k) {
			continue // not a name a shell can hold; never emit it unquoted
		}
		if sh == "fish" {
			fmt.Fprintf(w, "set -e %s\n", k)
		} else {
			fmt.Fprintf(w, "unset %s\n", k)
		}
	}
	keys = keys[:0]
	for k, v := range nw {
		if ov, ok := old[k]; !ok || ov != v {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !shellNameRE.MatchString(k) {
			continue
		}
		if sh == "fish" {
			if k == "PATH" {
				fmt.Fprintf(w, "set -gx PATH %s\n", strings.Join(quoteAll(sh, filepath.SplitList(nw[k])), " "))
				continue
			}
			fmt.Fprintf(w, "set -gx %s %s\n", k, shellQuote(sh, nw[k]))
		} else {
			fmt.Fprintf(w, "export %s=%s\n", k, shellQuote(sh, nw[k]))
		}
	}
}

func quoteAll(sh string, vs []string) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = shellQuote(sh, v)
	}
	return out
}

// shellQuote quotes s as one word for sh.
func shellQuote(sh, s string) string {
	if sh == "fish" {
		return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// shellNameRE is what a shell variable name may be; anything else in an
// environment (a variables: key with `$(...)` in it) is left out of the
// text the shell evaluates.
var shellNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
