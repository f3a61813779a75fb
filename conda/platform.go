package conda

import (
	"fmt"
	"runtime"
	"strings"
)

// Platform is a conda subdir such as "linux-64", "osx-arm64" or "noarch".
// The zero value is not a valid platform.
type Platform string

// Known platforms (conda's KNOWN_SUBDIRS).
const (
	Noarch           Platform = "noarch"
	Linux32          Platform = "linux-32"
	Linux64          Platform = "linux-64"
	LinuxAarch64     Platform = "linux-aarch64"
	LinuxArmv6l      Platform = "linux-armv6l"
	LinuxArmv7l      Platform = "linux-armv7l"
	LinuxPpc64       Platform = "linux-ppc64"
	LinuxPpc64le     Platform = "linux-ppc64le"
	LinuxRiscv64     Platform = "linux-riscv64"
	LinuxS390x       Platform = "linux-s390x"
	Osx64            Platform = "osx-64"
	OsxArm64         Platform = "osx-arm64"
	Win32            Platform = "win-32"
	Win64            Platform = "win-64"
	WinArm64         Platform = "win-arm64"
	Freebsd64        Platform = "freebsd-64"
	ZosZ             Platform = "zos-z"
	EmscriptenWasm32 Platform = "emscripten-wasm32"
	WasiWasm32       Platform = "wasi-wasm32"
)

// knownPlatforms lists every subdir conda knows, sorted.
var knownPlatforms = [...]Platform{
	EmscriptenWasm32, Freebsd64, Linux32, Linux64, LinuxAarch64, LinuxArmv6l,
	LinuxArmv7l, LinuxPpc64, LinuxPpc64le, LinuxRiscv64, LinuxS390x, Noarch,
	Osx64, OsxArm64, WasiWasm32, Win32, Win64, WinArm64, ZosZ,
}

// KnownPlatforms returns every subdir conda knows, sorted. The caller owns
// the returned slice.
func KnownPlatforms() []Platform {
	out := make([]Platform, len(knownPlatforms))
	copy(out, knownPlatforms[:])
	return out
}

// IsKnownPlatform reports whether s is one of conda's known subdirs.
func IsKnownPlatform(s string) bool {
	for _, p := range knownPlatforms {
		if string(p) == s {
			return true
		}
	}
	return false
}

// ParsePlatform parses a subdir name such as "linux-64". Surrounding space
// is ignored; the name is case-sensitive as in conda. Unknown subdirs are an
// error quoting the input.
func ParsePlatform(s string) (Platform, error) {
	t := strings.TrimSpace(s)
	if !IsKnownPlatform(t) {
		return "", fmt.Errorf("invalid platform %q: not a known conda subdir", s)
	}
	return Platform(t), nil
}

// goos and goarch are the compile-time host identifiers.
const (
	goos   = runtime.GOOS
	goarch = runtime.GOARCH
)

// HostPlatform returns the platform of the running program, derived from
// runtime.GOOS and runtime.GOARCH, or "" when conda has no subdir for it.
func HostPlatform() Platform { return platformFor(goos, goarch) }

// platformFor maps a Go GOOS/GOARCH pair to a conda subdir.
func platformFor(os, arch string) Platform {
	switch os + "/" + arch {
	case "linux/amd64":
		return Linux64
	case "linux/386":
		return Linux32
	case "linux/arm64":
		return LinuxAarch64
	case "linux/arm":
		return LinuxArmv7l
	case "linux/ppc64":
		return LinuxPpc64
	case "linux/ppc64le":
		return LinuxPpc64le
	case "linux/riscv64":
		return LinuxRiscv64
	case "linux/s390x":
		return LinuxS390x
	case "darwin/amd64":
		return Osx64
	case "darwin/arm64":
		return OsxArm64
	case "windows/amd64":
		return Win64
	case "windows/386":
		return Win32
	case "windows/arm64":
		return WinArm64
	case "freebsd/amd64":
		return Freebsd64
	case "js/wasm":
		return EmscriptenWasm32
	case "wasip1/wasm":
		return WasiWasm32
	}
	return ""
}

// String returns the subdir name.
func (p Platform) String() string { return string(p) }

// OS returns the part before the dash ("linux", "osx", "win", "freebsd",
// "zos", "emscripten", "wasi"), or "noarch".
func (p Platform) OS() string {
	s := string(p)
	if i := strings.IndexByte(s, '-'); i >= 0 {
		return s[:i]
	}
	return s
}

// Arch returns the part after the dash ("64", "aarch64", "arm64", ...), or
// "" for noarch.
func (p Platform) Arch() string {
	s := string(p)
	if i := strings.IndexByte(s, '-'); i >= 0 {
		return s[i+1:]
	}
	return ""
}

// IsLinux reports whether p is a linux-* subdir.
func (p Platform) IsLinux() bool { return p.OS() == "linux" }

// IsOSX reports whether p is an osx-* subdir.
func (p Platform) IsOSX() bool { return p.OS() == "osx" }

// IsWindows reports whether p is a win-* subdir.
func (p Platform) IsWindows() bool { return p.OS() == "win" }

// IsNoarch reports whether p is "noarch".
func (p Platform) IsNoarch() bool { return p == Noarch }

// IsUnix reports whether p is a Unix-like system, for which conda reports
// the __unix virtual package: linux, osx, freebsd and zos.
func (p Platform) IsUnix() bool {
	switch p.OS() {
	case "linux", "osx", "freebsd", "zos":
		return true
	}
	return false
}

// MachineArch returns the machine name conda uses for the generic
// __archspec build of p ("x86_64", "aarch64", "arm64", "ppc64le", ...), or ""
// when p has none (noarch).
func (p Platform) MachineArch() string {
	switch p {
	case Linux64, Osx64, Win64, Freebsd64:
		return "x86_64"
	case Linux32, Win32:
		return "x86"
	case LinuxAarch64, WinArm64:
		return "aarch64"
	case OsxArm64:
		return "arm64"
	case LinuxArmv6l:
		return "armv6l"
	case LinuxArmv7l:
		return "armv7l"
	case LinuxPpc64:
		return "ppc64"
	case LinuxPpc64le:
		return "ppc64le"
	case LinuxRiscv64:
		return "riscv64"
	case LinuxS390x, ZosZ:
		return "s390x"
	case EmscriptenWasm32, WasiWasm32:
		return "wasm32"
	}
	return ""
}
