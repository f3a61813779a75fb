package pip

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// Package is a distribution installed in a prefix's site-packages, as
// [Installed] reports it.
type Package struct {
	// Name and Version come from the dist-info METADATA.
	Name, Version string
	// Installer is the first line of the dist-info INSTALLER file ("pip",
	// "uv"), "" when there is none.
	Installer string
	// Requested is true when pip left a REQUESTED marker: the user asked
	// for the distribution (not only a dependency). `export
	// --from-history` keeps these.
	Requested bool
	// URL is the PEP 610 direct_url.json URL of a distribution installed
	// from a URL, path or VCS ("" when it came from an index). For VCS it
	// is "<vcs>+<url>@<commit>".
	URL string
	// Editable is true for an editable install (`pip install -e`).
	Editable bool
	// SHA256 is the hex sha256 of the archive a URL install came from
	// (direct_url.json archive_info), "" when pip did not record one.
	SHA256 string
	// DistInfo is the dist-info directory, relative to the prefix, with
	// forward slashes.
	DistInfo string
}

// Requirement returns the `pip:` entry that reinstalls p: "-e PATH" for
// an editable local directory, "name @ URL" for a direct URL install, and
// "name==version" otherwise.
func (p Package) Requirement() string {
	if p.URL != "" {
		if p.Editable {
			if u, err := url.Parse(p.URL); err == nil && u.Scheme == "file" {
				return "-e " + filepath.FromSlash(u.Path)
			}
			return "-e " + p.URL
		}
		return p.Name + " @ " + p.URL
	}
	return p.Name + "==" + p.Version
}

// Installed lists the distributions in the prefix's site-packages
// (lib/python*/site-packages, or Lib/site-packages on Windows) that
// conda did not install, sorted by normalized name: a dist-info whose
// INSTALLER says "conda", or whose files a conda-meta/*.json record lists,
// is conda's and left out. Only .dist-info directories are read (pip has
// written nothing else since 19.x); an unreadable conda-meta record is an
// error naming it. A prefix without site-packages gives an empty list.
func Installed(ctx context.Context, prefix string) ([]Package, error) {
	owned, err := condaOwned(ctx, prefix)
	if err != nil {
		return nil, err
	}
	var sites []string
	for _, pattern := range []string{"lib/python*/site-packages", "Lib/site-packages"} {
		m, err := filepath.Glob(filepath.Join(prefix, filepath.FromSlash(pattern)))
		if err != nil {
			return nil, err
		}
		sites = append(sites, m...)
	}
	var pkgs []Package
	for _, site := range sites {
		ents, err := os.ReadDir(site)
		if err != nil {
			return nil, fmt.Errorf("listing pip packages in %s: %w", site, err)
		}
		for _, e := range ents {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			if !e.IsDir() || !strings.HasSuffix(e.Name(), ".dist-info") {
				continue
			}
			dir := filepath.Join(site, e.Name())
			rel, err := filepath.Rel(prefix, dir)
			if err != nil {
				return nil, err
			}
			rel = filepath.ToSlash(rel)
			if owned[rel] {
				continue
			}
			p, err := readDistInfo(dir)
			if err != nil {
				return nil, err
			}
			if strings.EqualFold(p.Installer, "conda") {
				continue
			}
			p.DistInfo = rel
			pkgs = append(pkgs, p)
		}
	}
	sort.SliceStable(pkgs, func(i, j int) bool { return NormalizeName(pkgs[i].Name) < NormalizeName(pkgs[j].Name) })
	return pkgs, nil
}

// condaOwned returns the dist-info directories (relative to prefix,
// slash-separated) that conda-meta records list files in.
func condaOwned(ctx context.Context, prefix string) (map[string]bool, error) {
	owned := map[string]bool{}
	recs, err := filepath.Glob(filepath.Join(prefix, "conda-meta", "*.json"))
	if err != nil {
		return nil, err
	}
	for _, rec := range recs {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		data, err := os.ReadFile(rec)
		if err != nil {
			return nil, fmt.Errorf("reading conda record %s: %w", rec, err)
		}
		var doc struct {
			Files []string `json:"files"`
		}
		if err := json.Unmarshal(data, &doc); err != nil {
			return nil, fmt.Errorf("reading conda record %s: %w", rec, err)
		}
		for _, f := range doc.Files {
			f = filepath.ToSlash(f)
			for d := path.Dir(f); d != "." && d != "/"; d = path.Dir(d) {
				if strings.HasSuffix(d, ".dist-info") {
					owned[d] = true
					break
				}
			}
		}
	}
	return owned, nil
}

// readDistInfo reads a dist-info directory: METADATA's Name and Version,
// INSTALLER, REQUESTED and direct_url.json.
func readDistInfo(dir string) (Package, error) {
	var p Package
	meta, err := os.ReadFile(filepath.Join(dir, "METADATA"))
	if err != nil {
		return p, fmt.Errorf("reading %s: %w", dir, err)
	}
	p.Name, p.Version = metadataNameVersion(meta)
	if p.Name == "" || p.Version == "" {
		return p, fmt.Errorf("reading %s: METADATA has no Name and Version", dir)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "INSTALLER")); err == nil {
		line, _, _ := strings.Cut(string(b), "\n")
		p.Installer = strings.TrimSpace(line)
	} else if !errors.Is(err, os.ErrNotExist) {
		return p, fmt.Errorf("reading %s: %w", dir, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "REQUESTED")); err == nil {
		p.Requested = true
	}
	if b, err := os.ReadFile(filepath.Join(dir, "direct_url.json")); err == nil {
		var du struct {
			URL     string `json:"url"`
			DirInfo *struct {
				Editable bool `json:"editable"`
			} `json:"dir_info"`
			VCSInfo *struct {
				VCS      string `json:"vcs"`
				CommitID string `json:"commit_id"`
			} `json:"vcs_info"`
			Subdirectory string `json:"subdirectory"`
			ArchiveInfo  *struct {
				Hash   string            `json:"hash"`
				Hashes map[string]string `json:"hashes"`
			} `json:"archive_info"`
		}
		if err := json.Unmarshal(b, &du); err != nil {
			return p, fmt.Errorf("reading %s/direct_url.json: %w", dir, err)
		}
		p.URL = du.URL
		if du.VCSInfo != nil && du.VCSInfo.VCS != "" {
			p.URL = du.VCSInfo.VCS + "+" + du.URL
			if du.VCSInfo.CommitID != "" {
				p.URL += "@" + du.VCSInfo.CommitID
			}
		}
		if du.Subdirectory != "" {
			p.URL += "#subdirectory=" + du.Subdirectory
		}
		p.Editable = du.DirInfo != nil && du.DirInfo.Editable
		if ai := du.ArchiveInfo; ai != nil {
			p.SHA256 = ai.Hashes["sha256"]
			if h, ok := strings.CutPrefix(ai.Hash, "sha256="); ok && p.SHA256 == "" {
				p.SHA256 = h // PEP 610's older, single-hash form
			}
		}
	}
	return p, nil
}

// metadataNameVersion returns the Name and Version fields of a core
// metadata file (RFC 822 style headers, ending at the first blank line).
func metadataNameVersion(meta []byte) (name, version string) {
	sc := bufio.NewScanner(bytes.NewReader(meta))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		if line == "" {
			break
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok || line[0] == ' ' || line[0] == '\t' {
			continue
		}
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "name":
			if name == "" {
				name = strings.TrimSpace(v)
			}
		case "version":
			if version == "" {
				version = strings.TrimSpace(v)
			}
		}
	}
	return name, version
}
