// Package hostinfo detects the virtual packages (__unix, __linux, __glibc,
// __osx, __win, __cuda, __archspec) that describe the machine to the
// solver, honouring conda's CONDA_OVERRIDE_* variables, and supplies
// documented defaults for a platform that is not the host's.
//
// It sits under cmd/envseal, which passes the result to the resolver as
// [conda.VirtualPackage.Record] values. Detection never loads shared
// libraries:
//
//   - __linux: the kernel release from uname(2), cut to its leading dotted
//     numbers ("6.1.0-18-amd64" gives "6.1.0").
//   - __glibc: the output of "getconf GNU_LIBC_VERSION", else the first
//     line of "ldd --version" (envseal is built without cgo, so it cannot
//     ask libc directly). Absent on musl systems.
//   - __osx: "sw_vers -productVersion".
//   - __win: "0", as conda reports it.
//   - __cuda: only from CONDA_OVERRIDE_CUDA. conda asks the CUDA driver
//     library; envseal does not load it, so without the override no __cuda
//     is reported.
//   - __archspec: version "1", build the x86-64 microarchitecture level
//     ("x86_64", "x86_64_v2", "x86_64_v3", "x86_64_v4") from the flags in
//     /proc/cpuinfo, else the generic machine name of the platform
//     ("aarch64", "arm64", "ppc64le", ...).
//
// Each CONDA_OVERRIDE_<NAME> (GLIBC, LINUX, OSX, WIN, CUDA, ARCHSPEC)
// replaces the version (the build, for ARCHSPEC) of the package when set
// to a value, and removes the package when set but empty, as conda does.
//
// It owns virtual-package detection. It imports conda only and must not
// import channel, resolver, prefix or ops; the environment reaches it
// through the lookup function it is given.
package hostinfo

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/envseal/envseal/conda"
)

// Default values for a foreign platform. They describe the oldest systems
// conda-forge still builds for: CentOS 7 (glibc 2.17, kernel 3.10) and
// macOS 10.15 on Intel, 11.0 on Apple silicon.
const (
	DefaultGlibc      = "2.17"
	DefaultLinux      = "3.10"
	DefaultOSX64      = "10.15"
	DefaultOSXArm64   = "11.0"
	DefaultWin        = "0"
	archspecVersion   = "1"
	commandTimeout    = 5 * time.Second
	overrideVarPrefix = "CONDA_OVERRIDE_"
)

// probes are the host inspections Detect uses; tests replace them.
type probes struct {
	host          conda.Platform
	kernelRelease func() (string, error)
	glibc         func() (string, error)
	osxVersion    func() (string, error)
	cpuinfo       func() ([]byte, error)
}

func hostProbes() probes {
	return probes{
		host:          conda.HostPlatform(),
		kernelRelease: kernelRelease,
		glibc:         glibcVersion,
		osxVersion:    func() (string, error) { return run("sw_vers", "-productVersion") },
		cpuinfo:       func() ([]byte, error) { return os.ReadFile("/proc/cpuinfo") },
	}
}

// Detect returns the virtual packages for platform p, sorted by name.
// When p is the host platform they are detected; when only the operating
// system matches (osx-64 on an osx-arm64 host) the system versions are
// detected and __archspec is the generic one of p; otherwise they are
// [DefaultsFor] p. CONDA_OVERRIDE_* variables, read through getenv, are
// applied last. Detection failures are not errors (the package is left
// out); an override that is not a valid version is.
func Detect(p conda.Platform, getenv func(string) (string, bool)) ([]conda.VirtualPackage, error) {
	return detect(p, getenv, hostProbes())
}

func detect(p conda.Platform, getenv func(string) (string, bool), pr probes) ([]conda.VirtualPackage, error) {
	var pkgs []conda.VirtualPackage
	switch {
	case p == pr.host:
		pkgs = detectSystem(p, pr)
		pkgs = append(pkgs, conda.VirtualPackage{Name: "__archspec", Version: archspecVersion, Build: microarch(p, pr)})
	case p.OS() == pr.host.OS() && p.OS() != "":
		pkgs = detectSystem(p, pr)
		if a := p.MachineArch(); a != "" {
			pkgs = append(pkgs, conda.VirtualPackage{Name: "__archspec", Version: archspecVersion, Build: a, Defaulted: true})
		}
	default:
		pkgs = DefaultsFor(p)
	}
	return applyOverrides(p, pkgs, getenv)
}

// detectSystem inspects the host's operating system.
func detectSystem(p conda.Platform, pr probes) []conda.VirtualPackage {
	var out []conda.VirtualPackage
	if p.IsUnix() {
		out = append(out, conda.VirtualPackage{Name: "__unix", Version: "0", Build: "0"})
	}
	switch {
	case p.IsLinux():
		if rel, err := pr.kernelRelease(); err == nil {
			if v := dottedPrefix(rel); v != "" {
				out = append(out, conda.VirtualPackage{Name: "__linux", Version: v, Build: "0"})
			}
		}
		if v, err := pr.glibc(); err == nil && validVersion(v) {
			out = append(out, conda.VirtualPackage{Name: "__glibc", Version: v, Build: "0"})
		}
	case p.IsOSX():
		if v, err := pr.osxVersion(); err == nil && validVersion(v) {
			out = append(out, conda.VirtualPackage{Name: "__osx", Version: v, Build: "0"})
		}
	case p.IsWindows():
		out = append(out, conda.VirtualPackage{Name: "__win", Version: DefaultWin, Build: "0"})
	}
	return out
}

// DefaultsFor returns the virtual packages assumed for a platform that
// cannot be inspected, each marked Defaulted, sorted by name:
//
//   - linux-*: __unix 0, __linux 3.10, __glibc 2.17
//   - osx-64: __unix 0, __osx 10.15; osx-arm64: __unix 0, __osx 11.0
//   - win-*: __win 0
//   - every platform but noarch: __archspec 1 with the generic machine name
//     of the platform (x86_64, aarch64, arm64, ...)
//
// No __cuda is assumed; set CONDA_OVERRIDE_CUDA (or list it in the
// environment file) to solve for CUDA.
func DefaultsFor(p conda.Platform) []conda.VirtualPackage {
	var out []conda.VirtualPackage
	add := func(name, version string) {
		out = append(out, conda.VirtualPackage{Name: name, Version: version, Build: "0", Defaulted: true})
	}
	if p.IsUnix() {
		add("__unix", "0")
	}
	switch {
	case p.IsLinux():
		add("__linux", DefaultLinux)
		add("__glibc", DefaultGlibc)
	case p == conda.OsxArm64:
		add("__osx", DefaultOSXArm64)
	case p.IsOSX():
		add("__osx", DefaultOSX64)
	case p.IsWindows():
		add("__win", DefaultWin)
	}
	if a := p.MachineArch(); a != "" {
		out = append(out, conda.VirtualPackage{Name: "__archspec", Version: archspecVersion, Build: a, Defaulted: true})
	}
	sortByName(out)
	return out
}

// override describes one CONDA_OVERRIDE_* variable.
type override struct {
	env, pkg string
	applies  func(conda.Platform) bool
}

var overrides = [...]override{
	{"ARCHSPEC", "__archspec", func(p conda.Platform) bool { return !p.IsNoarch() }},
	{"CUDA", "__cuda", func(p conda.Platform) bool { return !p.IsNoarch() }},
	{"GLIBC", "__glibc", conda.Platform.IsLinux},
	{"LINUX", "__linux", conda.Platform.IsLinux},
	{"OSX", "__osx", conda.Platform.IsOSX},
	{"WIN", "__win", conda.Platform.IsWindows},
}

var buildRE = regexp.MustCompile(`^[A-Za-z0-9_.+]+$`)

func applyOverrides(p conda.Platform, pkgs []conda.VirtualPackage, getenv func(string) (string, bool)) ([]conda.VirtualPackage, error) {
	for _, o := range overrides {
		if !o.applies(p) {
			continue
		}
		name := overrideVarPrefix + o.env
		val, ok := getenv(name)
		if !ok {
			continue
		}
		val = strings.TrimSpace(val)
		pkgs = slices.DeleteFunc(pkgs, func(v conda.VirtualPackage) bool { return v.Name == o.pkg })
		if val == "" {
			continue // set but empty: the package is removed
		}
		v := conda.VirtualPackage{Name: o.pkg, Version: val, Build: "0"}
		if o.pkg == "__archspec" {
			if !buildRE.MatchString(val) {
				return nil, fmt.Errorf("invalid %s %q: not a microarchitecture name", name, val)
			}
			v.Version, v.Build = archspecVersion, val
		} else if _, err := conda.ParseVersion(val); err != nil {
			return nil, fmt.Errorf("invalid %s: %w", name, err)
		}
		pkgs = append(pkgs, v)
	}
	sortByName(pkgs)
	return pkgs, nil
}

func sortByName(pkgs []conda.VirtualPackage) {
	slices.SortFunc(pkgs, func(a, b conda.VirtualPackage) int { return strings.Compare(a.Name, b.Name) })
}

var dottedRE = regexp.MustCompile(`^\d+(\.\d+){0,3}`)

// dottedPrefix returns the leading dotted number of a kernel release
// ("5.15.0-91-generic" gives "5.15.0").
func dottedPrefix(s string) string {
	return dottedRE.FindString(strings.TrimSpace(s))
}

func validVersion(s string) bool {
	_, err := conda.ParseVersion(s)
	return s != "" && err == nil
}

// glibcVersion asks getconf, then ldd, for the C library version.
func glibcVersion() (string, error) {
	if out, err := run("getconf", "GNU_LIBC_VERSION"); err == nil {
		if v, ok := parseGetconf(out); ok {
			return v, nil
		}
	}
	out, err := run("ldd", "--version")
	if err != nil {
		return "", err
	}
	if v, ok := parseLdd(out); ok {
		return v, nil
	}
	return "", fmt.Errorf("no glibc version in ldd output %q", firstLine(out))
}

// parseGetconf reads "glibc 2.36".
func parseGetconf(out string) (string, bool) {
	f := strings.Fields(out)
	if len(f) == 2 && strings.EqualFold(f[0], "glibc") && validVersion(f[1]) {
		return f[1], true
	}
	return "", false
}

// parseLdd reads the first line of "ldd --version" from glibc, such as
// "ldd (Debian GLIBC 2.36-9+deb12u4) 2.36" or "ldd (GNU libc) 2.17".
// musl's ldd prints "musl libc" and gives no glibc version.
func parseLdd(out string) (string, bool) {
	line := firstLine(out)
	low := strings.ToLower(line)
	if !strings.Contains(low, "glibc") && !strings.Contains(low, "gnu libc") {
		return "", false
	}
	f := strings.Fields(line)
	if len(f) == 0 {
		return "", false
	}
	v := f[len(f)-1]
	if dottedPrefix(v) != v || !validVersion(v) {
		return "", false
	}
	return v, true
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return strings.TrimSpace(line)
}

// run runs a short command and returns its trimmed standard output,
// killing it after commandTimeout.
func run(name string, args ...string) (string, error) {
	cmd := exec.Command(name, args...)
	var out bytes.Buffer
	cmd.Stdout = &out
	if err := cmd.Start(); err != nil {
		return "", fmt.Errorf("running %s: %w", name, err)
	}
	t := time.AfterFunc(commandTimeout, func() { _ = cmd.Process.Kill() })
	defer t.Stop()
	if err := cmd.Wait(); err != nil {
		return "", fmt.Errorf("running %s: %w", name, err)
	}
	return strings.TrimSpace(out.String()), nil
}

// microarch returns the __archspec build for the host.
func microarch(p conda.Platform, pr probes) string {
	generic := p.MachineArch()
	if generic != "x86_64" {
		return generic
	}
	data, err := pr.cpuinfo()
	if err != nil {
		return generic
	}
	return x86Level(cpuFlags(data))
}

// cpuFlags returns the flags of the first processor in /proc/cpuinfo.
func cpuFlags(data []byte) map[string]bool {
	flags := map[string]bool{}
	for line := range strings.SplitSeq(string(data), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok || strings.TrimSpace(k) != "flags" {
			continue
		}
		for f := range strings.FieldsSeq(v) {
			flags[f] = true
		}
		break
	}
	return flags
}

// x86 microarchitecture levels (x86-64 psABI), by /proc/cpuinfo flag names.
var x86Levels = []struct {
	name  string
	flags []string
}{
	{"x86_64_v2", []string{"cx16", "lahf_lm", "popcnt", "sse4_1", "sse4_2", "ssse3"}},
	{"x86_64_v3", []string{"avx", "avx2", "bmi1", "bmi2", "f16c", "fma", "abm", "movbe", "xsave"}},
	{"x86_64_v4", []string{"avx512f", "avx512bw", "avx512cd", "avx512dq", "avx512vl"}},
}

// x86Level returns the highest level whose flags (and those of every lower
// level) are all present.
func x86Level(flags map[string]bool) string {
	level := "x86_64"
	for _, l := range x86Levels {
		for _, f := range l.flags {
			if !flags[f] {
				return level
			}
		}
		level = l.name
	}
	return level
}
