// Package piptest builds Python wheels and package indexes for tests of
// package pip and of cmd/envseal, without network access: [Wheel] writes a
// valid PEP 427 wheel in memory, [NewIndexServer] and [NewFileServer]
// serve wheels over HTTP (PEP 503 HTML and PEP 691 JSON simple API),
// [WriteWheelDir] writes the same as static files for `--index-url
// file:///…` or `--find-links DIR`, and [PythonPrefix] builds a minimal
// conda prefix with CPython 3.10 and pip 24.3.1 from the fixture channel.
package piptest

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"
)

// Wheel describes a pure-Python wheel (py3-none-any). The zero Files map
// gives the wheel one module, <import name>/__init__.py, defining
// __version__ and, for each console script, its function.
type Wheel struct {
	// Name is the distribution name as in METADATA ("hellopkg").
	Name string
	// Version is the distribution version ("1.0").
	Version string
	// Requires are Requires-Dist lines ("worldpkg>=1").
	Requires []string
	// RequiresPython is the Requires-Python field, if not empty.
	RequiresPython string
	// Scripts are console_scripts entry points: name -> "module:function".
	// Functions named in the default module are generated; each prints
	// "<script> from <name> <version>" and the versions of the wheel's
	// requirements that are importable.
	Scripts map[string]string
	// Files replaces the default module: path in the wheel -> content.
	Files map[string]string
}

// nonName matches runs of characters that are not allowed in a wheel file
// name component (PEP 427 escaping).
var nonName = regexp.MustCompile(`[^A-Za-z0-9.]+`)

// importName is the module name of the default module: the normalized
// distribution name with '-' and '.' as '_'.
func (w Wheel) importName() string {
	return strings.NewReplacer("-", "_", ".", "_").Replace(strings.ToLower(w.Name))
}

// distInfo is the name of the wheel's .dist-info directory.
func (w Wheel) distInfo() string {
	return nonName.ReplaceAllString(strings.ReplaceAll(w.Name, "-", "_"), "_") + "-" + w.Version + ".dist-info"
}

// Filename is the wheel's file name, <name>-<version>-py3-none-any.whl
// with the name escaped as PEP 427 requires.
func (w Wheel) Filename() string {
	return strings.TrimSuffix(w.distInfo(), ".dist-info") + "-py3-none-any.whl"
}

// Project is the PEP 503 normalized project name ("Hello_Pkg" ->
// "hello-pkg"), the path component of the project's simple index page.
func (w Wheel) Project() string {
	return normalize(w.Name)
}

var normRun = regexp.MustCompile(`[-_.]+`)

func normalize(name string) string {
	return strings.ToLower(normRun.ReplaceAllString(name, "-"))
}

// files returns the wheel's payload (without the .dist-info), sorted.
func (w Wheel) files() map[string]string {
	if w.Files != nil {
		return w.Files
	}
	mod := w.importName()
	var src strings.Builder
	fmt.Fprintf(&src, "__version__ = %q\n", w.Version)
	var fns []string
	for _, target := range w.Scripts {
		if m, fn, ok := strings.Cut(target, ":"); ok && m == mod {
			fns = append(fns, fn)
		}
	}
	sort.Strings(fns)
	for _, fn := range fns {
		fmt.Fprintf(&src, "\n\ndef %s():\n", fn)
		fmt.Fprintf(&src, "    parts = [%q]\n", w.Name+" "+w.Version)
		for _, r := range w.Requires {
			dep := normalize(requirementName(r))
			fmt.Fprintf(&src, "    try:\n        import %s as m\n        parts.append(%q + ' ' + m.__version__)\n    except ImportError:\n        pass\n",
				strings.ReplaceAll(dep, "-", "_"), dep)
		}
		fmt.Fprintf(&src, "    print(%q + ' from ' + ', '.join(parts))\n", fn)
	}
	return map[string]string{mod + "/__init__.py": src.String()}
}

// requirementName returns the name at the start of a PEP 508 requirement.
func requirementName(req string) string {
	i := strings.IndexFunc(req, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.')
	})
	if i < 0 {
		return req
	}
	return req[:i]
}

// Metadata returns the METADATA file (Metadata-Version 2.1).
func (w Wheel) Metadata() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Metadata-Version: 2.1\nName: %s\nVersion: %s\nSummary: %s test wheel built by envseal piptest\n", w.Name, w.Version, w.Name)
	if w.RequiresPython != "" {
		fmt.Fprintf(&b, "Requires-Python: %s\n", w.RequiresPython)
	}
	for _, r := range w.Requires {
		fmt.Fprintf(&b, "Requires-Dist: %s\n", r)
	}
	return b.String()
}

// wheelTime is the fixed modification time of every member, so that a
// wheel's bytes (and sha256) depend only on its description.
var wheelTime = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// Bytes builds the wheel: the payload, then .dist-info/METADATA, WHEEL,
// entry_points.txt (when there are scripts) and RECORD with urlsafe
// base64 sha256 digests and sizes. The output is deterministic.
func (w Wheel) Bytes() ([]byte, error) {
	if w.Name == "" || w.Version == "" {
		return nil, fmt.Errorf("piptest: wheel needs a name and a version (%q %q)", w.Name, w.Version)
	}
	di := w.distInfo()
	type member struct{ path, data string }
	var members []member
	payload := w.files()
	paths := make([]string, 0, len(payload))
	for p := range payload {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		members = append(members, member{p, payload[p]})
	}
	members = append(members,
		member{di + "/METADATA", w.Metadata()},
		member{di + "/WHEEL", "Wheel-Version: 1.0\nGenerator: envseal-piptest\nRoot-Is-Purelib: true\nTag: py3-none-any\n"},
	)
	if len(w.Scripts) > 0 {
		names := make([]string, 0, len(w.Scripts))
		for n := range w.Scripts {
			names = append(names, n)
		}
		sort.Strings(names)
		var ep strings.Builder
		ep.WriteString("[console_scripts]\n")
		for _, n := range names {
			fmt.Fprintf(&ep, "%s = %s\n", n, w.Scripts[n])
		}
		members = append(members, member{di + "/entry_points.txt", ep.String()})
	}
	var record strings.Builder
	for _, m := range members {
		sum := sha256.Sum256([]byte(m.data))
		fmt.Fprintf(&record, "%s,sha256=%s,%d\n", m.path, base64.RawURLEncoding.EncodeToString(sum[:]), len(m.data))
	}
	fmt.Fprintf(&record, "%s/RECORD,,\n", di)
	members = append(members, member{di + "/RECORD", record.String()})

	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, m := range members {
		h := &zip.FileHeader{Name: m.path, Method: zip.Deflate, Modified: wheelTime}
		h.SetMode(0o644)
		f, err := zw.CreateHeader(h)
		if err != nil {
			return nil, fmt.Errorf("piptest: building %s: %w", w.Filename(), err)
		}
		if _, err := f.Write([]byte(m.data)); err != nil {
			return nil, fmt.Errorf("piptest: building %s: %w", w.Filename(), err)
		}
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("piptest: building %s: %w", w.Filename(), err)
	}
	return buf.Bytes(), nil
}

// Built is a wheel's file: its name, bytes and hex sha256.
type Built struct {
	Wheel    Wheel
	Filename string
	Data     []byte
	SHA256   string
}

// Build builds each wheel with [Wheel.Bytes].
func Build(wheels []Wheel) ([]Built, error) {
	out := make([]Built, 0, len(wheels))
	for _, w := range wheels {
		data, err := w.Bytes()
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(data)
		out = append(out, Built{Wheel: w, Filename: w.Filename(), Data: data, SHA256: hex.EncodeToString(sum[:])})
	}
	return out, nil
}

// Wheels returns the standard test set: hellopkg 1.0 (requires
// worldpkg>=1, console script `hello = hellopkg:main`), worldpkg 1.0 and
// worldpkg 2.0. Running `hello` prints
// "main from hellopkg 1.0, worldpkg 2.0" when worldpkg 2.0 is installed.
func Wheels() []Wheel {
	return []Wheel{
		{Name: "hellopkg", Version: "1.0", Requires: []string{"worldpkg>=1"}, Scripts: map[string]string{"hello": "hellopkg:main"}},
		{Name: "worldpkg", Version: "1.0"},
		{Name: "worldpkg", Version: "2.0"},
	}
}
