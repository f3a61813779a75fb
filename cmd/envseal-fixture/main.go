// Command envseal-fixture builds the fixture conda channel (CPython 3.10 and
// 3.11, pip, and small test packages; see internal/fixture) and prints its
// path. It is idempotent: a channel whose stamp matches is left as is.
//
//	envseal-fixture -o DIR [-wheels DIR] [-bzip2-level N] [-zstd-level N]
//
// With -wheels it also writes the test wheels (hellopkg, worldpkg) as a
// wheel directory and a PEP 503 tree, for the `pip:` section of the demo.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"

	"github.com/envseal/envseal/internal/fixture"
	"github.com/envseal/envseal/internal/pip/piptest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("envseal-fixture", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("o", "", "output channel directory (required; replaced when its inputs changed)")
	bz := fs.Int("bzip2-level", 0, "bzip2 level of the .tar.bz2 files (1-9, default 9)")
	zs := fs.Int("zstd-level", 0, "zstd level of the .conda files (default 3)")
	goCmd := fs.String("go", "go", "go command used for `go mod download`")
	wheels := fs.String("wheels", "", "also write the test wheels (hellopkg, worldpkg) into this directory")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *out == "" || fs.NArg() != 0 {
		fmt.Fprintln(stderr, "usage: envseal-fixture -o DIR")
		return 2
	}
	dir, err := filepath.Abs(*out)
	if err != nil {
		fmt.Fprintln(stderr, "envseal-fixture:", err)
		return 1
	}
	err = fixture.Build(ctx, dir, fixture.Options{GoCommand: *goCmd, BZip2Level: *bz, ZstdLevel: *zs})
	if err != nil {
		fmt.Fprintln(stderr, "envseal-fixture:", err)
		if errors.Is(err, context.Canceled) {
			return 130
		}
		return 1
	}
	if *wheels != "" {
		if err := piptest.WriteWheelDir(*wheels); err != nil {
			fmt.Fprintln(stderr, "envseal-fixture: writing wheels:", err)
			return 1
		}
	}
	fmt.Fprintln(stdout, dir)
	return 0
}
