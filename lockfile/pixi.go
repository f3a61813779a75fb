package lockfile

import (
	"fmt"
	"sort"
	"strings"

	"github.com/envseal/envseal/conda"
	"gopkg.in/yaml.v3"
)

// pixi.lock (rattler_lock) keeps environments that point into one list of
// packages:
//
//	version: 6
//	environments:
//	  default:
//	    channels:
//	    - url: https://conda.anaconda.org/conda-forge/
//	    packages:
//	      linux-64:
//	      - conda: https://conda.anaconda.org/conda-forge/linux-64/zlib-1.3.1-hb9d3cd8_2.conda
//	      - pypi: https://files.pythonhosted.org/.../six-1.16.0-py2.py3-none-any.whl
//	packages:
//	- conda: https://conda.anaconda.org/conda-forge/linux-64/zlib-1.3.1-hb9d3cd8_2.conda
//	  sha256: ...
//	  md5: ...
//	  depends: [...]
//
// In version 6 and later a conda package's name, version, build, subdir,
// channel, build number (the build string's trailing digits) and noarch
// kind (python when a noarch build string mentions "py") are left out when
// the URL implies them. Versions 4 and 5 tag packages with "kind: conda" or
// "kind: pypi" and give "url" (or "path") and every field. Version 7 adds a
// top-level list of named platforms that the environments refer to, and
// "conda_source" entries for packages built from source.

// DefaultEnvironment is the pixi environment read and written when none is
// named.
const DefaultEnvironment = "default"

// pixiVersions are the pixi.lock versions read; MarshalPixi writes 6.
var pixiVersions = []int{4, 5, 6, 7}

// maxSecondsTimestamp is the largest timestamp read as seconds
// (9999-12-31T23:59:59Z), as conda and rattler do; larger ones are
// milliseconds.
const maxSecondsTimestamp = 253402300799

// pixiWriteVersion is the pixi.lock version MarshalPixi writes.
const pixiWriteVersion = 6

// ParsePixi reads environment env (DefaultEnvironment when empty) of a
// pixi.lock, versions 4 to 7. Conda binary packages go to [Lock.Packages],
// PyPI ones to [Lock.PyPI]; source packages (conda_source, or a conda
// location that is not an archive) cannot be installed without building
// and are listed in [Lock.Skipped]. Files of versions 1 to 3 (rattler's
// conda-lock layout) are read with [ParseCondaLock]. Every environment's
// platform references are checked, and a package reference that is not in
// the package list is an error; unknown keys are ignored. Errors name the
// line.
func ParsePixi(data []byte, env string) (*Lock, error) {
	if env == "" {
		env = DefaultEnvironment
	}
	r := yamlReader{}
	root, err := r.parseDocument(data)
	if err != nil {
		return nil, err
	}
	top, err := r.fields(root, "pixi.lock")
	if err != nil {
		return nil, err
	}
	vn, ok := top["version"]
	if !ok {
		return nil, errAt(root, "pixi.lock: missing key \"version\"")
	}
	version, err := r.int(vn, "version")
	if err != nil {
		return nil, err
	}
	if _, ok := top["package"]; ok && version >= 1 && version <= 3 {
		return ParseCondaLock(data)
	}
	if !containsInt(pixiVersions, int(version)) {
		return nil, &ParseError{Line: vn.Line, Err: &VersionError{Format: "pixi.lock", Version: int(version), Supported: pixiVersions}}
	}
	d := pixiDecoder{r: r, version: int(version)}
	if err := d.platforms(top["platforms"]); err != nil {
		return nil, err
	}
	if err := d.packages(top["packages"]); err != nil {
		return nil, err
	}
	envs, err := r.pairs(top["environments"], "environments")
	if err != nil {
		return nil, err
	}
	var selected *yaml.Node
	var names []string
	for _, kv := range envs {
		names = append(names, kv[0].Value)
		if err := d.checkEnvPlatforms(kv[0].Value, kv[1]); err != nil {
			return nil, err
		}
		if kv[0].Value == env {
			selected = kv[1]
		}
	}
	if selected == nil {
		sort.Strings(names)
		return nil, errAt(root, "pixi.lock has no environment %q (it has: %s)", env, strings.Join(names, ", "))
	}
	return d.environment(env, selected)
}

type pixiDecoder struct {
	r       yamlReader
	version int
	// subdirs maps v7 platform names to their subdirs; nil before v7.
	subdirs map[string]conda.Platform
	conda   map[string][]pixiConda
	pypi    map[string]*PyPIPackage
}

// pixiConda is one entry of the package list: a binary package, or a
// source package (pkg nil) with what identifies it.
type pixiConda struct {
	pkg                          *Package
	name, version, build, subdir string
}

// platforms reads v7's top-level platform definitions.
func (d *pixiDecoder) platforms(n *yaml.Node) error {
	if d.version < 7 {
		return nil
	}
	if n == nil {
		return errAt(nil, "pixi.lock: missing key \"platforms\"")
	}
	items, err := d.r.list(n, "platforms")
	if err != nil {
		return err
	}
	d.subdirs = map[string]conda.Platform{}
	for _, it := range items {
		f, err := d.r.fields(it, "platforms")
		if err != nil {
			return err
		}
		name, err := d.r.str(f["name"], "platforms.name")
		if err != nil {
			return err
		}
		if !validPlatformName(name) {
			return errAt(it, "platforms: invalid platform name %q (want letters, digits, '-' and '_')", name)
		}
		if _, dup := d.subdirs[name]; dup {
			return errAt(it, "platforms: platform %q is defined twice", name)
		}
		subdir, err := d.r.str(f["subdir"], "platforms.subdir")
		if err != nil {
			return err
		}
		if subdir == "" {
			subdir = name
		}
		p, err := conda.ParsePlatform(subdir)
		if err != nil {
			return errAt(it, "platforms: platform %q: %w", name, err)
		}
		d.subdirs[name] = p
	}
	return nil
}

func validPlatformName(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// platformOf maps an environment's platform key to a subdir.
func (d *pixiDecoder) platformOf(k *yaml.Node, env string) (conda.Platform, error) {
	if d.subdirs != nil {
		p, ok := d.subdirs[k.Value]
		if !ok {
			return "", errAt(k, "environment %q: platform %q is not defined in platforms", env, k.Value)
		}
		return p, nil
	}
	p, err := conda.ParsePlatform(k.Value)
	if err != nil {
		return "", errAt(k, "environment %q: %w", env, err)
	}
	return p, nil
}

// checkEnvPlatforms validates the platform keys of an environment.
func (d *pixiDecoder) checkEnvPlatforms(env string, n *yaml.Node) error {
	f, err := d.r.fields(n, "environment "+env)
	if err != nil {
		return err
	}
	pairs, err := d.r.pairs(f["packages"], "environment "+env+": packages")
	if err != nil {
		return err
	}
	used := map[conda.Platform]string{}
	for _, kv := range pairs {
		p, err := d.platformOf(kv[0], env)
		if err != nil {
			return err
		}
		if other, dup := used[p]; dup {
			return errAt(kv[0], "environment %q: platforms %q and %q are both %s", env, other, kv[0].Value, p)
		}
		used[p] = kv[0].Value
	}
	return nil
}

// packages indexes the top-level package list by location.
func (d *pixiDecoder) packages(n *yaml.Node) error {
	items, err := d.r.list(n, "packages")
	if err != nil {
		return err
	}
	d.conda = map[string][]pixiConda{}
	d.pypi = map[string]*PyPIPackage{}
	for _, it := range items {
		f, err := d.r.fields(it, "package")
		if err != nil {
			return err
		}
		kind, loc, err := d.kindAndLocation(it, f)
		if err != nil {
			return err
		}
		switch kind {
		case "pypi":
			p, err := d.pypiPackage(f, loc)
			if err != nil {
				return wrapAt(it, "package "+redactURL(loc), err)
			}
			d.pypi[loc] = p
		case "conda_source":
			c, err := d.sourceIdentity(f, loc)
			if err != nil {
				return err
			}
			d.conda[loc] = append(d.conda[loc], c)
		case "conda":
			c, err := d.condaPackage(it, f, loc)
			if err != nil {
				return wrapAt(it, "package "+redactURL(loc), err)
			}
			d.conda[loc] = append(d.conda[loc], c)
		}
	}
	return nil
}

// kindAndLocation tells a package entry's kind (conda, conda_source or
// pypi) and location.
func (d *pixiDecoder) kindAndLocation(it *yaml.Node, f map[string]*yaml.Node) (string, string, error) {
	if kn, ok := f["kind"]; ok { // v4, v5
		kind, err := d.r.str(kn, "kind")
		if err != nil {
			return "", "", err
		}
		if kind != "conda" && kind != "pypi" {
			return "", "", errAt(kn, "package: kind: want conda or pypi, found %q", kind)
		}
		loc, err := d.r.str(f["url"], "url")
		if err != nil {
			return "", "", err
		}
		if loc == "" {
			if loc, err = d.r.str(f["path"], "path"); err != nil {
				return "", "", err
			}
		}
		if loc == "" {
			return "", "", errAt(it, "package: no url or path")
		}
		return kind, loc, nil
	}
	for _, kind := range []string{"conda", "pypi", "conda_source", "conda_binary"} {
		if n, ok := f[kind]; ok {
			loc, err := d.r.str(n, kind)
			if err != nil {
				return "", "", err
			}
			if loc == "" {
				return "", "", errAt(n, "package: %s: empty location", kind)
			}
			if kind == "conda_binary" {
				kind = "conda"
			}
			return kind, loc, nil
		}
	}
	return "", "", errAt(it, "package: want one of the keys conda, pypi, conda_source or kind")
}

func (d *pixiDecoder) sourceIdentity(f map[string]*yaml.Node, loc string) (pixiConda, error) {
	var c pixiConda
	var err error
	for _, s := range []struct {
		key string
		dst *string
	}{{"name", &c.name}, {"version", &c.version}, {"build", &c.build}, {"subdir", &c.subdir}} {
		if *s.dst, err = d.r.str(f[s.key], s.key); err != nil {
			return c, err
		}
	}
	if c.name == "" {
		// v7 conda_source: "name[hash] @ path".
		c.name, _, _ = strings.Cut(loc, "[")
		c.name, _, _ = strings.Cut(c.name, " ")
	}
	return c, nil
}

func (d *pixiDecoder) condaPackage(it *yaml.Node, f map[string]*yaml.Node, loc string) (pixiConda, error) {
	r := d.r
	dv := deriveFromURL(loc)
	if !dv.ok {
		// A source package (a path to a recipe); it has no archive.
		return d.sourceIdentity(f, loc)
	}
	p := &Package{URL: loc, Name: dv.name, Build: dv.build, Subdir: dv.subdir, Channel: dv.channel}
	var err error
	version := dv.version
	if n, ok := f["version"]; ok {
		if version, err = r.str(n, "version"); err != nil {
			return pixiConda{}, err
		}
	}
	for _, s := range []struct {
		key string
		dst *string
	}{
		{"name", &p.Name}, {"build", &p.Build}, {"subdir", &p.Subdir}, {"channel", &p.Channel},
	} {
		if n, ok := f[s.key]; ok {
			if *s.dst, err = r.str(n, s.key); err != nil {
				return pixiConda{}, err
			}
		}
	}
	if p.Version, err = conda.ParseVersion(version); err != nil {
		return pixiConda{}, errAt(f["version"], "%w", err)
	}
	if n, ok := f["build_number"]; ok {
		if p.BuildNumber, err = r.int(n, "build_number"); err != nil {
			return pixiConda{}, err
		}
	} else if d.version >= 6 {
		p.BuildNumber = buildNumberFromBuild(p.Build)
	}
	if n, ok := f["noarch"]; ok {
		if p.Noarch, err = r.str(n, "noarch"); err != nil {
			return pixiConda{}, err
		}
	} else {
		sd, b := dv.subdir, dv.build
		if sd == "" {
			sd = p.Subdir
		}
		p.Noarch = noarchFromBuild(sd, b)
	}
	for _, s := range []struct {
		key string
		dst *string
	}{
		{"sha256", &p.SHA256}, {"md5", &p.MD5}, {"features", &p.Features},
		{"license", &p.License}, {"license_family", &p.LicenseFamily},
	} {
		if *s.dst, err = r.str(f[s.key], s.key); err != nil {
			return pixiConda{}, err
		}
	}
	p.SHA256, p.MD5 = normHash(p.SHA256), normHash(p.MD5)
	if p.Depends, err = r.strings(f["depends"], "depends"); err != nil {
		return pixiConda{}, err
	}
	if p.Constrains, err = r.strings(f["constrains"], "constrains"); err != nil {
		return pixiConda{}, err
	}
	if tf, ok := f["track_features"]; ok {
		if p.TrackFeatures, err = stringOrList(r, tf, "track_features"); err != nil {
			return pixiConda{}, err
		}
	}
	if p.Size, err = r.int(f["size"], "size"); err != nil {
		return pixiConda{}, err
	}
	if p.Timestamp, err = r.int(f["timestamp"], "timestamp"); err != nil {
		return pixiConda{}, err
	}
	if p.Timestamp > 0 && p.Timestamp <= maxSecondsTimestamp {
		p.Timestamp *= 1000 // seconds
	}
	if p.Subdir == "" {
		return pixiConda{}, errAt(it, "missing subdir (the URL does not tell it)")
	}
	if err := checkPackage(p); err != nil {
		return pixiConda{}, errAt(it, "%w", err)
	}
	return pixiConda{pkg: p, name: p.Name, version: p.Version.String(), build: p.Build, subdir: p.Subdir}, nil
}

func (d *pixiDecoder) pypiPackage(f map[string]*yaml.Node, loc string) (*PyPIPackage, error) {
	r := d.r
	p := &PyPIPackage{URL: loc}
	var err error
	for _, s := range []struct {
		key string
		dst *string
	}{{"name", &p.Name}, {"version", &p.Version}, {"sha256", &p.SHA256}, {"md5", &p.MD5}, {"requires_python", &p.RequiresPython}} {
		if *s.dst, err = r.str(f[s.key], s.key); err != nil {
			return nil, err
		}
	}
	if hn, ok := f["hash"]; ok { // older spelling
		hf, err := r.fields(hn, "hash")
		if err != nil {
			return nil, err
		}
		if p.SHA256 == "" {
			if p.SHA256, err = r.str(hf["sha256"], "hash.sha256"); err != nil {
				return nil, err
			}
		}
		if p.MD5 == "" {
			if p.MD5, err = r.str(hf["md5"], "hash.md5"); err != nil {
				return nil, err
			}
		}
	}
	p.SHA256, p.MD5 = normHash(p.SHA256), normHash(p.MD5)
	if p.RequiresDist, err = r.strings(f["requires_dist"], "requires_dist"); err != nil {
		return nil, err
	}
	if p.Editable, err = r.bool(f["editable"], "editable"); err != nil {
		return nil, err
	}
	if p.Name == "" {
		return nil, errAt(nil, "pypi package without a name")
	}
	return p, nil
}

// environment builds the lock of one environment.
func (d *pixiDecoder) environment(env string, n *yaml.Node) (*Lock, error) {
	r := d.r
	what := "environment " + env
	f, err := r.fields(n, what)
	if err != nil {
		return nil, err
	}
	l := New()
	chans, err := r.list(f["channels"], what+": channels")
	if err != nil {
		return nil, err
	}
	for _, cn := range chans {
		u, err := channelEntryURL(r, cn, what+": channels")
		if err != nil {
			return nil, err
		}
		l.Metadata.Channels = append(l.Metadata.Channels, u)
	}
	if on, ok := f["options"]; ok {
		of, err := r.fields(on, what+": options")
		if err != nil {
			return nil, err
		}
		if l.Metadata.ChannelPriority, err = r.str(of["channel-priority"], "channel-priority"); err != nil {
			return nil, err
		}
		if err := checkPriority(of["channel-priority"], l.Metadata.ChannelPriority); err != nil {
			return nil, err
		}
		// rattler_lock v6 wrote the solve's cut-off here; it dropped the
		// field in 2026 (rattler#2296) but older pixi.lock files carry it.
		if l.Metadata.ExcludeNewer, err = parseCutoff(r, of["exclude-newer"], what+": options.exclude-newer"); err != nil {
			return nil, err
		}
	}
	pairs, err := r.pairs(f["packages"], what+": packages")
	if err != nil {
		return nil, err
	}
	l.Packages = map[conda.Platform][]*Package{}
	for _, kv := range pairs {
		plat, err := d.platformOf(kv[0], env)
		if err != nil {
			return nil, err
		}
		if !containsPlatform(l.Metadata.Platforms, plat) {
			l.Metadata.Platforms = append(l.Metadata.Platforms, plat)
		}
		refs, err := r.list(kv[1], what+": packages."+kv[0].Value)
		if err != nil {
			return nil, err
		}
		seen := map[*Package]bool{}
		var pkgs []*Package
		for _, ref := range refs {
			rf, err := r.fields(ref, what+": package reference")
			if err != nil {
				return nil, err
			}
			kind, loc, err := d.kindAndLocation(ref, rf)
			if err != nil {
				return nil, err
			}
			if kind == "pypi" {
				p, ok := d.pypi[loc]
				if !ok {
					return nil, errAt(ref, "%s, %s: pypi package %s is not in the package list", what, kv[0].Value, redactURL(loc))
				}
				if l.PyPI == nil {
					l.PyPI = map[conda.Platform][]*PyPIPackage{}
				}
				l.PyPI[plat] = append(l.PyPI[plat], clonePyPI(p))
				continue
			}
			c, err := d.resolveConda(ref, rf, loc, plat)
			if err != nil {
				return nil, fmt.Errorf("%s, %s: %w", what, kv[0].Value, err)
			}
			if c.pkg == nil {
				l.Skipped = append(l.Skipped, fmt.Sprintf("%s: source package %s (%s) must be built", plat, c.name, loc))
				continue
			}
			if seen[c.pkg] {
				continue
			}
			seen[c.pkg] = true
			pkgs = append(pkgs, clonePackage(c.pkg))
		}
		l.Packages[plat] = pkgs
	}
	sort.Slice(l.Metadata.Platforms, func(i, j int) bool { return l.Metadata.Platforms[i] < l.Metadata.Platforms[j] })
	return l, nil
}

// resolveConda finds the package an environment's conda reference names:
// by location, then (for several entries at one location, as source
// packages have) by name, version, build and subdir.
func (d *pixiDecoder) resolveConda(ref *yaml.Node, rf map[string]*yaml.Node, loc string, plat conda.Platform) (pixiConda, error) {
	cands := d.conda[loc]
	if len(cands) == 0 {
		return pixiConda{}, errAt(ref, "conda package %s is not in the package list", redactURL(loc))
	}
	if len(cands) == 1 {
		return cands[0], nil
	}
	want := map[string]string{}
	for _, k := range []string{"name", "version", "build", "subdir"} {
		if n, ok := rf[k]; ok {
			v, err := d.r.str(n, k)
			if err != nil {
				return pixiConda{}, err
			}
			want[k] = v
		}
	}
	var match []pixiConda
	for _, c := range cands {
		if v, ok := want["name"]; ok && v != c.name {
			continue
		}
		if v, ok := want["version"]; ok && v != c.version {
			continue
		}
		if v, ok := want["build"]; ok && v != c.build {
			continue
		}
		sub := want["subdir"]
		if sub == "" && c.subdir != "" && c.subdir != "noarch" && len(cands) > 1 {
			sub = string(plat)
		}
		if sub != "" && c.subdir != "" && c.subdir != "noarch" && sub != c.subdir {
			continue
		}
		match = append(match, c)
	}
	if len(match) == 0 {
		return pixiConda{}, errAt(ref, "conda package %s: no entry matches the reference", redactURL(loc))
	}
	return match[0], nil
}

func clonePackage(p *Package) *Package {
	q := *p
	q.Depends = cloneStrings(p.Depends)
	q.Constrains = cloneStrings(p.Constrains)
	q.TrackFeatures = cloneStrings(p.TrackFeatures)
	return &q
}

func clonePyPI(p *PyPIPackage) *PyPIPackage {
	q := *p
	q.RequiresDist = cloneStrings(p.RequiresDist)
	return &q
}

// MarshalPixi writes l as a pixi.lock version 6 with one environment, env
// (DefaultEnvironment when empty). Package entries leave out the fields
// their URL implies, as pixi does; environments list packages sorted by
// URL, and the package list is sorted by name, kind (conda first) and URL.
// The channel priority, when set, is written as the environment's
// channel-priority option.
func MarshalPixi(l *Lock, env string) ([]byte, error) {
	if env == "" {
		env = DefaultEnvironment
	}
	root := mapNode()
	add(root, "version", intNode(pixiWriteVersion))
	envs := mapNode()
	en := mapNode()
	chans := seqNode()
	for _, c := range l.Metadata.Channels {
		cn := mapNode()
		add(cn, "url", strNode(redactURL(c)))
		chans.Content = append(chans.Content, cn)
	}
	if len(chans.Content) == 0 {
		chans.Style = yaml.FlowStyle
	}
	add(en, "channels", chans)
	if len(l.PyPI) > 0 {
		add(en, "indexes", strList([]string{"https://pypi.org/simple"}))
	}
	if l.Metadata.ChannelPriority != "" || !l.Metadata.ExcludeNewer.IsZero() {
		if err := checkPriority(nil, l.Metadata.ChannelPriority); err != nil {
			return nil, fmt.Errorf("encoding pixi.lock: %w", err)
		}
		on := mapNode()
		addStr(on, "channel-priority", l.Metadata.ChannelPriority)
		if !l.Metadata.ExcludeNewer.IsZero() {
			add(on, "exclude-newer", strNode(conda.FormatCutoff(l.Metadata.ExcludeNewer)))
		}
		add(en, "options", on)
	}
	type entry struct {
		name, kind, loc string
		node            *yaml.Node
	}
	byLoc := map[string]entry{}
	plats := mapNode()
	for _, plat := range l.AllPlatforms() {
		var refs []entry
		for _, p := range l.Packages[plat] {
			if err := checkPackage(p); err != nil {
				return nil, fmt.Errorf("encoding pixi.lock: %s: %w", plat, err)
			}
			u := redactURL(p.URL)
			e := entry{p.Name, "conda", u, pixiCondaNode(p, u)}
			// One entry per URL: a noarch package locked for several
			// platforms is written once, as the first platform has it.
			if _, ok := byLoc["conda "+u]; !ok {
				byLoc["conda "+u] = e
			}
			refs = append(refs, e)
		}
		for _, p := range l.PyPI[plat] {
			u := redactURL(p.URL)
			e := entry{p.Name, "pypi", u, pixiPyPINode(p, u)}
			if _, ok := byLoc["pypi "+u]; !ok {
				byLoc["pypi "+u] = e
			}
			refs = append(refs, e)
		}
		if len(refs) == 0 {
			continue
		}
		sort.SliceStable(refs, func(i, j int) bool {
			if refs[i].loc != refs[j].loc {
				return refs[i].loc < refs[j].loc
			}
			return refs[i].kind < refs[j].kind
		})
		list := seqNode()
		seen := map[string]bool{}
		for _, e := range refs {
			if seen[e.kind+" "+e.loc] {
				continue
			}
			seen[e.kind+" "+e.loc] = true
			rn := mapNode()
			add(rn, e.kind, strNode(e.loc))
			list.Content = append(list.Content, rn)
		}
		add(plats, string(plat), list)
	}
	if len(plats.Content) == 0 {
		plats.Style = yaml.FlowStyle
	}
	add(en, "packages", plats)
	add(envs, env, en)
	add(root, "environments", envs)

	all := make([]entry, 0, len(byLoc))
	for _, k := range sortedKeys(byLoc) {
		all = append(all, byLoc[k])
	}
	sort.SliceStable(all, func(i, j int) bool {
		a, b := all[i], all[j]
		if a.name != b.name {
			return a.name < b.name
		}
		if a.kind != b.kind {
			return a.kind < b.kind
		}
		return a.loc < b.loc
	})
	pk := seqNode()
	for _, e := range all {
		pk.Content = append(pk.Content, e.node)
	}
	if len(all) == 0 {
		pk.Style = yaml.FlowStyle
	}
	add(root, "packages", pk)
	out, err := encodeYAML(root)
	if err != nil {
		return nil, fmt.Errorf("encoding pixi.lock: %w", err)
	}
	return out, nil
}

// pixiCondaNode writes a v6 conda package entry, leaving out what the URL
// implies.
func pixiCondaNode(p *Package, u string) *yaml.Node {
	dv := deriveFromURL(u)
	n := mapNode()
	add(n, "conda", strNode(u))
	if p.Name != dv.name {
		add(n, "name", strNode(p.Name))
	}
	if p.Version.String() != dv.version {
		add(n, "version", strNode(p.Version.String()))
	}
	if p.Build != dv.build {
		add(n, "build", strNode(p.Build))
	}
	if p.BuildNumber != buildNumberFromBuild(p.Build) {
		add(n, "build_number", intNode(p.BuildNumber))
	}
	if p.Subdir != dv.subdir {
		add(n, "subdir", strNode(p.Subdir))
	}
	sd, b := dv.subdir, dv.build
	if sd == "" {
		sd = p.Subdir
	}
	if p.Noarch != "" && p.Noarch != noarchFromBuild(sd, b) {
		add(n, "noarch", strNode(p.Noarch))
	}
	addStr(n, "sha256", p.SHA256)
	addStr(n, "md5", p.MD5)
	addList(n, "depends", p.Depends)
	addList(n, "constrains", p.Constrains)
	if ch := redactURL(p.Channel); strings.TrimSuffix(ch, "/") != strings.TrimSuffix(dv.channel, "/") {
		if ch == "" {
			add(n, "channel", &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"})
		} else {
			add(n, "channel", strNode(ch))
		}
	}
	addStr(n, "features", p.Features)
	addList(n, "track_features", p.TrackFeatures)
	addStr(n, "license", p.License)
	addStr(n, "license_family", p.LicenseFamily)
	if p.Size != 0 {
		add(n, "size", intNode(p.Size))
	}
	if ts := p.Timestamp; ts != 0 {
		// Readers take values up to year 9999 in seconds as seconds; write
		// such a small millisecond value in seconds so that it reads back.
		if ts <= maxSecondsTimestamp && ts%1000 == 0 {
			ts /= 1000
		}
		add(n, "timestamp", intNode(ts))
	}
	return n
}

func pixiPyPINode(p *PyPIPackage, u string) *yaml.Node {
	n := mapNode()
	add(n, "pypi", strNode(u))
	add(n, "name", strNode(p.Name))
	add(n, "version", strNode(p.Version))
	addStr(n, "sha256", p.SHA256)
	addStr(n, "md5", p.MD5)
	addList(n, "requires_dist", p.RequiresDist)
	addStr(n, "requires_python", p.RequiresPython)
	if p.Editable {
		add(n, "editable", boolNode(true))
	}
	return n
}
