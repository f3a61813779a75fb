package pip

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// ErrNoHash is wrapped by [InstallLocked]'s error for a distribution
// without a sha256 (a directory, an editable or a VCS reference), which
// pip cannot verify.
var ErrNoHash = errors.New("locked distribution has no sha256 (directories, editables and VCS references cannot be installed with --require-hashes)")

// writeRequirements writes text into a new temporary directory as
// condaenv.requirements.txt and returns its path and a cleanup function.
func writeRequirements(text string) (string, func(), error) {
	dir, err := os.MkdirTemp("", "envseal-pip-")
	if err != nil {
		return "", nil, err
	}
	cleanup := func() { os.RemoveAll(dir) }
	path := filepath.Join(dir, "condaenv.requirements.txt")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		cleanup()
		return "", nil, err
	}
	return path, cleanup, nil
}

// absDir returns opts.Dir made absolute ("" means the current directory).
func absDir(dir string) (string, error) {
	if dir == "" {
		dir = "."
	}
	return filepath.Abs(dir)
}

// prepare writes the requirements file for lines (see [RequirementsFile])
// and returns its path, a cleanup function and the options with Dir made
// absolute.
func prepare(op, prefix string, lines []string, opts Options) (string, func(), Options, error) {
	dir, err := absDir(opts.Dir)
	if err != nil {
		return "", nil, opts, &Error{Op: op, Prefix: prefix, Err: err}
	}
	opts.Dir = dir
	text, err := RequirementsFile(lines, dir)
	if err != nil {
		return "", nil, opts, &Error{Op: op, Prefix: prefix, Message: err.Error(), Err: err}
	}
	path, cleanup, err := writeRequirements(text)
	if err != nil {
		return "", nil, opts, &Error{Op: op, Prefix: prefix, Err: fmt.Errorf("writing the requirements file: %w", err)}
	}
	return path, cleanup, opts, nil
}

// Install runs `<prefix>/bin/python -m pip install -U -r FILE
// --exists-action=b` in opts.Dir, where FILE holds lines (the `pip:`
// entries, see [RequirementsFile]), as conda does for an environment
// file's `pip:` section. pip's output goes to opts.Stdout and
// opts.Stderr. Empty lines install nothing and return nil. A failure is
// an [*Error] naming the failing requirement when pip did; pip checks
// everything it can before it changes the prefix, so a requirement that
// does not resolve leaves the prefix as it was.
func Install(ctx context.Context, prefix string, lines []string, opts Options) error {
	if !hasEntries(lines) {
		return nil
	}
	path, cleanup, opts, err := prepare("install", prefix, lines, opts)
	if err != nil {
		return err
	}
	defer cleanup()
	return runPip(ctx, prefix, "install", []string{"-U", "-r", path, "--exists-action=b"}, opts)
}

// hasEntries reports whether lines hold anything but blanks and comments.
func hasEntries(lines []string) bool {
	for _, l := range lines {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			return true
		}
	}
	return false
}

// InstallLocked installs exactly dists into the prefix: one line
// "name @ URL --hash=sha256:HEX" each ([Dist.Requirement]), with
// `--no-deps --require-hashes`, so pip resolves nothing, consults no
// index and verifies every file. A dist without a sha256 is refused
// before pip runs ([ErrNoHash]). URLs may hold `${VAR}` credentials that
// opts.PipEnv defines; credentials that pip removed from a lock's URLs can
// come back through PIP_EXTRA_INDEX_URL in opts.PipEnv (pip applies an
// index URL's credentials to files under it) or a netrc file. opts.Dir
// is unused. Errors are [*Error] naming the failing distribution.
func InstallLocked(ctx context.Context, prefix string, dists []Dist, opts Options) error {
	if len(dists) == 0 {
		return nil
	}
	const op = "install locked"
	var b strings.Builder
	seen := map[string]bool{}
	for _, d := range dists {
		id := d.Name + "==" + d.Version
		switch {
		case d.Name == "" || d.URL == "":
			return &Error{Op: op, Prefix: prefix, Requirement: id, Message: "locked distribution needs a name and a URL", Err: ErrReport}
		case d.SHA256 == "":
			return &Error{Op: op, Prefix: prefix, Requirement: id, Message: ErrNoHash.Error(), Err: ErrNoHash}
		case !hexSHA256.MatchString(d.SHA256):
			return &Error{Op: op, Prefix: prefix, Requirement: id, Message: fmt.Sprintf("malformed sha256 %q", d.SHA256), Err: ErrReport}
		case strings.ContainsAny(d.URL, " \t\n\r") || strings.ContainsAny(d.Name, " \t\n\r@;"):
			return &Error{Op: op, Prefix: prefix, Requirement: id, Message: "whitespace in the name or URL", Err: ErrReport}
		case seen[NormalizeName(d.Name)]:
			return &Error{Op: op, Prefix: prefix, Requirement: id, Message: "locked twice", Err: ErrReport}
		}
		seen[NormalizeName(d.Name)] = true
		b.WriteString(d.Requirement())
		b.WriteByte('\n')
	}
	path, cleanup, err := writeRequirements(b.String())
	if err != nil {
		return &Error{Op: op, Prefix: prefix, Err: fmt.Errorf("writing the requirements file: %w", err)}
	}
	defer cleanup()
	opts.Dir = ""
	return runPip(ctx, prefix, op, []string{"--no-deps", "--require-hashes", "-r", path}, opts)
}

// Resolve returns what pip would install for lines into an empty
// environment with the prefix's python (its version and platform decide
// the wheels): `pip install --dry-run --ignore-installed --report FILE
// -r REQS`, parsed with [ParseReport], sorted by normalized name. pip's
// progress goes to opts.Stdout as for [Install] (not --quiet, which would
// hide why a resolution failed; add it to opts.Args to have it).
// Because installed packages are ignored, the result includes packages
// that conda already provides in the prefix when a `pip:` entry depends
// on them; callers that lock both may drop those names. Where an entry
// was "name @ URL" with `${VAR}` credentials, the dist's URL keeps the
// reference (pip reports it without credentials). Nothing is installed.
func Resolve(ctx context.Context, prefix string, lines []string, opts Options) ([]Dist, error) {
	const op = "resolve"
	if !hasEntries(lines) {
		return nil, nil
	}
	path, cleanup, opts, err := prepare(op, prefix, lines, opts)
	if err != nil {
		return nil, err
	}
	defer cleanup()
	report := filepath.Join(filepath.Dir(path), "report.json")
	args := []string{"--dry-run", "--ignore-installed", "--report", report, "-r", path}
	if err := runPip(ctx, prefix, op, args, opts); err != nil {
		return nil, err
	}
	data, err := os.ReadFile(report)
	if err != nil {
		return nil, &Error{Op: op, Prefix: prefix, Err: fmt.Errorf("reading pip's report: %w", err)}
	}
	dists, err := ParseReport(data)
	if err != nil {
		return nil, &Error{Op: op, Prefix: prefix, Err: err}
	}
	restoreEnvCredentials(dists, lines)
	return dists, nil
}

// restoreEnvCredentials puts `${VAR}` credentials of "name @ URL" entries
// back into the matching dists' URLs.
func restoreEnvCredentials(dists []Dist, lines []string) {
	orig := map[string]string{}
	for _, l := range lines {
		_, u, ok := strings.Cut(l, "@")
		if !ok {
			continue
		}
		u = strings.TrimSpace(u)
		if i := strings.IndexAny(u, " \t;"); i >= 0 {
			u = u[:i]
		}
		if _, auth, _, ok := splitAuthority(u); ok && strings.Contains(auth, "${") {
			bare, _, _ := strings.Cut(u, "#")
			orig[stripUserinfo(bare)] = bare
		}
	}
	if len(orig) == 0 {
		return
	}
	for i := range dists {
		bare, frag, hasFrag := strings.Cut(dists[i].URL, "#")
		if o, ok := orig[stripUserinfo(bare)]; ok {
			dists[i].URL = o
			if hasFrag {
				dists[i].URL += "#" + frag
			}
		}
	}
}
