package pip

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestParseErrorsRealPip reads stderr that pip 24.3.1 printed (captured in
// testdata/stderr) and checks the requirement and message extracted.
func TestParseErrorsRealPip(t *testing.T) {
	tests := []struct {
		file, req, msg string
	}{
		{"nomatch", "nosuchpkg==1", "No matching distribution found for nosuchpkg==1"},
		{"connrefused", "worldpkg", "No matching distribution found for worldpkg"},
		{"conflict", "conflict-pkg==1.0 and worldpkg>=2", "Cannot install conflict-pkg==1.0 and worldpkg>=2 because these package versions have conflicting dependencies."},
		{"invalid", "foo bar baz", "Invalid requirement: 'foo bar baz': Expected end or semicolon (after name and no valid version specifier)"},
		{"nodir", "./no-such-dir", "Invalid requirement: './no-such-dir': Expected package name at the start of dependency specifier"},
		{"noreqfile", "/tmp/nonexistent-reqs.txt", "Could not open requirements file: [Errno 2] No such file or directory: '/tmp/nonexistent-reqs.txt'"},
		{"requirespython", "newpy", "Package 'newpy' requires a different Python: 3.10.16 not in '>=3.11'"},
		{"notinstallable", "/tmp/emptyproj", "Directory '/tmp/emptyproj' is not installable. Neither 'setup.py' nor 'pyproject.toml' found."},
		{"hashmismatch", "hellopkg==1.0", "THESE PACKAGES DO NOT MATCH THE HASHES FROM THE REQUIREMENTS FILE"},
		{"needhashes", "worldpkg==2.0", "Hashes are required in --require-hashes mode, but they are missing from some requirements"},
		{"unpinned", "worldpkg>=1", "In --require-hashes mode, all requirements must have their versions pinned with =="},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", "stderr", tc.file+".txt"))
			if err != nil {
				t.Fatal(err)
			}
			req, msg, details := parseErrors(string(data))
			if req != tc.req || msg != tc.msg {
				t.Errorf("parseErrors = %q, %q\n want %q, %q", req, msg, tc.req, tc.msg)
			}
			if len(details) == 0 || !strings.HasPrefix(details[0], "ERROR: ") {
				t.Errorf("details %q", details)
			}
		})
	}
}

func TestNewError(t *testing.T) {
	exitErr := &exec.ExitError{}
	stderr, _ := os.ReadFile("testdata/stderr/conflict.txt")
	stdout, _ := os.ReadFile("testdata/stderr/conflict.stdout.txt")
	e := newError("resolve", "/p", string(stdout), string(stderr), exitErr)
	if got, want := e.Error(), "pip resolve conflict-pkg==1.0 and worldpkg>=2: Cannot install conflict-pkg==1.0 and worldpkg>=2 because these package versions have conflicting dependencies."; got != want {
		t.Errorf("Error() = %q\nwant %q", got, want)
	}
	d := strings.Join(e.Details, "\n")
	if !strings.Contains(d, "ERROR: ResolutionImpossible") || !strings.HasSuffix(d, "The conflict is caused by:\n    The user requested worldpkg>=2\n    conflict-pkg 1.0 depends on worldpkg<1") {
		t.Errorf("details:\n%s", d)
	}
	if !errors.Is(e, exitErr) {
		t.Error("does not wrap the exit error")
	}

	e = newError("install", "/p", "", "/p/bin/python: No module named pip\n", exitErr)
	if !errors.Is(e, ErrNoPip) || !errors.Is(e, exitErr) {
		t.Errorf("%v: want ErrNoPip and the exit error", e)
	}

	e = newError("install", "/p", "", "Traceback (most recent call last):\n  File x\nKeyError: 'boom'\n", exitErr)
	if e.Requirement != "" || e.Message != "KeyError: 'boom'" || e.Error() != "pip install: KeyError: 'boom'" {
		t.Errorf("traceback: %+v", e)
	}
	e = newError("install", "/p", "", "", exitErr)
	if e.Error() != "pip install: "+exitErr.Error() {
		t.Errorf("no output: %q", e.Error())
	}
}

func TestParseErrorsTempFile(t *testing.T) {
	_, msg, _ := parseErrors("ERROR: Could not install requirement a@ http://h/a.whl from http://h/a.whl (from -r /tmp/envseal-pip-1/condaenv.requirements.txt (line 1)) because of HTTP error 401\n")
	if want := "Could not install requirement a@ http://h/a.whl from http://h/a.whl because of HTTP error 401"; msg != want {
		t.Errorf("message %q, want %q", msg, want)
	}
}

func TestParseErrorsPatterns(t *testing.T) {
	tests := []struct{ stderr, req string }{
		{"ERROR: Failed building wheel for lxml\nERROR: Could not build wheels for lxml, which is required to install pyproject.toml-based projects", "lxml"},
		{"ERROR: Failed to build installable wheels for some pyproject.toml based projects (pkg-a)", "pkg-a"},
		{"ERROR: Could not install requirement worldpkg==2.0 from https://h/w.whl because of HTTP error 404 Client Error", "worldpkg==2.0"},
		{"ERROR: Could not install requirement hellopkg@ http://h/files/hellopkg-1.0-py3-none-any.whl from http://h/files/hellopkg-1.0-py3-none-any.whl (from -r /tmp/envseal-pip-1/condaenv.requirements.txt (line 1)) because of HTTP error 401 Client Error: Unauthorized for url: http://h/files/hellopkg-1.0-py3-none-any.whl", "hellopkg"},
		{"ERROR: HTTP error 403 while getting https://h/x.whl", "https://h/x.whl"},
		{"ERROR: foo is not a valid editable requirement. It should either be a path to a local project or a VCS URL", "foo"},
		{"ERROR: Could not install packages due to an OSError: [Errno 13] Permission denied", ""},
		{"WARNING: just a warning\n", ""},
	}
	for _, tc := range tests {
		if req, _, _ := parseErrors(tc.stderr); req != tc.req {
			t.Errorf("parseErrors(%q) requirement %q, want %q", tc.stderr, req, tc.req)
		}
	}
}

// FuzzParseErrors feeds arbitrary pip output to the error parser: it
// never panics, a requirement always comes with a message, and details
// start at an ERROR line.
func FuzzParseErrors(f *testing.F) {
	ents, err := os.ReadDir(filepath.Join("testdata", "stderr"))
	if err != nil {
		f.Fatal(err)
	}
	for _, e := range ents {
		data, err := os.ReadFile(filepath.Join("testdata", "stderr", e.Name()))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(data))
	}
	f.Fuzz(func(t *testing.T, stderr string) {
		req, msg, details := parseErrors(stderr)
		if req != "" && msg == "" {
			t.Fatalf("requirement %q without a message", req)
		}
		if (msg == "") != (len(details) == 0) || len(details) > 50 {
			t.Fatalf("message %q with %d details", msg, len(details))
		}
		if len(details) > 0 && !strings.HasPrefix(details[0], "ERROR:") {
			t.Fatalf("details start with %q", details[0])
		}
		e := newError("install", "/p", stderr, stderr, errors.New("exit status 1"))
		if e.Error() == "" || len(e.Details) > 50 {
			t.Fatalf("newError: %q, %d details", e.Error(), len(e.Details))
		}
	})
}
