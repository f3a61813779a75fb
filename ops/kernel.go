package ops

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	"github.com/envseal/envseal/env"
	"github.com/envseal/envseal/kernel"
)

// KernelDirOptions choose the Jupyter data directory: the user's (the
// default), or an installation prefix's (DIR/share/jupyter).
type KernelDirOptions struct {
	User      bool
	PrefixDir string
}

// KernelInstallOptions are the options of [KernelInstall].
type KernelInstallOptions struct {
	Host
	KernelDirOptions
	// Name or Prefix is the environment.
	Name, Prefix string
	// KernelName defaults to envseal-<environment>; DisplayName to
	// "Python (<environment>, envseal)".
	KernelName, DisplayName string
	// Lock is the lockfile whose sealed secrets reach the kernel.
	Lock string
	// Envseal is the envseal executable the kernel starts; "" means this
	// process's own.
	Envseal string
}

// KernelInstallResult names the kernelspec written.
type KernelInstallResult struct {
	Name string `json:"name"`
	Dir  string `json:"dir"`
}

func (h *Host) jupyterDirs() kernel.Dirs {
	d := kernel.Dirs{Home: h.getenv("HOME"), DataDir: h.getenv("JUPYTER_DATA_DIR"),
		XDGDataHome: h.getenv("XDG_DATA_HOME"), GOOS: runtime.GOOS}
	if p := h.getenv("JUPYTER_PATH"); p != "" {
		d.Path = filepath.SplitList(p)
	}
	return d
}

// kernelDataDirs returns the data directory to install into and the
// directories to search (list, remove).
func (h *Host) kernelDataDirs(o KernelDirOptions, verb string) (target string, search []string, err error) {
	if o.User && o.PrefixDir != "" {
		return "", nil, usagef("%s: --user and --prefix cannot be used together", verb)
	}
	if p := o.PrefixDir; p != "" {
		abs, err := filepath.Abs(expandHome(p, h.getenv("HOME")))
		if err != nil {
			return "", nil, err
		}
		dir := kernel.PrefixDataDir(abs)
		return dir, []string{dir}, nil
	}
	d := h.jupyterDirs()
	target, err = d.UserDataDir()
	if err != nil {
		return "", nil, err
	}
	if o.User {
		return target, []string{target}, nil
	}
	return target, d.SearchPath(), nil
}

// KernelInstall writes a Jupyter kernelspec whose argv starts the
// environment's python through `envseal run --lock LOCK -p PREFIX`, so the
// kernel gets the sealed secrets and no file holds them.
func KernelInstall(ctx context.Context, o KernelInstallOptions) (*KernelInstallResult, error) {
	h := &o.Host
	if o.Name != "" && o.Prefix != "" {
		return nil, usagef("kernel install: -n/--name and -p/--path cannot be used together")
	}
	cfg, err := h.config()
	if err != nil {
		return nil, err
	}
	var envName, prefix string
	switch {
	case o.Prefix != "":
		if prefix, err = filepath.Abs(expandHome(o.Prefix, h.getenv("HOME"))); err != nil {
			return nil, err
		}
		envName = filepath.Base(prefix)
	case o.Name != "":
		envName = o.Name
		if err := env.CheckName(envName); err != nil {
			return nil, err
		}
		prefix = filepath.Join(cfg.EnvsDirs[0], envName)
	default:
		return nil, usagef("kernel install: give -n NAME or -p PATH")
	}
	if !prefixExists(prefix) {
		return nil, fmt.Errorf("no environment at %s (create one with `envseal create`)", prefix)
	}
	lockPath := o.Lock
	if lockPath == "" {
		lockPath = "envseal.lock"
	}
	lock, err := filepath.Abs(lockPath)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(lock); err != nil {
		return nil, fmt.Errorf("kernel install: the lock %s: %w (give --lock FILE: its sealed secrets reach the kernel)", lock, err)
	}
	exe := o.Envseal
	if exe == "" {
		if exe, err = os.Executable(); err != nil {
			return nil, fmt.Errorf("kernel install: finding envseal's own path: %w", err)
		}
	}
	if exe, err = filepath.EvalSymlinks(exe); err != nil {
		return nil, err
	}
	name := o.KernelName
	if name == "" {
		name = kernel.NameFor(envName)
	}
	display := o.DisplayName
	if display == "" {
		display = fmt.Sprintf("Python (%s, envseal)", envName)
	}
	target, _, err := h.kernelDataDirs(o.KernelDirOptions, "kernel install")
	if err != nil {
		return nil, err
	}
	dir, err := kernel.Install(kernel.InstallOptions{Name: name, DisplayName: display, Envseal: exe,
		Lock: lock, Prefix: prefix, DataDir: target})
	if err != nil {
		return nil, err
	}
	return &KernelInstallResult{Name: filepath.Base(dir), Dir: dir}, nil
}

// KernelListOptions are the options of [KernelList].
type KernelListOptions struct {
	Host
	KernelDirOptions
}

// KernelList lists the kernelspecs Jupyter would find, envseal's marked.
func KernelList(ctx context.Context, o KernelListOptions) ([]*kernel.Kernel, error) {
	_, search, err := o.Host.kernelDataDirs(o.KernelDirOptions, "kernel list")
	if err != nil {
		return nil, err
	}
	ks, err := kernel.List(search)
	if ks == nil && err == nil {
		ks = []*kernel.Kernel{}
	}
	return ks, err
}

// KernelRemoveOptions are the options of [KernelRemove].
type KernelRemoveOptions struct {
	Host
	KernelDirOptions
	Kernel string
}

// KernelRemove removes an envseal kernelspec (one that launches through
// envseal) and returns its directory.
func KernelRemove(ctx context.Context, o KernelRemoveOptions) (string, error) {
	_, search, err := o.Host.kernelDataDirs(o.KernelDirOptions, "kernel remove")
	if err != nil {
		return "", err
	}
	dir, err := kernel.Remove(search, o.Kernel, false)
	if errors.Is(err, kernel.ErrBadName) {
		return "", usagef("kernel remove: %v", err)
	}
	return dir, err
}
