package resolver

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/envseal/envseal/conda"
)

// CutoffIndex is an [Index] that hides the records published after a
// cut-off (conda's exclude_newer): a record is hidden when
// [conda.Record.PublishedAfter] says so, so records without a timestamp
// stay visible, as in conda.
//
// It filters where candidates are served, one name at a time, and copies a
// candidate slice only when it hides something. It remembers what it hid
// so that [CutoffIndex.Explain] can name the newest hidden candidate of a
// spec that only hidden records satisfy. It is safe for concurrent use if
// the wrapped Index is.
type CutoffIndex struct {
	idx Index
	cut time.Time

	mu     sync.Mutex
	hidden map[string][]*conda.Record
}

// NewCutoffIndex wraps idx so that records published after cut are
// invisible. A zero cut hides nothing.
func NewCutoffIndex(idx Index, cut time.Time) *CutoffIndex {
	return &CutoffIndex{idx: idx, cut: cut, hidden: map[string][]*conda.Record{}}
}

// Cutoff returns the cut-off.
func (c *CutoffIndex) Cutoff() time.Time { return c.cut }

// Candidates returns the wrapped index's candidates of name without those
// published after the cut-off.
func (c *CutoffIndex) Candidates(name string) ([]*conda.Record, error) {
	recs, err := c.idx.Candidates(name)
	if err != nil || c.cut.IsZero() {
		return recs, err
	}
	first := slices.IndexFunc(recs, func(r *conda.Record) bool { return r != nil && r.PublishedAfter(c.cut) })
	if first < 0 {
		return recs, nil
	}
	kept := make([]*conda.Record, first, len(recs))
	copy(kept, recs[:first])
	var hid []*conda.Record
	for _, r := range recs[first:] {
		if r != nil && r.PublishedAfter(c.cut) {
			hid = append(hid, r)
			continue
		}
		kept = append(kept, r)
	}
	c.mu.Lock()
	c.hidden[name] = hid
	c.mu.Unlock()
	return kept, nil
}

// Names passes the wrapped index's names through when it is a
// [NameLister] (hidden records do not remove a name: it still exists).
func (c *CutoffIndex) Names() []string {
	if nl, ok := c.idx.(NameLister); ok {
		return nl.Names()
	}
	return nil
}

// CutoffError is a solve failure in which some spec is met only by records
// the exclude-newer cut-off hides. It wraps the solver's error (an
// [*UnsolvableError] or a [*PackagesNotFoundError]), so errors.As still
// finds that.
type CutoffError struct {
	// Cutoff is the cut-off in force.
	Cutoff time.Time
	// Spec is a requirement that only hidden records satisfy.
	Spec string
	// Newest is the newest hidden record that satisfies Spec.
	Newest *conda.Record
	// Hidden is how many hidden records satisfy Spec.
	Hidden int
	// Err is the solver's error.
	Err error
}

func (e *CutoffError) Error() string {
	n := e.Newest
	ts := conda.FormatCutoff(time.UnixMilli(n.Timestamp))
	more := ""
	switch {
	case e.Hidden == 2:
		more = " (and 1 older one)"
	case e.Hidden > 2:
		more = fmt.Sprintf(" (and %d older ones)", e.Hidden-1)
	}
	return fmt.Sprintf("%v\n%s is met only by records published after the exclude-newer cut-off %s: the newest excluded candidate is %s %s %s, published %s%s",
		e.Err, e.Spec, conda.FormatCutoff(e.Cutoff), n.Name, n.Version.String(), n.Build, ts, more)
}

func (e *CutoffError) Unwrap() error { return e.Err }

// Explain returns err as a [*CutoffError] when a spec the solver could not
// meet (a missing requested spec, or a dependency no record matches) is
// met by records this index hid; otherwise it returns err unchanged. Of
// several such specs it names the first in the solver's report.
func (c *CutoffIndex) Explain(err error) error {
	if err == nil || c.cut.IsZero() {
		return err
	}
	var specs []string
	var nf *PackagesNotFoundError
	if errors.As(err, &nf) {
		for _, m := range nf.Missing {
			specs = append(specs, m.Spec)
		}
	}
	var us *UnsolvableError
	if errors.As(err, &us) {
		var walk func(cs []*Cause)
		walk = func(cs []*Cause) {
			for _, cause := range cs {
				if cause == nil {
					continue
				}
				if cause.Missing {
					specs = append(specs, cause.Spec)
				}
				for _, g := range cause.Groups {
					walk(g.Requires)
				}
			}
		}
		walk(us.Causes)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, s := range specs {
		ms, perr := conda.ParseMatchSpec(strings.TrimSpace(s))
		if perr != nil {
			continue
		}
		var newest *conda.Record
		n := 0
		for _, r := range c.hidden[ms.Name] {
			if !ms.Match(r) {
				continue
			}
			n++
			if newest == nil || r.Timestamp > newest.Timestamp {
				newest = r
			}
		}
		if newest != nil {
			return &CutoffError{Cutoff: c.cut, Spec: s, Newest: newest, Hidden: n, Err: err}
		}
	}
	return err
}
