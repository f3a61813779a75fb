package conda

import (
	"runtime"
	"strings"
	"testing"
)

func TestParsePlatform(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in                            string
		os, arch                      string
		unix, linux, osx, win, noarch bool
	}{
		{"linux-64", "linux", "64", true, true, false, false, false},
		{" linux-aarch64 ", "linux", "aarch64", true, true, false, false, false},
		{"linux-ppc64le", "linux", "ppc64le", true, true, false, false, false},
		{"linux-s390x", "linux", "s390x", true, true, false, false, false},
		{"osx-64", "osx", "64", true, false, true, false, false},
		{"osx-arm64", "osx", "arm64", true, false, true, false, false},
		{"win-64", "win", "64", false, false, false, true, false},
		{"win-arm64", "win", "arm64", false, false, false, true, false},
		{"noarch", "noarch", "", false, false, false, false, true},
		{"emscripten-wasm32", "emscripten", "wasm32", false, false, false, false, false},
		{"freebsd-64", "freebsd", "64", true, false, false, false, false},
	}
	for _, tc := range tests {
		p, err := ParsePlatform(tc.in)
		if err != nil {
			t.Fatalf("ParsePlatform(%q): %v", tc.in, err)
		}
		if p.OS() != tc.os || p.Arch() != tc.arch || p.IsUnix() != tc.unix || p.IsLinux() != tc.linux ||
			p.IsOSX() != tc.osx || p.IsWindows() != tc.win || p.IsNoarch() != tc.noarch {
			t.Errorf("%q: os %q arch %q unix %v linux %v osx %v win %v noarch %v", tc.in, p.OS(), p.Arch(),
				p.IsUnix(), p.IsLinux(), p.IsOSX(), p.IsWindows(), p.IsNoarch())
		}
		if p.String() != strings.TrimSpace(tc.in) {
			t.Errorf("String() = %q", p)
		}
	}
	for _, bad := range []string{"", "linux", "Linux-64", "linux-65", "osx_64"} {
		if _, err := ParsePlatform(bad); err == nil || !strings.Contains(err.Error(), fmtQ(bad)) {
			t.Errorf("ParsePlatform(%q): err = %v", bad, err)
		}
	}
	if len(KnownPlatforms()) != len(knownPlatforms) {
		t.Error("KnownPlatforms length")
	}
}

func TestPlatformFor(t *testing.T) {
	t.Parallel()
	tests := map[string]Platform{
		"linux/amd64": Linux64, "linux/arm64": LinuxAarch64, "linux/ppc64le": LinuxPpc64le,
		"linux/s390x": LinuxS390x, "darwin/amd64": Osx64, "darwin/arm64": OsxArm64,
		"windows/amd64": Win64, "windows/arm64": WinArm64, "windows/386": Win32, "plan9/amd64": "",
	}
	for in, want := range tests {
		os, arch, _ := strings.Cut(in, "/")
		if got := platformFor(os, arch); got != want {
			t.Errorf("platformFor(%s) = %q, want %q", in, got, want)
		}
	}
	if got := HostPlatform(); got != platformFor(runtime.GOOS, runtime.GOARCH) {
		t.Errorf("HostPlatform() = %q", got)
	}
	if Linux64.MachineArch() != "x86_64" || OsxArm64.MachineArch() != "arm64" || LinuxAarch64.MachineArch() != "aarch64" || Noarch.MachineArch() != "" {
		t.Error("MachineArch")
	}
}

func TestVirtualPackageRecord(t *testing.T) {
	t.Parallel()
	v := VirtualPackage{Name: "__glibc", Version: "2.17", Build: "0"}
	r := v.Record()
	if r.Name != "__glibc" || r.Version.String() != "2.17" || r.Build != "0" || r.Channel != "@" || r.Subdir != "@" || r.Fn != "__glibc" {
		t.Errorf("Record() = %+v", r)
	}
	if v.String() != "__glibc=2.17=0" {
		t.Errorf("String() = %q", v)
	}
	m, err := ParseMatchSpec("__glibc >=2.17,<3.0.a0")
	if err != nil || !m.Match(r) {
		t.Errorf("__glibc >=2.17 does not match %v: %v", r.DistName(), err)
	}
	a := VirtualPackage{Name: "__archspec", Version: "1", Build: "x86_64_v3"}.Record()
	if m, _ := ParseMatchSpec("__archspec 1 x86_64_v3"); !m.Match(a) {
		t.Error("__archspec 1 x86_64_v3 does not match")
	}
	if r := (VirtualPackage{Name: "__unix"}).Record(); r.Version.String() != "0" || r.Build != "0" {
		t.Errorf("empty version/build: %+v", r)
	}
}
