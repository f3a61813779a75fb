package channel

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/envseal/envseal/conda"
)

// Index holds the records of one or more loaded subdirs (channel × subdir),
// in priority order: channel order first, then the platform subdir before
// noarch. Records are decoded per package name on first use and cached.
//
// An Index is safe for concurrent use by multiple goroutines.
type Index struct {
	parts    []*part
	channels []string

	namesOnce sync.Once
	names     []string
}

// part is one loaded document: the raw bytes, the per-name offsets and the
// decoded-records cache.
type part struct {
	source  string // file path or credential-free URL, for errors
	channel string // canonical channel name for Record.Channel
	subdir  string // subdir for records without their own
	baseURL string // credential-free; Record.URL = baseURL + "/" + fn ("" → no URL)
	flatURL string // flat indexes: Record.URL = flatURL/<record subdir>/fn
	data    []byte
	sc      *scanned

	slots []slot // per name, lazily decoded

	// shards is set for a subdir read through its CEP-16 shard index;
	// data and sc.entries are then empty and sc.names are the index's.
	shards *shardSource
	// group are the sharded parts loaded together with this one: a
	// decoded shard starts the fetches of its dependencies in all of them.
	group []*part
}

type slot struct {
	once    sync.Once
	started atomic.Bool // a load was started (by prefetch or records)
	recs    []*conda.Record
	err     error
}

func newPart(source, channel, subdir, baseURL string, data []byte, sc *scanned) *part {
	if sc.info.Subdir != "" && subdir == "" {
		subdir = sc.info.Subdir
	}
	return &part{
		source:  source,
		channel: channel,
		subdir:  subdir,
		baseURL: strings.TrimSuffix(baseURL, "/"),
		data:    data,
		sc:      sc,
		slots:   make([]slot, len(sc.names)),
	}
}

// lookup returns the position of name in the part, or -1.
func (p *part) lookup(name string) int {
	names := p.sc.names
	i := sort.SearchStrings(names, name)
	if i < len(names) && names[i] == name {
		return i
	}
	return -1
}

// records returns the decoded records of names[i], decoding them once.
func (p *part) records(i int) ([]*conda.Record, error) {
	s := &p.slots[i]
	s.once.Do(func() {
		s.started.Store(true)
		if p.shards == nil {
			s.recs, s.err = p.decode(i)
			return
		}
		prog := p.shards.fetches.progress
		prog.shardLoadStart()
		defer prog.shardLoadEnd()
		s.recs, s.err = p.shards.load(i)
		if s.err == nil {
			prefetch(p.group, depNames(s.recs))
		}
	})
	return s.recs, s.err
}

func (p *part) decode(i int) ([]*conda.Record, error) {
	name := p.sc.names[i]
	ents := p.sc.entries[p.sc.starts[i]:p.sc.starts[i+1]]
	// .conda wins over .tar.bz2 of the same name-version-build.
	var condaStems map[string]bool
	hasConda, hasTar := false, false
	for _, e := range ents {
		hasConda = hasConda || e.flags&flagConda != 0
		hasTar = hasTar || e.flags&flagTarBz2 != 0
	}
	if hasConda && hasTar {
		condaStems = make(map[string]bool)
		for _, e := range ents {
			if e.flags&flagConda != 0 {
				fn, err := p.key(e)
				if err != nil {
					return nil, err
				}
				condaStems[strings.TrimSuffix(fn, ".conda")] = true
			}
		}
	}
	recs := make([]conda.Record, 0, len(ents))
	for _, e := range ents {
		fn, err := p.key(e)
		if err != nil {
			return nil, err
		}
		if condaStems != nil && e.flags&flagTarBz2 != 0 && condaStems[strings.TrimSuffix(fn, ".tar.bz2")] {
			continue
		}
		recs = recs[:len(recs)+1]
		r := &recs[len(recs)-1]
		if err := r.UnmarshalJSON(p.data[e.valOff : e.valOff+e.valLen]); err != nil {
			if errors.Is(err, conda.ErrInvalidVersion) {
				// conda cannot order such a record either; leave it
				// out rather than fail every solve touching the name.
				recs = recs[:len(recs)-1]
				continue
			}
			return nil, fmt.Errorf("decoding record %q in %s: %w", fn, p.source, err)
		}
		if r.Name != name {
			// The scan files a record under its "name" field, so this
			// is a record the scan saw without one.
			return nil, fmt.Errorf("decoding record %q in %s: name %q filed under %q", fn, p.source, r.Name, name)
		}
		r.Fn = fn
		r.Channel = p.channel
		if r.Subdir == "" {
			r.Subdir = p.subdir
		}
		switch {
		case p.baseURL != "":
			r.URL = p.baseURL + "/" + fn
		case p.flatURL != "" && r.Subdir != "":
			r.URL = p.flatURL + "/" + r.Subdir + "/" + fn
		}
	}
	out := make([]*conda.Record, len(recs))
	for k := range recs {
		out[k] = &recs[k]
	}
	return out, nil
}

func (p *part) key(e entry) (string, error) {
	raw := p.data[e.keyOff : e.keyOff+uint32(e.keyLen)]
	k, err := unquote(raw, e.flags&flagEscKey != 0)
	if err != nil {
		return "", fmt.Errorf("decoding key at offset %d in %s: %w", e.keyOff, p.source, err)
	}
	return k, nil
}

// newIndex builds an Index over parts in priority order.
func newIndex(parts []*part) *Index {
	ix := &Index{parts: parts}
	seen := map[string]bool{}
	for _, p := range parts {
		if !seen[p.channel] {
			seen[p.channel] = true
			ix.channels = append(ix.channels, p.channel)
		}
	}
	return ix
}

// Join returns an Index over the subdirs of indexes, in the order given
// (the first has the highest priority). The indexes share their caches with
// the result.
func Join(indexes ...*Index) *Index {
	var parts []*part
	for _, ix := range indexes {
		parts = append(parts, ix.parts...)
	}
	return newIndex(parts)
}

// Candidates returns the records named name from every loaded subdir:
// in channel priority order, then platform subdir before noarch, then file
// order. Where a subdir has both name-version-build.conda and .tar.bz2,
// only the .conda record is returned. Callers sort by version as they need.
//
// The slice is new on every call and belongs to the caller; the records it
// points to are shared and must not be modified. An unknown name gives nil
// and no error. A record that cannot be decoded gives an error naming the
// file or URL and the record's file name; it is returned again on later
// calls for that name.
func (ix *Index) Candidates(name string) ([]*conda.Record, error) {
	var out []*conda.Record
	for _, p := range ix.parts {
		i := p.lookup(name)
		if i < 0 {
			continue
		}
		recs, err := p.records(i)
		if err != nil {
			return nil, err
		}
		out = append(out, recs...)
	}
	return out, nil
}

// Names returns the sorted package names of every loaded subdir. The slice
// is shared and must not be modified.
func (ix *Index) Names() []string {
	ix.namesOnce.Do(func() {
		n := 0
		for _, p := range ix.parts {
			n += len(p.sc.names)
		}
		all := make([]string, 0, n)
		for _, p := range ix.parts {
			all = append(all, p.sc.names...)
		}
		sort.Strings(all)
		out := all[:0]
		for k, s := range all {
			if k == 0 || s != all[k-1] {
				out = append(out, s)
			}
		}
		ix.names = out
	})
	return ix.names
}

// Channels returns the canonical names of the loaded channels in priority
// order, as they appear in Record.Channel.
func (ix *Index) Channels() []string {
	return append([]string(nil), ix.channels...)
}

// Len returns the number of record entries in the loaded documents, before
// .tar.bz2 records shadowed by a .conda one are dropped.
func (ix *Index) Len() int {
	n := 0
	for _, p := range ix.parts {
		n += p.entryCount()
	}
	return n
}

// entryCount is the number of record entries of the part; for a sharded
// subdir, whose records are not known before their shards are read, the
// number of package names.
func (p *part) entryCount() int {
	if p.shards != nil {
		return len(p.sc.names)
	}
	return len(p.sc.entries)
}

// Subdirs describes the loaded documents in priority order.
func (ix *Index) Subdirs() []SubdirInfo {
	out := make([]SubdirInfo, len(ix.parts))
	for k, p := range ix.parts {
		out[k] = SubdirInfo{Channel: p.channel, Subdir: p.subdir, Source: p.source, Records: p.entryCount(), Bytes: len(p.data), Sharded: p.shards != nil}
	}
	return out
}

// SubdirInfo describes one loaded repodata document.
type SubdirInfo struct {
	Channel string // canonical channel name, as in Record.Channel
	Subdir  string // e.g. "linux-64", "noarch"
	Source  string // file path or credential-free URL it was read from
	Records int    // record entries in the document (package names when Sharded)
	Bytes   int    // size of the uncompressed document (0 when Sharded)
	Sharded bool   // read through a CEP-16 shard index
}

// Prefetch starts loading, in the background, the records of names in
// every sharded subdir (and then, as for any shard, of the names they
// depend on), so that the fetches of a request's names overlap instead of
// waiting for the solver to ask for each in turn. It returns at once; the
// records are then served by [Index.Candidates], which also reports any
// error. Names unknown to a subdir and subdirs read from repodata.json are
// ignored.
func (ix *Index) Prefetch(names ...string) {
	var sharded []*part
	for _, p := range ix.parts {
		if p.shards != nil {
			sharded = append(sharded, p)
		}
	}
	if len(sharded) > 0 {
		prefetch(sharded, names)
	}
}
