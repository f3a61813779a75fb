package pip

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strings"
)

// Dist is one resolved distribution: what a lock records for a `pip:`
// entry and what [InstallLocked] installs.
type Dist struct {
	// Name is the project name as its metadata spells it ("Hello_Pkg").
	Name string
	// Version is the distribution's version.
	Version string
	// URL is where the artifact comes from: a wheel or sdist URL, a VCS
	// reference ("git+https://host/repo@<commit>"), or a file:// URL of a
	// local directory. pip removes user:password from URLs in its report
	// unless they are `${VAR}` references; see [RedactURL].
	URL string
	// SHA256 is the artifact's hex sha256; "" for directories and VCS
	// references, which [InstallLocked] refuses.
	SHA256 string
	// Requested is true for distributions named by the entries, false
	// for dependencies.
	Requested bool
	// Editable is true for `-e` entries.
	Editable bool
	// RequiresDist are the distribution's PEP 508 requirements
	// (metadata Requires-Dist), nil when it has none.
	RequiresDist []string
	// RequiresPython is its metadata Requires-Python, "" when absent.
	RequiresPython string
}

// Requirement returns the requirements-file line that installs exactly d:
// "name @ URL --hash=sha256:HEX" (without the hash when d has none).
func (d Dist) Requirement() string {
	s := d.Name + " @ " + d.URL
	if d.SHA256 != "" {
		s += " --hash=sha256:" + d.SHA256
	}
	return s
}

// ReportVersion is the pip installation report format version
// [ParseReport] reads.
const ReportVersion = "1"

// reportDoc is the part of pip's installation report (`pip install
// --report`) that is read.
type reportDoc struct {
	Version *string `json:"version"`
	Install []struct {
		DownloadInfo *struct {
			URL          string `json:"url"`
			Subdirectory string `json:"subdirectory"`
			ArchiveInfo  *struct {
				Hash   string            `json:"hash"`
				Hashes map[string]string `json:"hashes"`
			} `json:"archive_info"`
			DirInfo *struct {
				Editable bool `json:"editable"`
			} `json:"dir_info"`
			VCSInfo *struct {
				VCS      string `json:"vcs"`
				CommitID string `json:"commit_id"`
			} `json:"vcs_info"`
		} `json:"download_info"`
		Requested bool `json:"requested"`
		Metadata  *struct {
			Name           string   `json:"name"`
			Version        string   `json:"version"`
			RequiresDist   []string `json:"requires_dist"`
			RequiresPython string   `json:"requires_python"`
		} `json:"metadata"`
	} `json:"install"`
}

// ErrReport is wrapped by [ParseReport]'s errors.
var ErrReport = errors.New("invalid pip installation report")

var hexSHA256 = regexp.MustCompile(`^[0-9a-f]{64}$`)

// ParseReport reads a pip installation report (version "1", pip >= 23.0)
// and returns its distributions sorted by normalized name. Each item
// needs metadata.name, metadata.version and download_info.url
// (metadata.requires_dist and requires_python are kept); the sha256
// comes from download_info.archive_info.hashes.sha256 or, failing that,
// archive_info.hash ("sha256=HEX"). A VCS item's URL becomes
// "<vcs>+<url>@<commit_id>"; a subdirectory is kept as
// "#subdirectory=…". Errors wrap [ErrReport] and name the item.
func ParseReport(data []byte) ([]Dist, error) {
	var doc reportDoc
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrReport, err)
	}
	if doc.Version == nil {
		return nil, fmt.Errorf("%w: no version", ErrReport)
	}
	if *doc.Version != ReportVersion {
		return nil, fmt.Errorf("%w: version %q, want %q", ErrReport, *doc.Version, ReportVersion)
	}
	dists := make([]Dist, 0, len(doc.Install))
	seen := map[string]bool{}
	for i, it := range doc.Install {
		if it.Metadata == nil || it.Metadata.Name == "" || it.Metadata.Version == "" {
			return nil, fmt.Errorf("%w: install[%d] has no metadata name and version", ErrReport, i)
		}
		id := it.Metadata.Name + " " + it.Metadata.Version
		di := it.DownloadInfo
		if di == nil || di.URL == "" {
			return nil, fmt.Errorf("%w: %s has no download_info.url", ErrReport, id)
		}
		d := Dist{Name: it.Metadata.Name, Version: it.Metadata.Version, URL: di.URL, Requested: it.Requested,
			RequiresDist: it.Metadata.RequiresDist, RequiresPython: it.Metadata.RequiresPython}
		switch {
		case di.ArchiveInfo != nil:
			h := strings.ToLower(di.ArchiveInfo.Hashes["sha256"])
			if h == "" {
				if algo, v, ok := strings.Cut(di.ArchiveInfo.Hash, "="); ok && strings.EqualFold(algo, "sha256") {
					h = strings.ToLower(v)
				}
			}
			if h != "" && !hexSHA256.MatchString(h) {
				return nil, fmt.Errorf("%w: %s: malformed sha256 %q", ErrReport, id, h)
			}
			d.SHA256 = h
		case di.VCSInfo != nil:
			if di.VCSInfo.VCS == "" || di.VCSInfo.CommitID == "" {
				return nil, fmt.Errorf("%w: %s: vcs_info without vcs and commit_id", ErrReport, id)
			}
			d.URL = di.VCSInfo.VCS + "+" + di.URL + "@" + di.VCSInfo.CommitID
		case di.DirInfo != nil:
			d.Editable = di.DirInfo.Editable
		}
		if di.Subdirectory != "" {
			d.URL += "#subdirectory=" + di.Subdirectory
		}
		key := NormalizeName(d.Name)
		if seen[key] {
			return nil, fmt.Errorf("%w: %s appears twice", ErrReport, d.Name)
		}
		seen[key] = true
		dists = append(dists, d)
	}
	sortDists(dists)
	return dists, nil
}

// sortDists sorts by normalized name.
func sortDists(d []Dist) {
	sort.SliceStable(d, func(i, j int) bool { return NormalizeName(d[i].Name) < NormalizeName(d[j].Name) })
}

var nameRun = regexp.MustCompile(`[-_.]+`)

// NormalizeName returns the PEP 503 normalized form of a project name:
// lower case, runs of '-', '_' and '.' replaced by one '-'.
func NormalizeName(name string) string {
	return strings.ToLower(nameRun.ReplaceAllString(name, "-"))
}

// envRef matches a `${VAR}` reference as pip expands it in requirements
// files.
var envRef = regexp.MustCompile(`^\$\{[A-Z0-9_]+\}$`)

// RedactURL replaces the user:password part of rawURL with a `${varName}`
// reference and returns the new URL and the removed credentials
// ("user:password" exactly as in the URL, percent-encoding kept, so that
// substituting them back gives the same URL), which the caller stores as a secret and
// later passes to pip as varName=credentials in [Options].PipEnv: pip
// expands `${VAR}` in requirements files, so the URL works again without
// the secret ever being written down. A URL without credentials, or whose
// credentials already are a `${VAR}` reference, is returned unchanged
// with "". varName must be upper case letters, digits and '_'.
func RedactURL(rawURL, varName string) (redacted, credentials string, err error) {
	if !envRef.MatchString("${" + varName + "}") {
		return "", "", fmt.Errorf("redacting URL: variable name %q is not [A-Z0-9_]+", varName)
	}
	scheme, authority, rest, ok := splitAuthority(rawURL)
	at := strings.LastIndexByte(authority, '@')
	if !ok || at < 0 || envRef.MatchString(authority[:at]) {
		return rawURL, "", nil
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return "", "", fmt.Errorf("redacting URL: %w", err)
	}
	if u.User == nil {
		return rawURL, "", nil
	}
	// Rebuild by hand: url.URL.String would escape "${}" in the userinfo.
	return scheme + "${" + varName + "}" + authority[at:] + rest, authority[:at], nil
}

// splitAuthority splits "scheme://authority/rest" after "://" and
// before the first '/', '?' or '#'.
func splitAuthority(raw string) (scheme, authority, rest string, ok bool) {
	i := strings.Index(raw, "://")
	if i < 0 {
		return "", "", "", false
	}
	after := raw[i+3:]
	end := strings.IndexAny(after, "/?#")
	if end < 0 {
		end = len(after)
	}
	return raw[:i+3], after[:end], after[end:], true
}

// stripUserinfo removes user:password@ from a URL string (for matching
// report URLs, which pip redacts, against the entries).
func stripUserinfo(raw string) string {
	scheme, authority, rest, ok := splitAuthority(raw)
	if !ok {
		return raw
	}
	if at := strings.LastIndexByte(authority, '@'); at >= 0 {
		return scheme + authority[at+1:] + rest
	}
	return raw
}
