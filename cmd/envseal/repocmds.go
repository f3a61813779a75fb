package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/envseal/envseal/ops"
	"github.com/envseal/envseal/scan"
	"github.com/urfave/cli/v2"
)

// The commands about channels, configuration and the git repository:
// search, info, index, upload, config, scan, guard and merge-driver.

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
			jsonFlag("print conda's JSON shape: {name: [record, ...]}"),
			&cli.BoolFlag{Name: "skip-flexible-search", Usage: "do not retry with *name* when nothing matches"},
		),
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return usagef("search: want exactly one SPEC, got %d arguments", c.NArg())
			}
			res, err := ops.Search(c.Context, ops.SearchOptions{Host: g.host(true, nil), ChannelOptions: channelOptions(c),
				Spec: c.Args().First(), SkipFlexible: c.Bool("skip-flexible-search")})
			if res != nil && res.Flexible != nil && !c.Bool("json") {
				fmt.Fprintf(g.Out, "No match found for: %s. Search: %s\n", res.Spec.String(), res.Flexible.String())
			}
			if err != nil {
				return jsonErrors(c, g.Out, err)
			}
			return g.show(c, res.CondaJSON(), res.WriteText)
		},
	}
}

func infoCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name:  "info",
		Usage: "show the platform, virtual packages, directories and channels envseal uses",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "platform", Aliases: []string{"subdir"}, Usage: "show the virtual packages assumed for this platform"},
			jsonFlag("print as JSON (conda info --json keys where they exist)"),
		},
		Action: func(c *cli.Context) error {
			res, err := ops.Info(c.Context, ops.InfoOptions{Host: g.host(true, nil), Platform: c.String("platform")})
			if err != nil {
				return err
			}
			return g.show(c, res.CondaJSON(version), func(w io.Writer) { res.WriteText(w, version) })
		},
	}
}

func indexCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name:      "index",
		Usage:     "write repodata.json (and .zst) for a directory of .conda/.tar.bz2 packages",
		ArgsUsage: "DIR",
		Description: `DIR holds one folder per subdir (linux-64/, noarch/, ...) of package
archives. Each subdir gets a repodata.json built from the archives'
info/index.json plus their size, md5 and sha256, and a repodata.json.zst.
Serve DIR over HTTP, or use it as a local channel: -c DIR.
With --shards, each subdir also gets CEP-16 sharded repodata
(repodata_shards.msgpack.zst and shards/), which envseal, pixi and conda
read one package name at a time.`,
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "shards", Usage: "also write sharded repodata (CEP-16)"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return usagef("index: want exactly one DIR, got %d arguments", c.NArg())
			}
			res, err := ops.Index(c.Context, ops.IndexOptions{Dir: c.Args().First(), Shards: c.Bool("shards")})
			if err == nil && !c.Bool("quiet") {
				fmt.Fprintf(g.Out, "indexed %s\n", res.Dir)
			}
			return err
		},
	}
}

func uploadCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name:      "upload",
		Usage:     "publish package archives and their repodata to an oci:// channel",
		ArgsUsage: "oci://REGISTRY/REPO PKG...",
		Description: `Pushes each .conda/.tar.bz2 archive to the OCI registry in the layout of
the conda-forge mirror on ghcr.io (as pixi and rattler read it), then
rewrites the repodata.json of every subdir touched. Read the channel back
with -c oci://REGISTRY/REPO. Credentials: ENVSEAL_OCI_USERNAME and
ENVSEAL_OCI_PASSWORD, or ~/.docker/config.json (docker login).
Loopback registries are reached over plain HTTP; others need TLS unless
insecure_registries names them.`,
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "force", Usage: "replace published packages whose archives differ"},
			jsonFlag("print what was published as JSON"),
		},
		Action: func(c *cli.Context) error {
			if c.NArg() < 2 {
				return usagef("upload: want oci://REGISTRY/REPO and at least one package archive")
			}
			if !strings.HasPrefix(c.Args().First(), "oci://") {
				return usagef("upload: the first argument must be an oci://REGISTRY/REPO channel URL")
			}
			res, err := ops.Upload(c.Context, ops.UploadOptions{Host: g.host(c.Bool("quiet"), nil),
				Channel: c.Args().First(), Archives: c.Args().Slice()[1:], Force: c.Bool("force")})
			if err != nil || c.Bool("quiet") && !c.Bool("json") {
				return err
			}
			return g.show(c, res, res.WriteText)
		},
	}
}

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
				Action: func(c *cli.Context) error {
					if c.NArg() != 1 {
						return usagef("config get: want exactly one KEY")
					}
					return show(c, c.Args().First(), false)
				}},
			kv("set", "give a setting its value", 2, ops.ConfigSet),
			kv("unset", "remove a setting", 1, ops.ConfigUnset),
			kv("add", "put a value first in a list (channels, default_channels, …)", 2, ops.ConfigAdd),
			kv("append", "put a value last in a list", 2, ops.ConfigAppend),
			kv("remove", "take a value out of a list", 2, ops.ConfigRemove),
		},
	}
}

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
			jsonFlag("print the findings as JSON"),
			&cli.BoolFlag{Name: "rules", Usage: "list the rules and exit"},
			&cli.BoolFlag{Name: "no-sealed", Usage: "do not open envseal.lock to look for its sealed values"},
			lockFlag, identityFlag, envNameFlag,
		},
		Action: func(c *cli.Context) error {
			if c.Bool("rules") {
				scan.WriteRules(g.Out)
				return nil
			}
			res, err := ops.Scan(c.Context, ops.ScanOptions{Host: g.host(true, nil), Paths: c.Args().Slice(), Staged: c.Bool("staged"),
				NoSealed: c.Bool("no-sealed"), Lock: c.String("lock"), LockSet: c.IsSet("lock"), IdentityOptions: identityOptions(c)})
			if err != nil {
				return err
			}
			if err := g.show(c, res, res.WriteText); err != nil || len(res.Findings) == 0 {
				return err
			}
			if !c.Bool("json") {
				res.WriteHint(g.Err, c.Bool("staged"))
			}
			return &silentError{code: exitFound, err: fmt.Errorf("%d plaintext secrets found", len(res.Findings))}
		},
	}
}

func guardCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name:  "guard",
		Usage: "refuse commits that carry plaintext secrets (a git pre-commit hook)",
		Description: `install writes a pre-commit hook that runs 'envseal scan --staged' in the
git repository holding the current directory (core.hooksPath when set). A hook
already there is kept and runs first. uninstall removes ours and puts it back.`,
		Subcommands: []*cli.Command{
			{
				Name:  "install",
				Usage: "install the pre-commit hook",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "envseal", Usage: "the envseal executable the hook runs (default: this one)"},
				},
				Action: func(c *cli.Context) error {
					_, err := ops.GuardInstall(c.Context, ops.GuardOptions{Host: g.host(true, nil), Envseal: c.String("envseal")})
					return err
				},
			},
			{
				Name:  "uninstall",
				Usage: "remove the pre-commit hook (and put back the one it chained)",
				Action: func(c *cli.Context) error {
					_, err := ops.GuardUninstall(c.Context, ops.GuardOptions{Host: g.host(true, nil)})
					return err
				},
			},
		},
	}
}

func mergeDriverCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name:      "merge-driver",
		Usage:     "git merge driver for envseal.lock (secrets merge per entry), or --install it",
		ArgsUsage: "%O %A %B %P",
		Description: `git runs it as 'envseal merge-driver %O %A %B %P' once registered with
--install (git config merge.envseal.* and a .gitattributes line; 'envseal
guard install' registers it too). Secrets merge per entry, by name; a name
changed on both sides is a conflict. Recipients merge as sets; if a side
removed one or rotated, the result gets a fresh data key. The MAC is computed
with your identity (ENVSEAL_IDENTITY_FILE, ENVSEAL_IDENTITY or
~/.config/envseal/identity.txt). Platforms changed on both sides conflict:
run 'envseal lock'. No value is ever printed.`,
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "install", Usage: "register the driver in this git repository"},
			&cli.StringFlag{Name: "envseal", Usage: "with --install: the envseal executable git runs (default: this one)"},
			identityFlag, envNameFlag,
		},
		Action: func(c *cli.Context) error {
			if c.Bool("install") {
				if c.NArg() != 0 {
					return usagef("merge-driver --install takes no arguments")
				}
				_, err := ops.MergeDriverInstall(c.Context, ops.MergeDriverInstallOptions{Host: g.host(true, nil), Envseal: c.String("envseal")})
				return err
			}
			if c.NArg() != 4 {
				return usagef("merge-driver: want %%O %%A %%B %%P (git passes them), or --install")
			}
			a := c.Args().Slice()
			_, err := ops.MergeDriver(c.Context, ops.MergeDriverOptions{Host: g.host(true, nil), IdentityOptions: identityOptions(c),
				Base: a[0], Ours: a[1], Theirs: a[2], Path: a[3]})
			return err
		},
	}
}
