package ops

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"

	"github.com/envseal/envseal/env"
	"github.com/envseal/envseal/internal/atomicfile"
	"github.com/envseal/envseal/secrets"
)

// SecretsImport moves plaintext variables: of an environment file (o.File,
// default environment.yml) into the sealed secrets: o.Names, or all of
// them when o.Names is empty; the result names the variables moved. It seals first and rewrites the file second, each
// atomically: a failure in between leaves the values in both places,
// never in neither. The file keeps its comments and order.
//
// The environment file's write lock is held from its read to its rewrite
// (and envseal.lock's inside it, by editSecrets: always in that order, so
// two operations never wait on each other).
func SecretsImport(ctx context.Context, o SecretsOptions) (*SecretsResult, error) {
	h := &o.Host
	if o.Dotenv == "" {
		res, err := secretsImportFile(ctx, o)
		if err == nil {
			h.noticef("sealed %s into %s and removed them from %s", strings.Join(res.Names, ", "), res.Lock, res.File)
			h.noticef("environments created before still hold them in conda-meta/state until they are re-created; `envseal run` passes the sealed values")
		}
		return res, err
	}
	res, err := secretsImportDotenv(ctx, o)
	if err != nil {
		return nil, err
	}
	h.noticef("sealed %s into %s", strings.Join(res.Names, ", "), res.Lock)
	if res.File != "" {
		h.noticef("removed them from %s", res.File)
	} else {
		h.noticef("%s is unchanged: delete it (or rerun with --delete) once the seal is committed", o.Dotenv)
	}
	return res, nil
}

// secretsImportFile is SecretsImport from an environment file.
func secretsImportFile(ctx context.Context, o SecretsOptions) (*SecretsResult, error) {
	h := &o.Host
	file, names := o.File, o.Names
	if file == "" {
		file = "environment.yml"
	}
	wl, err := h.lockForWrite(ctx, file, o.LockTimeout)
	if err != nil {
		return nil, err
	}
	defer wl.Release()
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("reading environment file: %w", err)
	}
	f, err := env.Parse(file, data)
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		if !slices.ContainsFunc(f.Variables, func(v env.Variable) bool { return v.Name == n }) {
			return nil, fmt.Errorf("%s: no variable %s under variables:", file, n)
		}
	}
	var vars []env.Variable
	for _, v := range f.Variables {
		if len(names) == 0 || slices.Contains(names, v.Name) {
			vars = append(vars, v)
		}
	}
	if len(vars) == 0 {
		return nil, fmt.Errorf("%s has no variables: to import", file)
	}
	for _, v := range vars {
		if err := CheckSecretName(v.Name); err != nil {
			return nil, err
		}
	}
	// Computed (and checked) before anything is written.
	rewritten, removed, err := env.RemoveVariables(file, data, names)
	if err != nil {
		return nil, err
	}
	if err := editSecrets(ctx, o, true, func(s *secrets.Opened) error {
		for _, v := range vars {
			if old, ok := s.Get(v.Name); ok && string(old) != v.Value {
				h.noticef("%s was already sealed with another value; the value from %s replaces it", v.Name, file)
			}
			if err := s.Set(v.Name, []byte(v.Value)); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return nil, err
	}
	mode, err := atomicfile.KeepMode(file, 0o644)
	if err != nil {
		return nil, err
	}
	if err := atomicfile.WriteFile(file, rewritten, mode); err != nil {
		return nil, fmt.Errorf("the values are sealed in %s, but %s could not be rewritten (remove the variables by hand): %w", o.lockPath(), file, err)
	}
	return &SecretsResult{Names: removed, Lock: o.lockPath(), File: file}, nil
}

// withoutSealed drops the variables whose names are sealed in the lock at
// lockPath (names are in clear there) and, when the user's identity opens
// the section, those whose value is sealed under another name: export never
// writes a value that belongs in the seal, even from a prefix made before
// `secrets import`.
func (h *Host) withoutSealed(vars []env.Variable, lockPath string) ([]env.Variable, error) {
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
	sealed := func(v env.Variable) bool {
		return slices.ContainsFunc(l.Secrets.Entries, func(e secrets.Entry) bool { return e.Name == v.Name }) || slices.Contains(l.Secrets.PendingNames(), v.Name)
	}
	// Best effort: without an identity that opens the section, names only.
	if ids, _, err := h.identities(IdentityOptions{}); err == nil {
		if o, err := l.Secrets.Open(lockEnvName(IdentityOptions{}, lockPath), ids...); err == nil {
			defer o.Close()
			byName := sealed
			sealed = func(v env.Variable) bool {
				if byName(v) {
					return true
				}
				for _, n := range o.Names() {
					val, _ := o.Get(n)
					same := string(val) == v.Value
					clear(val)
					if same {
						return true
					}
				}
				return false
			}
		}
	}
	var out []env.Variable
	for _, v := range vars {
		if !sealed(v) {
			out = append(out, v)
		}
	}
	return out, nil
}
