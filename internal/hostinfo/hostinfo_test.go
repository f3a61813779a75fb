package hostinfo

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/envseal/envseal/conda"
)

func envOf(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func show(pkgs []conda.VirtualPackage) string {
	var s []string
	for _, p := range pkgs {
		d := ""
		if p.Defaulted {
			d = "*"
		}
		s = append(s, p.String()+d)
	}
	return strings.Join(s, " ")
}

func fakeLinux(cpuinfo string) probes {
	return probes{
		host:          conda.Linux64,
		kernelRelease: func() (string, error) { return "6.1.0-18-amd64", nil },
		glibc:         func() (string, error) { return "2.36", nil },
		osxVersion:    func() (string, error) { return "", errors.New("not osx") },
		cpuinfo:       func() ([]byte, error) { return []byte(cpuinfo), nil },
	}
}

const cpuV3 = "processor\t: 0\nflags\t\t: fpu cx16 lahf_lm popcnt sse4_1 sse4_2 ssse3 avx avx2 bmi1 bmi2 f16c fma abm movbe xsave\nprocessor\t: 1\nflags\t\t: fpu\n"

func TestDetect(t *testing.T) {
	t.Parallel()
	osx := probes{
		host:          conda.OsxArm64,
		kernelRelease: func() (string, error) { return "", errors.New("no") },
		glibc:         func() (string, error) { return "", errors.New("no") },
		osxVersion:    func() (string, error) { return "14.4.1", nil },
		cpuinfo:       func() ([]byte, error) { return nil, errors.New("no") },
	}
	musl := fakeLinux("flags: fpu\n")
	musl.glibc = func() (string, error) { return "", errors.New("musl") }
	tests := []struct {
		name string
		p    conda.Platform
		pr   probes
		env  map[string]string
		want string
	}{
		{"linux host", conda.Linux64, fakeLinux(cpuV3), nil,
			"__archspec=1=x86_64_v3 __glibc=2.36=0 __linux=6.1.0=0 __unix=0=0"},
		{"linux host baseline cpu", conda.Linux64, fakeLinux("flags: fpu sse2\n"), nil,
			"__archspec=1=x86_64 __glibc=2.36=0 __linux=6.1.0=0 __unix=0=0"},
		{"musl host", conda.Linux64, musl, nil,
			"__archspec=1=x86_64 __linux=6.1.0=0 __unix=0=0"},
		{"overrides", conda.Linux64, fakeLinux(cpuV3), map[string]string{
			"CONDA_OVERRIDE_GLIBC": "2.28", "CONDA_OVERRIDE_CUDA": "12.2", "CONDA_OVERRIDE_LINUX": "",
			"CONDA_OVERRIDE_ARCHSPEC": "skylake", "CONDA_OVERRIDE_OSX": "13.0"},
			"__archspec=1=skylake __cuda=12.2=0 __glibc=2.28=0 __unix=0=0"},
		{"empty override removes", conda.Linux64, fakeLinux(cpuV3), map[string]string{"CONDA_OVERRIDE_GLIBC": "", "CONDA_OVERRIDE_ARCHSPEC": " "},
			"__linux=6.1.0=0 __unix=0=0"},
		{"same OS other arch", conda.LinuxAarch64, fakeLinux(cpuV3), nil,
			"__archspec=1=aarch64* __glibc=2.36=0 __linux=6.1.0=0 __unix=0=0"},
		{"foreign osx-arm64", conda.OsxArm64, fakeLinux(cpuV3), nil,
			"__archspec=1=arm64* __osx=11.0=0* __unix=0=0*"},
		{"foreign osx-64 with override", conda.Osx64, fakeLinux(cpuV3), map[string]string{"CONDA_OVERRIDE_OSX": "12.1", "CONDA_OVERRIDE_GLIBC": "2.5"},
			"__archspec=1=x86_64* __osx=12.1=0 __unix=0=0*"},
		{"foreign win-64", conda.Win64, fakeLinux(cpuV3), nil, "__archspec=1=x86_64* __win=0=0*"},
		{"foreign linux on osx", conda.Linux64, osx, nil,
			"__archspec=1=x86_64* __glibc=2.17=0* __linux=3.10=0* __unix=0=0*"},
		{"osx host", conda.OsxArm64, osx, nil, "__archspec=1=arm64 __osx=14.4.1=0 __unix=0=0"},
		{"noarch", conda.Noarch, fakeLinux(cpuV3), map[string]string{"CONDA_OVERRIDE_CUDA": "12"}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := detect(tc.p, envOf(tc.env), tc.pr)
			if err != nil {
				t.Fatal(err)
			}
			if s := show(got); s != tc.want {
				t.Errorf("detect(%s) = %q, want %q", tc.p, s, tc.want)
			}
		})
	}
}

func TestDetectOverrideErrors(t *testing.T) {
	t.Parallel()
	for env, val := range map[string]string{
		"CONDA_OVERRIDE_GLIBC":    "2.x y",
		"CONDA_OVERRIDE_CUDA":     "not a version!",
		"CONDA_OVERRIDE_ARCHSPEC": "x86 64",
	} {
		_, err := detect(conda.Linux64, envOf(map[string]string{env: val}), fakeLinux(cpuV3))
		if err == nil || !strings.Contains(err.Error(), env) {
			t.Errorf("%s=%q: err = %v, want error naming the variable", env, val, err)
		}
	}
}

func TestDefaultsFor(t *testing.T) {
	t.Parallel()
	tests := map[conda.Platform]string{
		conda.Linux64:      "__archspec=1=x86_64* __glibc=2.17=0* __linux=3.10=0* __unix=0=0*",
		conda.LinuxAarch64: "__archspec=1=aarch64* __glibc=2.17=0* __linux=3.10=0* __unix=0=0*",
		conda.Osx64:        "__archspec=1=x86_64* __osx=10.15=0* __unix=0=0*",
		conda.OsxArm64:     "__archspec=1=arm64* __osx=11.0=0* __unix=0=0*",
		conda.Win64:        "__archspec=1=x86_64* __win=0=0*",
		conda.Noarch:       "",
	}
	for p, want := range tests {
		got := DefaultsFor(p)
		if s := show(got); s != want {
			t.Errorf("DefaultsFor(%s) = %q, want %q", p, s, want)
		}
		for _, v := range got {
			if r := v.Record(); r.Version.String() != v.Version {
				t.Errorf("%s: version %q does not parse", v.Name, v.Version)
			}
		}
	}
}

func TestParsers(t *testing.T) {
	t.Parallel()
	ldd := map[string]string{
		"ldd (Debian GLIBC 2.36-9+deb12u4) 2.36\nCopyright (C) 2022": "2.36",
		"ldd (GNU libc) 2.17\n":                   "2.17",
		"ldd (Ubuntu GLIBC 2.35-0ubuntu3.6) 2.35": "2.35",
		"musl libc (x86_64)\nVersion 1.2.4":       "",
		"":                                        "",
		"ldd (GNU libc) not-a-version":            "",
	}
	for in, want := range ldd {
		got, ok := parseLdd(in)
		if got != want || ok != (want != "") {
			t.Errorf("parseLdd(%q) = %q %v, want %q", in, got, ok, want)
		}
	}
	for in, want := range map[string]string{"glibc 2.36": "2.36", "glibc 2.17\n": "2.17", "musl": "", "glibc": ""} {
		if got, _ := parseGetconf(in); got != want {
			t.Errorf("parseGetconf(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{"6.1.0-18-amd64": "6.1.0", "5.15.0-91-generic": "5.15.0",
		"4.18.0-513.el8.x86_64": "4.18.0", "6.6.12-linuxkit": "6.6.12", "3.10": "3.10", "weird": ""} {
		if got := dottedPrefix(in); got != want {
			t.Errorf("dottedPrefix(%q) = %q, want %q", in, got, want)
		}
	}
	v4 := cpuV3 + "" // add v4 flags to the first processor line
	v4 = strings.Replace(v4, "xsave", "xsave avx512f avx512bw avx512cd avx512dq avx512vl", 1)
	for in, want := range map[string]string{
		cpuV3: "x86_64_v3", v4: "x86_64_v4",
		"flags: cx16 lahf_lm popcnt sse4_1 sse4_2 ssse3 avx": "x86_64_v2",
		"flags: avx512f avx2":                                "x86_64",
		"":                                                   "x86_64",
	} {
		if got := x86Level(cpuFlags([]byte(in))); got != want {
			t.Errorf("x86Level(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestDetectHost runs the real probes; it checks only what every host
// has.
func TestDetectHost(t *testing.T) {
	p := conda.HostPlatform()
	if p == "" {
		t.Skip("no conda platform for this host")
	}
	got, err := Detect(p, func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, v := range got {
		if v.Defaulted {
			t.Errorf("%s marked defaulted on the host", v)
		}
		names = append(names, v.Name)
	}
	if !strings.Contains(strings.Join(names, " "), "__archspec") {
		t.Errorf("no __archspec in %v", names)
	}
	if p.IsLinux() {
		if _, err := os.Stat("/proc/version"); err == nil && !strings.Contains(strings.Join(names, " "), "__linux") {
			t.Errorf("no __linux in %v", names)
		}
	}
	t.Logf("host virtual packages: %s", show(got))
}
