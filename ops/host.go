package ops

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"strings"
	"time"

	"github.com/envseal/envseal/conda"
	"github.com/envseal/envseal/internal/hostinfo"
	"github.com/envseal/envseal/internal/pkgcache"
	"github.com/envseal/envseal/internal/writelock"
	pfx "github.com/envseal/envseal/prefix"
)

// Host is what an operation knows of the process it runs in. The caller
// fills it: the library reads no environment variables, flags or
// os.Args of its own.
type Host struct {
	// Config is the configuration (see [LoadConfig]); nil loads it from
	// Environ.
	Config *Config
	// Environ is the process environment, "KEY=value" as os.Environ gives
	// it. Children (pip, activation scripts, run) start from it, and the
	// conda settings that are environment variables are read from it:
	// CONDA_SUBDIR, CONDA_OFFLINE, CONDA_OVERRIDE_*, HOME, ENVSEAL_IDENTITY,
	// ENVSEAL_IDENTITY_FILE, XDG_CONFIG_HOME, CONDA_PREFIX and the ${VAR}
	// placeholders of channel URLs.
	Environ []string
	// Events receives progress and messages; nil discards them.
	Events Events
	// Log receives progress displays and the output of the tools an
	// operation runs (pip); nil discards it.
	Log io.Writer
	// Quiet turns off progress displays and tools' standard output.
	Quiet bool
	// Verbose shows tools' output (pip's) in full; by default only their
	// summary lines are shown, and everything when they fail.
	Verbose bool
	// Args is the command line recorded in conda-meta/history (channel
	// credentials are redacted); nil records none.
	Args []string
	// Version is envseal's version, recorded in conda-meta and sent as the
	// user agent.
	Version string
}

func (h *Host) lookupEnv(key string) (string, bool) {
	for i := len(h.Environ) - 1; i >= 0; i-- {
		if k, v, ok := strings.Cut(h.Environ[i], "="); ok && k == key {
			return v, true
		}
	}
	return "", false
}

func (h *Host) getenv(key string) string {
	v, _ := h.lookupEnv(key)
	return v
}

// config returns the configuration, loading it from Environ when the
// caller gave none.
func (h *Host) config() (*Config, error) {
	if h.Config != nil {
		return h.Config, nil
	}
	cfg, err := LoadConfig(h.getenv)
	if err != nil {
		return nil, err
	}
	h.Config = cfg
	return cfg, nil
}

func (h *Host) emit(e Event) {
	if h.Events != nil {
		h.Events.Event(e)
	}
}

// warnConfig sends the configuration's warnings, once.
func (h *Host) warnConfig(cfg *Config) {
	cfg.warn(func(m string) { h.emit(&ConfigWarning{Msg: m}) })
}

func (h *Host) warnf(format string, args ...any) {
	h.emit(&Warning{Msg: fmt.Sprintf(format, args...)})
}

func (h *Host) noticef(format string, args ...any) {
	h.emit(&Notice{Msg: fmt.Sprintf(format, args...)})
}

func (h *Host) log() io.Writer {
	if h.Log == nil {
		return io.Discard
	}
	return h.Log
}

// Events receives what an operation reports while it works. Calls come
// from the goroutine that called the operation.
type Events interface {
	Event(Event)
}

// EventFunc adapts a function to [Events].
type EventFunc func(Event)

// Event calls f(e).
func (f EventFunc) Event(e Event) { f(e) }

// TextEvents prints warnings and notices on w as envseal's command line
// does ("envseal: warning: …", "warning: …" for the configuration's,
// "envseal: …") and passes every other event to other (nil drops them).
func TextEvents(w io.Writer, other func(Event)) Events {
	return EventFunc(func(e Event) {
		switch e := e.(type) {
		case *Warning:
			fmt.Fprintf(w, "envseal: warning: %s\n", e.Msg)
		case *ConfigWarning:
			fmt.Fprintln(w, "warning:", e.Msg)
		case *Notice:
			fmt.Fprintf(w, "envseal: %s\n", e.Msg)
		default:
			if other != nil {
				other(e)
			}
		}
	})
}

// Event is one of [*Warning], [*ConfigWarning], [*Notice], [*PlanReady], [*ChangeReady] and
// [*LockedPlanReady].
type Event interface{ event() }

// Warning is a problem the operation went on after (a skipped conda-meta
// record, a clobbered file, an environment file key conda ignores).
type Warning struct{ Msg string }

// ConfigWarning is a problem in the configuration files that was skipped
// (an unknown value, a key of the wrong type).
type ConfigWarning struct{ Msg string }

// Notice is a message for the user about what happened ("locked 12
// packages for linux-64"). Notices a quiet Host would not show are not
// sent.
type Notice struct{ Msg string }

// PlanReady is sent by Create before it links anything: the solved
// environment it is about to build.
type PlanReady struct{ Plan *Plan }

// ChangeReady is sent by Install, Update, Remove and InstallLocked before
// they change a prefix: what will be linked and unlinked.
type ChangeReady struct {
	Prefix    string
	Change    Change
	Installed *pfx.PrefixData
}

// LockedPlanReady is sent by CreateFromLock before it links anything.
type LockedPlanReady struct {
	File     string
	Platform conda.Platform
	Prefix   string
	Records  []*conda.Record // in dependency order
}

func (*Warning) event()         {}
func (*ConfigWarning) event()   {}
func (*Notice) event()          {}
func (*PlanReady) event()       {}
func (*ChangeReady) event()     {}
func (*LockedPlanReady) event() {}

// UsageError is a mistake in what an operation was asked to do (a bad
// spec, a missing name, options that exclude each other).
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

func usagef(format string, args ...any) error {
	return &UsageError{Msg: fmt.Sprintf(format, args...)}
}

// packageCache returns the shared package cache for cfg, downloading
// through cfg's proxies and CAs.
func (h *Host) packageCache(cfg *Config, quiet bool) (*pkgcache.Cache, error) {
	h.warnConfig(cfg)
	client, err := cfg.httpClient(0) // pkgcache bounds stalls itself
	if err != nil {
		return nil, err
	}
	c := &pkgcache.Cache{Dirs: cfg.PkgsDirs, HTTPClient: client}
	if !quiet && h.Log != nil {
		c.Progress = h.Log
	}
	// Real packages (ncurses' terminfo) hold names differing only by case;
	// that is only a hazard on case-insensitive file systems.
	c.Extract.AllowCaseCollisions = caseSensitiveFS()
	return c, nil
}

// caseSensitiveFS reports whether the usual file systems of this OS tell
// names apart by case (Linux yes; macOS and Windows no by default).
func caseSensitiveFS() bool {
	return runtime.GOOS != "darwin" && runtime.GOOS != "windows"
}

// virtualPackages returns the virtual packages for plat: detected on this
// machine when plat is the host's, else defaults for the foreign platform
// (marked Defaulted); CONDA_OVERRIDE_* apply either way.
func (h *Host) virtualPackages(plat conda.Platform) ([]conda.VirtualPackage, error) {
	return hostinfo.Detect(plat, h.lookupEnv)
}

// withoutVar returns environ without key.
func withoutVar(environ []string, key string) []string {
	out := environ[:0:0]
	for _, kv := range environ {
		if k, _, _ := strings.Cut(kv, "="); k != key {
			out = append(out, kv)
		}
	}
	return out
}

// Config is everything an operation needs to know about where things live
// and which channels to use. Make one with [LoadConfig]: its unexported
// parts (the merged settings and the HTTP transport) come from there.
type Config = config

// LoadConfig reads the configuration: ~/.condarc (or $CONDARC), then
// ~/.envsealrc (or $ENVSEALRC), then the ENVSEAL_* and CONDA_* variables
// getenv returns. getenv is the caller's view of the environment.
func LoadConfig(getenv func(string) string) (*Config, error) { return loadConfig(getenv) }

// lockForWrite takes the write lock of target (a file the operation reads,
// changes and writes back) for the whole read-modify-write, saying once
// (a Notice) whom it waits for. Release the lock after the rename.
func (h *Host) lockForWrite(ctx context.Context, target string, timeout time.Duration) (*writelock.Lock, error) {
	return writelock.Acquire(ctx, target, writelock.Options{
		Timeout: timeout,
		Waiting: func(pid int) {
			if pid > 0 {
				h.noticef("waiting for another envseal writing %s (pid %d)", target, pid)
			} else {
				h.noticef("waiting for another envseal writing %s", target)
			}
		},
	})
}
