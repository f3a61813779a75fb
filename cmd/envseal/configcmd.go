package main

import (
	"fmt"
	"sort"
	"strings"

	"github.com/envseal/envseal/ops"
	"github.com/urfave/cli/v2"
)

func configCommand(g *globals) *cli.Command {
	fileFlag := &cli.StringFlag{Name: "file", Usage: "the file to change or show (default $ENVSEALRC, else ~/.envsealrc; e.g. a project's .envsealrc)"}
	edit := func(action ops.ConfigAction, nargs int) cli.ActionFunc {
		return func(c *cli.Context) error {
			if c.NArg() != nargs {
				return usagef("config %s: want %d argument(s), got %d", c.Command.Name, nargs, c.NArg())
			}
			return g.configEdit(c, action, c.Args().Get(0), c.Args().Get(1))
		}
	}
	kv := func(name, usage string, action ops.ConfigAction) *cli.Command {
		return &cli.Command{Name: name, Usage: usage, ArgsUsage: "KEY VALUE", Flags: []cli.Flag{fileFlag}, Action: edit(action, 2)}
	}
	return &cli.Command{
		Name:  "config",
		Usage: "show or change envseal's configuration (~/.envsealrc; conda's files are read too)",
		Description: `Also takes conda config's spellings: --show [KEY], --get [KEY], --set KEY VALUE,
--add KEY VALUE, --append KEY VALUE, --remove KEY VALUE, --remove-key KEY.
Writes keep the file's comments and order, and refuse unknown keys and bad
values (naming the valid ones). Map keys take a dotted entry:
proxy_servers.https, custom_channels.NAME.`,
		Flags: []cli.Flag{fileFlag,
			&cli.BoolFlag{Name: "show", Usage: "conda spelling of list"},
			&cli.BoolFlag{Name: "get", Usage: "conda spelling of get"},
			&cli.StringFlag{Name: "set", Usage: "conda spelling of set: --set KEY VALUE"},
			&cli.StringFlag{Name: "add", Usage: "conda spelling of add: --add KEY VALUE"},
			&cli.StringFlag{Name: "append", Usage: "conda spelling of append: --append KEY VALUE"},
			&cli.StringFlag{Name: "remove", Usage: "conda spelling of remove: --remove KEY VALUE"},
			&cli.StringFlag{Name: "remove-key", Usage: "conda spelling of unset: --remove-key KEY"},
			&cli.BoolFlag{Name: "show-sources", Usage: "with --show: say where each setting came from"},
			&cli.BoolFlag{Name: "json", Usage: "print settings as JSON"},
		},
		Action: func(c *cli.Context) error {
			one := func(flag string, action ops.ConfigAction) error {
				if c.NArg() != 1 {
					return usagef("config --%s KEY VALUE: want one VALUE", flag)
				}
				return g.configEdit(c, action, c.String(flag), c.Args().First())
			}
			switch {
			case c.IsSet("set"):
				return one("set", ops.ConfigSet)
			case c.IsSet("add"):
				return one("add", ops.ConfigAdd)
			case c.IsSet("append"):
				return one("append", ops.ConfigAppend)
			case c.IsSet("remove"):
				return one("remove", ops.ConfigRemove)
			case c.IsSet("remove-key"):
				return g.configEdit(c, ops.ConfigUnset, c.String("remove-key"), "")
			case c.Bool("show"), c.Bool("get"), c.NArg() == 0:
				return g.configShow(c, c.Args().First(), c.Bool("show-sources"))
			}
			return usagef("config: unknown subcommand %q (get, set, unset, list, add, append, remove)", c.Args().First())
		},
		Subcommands: []*cli.Command{
			{Name: "list", Usage: "show every setting as commands see it", Flags: []cli.Flag{fileFlag,
				&cli.BoolFlag{Name: "show-sources", Usage: "say where each setting came from"},
				&cli.BoolFlag{Name: "json", Usage: "print as JSON"}},
				Action: func(c *cli.Context) error { return g.configShow(c, "", c.Bool("show-sources")) }},
			{Name: "get", Usage: "show one setting", ArgsUsage: "KEY", Flags: []cli.Flag{fileFlag, &cli.BoolFlag{Name: "json", Usage: "print as JSON"}},
				Action: func(c *cli.Context) error {
					if c.NArg() != 1 {
						return usagef("config get: want exactly one KEY")
					}
					return g.configShow(c, c.Args().First(), false)
				}},
			kv("set", "give a setting its value", ops.ConfigSet),
			{Name: "unset", Usage: "remove a setting", ArgsUsage: "KEY", Flags: []cli.Flag{fileFlag}, Action: edit(ops.ConfigUnset, 1)},
			kv("add", "put a value first in a list (channels, default_channels, …)", ops.ConfigAdd),
			kv("append", "put a value last in a list", ops.ConfigAppend),
			kv("remove", "take a value out of a list", ops.ConfigRemove),
		},
	}
}

func (g *globals) configEdit(c *cli.Context, action ops.ConfigAction, key, value string) error {
	res, err := ops.ConfigEdit(c.Context, ops.ConfigEditOptions{Host: g.host(true, nil), File: c.String("file"), Action: action, Key: key, Value: value})
	if err == nil && !c.Bool("quiet") {
		fmt.Fprintf(g.Err, "envseal: wrote %s\n", res.File)
	}
	return err
}

func (g *globals) configShow(c *cli.Context, key string, sources bool) error {
	res, err := ops.ConfigShow(c.Context, ops.ConfigShowOptions{Host: g.host(true, nil), File: c.String("file"), Key: key})
	if err != nil || c.Bool("json") {
		if err == nil {
			err = writeJSON(g.Out, res)
		}
		return err
	}
	for _, s := range res.Settings {
		line := s.Key + ": " + showValue(s.Value)
		if sources && len(s.Sources) > 0 {
			line += "    # " + strings.Join(s.Sources, ", ")
		}
		fmt.Fprintln(g.Out, line)
	}
	return nil
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
