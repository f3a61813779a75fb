package ops

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"

	"github.com/envseal/envseal/guard"
	"github.com/envseal/envseal/scan"
	"github.com/envseal/envseal/secrets"
)

// ScanOptions are the options of [Scan].
type ScanOptions struct {
	Host
	// Paths are files or directories to scan; empty means the tracked
	// files of the current directory.
	Paths []string
	// Staged scans what the next commit changes, as staged in git's
	// index.
	Staged bool
	// NoSealed does not open the lock to look for its sealed values.
	NoSealed bool
	// Lock holds the sealed values (default envseal.lock, skipped when
	// that default is absent); LockSet says the caller chose it.
	Lock    string
	LockSet bool
	IdentityOptions
}

// Scan looks for plaintext secrets: credentials, secret-like variables:
// of environment files, and the values sealed in the lock when the
// caller's identity opens it (best effort: a lock that cannot be opened
// is a [*Notice], and the sealed-value rule is skipped). Findings are not
// an error.
func Scan(ctx context.Context, o ScanOptions) (*scan.Result, error) {
	h := &o.Host
	if o.Staged && len(o.Paths) > 0 {
		return nil, usagef("scan: --staged scans what the commit changes; give no PATH with it")
	}
	sealed, closeSealed := h.sealedValues(o)
	defer closeSealed()
	res, err := scan.Run(ctx, scan.Request{Paths: o.Paths, Staged: o.Staged, Sealed: sealed})
	if res != nil && res.Findings == nil {
		res.Findings = []scan.Finding{} // [] in JSON
	}
	return res, err
}

// sealedValues opens the lock's secrets for the sealed-secret rule. It is
// best effort: without a lock, a secrets section or an identity that opens
// it, the rule is skipped (with a note when a section exists).
func (h *Host) sealedValues(o ScanOptions) (scan.SealedFunc, func()) {
	nothing := func() {}
	if o.NoSealed {
		return nil, nothing
	}
	lockPath := o.Lock
	if lockPath == "" {
		lockPath = "envseal.lock"
	}
	if _, err := os.Stat(lockPath); errors.Is(err, fs.ErrNotExist) && !o.LockSet {
		return nil, nothing
	}
	l, err := readLock(lockPath, false)
	if err != nil || l.Secrets == nil {
		if err != nil {
			h.noticef("note: sealed values not checked: %v", err)
		}
		return nil, nothing
	}
	ids, _, err := h.identities(o.IdentityOptions)
	if err == nil {
		var s *secrets.Opened
		if s, err = l.Secrets.Open(lockEnvName(o.IdentityOptions, lockPath), ids...); err == nil {
			return func(yield func(string, []byte) bool) {
				for _, n := range s.Names() {
					v, _ := s.Get(n)
					content, _ := SplitSealedValue(v) // a sealed file is compared by its content
					more := yield(n, content)
					clear(v)
					if !more {
						return
					}
				}
			}, s.Close
		}
	}
	h.noticef("note: the values sealed in %s were not checked (%v)", path.Clean(lockPath), err)
	return nil, nothing
}

// GuardOptions are the options of [GuardInstall] and [GuardUninstall].
type GuardOptions struct {
	Host
	// Envseal is the envseal executable the hook runs ("" for this
	// process's).
	Envseal string
}

// GuardInstall installs the pre-commit hook that runs `envseal scan
// --staged` in the git repository holding the current directory.
func GuardInstall(ctx context.Context, o GuardOptions) (*guard.Result, error) {
	bin := o.Envseal
	if bin == "" {
		var err error
		if bin, err = os.Executable(); err != nil {
			return nil, fmt.Errorf("finding the envseal executable (give --envseal PATH): %w", err)
		}
	}
	res, err := guard.Install(ctx, ".", guard.Options{Command: bin})
	if err != nil {
		return nil, err
	}
	// A team that guards its secrets also merges them: register the
	// envseal.lock merge driver with the hook.
	if res.MergeDriver, err = guard.InstallMergeDriver(ctx, ".", bin); err != nil {
		return res, fmt.Errorf("the guard is installed, but the merge driver is not: %w", err)
	}
	h := &o.Host
	if res.Already {
		h.noticef("the guard is already installed at %s", res.Hook)
	} else {
		h.noticef("guard installed at %s: commits now run `envseal scan --staged`", res.Hook)
	}
	if res.Chained != "" {
		h.noticef("the earlier pre-commit hook runs first (kept as %s)", res.Chained)
	}
	h.noticeMergeDriver(res.MergeDriver)
	return res, nil
}

// GuardUninstall removes the hook GuardInstall wrote and puts back the one
// it chained.
func GuardUninstall(ctx context.Context, o GuardOptions) (*guard.Result, error) {
	res, err := guard.Uninstall(ctx, ".")
	switch {
	case err != nil:
	case res.Already:
		o.Host.noticef("no guard installed")
	case res.Chained != "":
		o.Host.noticef("guard removed; the earlier hook is back at %s", res.Hook)
	default:
		o.Host.noticef("guard removed from %s", res.Hook)
	}
	return res, err
}
