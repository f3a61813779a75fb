package piptest

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// backendTemplate is an in-tree PEP 517 / PEP 660 build backend: it needs
// no build requirements, so pip builds the project offline (build
// isolation installs nothing). build_wheel packs the project's module;
// build_editable writes a .pth file pointing at the project directory.
// The %s verbs are JSON string literals (valid Python literals).
const backendTemplate = `"""In-tree build backend written by envseal piptest (test use only)."""
import base64
import hashlib
import os
import zipfile

DIST = %s
MODULE = %s
METADATA = %s
ENTRY_POINTS = %s
HERE = os.path.dirname(os.path.abspath(__file__))


def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_editable(config_settings=None):
    return []


def _write(wheel_directory, files):
    info = DIST + ".dist-info"
    files = dict(files)
    files[info + "/METADATA"] = METADATA
    files[info + "/WHEEL"] = "Wheel-Version: 1.0\nGenerator: envseal-piptest\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    if ENTRY_POINTS:
        files[info + "/entry_points.txt"] = ENTRY_POINTS
    record = []
    for path, data in sorted(files.items()):
        raw = data.encode("utf-8")
        digest = base64.urlsafe_b64encode(hashlib.sha256(raw).digest()).rstrip(b"=").decode()
        record.append("%%s,sha256=%%s,%%d" %% (path, digest, len(raw)))
    record.append(info + "/RECORD,,")
    files[info + "/RECORD"] = "\n".join(record) + "\n"
    name = DIST + "-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(wheel_directory, name), "w") as zf:
        for path, data in files.items():
            zf.writestr(path, data)
    return name


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    files = {}
    root = os.path.join(HERE, MODULE)
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d != "__pycache__"]
        for fn in filenames:
            full = os.path.join(dirpath, fn)
            rel = os.path.relpath(full, HERE).replace(os.sep, "/")
            with open(full, encoding="utf-8") as f:
                files[rel] = f.read()
    return _write(wheel_directory, files)


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    return _write(wheel_directory, {"__editable__." + DIST + ".pth": HERE + "\n"})


def build_sdist(sdist_directory, config_settings=None):
    raise NotImplementedError("piptest projects build wheels only")
`

// WriteProject writes w as a source project into dir (created if
// needed): pyproject.toml naming an in-tree build backend with no build
// requirements, the backend, and w's module files. pip installs it
// offline, as a wheel (`pip install DIR`) or editable (`pip install -e
// DIR`, PEP 660: a .pth file pointing at dir, so edits to the module take
// effect without reinstalling).
func WriteProject(dir string, w Wheel) error {
	if w.Name == "" || w.Version == "" {
		return fmt.Errorf("piptest: project needs a name and a version (%q %q)", w.Name, w.Version)
	}
	lit := func(s string) string {
		b, _ := json.Marshal(s)
		return string(b)
	}
	var ep strings.Builder
	if len(w.Scripts) > 0 {
		names := make([]string, 0, len(w.Scripts))
		for n := range w.Scripts {
			names = append(names, n)
		}
		sort.Strings(names)
		ep.WriteString("[console_scripts]\n")
		for _, n := range names {
			fmt.Fprintf(&ep, "%s = %s\n", n, w.Scripts[n])
		}
	}
	dist := strings.TrimSuffix(w.distInfo(), ".dist-info")
	files := map[string]string{
		"pyproject.toml":      "[build-system]\nrequires = []\nbuild-backend = \"_piptest_backend\"\nbackend-path = [\".\"]\n",
		"_piptest_backend.py": fmt.Sprintf(backendTemplate, lit(dist), lit(w.importName()), lit(w.Metadata()), lit(ep.String())),
	}
	for p, data := range w.files() {
		files[p] = data
	}
	for p, data := range files {
		fp := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(fp), 0o755); err != nil {
			return fmt.Errorf("piptest: writing project %s: %w", w.Name, err)
		}
		if err := os.WriteFile(fp, []byte(data), 0o644); err != nil {
			return fmt.Errorf("piptest: writing project %s: %w", w.Name, err)
		}
	}
	return nil
}
