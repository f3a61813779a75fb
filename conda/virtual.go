package conda

// VirtualChannel is the channel (and subdir) conda gives virtual packages.
const VirtualChannel = "@"

// VirtualPackage is a system property the solver sees as an installed
// package: __unix, __linux, __glibc, __osx, __win, __cuda, __archspec.
type VirtualPackage struct {
	// Name is the package name, starting with "__".
	Name string
	// Version is the detected (or overridden, or default) version.
	Version string
	// Build is the build string: "0", or the microarchitecture for
	// __archspec.
	Build string
	// Defaulted reports that the value is a stand-in for a platform that
	// could not be inspected (a foreign target platform), not a detection.
	Defaulted bool
}

// String returns "name=version=build", the form conda prints.
func (v VirtualPackage) String() string {
	return v.Name + "=" + v.Version + "=" + v.Build
}

// Record returns the record the solver sees for v: channel and subdir "@"
// (as conda and libmamba mark virtual packages), build number 0 and fn
// equal to the name. A version that does not parse becomes "0", so callers
// should validate versions first (internal/hostinfo does).
func (v VirtualPackage) Record() *Record {
	ver, err := ParseVersion(v.Version)
	if err != nil {
		ver, _ = ParseVersion("0")
	}
	build := v.Build
	if build == "" {
		build = "0"
	}
	return &Record{
		Name:    v.Name,
		Version: ver,
		Build:   build,
		Subdir:  VirtualChannel,
		Channel: VirtualChannel,
		Fn:      v.Name,
	}
}
