// Package ops is envseal's operations as a library: what the envseal
// command does, callable from a Go program (a CI tool, a notebook server, a
// test) without flag parsing.
//
// Each operation takes a context and an options struct and returns a
// result: [Create], [CreateFromLock], [Install], [InstallLocked], [Update],
// [Remove], [Lock], [Export], [Run], [List], [Envs], [Clean], [Search],
// [Info], [Index], [Activate], [Deactivate], [Scan], [GuardInstall],
// [GuardUninstall], and the secrets operations [SecretsSet], [SecretsGet],
// [SecretsList], [SecretsRm], [SecretsRotate], [SecretsImport],
// [SecretsRecipientsAdd], [SecretsRecipientsRm], [SecretsRecipients] and
// [SecretsKeygen]. Results that conda prints with --json have a CondaJSON
// method giving that shape, and results the command line reports in text
// have a WriteText method (text.go, plantext.go) that writes the report
// to the writer it is given, so a program can show a user what envseal
// shows. Most options structs embed a [Host]: the process environment, the
// configuration, and where progress goes. Progress and messages (what an
// operation did: "wrote …", "recipient …") arrive as [Event]s through the
// small [Events] interface; [TextEvents] prints them as the command line
// does, and a caller that does not care passes nil. The package never
// writes to the process's own streams, exits,
// prompts, reads flags or os.Args, or calls os.Getenv: the caller passes
// all of that in (STYLE.md §4).
//
// It owns the resolve → lock → install flow: channel setup, configuration
// (.condarc/.envsealrc), solve inputs, the transaction plan, pip
// orchestration and the glue between lockfiles and sealed secrets. It sits
// below cmd/envseal and above every other package: it may import prefix,
// env, resolver, channel, lockfile, secrets, config, scan, guard, conda and
// internal/...; none of them may import it, and it must not import
// cmd/envseal or any CLI package (urfave/cli, x/term).
//
// Failures a caller branches on are typed: [*UsageError] (a mistake in what
// was asked), [*ExitError] (the command Run started failed),
// [*NoIdentityError], [*PackagesNotFoundError]; resolver, lockfile and
// secrets errors are wrapped with %w.
package ops
