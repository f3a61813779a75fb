package kernel

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestDataDirs(t *testing.T) {
	tests := []struct {
		name   string
		dirs   Dirs
		user   string
		search []string
	}{
		{"home on linux", Dirs{Home: "/home/u", GOOS: "linux"}, "/home/u/.local/share/jupyter",
			[]string{"/home/u/.local/share/jupyter", "/usr/local/share/jupyter", "/usr/share/jupyter"}},
		{"XDG_DATA_HOME", Dirs{Home: "/home/u", XDGDataHome: "/x", GOOS: "linux"}, "/x/jupyter",
			[]string{"/x/jupyter", "/usr/local/share/jupyter", "/usr/share/jupyter"}},
		{"JUPYTER_DATA_DIR wins", Dirs{Home: "/home/u", XDGDataHome: "/x", DataDir: "/jd", GOOS: "darwin"}, "/jd",
			[]string{"/jd", "/usr/local/share/jupyter", "/usr/share/jupyter"}},
		{"macOS", Dirs{Home: "/Users/u", GOOS: "darwin"}, "/Users/u/Library/Jupyter",
			[]string{"/Users/u/Library/Jupyter", "/usr/local/share/jupyter", "/usr/share/jupyter"}},
		{"JUPYTER_PATH first, duplicates dropped", Dirs{Home: "/home/u", GOOS: "linux", Path: []string{"/p1", "/usr/share/jupyter/", ""}}, "/home/u/.local/share/jupyter",
			[]string{"/p1", "/usr/share/jupyter", "/home/u/.local/share/jupyter", "/usr/local/share/jupyter"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.dirs.UserDataDir()
			if err != nil || got != tc.user {
				t.Errorf("UserDataDir = %q, %v; want %q", got, err, tc.user)
			}
			if s := tc.dirs.SearchPath(); !slices.Equal(s, tc.search) {
				t.Errorf("SearchPath = %q\nwant %q", s, tc.search)
			}
		})
	}
	if _, err := (Dirs{}).UserDataDir(); err == nil {
		t.Error("no HOME and no JUPYTER_DATA_DIR: want an error")
	}
	if got := PrefixDataDir("/opt/conda"); got != "/opt/conda/share/jupyter" {
		t.Errorf("PrefixDataDir = %q", got)
	}
}

func TestNames(t *testing.T) {
	for in, want := range map[string]string{"ml": "envseal-ml", "My Env": "envseal-my-env", "données.v2": "envseal-donn-es.v2"} {
		if got := NameFor(in); got != want {
			t.Errorf("NameFor(%q) = %q, want %q", in, got, want)
		}
		if err := CheckName(NameFor(in)); err != nil {
			t.Errorf("CheckName(NameFor(%q)): %v", in, err)
		}
	}
	for _, bad := range []string{"", "a b", "../x", "a/b", "é"} {
		if err := CheckName(bad); !errors.Is(err, ErrBadName) {
			t.Errorf("CheckName(%q) = %v, want ErrBadName", bad, err)
		}
	}
}

func TestSpecValidate(t *testing.T) {
	good := Spec{Argv: []string{"x", "-f", "{connection_file}"}, DisplayName: "X", Language: "python"}
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	for name, mut := range map[string]func(*Spec){
		"no argv":           func(s *Spec) { s.Argv = nil },
		"no connection":     func(s *Spec) { s.Argv = []string{"x"} },
		"no display name":   func(s *Spec) { s.DisplayName = "" },
		"no language":       func(s *Spec) { s.Language = "" },
		"bad interruptmode": func(s *Spec) { s.InterruptMode = "kill" },
	} {
		s := good
		mut(&s)
		if s.Validate() == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestInstallListRemove(t *testing.T) {
	user := filepath.Join(t.TempDir(), "user")
	other := filepath.Join(t.TempDir(), "other")
	o := InstallOptions{Name: "Envseal-ML", DisplayName: "ML", Envseal: "/usr/bin/envseal", Lock: "/w/envseal.lock", Prefix: "/e/ml", DataDir: user}
	dir, err := Install(o)
	if err != nil {
		t.Fatal(err)
	}
	if dir != filepath.Join(user, "kernels", "envseal-ml") {
		t.Errorf("dir %s (Jupyter lowercases kernel names)", dir)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "kernel.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	argv := m["argv"].([]any)
	want := []any{"/usr/bin/envseal", "run", "--lock", "/w/envseal.lock", "-p", "/e/ml", "--", "python", "-m", "ipykernel_launcher", "-f", "{connection_file}"}
	if !slices.Equal(argv, want) || m["display_name"] != "ML" || m["language"] != "python" {
		t.Errorf("kernel.json:\n%s", raw)
	}
	// Relative paths are refused: Jupyter starts kernels from anywhere.
	bad := o
	bad.Lock = "envseal.lock"
	if _, err := Install(bad); err == nil {
		t.Error("relative lock accepted")
	}

	// A kernel of the same name further down the path is hidden.
	o2 := o
	o2.DataDir, o2.Prefix = other, "/e/other"
	if _, err := Install(o2); err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(other, "kernels", "python3"), 0o755)
	os.WriteFile(filepath.Join(other, "kernels", "python3", "kernel.json"), []byte(`{"argv":["python","-m","ipykernel_launcher","-f","{connection_file}"],"display_name":"Python 3","language":"python"}`), 0o644)
	ks, err := List([]string{user, other, filepath.Join(t.TempDir(), "absent")})
	if err != nil {
		t.Fatal(err)
	}
	if len(ks) != 2 || ks[0].Name != "envseal-ml" || ks[0].Prefix != "/e/ml" || ks[0].Lock != "/w/envseal.lock" || !ks[0].Envseal ||
		ks[1].Name != "python3" || ks[1].Envseal {
		t.Errorf("List: %+v", ks)
	}
	if _, err := Remove([]string{user, other}, "python3", false); !errors.Is(err, ErrNotEnvseal) {
		t.Errorf("removing another tool's kernel: %v", err)
	}
	if d, err := Remove([]string{user, other}, "ENVSEAL-ML", false); err != nil || d != dir {
		t.Errorf("Remove = %q, %v", d, err)
	}
	if _, err := Remove([]string{user}, "envseal-ml", false); !errors.Is(err, ErrNotFound) {
		t.Errorf("second remove: %v", err)
	}
}

func FuzzRead(f *testing.F) {
	f.Add([]byte(`{"argv":["/bin/envseal","run","--lock","/l","-p","/p","--","python","-m","ipykernel_launcher","-f","{connection_file}"],"display_name":"x","language":"python"}`))
	f.Add([]byte(`{"argv":["envseal","run","--lock"],"display_name":1}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "kernel.json"), data, 0o644); err != nil {
			t.Fatal(err)
		}
		k, err := Read(dir)
		if err != nil {
			return
		}
		if !k.Envseal && (k.Prefix != "" || k.Lock != "") {
			t.Fatalf("prefix/lock for a kernel that is not envseal's: %+v", k)
		}
		_ = k.Spec.Validate()
	})
}
