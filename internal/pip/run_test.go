package pip

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

func TestChildEnv(t *testing.T) {
	base := []string{"PATH=/bin", "HOME=/h", "PIP_INDEX_URL=https://leak", "PIP_NO_DEPS=1", "PYTHONPATH=/x",
		"PYTHONHOME=/y", "VIRTUAL_ENV=/v", "PYTHONNOUSERSITE=", "PIPX_HOME=/keep", "LANG=C.UTF-8"}
	got := childEnv(Options{Env: base, PipEnv: []string{"PIP_INDEX_URL=https://mine", "TOKEN=s3cret"}})
	want := []string{"PATH=/bin", "HOME=/h", "PIPX_HOME=/keep", "LANG=C.UTF-8", "PYTHONNOUSERSITE=1", "PIP_ROOT_USER_ACTION=ignore", "PIP_INDEX_URL=https://mine", "TOKEN=s3cret"}
	if !slices.Equal(got, want) {
		t.Errorf("childEnv = %q\n want %q", got, want)
	}
	got = childEnv(Options{Isolated: true})
	if !slices.Equal(got, []string{"PYTHONNOUSERSITE=1", "PIP_ROOT_USER_ACTION=ignore", "PIP_CONFIG_FILE=" + os.DevNull}) {
		t.Errorf("isolated: %q", got)
	}
	got = childEnv(Options{Isolated: true, PipEnv: []string{"PIP_CONFIG_FILE=/etc/team-pip.conf"}})
	if !slices.Equal(got, []string{"PYTHONNOUSERSITE=1", "PIP_ROOT_USER_ACTION=ignore", "PIP_CONFIG_FILE=/etc/team-pip.conf"}) {
		t.Errorf("isolated with a config file: %q", got)
	}
}

func TestTail(t *testing.T) {
	tl := &tail{max: 8}
	tl.Write([]byte("hello "))
	tl.Write([]byte("world!"))
	if tl.String() != "o world!" {
		t.Errorf("tail = %q", tl.String())
	}
}

func TestNoPython(t *testing.T) {
	ctx := context.Background()
	prefix := t.TempDir()
	err := Install(ctx, prefix, []string{"hellopkg"}, Options{})
	var pe *Error
	if !errors.Is(err, ErrNoPython) || !errors.As(err, &pe) || pe.Op != "install" || pe.Prefix != prefix {
		t.Fatalf("Install without python = %v", err)
	}
	if !strings.Contains(err.Error(), PythonPath(prefix)) {
		t.Errorf("%q does not name the interpreter", err)
	}
	if _, err := Resolve(ctx, prefix, []string{"x"}, Options{}); !errors.Is(err, ErrNoPython) {
		t.Errorf("Resolve without python = %v", err)
	}
	d := Dist{Name: "x", Version: "1", URL: "https://h/x.whl", SHA256: strings.Repeat("a", 64)}
	if err := InstallLocked(ctx, prefix, []Dist{d}, Options{}); !errors.Is(err, ErrNoPython) {
		t.Errorf("InstallLocked without python = %v", err)
	}
}

func TestNothingToDo(t *testing.T) {
	ctx := context.Background()
	prefix := t.TempDir() // no python: nothing may run
	if err := Install(ctx, prefix, []string{"", "# only a comment"}, Options{}); err != nil {
		t.Errorf("Install(nothing) = %v", err)
	}
	if d, err := Resolve(ctx, prefix, nil, Options{}); err != nil || d != nil {
		t.Errorf("Resolve(nothing) = %v, %v", d, err)
	}
	if err := InstallLocked(ctx, prefix, nil, Options{}); err != nil {
		t.Errorf("InstallLocked(nothing) = %v", err)
	}
}

func TestInstallLockedRefuses(t *testing.T) {
	ok := Dist{Name: "a", Version: "1", URL: "https://h/a.whl", SHA256: strings.Repeat("a", 64)}
	tests := []struct {
		name string
		d    Dist
		err  error
		msg  string
	}{
		{"no hash", Dist{Name: "edpkg", Version: "0.1", URL: "file:///src/edpkg", Editable: true}, ErrNoHash, "pip install locked edpkg==0.1: locked distribution has no sha256"},
		{"bad hash", Dist{Name: "b", Version: "2", URL: "https://h/b.whl", SHA256: "XYZ"}, ErrReport, `pip install locked b==2: malformed sha256 "XYZ"`},
		{"no url", Dist{Name: "c", Version: "3", SHA256: ok.SHA256}, ErrReport, "pip install locked c==3: locked distribution needs a name and a URL"},
		{"space", Dist{Name: "d", Version: "4", URL: "https://h/d.whl --no-verify", SHA256: ok.SHA256}, ErrReport, "whitespace"},
		{"twice", Dist{Name: "A", Version: "5", URL: "https://h/A.whl", SHA256: ok.SHA256}, ErrReport, "pip install locked A==5: locked twice"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := InstallLocked(context.Background(), t.TempDir(), []Dist{ok, tc.d}, Options{})
			if !errors.Is(err, tc.err) || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("InstallLocked = %v; want %v with %q", err, tc.err, tc.msg)
			}
		})
	}
}

func TestInstallBadEntry(t *testing.T) {
	err := Install(context.Background(), t.TempDir(), []string{"ok", "--requirement"}, Options{})
	var pe *Error
	if !errors.As(err, &pe) || !strings.Contains(err.Error(), `pip entry "--requirement": --requirement needs a value`) {
		t.Errorf("Install(bad entry) = %v", err)
	}
}

func TestPythonPath(t *testing.T) {
	want := filepath.Join("/p", "bin", "python")
	if runtime.GOOS == "windows" {
		want = filepath.Join("/p", "python.exe")
	}
	if got := PythonPath("/p"); got != want {
		t.Errorf("PythonPath = %q, want %q", got, want)
	}
}
