package lockfile

import (
	"slices"
	"strconv"
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

// entry is one package of either kind, as Diff compares them.
type entry struct {
	name, label string        // label: "version build" or the PyPI version
	version     conda.Version // zero when the version does not parse
	build       string        // build string and number, "" for PyPI
	file        string        // URL and sha256: a rebuild changes them
}

func condaEntries(pkgs []*Package) []entry {
	out := make([]entry, len(pkgs))
	for i, p := range pkgs {
		out[i] = entry{name: p.Name, label: p.Version.String() + " " + p.Build, version: p.Version,
			build: p.Build + "/" + strconv.FormatInt(p.BuildNumber, 10), file: p.URL + "#" + p.SHA256}
	}
	return out
}

func pypiEntries(pkgs []*PyPIPackage) []entry {
	out := make([]entry, len(pkgs))
	for i, p := range pkgs {
		v, _ := conda.ParseVersion(p.Version) // PEP 440 orders like conda for the versions pip locks
		out[i] = entry{name: p.Name, label: p.Version, version: v, file: p.URL + "#" + p.SHA256}
	}
	return out
}

func diffConda(old, new []*Package) []Change {
	return diffEntries(condaEntries(old), condaEntries(new), false)
}

func diffPyPI(old, new []*PyPIPackage) []Change {
	return diffEntries(pypiEntries(old), pypiEntries(new), true)
}

// diffEntries pairs old and new by name and classifies each difference.
func diffEntries(old, new []entry, pypi bool) []Change {
	was := make(map[string]entry, len(old))
	for _, e := range old {
		was[e.name] = e
	}
	var out []Change
	seen := map[string]bool{}
	for _, n := range new {
		seen[n.name] = true
		o, ok := was[n.name]
		var kind ChangeKind
		switch c := o.version.Compare(n.version); {
		case !ok:
			out = append(out, Change{Name: n.name, Kind: Added, New: n.label, PyPI: pypi})
			continue
		case o.version.IsZero() || n.version.IsZero():
			if o.label == n.label && o.file == n.file {
				continue
			}
			kind = Replaced
		case c < 0:
			kind = Upgraded
		case c > 0:
			kind = Downgraded
		case o.build != n.build || o.file != n.file:
			kind = Rebuilt
		default:
			continue
		}
		out = append(out, Change{Name: n.name, Kind: kind, Old: o.label, New: n.label, PyPI: pypi})
	}
	for _, e := range old {
		if !seen[e.name] {
			out = append(out, Change{Name: e.name, Kind: Removed, Old: e.label, PyPI: pypi})
		}
	}
	return out
}
