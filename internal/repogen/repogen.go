// Package repogen writes large, realistic, deterministic repodata.json
// documents for benchmarks: a conda-forge-sized linux-64 subdir (about
// 465,000 records, 240 MB) built around real records.
//
// The document holds every record of the given real base documents
// verbatim (e.g. the conda-forge subset in the shared corpus, linux-64 and
// noarch), a hand-written scientific Python stack for python 3.9 (numpy,
// scipy, pandas, matplotlib, jupyter and their dependencies) whose
// dependencies all resolve against the base, and synthetic packages filling
// up the requested record count. A synthetic package depends only on base
// packages, the stack, and synthetic packages generated before it, each
// through a spec that at least one existing record satisfies, so the
// dependency graph is acyclic and consistent. Sizes, dependency counts and
// licences follow the distribution of the base records.
//
// Output depends only on the options: the same seed gives the same bytes.
// Generated files belong in a temporary or cache directory, never in git.
//
// It owns the synthetic repodata generator of the benchmarks. It imports no
// envseal package and nothing imports it but benchmarks and their tools.
package repogen

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// Options controls a generated document.
type Options struct {
	// Seed selects the document; equal options give equal bytes.
	Seed int64
	// Records is the total number of records, base records included.
	// Fewer than the base and stack records means just those.
	Records int
	// Base are real repodata.json documents whose records are included
	// verbatim and whose distributions are sampled. At least one is
	// required.
	Base [][]byte
	// Subdir is written into info.subdir and synthetic records
	// ("linux-64" when empty).
	Subdir string
}

// Stats describes a generated document.
type Stats struct {
	Records   int // total records written
	Base      int // records copied from the base documents
	Stack     int // records of the hand-written scientific stack
	Synthetic int // generated records
	Names     int // distinct package names
	Bytes     int64
}

// WriteFile generates a document into path, atomically (a temporary file
// beside it, then a rename).
func WriteFile(path string, opts Options) (Stats, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return Stats{}, fmt.Errorf("generating %s: %w", path, err)
	}
	tmp := f.Name()
	st, err := Generate(f, opts)
	if err == nil {
		err = f.Chmod(0o644)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return Stats{}, fmt.Errorf("generating %s: %w", path, err)
	}
	return st, nil
}

// baseRecord is one record of a base document.
type baseRecord struct {
	key   string
	conda bool
	raw   json.RawMessage
}

type baseDoc struct {
	Packages      map[string]json.RawMessage `json:"packages"`
	PackagesConda map[string]json.RawMessage `json:"packages.conda"`
}

type baseFields struct {
	Name    string   `json:"name"`
	Version string   `json:"version"`
	Depends []string `json:"depends"`
	License string   `json:"license"`
	Size    int64    `json:"size"`
}

// sampler holds the distributions drawn from the base records.
type sampler struct {
	nDeps    []int
	licenses []string
	sizes    []int64
}

// pkg is a planned package name: its versions and how it is built.
type pkg struct {
	name     string
	versions []string
	builds   []int      // builds per version
	python   bool       // built per python (py39 builds depending on python)
	noarch   bool       // noarch: python
	depends  [][]string // per version (synthetic packages)
	fixed    []string   // for every version (stack packages)
}

// Generate writes a document to w.
func Generate(w io.Writer, opts Options) (Stats, error) {
	if len(opts.Base) == 0 {
		return Stats{}, fmt.Errorf("repogen: no base repodata given")
	}
	if opts.Subdir == "" {
		opts.Subdir = "linux-64"
	}
	var base []baseRecord
	var smp sampler
	exists := map[string][]string{} // name → versions, base and stack
	for k, doc := range opts.Base {
		var d baseDoc
		if err := json.Unmarshal(doc, &d); err != nil {
			return Stats{}, fmt.Errorf("repogen: base document %d: %w", k, err)
		}
		for sec, m := range []map[string]json.RawMessage{d.Packages, d.PackagesConda} {
			keys := make([]string, 0, len(m))
			for key := range m {
				keys = append(keys, key)
			}
			sort.Strings(keys)
			for _, key := range keys {
				var f baseFields
				if err := json.Unmarshal(m[key], &f); err != nil {
					return Stats{}, fmt.Errorf("repogen: base record %s: %w", key, err)
				}
				base = append(base, baseRecord{key: key, conda: sec == 1, raw: m[key]})
				exists[f.Name] = append(exists[f.Name], f.Version)
				smp.nDeps = append(smp.nDeps, len(f.Depends))
				if f.License != "" {
					smp.licenses = append(smp.licenses, f.License)
				}
				if f.Size > 0 {
					smp.sizes = append(smp.sizes, f.Size)
				}
			}
		}
	}
	if len(smp.sizes) == 0 || len(smp.licenses) == 0 {
		return Stats{}, fmt.Errorf("repogen: base documents hold no usable records")
	}
	for _, need := range []string{"python", "python_abi", "libgcc-ng", "libstdcxx-ng"} {
		if len(exists[need]) == 0 {
			return Stats{}, fmt.Errorf("repogen: base documents lack %s, which generated packages depend on", need)
		}
	}

	rng := rand.New(rand.NewSource(opts.Seed))
	stack := stackPackages()
	plan := append([]*pkg(nil), stack...)
	count := func(p *pkg) int {
		n := 0
		for _, b := range p.builds {
			n += b
		}
		return n
	}
	stackN := 0
	for _, p := range stack {
		stackN += count(p)
		exists[p.name] = append(exists[p.name], p.versions...)
	}
	want := opts.Records - len(base) - stackN
	used := map[string]bool{}
	for n := range exists {
		used[n] = true
	}
	var synth []*pkg
	for total := 0; total < want; {
		p := newSynthetic(rng, used)
		if n := count(p); total+n > want {
			trimTo(p, want-total)
		}
		total += count(p)
		synth = append(synth, p)
	}
	// Dependencies: base/stack names and earlier synthetic packages.
	baseNames := []string{"libgcc-ng", "libstdcxx-ng", "libzlib", "openssl", "zstd", "xz", "bzip2", "ncurses", "libffi", "libsqlite"}
	for k, p := range synth {
		p.depends = make([][]string, len(p.versions))
		for v := range p.versions {
			nd := smp.nDeps[rng.Intn(len(smp.nDeps))]
			if nd > 8 {
				nd = 8
			}
			deps := []string{}
			if p.python {
				deps = append(deps, "python >=3.9,<3.10.0a0", "python_abi 3.9.* *_cp39")
			} else if p.noarch {
				deps = append(deps, "python >=3.8")
			} else {
				deps = append(deps, "libgcc-ng >=12")
			}
			seen := map[string]bool{p.name: true}
			for len(deps) < nd+1 {
				var name string
				var versions []string
				switch r := rng.Float64(); {
				case r < 0.15 || k == 0:
					name = baseNames[rng.Intn(len(baseNames))]
					versions = exists[name]
				case r < 0.25:
					sp := stack[rng.Intn(len(stack))]
					name, versions = sp.name, sp.versions
				default:
					// Popular packages are depended on more: bias to low indices.
					u := rng.Float64()
					d := synth[int(float64(k)*u*u)]
					name, versions = d.name, d.versions
				}
				if seen[name] || len(versions) == 0 {
					if len(seen) > 20 {
						break
					}
					seen[name] = true
					continue
				}
				seen[name] = true
				deps = append(deps, depSpec(rng, name, versions[rng.Intn(len(versions))]))
			}
			sort.Strings(deps[1:])
			p.depends[v] = deps
		}
	}
	plan = append(plan, synth...)

	bw := bufio.NewWriterSize(w, 1<<20)
	cw := &countingWriter{w: bw}
	st := Stats{Base: len(base), Stack: stackN}
	fmt.Fprintf(cw, "{\n \"info\": {\n  \"subdir\": %q\n },\n", opts.Subdir)
	for sec, secName := range []string{"packages", "packages.conda"} {
		fmt.Fprintf(cw, " %q: {", secName)
		first := true
		sep := func() {
			if first {
				cw.WriteString("\n")
				first = false
			} else {
				cw.WriteString(",\n")
			}
		}
		for _, b := range base {
			if b.conda != (sec == 1) {
				continue
			}
			sep()
			writeKey(cw, b.key)
			cw.Write(b.raw)
			st.Records++
		}
		for pi, p := range plan {
			prng := rand.New(rand.NewSource(opts.Seed ^ int64(pi+1)*0x5DEECE66D))
			ts := int64(1_500_000_000_000) + prng.Int63n(150_000_000_000)
			for v, ver := range p.versions {
				// Older versions as .tar.bz2, the newest third as .conda.
				isConda := v >= len(p.versions)*2/3
				for b := 0; b < p.builds[v]; b++ {
					rec := p.record(prng, &smp, opts.Subdir, v, b, ts)
					ts += 1 + prng.Int63n(30*24*3600*1000)
					if isConda != (sec == 1) {
						continue
					}
					ext := ".tar.bz2"
					if isConda {
						ext = ".conda"
					}
					sep()
					writeKey(cw, p.name+"-"+ver+"-"+rec.build+ext)
					rec.write(cw)
					st.Records++
					if pi >= len(stack) {
						st.Synthetic++
					}
				}
			}
		}
		cw.WriteString("\n },\n")
	}
	cw.WriteString(" \"removed\": [],\n \"repodata_version\": 1\n}\n")
	if cw.err != nil {
		return Stats{}, cw.err
	}
	if err := bw.Flush(); err != nil {
		return Stats{}, err
	}
	names := map[string]bool{}
	for n := range exists {
		names[n] = true
	}
	for _, p := range synth {
		names[p.name] = true
	}
	st.Names = len(names)
	st.Bytes = cw.n
	return st, nil
}

type countingWriter struct {
	w   *bufio.Writer
	n   int64
	err error
}

func (c *countingWriter) Write(b []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.w.Write(b)
	c.n += int64(n)
	c.err = err
	return n, err
}

func (c *countingWriter) WriteString(s string) {
	if c.err != nil {
		return
	}
	n, err := c.w.WriteString(s)
	c.n += int64(n)
	c.err = err
}

func writeKey(cw *countingWriter, key string) {
	cw.WriteString("  ")
	cw.WriteString(strconv.Quote(key))
	cw.WriteString(": ")
}

// depSpec returns a spec on name that version satisfies.
func depSpec(rng *rand.Rand, name, version string) string {
	switch r := rng.Float64(); {
	case r < 0.3:
		return name
	case r < 0.7:
		return name + " >=" + version
	default:
		major := version
		if i := strings.IndexAny(version, "."); i > 0 {
			major = version[:i]
		}
		if n, err := strconv.Atoi(major); err == nil {
			return fmt.Sprintf("%s >=%s,<%d.0a0", name, version, n+1)
		}
		return name + " >=" + version
	}
}

var (
	syllables = []string{"ab", "ac", "al", "am", "an", "ar", "ba", "be", "bi", "bo", "ca", "ce", "ci", "co", "da", "de", "di", "do",
		"el", "en", "er", "fa", "fi", "fo", "ga", "ge", "gi", "go", "ha", "he", "hi", "ka", "ki", "ko", "la", "le", "li", "lo",
		"ma", "me", "mi", "mo", "na", "ne", "ni", "no", "pa", "pe", "pi", "po", "ra", "re", "ri", "ro", "sa", "se", "si", "so",
		"ta", "te", "ti", "to", "va", "ve", "vi", "xa", "xe", "za", "ze", "zo", "str", "tr", "pl", "gr", "x", "z", "q"}
	prefixes = []string{"", "", "", "", "lib", "lib", "py", "r-", "r-", "ros-humble-", "perl-", "jupyterlab-", "sphinx-", "pytest-", "font-", "xorg-", "go-", "rust-"}
	suffixes = []string{"", "", "", "", "", "-base", "-core", "-dev", "-tools", "-cpp", "-python", "-utils", "-plugin", "-data", "-cli"}
	licenses = []string{"MIT", "BSD-3-Clause", "Apache-2.0", "GPL-3.0-or-later", "LGPL-2.1-or-later", "MPL-2.0", "BSD-2-Clause", "ISC"}
)

// newSynthetic plans a new uniquely named package.
func newSynthetic(rng *rand.Rand, used map[string]bool) *pkg {
	var name string
	for {
		var b strings.Builder
		b.WriteString(prefixes[rng.Intn(len(prefixes))])
		for s := 2 + rng.Intn(3); s > 0; s-- {
			b.WriteString(syllables[rng.Intn(len(syllables))])
		}
		b.WriteString(suffixes[rng.Intn(len(suffixes))])
		name = b.String()
		if !used[name] {
			break
		}
	}
	used[name] = true
	p := &pkg{name: name}
	switch r := rng.Float64(); {
	case r < 0.30:
		p.python = true
	case r < 0.45:
		p.noarch = true
	}
	// Versions per name: heavy-tailed, mean around 5.
	nv := 1 + int(math.Floor(math.Exp(rng.NormFloat64()*1.0+1.0)))
	if nv > 120 {
		nv = 120
	}
	if rng.Float64() < 0.08 {
		// calendar versions
		y, m := 2016+rng.Intn(4), 1+rng.Intn(12)
		for v := 0; v < nv; v++ {
			p.versions = append(p.versions, fmt.Sprintf("%d.%d.%d", y, m, 1+rng.Intn(28)))
			m += 1 + rng.Intn(3)
			if m > 12 {
				y, m = y+1, m-12
			}
		}
	} else {
		maj, min, pat := rng.Intn(4), rng.Intn(20), rng.Intn(10)
		for v := 0; v < nv; v++ {
			p.versions = append(p.versions, fmt.Sprintf("%d.%d.%d", maj, min, pat))
			switch r := rng.Float64(); {
			case r < 0.6:
				pat++
			case r < 0.92:
				min, pat = min+1, 0
			default:
				maj, min, pat = maj+1, 0, 0
			}
		}
	}
	p.builds = make([]int, nv)
	for v := range p.builds {
		if p.python {
			p.builds[v] = 1 + rng.Intn(6)
		} else {
			p.builds[v] = 1 + int(math.Floor(math.Exp(rng.NormFloat64()*0.9)))
			if p.builds[v] > 30 {
				p.builds[v] = 30
			}
		}
	}
	return p
}

// trimTo cuts p down to n records (n ≥ 1 keeps at least one).
func trimTo(p *pkg, n int) {
	if n < 1 {
		n = 1
	}
	total := 0
	for v, b := range p.builds {
		if total+b >= n {
			p.builds[v] = n - total
			p.builds = p.builds[:v+1]
			p.versions = p.versions[:v+1]
			return
		}
		total += b
	}
}

// record is a generated repodata record.
type record struct {
	name, version, build, license, subdir, noarch string
	buildNumber                                   int
	depends, constrains                           []string
	md5, sha256                                   string
	size, timestamp                               int64
}

func (p *pkg) record(rng *rand.Rand, smp *sampler, subdir string, v, b int, ts int64) record {
	r := record{name: p.name, version: p.versions[v], buildNumber: b, subdir: subdir, timestamp: ts}
	hash := fmt.Sprintf("%08x", rng.Uint32())[:7]
	switch {
	case p.noarch:
		r.build = fmt.Sprintf("pyhd8ed1ab_%d", b)
		r.noarch = "python"
		r.subdir = "noarch"
	case p.python:
		r.build = fmt.Sprintf("py39h%s_%d", hash, b)
	default:
		r.build = fmt.Sprintf("h%s_%d", hash, b)
	}
	if p.depends != nil {
		r.depends = p.depends[v]
	} else {
		r.depends = p.stackDeps()
	}
	r.license = smp.licenses[rng.Intn(len(smp.licenses))]
	if rng.Float64() < 0.5 {
		r.license = licenses[rng.Intn(len(licenses))]
	}
	r.size = smp.sizes[rng.Intn(len(smp.sizes))]/2 + rng.Int63n(1<<16)
	r.md5 = fmt.Sprintf("%016x%016x", rng.Uint64(), rng.Uint64())
	r.sha256 = fmt.Sprintf("%016x%016x%016x%016x", rng.Uint64(), rng.Uint64(), rng.Uint64(), rng.Uint64())
	return r
}

func (r *record) write(cw *countingWriter) {
	var b strings.Builder
	b.WriteString("{\n   \"build\": ")
	b.WriteString(strconv.Quote(r.build))
	b.WriteString(",\n   \"build_number\": ")
	b.WriteString(strconv.Itoa(r.buildNumber))
	if len(r.constrains) > 0 {
		writeList(&b, "constrains", r.constrains)
	}
	writeList(&b, "depends", r.depends)
	b.WriteString(",\n   \"license\": ")
	b.WriteString(strconv.Quote(r.license))
	b.WriteString(",\n   \"md5\": \"")
	b.WriteString(r.md5)
	b.WriteString("\",\n   \"name\": ")
	b.WriteString(strconv.Quote(r.name))
	if r.noarch != "" {
		b.WriteString(",\n   \"noarch\": ")
		b.WriteString(strconv.Quote(r.noarch))
	}
	b.WriteString(",\n   \"sha256\": \"")
	b.WriteString(r.sha256)
	b.WriteString("\",\n   \"size\": ")
	b.WriteString(strconv.FormatInt(r.size, 10))
	b.WriteString(",\n   \"subdir\": ")
	b.WriteString(strconv.Quote(r.subdir))
	b.WriteString(",\n   \"timestamp\": ")
	b.WriteString(strconv.FormatInt(r.timestamp, 10))
	b.WriteString(",\n   \"version\": ")
	b.WriteString(strconv.Quote(r.version))
	b.WriteString("\n  }")
	cw.WriteString(b.String())
}

func writeList(b *strings.Builder, key string, l []string) {
	b.WriteString(",\n   \"")
	b.WriteString(key)
	b.WriteString("\": [")
	for k, s := range l {
		if k > 0 {
			b.WriteString(",")
		}
		b.WriteString("\n    ")
		b.WriteString(strconv.Quote(s))
	}
	if len(l) > 0 {
		b.WriteString("\n   ")
	}
	b.WriteString("]")
}
