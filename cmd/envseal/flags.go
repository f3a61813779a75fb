package main

import (
	"github.com/envseal/envseal/internal/writelock"
	"github.com/envseal/envseal/ops"
	"github.com/urfave/cli/v2"
)

// The flags several commands share, with conda's names and meaning where
// conda has them, and the options they map to.
var (
	nameFlag     = &cli.StringFlag{Name: "name", Aliases: []string{"n"}, Usage: "environment name (under the envs directory)"}
	prefixFlag   = &cli.StringFlag{Name: "prefix", Aliases: []string{"p"}, Usage: "environment path"}
	quietFlag    = &cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "no progress bars or plan tables"} // as conda takes -q after the verb
	dryRunFlag   = &cli.BoolFlag{Name: "dry-run", Aliases: []string{"d"}, Usage: "only show what would be done"}
	yesFlag      = &cli.BoolFlag{Name: "yes", Aliases: []string{"y"}, Usage: "do not ask for confirmation"}
	lockFlag     = &cli.StringFlag{Name: "lock", Value: "envseal.lock", Usage: "the lockfile holding the sealed secrets"}
	identityFlag = &cli.StringFlag{Name: "identity", Aliases: []string{"i"}, Usage: "identity file (age key or SSH private key)"}
	envNameFlag  = &cli.StringFlag{Name: "env-name", Usage: "environment name the secrets are bound to (default: name: of the environment.yml beside the lock, else \"default\")"}
	shellFlag    = &cli.StringFlag{Name: "shell", Value: "bash", Usage: "bash, zsh or fish"}
	// lockTimeoutFlag bounds how long a command that rewrites envseal.lock
	// or environment.yml waits for another envseal writing the same file.
	lockTimeoutFlag = &cli.DurationFlag{Name: "lock-timeout", Value: writelock.DefaultTimeout, Usage: "how long to wait for another envseal writing the same file"}
)

// jsonFlag is --json, saying what it prints.
func jsonFlag(usage string) cli.Flag { return &cli.BoolFlag{Name: "json", Usage: usage} }

// channelFlags are the flags of every command that reads channels; lock
// has no --platform here (it takes several).
func channelFlags(platform bool) []cli.Flag {
	fs := []cli.Flag{
		&cli.StringSliceFlag{Name: "channel", Aliases: []string{"c"}, Usage: "additional channel to search (name, URL or path); repeat for several, highest priority first"},
		&cli.BoolFlag{Name: "override-channels", Usage: "search only the -c channels (not the configured ones, nor an environment file's)"},
	}
	if platform {
		fs = append(fs, &cli.StringFlag{Name: "platform", Aliases: []string{"subdir"}, Usage: "target platform, e.g. linux-64, osx-arm64, win-64 (default: this machine, or CONDA_SUBDIR)"})
	}
	return append(fs, &cli.BoolFlag{Name: "offline", Usage: "use cached repodata only; never touch the network"})
}

// priorityFlags are the solve's own settings, shared by create, install,
// update and lock.
func priorityFlags() []cli.Flag {
	return []cli.Flag{
		&cli.BoolFlag{Name: "strict-channel-priority", Usage: "same as --channel-priority strict"},
		&cli.StringFlag{Name: "channel-priority", Usage: "strict (default), flexible or disabled"},
		&cli.BoolFlag{Name: "no-pip", Usage: "do not add pip to python's dependencies"},
		&cli.StringFlag{Name: "exclude-newer", Usage: "ignore records published after `DATE|DURATION` (RFC 3339 date or time, or 7d, 2w, 36h before now); overrides exclude_newer in the file and .envsealrc"},
		quietFlag,
	}
}

// solveFlags are the flags of create, install and update.
func solveFlags() []cli.Flag {
	return append(append(channelFlags(true), nameFlag, prefixFlag,
		&cli.StringFlag{Name: "file", Aliases: []string{"f"}, Usage: "read specs and channels from an environment.yml"},
		jsonFlag("print conda's JSON shape"), dryRunFlag, yesFlag,
		&cli.BoolFlag{Name: "frozen", Usage: "with a lockfile: install it as it is, even if its environment.yml changed"},
		&cli.StringFlag{Name: "lock-env", Usage: "with a pixi.lock: the environment to install (default \"default\")"},
	), priorityFlags()...)
}

func channelOptions(c *cli.Context) ops.ChannelOptions {
	return ops.ChannelOptions{Channels: c.StringSlice("channel"), OverrideChannels: c.Bool("override-channels"), Platform: c.String("platform"), Offline: c.Bool("offline")}
}

// solveOptions maps the solve flags (those a command has) and arguments.
func solveOptions(c *cli.Context) ops.SolveOptions {
	return ops.SolveOptions{ChannelOptions: channelOptions(c), Name: c.String("name"), Prefix: c.String("prefix"), File: c.String("file"),
		Specs: c.Args().Slice(), ChannelPriority: c.String("channel-priority"), StrictChannelPriority: c.Bool("strict-channel-priority"),
		NoPip: c.Bool("no-pip"), ExcludeNewer: c.String("exclude-newer")}
}

func lockedOptions(c *cli.Context) ops.LockedOptions {
	return ops.LockedOptions{SolveOptions: solveOptions(c), LockEnv: c.String("lock-env"), Frozen: c.Bool("frozen"), Identity: identityOptions(c)}
}

func identityOptions(c *cli.Context) ops.IdentityOptions {
	return ops.IdentityOptions{IdentityFile: c.String("identity"), EnvName: c.String("env-name"), PluginUI: pluginUI(c)}
}

// wantArgs is the Before of a command that takes exactly n arguments:
// another count is a usage error saying msg.
func wantArgs(n int, msg string) cli.BeforeFunc {
	return func(c *cli.Context) error {
		if c.NArg() != n {
			return usagef("%s", msg)
		}
		return nil
	}
}
