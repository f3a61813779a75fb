package ops

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"

	"github.com/envseal/envseal/conda"
	"github.com/envseal/envseal/guard"
	"github.com/envseal/envseal/internal/atomicfile"
	"github.com/envseal/envseal/lockfile"
	"github.com/envseal/envseal/secrets"
)

// MergeDriverOptions are the options of [MergeDriver]: git's %O %A %B %P.
type MergeDriverOptions struct {
	Host
	IdentityOptions
	// Base, Ours and Theirs are the three versions (git's %O, %A, %B);
	// the result is written over Ours.
	Base, Ours, Theirs string
	// Path is the lock's path in the repository (%P), for messages and
	// to find the environment name beside it.
	Path string
}

// MergeDriverResult says what [MergeDriver] merged.
type MergeDriverResult struct {
	// Secrets are the secret names taken from their side (added,
	// changed or removed there).
	Secrets []string
	// Platforms are the platforms taken from their side.
	Platforms []string
	// Rekeyed: a side removed a recipient or rotated, so the result is
	// sealed under a fresh data key.
	Rekeyed bool
}

// MergeConflictError lists what changed on both sides. The lock was still
// written with our side for those parts and everything else merged.
type MergeConflictError struct {
	Path      string
	Conflicts []string
}

func (e *MergeConflictError) Error() string {
	return fmt.Sprintf("%s: merge conflict (our side kept for these; fix, then `git add %s`):\n  %s", e.Path, e.Path, strings.Join(e.Conflicts, "\n  "))
}

// MergeDriver is a 3-way merge of envseal.lock for git. Secrets merge per
// entry, by name (opened with the caller's identity, which must open both
// sides, and sealed again with a new MAC); recipients merge as sets, and
// when either side removed a recipient or rotated, the result is sealed
// under a fresh data key. Package sections merge per platform: one taken
// from the side that changed it; both changed is a conflict to solve with
// `envseal lock`. No value is ever printed or written in clear. On a
// conflict the best merge is still written and the error is a
// [*MergeConflictError].
func MergeDriver(ctx context.Context, o MergeDriverOptions) (*MergeDriverResult, error) {
	res, err := mergeDriver(ctx, o)
	if res != nil {
		if len(res.Secrets) > 0 {
			o.Host.noticef("%s: took their %s", o.Path, strings.Join(res.Secrets, ", "))
		}
		if len(res.Platforms) > 0 {
			o.Host.noticef("%s: took their packages for %s", o.Path, strings.Join(res.Platforms, ", "))
		}
		if res.Rekeyed {
			o.Host.noticef("%s: a side removed a recipient or rotated: sealed under a fresh data key", o.Path)
		}
	}
	return res, err
}

func mergeDriver(ctx context.Context, o MergeDriverOptions) (*MergeDriverResult, error) {
	path := o.Path
	if path == "" {
		path = "envseal.lock"
	}
	read := func(file, side string) (*lockfile.Lock, error) {
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("%s (%s): %w", path, side, err)
		}
		if len(bytes.TrimSpace(data)) == 0 {
			return lockfile.New(), nil // no common ancestor
		}
		l, err := lockfile.Parse(data)
		if err != nil {
			return nil, fmt.Errorf("%s (%s): %w", path, side, err)
		}
		return l, nil
	}
	base, err := read(o.Base, "common ancestor")
	if err != nil {
		return nil, err
	}
	ours, err := read(o.Ours, "our side")
	if err != nil {
		return nil, err
	}
	theirs, err := read(o.Theirs, "their side")
	if err != nil {
		return nil, err
	}
	h := &o.Host
	res := &MergeDriverResult{}
	merged, conflicts := mergePackages(base, ours, theirs, res)
	sec, secConflicts, err := mergeSecretSections(base.Secrets, ours.Secrets, theirs.Secrets, func() ([]secrets.Identity, string, error) {
		ids, _, err := h.identities(o.IdentityOptions)
		return ids, lockEnvName(o.IdentityOptions, path), err
	}, res)
	if err != nil {
		return nil, fmt.Errorf("%s: merging the secrets: %w", path, err)
	}
	merged.Secrets = sec
	if sec != ours.Secrets && sec != theirs.Secrets {
		h.warnPostQuantum(sec)
	}
	conflicts = append(conflicts, secConflicts...)
	data, err := lockfile.Marshal(merged)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	mode, err := atomicfile.KeepMode(o.Ours, 0o644)
	if err != nil {
		return nil, err
	}
	if err := atomicfile.WriteFile(o.Ours, data, mode); err != nil {
		return nil, err
	}
	if len(conflicts) > 0 {
		return res, &MergeConflictError{Path: path, Conflicts: conflicts}
	}
	return res, nil
}

// platformText is one platform's part of a lock in canonical text, "" when
// the lock lacks it.
func platformText(l *lockfile.Lock, p conda.Platform) string {
	if !slices.Contains(l.AllPlatforms(), p) {
		return ""
	}
	sub := platformPart(l, p)
	data, err := lockfile.Marshal(sub)
	if err != nil {
		return "invalid: " + err.Error()
	}
	return string(data)
}

// platformPart is the lock reduced to platform p (no secrets).
func platformPart(l *lockfile.Lock, p conda.Platform) *lockfile.Lock {
	sub := lockfile.New()
	sub.Metadata.Platforms = []conda.Platform{p}
	if h, ok := l.Metadata.ContentHash[p]; ok {
		sub.Metadata.ContentHash = map[conda.Platform]string{p: h}
	}
	if in, ok := l.Metadata.Inputs[p]; ok {
		sub.Metadata.Inputs = map[conda.Platform]*lockfile.Inputs{p: in}
	}
	if pk, ok := l.Packages[p]; ok {
		sub.Packages = map[conda.Platform][]*lockfile.Package{p: pk}
	}
	if pk, ok := l.PyPI[p]; ok {
		sub.PyPI = map[conda.Platform][]*lockfile.PyPIPackage{p: pk}
	}
	return sub
}

// mergePackages merges everything but the secrets.
func mergePackages(base, ours, theirs *lockfile.Lock, res *MergeDriverResult) (*lockfile.Lock, []string) {
	var conflicts []string
	merged := lockfile.New()
	meta := func(l *lockfile.Lock) string {
		m := l.Metadata
		return fmt.Sprintf("%q|%q|%q", m.Sources, m.Channels, m.ChannelPriority)
	}
	src := ours
	switch b, a, t := meta(base), meta(ours), meta(theirs); {
	case a == t || t == b:
	case a == b:
		src = theirs
	default:
		conflicts = append(conflicts, "the lock's sources, channels or channel priority changed on both sides: run `envseal lock`")
	}
	merged.Metadata.Sources, merged.Metadata.Channels, merged.Metadata.ChannelPriority = src.Metadata.Sources, src.Metadata.Channels, src.Metadata.ChannelPriority
	set := map[conda.Platform]bool{}
	for _, l := range []*lockfile.Lock{base, ours, theirs} {
		for _, p := range l.AllPlatforms() {
			set[p] = true
		}
	}
	var plats []conda.Platform
	for p := range set {
		plats = append(plats, p)
	}
	sort.Slice(plats, func(i, j int) bool { return plats[i] < plats[j] })
	for _, p := range plats {
		b, a, t := platformText(base, p), platformText(ours, p), platformText(theirs, p)
		from := ours
		switch {
		case a == t || t == b:
		case a == b:
			from = theirs
			res.Platforms = append(res.Platforms, string(p))
		default:
			conflicts = append(conflicts, fmt.Sprintf("platform %s changed on both sides: run `envseal lock` to solve it again", p))
		}
		if !slices.Contains(from.AllPlatforms(), p) {
			continue
		}
		part := platformPart(from, p)
		merged.Metadata.Platforms = append(merged.Metadata.Platforms, p)
		for k, v := range part.Metadata.ContentHash {
			if merged.Metadata.ContentHash == nil {
				merged.Metadata.ContentHash = map[conda.Platform]string{}
			}
			merged.Metadata.ContentHash[k] = v
		}
		for k, v := range part.Metadata.Inputs {
			if merged.Metadata.Inputs == nil {
				merged.Metadata.Inputs = map[conda.Platform]*lockfile.Inputs{}
			}
			merged.Metadata.Inputs[k] = v
		}
		for k, v := range part.Packages {
			if merged.Packages == nil {
				merged.Packages = map[conda.Platform][]*lockfile.Package{}
			}
			merged.Packages[k] = v
		}
		for k, v := range part.PyPI {
			if merged.PyPI == nil {
				merged.PyPI = map[conda.Platform][]*lockfile.PyPIPackage{}
			}
			merged.PyPI[k] = v
		}
	}
	return merged, conflicts
}

func sectionText(s *secrets.Section) string {
	if s == nil {
		return ""
	}
	data, err := s.Marshal()
	if err != nil {
		return "invalid: " + err.Error()
	}
	return string(data)
}

// ErrMergeNeedsIdentity: the secrets changed on both sides and the
// merging user has no identity that opens them.
var ErrMergeNeedsIdentity = errors.New("both sides changed the secrets, and merging them needs an identity that opens both (the MAC is computed with the data key): " +
	"run `git merge --abort`, then merge again with your identity available (--identity is not passed by git: set ENVSEAL_IDENTITY_FILE, or keep it at ~/.config/envseal/identity.txt), or ask a recipient (`envseal secrets recipients list`) to merge")

// mergeSecretSections merges the secrets sections per entry.
func mergeSecretSections(base, ours, theirs *secrets.Section, identity func() ([]secrets.Identity, string, error), res *MergeDriverResult) (*secrets.Section, []string, error) {
	b, a, t := sectionText(base), sectionText(ours), sectionText(theirs)
	switch {
	case a == t || t == b:
		return ours, nil, nil
	case a == b:
		if theirs != nil {
			for _, e := range theirs.Entries {
				res.Secrets = append(res.Secrets, e.Name)
			}
		}
		return theirs, nil, nil
	case ours == nil || theirs == nil:
		return ours, []string{"the secrets section was removed on one side and changed on the other"}, nil
	}
	ids, envName, err := identity()
	var noID *NoIdentityError
	if errors.As(err, &noID) {
		return nil, nil, ErrMergeNeedsIdentity
	}
	if err != nil {
		return nil, nil, err
	}
	oo, err := ours.Open(envName, ids...)
	if errors.Is(err, secrets.ErrNoIdentityMatched) {
		return nil, nil, fmt.Errorf("our side: %w: %w", ErrMergeNeedsIdentity, err)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("our side: %w", err)
	}
	defer oo.Close()
	to, err := theirs.Open(envName, ids...)
	if errors.Is(err, secrets.ErrNoIdentityMatched) {
		return nil, nil, fmt.Errorf("their side: %w: %w", ErrMergeNeedsIdentity, err)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("their side: %w", err)
	}
	defer to.Close()
	var bo *secrets.Opened
	if base != nil {
		if bo, err = base.Open(envName, ids...); err == nil {
			defer bo.Close()
		} else {
			bo = nil // compared by ciphertext instead
		}
	}
	var conflicts []string
	for _, p := range to.Pending() {
		if !p.Readable && !slices.Contains(ours.PendingNames(), p.Name) {
			conflicts = append(conflicts, fmt.Sprintf("pending secret %s from their side cannot be opened with your identity: a recipient who can should merge", p.Name))
		}
	}
	names := map[string]bool{}
	for _, op := range []*secrets.Opened{bo, oo, to} {
		if op != nil {
			for _, n := range op.Names() {
				names[n] = true
			}
		}
	}
	if bo == nil && base != nil {
		for _, e := range base.Entries {
			names[e.Name] = true
		}
	}
	type val struct {
		ok bool
		v  []byte
		ct string
	}
	get := func(op *secrets.Opened, s *secrets.Section, n string) val {
		var x val
		if op != nil {
			x.v, x.ok = op.Get(n)
		}
		if s != nil {
			for _, e := range s.Entries {
				if e.Name == n {
					x.ct = e.Nonce + "." + e.Value
					if op == nil {
						x.ok = true
					}
				}
			}
			if slices.Contains(s.PendingNames(), n) {
				x.ct = "" // a pending value is new
			}
		}
		return x
	}
	same := func(x, y val) bool { return x.ok == y.ok && (!x.ok || bytes.Equal(x.v, y.v)) }
	bv := func(n string) val { return get(bo, base, n) }
	baseSame := func(b, x val) bool {
		if bo != nil {
			return same(b, x)
		}
		return b.ok == x.ok && (!b.ok || (b.ct != "" && b.ct == x.ct))
	}
	for _, n := range sortedNames(names) {
		bn, on, tn := bv(n), get(oo, ours, n), get(to, theirs, n)
		switch {
		case same(on, tn):
		case baseSame(bn, on):
			res.Secrets = append(res.Secrets, n)
			if tn.ok {
				if err := oo.Set(n, tn.v); err != nil {
					return nil, nil, err
				}
			} else {
				oo.Remove(n)
			}
		case baseSame(bn, tn):
		default:
			conflicts = append(conflicts, fmt.Sprintf("secret %s changed on both sides: set the value it should have with `envseal secrets set %s`", n, n))
		}
		clear(bn.v)
		clear(on.v)
		clear(tn.v)
	}
	// Recipients: the union of both sides, less those either removed.
	var baseR []string
	if base != nil {
		baseR = base.Recipients
	}
	removed := map[string]bool{}
	for _, r := range baseR {
		if !slices.Contains(ours.Recipients, r) || !slices.Contains(theirs.Recipients, r) {
			removed[r] = true
		}
	}
	var add []secrets.Recipient
	for _, r := range theirs.Recipients {
		if !removed[r] && !slices.Contains(oo.Recipients(), r) {
			pr, err := secrets.ParseRecipient(r)
			if err != nil {
				return nil, nil, fmt.Errorf("their side: recipient: %w", err)
			}
			add = append(add, pr)
		}
	}
	if len(add) > 0 {
		if err := oo.AddRecipients(add...); err != nil {
			return nil, nil, err
		}
		// Their labels (who a key is, from recipients add) come along.
		labels := theirs.LabelMap()
		for _, r := range add {
			if c := labels[secrets.Fingerprint(r.String())]; c != "" {
				if err := oo.SetLabel(r.String(), c); err != nil {
					return nil, nil, err
				}
			}
		}
	}
	for r := range removed {
		if slices.Contains(oo.Recipients(), r) {
			if err := oo.RemoveRecipient(r); err != nil {
				return nil, nil, err
			}
		}
	}
	if len(removed) > 0 || rotated(base, ours) || rotated(base, theirs) {
		if err := oo.Rotate(); err != nil {
			return nil, nil, err
		}
		res.Rekeyed = true
	}
	sec, err := oo.Seal()
	if err != nil {
		return nil, nil, err
	}
	return sec, conflicts, nil
}

// rotated reports whether side re-wrapped a data key without a change of
// that kind's recipients: a new data key.
func rotated(base, side *secrets.Section) bool {
	if base == nil || side == nil {
		return false
	}
	wraps := func(s *secrets.Section) map[secrets.WrapKind]string {
		m := map[secrets.WrapKind]string{}
		if s.Version == 1 {
			m[secrets.WrapClassic] = s.DataKey
		}
		for _, w := range s.DataKeys {
			m[w.Kind] = w.Age
		}
		return m
	}
	bw, sw := wraps(base), wraps(side)
	for k, w := range sw {
		if old, ok := bw[k]; ok && old != w && countKind(base.Recipients, k) == countKind(side.Recipients, k) {
			return true
		}
	}
	return false
}

// MergeDriverInstallOptions are the options of [MergeDriverInstall].
type MergeDriverInstallOptions struct {
	Host
	// Envseal is the executable git runs ("" for this process's).
	Envseal string
}

// MergeDriverInstall registers the merge driver in the git repository
// holding the current directory: git config merge.envseal.* and an
// `envseal.lock merge=envseal` line in .gitattributes.
func MergeDriverInstall(ctx context.Context, o MergeDriverInstallOptions) (*guard.MergeDriverResult, error) {
	bin := o.Envseal
	if bin == "" {
		var err error
		if bin, err = os.Executable(); err != nil {
			return nil, fmt.Errorf("finding the envseal executable (give --envseal PATH): %w", err)
		}
	}
	res, err := guard.InstallMergeDriver(ctx, ".", bin)
	if err == nil {
		o.Host.noticeMergeDriver(res)
	}
	return res, err
}

// noticeMergeDriver says where the merge driver was registered.
func (h *Host) noticeMergeDriver(res *guard.MergeDriverResult) {
	if res.Already {
		h.noticef("merge driver registered (git config merge.envseal.*); %s already names it", res.Attributes)
		return
	}
	h.noticef("merge driver registered (git config merge.envseal.*) and named in %s: commit that file so merges of envseal.lock use it", res.Attributes)
}
