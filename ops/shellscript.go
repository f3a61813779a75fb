package ops

import (
	"fmt"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// ShellHook returns the shell function (sh: bash, zsh or fish) that makes
// `envseal activate` and `envseal deactivate` change the calling shell:
// it evaluates what `envseal shell activate|deactivate` prints.
func ShellHook(sh string) (string, error) {
	switch sh {
	case "bash", "zsh":
		return `envseal() {
    case "$1" in
        activate|deactivate)
            local __envseal_out
            __envseal_out="$(command envseal shell --shell ` + sh + ` "$@")" || return $?
            eval "$__envseal_out" ;;
        *) command envseal "$@" ;;
    esac
}
`, nil
	case "fish":
		return `function envseal
    switch $argv[1]
        case activate deactivate
            set -l __envseal_out (command envseal shell --shell fish $argv); or return $status
            printf '%s\n' $__envseal_out | source
        case '*'
            command envseal $argv
    end
end
`, nil
	default:
		return "", usagef("shell-hook: unknown shell %q (bash, zsh or fish)", sh)
	}
}

// EnvDiffScript returns the shell commands (sh: bash, zsh or fish) that
// turn the environment before into after: unsets, then exports, sorted by
// name. Names a shell cannot hold are left out.
func EnvDiffScript(sh string, before, after []string) string {
	var w strings.Builder
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
			fmt.Fprintf(&w, "set -e %s\n", k)
		} else {
			fmt.Fprintf(&w, "unset %s\n", k)
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
				fmt.Fprintf(&w, "set -gx PATH %s\n", strings.Join(quoteAll(sh, filepath.SplitList(nw[k])), " "))
				continue
			}
			fmt.Fprintf(&w, "set -gx %s %s\n", k, ShellQuote(sh, nw[k]))
		} else {
			fmt.Fprintf(&w, "export %s=%s\n", k, ShellQuote(sh, nw[k]))
		}
	}
	return w.String()
}

func quoteAll(sh string, vs []string) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = ShellQuote(sh, v)
	}
	return out
}

// ShellQuote quotes s as one word for sh (bash, zsh or fish).
func ShellQuote(sh, s string) string {
	if sh == "fish" {
		return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// shellNameRE is what a shell variable name may be; anything else in an
// environment (a variables: key with `$(...)` in it) is left out of the
// text the shell evaluates.
var shellNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// Script is what a shell (bash, zsh or fish) evaluates to go from the
// environment before to r.Env: the exports and unsets, then a `.` of each
// activation script. It is empty when there is nothing to change (a
// deactivate with no active environment).
func (r *ActivateResult) Script(sh string, before []string) string {
	if r.Env == nil {
		return ""
	}
	var b strings.Builder
	b.WriteString(EnvDiffScript(sh, before, r.Env))
	for _, s := range r.Scripts {
		fmt.Fprintf(&b, ". %s\n", ShellQuote(sh, s))
	}
	return b.String()
}
