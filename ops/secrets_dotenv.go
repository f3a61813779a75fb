package ops

import (
	"context"
	"fmt"
	"os"
	"slices"

	"github.com/envseal/envseal/internal/atomicfile"
	"github.com/envseal/envseal/internal/dotenv"
	"github.com/envseal/envseal/lockfile"
	"github.com/envseal/envseal/secrets"
)

// secretsImportDotenv moves the variables of the .env file o.Dotenv (those
// of o.Names, or all) into the seal in one atomic write of the lock. The
// .env file is only rewritten with o.Delete, atomically, after the seal
// is written, without the moved variables' lines. A caller who is not a
// recipient seals them as pending entries.
func secretsImportDotenv(ctx context.Context, o SecretsOptions) (*SecretsResult, error) {
	h := &o.Host
	file := o.Dotenv
	if o.Delete {
		wl, err := h.lockForWrite(ctx, file, o.LockTimeout)
		if err != nil {
			return nil, err
		}
		defer wl.Release()
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("reading .env file: %w", err)
	}
	all, err := dotenv.Parse(file, data)
	if err != nil {
		return nil, err
	}
	for _, n := range o.Names {
		if !slices.ContainsFunc(all, func(v dotenv.Var) bool { return v.Name == n }) {
			return nil, fmt.Errorf("%s: no variable %s", file, n)
		}
	}
	var vars []dotenv.Var
	latest := map[string]string{} // dotenv: the last definition wins
	var names []string
	for _, v := range all {
		if len(o.Names) > 0 && !slices.Contains(o.Names, v.Name) {
			continue
		}
		if err := CheckSecretName(v.Name); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", file, v.Line, err)
		}
		if _, ok := latest[v.Name]; !ok {
			names = append(names, v.Name)
		}
		latest[v.Name] = v.Value
		vars = append(vars, v)
	}
	if len(vars) == 0 {
		return nil, fmt.Errorf("%s has no variables to import", file)
	}
	pending := false
	err = editSecretsOr(ctx, o, true, func(s *secrets.Opened) error {
		for _, n := range names {
			if err := s.Set(n, []byte(latest[n])); err != nil {
				return err
			}
		}
		return nil
	}, func(l *lockfile.Lock, envName string) error {
		for _, n := range names {
			if err := l.Secrets.AddPending(envName, n, []byte(latest[n])); err != nil {
				return err
			}
		}
		pending = true
		return nil
	})
	clear(latest)
	if err != nil {
		return nil, err
	}
	res := &SecretsResult{Names: names, Lock: o.lockPath(), Pending: pending}
	if !o.Delete {
		return res, nil
	}
	mode, err := atomicfile.KeepMode(file, 0o600)
	if err != nil {
		return nil, err
	}
	if err := atomicfile.WriteFile(file, dotenv.Remove(data, vars), mode); err != nil {
		return nil, fmt.Errorf("the values are sealed in %s, but %s could not be rewritten (remove them by hand): %w", o.lockPath(), file, err)
	}
	res.File = file
	return res, nil
}
