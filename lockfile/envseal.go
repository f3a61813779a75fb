package lockfile

import (
	"bytes"
	"errors"
	"fmt"
	"github.com/envseal/envseal/internal/atomicfile"
	"os"
	"sort"
	"strconv"

	"github.com/envseal/envseal/conda"
	"github.com/envseal/envseal/secrets"
	"gopkg.in/yaml.v3"
)

// VersionError reports a lockfile whose format version this build does not
// read.
type VersionError struct {
	// Format is the file format ("envseal.lock", "pixi.lock", ...).
	Format string
	// Version is the version found.
	Version int
	// Supported lists the versions this build reads.
	Supported []int
}

// Error says which version was found and which are supported.
func (e *VersionError) Error() string {
	s := make([]string, len(e.Supported))
	for i, v := range e.Supported {
		s[i] = strconv.Itoa(v)
	}
	return fmt.Sprintf("%s version %d is not supported (supported: %s)", e.Format, e.Version, joinComma(s))
}

func joinComma(s []string) string {
	var b bytes.Buffer
	for i, x := range s {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(x)
	}
	return b.String()
}

// envsealDecoders maps each envseal.lock version to its decoder. Each
// decoder fills the one in-memory model.
var envsealDecoders = map[int]func(yamlReader, *yaml.Node) (*Lock, error){
	1: decodeEnvsealV1,
}

// Parse decodes an envseal.lock. Decoding is strict: unknown or duplicate
// keys, anchors, aliases, a second document, unknown platforms, invalid
// versions and hashes, and packages of a platform not listed in
// metadata.platforms are errors with the line. An unknown format version is
// a [*VersionError]. The secrets section is checked by
// [secrets.Section.UnmarshalYAML]. Errors are [*ParseError] values without
// a file name ([Decode] and [ReadFile] add it).
func Parse(data []byte) (*Lock, error) {
	r := yamlReader{strict: true}
	root, err := r.parseDocument(data)
	if err != nil {
		return nil, err
	}
	// Read the version leniently first, so that a newer file with new keys
	// reports its version rather than an unknown key.
	top, err := yamlReader{}.fields(root, "lockfile")
	if err != nil {
		return nil, err
	}
	vn, ok := top["version"]
	if !ok {
		return nil, errAt(root, "lockfile: missing key \"version\"")
	}
	v, err := r.int(vn, "version")
	if err != nil {
		return nil, err
	}
	dec, ok := envsealDecoders[int(v)]
	if !ok {
		return nil, &ParseError{Line: vn.Line, Err: &VersionError{Format: "envseal.lock", Version: int(v), Supported: []int{CurrentVersion}}}
	}
	return dec(r, root)
}

func decodeEnvsealV1(r yamlReader, root *yaml.Node) (*Lock, error) {
	top, err := r.fields(root, "lockfile", "version", "metadata", "packages", "pypi", "secrets")
	if err != nil {
		return nil, err
	}
	for _, k := range []string{"metadata", "packages"} {
		if _, ok := top[k]; !ok {
			return nil, errAt(root, "lockfile: missing key %q", k)
		}
	}
	l := New()
	if err := decodeEnvsealMetadata(r, top["metadata"], &l.Metadata); err != nil {
		return nil, err
	}
	platforms := map[conda.Platform]bool{}
	for _, p := range l.Metadata.Platforms {
		platforms[p] = true
	}
	pairs, err := r.pairs(top["packages"], "packages")
	if err != nil {
		return nil, err
	}
	l.Packages = map[conda.Platform][]*Package{}
	for _, kv := range pairs {
		plat, err := platformKey(kv[0], platforms, "packages")
		if err != nil {
			return nil, err
		}
		items, err := r.list(kv[1], "packages."+string(plat))
		if err != nil {
			return nil, err
		}
		seen := map[string]bool{}
		pkgs := make([]*Package, 0, len(items))
		for _, it := range items {
			p, err := decodeEnvsealPackage(r, it)
			if err != nil {
				return nil, wrapAt(it, "packages."+string(plat), err)
			}
			if seen[p.URL] {
				return nil, errAt(it, "packages.%s: %s is listed twice", plat, redactURL(p.URL))
			}
			seen[p.URL] = true
			pkgs = append(pkgs, p)
		}
		l.Packages[plat] = pkgs
	}
	if n, ok := top["pypi"]; ok {
		pairs, err := r.pairs(n, "pypi")
		if err != nil {
			return nil, err
		}
		l.PyPI = map[conda.Platform][]*PyPIPackage{}
		for _, kv := range pairs {
			plat, err := platformKey(kv[0], platforms, "pypi")
			if err != nil {
				return nil, err
			}
			items, err := r.list(kv[1], "pypi."+string(plat))
			if err != nil {
				return nil, err
			}
			for _, it := range items {
				p, err := decodeEnvsealPyPI(r, it)
				if err != nil {
					return nil, wrapAt(it, "pypi."+string(plat), err)
				}
				l.PyPI[plat] = append(l.PyPI[plat], p)
			}
		}
	}
	if n, ok := top["secrets"]; ok {
		s := new(secrets.Section)
		if err := s.UnmarshalYAML(n); err != nil {
			return nil, &ParseError{Line: n.Line, Err: err}
		}
		l.Secrets = s
	}
	return l, nil
}

// platformKey reads a platform mapping key that must be listed in
// metadata.platforms.
func platformKey(k *yaml.Node, listed map[conda.Platform]bool, what string) (conda.Platform, error) {
	p, err := conda.ParsePlatform(k.Value)
	if err != nil {
		return "", errAt(k, "%s: %w", what, err)
	}
	if !listed[p] {
		return "", errAt(k, "%s: platform %s is not listed in metadata.platforms", what, p)
	}
	return p, nil
}

func decodeEnvsealMetadata(r yamlReader, n *yaml.Node, m *Metadata) error {
	f, err := r.fields(n, "metadata", "sources", "channels", "platforms", "channel_priority", "content_hash", "inputs", "exclude_newer", "exclude_newer_span")
	if err != nil {
		return err
	}
	if m.Sources, err = r.strings(f["sources"], "metadata.sources"); err != nil {
		return err
	}
	if m.Channels, err = r.strings(f["channels"], "metadata.channels"); err != nil {
		return err
	}
	for _, c := range m.Channels {
		if c == "" {
			return errAt(f["channels"], "metadata.channels: empty channel")
		}
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
		if containsPlatform(m.Platforms, p) {
			return errAt(pn, "metadata.platforms: %s is listed twice", p)
		}
		m.Platforms = append(m.Platforms, p)
	}
	if m.ChannelPriority, err = r.str(f["channel_priority"], "metadata.channel_priority"); err != nil {
		return err
	}
	if err := checkPriority(f["channel_priority"], m.ChannelPriority); err != nil {
		return err
	}
	if m.ExcludeNewer, err = parseCutoff(r, f["exclude_newer"], "metadata.exclude_newer"); err != nil {
		return err
	}
	if m.ExcludeNewerSpan, err = r.str(f["exclude_newer_span"], "metadata.exclude_newer_span"); err != nil {
		return err
	}
	listed := map[conda.Platform]bool{}
	for _, p := range m.Platforms {
		listed[p] = true
	}
	if hn, ok := f["content_hash"]; ok {
		pairs, err := r.pairs(hn, "metadata.content_hash")
		if err != nil {
			return err
		}
		m.ContentHash = map[conda.Platform]string{}
		for _, kv := range pairs {
			p, err := platformKey(kv[0], listed, "metadata.content_hash")
			if err != nil {
				return err
			}
			h, err := r.str(kv[1], "metadata.content_hash."+string(p))
			if err != nil {
				return err
			}
			m.ContentHash[p] = h
		}
	}
	if in, ok := f["inputs"]; ok {
		pairs, err := r.pairs(in, "metadata.inputs")
		if err != nil {
			return err
		}
		m.Inputs = map[conda.Platform]*Inputs{}
		for _, kv := range pairs {
			p, err := platformKey(kv[0], listed, "metadata.inputs")
			if err != nil {
				return err
			}
			what := "metadata.inputs." + string(p)
			g, err := r.fields(kv[1], what, "specs", "pypi_specs", "channels", "channel_priority", "virtual_packages", "exclude_newer")
			if err != nil {
				return err
			}
			x := &Inputs{Platform: p}
			if x.Specs, err = r.strings(g["specs"], what+".specs"); err != nil {
				return err
			}
			if x.PyPISpecs, err = r.strings(g["pypi_specs"], what+".pypi_specs"); err != nil {
				return err
			}
			if x.Channels, err = r.strings(g["channels"], what+".channels"); err != nil {
				return err
			}
			if x.ChannelPriority, err = r.str(g["channel_priority"], what+".channel_priority"); err != nil {
				return err
			}
			if x.VirtualPackages, err = r.strings(g["virtual_packages"], what+".virtual_packages"); err != nil {
				return err
			}
			if x.ExcludeNewer, err = parseCutoff(r, g["exclude_newer"], what+".exclude_newer"); err != nil {
				return err
			}
			m.Inputs[p] = x
		}
	}
	return nil
}

func checkPriority(n *yaml.Node, s string) error {
	switch s {
	case "", "strict", "flexible", "disabled":
		return nil
	}
	return errAt(n, "channel_priority: want strict, flexible or disabled, found %q", s)
}

var envsealPackageKeys = []string{
	"name", "version", "build", "build_number", "channel", "subdir", "url",
	"sha256", "md5", "size", "depends", "constrains", "noarch",
	"track_features", "features", "timestamp", "license", "license_family",
}

func decodeEnvsealPackage(r yamlReader, n *yaml.Node) (*Package, error) {
	f, err := r.fields(n, "package", envsealPackageKeys...)
	if err != nil {
		return nil, err
	}
	for _, k := range []string{"name", "version", "build", "subdir", "url"} {
		if _, ok := f[k]; !ok {
			return nil, errAt(n, "package: missing key %q", k)
		}
	}
	p := &Package{}
	strs := []struct {
		key string
		dst *string
	}{
		{"name", &p.Name}, {"build", &p.Build}, {"channel", &p.Channel},
		{"subdir", &p.Subdir}, {"url", &p.URL}, {"sha256", &p.SHA256},
		{"md5", &p.MD5}, {"noarch", &p.Noarch}, {"features", &p.Features},
		{"license", &p.License}, {"license_family", &p.LicenseFamily},
	}
	for _, s := range strs {
		if *s.dst, err = r.str(f[s.key], s.key); err != nil {
			return nil, err
		}
	}
	vs, err := r.str(f["version"], "version")
	if err != nil {
		return nil, err
	}
	if p.Version, err = conda.ParseVersion(vs); err != nil {
		return nil, errAt(f["version"], "package %s: %w", p.Name, err)
	}
	if p.BuildNumber, err = r.int(f["build_number"], "build_number"); err != nil {
		return nil, err
	}
	if p.Size, err = r.int(f["size"], "size"); err != nil {
		return nil, err
	}
	if p.Timestamp, err = r.int(f["timestamp"], "timestamp"); err != nil {
		return nil, err
	}
	if p.Depends, err = r.strings(f["depends"], "depends"); err != nil {
		return nil, err
	}
	if p.Constrains, err = r.strings(f["constrains"], "constrains"); err != nil {
		return nil, err
	}
	if p.TrackFeatures, err = r.strings(f["track_features"], "track_features"); err != nil {
		return nil, err
	}
	if !conda.IsKnownPlatform(p.Subdir) {
		return nil, errAt(f["subdir"], "package %s: unknown subdir %q", p.Name, p.Subdir)
	}
	switch p.Noarch {
	case "", "python", "generic":
	default:
		return nil, errAt(f["noarch"], "package %s: noarch: want python or generic, found %q", p.Name, p.Noarch)
	}
	if err := checkPackage(p); err != nil {
		return nil, errAt(n, "%w", err)
	}
	return p, nil
}

func decodeEnvsealPyPI(r yamlReader, n *yaml.Node) (*PyPIPackage, error) {
	f, err := r.fields(n, "pypi package", "name", "version", "url", "sha256", "md5", "requires_dist", "requires_python", "editable")
	if err != nil {
		return nil, err
	}
	for _, k := range []string{"name", "url"} {
		if _, ok := f[k]; !ok {
			return nil, errAt(n, "pypi package: missing key %q", k)
		}
	}
	p := &PyPIPackage{}
	for _, s := range []struct {
		key string
		dst *string
	}{{"name", &p.Name}, {"version", &p.Version}, {"url", &p.URL}, {"sha256", &p.SHA256}, {"md5", &p.MD5}, {"requires_python", &p.RequiresPython}} {
		if *s.dst, err = r.str(f[s.key], s.key); err != nil {
			return nil, err
		}
	}
	if p.RequiresDist, err = r.strings(f["requires_dist"], "requires_dist"); err != nil {
		return nil, err
	}
	if p.Editable, err = r.bool(f["editable"], "editable"); err != nil {
		return nil, err
	}
	if p.Name == "" || p.URL == "" {
		return nil, errAt(n, "pypi package: name and url must not be empty")
	}
	return p, nil
}

// Marshal returns the canonical envseal.lock text of l: fixed key order,
// platforms sorted, packages sorted by name then URL, empty optional fields
// left out, credentials replaced by placeholders, and no field that
// changes when nothing else did. Equal locks give equal bytes, and
// Marshal(Parse(Marshal(l))) equals Marshal(l). l is not modified.
//
// It fails when a package lacks a name, version, build, subdir or URL, has
// a malformed hash, or sits under a platform the metadata does not list,
// and when the secrets section does not marshal.
func Marshal(l *Lock) ([]byte, error) {
	root, err := envsealNode(l)
	if err != nil {
		return nil, fmt.Errorf("encoding envseal.lock: %w", err)
	}
	return encodeYAML(root)
}

func envsealNode(l *Lock) (*yaml.Node, error) {
	if l.Version != 0 && l.Version != CurrentVersion {
		return nil, &VersionError{Format: "envseal.lock", Version: l.Version, Supported: []int{CurrentVersion}}
	}
	root := mapNode()
	add(root, "version", intNode(CurrentVersion))

	m := &l.Metadata
	platforms := l.AllPlatforms()
	listed := map[conda.Platform]bool{}
	for _, p := range platforms {
		if !conda.IsKnownPlatform(string(p)) {
			return nil, fmt.Errorf("unknown platform %q", p)
		}
		listed[p] = true
	}
	for _, c := range m.Channels {
		if c == "" {
			return nil, errors.New("empty channel")
		}
	}
	md := mapNode()
	addList(md, "sources", m.Sources)
	addList(md, "channels", redactAll(m.Channels))
	ps := make([]string, len(platforms))
	for i, p := range platforms {
		ps[i] = string(p)
	}
	add(md, "platforms", strList(ps))
	if err := checkPriority(nil, m.ChannelPriority); err != nil {
		return nil, err
	}
	addStr(md, "channel_priority", m.ChannelPriority)
	if !m.ExcludeNewer.IsZero() {
		add(md, "exclude_newer", strNode(conda.FormatCutoff(m.ExcludeNewer)))
		addStr(md, "exclude_newer_span", m.ExcludeNewerSpan)
	}
	if len(m.ContentHash) > 0 {
		hn := mapNode()
		for _, p := range sortedPlatforms(m.ContentHash) {
			if !listed[p] {
				return nil, fmt.Errorf("content hash for platform %s, which is not locked", p)
			}
			add(hn, string(p), strNode(m.ContentHash[p]))
		}
		add(md, "content_hash", hn)
	}
	if len(m.Inputs) > 0 {
		in := mapNode()
		for _, p := range sortedPlatforms(m.Inputs) {
			x := m.Inputs[p]
			if x == nil {
				continue
			}
			if !listed[p] {
				return nil, fmt.Errorf("inputs for platform %s, which is not locked", p)
			}
			c := x.Canonical()
			g := mapNode()
			addList(g, "specs", c.Specs)
			addList(g, "pypi_specs", c.PyPISpecs)
			addList(g, "channels", c.Channels)
			addStr(g, "channel_priority", c.ChannelPriority)
			addList(g, "virtual_packages", c.VirtualPackages)
			if !c.ExcludeNewer.IsZero() {
				add(g, "exclude_newer", strNode(conda.FormatCutoff(c.ExcludeNewer)))
			}
			if len(g.Content) == 0 {
				g = flowMapNode()
			}
			add(in, string(p), g)
		}
		add(md, "inputs", in)
	}
	add(root, "metadata", md)

	pk := mapNode()
	if len(l.Packages) == 0 {
		pk = flowMapNode()
	}
	for _, p := range sortedPlatforms(l.Packages) {
		pkgs := append([]*Package(nil), l.Packages[p]...)
		sortPackages(pkgs)
		list := seqNode()
		seen := map[string]bool{}
		for _, pkg := range pkgs {
			if err := checkPackage(pkg); err != nil {
				return nil, fmt.Errorf("%s: %w", p, err)
			}
			u := redactURL(pkg.URL)
			if seen[u] {
				return nil, fmt.Errorf("%s: %s is listed twice", p, u)
			}
			seen[u] = true
			list.Content = append(list.Content, envsealPackageNode(pkg))
		}
		add(pk, string(p), list)
	}
	add(root, "packages", pk)

	if len(l.PyPI) > 0 {
		pn := mapNode()
		for _, p := range sortedPlatforms(l.PyPI) {
			pkgs := append([]*PyPIPackage(nil), l.PyPI[p]...)
			if len(pkgs) == 0 {
				continue
			}
			sortPyPI(pkgs)
			list := seqNode()
			for _, pkg := range pkgs {
				if pkg.Name == "" || pkg.URL == "" {
					return nil, fmt.Errorf("%s: pypi package %q needs a name and a url", p, pkg.Name)
				}
				list.Content = append(list.Content, envsealPyPINode(pkg))
			}
			add(pn, string(p), list)
		}
		if len(pn.Content) > 0 {
			add(root, "pypi", pn)
		}
	}

	if l.Secrets != nil {
		sn, err := sectionNode(l.Secrets)
		if err != nil {
			return nil, err
		}
		add(root, "secrets", sn)
	}
	return root, nil
}

// sectionNode returns the canonical node of a secrets section, through
// [secrets.Section.Marshal] so that it is checked and written exactly as
// the secrets package writes it.
func sectionNode(s *secrets.Section) (*yaml.Node, error) {
	text, err := s.Marshal()
	if err != nil {
		return nil, err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(text, &doc); err != nil {
		return nil, fmt.Errorf("re-reading secrets section: %w", err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		return nil, errors.New("re-reading secrets section: not one document")
	}
	return doc.Content[0], nil
}

func envsealPackageNode(p *Package) *yaml.Node {
	n := mapNode()
	add(n, "name", strNode(p.Name))
	add(n, "version", strNode(p.Version.String()))
	add(n, "build", strNode(p.Build))
	add(n, "build_number", intNode(p.BuildNumber))
	addStr(n, "channel", redactURL(p.Channel))
	add(n, "subdir", strNode(p.Subdir))
	add(n, "url", strNode(redactURL(p.URL)))
	addStr(n, "sha256", p.SHA256)
	addStr(n, "md5", p.MD5)
	if p.Size != 0 {
		add(n, "size", intNode(p.Size))
	}
	addList(n, "depends", p.Depends)
	addList(n, "constrains", p.Constrains)
	addStr(n, "noarch", p.Noarch)
	addList(n, "track_features", p.TrackFeatures)
	addStr(n, "features", p.Features)
	if p.Timestamp != 0 {
		add(n, "timestamp", intNode(p.Timestamp))
	}
	addStr(n, "license", p.License)
	addStr(n, "license_family", p.LicenseFamily)
	return n
}

func envsealPyPINode(p *PyPIPackage) *yaml.Node {
	n := mapNode()
	add(n, "name", strNode(p.Name))
	addStr(n, "version", p.Version)
	add(n, "url", strNode(redactURL(p.URL)))
	addStr(n, "sha256", p.SHA256)
	addStr(n, "md5", p.MD5)
	addList(n, "requires_dist", p.RequiresDist)
	addStr(n, "requires_python", p.RequiresPython)
	if p.Editable {
		add(n, "editable", boolNode(true))
	}
	return n
}

func redactAll(list []string) []string {
	if len(list) == 0 {
		return nil
	}
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = redactURL(s)
	}
	return out
}

// ReadFile reads and decodes the lockfile at path in whatever format
// [Detect] finds (see [Decode]). Errors name the file.
func ReadFile(path string, opts DecodeOptions) (*Lock, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading lockfile: %w", err)
	}
	if opts.Filename == "" {
		opts.Filename = path
	}
	return Decode(data, opts)
}

// WriteFile writes l as envseal.lock to path atomically: the text goes to
// a temporary file in the same directory, which is synced and renamed over
// path, so that readers see the old file or the new one, never a part. An
// existing file's permission bits are kept; a new file gets 0644.
func WriteFile(path string, l *Lock) error {
	data, err := Marshal(l)
	if err != nil {
		return err
	}
	return writeFileAtomic(path, data)
}

// writeFileAtomic is the temp-file, fsync, rename sequence of WriteFile,
// keeping an existing file's permission bits.
func writeFileAtomic(path string, data []byte) error {
	mode, err := atomicfile.KeepMode(path, 0o644)
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(path, data, mode)
}

// sortedKeys returns the keys of m in order.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
