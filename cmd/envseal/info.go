package main

import (
	"fmt"
	"strings"

	conf "github.com/envseal/envseal/config"
	"github.com/envseal/envseal/ops"
	"github.com/urfave/cli/v2"
)

func infoCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name:  "info",
		Usage: "show the platform, virtual packages, directories and channels envseal uses",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "platform", Aliases: []string{"subdir"}, Usage: "show the virtual packages assumed for this platform"},
			&cli.BoolFlag{Name: "json", Usage: "print as JSON (conda info --json keys where they exist)"},
		},
		Action: func(c *cli.Context) error { return g.info(c) },
	}
}

func (g *globals) info(c *cli.Context) error {
	res, err := ops.Info(c.Context, ops.InfoOptions{Host: g.host(true, nil), Platform: c.String("platform")})
	if err != nil {
		return err
	}
	cfg, plat, vps, channelURLs := res.Config, res.Platform, res.Virtual, res.ChannelURLs
	if c.Bool("json") {
		return writeJSON(g.Out, res.CondaJSON(version))
	}
	w := g.Out
	row := func(k, v string) { fmt.Fprintf(w, "%24s : %s\n", k, v) }
	row("envseal version", version)
	row("platform", string(plat))
	for i, v := range vps {
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
	row("package cache", strings.Join(cfg.PkgsDirs, "\n"+strings.Repeat(" ", 27)))
	row("envs directories", strings.Join(cfg.EnvsDirs, "\n"+strings.Repeat(" ", 27)))
	row("channel URLs", strings.Join(channelURLs, "\n"+strings.Repeat(" ", 27)))
	row("channel priority", cfg.ChannelPriority)
	if len(cfg.Files) == 0 {
		row("config files", "(none)")
	} else {
		row("config files", strings.Join(cfg.Files, "\n"+strings.Repeat(" ", 27)))
	}
	for _, k := range conf.Keys() {
		if o := res.Sources[k]; len(o) > 0 {
			row(k, strings.Join(o, ", "))
		}
	}
	return nil
}
