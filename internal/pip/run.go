package pip

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"
)

// Options configure a pip run. The zero value runs pip with an empty
// environment (plus PYTHONNOUSERSITE=1), output discarded, relative paths
// resolved against the current directory.
type Options struct {
	// Dir is the directory relative paths in the entries are resolved
	// against: the environment file's directory. pip also runs there, as
	// under conda. Empty means the current directory.
	Dir string
	// Env is the environment pip starts from, usually os.Environ(). PIP_*
	// and the Python variables listed in the package documentation are
	// removed from it.
	Env []string
	// PipEnv is added after Env is filtered ("KEY=value"); it may set
	// PIP_* (PIP_INDEX_URL, PIP_CERT, …) and the variables that `${VAR}`
	// references in the entries expand to.
	PipEnv []string
	// Isolated makes pip ignore its configuration files (pip.conf in
	// /etc, the user's and the site's) by setting PIP_CONFIG_FILE to
	// os.DevNull, unless PipEnv sets PIP_CONFIG_FILE.
	Isolated bool
	// Python is the interpreter to run; empty means the prefix's own
	// (<prefix>/bin/python, or <prefix>\python.exe on Windows).
	Python string
	// Stdout and Stderr receive pip's output as it runs; nil discards it.
	// The last 64 KiB of each are also kept to build [*Error].
	Stdout, Stderr io.Writer
	// Args are extra arguments appended to the pip install command line
	// (for example "--no-cache-dir").
	Args []string
}

// ErrNoPython is returned when the prefix has no python interpreter: the
// environment needs python (and pip) among its conda dependencies.
var ErrNoPython = errors.New("no python in the environment (add python and pip to its dependencies)")

// ErrNoPip is returned when the prefix's python has no pip module.
var ErrNoPip = errors.New("no pip in the environment (add pip to its dependencies)")

// PythonPath returns the path of the prefix's interpreter: <prefix>/bin/python
// (or <prefix>\python.exe on Windows), as conda runs it for `pip:`.
func PythonPath(prefix string) string {
	if runtime.GOOS == "windows" {
		return filepath.Join(prefix, "python.exe")
	}
	return filepath.Join(prefix, "bin", "python")
}

// scrubbed lists the non-PIP_ variables removed from Options.Env.
var scrubbed = map[string]bool{
	"PYTHONHOME":          true,
	"PYTHONPATH":          true,
	"PYTHONUSERBASE":      true,
	"PYTHONNOUSERSITE":    true,
	"PYTHONSTARTUP":       true,
	"PYTHONINSPECT":       true,
	"PYTHONEXECUTABLE":    true,
	"PYTHONPLATLIBDIR":    true,
	"VIRTUAL_ENV":         true,
	"__PYVENV_LAUNCHER__": true,
}

// childEnv builds the child's environment from opts (see Options.Env).
func childEnv(opts Options) []string {
	var env []string
	for _, kv := range opts.Env {
		k, _, _ := strings.Cut(kv, "=")
		uk := k
		if runtime.GOOS == "windows" {
			uk = strings.ToUpper(k)
		}
		if strings.HasPrefix(uk, "PIP_") || scrubbed[uk] {
			continue
		}
		env = append(env, kv)
	}
	// pip's "Running pip as the 'root' user can result in broken
	// permissions" warning is about the system's site-packages; pip here
	// installs into an isolated prefix, so it is false. PipEnv, appended
	// last, may still ask for it.
	env = append(env, "PYTHONNOUSERSITE=1", "PIP_ROOT_USER_ACTION=ignore")
	if opts.Isolated {
		set := false
		for _, kv := range opts.PipEnv {
			if strings.HasPrefix(kv, "PIP_CONFIG_FILE=") {
				set = true
			}
		}
		if !set {
			env = append(env, "PIP_CONFIG_FILE="+os.DevNull)
		}
	}
	return append(env, opts.PipEnv...)
}

// tail keeps the last max bytes written to it.
type tail struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(p), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}

// runPip runs `python -m pip install args...` for the prefix. op names the
// operation in errors ("install", "resolve", "install locked").
func runPip(ctx context.Context, prefix, op string, args []string, opts Options) error {
	python := opts.Python
	if python == "" {
		python = PythonPath(prefix)
	}
	if _, err := os.Stat(python); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return &Error{Op: op, Prefix: prefix, Err: fmt.Errorf("%s: %w", python, ErrNoPython)}
		}
		return &Error{Op: op, Prefix: prefix, Err: err}
	}
	argv := append([]string{"-m", "pip", "install", "--disable-pip-version-check", "--no-input"}, args...)
	argv = append(argv, opts.Args...)
	cmd := exec.CommandContext(ctx, python, argv...)
	cmd.Dir = opts.Dir
	cmd.Env = childEnv(opts)
	stdout, stderr := &tail{max: 64 << 10}, &tail{max: 64 << 10}
	cmd.Stdout = stdout
	if opts.Stdout != nil {
		cmd.Stdout = io.MultiWriter(opts.Stdout, stdout)
	}
	if opts.Stderr != nil {
		cmd.Stderr = io.MultiWriter(opts.Stderr, stderr)
	} else {
		cmd.Stderr = stderr
	}
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return &Error{Op: op, Prefix: prefix, Err: ctx.Err()}
	}
	return newError(op, prefix, stdout.String(), stderr.String(), err)
}
