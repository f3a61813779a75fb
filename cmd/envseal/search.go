package main

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/envseal/envseal/conda"
	"github.com/envseal/envseal/ops"
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
		return writeJSON(g.Out, res.CondaJSON())
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

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// writeJSONError prints a failure in conda's JSON error shape, with the
// exit code and, where envseal knows it, the next step ("guidance").
func writeJSONError(w io.Writer, err error, code int) {
	j := ops.ErrorJSON(err)
	j["exit_code"] = code
	if g := ops.Guidance(err); g != "" {
		j["guidance"] = g
	}
	_ = writeJSON(w, j)
}
