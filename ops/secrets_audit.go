package ops

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/envseal/envseal/internal/gitindex"
	"github.com/envseal/envseal/lockfile"
	"github.com/envseal/envseal/secrets"
)

// AuditOptions are the options of [SecretsAudit].
type AuditOptions struct {
	SecretsOptions
	// MaxAge, when positive, is the policy: a secret whose value last
	// changed longer ago is listed in AuditResult.Stale.
	MaxAge time.Duration
	// Now is the time ages are measured from (zero: time.Now).
	Now time.Time
}

// AuditCommit is a commit of envseal.lock's history. Hash is "" for the
// working lock when it differs from the last commit.
type AuditCommit struct {
	Hash   string    `json:"commit"`
	Date   time.Time `json:"date"`
	Author string    `json:"author"`
}

// AuditVersion is one value of a secret: the commit that set it and the
// recipients who could open it in some commit (every recipient of a data
// key can open every value sealed under it, including those of commits
// made before they were added).
type AuditVersion struct {
	AuditCommit
	Pending bool     `json:"pending,omitempty"`
	Readers []string `json:"readers"`
}

// SecretAudit is the history of one secret of the current lock.
type SecretAudit struct {
	Name string `json:"name"`
	// Pending: the current value is a pending entry.
	Pending bool `json:"pending,omitempty"`
	// Changed is when the current value was set.
	Changed AuditCommit `json:"changed"`
	// Versions are every value the name had, oldest first.
	Versions []AuditVersion `json:"versions"`
}

// AuditResult is what [SecretsAudit] found.
type AuditResult struct {
	Lock    string        `json:"lock"`
	Secrets []SecretAudit `json:"secrets"`
	// Stale are the secrets older than MaxAge.
	Stale []string `json:"stale,omitempty"`
}

// StaleError is SecretsAudit's failure when secrets are older than the
// policy allows.
type StaleError struct {
	Names  []string
	MaxAge time.Duration
}

func (e *StaleError) Error() string {
	return fmt.Sprintf("%d secret(s) unchanged for more than %d days: %s (rotate them, then `envseal secrets set`)", len(e.Names), int(e.MaxAge/(24*time.Hour)), strings.Join(e.Names, ", "))
}

// SecretsAudit reads envseal.lock's git history (sealed text only, no
// identity needed) and says, for each secret of the current lock, when
// its value last changed and who could open each of its values. Without
// plaintext, a commit that re-keys (recipients rm, rotate) is taken as
// sealing the same values again, and a pending entry folded by a
// recipient keeps the date it was added. With MaxAge, secrets older than
// it make the error a [*StaleError] (the result is returned too).
func SecretsAudit(ctx context.Context, o AuditOptions) (*AuditResult, error) {
	h, err := lockHistory(ctx, o.lockPath())
	if err != nil {
		return nil, err
	}
	now := o.Now
	if now.IsZero() {
		now = time.Now()
	}
	res := &AuditResult{Lock: o.lockPath(), Secrets: []SecretAudit{}}
	last := h.last()
	if last == nil {
		return res, nil
	}
	names := map[string]bool{}
	for n := range last.entryVer {
		names[n] = false
	}
	for n := range last.pendingVer {
		names[n] = true
	}
	for _, n := range sortedNames(names) {
		var cur *version
		if v, ok := last.pendingVer[n]; ok {
			cur = h.versions[v]
		} else {
			cur = h.versions[last.entryVer[n]]
		}
		a := SecretAudit{Name: n, Pending: names[n], Changed: cur.commit}
		for _, v := range h.versions {
			if v.name == n {
				a.Versions = append(a.Versions, AuditVersion{AuditCommit: v.commit, Pending: v.pending, Readers: h.readers(v)})
			}
		}
		res.Secrets = append(res.Secrets, a)
		if o.MaxAge > 0 && now.Sub(cur.commit.Date) > o.MaxAge {
			res.Stale = append(res.Stale, n)
		}
	}
	if len(res.Stale) > 0 {
		return res, &StaleError{Names: res.Stale, MaxAge: o.MaxAge}
	}
	return res, nil
}

// exposedTo returns every secret name that recipient could open in some
// commit of the lock's history or in the working lock.
func exposedTo(ctx context.Context, lock, recipient string) ([]string, error) {
	h, err := lockHistory(ctx, lock)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, v := range h.versions {
		if slices.Contains(h.readers(v), recipient) {
			seen[v.name] = true
		}
	}
	return sortedNames(seen), nil
}

// history is envseal.lock's sealed history.
type history struct {
	states   []*lockState // oldest first (topological)
	versions []*version
	epochs   map[int]map[string]bool // data key epoch -> its recipients
}

// lockState is the secrets section at one commit.
type lockState struct {
	commit     AuditCommit
	recipients []string
	wraps      map[secrets.WrapKind]string
	epoch      int
	entryCT    map[string]string // name -> nonce+ciphertext
	entryVer   map[string]int    // name -> index in versions
	pendingCT  map[string]string
	pendingVer map[string]int
}

// version is one value of a name.
type version struct {
	name    string
	commit  AuditCommit
	pending bool
	epochs  map[int]bool
	readers []string // pending: the recipients it was sealed for
}

func (h *history) last() *lockState {
	if len(h.states) == 0 {
		return nil
	}
	return h.states[len(h.states)-1]
}

// readers returns who could open v, sorted.
func (h *history) readers(v *version) []string {
	set := map[string]bool{}
	for _, r := range v.readers {
		set[r] = true
	}
	for e := range v.epochs {
		for r := range h.epochs[e] {
			set[r] = true
		}
	}
	return sortedNames(set)
}

func sortedNames[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// lockHistory reads every commit of lock (and the working file when it
// differs from the last one). Outside a git repository the history is the
// working file alone.
func lockHistory(ctx context.Context, lock string) (*history, error) {
	dir, base := filepath.Split(lock)
	if dir == "" {
		dir = "."
	}
	h := &history{epochs: map[int]map[string]bool{}}
	byCommit := map[string]*lockState{}
	var lastBlob []byte
	var lastState *lockState
	out, err := gitindex.Git(ctx, dir, "log", "--full-history", "--reverse", "--topo-order", "--format=%H%x09%P%x09%aI%x09%an", "--", base)
	if err == nil {
		for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			f := strings.SplitN(line, "\t", 4)
			if len(f) < 4 {
				continue
			}
			date, _ := time.Parse(time.RFC3339, f[2])
			c := AuditCommit{Hash: f[0], Date: date, Author: f[3]}
			blob, err := gitindex.Git(ctx, dir, "show", f[0]+":./"+base)
			if err != nil {
				continue // deleted in this commit
			}
			var parents []*lockState
			for _, p := range strings.Fields(f[1]) {
				ps, ok := byCommit[p]
				if !ok {
					ps = h.parentState(ctx, dir, base, p, byCommit)
				}
				if ps != nil {
					parents = append(parents, ps)
				}
			}
			st := h.add(c, blob, parents)
			if st != nil {
				byCommit[f[0]] = st
				lastState, lastBlob = st, blob
			}
		}
	}
	work, err := os.ReadFile(lock)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	if err == nil && (lastState == nil || !bytes.Equal(work, lastBlob)) {
		var parents []*lockState
		if lastState != nil {
			parents = append(parents, lastState)
		}
		mod := time.Now()
		if fi, err := os.Stat(lock); err == nil {
			mod = fi.ModTime()
		}
		if h.add(AuditCommit{Date: mod}, work, parents) == nil {
			if _, err := readLock(lock, false); err != nil {
				return nil, err
			}
		}
	}
	return h, nil
}

// parentState reads a parent commit's lock that did not touch the file
// (its content is then that of an earlier commit): it is found by the
// commit that last changed the file before it.
func (h *history) parentState(ctx context.Context, dir, base, commit string, byCommit map[string]*lockState) *lockState {
	out, err := gitindex.Git(ctx, dir, "log", "-1", "--format=%H", commit, "--", base)
	if err != nil {
		return nil
	}
	return byCommit[strings.TrimSpace(string(out))]
}

// add records the lock blob of commit c, whose parents' states are given;
// it returns nil when the blob is not a readable envseal.lock.
func (h *history) add(c AuditCommit, blob []byte, parents []*lockState) *lockState {
	l, err := lockfile.Parse(blob)
	if err != nil {
		return nil
	}
	st := &lockState{commit: c, wraps: map[secrets.WrapKind]string{}, entryCT: map[string]string{}, entryVer: map[string]int{}, pendingCT: map[string]string{}, pendingVer: map[string]int{}}
	sec := l.Secrets
	if sec == nil {
		h.states = append(h.states, st)
		return st
	}
	st.recipients = append([]string(nil), sec.Recipients...)
	if sec.Version == 1 {
		st.wraps[secrets.WrapClassic] = sec.DataKey
	}
	for _, w := range sec.DataKeys {
		st.wraps[w.Kind] = w.Age
	}
	st.epoch = -1
	for _, p := range parents {
		if sameDataKey(p, st) {
			st.epoch = p.epoch
			break
		}
	}
	if st.epoch < 0 {
		st.epoch = len(h.states) + 1 // fresh: no parent shares the key
	}
	if h.epochs[st.epoch] == nil {
		h.epochs[st.epoch] = map[string]bool{}
	}
	for _, r := range st.recipients {
		h.epochs[st.epoch][r] = true
	}
	for _, e := range sec.Entries {
		ct := e.Nonce + "." + e.Value
		st.entryCT[e.Name] = ct
		v := -1
		for _, p := range parents { // unchanged
			if p.entryCT[e.Name] == ct {
				v = p.entryVer[e.Name]
				break
			}
		}
		if v < 0 {
			for _, p := range parents { // a pending entry folded
				if pv, ok := p.pendingVer[e.Name]; ok && !hasPending(sec, e.Name) {
					v = pv
					break
				}
			}
		}
		if v < 0 && len(parents) > 1 {
			// A merge seals a side's value again under the merged data
			// key. When the parents disagree, the side that changed the
			// value since their common ancestor holds the version made
			// last (versions are numbered in topological order).
			best, agree := -1, true
			for i, p := range parents {
				pv, ok := p.entryVer[e.Name]
				if !ok {
					pv = -1
				}
				if i > 0 && pv != best {
					agree = false
				}
				if i == 0 || pv > best {
					best = pv
				}
			}
			if best >= 0 && !agree {
				v = best
			}
		}
		if v < 0 {
			for _, p := range parents { // re-keyed: the same value sealed again
				if pv, ok := p.entryVer[e.Name]; ok && p.epoch != st.epoch {
					v = pv
					break
				}
			}
		}
		if v < 0 {
			v = len(h.versions)
			h.versions = append(h.versions, &version{name: e.Name, commit: c, epochs: map[int]bool{}})
		}
		h.versions[v].epochs[st.epoch] = true
		st.entryVer[e.Name] = v
	}
	for _, p := range sec.Pending {
		st.pendingCT[p.Name] = p.Value
		v := -1
		for _, ps := range parents {
			if ps.pendingCT[p.Name] == p.Value {
				v = ps.pendingVer[p.Name]
				break
			}
		}
		if v < 0 {
			v = len(h.versions)
			h.versions = append(h.versions, &version{name: p.Name, commit: c, pending: true, epochs: map[int]bool{}, readers: append([]string(nil), st.recipients...)})
		}
		st.pendingVer[p.Name] = v
	}
	h.states = append(h.states, st)
	return st
}

func hasPending(s *secrets.Section, name string) bool {
	return slices.ContainsFunc(s.Pending, func(p secrets.PendingEntry) bool { return p.Name == name })
}

// sameDataKey reports whether st kept p's data key: every wrap either is
// byte for byte p's or was rewritten because recipients of its kind were
// added (AddRecipients keeps the key), and no recipient was removed.
func sameDataKey(p, st *lockState) bool {
	if len(p.wraps) == 0 {
		return false
	}
	for _, r := range p.recipients {
		if !slices.Contains(st.recipients, r) {
			return false
		}
	}
	shared := false
	for k, w := range st.wraps {
		pw, ok := p.wraps[k]
		if ok && pw == w {
			shared = true
			continue
		}
		if ok && countKind(p.recipients, k) == countKind(st.recipients, k) {
			return false // rewritten with the same recipients: rotated
		}
	}
	if !shared {
		// No wrap in common: a new key unless only recipients were added
		// to every kind (cannot tell; assume a new key).
		return false
	}
	return true
}

func countKind(rs []string, k secrets.WrapKind) int {
	n := 0
	for _, r := range rs {
		if (secrets.RecipientKind(r) == secrets.KindPostQuantum) == (k == secrets.WrapPostQuantum) {
			n++
		}
	}
	return n
}
