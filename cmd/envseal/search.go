package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/envseal/envseal/conda"
	"github.com/envseal/envseal/ops"
	"github.com/envseal/envseal/resolver"
	"github.com/urfave/cli/v2"
)

func searchCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name:      "search",
		Usage:     "list the packages matching a spec, ordered as conda orders them",
		ArgsUsage: "SPEC",
		Description: `SPEC is a conda match spec: "numpy", "numpy>=1.26", "python=3.10",
"conda-forge::numpy 1.26.* py312*", "numpy[build_number=1]", "num*".
Records are listed by name, then version (conda's VersionOrder), then build.
When an exact name matches nothing, "*name*" is tried (as conda does).`,
		Flags: append(channelFlags(),
			&cli.BoolFlag{Name: "json", Usage: "print conda's JSON shape: {name: [record, ...]}"},
			&cli.BoolFlag{Name: "skip-flexible-search", Usage: "do not retry with *name* when nothing matches"},
		),
		Action: func(c *cli.Context) error { return g.search(c) },
	}
}

func (g *globals) search(c *cli.Context) error {
	if c.NArg() != 1 {
		return usagef("search: want exactly one SPEC, got %d arguments", c.NArg())
	}
	asJSON := c.Bool("json")
	res, err := ops.Search(c.Context, ops.SearchOptions{Host: g.host(true, nil), ChannelOptions: channelOptions(c),
		Spec: c.Args().First(), SkipFlexible: c.Bool("skip-flexible-search")})
	if res != nil && res.Flexible != nil && !asJSON {
		fmt.Fprintf(g.Out, "No match found for: %s. Search: %s\n", res.Spec.String(), res.Flexible.String())
	}
	if err != nil {
		return jsonErrors(c, g.Out, err)
	}
	if asJSON {
		return writeSearchJSON(g.Out, res.Records, res.Channel)
	}
	writeSearchTable(g.Out, res.Records)
	return nil
}

func writeSearchTable(w io.Writer, recs []*conda.Record) {
	fmt.Fprintf(w, "# %-18s %15s %15s  %-20s\n", "Name", "Version", "Build", "Channel")
	for _, r := range recs {
		fmt.Fprintf(w, "%-20s %15s %15s  %-20s\n", r.Name, r.Version.String(), r.Build, r.Channel)
	}
}

// searchRecord renders a record the way conda search --json does: the
// repodata fields plus channel (the subdir URL), fn and url, keys sorted.
func searchRecord(r *conda.Record, channel func(string) (conda.Channel, bool)) map[string]any {
	m := map[string]any{
		"name":         r.Name,
		"version":      r.Version.String(),
		"build":        r.Build,
		"build_number": r.BuildNumber,
		"depends":      nonNil(r.Depends),
		"constrains":   nonNil(r.Constrains),
		"subdir":       r.Subdir,
		"fn":           r.Fn,
		"url":          r.URL,
		"md5":          r.MD5,
		"sha256":       r.SHA256,
		"size":         r.Size,
		"timestamp":    r.Timestamp,
		"channel":      recordChannelURL(r, channel),
	}
	if r.Arch != "" {
		m["arch"] = r.Arch
	}
	if r.Platform != "" {
		m["platform"] = r.Platform
	}
	if r.License != "" {
		m["license"] = r.License
	}
	if r.LicenseFamily != "" {
		m["license_family"] = r.LicenseFamily
	}
	if r.Noarch != "" {
		m["noarch"] = r.Noarch
	}
	if len(r.TrackFeatures) > 0 {
		m["track_features"] = strings.Join(r.TrackFeatures, ",")
	}
	if r.Features != "" {
		m["features"] = r.Features
	}
	return m
}

// recordChannelURL is the credential-free URL of the record's channel
// subdir, as conda prints in "channel".
func recordChannelURL(r *conda.Record, channel func(string) (conda.Channel, bool)) string {
	if ch, ok := channel(r.Channel); ok {
		return ch.SubdirURL(conda.Platform(r.Subdir))
	}
	if r.URL != "" {
		return path.Dir(r.URL)
	}
	return r.Channel
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func writeSearchJSON(w io.Writer, recs []*conda.Record, channel func(string) (conda.Channel, bool)) error {
	out := map[string][]map[string]any{}
	for _, r := range recs {
		out[r.Name] = append(out[r.Name], searchRecord(r, channel))
	}
	return writeJSON(w, out)
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// writeJSONError prints a failure in conda's JSON error shape.
func writeJSONError(w io.Writer, err error) {
	name := "CondaError"
	var nf *ops.PackagesNotFoundError
	var rnf *resolver.PackagesNotFoundError
	var unsat *resolver.UnsolvableError
	var ue *usageError
	switch {
	case errors.As(err, &unsat):
		name = "UnsatisfiableError"
	case errors.As(err, &nf), errors.As(err, &rnf):
		name = "PackagesNotFoundError"
	case errors.As(err, &ue):
		name = "ArgumentError"
	}
	_ = writeJSON(w, map[string]any{
		"success":        false,
		"error":          name + ": " + err.Error(),
		"exception_name": name,
		"message":        err.Error(),
	})
}
