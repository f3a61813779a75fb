package pip

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRequirementsFile(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "local-1.0-py3-none-any.whl"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	j := func(p string) string { return filepath.Join(dir, p) }
	tests := []struct{ in, want string }{
		{"requests>=2", "requests>=2"},
		{"  requests[socks] >=2 ; python_version > '3'  ", "requests[socks] >=2 ; python_version > '3'"},
		{"name @ https://host/x.whl --hash=sha256:ab", "name @ https://host/x.whl --hash=sha256:ab"},
		{"pkg @ https://${TOKEN}@host/pkg-1.whl", "pkg @ https://${TOKEN}@host/pkg-1.whl"},
		{"git+https://github.com/a/b@v1#egg=b", "git+https://github.com/a/b@v1#egg=b"},
		{"-r requirements.txt", "-r " + j("requirements.txt")},
		{"-rrequirements.txt", "-r " + j("requirements.txt")},
		{"--requirement=sub/reqs.txt", "--requirement " + j("sub/reqs.txt")},
		{"--requirement ../up.txt", "--requirement " + filepath.Join(filepath.Dir(dir), "up.txt")},
		{"-r /abs/reqs.txt", "-r /abs/reqs.txt"},
		{"-r https://host/reqs.txt", "-r https://host/reqs.txt"},
		{"-c constraints.txt", "-c " + j("constraints.txt")},
		{"-e .", "-e " + dir},
		{"-e ./src/pkg[extra,other]", "-e " + j("src/pkg") + "[extra,other]"},
		{"--editable=src", "--editable " + j("src")},
		{"-e git+https://github.com/a/b#egg=b", "-e git+https://github.com/a/b#egg=b"},
		{"--find-links wheels", "--find-links " + j("wheels")},
		{"-f ./wheels", "-f " + j("wheels")},
		{"--find-links https://host/links/", "--find-links https://host/links/"},
		{"--find-links file:///srv/wheels", "--find-links file:///srv/wheels"},
		{"--index-url https://${USER_TOKEN}@pkgs.example.com/simple", "--index-url https://${USER_TOKEN}@pkgs.example.com/simple"},
		{"-i https://pypi.org/simple", "-i https://pypi.org/simple"},
		{"--extra-index-url=https://x/simple", "--extra-index-url=https://x/simple"},
		{"--no-index", "--no-index"},
		{"--pre", "--pre"},
		{"./pkgdir", j("pkgdir")},
		{"./pkgdir[extra] ; python_version >= '3'", j("pkgdir") + "[extra] ; python_version >= '3'"},
		{"dist/pkg-1.0.tar.gz", j("dist/pkg-1.0.tar.gz")},
		{"local-1.0-py3-none-any.whl", j("local-1.0-py3-none-any.whl")},
		{"missing-1.0-py3-none-any.whl", "missing-1.0-py3-none-any.whl"},
		{"/abs/pkg", "/abs/pkg"},
		{"~/pkg", "~/pkg"},
		{"zope.interface>=5", "zope.interface>=5"},
	}
	for _, tc := range tests {
		got, err := RequirementsFile([]string{tc.in}, dir)
		if err != nil {
			t.Errorf("RequirementsFile(%q): %v", tc.in, err)
			continue
		}
		if got != tc.want+"\n" {
			t.Errorf("RequirementsFile(%q) = %q, want %q", tc.in, got, tc.want+"\n")
		}
	}
}

func TestRequirementsFileDropsBlanksAndComments(t *testing.T) {
	got, err := RequirementsFile([]string{"", "  ", "# a comment", "a", "b"}, "/d")
	if err != nil || got != "a\nb\n" {
		t.Errorf("got %q, %v", got, err)
	}
	if got, err := RequirementsFile([]string{"-r reqs.txt"}, ""); err != nil || got != "-r reqs.txt\n" {
		t.Errorf("empty dir: got %q, %v", got, err)
	}
}

func TestRequirementsFileErrors(t *testing.T) {
	for _, in := range []string{"-r", "--requirement", "--requirement=", "-e", "--find-links", "--index-url", "-i", "a\nb"} {
		_, err := RequirementsFile([]string{"ok", in}, "/d")
		if err == nil || !strings.Contains(err.Error(), "pip entry "+quote(in)) {
			t.Errorf("RequirementsFile(%q) error %v; want one naming the entry", in, err)
		}
	}
}

func quote(s string) string {
	return strings.TrimSpace(strings.ReplaceAll(strings.ReplaceAll(`"`+s+`"`, "\n", `\n`), "\r", `\r`))
}

// FuzzRequirementsFile checks that rewriting never panics, keeps one line
// per entry, leaves non-path entries alone and is idempotent.
func FuzzRequirementsFile(f *testing.F) {
	for _, s := range []string{"requests>=2", "-r reqs.txt", "-e ./src[x]", "--find-links=w", "./pkg ; python_version>'3'",
		"name @ https://${T}@h/x.whl", "# c", "-i https://x", "--pre", "dist/a-1.tar.gz", "-rfoo", "-"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		const dir = "/base/env"
		out, err := RequirementsFile([]string{line}, dir)
		if err != nil {
			if !strings.Contains(err.Error(), "pip entry") {
				t.Fatalf("error %v does not name the entry", err)
			}
			return
		}
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			if out != "" {
				t.Fatalf("blank/comment %q gave %q", line, out)
			}
			return
		}
		if strings.Count(out, "\n") != 1 || !strings.HasSuffix(out, "\n") {
			t.Fatalf("%q gave %q, want one line", line, out)
		}
		again, err := RequirementsFile([]string{strings.TrimSuffix(out, "\n")}, dir)
		if err != nil || again != out {
			t.Fatalf("not idempotent: %q -> %q -> %q, %v", line, out, again, err)
		}
	})
}
