package lockfile

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/envseal/envseal/conda"
)

// TestPylockRealFiles reads the pylock.toml files uv, pip and packaging
// wrote (testdata/pylock, see SOURCES.md), writes each canonically
// (testdata/pylock/golden/NAME.golden, -update rewrites them), and checks
// that the written file reads back to the same model and writes the same
// bytes again.
func TestPylockRealFiles(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "pylock", "*.pylock.toml"))
	if err != nil || len(files) < 8 {
		t.Fatalf("pylock test files: %v %v", files, err)
	}
	for _, path := range files {
		name := strings.TrimSuffix(filepath.Base(path), ".pylock.toml")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if f := Detect(data); f != FormatPylock {
				t.Errorf("Detect = %v", f)
			}
			p, err := ParsePylock(data)
			if err != nil {
				t.Fatal(err)
			}
			out, err := MarshalPylock(p)
			if err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", "pylock", "golden", name+".golden")
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, out, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if !bytes.Equal(out, want) {
				t.Errorf("differs from %s:\n%s", golden, firstDiff(out, want))
			}
			back, err := ParsePylock(out)
			if err != nil {
				t.Fatalf("the written file does not read back: %v\n%s", err, out)
			}
			if !strings.Contains(string(out), "${") {
				if !reflect.DeepEqual(back, p) {
					t.Errorf("read back differs:\n%+v\n%+v", back, p)
				}
			}
			again, err := MarshalPylock(back)
			if err != nil || !bytes.Equal(again, out) {
				t.Errorf("second write differs (%v):\n%s", err, firstDiff(again, out))
			}
		})
	}
}

func readPylock(t *testing.T, name string) *Pylock {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "pylock", name+".pylock.toml"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := ParsePylock(data)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPylockFacts(t *testing.T) {
	t.Parallel()
	pip := readPylock(t, "pip-build-project")
	if pip.CreatedBy != "pip" || len(pip.Packages) != 4 || pip.Packages[1].Name != "flit-core" ||
		pip.Packages[1].Wheels[0].Hashes["sha256"] != "8d80717e28d982b41594ed5b14d4e89fbc5bad55473fde27994a3101db18a94e" {
		t.Errorf("pip file: %+v", pip)
	}
	ex := readPylock(t, "packaging-pep751-example")
	if ex.RequiresPython != "==3.12" || len(ex.Environments) != 2 || ex.Packages[1].Index != "https://pypi.org/simple" {
		t.Errorf("PEP 751 example: %+v", ex)
	}
	if got := ex.Packages[0].Wheels[0].UploadTime; !got.Equal(time.Date(2025, 1, 25, 11, 30, 10, 164985000, time.UTC)) || ex.Packages[0].Wheels[0].Size != 63152 {
		t.Errorf("upload-time %v, size %d", got, ex.Packages[0].Wheels[0].Size)
	}
	vcs := readPylock(t, "uv-export-vcs").Packages[0].VCS
	if vcs == nil || vcs.Type != "git" || vcs.CommitID != "b270df1a2fb5d012294e9aaf05e7e0bab1e6a389" {
		t.Errorf("vcs: %+v", vcs)
	}
	dirs := readPylock(t, "uv-export-directories").Packages
	if len(dirs) != 3 || !dirs[0].Directory.Editable || dirs[1].Directory.Editable || dirs[2].Directory.Path != "[TEMP_DIR]/c" {
		t.Errorf("directories: %+v", dirs)
	}
	np := readPylock(t, "uv-export-numpy-wheels").Packages[0]
	if len(np.Wheels) != 8 || np.Sdist == nil || np.Sdist.Size != 15786129 {
		t.Errorf("numpy: %d wheels, sdist %+v", len(np.Wheels), np.Sdist)
	}
	marker := readPylock(t, "uv-export-marker")
	found := false
	for _, pk := range marker.Packages {
		if pk.Marker == "sys_platform == 'win32'" {
			found = true
		}
	}
	if !found {
		t.Error("the marker of uv-export-marker was not read")
	}
	if len(readPylock(t, "uv-export-empty").Packages) != 0 {
		t.Error("empty file has packages")
	}
}

// TestPylockCredentials: a password in a URL is written as ${VAR}
// placeholders, in file URLs and index URLs alike.
func TestPylockCredentials(t *testing.T) {
	t.Parallel()
	p := readPylock(t, "uv-export-basic-auth")
	if !strings.Contains(p.Packages[0].Archive.URL, "public:heron@") {
		t.Fatalf("the reader changed the URL: %s", p.Packages[0].Archive.URL)
	}
	p.Packages[0].Index = "https://user:s3cret@pypi.example.com/simple"
	out, err := MarshalPylock(p)
	if err != nil {
		t.Fatal(err)
	}
	s := string(out)
	if strings.Contains(s, "heron") || strings.Contains(s, "s3cret") {
		t.Errorf("a password reached the file:\n%s", s)
	}
	for _, want := range []string{`index = "https://${CHANNEL_PYPI_EXAMPLE_COM_USER}:${CHANNEL_PYPI_EXAMPLE_COM_PASSWORD}@pypi.example.com/simple"`, "${CHANNEL_"} {
		if !strings.Contains(s, want) {
			t.Errorf("missing %q in:\n%s", want, s)
		}
	}
}

func TestPylockParseErrors(t *testing.T) {
	t.Parallel()
	const head = "lock-version = \"1.0\"\ncreated-by = \"x\"\n"
	const wheel = `wheels = [{ url = "https://h/x-1-py3-none-any.whl", hashes = { sha256 = "ab" } }]` + "\n"
	tests := []struct {
		name, data, want string
	}{
		{"toml syntax", head + "packages = [\n", "line 3"},
		{"type", head + "packages = 3\n", "packages"},
		{"no lock-version", "created-by = \"x\"\npackages = []\n", "lock-version is missing"},
		{"major 2", "lock-version = \"2.0\"\ncreated-by = \"x\"\npackages = []\n", `lock-version "2.0" is not supported`},
		{"no created-by", "lock-version = \"1.0\"\npackages = []\n", "created-by is missing"},
		{"no packages", head, "packages is missing"},
		{"no name", head + "[[packages]]\nversion = \"1\"\n" + wheel, "packages[0] (): name is missing"},
		{"no source", head + "[[packages]]\nname = \"x\"\nversion = \"1\"\n", "packages[0] (x): no source"},
		{"two sources", head + "[[packages]]\nname = \"x\"\nversion = \"1\"\ndirectory = { path = \".\" }\n" + wheel, "more than one kind of source"},
		{"empty hash", head + "[[packages]]\nname = \"x\"\nversion = \"1\"\nwheels = [{ url = \"https://h/x-1-py3-none-any.whl\", hashes = { sha256 = \"\" } }]\n", "wheels[0]: empty hash"},
		{"url and path", head + "[[packages]]\nname = \"x\"\narchive = { url = \"https://h/x.zip\", path = \"x.zip\", hashes = { sha256 = \"ab\" } }\n", "archive: needs exactly one of url and path"},
		{"not a wheel", head + "[[packages]]\nname = \"x\"\nversion = \"1\"\nwheels = [{ url = \"https://h/x-1.tar.gz\", hashes = { sha256 = \"ab\" } }]\n", "not a wheel file name"},
		{"wheel without version", head + "[[packages]]\nname = \"x\"\n" + wheel, "version is missing"},
		{"vcs without commit", head + "[[packages]]\nname = \"x\"\nvcs = { type = \"git\", url = \"https://h/r\" }\n", "commit-id"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := ParsePylock([]byte(tc.data))
			if err == nil || p != nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("ParsePylock = %v, %v; want an error containing %q", p, err, tc.want)
			}
			if _, err := Decode([]byte(tc.data), DecodeOptions{Filename: "pylock.toml", Format: FormatPylock}); err == nil || !strings.HasPrefix(err.Error(), "pylock.toml") {
				t.Errorf("Decode error %v does not name the file", err)
			}
		})
	}
}

// TestPylockLockRoundTrip: the pip part of a lock survives pylock.toml.
func TestPylockLockRoundTrip(t *testing.T) {
	t.Parallel()
	v, _ := conda.ParseVersion("3.10.16")
	l := New()
	l.Packages = map[conda.Platform][]*Package{"linux-64": {{Name: "python", Version: v, Build: "h0_0", Subdir: "linux-64", URL: "https://c/linux-64/python-3.10.16-h0_0.conda"}}}
	l.Metadata.Platforms = []conda.Platform{"linux-64"}
	l.PyPI = map[conda.Platform][]*PyPIPackage{"linux-64": {
		{Name: "six", Version: "1.16.0", URL: "https://files.example/six-1.16.0-py2.py3-none-any.whl", SHA256: "8abb", RequiresPython: ">=2.7", Marker: "python_version >= '3'", Index: "https://pypi.org/simple"},
		{Name: "checkm", Version: "0.4", URL: "https://files.example/Checkm-0.4.tar.gz", SHA256: "2d09", MD5: "ff00"},
		{Name: "mylib", Version: "0.1", URL: "/src/mylib", Editable: true},
		{Name: "local", Version: "2.0", URL: "file:///wheels/local-2.0-py3-none-any.whl", SHA256: "cc"},
		{Name: "nohash", Version: "1.0", URL: "https://files.example/nohash-1.0.tar.gz"},
	}}
	data, err := Encode(l, FormatPylock, EncodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	for _, want := range []string{`lock-version = "1.0"`, `created-by = "envseal"`, `requires-python = "==3.10.*"`, `marker = "python_version >= '3'"`,
		`sdist = { url = "https://files.example/Checkm-0.4.tar.gz", hashes = { md5 = "ff00", sha256 = "2d09" } }`,
		`directory = { path = "/src/mylib", editable = true }`, `wheels = [{ path = "/wheels/local-2.0-py3-none-any.whl", hashes = { sha256 = "cc" } }]`} {
		if !strings.Contains(s, want) {
			t.Errorf("missing %q in:\n%s", want, s)
		}
	}
	warns := EncodeWarnings(l, FormatPylock, EncodeOptions{})
	if len(warns) != 2 || !strings.Contains(warns[0], "nohash 1.0 is left out") || !strings.Contains(warns[1], "the 1 conda packages of linux-64 are left out") {
		t.Errorf("warnings %q", warns)
	}
	back, err := Decode(data, DecodeOptions{Platform: "linux-64"})
	if err != nil {
		t.Fatal(err)
	}
	want := l.PyPI["linux-64"][:4]
	sortPyPI(want)
	got := back.PyPI["linux-64"]
	if len(got) != len(want) {
		t.Fatalf("read back %d packages, want %d", len(got), len(want))
	}
	for i := range want {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Errorf("package %d:\n got %+v\nwant %+v", i, got[i], want[i])
		}
	}
}

func TestPylockPyPIPackages(t *testing.T) {
	t.Parallel()
	pkgs, skipped := readPylock(t, "uv-export-numpy-wheels").PyPIPackages()
	// numpy has platform wheels and an sdist: the sdist is the one file
	// that installs anywhere; the project is an editable directory.
	if len(pkgs) != 2 || !strings.HasSuffix(pkgs[0].URL, "numpy-1.26.4.tar.gz") || !pkgs[1].Editable || len(skipped) != 0 {
		t.Errorf("numpy file: %+v, skipped %q", pkgs, skipped)
	}
	pkgs, skipped = readPylock(t, "packaging-pep751-example").PyPIPackages()
	if len(pkgs) != 2 || len(skipped) != 1 || !strings.Contains(skipped[0], "numpy 2.2.3 has 2 platform wheels and no sdist") {
		t.Errorf("PEP 751 example: %d packages, skipped %q", len(pkgs), skipped)
	}
	_, skipped = readPylock(t, "uv-export-vcs").PyPIPackages()
	if len(skipped) != 1 || !strings.Contains(skipped[0], "git checkout") {
		t.Errorf("vcs skipped %q", skipped)
	}
}

func TestNormalizePythonName(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"Flit_Core": "flit-core", "zope.interface": "zope-interface", "a--_b": "a-b", "six": "six"} {
		if got := NormalizePythonName(in); got != want {
			t.Errorf("NormalizePythonName(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzPylock: ParsePylock fails with a nil result, or what it read writes,
// reads back, and writes the same bytes.
func FuzzPylock(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "pylock", "*.pylock.toml"))
	for _, path := range files {
		if data, err := os.ReadFile(path); err == nil && len(data) < 16<<10 {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ParsePylock(data)
		if err != nil {
			if p != nil {
				t.Fatalf("error %v with a non-nil result", err)
			}
			return
		}
		out, err := MarshalPylock(p)
		if err != nil {
			// Only what the reader accepts is written; a value TOML
			// cannot hold (invalid UTF-8) is the one allowed failure.
			if strings.Contains(err.Error(), "UTF-8") {
				return
			}
			t.Fatalf("marshal: %v", err)
		}
		back, err := ParsePylock(out)
		if err != nil {
			t.Fatalf("the written file does not read back: %v\n%s", err, out)
		}
		again, err := MarshalPylock(back)
		if err != nil || !bytes.Equal(again, out) {
			t.Fatalf("second write differs (%v):\n%s\n---\n%s", err, out, again)
		}
	})
}

func TestPylockInstallSet(t *testing.T) {
	t.Parallel()
	pkgs, err := readPylock(t, "pip-build-project").InstallSet()
	if err != nil || len(pkgs) != 4 || pkgs[0].SHA256 != "f7aaf1ebbb79178a02ba248bb524f2176b256017e17e8e4bd4289c7b38cc2bad" {
		t.Errorf("pip file: %v, %v", pkgs, err)
	}
	_, err = readPylock(t, "uv-export-conflicting-indexes").InstallSet()
	if err == nil || !strings.Contains(err.Error(), "torch 2.6.0") {
		t.Errorf("uv file with hash-less platform wheels: %v", err)
	}
}
