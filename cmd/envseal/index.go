package main

import (
	"fmt"

	"github.com/envseal/envseal/ops"
	"github.com/urfave/cli/v2"
)

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
			if err != nil {
				return err
			}
			if !c.Bool("quiet") {
				fmt.Fprintf(g.Out, "indexed %s\n", res.Dir)
			}
			return nil
		},
	}
}
