package lockfile

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/envseal/envseal/conda"
	"github.com/envseal/envseal/secrets"
)

// CurrentVersion is the envseal.lock format version that [Marshal] writes
// and [Parse] reads.
const CurrentVersion = 1

// Lock is the in-memory lock: what every format is read into and written
// from. The zero value is an empty lock; use [New] for one with the current
// version.
//
// A Lock is not safe for concurrent mutation. Encoders do not modify it.
type Lock struct {
	// Version is the envseal.lock format version ([CurrentVersion]).
	Version int
	// Metadata describes what the lock was solved from.
	Metadata Metadata
	// Packages are the locked conda packages of each platform. Encoders
	// write them sorted by name, then URL; [Lock.Sort] sorts them in place.
	Packages map[conda.Platform][]*Package
	// PyPI holds the pip-installed distributions of each platform, as
	// conda-lock (manager: pip) and pixi (pypi:) lock them. envseal does not
	// install them yet; they are kept so that converting a lock between
	// formats does not lose them.
	PyPI map[conda.Platform][]*PyPIPackage
	// Secrets is the sealed secrets section, or nil. It is carried through
	// every rewrite unchanged.
	Secrets *secrets.Section
	// Skipped lists, for information only, the entries an importer could
	// not represent (source packages that must be built, for instance). It
	// is never written.
	Skipped []string
}

// Metadata describes the inputs of a lock.
type Metadata struct {
	// Sources are the input files the lock was made from, as given.
	Sources []string
	// Channels are the channels in priority order, as names or URLs
	// without credentials (see [RedactChannelURL]).
	Channels []string
	// Platforms are the locked platforms. Encoders write them sorted.
	Platforms []conda.Platform
	// ChannelPriority is "strict", "flexible", "disabled" or "" (unknown).
	ChannelPriority string
	// ContentHash is, per platform, the hash of the inputs of the solve:
	// [ContentHash] for locks made by envseal, another tool's hash for
	// imported locks.
	ContentHash map[conda.Platform]string
	// Inputs are, per platform, the canonical inputs the content hash was
	// computed from, so that [Lock.Stale] can say which one changed. Nil
	// for imported locks.
	Inputs map[conda.Platform]*Inputs
	// ExcludeNewer is the absolute exclude-newer cut-off the lock was
	// solved with (records published later were invisible); zero for none.
	// envseal.lock and pixi.lock carry it; conda-lock.yml and @EXPLICIT
	// files cannot (see [EncodeWarnings]).
	ExcludeNewer time.Time
	// ExcludeNewerSpan is the duration ExcludeNewer was taken from ("7d")
	// when the environment file or configuration gave a relative value;
	// a relock with the same span keeps ExcludeNewer, so the lock does not
	// churn as the clock moves. "" for an absolute cut-off. Only
	// envseal.lock carries it.
	ExcludeNewerSpan string
}

// Package is one locked conda package.
type Package struct {
	Name        string
	Version     conda.Version
	Build       string
	BuildNumber int64
	// Channel is the channel URL or name, without credentials.
	Channel string
	// Subdir is the package's subdir ("noarch" for noarch packages).
	Subdir string
	// URL is where the archive is fetched from. Credentials are written as
	// ${VAR} placeholders.
	URL    string
	SHA256 string
	MD5    string
	Size   int64
	// Depends and Constrains are match specs as the package declares them.
	Depends    []string
	Constrains []string
	// Noarch is "", "python" or "generic".
	Noarch        string
	TrackFeatures []string
	Features      string
	// Timestamp is the build time in milliseconds since the epoch, 0 when
	// unknown. It belongs to the package, not to the time of locking.
	Timestamp     int64
	License       string
	LicenseFamily string
}

// PyPIPackage is one locked Python distribution installed by pip.
type PyPIPackage struct {
	Name    string
	Version string
	// URL is the distribution's URL or a path (pixi allows both).
	URL    string
	SHA256 string
	MD5    string
	// RequiresDist are the PEP 508 requirements the distribution declares.
	RequiresDist []string
	// RequiresPython is the PEP 440 specifier of supported Pythons.
	RequiresPython string
	// Editable marks a path installed in development mode.
	Editable bool
	// Marker is the PEP 508 environment marker under which the package is
	// installed ("" for always). Only pylock.toml carries it.
	Marker string
	// Index is the package index the distribution came from ("" when
	// unknown). Only pylock.toml carries it; credentials in it are written
	// as ${VAR} placeholders.
	Index string
}

// New returns an empty lock of the current version.
func New() *Lock {
	return &Lock{Version: CurrentVersion}
}

// Fn returns the archive file name, the last element of the URL.
func (p *Package) Fn() string {
	u := p.URL
	if i := strings.IndexAny(u, "#?"); i >= 0 {
		u = u[:i]
	}
	if i := strings.LastIndexAny(u, `/\`); i >= 0 {
		return u[i+1:]
	}
	return u
}

// Record returns p as a conda record. The caller owns the result; slices
// are copied.
func (p *Package) Record() *conda.Record {
	r := &conda.Record{
		Name:          p.Name,
		Version:       p.Version,
		Build:         p.Build,
		BuildNumber:   p.BuildNumber,
		Depends:       cloneStrings(p.Depends),
		Constrains:    cloneStrings(p.Constrains),
		TrackFeatures: cloneStrings(p.TrackFeatures),
		Features:      p.Features,
		Noarch:        p.Noarch,
		Subdir:        p.Subdir,
		Timestamp:     p.Timestamp,
		MD5:           p.MD5,
		SHA256:        p.SHA256,
		Size:          p.Size,
		License:       p.License,
		LicenseFamily: p.LicenseFamily,
		Fn:            p.Fn(),
		URL:           p.URL,
		Channel:       p.Channel,
	}
	if plat := conda.Platform(p.Subdir); p.Subdir != "" && !plat.IsNoarch() && conda.IsKnownPlatform(p.Subdir) {
		r.Platform = plat.OS()
		r.Arch = plat.MachineArch()
	}
	return r
}

// PackageFromRecord returns the locked form of r. A missing channel or
// subdir is derived from the URL (".../<channel>/<subdir>/<fn>").
func PackageFromRecord(r *conda.Record) *Package {
	p := &Package{
		Name:          r.Name,
		Version:       r.Version,
		Build:         r.Build,
		BuildNumber:   r.BuildNumber,
		Channel:       r.Channel,
		Subdir:        r.Subdir,
		URL:           r.URL,
		SHA256:        r.SHA256,
		MD5:           r.MD5,
		Size:          r.Size,
		Depends:       cloneStrings(r.Depends),
		Constrains:    cloneStrings(r.Constrains),
		Noarch:        r.Noarch,
		TrackFeatures: cloneStrings(r.TrackFeatures),
		Features:      r.Features,
		Timestamp:     r.Timestamp,
		License:       r.License,
		LicenseFamily: r.LicenseFamily,
	}
	d := deriveFromURL(r.URL)
	if p.Subdir == "" {
		p.Subdir = d.subdir
	}
	if p.Channel == "" {
		p.Channel = d.channel
	}
	return p
}

// Records returns the packages of platform as conda records, in the lock's
// order. The caller owns the result.
func (l *Lock) Records(platform conda.Platform) []*conda.Record {
	pkgs := l.Packages[platform]
	out := make([]*conda.Record, len(pkgs))
	for i, p := range pkgs {
		out[i] = p.Record()
	}
	return out
}

// SetRecords replaces the packages of platform with records, adds platform
// to the metadata's platforms, and sorts. records are copied.
func (l *Lock) SetRecords(platform conda.Platform, records []*conda.Record) {
	if l.Packages == nil {
		l.Packages = make(map[conda.Platform][]*Package)
	}
	pkgs := make([]*Package, len(records))
	for i, r := range records {
		pkgs[i] = PackageFromRecord(r)
	}
	l.Packages[platform] = pkgs
	if !containsPlatform(l.Metadata.Platforms, platform) {
		l.Metadata.Platforms = append(l.Metadata.Platforms, platform)
	}
	l.Sort()
}

// FromRecords returns a lock of the current version holding records per
// platform.
func FromRecords(records map[conda.Platform][]*conda.Record) *Lock {
	l := New()
	for _, p := range sortedPlatforms(records) {
		l.SetRecords(p, records[p])
	}
	return l
}

// Sort puts the lock in canonical order: platforms sorted, packages sorted
// by name then URL, PyPI packages by name then URL. Encoders sort copies;
// Sort is for callers that compare locks.
func (l *Lock) Sort() {
	sort.Slice(l.Metadata.Platforms, func(i, j int) bool { return l.Metadata.Platforms[i] < l.Metadata.Platforms[j] })
	for _, pkgs := range l.Packages {
		sortPackages(pkgs)
	}
	for _, pkgs := range l.PyPI {
		sortPyPI(pkgs)
	}
}

// AllPlatforms returns the sorted union of the metadata's platforms and the
// platforms that have packages.
func (l *Lock) AllPlatforms() []conda.Platform {
	set := map[conda.Platform]bool{}
	for _, p := range l.Metadata.Platforms {
		set[p] = true
	}
	for p := range l.Packages {
		set[p] = true
	}
	for p := range l.PyPI {
		set[p] = true
	}
	return sortedPlatforms(set)
}

func sortPackages(pkgs []*Package) {
	sort.SliceStable(pkgs, func(i, j int) bool {
		a, b := pkgs[i], pkgs[j]
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		return a.URL < b.URL
	})
}

func sortPyPI(pkgs []*PyPIPackage) {
	sort.SliceStable(pkgs, func(i, j int) bool {
		a, b := pkgs[i], pkgs[j]
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		return a.URL < b.URL
	})
}

func sortedPlatforms[V any](m map[conda.Platform]V) []conda.Platform {
	out := make([]conda.Platform, 0, len(m))
	for p := range m {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

func containsPlatform(list []conda.Platform, p conda.Platform) bool {
	for _, x := range list {
		if x == p {
			return true
		}
	}
	return false
}

func cloneStrings(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return append([]string(nil), s...)
}

// derived holds what a conda package URL tells about the package:
// ".../<channel>/<subdir>/<name>-<version>-<build>.<ext>".
type derived struct {
	name, version, build string
	subdir               string
	channel              string
	ok                   bool // the file name is a package archive name
}

// deriveFromURL splits a package URL. Fields it cannot find are empty.
func deriveFromURL(u string) derived {
	var d derived
	if i := strings.IndexAny(u, "#?"); i >= 0 {
		u = u[:i]
	}
	i := strings.LastIndexAny(u, `/\`)
	fn := u[i+1:]
	name, version, build, _, err := conda.ParseFilename(fn)
	if err != nil {
		return d
	}
	d.name, d.version, d.build, d.ok = name, version, build, true
	if i < 0 {
		return d
	}
	dir := u[:i]
	j := strings.LastIndexAny(dir, `/\`)
	if j < 0 || !conda.IsKnownPlatform(dir[j+1:]) {
		return d
	}
	d.subdir = dir[j+1:]
	d.channel = dir[:j]
	if !strings.Contains(d.channel, "/") {
		d.channel = ""
	}
	return d
}

// packageFromURL builds a package from what its URL tells (name, version,
// build, subdir, channel, and a build number from the build string's
// trailing digits). what names the entry in errors.
func packageFromURL(u string) (*Package, error) {
	d := deriveFromURL(u)
	if !d.ok {
		return nil, fmt.Errorf("url %q: not a conda package archive (want .../<subdir>/<name>-<version>-<build>.conda or .tar.bz2)", redactForMessage(u))
	}
	v, err := conda.ParseVersion(d.version)
	if err != nil {
		return nil, fmt.Errorf("url %q: %w", redactForMessage(u), err)
	}
	return &Package{
		Name:        d.name,
		Version:     v,
		Build:       d.build,
		BuildNumber: buildNumberFromBuild(d.build),
		Subdir:      d.subdir,
		Channel:     d.channel,
		URL:         u,
	}, nil
}

// buildNumberFromBuild returns the trailing digits of a build string
// ("py310h2372a71_1" → 1), 0 when there are none: the build number
// conda-build puts there, and what pixi assumes when it omits one.
func buildNumberFromBuild(build string) int64 {
	n, ok := trailingNumber(build)
	if !ok {
		return 0
	}
	return n
}

func trailingNumber(build string) (int64, bool) {
	i := len(build)
	for i > 0 && build[i-1] >= '0' && build[i-1] <= '9' {
		i--
	}
	digits := build[i:]
	if digits == "" || len(digits) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range digits {
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// noarchFromBuild is pixi's guess for a noarch package that does not say
// which kind it is: "python" when the build string mentions py.
func noarchFromBuild(subdir, build string) string {
	if subdir != "noarch" {
		return ""
	}
	if strings.Contains(build, "py") {
		return "python"
	}
	return "generic"
}

// checkPackage validates the fields every encoder needs.
func checkPackage(p *Package) error {
	switch {
	case p.Name == "":
		return fmt.Errorf("package with url %q has no name", redactForMessage(p.URL))
	case p.Version.IsZero():
		return fmt.Errorf("package %s has no version", p.Name)
	case p.URL == "":
		return fmt.Errorf("package %s %s has no url", p.Name, p.Version)
	case p.Subdir == "":
		return fmt.Errorf("package %s %s has no subdir", p.Name, p.Version)
	}
	if p.SHA256 != "" && !isHex(p.SHA256, 64) {
		return fmt.Errorf("package %s %s: sha256 %q is not 64 hex digits", p.Name, p.Version, p.SHA256)
	}
	if p.MD5 != "" && !isHex(p.MD5, 32) {
		return fmt.Errorf("package %s %s: md5 %q is not 32 hex digits", p.Name, p.Version, p.MD5)
	}
	return nil
}

// isHex reports whether s is n lower-case hex digits.
func isHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// normHash lower-cases a hex digest.
func normHash(s string) string { return strings.ToLower(strings.TrimSpace(s)) }
