// Package kernel writes, lists and removes Jupyter kernelspecs that start
// an environment's python through `envseal run`, so that the sealed
// secrets of the environment's lock reach the kernel process and no file.
//
// It follows Jupyter's data directories (jupyter_core.paths): the user
// directory is $JUPYTER_DATA_DIR, else $XDG_DATA_HOME/jupyter or
// ~/.local/share/jupyter (~/Library/Jupyter on macOS); an install with a
// prefix goes to PREFIX/share/jupyter; kernelspecs live in a kernels/NAME
// directory below one of them, as jupyter_client's KernelSpecManager
// installs them. It sits beside the operations package, imports only the
// standard library, and reads no environment variables: the caller passes
// them in [Dirs].
package kernel

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/envseal/envseal/internal/atomicfile"
)

// Spec is a kernelspec, the kernel.json of a kernel directory.
type Spec struct {
	// Argv starts the kernel; "{connection_file}" is replaced by Jupyter.
	Argv []string `json:"argv"`
	// DisplayName is shown in Jupyter's kernel menu.
	DisplayName string `json:"display_name"`
	// Language is the kernel's language ("python").
	Language string `json:"language"`
	// InterruptMode is "signal" or "message" ("" means signal).
	InterruptMode string `json:"interrupt_mode,omitempty"`
	// Env is added to the kernel's environment by Jupyter. envseal
	// leaves it empty: secrets never go into the kernelspec.
	Env map[string]string `json:"env,omitempty"`
	// Metadata is free-form; envseal records the prefix and lock there.
	Metadata map[string]any `json:"metadata,omitempty"`
}

// Validate checks s against Jupyter's kernelspec rules: argv is a
// non-empty list of strings with "{connection_file}" among them,
// display_name and language are non-empty, interrupt_mode is "signal" or
// "message" when set.
func (s *Spec) Validate() error {
	switch {
	case len(s.Argv) == 0:
		return errors.New("kernelspec: argv is empty")
	case !slices.Contains(s.Argv, "{connection_file}"):
		return errors.New("kernelspec: argv does not pass {connection_file}")
	case s.DisplayName == "":
		return errors.New("kernelspec: display_name is empty")
	case s.Language == "":
		return errors.New("kernelspec: language is empty")
	}
	switch s.InterruptMode {
	case "", "signal", "message":
	default:
		return fmt.Errorf("kernelspec: interrupt_mode %q is neither signal nor message", s.InterruptMode)
	}
	return nil
}

// Dirs are the inputs of Jupyter's directory rules, read from the
// environment by the caller.
type Dirs struct {
	// Home is the user's home directory.
	Home string
	// DataDir is $JUPYTER_DATA_DIR, XDGDataHome $XDG_DATA_HOME and Path
	// the entries of $JUPYTER_PATH.
	DataDir, XDGDataHome string
	Path                 []string
	// GOOS chooses macOS's ~/Library/Jupyter; runtime.GOOS usually.
	GOOS string
}

// UserDataDir returns Jupyter's user data directory.
func (d Dirs) UserDataDir() (string, error) {
	switch {
	case d.DataDir != "":
		return d.DataDir, nil
	case d.GOOS == "darwin" && d.Home != "":
		return filepath.Join(d.Home, "Library", "Jupyter"), nil
	case d.XDGDataHome != "":
		return filepath.Join(d.XDGDataHome, "jupyter"), nil
	case d.Home != "":
		return filepath.Join(d.Home, ".local", "share", "jupyter"), nil
	}
	return "", errors.New("no Jupyter data directory: set HOME or JUPYTER_DATA_DIR")
}

// PrefixDataDir is the Jupyter data directory of an installation prefix.
func PrefixDataDir(prefix string) string { return filepath.Join(prefix, "share", "jupyter") }

// systemDataDirs are jupyter_core's SYSTEM_JUPYTER_PATH on Unix.
var systemDataDirs = []string{"/usr/local/share/jupyter", "/usr/share/jupyter"}

// SearchPath returns the data directories Jupyter searches for kernels,
// in its order: $JUPYTER_PATH, the user directory, then extra (for
// example installation prefixes), then the system ones. Duplicates are
// dropped.
func (d Dirs) SearchPath(extra ...string) []string {
	var out []string
	out = append(out, d.Path...)
	if u, err := d.UserDataDir(); err == nil {
		out = append(out, u)
	}
	out = append(out, extra...)
	out = append(out, systemDataDirs...)
	seen := map[string]bool{}
	var uniq []string
	for _, p := range out {
		if p == "" || seen[filepath.Clean(p)] {
			continue
		}
		seen[filepath.Clean(p)] = true
		uniq = append(uniq, filepath.Clean(p))
	}
	return uniq
}

var reName = regexp.MustCompile(`^[a-z0-9._-]+$`)

// ErrBadName is wrapped by errors about kernel names Jupyter refuses.
var ErrBadName = errors.New("invalid kernel name")

// CheckName reports whether name is a kernel name Jupyter accepts: ASCII
// letters, digits, '.', '_' and '-' (Jupyter lowercases it).
func CheckName(name string) error {
	if !reName.MatchString(strings.ToLower(name)) {
		return fmt.Errorf("%w %q: use letters, digits, '.', '_' and '-'", ErrBadName, name)
	}
	return nil
}

// NameFor returns a kernel name for the environment called env:
// "envseal-" followed by env lowercased, with characters Jupyter refuses
// replaced by '-'.
func NameFor(env string) string {
	var b strings.Builder
	b.WriteString("envseal-")
	for _, r := range strings.ToLower(env) {
		if r < 128 && reName.MatchString(string(r)) {
			b.WriteRune(r)
		} else {
			b.WriteByte('-')
		}
	}
	return b.String()
}

// InstallOptions describe one envseal kernel.
type InstallOptions struct {
	// Name is the kernel directory name (see [CheckName]).
	Name string
	// DisplayName is shown by Jupyter; Name when empty.
	DisplayName string
	// Envseal is the absolute path of the envseal executable.
	Envseal string
	// Lock is the absolute path of the environment's lockfile, whose
	// sealed secrets `envseal run` passes to the kernel.
	Lock string
	// Prefix is the absolute path of the environment.
	Prefix string
	// DataDir is the Jupyter data directory to install into.
	DataDir string
}

// Metadata keys envseal writes into a kernelspec's metadata.
const metaKey = "envseal"

// NewSpec returns the kernelspec of o: argv runs
// `ENVSEAL run --lock LOCK -p PREFIX -- python -m ipykernel_launcher -f
// {connection_file}`.
func NewSpec(o InstallOptions) (*Spec, error) {
	for _, p := range []struct{ what, v string }{{"envseal executable", o.Envseal}, {"lock", o.Lock}, {"prefix", o.Prefix}} {
		if !filepath.IsAbs(p.v) {
			return nil, fmt.Errorf("kernel %s: the %s path %q is not absolute", o.Name, p.what, p.v)
		}
	}
	display := o.DisplayName
	if display == "" {
		display = o.Name
	}
	s := &Spec{
		Argv: []string{o.Envseal, "run", "--lock", o.Lock, "-p", o.Prefix, "--",
			"python", "-m", "ipykernel_launcher", "-f", "{connection_file}"},
		DisplayName:   display,
		Language:      "python",
		InterruptMode: "signal",
		Metadata: map[string]any{metaKey: map[string]any{
			"prefix": o.Prefix,
			"lock":   o.Lock,
		}},
	}
	return s, s.Validate()
}

// Kernel is an installed kernelspec.
type Kernel struct {
	// Name is the directory name; Dir the directory.
	Name string `json:"name"`
	Dir  string `json:"dir"`
	// Spec is its kernel.json.
	Spec *Spec `json:"spec"`
	// Envseal is true when it launches through `envseal run`.
	Envseal bool `json:"envseal"`
	// Prefix and Lock are those of an envseal kernel.
	Prefix string `json:"prefix,omitempty"`
	Lock   string `json:"lock,omitempty"`
}

// Install writes DataDir/kernels/NAME/kernel.json atomically, replacing
// the kernelspec of the same name (Jupyter's install --replace). It returns
// the kernel directory.
func Install(o InstallOptions) (string, error) {
	name := strings.ToLower(o.Name)
	if err := CheckName(name); err != nil {
		return "", err
	}
	o.Name = name
	if o.DataDir == "" {
		return "", fmt.Errorf("kernel %s: no Jupyter data directory", name)
	}
	s, err := NewSpec(o)
	if err != nil {
		return "", err
	}
	dir := filepath.Join(o.DataDir, "kernels", name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("kernel %s: %w", name, err)
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", " ")
	if err := enc.Encode(s); err != nil {
		return "", err
	}
	if err := atomicfile.WriteFile(filepath.Join(dir, "kernel.json"), b.Bytes(), 0o644); err != nil {
		return "", fmt.Errorf("kernel %s: %w", name, err)
	}
	return dir, nil
}

// Read reads the kernelspec in dir.
func Read(dir string) (*Kernel, error) {
	file := filepath.Join(dir, "kernel.json")
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	s := new(Spec)
	if err := json.Unmarshal(data, s); err != nil {
		return nil, fmt.Errorf("reading %s: %w", file, err)
	}
	k := &Kernel{Name: filepath.Base(dir), Dir: dir, Spec: s}
	if len(s.Argv) > 6 && s.Argv[1] == "run" && strings.HasPrefix(filepath.Base(s.Argv[0]), "envseal") {
		k.Envseal = true
		for i := 2; i+1 < len(s.Argv) && s.Argv[i] != "--"; i++ {
			switch s.Argv[i] {
			case "--lock":
				k.Lock = s.Argv[i+1]
			case "-p", "--prefix":
				k.Prefix = s.Argv[i+1]
			}
		}
	}
	return k, nil
}

// List returns the kernelspecs found in the kernels/ directory of each
// data directory, in search order; a name found twice is kept where it is
// found first (as Jupyter does). Unreadable kernelspecs are skipped.
func List(dataDirs []string) ([]*Kernel, error) {
	var out []*Kernel
	seen := map[string]bool{}
	for _, d := range dataDirs {
		ents, err := os.ReadDir(filepath.Join(d, "kernels"))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("listing kernels in %s: %w", d, err)
		}
		for _, e := range ents {
			n := strings.ToLower(e.Name())
			if seen[n] || CheckName(n) != nil {
				continue
			}
			k, err := Read(filepath.Join(d, "kernels", e.Name()))
			if err != nil {
				continue
			}
			seen[n] = true
			out = append(out, k)
		}
	}
	return out, nil
}

// ErrNotFound is returned by [Remove] when no data directory holds the
// kernel.
var ErrNotFound = errors.New("no such kernel")

// ErrNotEnvseal is returned by [Remove] for a kernelspec that does not
// launch through envseal (it belongs to someone else).
var ErrNotEnvseal = errors.New("not an envseal kernel")

// Remove deletes the kernel named name from the first data directory that
// holds it and returns its directory. It refuses kernels that do not
// launch through envseal unless force.
func Remove(dataDirs []string, name string, force bool) (string, error) {
	name = strings.ToLower(name)
	if err := CheckName(name); err != nil {
		return "", err
	}
	for _, d := range dataDirs {
		dir := filepath.Join(d, "kernels", name)
		k, err := Read(dir)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if !force && (err != nil || !k.Envseal) {
			return "", fmt.Errorf("kernel %s in %s: %w (remove it with jupyter kernelspec remove)", name, d, ErrNotEnvseal)
		}
		if err := os.RemoveAll(dir); err != nil {
			return "", fmt.Errorf("removing kernel %s: %w", name, err)
		}
		return dir, nil
	}
	return "", fmt.Errorf("kernel %s: %w", name, ErrNotFound)
}

// WriteList prints kernelspecs one a line, envseal's marked with "*" and
// followed by the environment and lock they start.
func WriteList(w io.Writer, ks []*Kernel) {
	for _, k := range ks {
		mark := " "
		if k.Envseal {
			mark = "*"
		}
		fmt.Fprintf(w, "%s %-24s %s\n", mark, k.Name, k.Dir)
		if k.Envseal {
			fmt.Fprintf(w, "    %s (lock %s)\n", k.Prefix, k.Lock)
		}
	}
}
