package ops

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/envseal/envseal/conda"
	"github.com/envseal/envseal/env"
	"github.com/envseal/envseal/internal/pip"
	"github.com/envseal/envseal/internal/progress"
	"github.com/envseal/envseal/lockfile"
)

// pipOptions are the options of every pip run: the environment file's
// directory for relative paths, our environment (pip strips PIP_* itself),
// and pip's output on stderr unless quiet.
func (h *Host) pipOptions(fileDir string, quiet bool) pip.Options {
	o, _ := h.pipRun(fileDir, quiet, "")
	return o
}

// pipRun is pipOptions for a pip step shown on the progress display: on a
// terminal, a line named for the step follows pip's current action
// ("Collecting …", "Installing collected packages …") while it runs, and
// pip's summary lines are printed once it is gone. finish closes the
// display; call it when pip has returned.
func (h *Host) pipRun(fileDir string, quiet bool, step string) (o pip.Options, finish func()) {
	o = h.pipOptionsBase(fileDir, quiet)
	finish = func() {}
	sl, ok := o.Stdout.(*summaryLines)
	if !ok || step == "" {
		return o, finish
	}
	disp := progress.New(h.log(), progress.Options{})
	if disp == nil {
		return o, finish
	}
	bar := disp.StartStep(step)
	var held []string
	sl.hold = func(line string) { held = append(held, line) }
	sl.status = func(line string) { bar.SetName(step + ": " + line) }
	return o, func() {
		bar.Done()
		disp.Close()
		for _, l := range held {
			io.WriteString(h.log(), l)
		}
	}
}

func (h *Host) pipOptionsBase(fileDir string, quiet bool) pip.Options {
	o := pip.Options{Dir: fileDir, Env: withoutVar(h.Environ, "ENVSEAL_IDENTITY"), Stderr: h.log()}
	// the proxies and CA bundle of the configuration, through pip's own
	// variables (set after pip.Options strips PIP_* from Env); the
	// operation has already loaded the configuration, so an error cannot
	// be new here
	if cfg, err := h.config(); err == nil {
		env, warnings := cfg.rc.PipEnv()
		o.PipEnv = append(o.PipEnv, env...)
		for _, w := range warnings {
			h.emit(&ConfigWarning{Msg: w})
		}
	}
	switch {
	case quiet:
	case h.Verbose:
		o.Stdout = h.log()
	default:
		// pip's progress and "Collecting …" lines are noise beside
		// envseal's own display; its summary is kept. On failure the
		// error carries pip's last output in full (pip.Error).
		o.Stdout = &summaryLines{w: h.log()}
	}
	return o
}

// summaryLines passes on only the lines of pip's standard output that say
// what happened ("Successfully installed …") or went wrong, prefixed
// "pip: ".
type summaryLines struct {
	w       io.Writer
	partial []byte
	// hold, when set, receives the summary lines instead of w (a progress
	// display owns the terminal meanwhile); status receives every other
	// line, for the display.
	hold   func(line string)
	status func(line string)
}

func (s *summaryLines) Write(p []byte) (int, error) {
	s.partial = append(s.partial, p...)
	for {
		i := strings.IndexByte(string(s.partial), '\n')
		if i < 0 {
			break
		}
		line := strings.TrimRight(string(s.partial[:i]), "\r")
		s.partial = s.partial[i+1:]
		summary := false
		for _, keep := range []string{"Successfully installed", "ERROR", "WARNING"} {
			if strings.HasPrefix(line, keep) {
				summary = true
				break
			}
		}
		switch {
		case summary && s.hold != nil:
			s.hold("pip: " + line + "\n")
		case summary:
			if _, err := io.WriteString(s.w, "pip: "+line+"\n"); err != nil {
				return len(p), err
			}
		case s.status != nil && strings.TrimSpace(line) != "":
			s.status(strings.TrimSpace(line))
		}
	}
	return len(p), nil
}

// fileDir is the directory of the environment file at path.
func fileDir(path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "."
	}
	return filepath.Dir(abs)
}

// pipSectionError: the conda part is installed, the pip: section is not.
type pipSectionError struct {
	prefix, file string
	err          error
}

func (e *pipSectionError) Error() string {
	return fmt.Sprintf("the conda packages of %s are installed, but the pip: section of %s failed: %v\n(the environment is usable as the conda part left it, and conda-meta/history marks it incomplete; fix the requirement and run `envseal install -p %s -f %s`)", e.prefix, e.file, e.err, e.prefix, e.file)
}
func (e *pipSectionError) Unwrap() error { return e.err }

// installPipSection runs the environment's own pip for the file's pip:
// entries, after the conda packages are linked, as conda does.
func (h *Host) installPipSection(ctx context.Context, prefix, path string, f *env.File, quiet bool) error {
	if f == nil || len(f.Pip) == 0 {
		return nil
	}
	if pkgs, ok, err := pylockSection(f.Pip, path); ok || err != nil {
		if err != nil {
			return err
		}
		return h.installLockedPyPI(ctx, prefix, path, pkgs, h.lookupEnv, quiet)
	}
	o, finish := h.pipRun(fileDir(path), quiet, fmt.Sprintf("pip: %d requirement(s)", len(f.Pip)))
	err := pip.Install(ctx, prefix, f.Pip, o)
	finish()
	if err != nil {
		markIncomplete(prefix, "pip section failed: "+firstLine(err.Error()))
		return &pipSectionError{prefix: prefix, file: path, err: err}
	}
	return nil
}

// installLockedPyPI installs a lock's pip distributions by exact URL and
// hash, without resolving.
func (h *Host) installLockedPyPI(ctx context.Context, prefix, lockPath string, pkgs []*lockfile.PyPIPackage, lookup func(string) (string, bool), quiet bool) error {
	if len(pkgs) == 0 {
		return nil
	}
	dists := make([]pip.Dist, 0, len(pkgs))
	for _, p := range pkgs {
		u := p.URL
		if strings.Contains(u, "${") {
			var err error
			if u, err = lockfile.ExpandChannelURL(u, lookup); err != nil {
				return fmt.Errorf("%s: pip package %s: %w", lockPath, p.Name, err)
			}
		}
		dists = append(dists, pip.Dist{Name: p.Name, Version: p.Version, URL: u, SHA256: p.SHA256, Editable: p.Editable})
	}
	o, finish := h.pipRun(fileDir(lockPath), quiet, fmt.Sprintf("pip: %d locked package(s)", len(dists)))
	err := pip.InstallLocked(ctx, prefix, dists, o)
	finish()
	if err != nil {
		markIncomplete(prefix, "locked pip packages failed: "+firstLine(err.Error()))
		return &pipSectionError{prefix: prefix, file: lockPath, err: err}
	}
	return nil
}

// resolvePipSection locks the pip: entries for the host platform: the
// solved conda packages are linked into a throw-away prefix (from the
// package cache) whose own pip resolves the entries with --dry-run.
func (h *Host) resolvePipSection(ctx context.Context, cfg *config, in *solveInput, recs []*conda.Record, path string) ([]*lockfile.PyPIPackage, error) {
	if pkgs, ok, err := pylockSection(in.file.Pip, path); ok || err != nil {
		return pkgs, err // exactly the pylock.toml's files: nothing to resolve
	}
	tmpParent := filepath.Join(cfg.Root, "tmp")
	if err := os.MkdirAll(tmpParent, 0o755); err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp(tmpParent, "pip-lock-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	prefix := filepath.Join(dir, "env")
	if _, err := h.apply(ctx, cfg, change{link: dependencyOrder(recs)}, applyOptions{prefix: prefix, quiet: true, urlFor: in.setup.credentialedURL}); err != nil {
		return nil, fmt.Errorf("preparing an environment to resolve the pip: section: %w", err)
	}
	dists, err := pip.Resolve(ctx, prefix, in.file.Pip, h.pipOptions(fileDir(path), true))
	if err != nil {
		return nil, fmt.Errorf("locking the pip: section of %s: %w", path, err)
	}
	condaNames := map[string]bool{}
	for _, r := range recs {
		condaNames[pip.NormalizeName(r.Name)] = true
	}
	var out []*lockfile.PyPIPackage
	for _, d := range dists {
		if condaNames[pip.NormalizeName(d.Name)] {
			continue // conda provides it
		}
		out = append(out, &lockfile.PyPIPackage{Name: d.Name, Version: d.Version, URL: d.URL, SHA256: d.SHA256, RequiresDist: d.RequiresDist, RequiresPython: d.RequiresPython, Editable: d.Editable})
	}
	return out, nil
}

// pipExportLines lists what pip installed in prefix (not conda's own
// python packages), as pip: entries; fromHistory keeps what was asked for.
func pipExportLines(ctx context.Context, prefix string, fromHistory bool) ([]string, error) {
	pkgs, err := pip.Installed(ctx, prefix)
	if err != nil {
		if errors.Is(err, pip.ErrNoPython) {
			return nil, nil
		}
		return nil, err
	}
	var out []string
	for _, p := range pkgs {
		if fromHistory && !p.Requested {
			continue
		}
		out = append(out, p.Requirement())
	}
	return out, nil
}

// markIncomplete notes in conda-meta/history that the last operation did
// not finish its pip part.
func markIncomplete(prefix, msg string) {
	f, err := os.OpenFile(filepath.Join(prefix, "conda-meta", "history"), os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return
	}
	defer f.Close()
	_, _ = io.WriteString(f, "# envseal: incomplete: "+strings.ReplaceAll(msg, "\n", " ")+"\n")
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
