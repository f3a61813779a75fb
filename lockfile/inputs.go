package lockfile

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/envseal/envseal/conda"
	"gopkg.in/yaml.v3"
)

// Inputs are everything that changes the solve of one platform. Two
// inputs with the same canonical form (see [Inputs.Canonical]) have the
// same [ContentHash].
type Inputs struct {
	// Platform is the platform solved for.
	Platform conda.Platform
	// Specs are the requested conda match specs. Their order does not
	// matter.
	Specs []string
	// PyPISpecs are the requested pip requirements. Their order does not
	// matter.
	PyPISpecs []string
	// Channels are the channels in priority order. Credentials are
	// replaced by placeholders before hashing, so a rotated token does not
	// make a lock stale.
	Channels []string
	// ChannelPriority is "strict", "flexible" or "disabled".
	ChannelPriority string
	// VirtualPackages are the virtual packages the solve assumed, as
	// "name=version=build" (or "name=version"). Their order does not
	// matter.
	VirtualPackages []string
	// ExcludeNewer is the absolute exclude-newer cut-off; zero for none. It
	// enters the content hash only when set, so locks made without one
	// keep their hash.
	ExcludeNewer time.Time
}

// Canonical returns a copy of in with specs, pip specs and virtual
// packages trimmed, deduplicated and sorted, and channel credentials
// replaced by placeholders.
func (in Inputs) Canonical() Inputs {
	out := Inputs{
		Platform:        in.Platform,
		Specs:           sortedSet(in.Specs),
		PyPISpecs:       sortedSet(in.PyPISpecs),
		ChannelPriority: strings.TrimSpace(in.ChannelPriority),
		VirtualPackages: sortedSet(in.VirtualPackages),
	}
	if !in.ExcludeNewer.IsZero() {
		out.ExcludeNewer = in.ExcludeNewer.UTC()
	}
	for _, c := range in.Channels {
		c = strings.TrimSpace(c)
		if c != "" {
			out.Channels = append(out.Channels, redactURL(c))
		}
	}
	return out
}

// ContentHash returns the lowercase hex SHA-256 of the canonical encoding
// of in: a version tag, then each field in a fixed order as a
// length-prefixed list of length-prefixed strings.
func ContentHash(in Inputs) string {
	c := in.Canonical()
	h := sha256.New()
	var lenBuf [8]byte
	str := func(s string) {
		binary.BigEndian.PutUint64(lenBuf[:], uint64(len(s)))
		h.Write(lenBuf[:])
		h.Write([]byte(s))
	}
	list := func(name string, items []string) {
		str(name)
		binary.BigEndian.PutUint64(lenBuf[:], uint64(len(items)))
		h.Write(lenBuf[:])
		for _, it := range items {
			str(it)
		}
	}
	str("envseal-inputs-v1")
	list("platform", []string{string(c.Platform)})
	list("specs", c.Specs)
	list("pypi_specs", c.PyPISpecs)
	list("channels", c.Channels)
	list("channel_priority", []string{c.ChannelPriority})
	list("virtual_packages", c.VirtualPackages)
	if !c.ExcludeNewer.IsZero() {
		list("exclude_newer", []string{conda.FormatCutoff(c.ExcludeNewer)})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// SetInputs records in (canonically) and its content hash for its
// platform, adding the platform to the metadata.
func (l *Lock) SetInputs(in Inputs) {
	c := in.Canonical()
	if l.Metadata.Inputs == nil {
		l.Metadata.Inputs = make(map[conda.Platform]*Inputs)
	}
	if l.Metadata.ContentHash == nil {
		l.Metadata.ContentHash = make(map[conda.Platform]string)
	}
	l.Metadata.Inputs[c.Platform] = &c
	l.Metadata.ContentHash[c.Platform] = ContentHash(c)
	if !containsPlatform(l.Metadata.Platforms, c.Platform) {
		l.Metadata.Platforms = append(l.Metadata.Platforms, c.Platform)
		sort.Slice(l.Metadata.Platforms, func(i, j int) bool { return l.Metadata.Platforms[i] < l.Metadata.Platforms[j] })
	}
}

// Stale compares in with what the lock recorded for in.Platform and
// returns one line per difference, naming the input that changed
// ("linux-64: specs: added \"numpy >=2\""). It returns nil when the lock is
// up to date for in.
func (l *Lock) Stale(in Inputs) []string {
	c := in.Canonical()
	p := c.Platform
	hash, hasHash := l.Metadata.ContentHash[p]
	if !containsPlatform(l.Metadata.Platforms, p) && !hasHash {
		return []string{fmt.Sprintf("%s: platform is not locked", p)}
	}
	old := l.Metadata.Inputs[p]
	if old == nil {
		if hasHash && hash == ContentHash(c) {
			return nil
		}
		return []string{fmt.Sprintf("%s: the lock records no inputs to compare with", p)}
	}
	var out []string
	diffSet := func(name string, was, now []string) {
		added, removed := setDiff(was, now)
		var parts []string
		if len(added) > 0 {
			parts = append(parts, "added "+quoteList(added))
		}
		if len(removed) > 0 {
			parts = append(parts, "removed "+quoteList(removed))
		}
		if len(parts) > 0 {
			out = append(out, fmt.Sprintf("%s: %s: %s", p, name, strings.Join(parts, ", ")))
		}
	}
	diffSet("specs", old.Specs, c.Specs)
	diffSet("pypi specs", old.PyPISpecs, c.PyPISpecs)
	if !equalStrings(old.Channels, c.Channels) {
		out = append(out, fmt.Sprintf("%s: channels: was %s, now %s", p, quoteList(old.Channels), quoteList(c.Channels)))
	}
	if old.ChannelPriority != c.ChannelPriority {
		out = append(out, fmt.Sprintf("%s: channel priority: was %q, now %q", p, old.ChannelPriority, c.ChannelPriority))
	}
	diffSet("virtual packages", old.VirtualPackages, c.VirtualPackages)
	if !old.ExcludeNewer.Equal(c.ExcludeNewer) {
		out = append(out, fmt.Sprintf("%s: exclude-newer cut-off: was %s, now %s", p, cutoffText(old.ExcludeNewer), cutoffText(c.ExcludeNewer)))
	}
	if len(out) == 0 && hasHash && hash != ContentHash(c) {
		out = append(out, fmt.Sprintf("%s: content hash %s does not match the recorded inputs (was the lockfile edited?)", p, hash))
	}
	return out
}

// StaleAll checks every platform of inputs with [Lock.Stale] and also
// reports locked platforms that inputs no longer ask for.
func (l *Lock) StaleAll(inputs []Inputs) []string {
	var out []string
	want := map[conda.Platform]bool{}
	for _, in := range inputs {
		want[in.Platform] = true
		out = append(out, l.Stale(in)...)
	}
	for _, p := range l.AllPlatforms() {
		if !want[p] {
			out = append(out, fmt.Sprintf("%s: platform is locked but no longer requested", p))
		}
	}
	return out
}

func sortedSet(items []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range items {
		s = strings.TrimSpace(s)
		if s == "" || seen[s] {
			continue
		}
		seen[s] = true
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

func setDiff(was, now []string) (added, removed []string) {
	w := map[string]bool{}
	for _, s := range was {
		w[s] = true
	}
	n := map[string]bool{}
	for _, s := range now {
		n[s] = true
		if !w[s] {
			added = append(added, s)
		}
	}
	for _, s := range was {
		if !n[s] {
			removed = append(removed, s)
		}
	}
	return added, removed
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func quoteList(items []string) string {
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = fmt.Sprintf("%q", s)
	}
	return "[" + strings.Join(q, " ") + "]"
}

func cutoffText(t time.Time) string {
	if t.IsZero() {
		return "none"
	}
	return conda.FormatCutoff(t)
}

// parseCutoff reads a cut-off as [conda.FormatCutoff] writes it (RFC 3339).
func parseCutoff(r yamlReader, n *yaml.Node, what string) (time.Time, error) {
	s, err := r.str(n, what)
	if err != nil || s == "" {
		return time.Time{}, err
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, errAt(n, "%s: want an RFC 3339 time, found %q", what, s)
	}
	return t.UTC(), nil
}
