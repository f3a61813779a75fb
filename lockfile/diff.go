package lockfile

import (
	"slices"
	"strings"

	"github.com/envseal/envseal/conda"
)

// ChangeKind says how a package differs between two locks.
type ChangeKind string

// The kinds of [Change]. A rebuild keeps the version and changes the
// build (or, for PyPI, the file); a replacement is a conda package whose
// version could not be ordered against the old one.
const (
	Added      ChangeKind = "added"
	Removed    ChangeKind = "removed"
	Upgraded   ChangeKind = "upgraded"
	Downgraded ChangeKind = "downgraded"
	Rebuilt    ChangeKind = "rebuilt"
	Replaced   ChangeKind = "replaced"
)

// Change is one package that differs between two locks on one platform.
// Old and New are "version build" for conda packages and the version for
// PyPI ones; Old is empty for an addition, New for a removal.
type Change struct {
	Name string     `json:"name"`
	Kind ChangeKind `json:"kind"`
	Old  string     `json:"old,omitempty"`
	New  string     `json:"new,omitempty"`
	PyPI bool       `json:"pypi,omitempty"`
}

// String renders the change as a reviewer reads it: "+ name 1.2 b0",
// "- name 1.2 b0", "~ name 1.2 b0 → 1.3 b0".
func (c Change) String() string {
	name := c.Name
	if c.PyPI {
		name += " (pypi)"
	}
	switch c.Kind {
	case Added:
		return "+ " + name + " " + c.New
	case Removed:
		return "- " + name + " " + c.Old
	}
	return "~ " + name + " " + c.Old + " → " + c.New
}

// PlatformDiff lists the changes of one platform, sorted by name (conda
// packages before PyPI ones of the same name).
type PlatformDiff struct {
	Platform conda.Platform `json:"platform"`
	Changes  []Change       `json:"changes"`
}

// Diff compares two locks per platform and returns the platforms with at
// least one change, sorted. old may be nil (everything is added). Neither
// lock is modified.
func Diff(old, new *Lock) []PlatformDiff {
	if old == nil {
		old = New()
	}
	if new == nil {
		new = New()
	}
	plats := map[conda.Platform]bool{}
	for _, l := range []*Lock{old, new} {
		for _, p := range l.AllPlatforms() {
			plats[p] = true
		}
	}
	var out []PlatformDiff
	for _, p := range sortedPlatforms(plats) {
		changes := diffConda(old.Packages[p], new.Packages[p])
		changes = append(changes, diffPyPI(old.PyPI[p], new.PyPI[p])...)
		if len(changes) == 0 {
			continue
		}
		slices.SortStableFunc(changes, func(a, b Change) int {
			if c := strings.Compare(a.Name, b.Name); c != 0 {
				return c
			}
			switch {
			case a.PyPI == b.PyPI:
				return 0
			case b.PyPI:
				return -1
			}
			return 1
		})
		out = append(out, PlatformDiff{Platform: p, Changes: changes})
	}
	return out
}

func diffConda(old, new []*Package) []Change {
	o := map[string]*Package{}
	for _, p := range old {
		o[p.Name] = p
	}
	var out []Change
	seen := map[string]bool{}
	for _, n := range new {
		seen[n.Name] = true
		was, ok := o[n.Name]
		nv := n.Version.String() + " " + n.Build
		if !ok {
			out = append(out, Change{Name: n.Name, Kind: Added, New: nv})
			continue
		}
		ov := was.Version.String() + " " + was.Build
		var kind ChangeKind
		switch c := was.Version.Compare(n.Version); {
		case was.Version.IsZero() || n.Version.IsZero():
			if ov == nv && was.URL == n.URL {
				continue
			}
			kind = Replaced
		case c < 0:
			kind = Upgraded
		case c > 0:
			kind = Downgraded
		case was.Build != n.Build || was.BuildNumber != n.BuildNumber || was.URL != n.URL || was.SHA256 != n.SHA256:
			kind = Rebuilt
		default:
			continue
		}
		out = append(out, Change{Name: n.Name, Kind: kind, Old: ov, New: nv})
	}
	for _, p := range old {
		if !seen[p.Name] {
			out = append(out, Change{Name: p.Name, Kind: Removed, Old: p.Version.String() + " " + p.Build})
		}
	}
	return out
}

func diffPyPI(old, new []*PyPIPackage) []Change {
	o := map[string]*PyPIPackage{}
	for _, p := range old {
		o[p.Name] = p
	}
	var out []Change
	seen := map[string]bool{}
	for _, n := range new {
		seen[n.Name] = true
		was, ok := o[n.Name]
		if !ok {
			out = append(out, Change{Name: n.Name, Kind: Added, New: n.Version, PyPI: true})
			continue
		}
		var kind ChangeKind
		ov, oerr := conda.ParseVersion(was.Version)
		nv, nerr := conda.ParseVersion(n.Version)
		switch {
		case oerr != nil || nerr != nil:
			if was.Version == n.Version && was.URL == n.URL && was.SHA256 == n.SHA256 {
				continue
			}
			kind = Replaced
		case ov.Compare(nv) < 0:
			kind = Upgraded
		case ov.Compare(nv) > 0:
			kind = Downgraded
		case was.URL != n.URL || was.SHA256 != n.SHA256:
			kind = Rebuilt
		default:
			continue
		}
		out = append(out, Change{Name: n.Name, Kind: kind, Old: was.Version, New: n.Version, PyPI: true})
	}
	for _, p := range old {
		if !seen[p.Name] {
			out = append(out, Change{Name: p.Name, Kind: Removed, Old: p.Version, PyPI: true})
		}
	}
	return out
}
