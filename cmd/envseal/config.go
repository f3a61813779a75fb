package main

import (
	"io"

	"github.com/envseal/envseal/ops"
	"github.com/urfave/cli/v2"
)

func configCommand(g *globals) *cli.Command {
	fileFlag := &cli.StringFlag{Name: "file", Usage: "the file to change or show (default $ENVSEALRC, else ~/.envsealrc; e.g. a project's .envsealrc)"}
	edit := func(c *cli.Context, action ops.ConfigAction, key, value string) error {
		_, err := ops.ConfigEdit(c.Context, ops.ConfigEditOptions{Host: g.host(c.Bool("quiet"), nil), File: c.String("file"), Action: action, Key: key, Value: value})
		return err
	}
	show := func(c *cli.Context, key string, sources bool) error {
		res, err := ops.ConfigShow(c.Context, ops.ConfigShowOptions{Host: g.host(true, nil), File: c.String("file"), Key: key})
		if err != nil {
			return err
		}
		return g.show(c, res, func(w io.Writer) { res.WriteText(w, sources) })
	}
	// kv is a subcommand that takes nargs arguments, KEY [VALUE].
	kv := func(name, usage string, nargs int, action ops.ConfigAction) *cli.Command {
		args := map[int]string{1: "KEY", 2: "KEY VALUE"}[nargs]
		return &cli.Command{Name: name, Usage: usage, ArgsUsage: args, Flags: []cli.Flag{fileFlag},
			Action: func(c *cli.Context) error {
				if c.NArg() != nargs {
					return usagef("config %s: want %d argument(s), got %d", c.Command.Name, nargs, c.NArg())
				}
				return edit(c, action, c.Args().Get(0), c.Args().Get(1))
			}}
	}
	return &cli.Command{
		Name: "config", Usage: "show or change envseal's configuration (~/.envsealrc; conda's files are read too)",
		Description: `Also takes conda config's spellings: --show [KEY], --get [KEY], --set KEY VALUE,
--add KEY VALUE, --append KEY VALUE, --remove KEY VALUE, --remove-key KEY.
Writes keep the file's comments and order, and refuse unknown keys and bad
values (naming the valid ones). Map keys take a dotted entry:
proxy_servers.https, custom_channels.NAME.`,
		Flags: []cli.Flag{fileFlag,
			&cli.BoolFlag{Name: "show", Usage: "conda spelling of list"}, &cli.BoolFlag{Name: "get", Usage: "conda spelling of get"},
			&cli.StringFlag{Name: "set", Usage: "conda spelling of set: --set KEY VALUE"}, &cli.StringFlag{Name: "add", Usage: "conda spelling of add: --add KEY VALUE"},
			&cli.StringFlag{Name: "append", Usage: "conda spelling of append: --append KEY VALUE"}, &cli.StringFlag{Name: "remove", Usage: "conda spelling of remove: --remove KEY VALUE"},
			&cli.StringFlag{Name: "remove-key", Usage: "conda spelling of unset: --remove-key KEY"},
			&cli.BoolFlag{Name: "show-sources", Usage: "with --show: say where each setting came from"},
			jsonFlag("print settings as JSON"),
		},
		Action: func(c *cli.Context) error {
			for i, flag := range []string{"set", "add", "append", "remove"} {
				if action := []ops.ConfigAction{ops.ConfigSet, ops.ConfigAdd, ops.ConfigAppend, ops.ConfigRemove}[i]; c.IsSet(flag) {
					if c.NArg() != 1 {
						return usagef("config --%s KEY VALUE: want one VALUE", flag)
					}
					return edit(c, action, c.String(flag), c.Args().First())
				}
			}
			switch {
			case c.IsSet("remove-key"):
				return edit(c, ops.ConfigUnset, c.String("remove-key"), "")
			case c.Bool("show"), c.Bool("get"), c.NArg() == 0:
				return show(c, c.Args().First(), c.Bool("show-sources"))
			}
			return usagef("config: unknown subcommand %q (get, set, unset, list, add, append, remove)", c.Args().First())
		},
		Subcommands: []*cli.Command{
			{Name: "list", Usage: "show every setting as commands see it", Flags: []cli.Flag{fileFlag,
				&cli.BoolFlag{Name: "show-sources", Usage: "say where each setting came from"}, jsonFlag("print as JSON")},
				Action: func(c *cli.Context) error { return show(c, "", c.Bool("show-sources")) }},
			{Name: "get", Usage: "show one setting", ArgsUsage: "KEY", Flags: []cli.Flag{fileFlag, jsonFlag("print as JSON")},
				Before: wantArgs(1, "config get: want exactly one KEY"), Action: func(c *cli.Context) error { return show(c, c.Args().First(), false) }},
			kv("set", "give a setting its value", 2, ops.ConfigSet),
			kv("unset", "remove a setting", 1, ops.ConfigUnset),
			kv("add", "put a value first in a list (channels, default_channels, …)", 2, ops.ConfigAdd),
			kv("append", "put a value last in a list", 2, ops.ConfigAppend),
			kv("remove", "take a value out of a list", 2, ops.ConfigRemove),
		},
	}
}
