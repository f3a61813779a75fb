package main

import (
	"fmt"

	"github.com/envseal/envseal/ops"
	"github.com/urfave/cli/v2"
)

func indexCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name: "index", Usage: "write repodata.json (and .zst) for a directory of .conda/.tar.bz2 packages", ArgsUsage: "DIR",
		Description: `DIR holds one folder per subdir (linux-64/, noarch/, ...) of package
archives. Each subdir gets a repodata.json built from the archives'
info/index.json plus their size, md5 and sha256, and a repodata.json.zst.
Serve DIR over HTTP, or use it as a local channel: -c DIR.
With --shards, each subdir also gets CEP-16 sharded repodata
(repodata_shards.msgpack.zst and shards/), which envseal, pixi and conda
read one package name at a time.`,
		Flags: []cli.Flag{&cli.BoolFlag{Name: "shards", Usage: "also write sharded repodata (CEP-16)"}},
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
		Name: "upload", Usage: "publish package archives and their repodata to an oci:// channel", ArgsUsage: "oci://REGISTRY/REPO PKG...",
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
			res, err := ops.Upload(c.Context, ops.UploadOptions{Host: g.host(c.Bool("quiet"), nil),
				Channel: c.Args().First(), Archives: c.Args().Slice()[1:], Force: c.Bool("force")})
			if err != nil || c.Bool("quiet") && !c.Bool("json") {
				return err
			}
			return g.show(c, res, res.WriteText)
		},
	}
}
