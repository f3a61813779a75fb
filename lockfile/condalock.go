package lockfile

import (
	"fmt"
	"sort"
	"strings"

	"github.com/envseal/envseal/conda"
	"gopkg.in/yaml.v3"
)

// conda-lock's unified lockfile (conda-lock.yml, "version: 1"):
//
//	version: 1
//	metadata:
//	  content_hash: {<platform>: <sha256>}
//	  channels: [{url: conda-forge, used_env_vars: []}]
//	  platforms: [linux-64]
//	  sources: [environment.yml]
//	package:
//	- name: zlib
//	  version: 1.3.1
//	  manager: conda          # or pip
//	  platform: linux-64
//	  dependencies: {libgcc: '>=13'}
//	  url: https://conda.anaconda.org/conda-forge/linux-64/zlib-1.3.1-hb9d3cd8_2.conda
//	  hash: {md5: ..., sha256: ...}
//	  category: main
//	  optional: false
//
// rattler's early lockfiles (its format versions 2 and 3) are the same
// document with more package fields (build, subdir, build_number,
// constrains, size, timestamp, license...) and dependencies as a list; they
// are read too.

// condaLockVersions are the versions of the conda-lock layout read.
var condaLockVersions = []int{1, 2, 3}

// ParseCondaLock reads a conda-lock.yml. Conda packages go to
// [Lock.Packages] and pip ones to [Lock.PyPI]; every category is kept (a
// package listed under several categories once). Name, version, manager,
// platform, url and hash are required; a package's build, subdir and
// channel come from its URL unless given. Unknown keys are ignored, as
// conda-lock adds fields over time. Errors name the line.
func ParseCondaLock(data []byte) (*Lock, error) {
	r := yamlReader{}
	root, err := r.parseDocument(data)
	if err != nil {
		return nil, err
	}
	top, err := r.fields(root, "conda-lock file")
	if err != nil {
		return nil, err
	}
	vn, ok := top["version"]
	if !ok {
		return nil, errAt(root, "conda-lock file: missing key \"version\"")
	}
	v, err := r.int(vn, "version")
	if err != nil {
		return nil, err
	}
	if !containsInt(condaLockVersions, int(v)) {
		return nil, &ParseError{Line: vn.Line, Err: &VersionError{Format: "conda-lock.yml", Version: int(v), Supported: condaLockVersions}}
	}
	l := New()
	if mn, ok := top["metadata"]; ok {
		if err := decodeCondaLockMetadata(r, mn, &l.Metadata); err != nil {
			return nil, err
		}
	}
	pn, ok := top["package"]
	if !ok {
		return nil, errAt(root, "conda-lock file: missing key \"package\"")
	}
	items, err := r.list(pn, "package")
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	l.Packages = map[conda.Platform][]*Package{}
	for _, it := range items {
		if err := decodeCondaLockPackage(r, it, l, seen); err != nil {
			return nil, err
		}
	}
	for p := range l.Packages {
		if !containsPlatform(l.Metadata.Platforms, p) {
			l.Metadata.Platforms = append(l.Metadata.Platforms, p)
		}
	}
	for p := range l.PyPI {
		if !containsPlatform(l.Metadata.Platforms, p) {
			l.Metadata.Platforms = append(l.Metadata.Platforms, p)
		}
	}
	sort.Slice(l.Metadata.Platforms, func(i, j int) bool { return l.Metadata.Platforms[i] < l.Metadata.Platforms[j] })
	return l, nil
}

func containsInt(list []int, v int) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func decodeCondaLockMetadata(r yamlReader, n *yaml.Node, m *Metadata) error {
	f, err := r.fields(n, "metadata")
	if err != nil {
		return err
	}
	if m.Sources, err = r.strings(f["sources"], "metadata.sources"); err != nil {
		return err
	}
	chans, err := r.list(f["channels"], "metadata.channels")
	if err != nil {
		return err
	}
	for _, cn := range chans {
		u, err := channelEntryURL(r, cn, "metadata.channels")
		if err != nil {
			return err
		}
		m.Channels = append(m.Channels, u)
	}
	plats, err := r.list(f["platforms"], "metadata.platforms")
	if err != nil {
		return err
	}
	for _, pn := range plats {
		s, err := r.str(pn, "metadata.platforms")
		if err != nil {
			return err
		}
		p, err := conda.ParsePlatform(s)
		if err != nil {
			return errAt(pn, "metadata.platforms: %w", err)
		}
		if !containsPlatform(m.Platforms, p) {
			m.Platforms = append(m.Platforms, p)
		}
	}
	pairs, err := r.pairs(f["content_hash"], "metadata.content_hash")
	if err != nil {
		return err
	}
	for _, kv := range pairs {
		p, err := conda.ParsePlatform(kv[0].Value)
		if err != nil {
			return errAt(kv[0], "metadata.content_hash: %w", err)
		}
		h, err := r.str(kv[1], "metadata.content_hash")
		if err != nil {
			return err
		}
		if m.ContentHash == nil {
			m.ContentHash = map[conda.Platform]string{}
		}
		m.ContentHash[p] = h
	}
	return nil
}

// channelEntryURL reads a channel entry: {url: ..., ...} or a plain string.
func channelEntryURL(r yamlReader, n *yaml.Node, what string) (string, error) {
	n, err := r.node(n, what)
	if err != nil {
		return "", err
	}
	if n.Kind == yaml.ScalarNode {
		u, err := r.str(n, what)
		if err == nil && u == "" {
			err = errAt(n, "%s: empty channel", what)
		}
		return u, err
	}
	f, err := r.fields(n, what)
	if err != nil {
		return "", err
	}
	u, err := r.str(f["url"], what+".url")
	if err != nil {
		return "", err
	}
	if u == "" {
		return "", errAt(n, "%s: missing url", what)
	}
	return u, nil
}

func decodeCondaLockPackage(r yamlReader, n *yaml.Node, l *Lock, seen map[string]bool) error {
	f, err := r.fields(n, "package")
	if err != nil {
		return err
	}
	for _, k := range []string{"name", "version", "manager", "platform", "url", "hash"} {
		if _, ok := f[k]; !ok {
			return errAt(n, "package: missing key %q", k)
		}
	}
	var name, version, manager, platform, url string
	for _, s := range []struct {
		key string
		dst *string
	}{{"manager", &manager}, {"name", &name}, {"version", &version}, {"platform", &platform}, {"url", &url}} {
		if *s.dst, err = r.str(f[s.key], s.key); err != nil {
			return err
		}
		if *s.dst == "" && (s.key != "version" || manager != "pip") {
			return errAt(f[s.key], "package: %s is empty", s.key)
		}
	}
	what := fmt.Sprintf("package %s %s (%s)", name, version, platform)
	plat, err := conda.ParsePlatform(platform)
	if err != nil {
		return errAt(f["platform"], "%s: %w", what, err)
	}
	hf, err := r.fields(f["hash"], what+": hash")
	if err != nil {
		return err
	}
	md5, err := r.str(hf["md5"], "hash.md5")
	if err != nil {
		return err
	}
	sha, err := r.str(hf["sha256"], "hash.sha256")
	if err != nil {
		return err
	}
	md5, sha = normHash(md5), normHash(sha)
	deps, err := condaLockDependencies(r, f["dependencies"], what, manager == "pip")
	if err != nil {
		return err
	}
	key := string(plat) + " " + manager + " " + url
	if seen[key] {
		return nil
	}
	seen[key] = true

	switch manager {
	case "pip":
		if l.PyPI == nil {
			l.PyPI = map[conda.Platform][]*PyPIPackage{}
		}
		l.PyPI[plat] = append(l.PyPI[plat], &PyPIPackage{
			Name: name, Version: version, URL: url, SHA256: sha, MD5: md5, RequiresDist: deps,
		})
		return nil
	case "conda":
	default:
		return errAt(f["manager"], "%s: manager: want conda or pip, found %q", what, manager)
	}
	p, err := packageFromURL(url)
	if err != nil {
		return errAt(f["url"], "%s: %w", what, err)
	}
	p.Name = name
	if p.Version, err = conda.ParseVersion(version); err != nil {
		return errAt(f["version"], "%s: %w", what, err)
	}
	p.MD5, p.SHA256 = md5, sha
	p.Depends = deps
	// rattler's conda-lock-shaped versions carry more of the record.
	if bn, ok := f["build"]; ok {
		if p.Build, err = r.str(bn, "build"); err != nil {
			return err
		}
		p.BuildNumber = buildNumberFromBuild(p.Build)
	}
	if sn, ok := f["subdir"]; ok {
		if p.Subdir, err = r.str(sn, "subdir"); err != nil {
			return err
		}
	}
	if bn, ok := f["build_number"]; ok {
		if p.BuildNumber, err = r.int(bn, "build_number"); err != nil {
			return err
		}
	}
	if p.Constrains, err = condaLockDependencies(r, f["constrains"], what, false); err != nil {
		return err
	}
	if p.Size, err = r.int(f["size"], "size"); err != nil {
		return err
	}
	if p.Timestamp, err = r.int(f["timestamp"], "timestamp"); err != nil {
		return err
	}
	if p.Timestamp > 0 && p.Timestamp <= maxSecondsTimestamp {
		p.Timestamp *= 1000 // seconds
	}
	if p.License, err = r.str(f["license"], "license"); err != nil {
		return err
	}
	if p.LicenseFamily, err = r.str(f["license_family"], "license_family"); err != nil {
		return err
	}
	if p.Noarch, err = r.str(f["noarch"], "noarch"); err != nil {
		return err
	}
	if tf, ok := f["track_features"]; ok {
		if p.TrackFeatures, err = stringOrList(r, tf, "track_features"); err != nil {
			return err
		}
	}
	if p.Subdir == "" {
		p.Subdir = string(plat)
	}
	if p.Noarch == "" {
		p.Noarch = noarchFromBuild(p.Subdir, p.Build)
	}
	if err := checkPackage(p); err != nil {
		return errAt(n, "%w", err)
	}
	l.Packages[plat] = append(l.Packages[plat], p)
	return nil
}

// stringOrList reads a list, or a string split on commas and spaces.
func stringOrList(r yamlReader, n *yaml.Node, what string) ([]string, error) {
	n, err := r.node(n, what)
	if err != nil {
		return nil, err
	}
	if n.Kind == yaml.SequenceNode {
		return r.strings(n, what)
	}
	s, err := r.str(n, what)
	if err != nil {
		return nil, err
	}
	return strings.FieldsFunc(s, func(c rune) bool { return c == ',' || c == ' ' }), nil
}

// condaLockDependencies reads conda-lock's {name: spec} mapping (or
// rattler's list of specs) into match-spec strings. An empty or "*" spec is
// the bare name.
func condaLockDependencies(r yamlReader, n *yaml.Node, what string, pip bool) ([]string, error) {
	if n == nil {
		return nil, nil
	}
	nn, err := r.node(n, what+": dependencies")
	if err != nil {
		return nil, err
	}
	if nn.Kind == yaml.SequenceNode {
		return r.strings(nn, what+": dependencies")
	}
	pairs, err := r.pairs(nn, what+": dependencies")
	if err != nil {
		return nil, err
	}
	var out []string
	for _, kv := range pairs {
		spec, err := r.str(kv[1], what+": dependencies."+kv[0].Value)
		if err != nil {
			return nil, err
		}
		spec = strings.TrimSpace(spec)
		switch {
		case spec == "" || spec == "*":
			out = append(out, kv[0].Value)
		case pip && strings.ContainsAny(spec[:1], "<>=!~"):
			out = append(out, kv[0].Value+spec) // PEP 508: "idna>=2.8"
		default:
			out = append(out, kv[0].Value+" "+spec)
		}
	}
	return out, nil
}

// MarshalCondaLock writes l as a conda-lock.yml (version 1) that conda-lock
// and micromamba install from. Every package is in category "main" and not
// optional; packages are sorted by name, platform, manager and URL.
// Dependencies become conda-lock's {name: spec} mapping (a second spec for
// the same name is dropped, as the mapping cannot hold it). Channels with
// ${VAR} placeholders list the variables in used_env_vars. The content hash
// is the lock's own (conda-lock computes its hash differently, so it will
// consider the file stale and relock when asked to).
func MarshalCondaLock(l *Lock) ([]byte, error) {
	root := mapNode()
	add(root, "version", intNode(1))
	md := mapNode()
	hn := flowMapNode()
	if len(l.Metadata.ContentHash) > 0 {
		hn = mapNode()
		for _, p := range sortedPlatforms(l.Metadata.ContentHash) {
			add(hn, string(p), strNode(l.Metadata.ContentHash[p]))
		}
	}
	add(md, "content_hash", hn)
	chans := seqNode()
	for _, c := range l.Metadata.Channels {
		c = redactURL(c)
		cn := mapNode()
		add(cn, "url", strNode(c))
		vars := seqNode()
		vars.Style = yaml.FlowStyle
		for _, v := range placeholderNames(c) {
			vars.Content = append(vars.Content, strNode(v))
		}
		add(cn, "used_env_vars", vars)
		chans.Content = append(chans.Content, cn)
	}
	if len(chans.Content) == 0 {
		chans.Style = yaml.FlowStyle
	}
	add(md, "channels", chans)
	plats := l.AllPlatforms()
	ps := make([]string, len(plats))
	for i, p := range plats {
		ps[i] = string(p)
	}
	pl := strList(ps)
	if len(ps) == 0 {
		pl.Style = yaml.FlowStyle
	}
	add(md, "platforms", pl)
	src := strList(l.Metadata.Sources)
	if len(l.Metadata.Sources) == 0 {
		src.Style = yaml.FlowStyle
	}
	add(md, "sources", src)
	add(root, "metadata", md)

	type entry struct {
		name, platform, manager, url string
		node                         *yaml.Node
	}
	var entries []entry
	for _, plat := range plats {
		for _, p := range l.Packages[plat] {
			if err := checkPackage(p); err != nil {
				return nil, fmt.Errorf("encoding conda-lock.yml: %s: %w", plat, err)
			}
			u := redactURL(p.URL)
			n := condaLockPackage(p.Name, p.Version.String(), "conda", plat, depsMap(p.Depends, ""), u, p.MD5, p.SHA256)
			entries = append(entries, entry{p.Name, string(plat), "conda", u, n})
		}
		for _, p := range l.PyPI[plat] {
			u := redactURL(p.URL)
			n := condaLockPackage(p.Name, p.Version, "pip", plat, depsMap(p.RequiresDist, "*"), u, p.MD5, p.SHA256)
			entries = append(entries, entry{p.Name, string(plat), "pip", u, n})
		}
	}
	sort.SliceStable(entries, func(i, j int) bool {
		a, b := entries[i], entries[j]
		if a.name != b.name {
			return a.name < b.name
		}
		if a.platform != b.platform {
			return a.platform < b.platform
		}
		if a.manager != b.manager {
			return a.manager < b.manager
		}
		return a.url < b.url
	})
	pkgs := seqNode()
	for _, e := range entries {
		pkgs.Content = append(pkgs.Content, e.node)
	}
	if len(entries) == 0 {
		pkgs.Style = yaml.FlowStyle
	}
	add(root, "package", pkgs)
	out, err := encodeYAML(root)
	if err != nil {
		return nil, fmt.Errorf("encoding conda-lock.yml: %w", err)
	}
	return out, nil
}

// depsMap turns match specs into conda-lock's {name: spec} mapping; a bare
// name maps to bare (conda-lock writes an empty string for conda and "*"
// for pip).
func depsMap(specs []string, bare string) *yaml.Node {
	if len(specs) == 0 {
		return flowMapNode()
	}
	m := mapNode()
	seen := map[string]bool{}
	for _, s := range specs {
		s = strings.TrimSpace(s)
		name := specName(s)
		if name == "" || seen[name] {
			continue
		}
		seen[name] = true
		rest := strings.TrimSpace(s[strings.Index(s, name)+len(name):])
		if rest == "" || rest == "*" {
			rest = bare
		}
		add(m, name, strNode(rest))
	}
	return m
}

// placeholderNames lists the ${NAME} placeholders of s in order, once each.
func placeholderNames(s string) []string {
	var out []string
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			return out
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			return out
		}
		name := s[i+2 : i+j]
		if validVarName(name) && !contains(out, name) {
			out = append(out, name)
		}
		s = s[i+j+1:]
	}
}

// condaLockPackage is one entry of conda-lock's package list, in its key
// order; conda and pip entries differ only in the values.
func condaLockPackage(name, version, manager string, plat conda.Platform, deps *yaml.Node, url, md5, sha256 string) *yaml.Node {
	n := mapNode()
	add(n, "name", strNode(name))
	add(n, "version", strNode(version))
	add(n, "manager", strNode(manager))
	add(n, "platform", strNode(string(plat)))
	add(n, "dependencies", deps)
	add(n, "url", strNode(url))
	h := mapNode()
	addStr(h, "md5", md5)
	addStr(h, "sha256", sha256)
	if len(h.Content) == 0 {
		h = flowMapNode()
	}
	add(n, "hash", h)
	add(n, "category", strNode("main"))
	add(n, "optional", boolNode(false))
	return n
}
