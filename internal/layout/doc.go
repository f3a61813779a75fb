// Package layout holds no code: its test keeps envseal's package graph
// one-way (STYLE.md §1). cmd/envseal sits on ops; ops on prefix, env,
// resolver, channel, lockfile, secrets, config, scan, guard and deptree,
// which never import one another (lockfile may import secrets); conda and
// secrets import no envseal package; internal packages import only conda
// and other internal ones; nothing imports cmd, only commands import ops,
// only commands and internal/cmdutil import a CLI library, and internal/testkit is imported by tests only.
package layout
