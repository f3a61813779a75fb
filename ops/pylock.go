package ops

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"

	"github.com/envseal/envseal/conda"
	"github.com/envseal/envseal/internal/pip"
	"github.com/envseal/envseal/lockfile"
)

// pylockSection returns the packages of the pylock.toml that a pip:
// section names with `--pylock FILE` (relative to the environment file
// at envPath); ok is false when the section has no such entry.
func pylockSection(lines []string, envPath string) (pkgs []*lockfile.PyPIPackage, ok bool, err error) {
	rel, ok, err := pip.PylockEntry(lines)
	if err != nil || !ok {
		return nil, false, err
	}
	p := rel
	if !filepath.IsAbs(p) {
		p = filepath.Join(fileDir(envPath), rel)
	}
	data, err := os.ReadFile(p)
	if err != nil {
		return nil, true, fmt.Errorf("%s: pip: section: %w", envPath, err)
	}
	py, err := lockfile.ParsePylock(data)
	if err != nil {
		return nil, true, fmt.Errorf("%s: %w", p, err)
	}
	if pkgs, err = py.InstallSet(); err != nil {
		return nil, true, fmt.Errorf("%s: %w", p, err)
	}
	return pkgs, true, nil
}

// prefixPyPI lists the pip-installed distributions of prefix in the
// lock's form, for exporting an environment as pylock.toml: URL and hash
// come from PEP 610's direct_url.json, which pip writes for the URL
// installs of locked environments; packages installed from an index
// have neither, and pylock.toml export leaves them out with a warning.
func prefixPyPI(ctx context.Context, prefix string) ([]*lockfile.PyPIPackage, error) {
	pkgs, err := pip.Installed(ctx, prefix)
	if err != nil {
		return nil, err
	}
	out := make([]*lockfile.PyPIPackage, 0, len(pkgs))
	for _, p := range pkgs {
		out = append(out, &lockfile.PyPIPackage{Name: p.Name, Version: p.Version, URL: p.URL, SHA256: p.SHA256, Editable: p.Editable})
	}
	return out, nil
}

// warnDropped sends a warning for each thing the format leaves out of l
// (see [lockfile.EncodeWarnings]).
func (h *Host) warnDropped(l *lockfile.Lock, format string, plat conda.Platform) {
	lf, err := lockfile.ParseFormat(format)
	if err != nil {
		return
	}
	for _, w := range lockfile.EncodeWarnings(l, lf, lockfile.EncodeOptions{Platform: plat}) {
		h.warnf("%s", w)
	}
}

// pylockPins returns a pip: section as a lock input: a `--pylock FILE`
// entry also names the file's sha256, so that a changed pylock.toml makes
// the lock stale (lock --check says "pypi specs"). Other sections, and a
// pylock.toml that cannot be read (the solve reports that), are returned
// as they are.
func pylockPins(lines []string, envPath string) []string {
	out := append([]string(nil), lines...)
	rel, ok, err := pip.PylockEntry(lines)
	if err != nil || !ok {
		return out
	}
	p := rel
	if !filepath.IsAbs(p) {
		p = filepath.Join(fileDir(envPath), rel)
	}
	data, err := os.ReadFile(p)
	if err != nil {
		return out
	}
	sum := sha256.Sum256(data)
	return []string{"--pylock " + rel + " sha256:" + hex.EncodeToString(sum[:])}
}
