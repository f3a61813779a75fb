package resolver

import (
	"slices"
	"strings"
)

// MissingSpec is a requested spec that no record matches.
type MissingSpec struct {
	// Spec is the spec as requested.
	Spec string
	// Name is its package name.
	Name string
	// NameExists is true when records of Name exist but none matches Spec
	// (after channel priority).
	NameExists bool
	// Suggestions are known names close to Name (edit distance), best
	// first; empty when the Index cannot list names or NameExists is true.
	Suggestions []string
}

// PackagesNotFoundError reports requested specs that match no record in
// the channels, like conda's PackagesNotFoundError.
type PackagesNotFoundError struct {
	// Missing lists the specs in request order.
	Missing []MissingSpec
	// Channels are the channels searched, in priority order.
	Channels []string
}

// Error lists the missing specs with suggestions, one per line.
func (e *PackagesNotFoundError) Error() string {
	var b strings.Builder
	b.WriteString("packages not found")
	if len(e.Channels) > 0 {
		b.WriteString(" in " + strings.Join(e.Channels, ", "))
	}
	b.WriteString(":")
	for _, m := range e.Missing {
		b.WriteString("\n  - " + m.Spec)
		switch {
		case m.NameExists:
			b.WriteString(" (" + m.Name + " exists, but no record matches)")
		case len(m.Suggestions) > 0:
			b.WriteString(" (did you mean " + strings.Join(m.Suggestions, ", ") + "?)")
		}
	}
	return b.String()
}

const maxSuggestions = 3

func newPackagesNotFound(idx Index, missing []MissingSpec, channels []string) *PackagesNotFoundError {
	var names []string
	if nl, ok := idx.(NameLister); ok {
		names = slices.Clone(nl.Names())
		slices.Sort(names)
		names = slices.Compact(names)
	}
	for i := range missing {
		if !missing[i].NameExists {
			missing[i].Suggestions = suggest(missing[i].Name, names)
		}
	}
	return &PackagesNotFoundError{Missing: missing, Channels: slices.Clone(channels)}
}

// suggest returns up to maxSuggestions names within a small edit distance
// of name, closest first, ties in name order. A name containing the query
// (or contained by it) also counts as close.
func suggest(name string, names []string) []string {
	type cand struct {
		n string
		d int
	}
	q := strings.ToLower(name)
	limit := max(1, min(3, len(q)/3))
	var cs []cand
	for _, n := range names {
		ln := strings.ToLower(n)
		if ln == q || isVirtualName(n) {
			continue
		}
		d := editDistance(q, ln, limit+1)
		if d > limit && len(q) >= 3 && (strings.Contains(ln, q) || strings.Contains(q, ln) && len(ln) >= 3) {
			d = limit
		}
		if d <= limit {
			cs = append(cs, cand{n, d})
		}
	}
	slices.SortStableFunc(cs, func(a, b cand) int { return a.d - b.d })
	var out []string
	for i := 0; i < len(cs) && i < maxSuggestions; i++ {
		out = append(out, cs[i].n)
	}
	return out
}

// editDistance is the Damerau (optimal string alignment) distance between a
// and b, or bound when it exceeds bound.
func editDistance(a, b string, bound int) int {
	ra, rb := []rune(a), []rune(b)
	if d := len(ra) - len(rb); d > bound || -d > bound {
		return bound
	}
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			v := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				v = min(v, prev2[j-2]+1)
			}
			cur[j] = v
			rowMin = min(rowMin, v)
		}
		if rowMin > bound {
			return bound
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return min(prev[len(rb)], bound)
}
