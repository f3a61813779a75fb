package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"

	"github.com/envseal/envseal/env"
	"github.com/envseal/envseal/internal/atomicfile"
	"github.com/envseal/envseal/secrets"
	"github.com/urfave/cli/v2"
)

func secretsImportCommand(g *globals, common []cli.Flag) *cli.Command {
	return &cli.Command{
		Name:      "import",
		Usage:     "move plaintext variables: of an environment file into the sealed secrets",
		ArgsUsage: "[NAME...]",
		Description: `Seals the named variables (all of them when no NAME is given) into the
lock, then rewrites the environment file without them, keeping its comments
and order. envseal run passes them to the command as before.`,
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "file", Aliases: []string{"f"}, Value: "environment.yml", Usage: "the environment file"},
		}, common...),
		Action: func(c *cli.Context) error { return g.secretsImport(c) },
	}
}

// secretsImport seals first and rewrites the environment file second, each
// atomically: a failure in between leaves the values in both places, never
// in neither.
//
// The environment file's write lock is held from its read to its rewrite
// (and envseal.lock's inside it, by editSecrets: always in that order, so
// two commands never wait on each other).
func (g *globals) secretsImport(c *cli.Context) error {
	file := c.String("file")
	wl, err := g.lockForWrite(c, file)
	if err != nil {
		return err
	}
	defer wl.Release()
	data, err := os.ReadFile(file)
	if err != nil {
		return fmt.Errorf("reading environment file: %w", err)
	}
	f, err := env.Parse(file, data)
	if err != nil {
		return err
	}
	names := c.Args().Slice()
	for _, n := range names {
		if !slices.ContainsFunc(f.Variables, func(v env.Variable) bool { return v.Name == n }) {
			return fmt.Errorf("%s: no variable %s under variables:", file, n)
		}
	}
	var vars []env.Variable
	for _, v := range f.Variables {
		if len(names) == 0 || slices.Contains(names, v.Name) {
			vars = append(vars, v)
		}
	}
	if len(vars) == 0 {
		return fmt.Errorf("%s has no variables: to import", file)
	}
	for _, v := range vars {
		if err := checkSecretName(v.Name); err != nil {
			return err
		}
	}
	// Computed (and checked) before anything is written.
	rewritten, removed, err := env.RemoveVariables(file, data, names)
	if err != nil {
		return err
	}
	if err := g.editSecrets(c, func(o *secrets.Opened) error {
		for _, v := range vars {
			if old, ok := o.Get(v.Name); ok && string(old) != v.Value {
				fmt.Fprintf(g.Err, "envseal: %s was already sealed with another value; the value from %s replaces it\n", v.Name, file)
			}
			if err := o.Set(v.Name, []byte(v.Value)); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return err
	}
	mode, err := atomicfile.KeepMode(file, 0o644)
	if err != nil {
		return err
	}
	if err := atomicfile.WriteFile(file, rewritten, mode); err != nil {
		return fmt.Errorf("the values are sealed in %s, but %s could not be rewritten (remove the variables by hand): %w", c.String("lock"), file, err)
	}
	fmt.Fprintf(g.Err, "envseal: sealed %s into %s and removed them from %s\n", strings.Join(removed, ", "), c.String("lock"), file)
	fmt.Fprintln(g.Err, "envseal: environments created before still hold them in conda-meta/state until they are re-created; `envseal run` passes the sealed values")
	return nil
}

// withoutSealed drops the variables whose names are sealed in the lock at
// lockPath (names are in clear there): export never writes a value that
// belongs in the seal, even from a prefix made before `secrets import`.
func withoutSealed(vars []env.Variable, lockPath string) ([]env.Variable, error) {
	if len(vars) == 0 {
		return vars, nil
	}
	l, err := readLock(lockPath, false)
	if errors.Is(err, fs.ErrNotExist) {
		return vars, nil
	}
	if err != nil {
		return nil, err
	}
	if l.Secrets == nil {
		return vars, nil
	}
	var out []env.Variable
	for _, v := range vars {
		if !slices.ContainsFunc(l.Secrets.Entries, func(e secrets.Entry) bool { return e.Name == v.Name }) {
			out = append(out, v)
		}
	}
	return out, nil
}
