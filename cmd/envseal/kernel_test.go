package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// checkKernelSchema applies the rules of Jupyter's kernelspec schema
// (jupyter_client's kernelspec documentation): an object whose argv is a
// non-empty array of strings, display_name and language strings (all
// three required), env an object of strings, metadata an object,
// interrupt_mode "signal" or "message".
func checkKernelSchema(t *testing.T, data []byte) map[string]any {
	t.Helper()
	var spec map[string]any
	if err := json.Unmarshal(data, &spec); err != nil {
		t.Fatalf("kernel.json is not JSON: %v\n%s", err, data)
	}
	argv, ok := spec["argv"].([]any)
	if !ok || len(argv) == 0 {
		t.Fatalf("argv: %#v", spec["argv"])
	}
	for _, a := range argv {
		if _, ok := a.(string); !ok {
			t.Errorf("argv entry %#v is not a string", a)
		}
	}
	for _, k := range []string{"display_name", "language"} {
		if s, ok := spec[k].(string); !ok || s == "" {
			t.Errorf("%s: %#v", k, spec[k])
		}
	}
	if v, ok := spec["env"]; ok {
		m, ok := v.(map[string]any)
		if !ok {
			t.Errorf("env is not an object: %#v", v)
		}
		for k, x := range m {
			if _, ok := x.(string); !ok {
				t.Errorf("env %s is not a string", k)
			}
		}
	}
	if v, ok := spec["metadata"]; ok {
		if _, ok := v.(map[string]any); !ok {
			t.Errorf("metadata is not an object: %#v", v)
		}
	}
	if v, ok := spec["interrupt_mode"]; ok && v != "signal" && v != "message" {
		t.Errorf("interrupt_mode %#v", v)
	}
	return spec
}

// TestKernelInstallRunsSealed installs a kernelspec with the real envseal
// binary and starts its argv as Jupyter would, with a stand-in
// ipykernel_launcher on PYTHONPATH.
func TestKernelInstallRunsSealed(t *testing.T) {
	ch := fixtureChannel(t)
	bin := buildEnvseal(t)
	home := t.TempDir()
	root := filepath.Join(home, "root")
	p := newProc(t, bin, root)
	data := filepath.Join(home, "jupyter-data")
	p.env = append(p.env, "JUPYTER_DATA_DIR="+data)
	p.mustRun("create", "-q", "-n", "nb", "--override-channels", "-c", ch, "python=3.10")
	prefix := filepath.Join(root, "envs", "nb")

	project := t.TempDir()
	lock := filepath.Join(project, "envseal.lock")
	p.mustRun("secrets", "keygen")
	const secret = "sk-kernel-5d1e0c"
	set := p.command("secrets", "set", "--lock", lock, "API_KEY")
	set.Stdin = strings.NewReader(secret + "\n")
	if out, err := set.CombinedOutput(); err != nil {
		t.Fatalf("secrets set: %v\n%s", err, out)
	}

	p.mustRun("kernel", "install", "-n", "nb", "--lock", lock, "--display-name", "Notebook (sealed)")
	kdir := filepath.Join(data, "kernels", "envseal-nb")
	raw, err := os.ReadFile(filepath.Join(kdir, "kernel.json"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), secret) {
		t.Fatal("the secret is in kernel.json")
	}
	spec := checkKernelSchema(t, raw)
	var argv []string
	for _, a := range spec["argv"].([]any) {
		argv = append(argv, a.(string))
	}
	want := []string{bin, "run", "--lock", lock, "-p", prefix, "--", "python", "-m", "ipykernel_launcher", "-f", "{connection_file}"}
	if realBin, err := filepath.EvalSymlinks(bin); err == nil {
		want[0] = realBin
	}
	if !slices.Equal(argv, want) {
		t.Fatalf("argv:\n got %q\nwant %q", argv, want)
	}
	if spec["display_name"] != "Notebook (sealed)" || spec["language"] != "python" {
		t.Errorf("display_name/language: %v %v", spec["display_name"], spec["language"])
	}

	// Jupyter replaces {connection_file} and runs argv from anywhere.
	stand := t.TempDir()
	launcher := `import json, os, sys
i = sys.argv.index("-f")
print(json.dumps({"prefix": sys.prefix, "executable": sys.executable,
    "secret": os.environ.get("API_KEY"), "conn": sys.argv[i + 1]}))
`
	if err := os.WriteFile(filepath.Join(stand, "ipykernel_launcher.py"), []byte(launcher), 0o644); err != nil {
		t.Fatal(err)
	}
	conn := filepath.Join(t.TempDir(), "kernel-4f2a.json")
	args := slices.Clone(argv)
	for i, a := range args {
		args[i] = strings.ReplaceAll(a, "{connection_file}", conn)
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Dir = t.TempDir()
	cmd.Env = append(slices.Clone(p.env), "PYTHONPATH="+stand)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("kernel argv: %v\n%s", err, out)
	}
	var got map[string]string
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("launcher output %q: %v", out, err)
	}
	if got["prefix"] != prefix || !strings.HasPrefix(got["executable"], prefix+string(filepath.Separator)) {
		t.Errorf("python ran outside the environment: %v", got)
	}
	if got["secret"] != secret {
		t.Errorf("the kernel got API_KEY=%q, want the sealed value", got["secret"])
	}
	if got["conn"] != conn {
		t.Errorf("connection file %q, want %q", got["conn"], conn)
	}

	// list and remove; --prefix goes to DIR/share/jupyter/kernels.
	jp := t.TempDir()
	p.mustRun("kernel", "install", "-n", "nb", "--lock", lock, "--prefix", jp, "--kernel-name", "other")
	if _, err := os.Stat(filepath.Join(jp, "share", "jupyter", "kernels", "other", "kernel.json")); err != nil {
		t.Errorf("--prefix: %v", err)
	}
	var listed []struct {
		Name    string `json:"name"`
		Envseal bool   `json:"envseal"`
		Prefix  string `json:"prefix"`
		Lock    string `json:"lock"`
	}
	if err := json.Unmarshal([]byte(p.mustRun("kernel", "list", "--json")), &listed); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, k := range listed {
		if k.Name == "envseal-nb" {
			found = k.Envseal && k.Prefix == prefix && k.Lock == lock
		}
	}
	if !found {
		t.Errorf("kernel list: %+v", listed)
	}
	// A kernelspec that is not envseal's is not removed.
	foreign := filepath.Join(data, "kernels", "python3")
	os.MkdirAll(foreign, 0o755)
	os.WriteFile(filepath.Join(foreign, "kernel.json"), []byte(`{"argv":["python","-m","ipykernel_launcher","-f","{connection_file}"],"display_name":"Python 3","language":"python"}`), 0o644)
	if out, err := p.command("kernel", "remove", "python3").CombinedOutput(); err == nil {
		t.Errorf("removed a kernel that is not envseal's: %s", out)
	}
	p.mustRun("kernel", "remove", "envseal-nb")
	if _, err := os.Stat(kdir); !os.IsNotExist(err) {
		t.Errorf("remove left %s: %v", kdir, err)
	}
	p.mustRun("kernel", "remove", "--prefix", jp, "other")
}
