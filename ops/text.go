package ops

import (
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"
	"time"

	conf "github.com/envseal/envseal/config"
	pfx "github.com/envseal/envseal/prefix"
)

// envseal's text reports: each result prints itself as the command line
// shows it, so a program using the library can show a user the same
// report. The plan tables are in plantext.go, the --json shapes in
// condajson.go.

// WriteText says what was created (and from which lock).
func (r *CreateResult) WriteText(w io.Writer) {
	from := ""
	if r.From != "" {
		from = " from " + r.From
	}
	fmt.Fprintf(w, "Created %s%s (%d packages).\n", r.Prefix, from, r.Packages)
}

// WriteText says which environment remove took away, when it was the
// whole environment (a package removal's plan was its report).
func (r *RemoveResult) WriteText(w io.Writer) {
	switch {
	case r.All && r.DryRun:
		fmt.Fprintf(w, "Would remove the environment at %s\n", r.Prefix)
	case r.All:
		fmt.Fprintf(w, "Removed the environment at %s\n", r.Prefix)
	}
}

// WriteText prints the packages as `conda list` does.
func (r *ListResult) WriteText(w io.Writer) {
	fmt.Fprintf(w, "# packages in environment at %s:\n#\n", r.Prefix)
	fmt.Fprintf(w, "# %-23s %-15s %15s  Channel\n", "Name", "Version", "Build")
	for _, rec := range r.Installed.Records {
		fmt.Fprintf(w, "%-25s %-15s %15s  %s\n", rec.Name, rec.Version.String(), rec.Build, rec.Channel)
	}
}

// WriteText prints the environments as `conda env list` does, the active
// one marked.
func (r *EnvsResult) WriteText(w io.Writer) {
	fmt.Fprintf(w, "# envseal environments:\n#\n")
	for _, p := range r.Envs {
		mark := " "
		if p == r.Active {
			mark = "*"
		}
		fmt.Fprintf(w, "%-25s %s  %s\n", filepath.Base(p), mark, p)
	}
}

// WriteText says how much clean removed (or would remove).
func (r *CleanResult) WriteText(w io.Writer, dryRun bool) {
	verb := "Removed"
	if dryRun {
		verb = "Would remove"
	}
	fmt.Fprintf(w, "%s %s from the package cache.\n", verb, HumanBytes(r.Bytes))
}

// WriteText prints the search's records as a table of name, version,
// build and channel.
func (r *SearchResult) WriteText(w io.Writer) {
	fmt.Fprintf(w, "# %-18s %15s %15s  %-20s\n", "Name", "Version", "Build", "Channel")
	for _, rec := range r.Records {
		fmt.Fprintf(w, "%-20s %15s %15s  %-20s\n", rec.Name, rec.Version.String(), rec.Build, rec.Channel)
	}
}

// WriteText prints the settings in `conda info`'s layout: right-aligned
// keys, continuation lines indented under the value.
func (r *InfoResult) WriteText(w io.Writer, version string) {
	row := func(k, v string) { fmt.Fprintf(w, "%24s : %s\n", k, v) }
	rows := func(vs []string) string { return strings.Join(vs, "\n"+strings.Repeat(" ", 27)) }
	cfg, plat := r.Config, r.Platform
	row("envseal version", version)
	row("platform", string(plat))
	for i, v := range r.Virtual {
		k := ""
		if i == 0 {
			k = "virtual packages"
		}
		s := v.Name + "=" + v.Version + "=" + v.Build
		if v.Defaulted {
			s += "  (default for " + string(plat) + ")"
		}
		row(k, s)
	}
	row("root prefix", cfg.Root)
	row("package cache", rows(cfg.PkgsDirs))
	row("envs directories", rows(cfg.EnvsDirs))
	row("channel URLs", rows(r.ChannelURLs))
	row("channel priority", cfg.ChannelPriority)
	if len(cfg.Files) == 0 {
		row("config files", "(none)")
	} else {
		row("config files", rows(cfg.Files))
	}
	for _, k := range conf.Keys() {
		if o := r.Sources[k]; len(o) > 0 {
			row(k, strings.Join(o, ", "))
		}
	}
}

// WriteText says what the lock did: up to date (Check), nothing changed,
// or per platform what changed (+ added, - removed, ~ name old → new).
// quiet leaves out all but the result of a check.
func (r *LockResult) WriteText(w io.Writer, quiet bool) {
	switch {
	case r.Checked:
		fmt.Fprintf(w, "%s is up to date\n", r.Output)
	case quiet:
	case r.Replaced && len(r.Changes) == 0:
		fmt.Fprintf(w, "%s: no package changed\n", r.Output)
	default:
		for _, d := range r.Changes {
			fmt.Fprintf(w, "%s:\n", d.Platform)
			for _, ch := range d.Changes {
				fmt.Fprintf(w, "  %s\n", ch)
			}
		}
	}
}

// WriteText prints the settings as the YAML file would hold them, one a
// line, with where each came from when sources is set.
func (r *ConfigShowResult) WriteText(w io.Writer, sources bool) {
	for _, s := range r.Settings {
		line := s.Key + ": " + showValue(s.Value)
		if sources && len(s.Sources) > 0 {
			line += "    # " + strings.Join(s.Sources, ", ")
		}
		fmt.Fprintln(w, line)
	}
}

// showValue renders a setting the way the YAML file would hold it.
func showValue(v any) string {
	switch v := v.(type) {
	case []string:
		return "[" + strings.Join(v, ", ") + "]"
	case map[string]string:
		var kv []string
		for k, s := range v {
			kv = append(kv, k+": "+s)
		}
		sort.Strings(kv)
		return "{" + strings.Join(kv, ", ") + "}"
	case map[string][]string:
		var kv []string
		for k, s := range v {
			kv = append(kv, k+": "+showValue(s))
		}
		sort.Strings(kv)
		return "{" + strings.Join(kv, ", ") + "}"
	}
	return fmt.Sprint(v)
}

// WriteRepairs lists what a repair relinked and pruned.
func (r *VerifyResult) WriteRepairs(w io.Writer) {
	if r.Repaired == nil {
		return
	}
	for _, d := range r.Repaired.Relinked {
		fmt.Fprintf(w, "relinked %s\n", d)
	}
	for _, f := range r.Repaired.Pruned {
		fmt.Fprintf(w, "removed foreign %s\n", f)
	}
}

// WriteText prints the findings package by package, the foreign files,
// and a last line that says clean or what to do about the drift.
func (r *VerifyResult) WriteText(w io.Writer) {
	rep := r.Report
	for _, p := range rep.Packages {
		head := p.Dist
		if head == "" {
			head = p.Name
		}
		fmt.Fprintf(w, "%s\n", head)
		switch p.Lock {
		case pfx.LockMissing:
			fmt.Fprintf(w, "  not installed: the lock pins %s\n", p.Locked)
		case pfx.LockExtra:
			fmt.Fprintf(w, "  not in the lock\n")
		case pfx.LockOtherBuild:
			fmt.Fprintf(w, "  other build: the lock pins %s\n", p.Locked)
		}
		for _, m := range p.Modified {
			fmt.Fprintf(w, "  modified (%s): %s\n", m.Reason, m.Path)
		}
		for _, m := range p.Missing {
			fmt.Fprintf(w, "  missing: %s\n", m)
		}
	}
	if len(rep.Foreign) > 0 {
		fmt.Fprintf(w, "foreign files (no package owns them)\n")
		for _, f := range rep.Foreign {
			fmt.Fprintf(w, "  %s\n", f)
		}
	}
	for _, p := range rep.MetaProblems {
		fmt.Fprintf(w, "unreadable: %s\n", p)
	}
	if rep.Clean {
		fmt.Fprintf(w, "%s: clean (%d files, %d hashed)\n", rep.Prefix, rep.Stats.Files, rep.Stats.Hashed)
		return
	}
	fmt.Fprintf(w, "%s: drift found (repair damaged files with --repair; lock drift with `envseal install --locked`)\n", rep.Prefix)
}

// WriteList prints SecretsList's names, one a line, pending ones marked
// (with who added them when git knows).
func (r *SecretsResult) WriteList(w io.Writer) {
	for _, e := range r.Entries {
		line := e.Name
		if e.Pending {
			line += "\t(pending"
			if e.AddedBy != "" {
				line += ", added by " + e.AddedBy
			}
			line += ")"
		}
		fmt.Fprintln(w, line)
	}
}

// Label is "fingerprint, comment" (the fingerprint only for SSH keys,
// whose public string does not show it; the plugin for plugin keys).
func (k KeyInfo) Label() string {
	var parts []string
	if k.Plugin != "" {
		parts = append(parts, "age-plugin-"+k.Plugin)
	}
	if strings.HasPrefix(k.Kind, "ssh-") {
		parts = append(parts, k.Fingerprint)
	}
	if k.Comment != "" {
		parts = append(parts, k.Comment)
	}
	return strings.Join(parts, ", ")
}

// describe is "kind, label".
func (k KeyInfo) describe() string {
	if l := k.Label(); l != "" {
		return k.Kind + ", " + l
	}
	return k.Kind
}

// WriteText prints one recipient a line, KEY<tab>KIND[<tab>LABEL]: a
// valid --file for recipients add.
func (r *RecipientsInfo) WriteText(w io.Writer) {
	for _, k := range r.Keys {
		line := k.Recipient + "\t" + k.Kind
		if l := k.Label(); l != "" {
			line += "\t" + l
		}
		fmt.Fprintln(w, line)
	}
}

// WriteNotes says whether the seal is post-quantum and when the data key
// was last made ("envseal: " lines, for stderr).
func (r *RecipientsInfo) WriteNotes(w io.Writer) {
	if len(r.Keys) == 0 {
		return
	}
	if !r.PostQuantum {
		short := make([]string, len(r.Classic))
		for i, k := range r.Classic {
			short[i] = ShortRecipient(k)
		}
		fmt.Fprintf(w, "envseal: warning: the seal is not post-quantum until the last classic recipient is removed (%s)\n", strings.Join(short, ", "))
	}
	if r.RotatedKnown {
		fmt.Fprintf(w, "envseal: data key last rotated %s\n", r.Rotated.UTC().Format(time.RFC3339))
	} else {
		fmt.Fprintln(w, "envseal: data key last rotated: not recorded (the section predates the record; `envseal secrets rotate` records it)")
	}
}

// WriteText prints each secret with the commit that set its value, then
// every value it had and who could read it.
func (r *AuditResult) WriteText(w io.Writer) {
	for _, s := range r.Secrets {
		fmt.Fprintf(w, "%s\t%s\n", s.Name, s.Changed.describe(s.Pending))
		for _, v := range s.Versions {
			readers := make([]string, len(v.Readers))
			for i, rd := range v.Readers {
				readers[i] = ShortRecipient(rd)
			}
			fmt.Fprintf(w, "  %s\treadable by %s\n", v.describe(v.Pending), strings.Join(readers, ", "))
		}
	}
}

// describe is "2026-12-06 abc1234 by Alice" (or uncommitted).
func (c AuditCommit) describe(pending bool) string {
	s := "uncommitted"
	if c.Hash != "" {
		h := c.Hash
		if len(h) > 10 {
			h = h[:10]
		}
		s = fmt.Sprintf("%s %s by %s", c.Date.UTC().Format("2006-01-02"), h, c.Author)
	}
	if pending {
		s += " (added as pending)"
	}
	return s
}
