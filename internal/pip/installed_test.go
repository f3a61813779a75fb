package pip

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeTree writes files (slash paths relative to root) with their
// contents.
func writeTree(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for p, data := range files {
		fp := filepath.Join(root, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(fp), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(fp, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestInstalled(t *testing.T) {
	prefix := t.TempDir()
	sp := "lib/python3.10/site-packages/"
	writeTree(t, prefix, map[string]string{
		// conda's pip: INSTALLER conda, listed in conda-meta.
		sp + "pip-24.3.1.dist-info/METADATA":  "Metadata-Version: 2.1\nName: pip\nVersion: 24.3.1\n",
		sp + "pip-24.3.1.dist-info/INSTALLER": "conda\n",
		// A conda package whose INSTALLER says pip (built with pip by
		// conda-build): conda-meta lists its files, so it is conda's.
		sp + "six-1.16.0.dist-info/METADATA":      "Metadata-Version: 2.1\nName: six\nVersion: 1.16.0\n",
		sp + "six-1.16.0.dist-info/INSTALLER":     "pip\n",
		"conda-meta/six-1.16.0-pyh6c4a22f_0.json": `{"name": "six", "files": ["lib/python3.10/site-packages/six.py", "lib/python3.10/site-packages/six-1.16.0.dist-info/METADATA"]}`,
		"conda-meta/pip-24.3.1-pyh_0.json":        `{"name": "pip", "files": ["bin/pip"]}`,
		"conda-meta/history":                      "==> 2024 <==\n",
		// pip installs: requested, a dependency, an editable, a VCS one.
		sp + "Hello_Pkg-1.0.dist-info/METADATA":     "Metadata-Version: 2.1\nName: Hello_Pkg\nVersion: 1.0\nRequires-Dist: worldpkg>=1\n\nName: not-this\n",
		sp + "Hello_Pkg-1.0.dist-info/INSTALLER":    "pip\n",
		sp + "Hello_Pkg-1.0.dist-info/REQUESTED":    "",
		sp + "worldpkg-2.0.dist-info/METADATA":      "Metadata-Version: 2.1\r\nName: worldpkg\r\nVersion: 2.0\r\n",
		sp + "worldpkg-2.0.dist-info/INSTALLER":     "pip",
		sp + "edpkg-0.1.dist-info/METADATA":         "Metadata-Version: 2.1\nName: edpkg\nVersion: 0.1\n",
		sp + "edpkg-0.1.dist-info/INSTALLER":        "pip\n",
		sp + "edpkg-0.1.dist-info/REQUESTED":        "",
		sp + "edpkg-0.1.dist-info/direct_url.json":  `{"url": "file:///home/me/src/edpkg", "dir_info": {"editable": true}}`,
		sp + "vcspkg-1.2.dist-info/METADATA":        "Metadata-Version: 2.1\nName: vcspkg\nVersion: 1.2\n",
		sp + "vcspkg-1.2.dist-info/INSTALLER":       "uv\n",
		sp + "vcspkg-1.2.dist-info/direct_url.json": `{"url": "https://github.com/a/vcspkg", "vcs_info": {"vcs": "git", "commit_id": "abc123"}, "subdirectory": "py"}`,
		sp + "noinstaller-3.dist-info/METADATA":     "Name: noinstaller\nVersion: 3\n",
		// URL installs by hash (as envseal's locked installs are): PEP 610
		// archive_info, in its current and its older single-hash form.
		sp + "arcpkg-1.0.dist-info/METADATA":        "Name: arcpkg\nVersion: 1.0\n",
		sp + "arcpkg-1.0.dist-info/direct_url.json": `{"url": "https://files.example/arcpkg-1.0-py3-none-any.whl", "archive_info": {"hashes": {"sha256": "ab12"}, "hash": "sha256=old"}}`,
		sp + "oldpkg-1.0.dist-info/METADATA":        "Name: oldpkg\nVersion: 1.0\n",
		sp + "oldpkg-1.0.dist-info/direct_url.json": `{"url": "https://files.example/oldpkg-1.0.tar.gz", "archive_info": {"hash": "sha256=cd34"}}`,
		// Not distributions.
		sp + "hellopkg/__init__.py":        "",
		sp + "old.egg-info/PKG-INFO":       "Name: old\nVersion: 1\n",
		sp + "README.txt":                  "",
		"lib/python3.10/os.py":             "",
		"lib/python3.10/site-packages.txt": "",
	})
	pkgs, err := Installed(context.Background(), prefix)
	if err != nil {
		t.Fatal(err)
	}
	want := []Package{
		{Name: "arcpkg", Version: "1.0", URL: "https://files.example/arcpkg-1.0-py3-none-any.whl", SHA256: "ab12", DistInfo: sp + "arcpkg-1.0.dist-info"},
		{Name: "edpkg", Version: "0.1", Installer: "pip", Requested: true, URL: "file:///home/me/src/edpkg", Editable: true, DistInfo: sp + "edpkg-0.1.dist-info"},
		{Name: "Hello_Pkg", Version: "1.0", Installer: "pip", Requested: true, DistInfo: sp + "Hello_Pkg-1.0.dist-info"},
		{Name: "noinstaller", Version: "3", DistInfo: sp + "noinstaller-3.dist-info"},
		{Name: "oldpkg", Version: "1.0", URL: "https://files.example/oldpkg-1.0.tar.gz", SHA256: "cd34", DistInfo: sp + "oldpkg-1.0.dist-info"},
		{Name: "vcspkg", Version: "1.2", Installer: "uv", URL: "git+https://github.com/a/vcspkg@abc123#subdirectory=py", DistInfo: sp + "vcspkg-1.2.dist-info"},
		{Name: "worldpkg", Version: "2.0", Installer: "pip", DistInfo: sp + "worldpkg-2.0.dist-info"},
	}
	if len(pkgs) != len(want) {
		t.Fatalf("Installed = %+v", pkgs)
	}
	for i := range want {
		if pkgs[i] != want[i] {
			t.Errorf("package %d = %+v\n want %+v", i, pkgs[i], want[i])
		}
	}
	reqs := []string{"arcpkg @ https://files.example/arcpkg-1.0-py3-none-any.whl", "-e /home/me/src/edpkg", "Hello_Pkg==1.0", "noinstaller==3", "oldpkg @ https://files.example/oldpkg-1.0.tar.gz", "vcspkg @ git+https://github.com/a/vcspkg@abc123#subdirectory=py", "worldpkg==2.0"}
	for i, p := range pkgs {
		if got := p.Requirement(); got != reqs[i] {
			t.Errorf("%s.Requirement() = %q, want %q", p.Name, got, reqs[i])
		}
	}
}

func TestInstalledErrors(t *testing.T) {
	ctx := context.Background()
	if pkgs, err := Installed(ctx, t.TempDir()); err != nil || len(pkgs) != 0 {
		t.Errorf("empty prefix: %v, %v", pkgs, err)
	}

	prefix := t.TempDir()
	writeTree(t, prefix, map[string]string{"conda-meta/bad-1-0.json": "{not json"})
	if _, err := Installed(ctx, prefix); err == nil || !strings.Contains(err.Error(), "bad-1-0.json") {
		t.Errorf("bad conda record: %v", err)
	}

	prefix = t.TempDir()
	writeTree(t, prefix, map[string]string{"lib/python3.10/site-packages/x-1.dist-info/METADATA": "Summary: no name\n"})
	if _, err := Installed(ctx, prefix); err == nil || !strings.Contains(err.Error(), "x-1.dist-info") {
		t.Errorf("bad METADATA: %v", err)
	}

	cctx, cancel := context.WithCancel(ctx)
	cancel()
	writeTree(t, prefix, map[string]string{"conda-meta/a-1-0.json": "{}"})
	if _, err := Installed(cctx, prefix); err != context.Canceled {
		t.Errorf("canceled: %v", err)
	}
}
