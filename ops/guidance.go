package ops

import (
	"errors"

	"github.com/envseal/envseal/env"
	"github.com/envseal/envseal/internal/writelock"
	"github.com/envseal/envseal/lockfile"
	"github.com/envseal/envseal/resolver"
	"github.com/envseal/envseal/secrets"
)

// Guider is an error that knows what the user should do next.
type Guider interface{ Guidance() string }

// StaleLockError reports a lock whose inputs changed.
type StaleLockError struct {
	Lock, File string
	Changed    []string
}

func (e *StaleLockError) Error() string {
	msg := e.Lock + " is out of date with " + e.File + ":"
	for _, c := range e.Changed {
		msg += "\n  " + c
	}
	return msg + "\nrun `envseal lock` to update it"
}

// Guidance says what to run next.
func (e *StaleLockError) Guidance() string { return "run `envseal lock` to update " + e.Lock }

// Guidance returns the next step for err, as conda's --json errors carry
// it, or "" when envseal knows none. It never includes a secret: only
// the kind of failure decides the text.
func Guidance(err error) string {
	var g Guider
	var unsat *resolver.UnsolvableError
	var nf *PackagesNotFoundError
	var rnf *resolver.PackagesNotFoundError
	var envParse *env.ParseError
	var lockParse *lockfile.ParseError
	var integrity *secrets.IntegrityError
	var noID *NoIdentityError
	var secNoID *secrets.NoIdentityError
	var usage *UsageError
	var timeout *writelock.TimeoutError
	switch {
	case errors.As(err, &g):
		return g.Guidance()
	case errors.As(err, &unsat):
		return "relax the conflicting pins named above, or add a channel that has a compatible build; `envseal search NAME` lists what the channels offer"
	case errors.As(err, &nf), errors.As(err, &rnf):
		return "check the package name and the channels: `envseal search NAME` (conda-forge names differ from PyPI's)"
	case errors.As(err, &envParse):
		return "fix the environment file at the line named in the error"
	case errors.As(err, &lockParse):
		return "the lockfile does not parse: restore it from git, or run `envseal lock` to write it again"
	case errors.As(err, &integrity):
		return "the sealed secrets were changed outside envseal: restore envseal.lock from git and ask who changed it"
	case errors.As(err, &noID), errors.As(err, &secNoID), errors.Is(err, secrets.ErrNoIdentityMatched):
		return "none of your keys can open the secrets: send your public key (`envseal secrets keygen` prints it) to a teammate, who adds you with `envseal secrets recipients add KEY`"
	case errors.As(err, &timeout):
		return "another envseal is writing the same file; wait for it, or raise --lock-timeout"
	case errors.As(err, &usage):
		return "see `envseal COMMAND --help`"
	}
	return ""
}
