package main

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/envseal/envseal/ops"
	"github.com/envseal/envseal/scan"
	"github.com/urfave/cli/v2"
)

func scanCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name:      "scan",
		Usage:     "find plaintext secrets (exit 6 when any is found)",
		ArgsUsage: "[PATH...]",
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
			&cli.BoolFlag{Name: "json", Usage: "print the findings as JSON"},
			&cli.BoolFlag{Name: "rules", Usage: "list the rules and exit"},
			&cli.BoolFlag{Name: "no-sealed", Usage: "do not open envseal.lock to look for its sealed values"},
			lockFlag, identityFlag, envNameFlag,
		},
		Action: func(c *cli.Context) error { return g.scan(c) },
	}
}

func (g *globals) scan(c *cli.Context) error {
	if c.Bool("rules") {
		for _, r := range scan.Rules() {
			fmt.Fprintf(g.Out, "%-22s %s\n", r.Name, r.Description)
		}
		return nil
	}
	res, err := ops.Scan(c.Context, ops.ScanOptions{Host: g.host(true, nil), Paths: c.Args().Slice(), Staged: c.Bool("staged"),
		NoSealed: c.Bool("no-sealed"), Lock: c.String("lock"), LockSet: c.IsSet("lock"), IdentityOptions: identityOptions(c)})
	if err != nil {
		return err
	}
	if c.Bool("json") {
		if res.Findings == nil {
			res.Findings = []scan.Finding{}
		}
		enc := json.NewEncoder(g.Out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(res); err != nil {
			return err
		}
	} else {
		for _, f := range res.Findings {
			fmt.Fprintln(g.Out, f)
		}
	}
	if len(res.Findings) == 0 {
		return nil
	}
	if !c.Bool("json") {
		printScanHint(g, res.Findings, c.Bool("staged"))
	}
	return &silentError{code: exitFound, err: fmt.Errorf("%d plaintext secrets found", len(res.Findings))}
}

// printScanHint says what to do next, on stderr.
func printScanHint(g *globals, fs []scan.Finding, staged bool) {
	what := "found"
	if staged {
		what = "staged; the commit was refused"
	}
	fmt.Fprintf(g.Err, "envseal: %d plaintext secret(s) %s (values are not shown).\n", len(fs), what)
	var envFiles []string
	for _, f := range fs {
		// A finding in a variables: entry can be imported into the seal.
		if f.Name != "" && f.Rule != scan.RuleSealedSecret && !slices.Contains(envFiles, f.File) {
			envFiles = append(envFiles, f.File)
		}
	}
	fmt.Fprintln(g.Err, "Next:")
	for _, f := range envFiles {
		fmt.Fprintf(g.Err, "  - seal the variables of %s and drop them from it:  envseal secrets import -f %s\n", f, f)
	}
	fmt.Fprintln(g.Err, "  - seal any other value, then read it from $NAME:    envseal secrets set NAME")
	fmt.Fprintln(g.Err, "  - a false positive: add 'PATH:RULE' to .envsealignore, or '# envseal:allow' on the line")
	if staged {
		fmt.Fprintln(g.Err, "then stage the change (git add) and commit again.")
	}
}
