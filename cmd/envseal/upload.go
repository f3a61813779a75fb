package main

import (
	"fmt"
	"strings"

	"github.com/envseal/envseal/ops"
	"github.com/urfave/cli/v2"
)

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
			&cli.BoolFlag{Name: "json", Usage: "print what was published as JSON"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() < 2 {
				return usagef("upload: want oci://REGISTRY/REPO and at least one package archive")
			}
			target := c.Args().First()
			if !strings.HasPrefix(target, "oci://") {
				return usagef("upload: the first argument must be an oci://REGISTRY/REPO channel URL")
			}
			res, err := ops.Upload(c.Context, ops.UploadOptions{
				Host:     g.host(c.Bool("quiet"), nil),
				Channel:  target,
				Archives: c.Args().Slice()[1:],
				Force:    c.Bool("force"),
			})
			if err != nil {
				return err
			}
			if c.Bool("json") {
				return writeJSON(g.Out, res)
			}
			if !c.Bool("quiet") {
				for _, p := range res.Packages {
					state := "pushed"
					if p.Existed {
						state = "already there"
					}
					fmt.Fprintf(g.Out, "%s/%s: %s (%s:%s)\n", p.Subdir, p.File, state, p.Repository, p.Tag)
				}
				fmt.Fprintf(g.Out, "repodata updated: %s\n", strings.Join(res.Subdirs, ", "))
			}
			return nil
		},
	}
}
