package scan

import (
	"strings"
	"testing"
)

func TestIgnoreFiles(t *testing.T) {
	list := `# test data
testdata/
*.pem
/root-only.txt
docs/**/*.md
!docs/keep/**
a/**/z.txt
\#hash
file\ with\ space\ 
[Bb]uild-?.log
`
	ig, err := ParseIgnore(".envsealignore", []byte(list))
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]bool{
		"testdata/x.json":         true,
		"pkg/testdata/deep/x.yml": true,
		"testdata":                false, // a file named testdata: dir-only pattern
		"key.pem":                 true,
		"sub/dir/key.pem":         true,
		"key.pem.txt":             false,
		"root-only.txt":           true,
		"sub/root-only.txt":       false,
		"docs/a.md":               true,
		"docs/x/y/a.md":           true,
		"docs/keep/a.md":          false,
		"a/z.txt":                 true,
		"a/b/c/z.txt":             true,
		"#hash":                   true,
		"file with space ":        true,
		"build-1.log":             true,
		"Build-x.log":             true,
		"build-10.log":            false,
		"environment.yml":         false,
		"./key.pem":               true,
	} {
		if got := ig.File(path); got != want {
			t.Errorf("File(%q) = %v, want %v", path, got, want)
		}
	}
}

func TestIgnoreRules(t *testing.T) {
	ig, err := ParseIgnore("x", []byte("docs/*.md:url-password\nexamples/:aws-access-key-id\n:slack-webhook\n*.lock:conda-channel-token\n"))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		path, rule string
		want       bool
	}{
		{"docs/a.md", "url-password", true},
		{"docs/a.md", "github-token", false},
		{"docs/sub/a.md", "url-password", false},
		{"examples/env/environment.yml", "aws-access-key-id", true},
		{"examples", "aws-access-key-id", false},
		{"anything/at/all.txt", "slack-webhook", true},
		{"x/conda-lock.lock", "conda-channel-token", true},
	}
	for _, tc := range cases {
		if got := ig.Rule(tc.path, tc.rule); got != tc.want {
			t.Errorf("Rule(%q, %q) = %v, want %v", tc.path, tc.rule, got, tc.want)
		}
	}
	if ig.File("docs/a.md") {
		t.Error("a PATTERN:RULE entry must not skip the whole file")
	}
}

func TestIgnoreErrors(t *testing.T) {
	for _, list := range []string{
		"ok\ndocs/*.md:no-such-rule\n",
		"!docs/*.md:url-password\n",
	} {
		_, err := ParseIgnore(".envsealignore", []byte(list))
		if err == nil || !strings.Contains(err.Error(), ".envsealignore:") {
			t.Errorf("%q: error %v, want one naming the file and line", list, err)
		}
	}
}

func TestIgnoreInScanner(t *testing.T) {
	ig, err := ParseIgnore("x", []byte("fixtures/*.txt:aws-access-key-id\n"))
	if err != nil {
		t.Fatal(err)
	}
	s := New(Options{Ignore: ig})
	text := []byte("AKIA" + fake(upper32, 16, 60) + "\nghp_" + fake(alnum, 36, 61) + "\n")
	got := lineRules(s.Scan("fixtures/a.txt", text))
	if strings.Join(got, ",") != "2:github-token" {
		t.Errorf("got %v", got)
	}
	if n := len(s.Scan("other/a.txt", text)); n != 2 {
		t.Errorf("outside the pattern: %d findings, want 2", n)
	}
}
