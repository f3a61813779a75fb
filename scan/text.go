package scan

import (
	"fmt"
	"io"
	"slices"
)

// WriteText prints the findings, one FILE:LINE: RULE a line (never a
// value).
func (r *Result) WriteText(w io.Writer) {
	for _, f := range r.Findings {
		fmt.Fprintln(w, f)
	}
}

// WriteHint says what to do about the findings: seal the variables: of the
// environment files involved with `envseal secrets import`, any other
// value with `envseal secrets set`, or mark a false positive. staged
// words it for a refused commit.
func (r *Result) WriteHint(w io.Writer, staged bool) {
	what := "found"
	if staged {
		what = "staged; the commit was refused"
	}
	fmt.Fprintf(w, "envseal: %d plaintext secret(s) %s (values are not shown).\n", len(r.Findings), what)
	var envFiles []string
	for _, f := range r.Findings {
		// A finding in a variables: entry can be imported into the seal.
		if f.Name != "" && f.Rule != RuleSealedSecret && !slices.Contains(envFiles, f.File) {
			envFiles = append(envFiles, f.File)
		}
	}
	fmt.Fprintln(w, "Next:")
	for _, f := range envFiles {
		fmt.Fprintf(w, "  - seal the variables of %s and drop them from it:  envseal secrets import -f %s\n", f, f)
	}
	fmt.Fprintln(w, "  - seal any other value, then read it from $NAME:    envseal secrets set NAME")
	fmt.Fprintln(w, "  - a false positive: add 'PATH:RULE' to .envsealignore, or '# envseal:allow' on the line")
	if staged {
		fmt.Fprintln(w, "then stage the change (git add) and commit again.")
	}
}

// WriteRules lists the rules, a name and what it finds a line.
func WriteRules(w io.Writer) {
	for _, r := range Rules() {
		fmt.Fprintf(w, "%-22s %s\n", r.Name, r.Description)
	}
}
