package ops

import (
	"fmt"
	"io"
	"strings"

	"github.com/envseal/envseal/conda"
	"github.com/envseal/envseal/internal/progress"
)

// conda's text plans, as `conda create` and `conda install` print them
// before they change anything.

// WriteTable prints the plan linking recs as conda prints it ("## Package
// Plan ##" and a table of name, version, build, channel and size).
func (in *Plan) WriteTable(w io.Writer, recs []*conda.Record) {
	if in.Prefix != "" {
		fmt.Fprintf(w, "\n## Package Plan ##\n\n  environment location: %s\n\n", in.Prefix)
	} else {
		fmt.Fprintf(w, "\n## Package Plan ##\n\n")
	}
	fmt.Fprintf(w, "  The following NEW packages will be INSTALLED (platform %s):\n\n", in.Platform)
	nameW, verW, buildW, chW := 4, 7, 5, 7
	for _, r := range recs {
		nameW = max(nameW, len(r.Name))
		verW = max(verW, len(r.Version.String()))
		buildW = max(buildW, len(r.Build))
		chW = max(chW, len(r.Channel))
	}
	fmt.Fprintf(w, "  %-*s  %-*s  %-*s  %-*s  %10s\n", nameW, "Name", verW, "Version", buildW, "Build", chW, "Channel", "Size")
	var total int64
	for _, r := range recs {
		total += r.Size
		fmt.Fprintf(w, "  %-*s  %-*s  %-*s  %-*s  %10s\n", nameW, r.Name, verW, r.Version.String(), buildW, r.Build, chW, r.Channel, HumanBytes(r.Size))
	}
	fmt.Fprintf(w, "\n  %d packages, %s to download\n\n", len(recs), HumanBytes(total))
}

// HumanBytes is the one rule for sizes envseal prints (plans, download
// bars, clean): decimal units, as the progress bars count them, so a
// plan's total and its bar's total are the same number.
func HumanBytes(n int64) string { return progress.FormatBytes(n) }

// WriteTable prints the change as conda prints a plan for an existing
// environment: what is REMOVED, INSTALLED and CHANGED.
func (e *ChangeReady) WriteTable(w io.Writer) {
	prefix, ch, pd := e.Prefix, e.Change, e.Installed
	fmt.Fprintf(w, "\n## Package Plan ##\n\n  environment location: %s\n\n", prefix)
	if len(ch.Unlink) > 0 {
		fmt.Fprintln(w, "  The following packages will be REMOVED:")
		fmt.Fprintln(w)
		for _, n := range ch.Unlink {
			if r := pd.Record(n); r != nil {
				fmt.Fprintf(w, "    %s-%s-%s\n", r.Name, r.Version.String(), r.Build)
			}
		}
		fmt.Fprintln(w)
	}
	var added, changed []string
	for _, r := range ch.Link {
		if old := pd.Record(r.Name); old != nil {
			changed = append(changed, fmt.Sprintf("    %-20s %s-%s --> %s-%s", r.Name, old.Version.String(), old.Build, r.Version.String(), r.Build))
		} else {
			added = append(added, fmt.Sprintf("    %-20s %s-%s  %s", r.Name, r.Version.String(), r.Build, r.Channel))
		}
	}
	if len(added) > 0 {
		fmt.Fprintf(w, "  The following NEW packages will be INSTALLED:\n\n%s\n\n", strings.Join(added, "\n"))
	}
	if len(changed) > 0 {
		fmt.Fprintf(w, "  The following packages will be CHANGED:\n\n%s\n\n", strings.Join(changed, "\n"))
	}
}

// WriteTable prints the records a lock installs, without solving.
func (e *LockedPlanReady) WriteTable(w io.Writer) {
	fmt.Fprintf(w, "\n## Package Plan (from %s, %s, no solving) ##\n\n  environment location: %s\n\n", e.File, e.Platform, e.Prefix)
	for _, r := range e.Records {
		fmt.Fprintf(w, "    %-24s %-14s %s\n", r.Name, r.Version.String(), r.Build)
	}
	fmt.Fprintln(w)
}
