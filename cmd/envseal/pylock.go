package main

import (
	"fmt"
	"os"
	"path/filepath"

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
