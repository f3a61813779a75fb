package lockfile

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/envseal/envseal/conda"
)

// An @EXPLICIT file is conda's list of package URLs for one platform:
//
//	# platform: linux-64
//	@EXPLICIT
//	https://conda.anaconda.org/conda-forge/linux-64/zlib-1.3.1-hb9d3cd8_2.conda#<md5>
//
// The fragment is the archive's MD5 (32 hex digits), or its SHA-256 as 64
// hex digits, optionally prefixed "sha256:" (conda 24.9 and later read
// both). Lines starting with "#" are comments; conda-lock adds
// "# input_hash: <hash>" and "# pip <name> @ <url>" lines, which are read
// into the content hash and the PyPI part.

// ParseExplicit reads an @EXPLICIT file. The platform comes from the
// "# platform:" line, else from platform, else from the first package URL
// whose subdir is not noarch. Name, version, build, subdir and channel come
// from each URL; build numbers are the build string's trailing digits
// (conda-build's convention; the file does not say). A URL listed twice is
// kept once. Errors name the line.
func ParseExplicit(data []byte, platform conda.Platform) (*Lock, error) {
	if len(data) > maxInputSize {
		return nil, &ParseError{Err: fmt.Errorf("larger than %d bytes", maxInputSize)}
	}
	var (
		filePlatform conda.Platform
		explicit     bool
		pkgs         []*Package
		pypi         []*PyPIPackage
		channels     []string
		inputHash    string
		seen         = map[string]bool{}
	)
	lineNo := 0
	for len(data) > 0 {
		lineNo++
		raw := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			raw, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		line := strings.TrimSpace(string(raw))
		errf := func(format string, args ...any) error {
			return &ParseError{Line: lineNo, Err: fmt.Errorf(format, args...)}
		}
		switch {
		case line == "":
			continue
		case strings.HasPrefix(line, "#"):
			c := strings.TrimSpace(line[1:])
			if v, ok := commentValue(c, "platform:"); ok {
				p, err := conda.ParsePlatform(v)
				if err != nil {
					return nil, errf("%w", err)
				}
				filePlatform = p
			} else if v, ok := commentValue(c, "channels:"); ok && len(channels) == 0 {
				for _, ch := range strings.Split(v, ",") {
					if ch = strings.TrimSpace(ch); ch != "" {
						channels = append(channels, ch)
					}
				}
			} else if v, ok := commentValue(c, "input_hash:"); ok {
				inputHash = v
			} else if rest, ok := strings.CutPrefix(c, "pip "); ok && explicit {
				p, err := parsePipComment(rest)
				if err != nil {
					return nil, errf("%w", err)
				}
				pypi = append(pypi, p)
			}
			continue
		case line == "@EXPLICIT":
			explicit = true
			continue
		case !explicit:
			return nil, errf("%q before the @EXPLICIT line: not an explicit file", truncate(redactURL(line), 80))
		}
		u, frag, _ := strings.Cut(line, "#")
		p, err := packageFromURL(u)
		if err != nil {
			return nil, errf("%w", err)
		}
		if frag != "" {
			if err := setFragmentHash(p, frag); err != nil {
				return nil, errf("%s: %w", redactURL(u), err)
			}
		}
		if seen[p.URL] {
			continue
		}
		seen[p.URL] = true
		pkgs = append(pkgs, p)
	}
	if !explicit {
		return nil, &ParseError{Err: fmt.Errorf("no @EXPLICIT line: not an explicit file")}
	}
	plat := filePlatform
	if plat == "" {
		plat = platform
	}
	if plat == "" {
		for _, p := range pkgs {
			if p.Subdir != "" && p.Subdir != "noarch" {
				plat = conda.Platform(p.Subdir)
				break
			}
		}
	}
	if plat == "" {
		return nil, &ParseError{Err: fmt.Errorf("cannot tell the platform: no \"# platform:\" line and no platform-specific package")}
	}
	if len(channels) == 0 {
		for _, p := range pkgs {
			if p.Channel != "" && !contains(channels, p.Channel) {
				channels = append(channels, p.Channel)
			}
		}
	}
	for _, p := range pkgs {
		if p.Subdir == "" {
			p.Subdir = string(plat)
		}
		p.Noarch = noarchFromBuild(p.Subdir, p.Build)
	}
	l := New()
	l.Metadata.Platforms = []conda.Platform{plat}
	l.Metadata.Channels = channels
	if inputHash != "" {
		l.Metadata.ContentHash = map[conda.Platform]string{plat: inputHash}
	}
	l.Packages = map[conda.Platform][]*Package{plat: pkgs}
	if len(pypi) > 0 {
		l.PyPI = map[conda.Platform][]*PyPIPackage{plat: pypi}
	}
	return l, nil
}

func commentValue(c, key string) (string, bool) {
	if v, ok := strings.CutPrefix(c, key); ok {
		return strings.TrimSpace(v), true
	}
	return "", false
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// setFragmentHash reads an explicit URL's fragment into p's hashes.
func setFragmentHash(p *Package, frag string) error {
	h := strings.ToLower(frag)
	switch {
	case isHex(h, 32):
		p.MD5 = h
	case isHex(h, 64):
		p.SHA256 = h
	case strings.HasPrefix(h, "sha256:") && isHex(h[len("sha256:"):], 64):
		p.SHA256 = h[len("sha256:"):]
	default:
		return fmt.Errorf("fragment %q is neither an MD5 (32 hex digits) nor a SHA-256 (64 hex digits, optionally sha256:)", truncate(frag, 80))
	}
	return nil
}

// parsePipComment reads conda-lock's "# pip <name> @ <url>[#sha256=<hex>]".
func parsePipComment(s string) (*PyPIPackage, error) {
	name, u, ok := strings.Cut(s, " @ ")
	name, u = strings.TrimSpace(name), strings.TrimSpace(u)
	if !ok || name == "" || u == "" || strings.ContainsAny(name+u, " \t\r\v\f") {
		return nil, fmt.Errorf("pip line %q: want \"# pip <name> @ <url>\"", truncate(redactURL(s), 80))
	}
	p := &PyPIPackage{Name: name, URL: u}
	if base, frag, ok := strings.Cut(u, "#"); ok {
		if h, ok := strings.CutPrefix(frag, "sha256="); ok && isHex(strings.ToLower(h), 64) {
			p.URL, p.SHA256 = base, strings.ToLower(h)
		}
	}
	p.Version = pypiVersionFromURL(p.URL)
	return p, nil
}

// pypiVersionFromURL takes the version from a wheel ("name-1.0-py3-none-any.whl")
// or sdist ("name-1.0.tar.gz") file name, "" when it cannot.
func pypiVersionFromURL(u string) string {
	fn := u
	if i := strings.LastIndexByte(fn, '/'); i >= 0 {
		fn = fn[i+1:]
	}
	if i := strings.IndexAny(fn, "#?"); i >= 0 {
		fn = fn[:i]
	}
	switch {
	case strings.HasSuffix(fn, ".whl"):
		parts := strings.Split(strings.TrimSuffix(fn, ".whl"), "-")
		if len(parts) >= 5 {
			return parts[1]
		}
	case strings.HasSuffix(fn, ".tar.gz"), strings.HasSuffix(fn, ".zip"):
		base := strings.TrimSuffix(strings.TrimSuffix(fn, ".tar.gz"), ".zip")
		if i := strings.LastIndexByte(base, '-'); i > 0 {
			return base[i+1:]
		}
	}
	return ""
}

// MarshalExplicit writes the packages of one platform of l as an @EXPLICIT
// file that conda, mamba and micromamba install from. Packages come in
// dependency order (a package after everything it depends on; ties and
// cycles in the lock's order, see [Lock.Sort]), each URL with its MD5 fragment, or its
// SHA-256 ("#sha256:<hex>") when the MD5 is unknown. PyPI packages follow
// as conda-lock's "# pip <name> @ <url>" comments. URLs keep their ${VAR}
// credential placeholders.
func MarshalExplicit(l *Lock, platform conda.Platform) ([]byte, error) {
	if !conda.IsKnownPlatform(string(platform)) {
		return nil, fmt.Errorf("encoding @EXPLICIT: unknown platform %q", platform)
	}
	pkgs := append([]*Package(nil), l.Packages[platform]...)
	for _, p := range pkgs {
		if err := checkPackage(p); err != nil {
			return nil, fmt.Errorf("encoding @EXPLICIT: %s: %w", platform, err)
		}
	}
	var b bytes.Buffer
	b.WriteString("# This file may be used to create an environment using:\n")
	b.WriteString("# $ conda create --name <env> --file <this file>\n")
	fmt.Fprintf(&b, "# platform: %s\n", platform)
	if h := l.Metadata.ContentHash[platform]; h != "" && !strings.ContainsAny(h, "\r\n") {
		fmt.Fprintf(&b, "# input_hash: %s\n", h)
	}
	b.WriteString("@EXPLICIT\n")
	for _, p := range topoSort(pkgs) {
		b.WriteString(redactURL(p.URL))
		switch {
		case p.MD5 != "":
			b.WriteString("#" + p.MD5)
		case p.SHA256 != "":
			b.WriteString("#sha256:" + p.SHA256)
		}
		b.WriteByte('\n')
	}
	pypi := append([]*PyPIPackage(nil), l.PyPI[platform]...)
	sortPyPI(pypi)
	for _, p := range pypi {
		if strings.ContainsAny(p.Name+p.URL, "\r\n ") {
			return nil, fmt.Errorf("encoding @EXPLICIT: pypi package %q: name or url contains white space", p.Name)
		}
		fmt.Fprintf(&b, "# pip %s @ %s", p.Name, redactURL(p.URL))
		if p.SHA256 != "" {
			b.WriteString("#sha256=" + p.SHA256)
		}
		b.WriteByte('\n')
	}
	return b.Bytes(), nil
}

// topoSort orders packages so that each comes after the packages (of the
// same list) it depends on. Among the packages that are ready it keeps the
// order of pkgs, and it breaks a cycle at the first remaining package. A
// list without dependency information (as read from an explicit file) keeps
// its order, so an explicit file that is read and written again is
// unchanged.
func topoSort(pkgs []*Package) []*Package {
	byName := map[string][]int{}
	for i, p := range pkgs {
		byName[p.Name] = append(byName[p.Name], i)
	}
	indeg := make([]int, len(pkgs))
	users := make([][]int, len(pkgs))
	for i, p := range pkgs {
		seen := map[int]bool{}
		for _, d := range p.Depends {
			for _, j := range byName[specName(d)] {
				if j != i && !seen[j] {
					seen[j] = true
					users[j] = append(users[j], i)
					indeg[i]++
				}
			}
		}
	}
	done := make([]bool, len(pkgs))
	out := make([]*Package, 0, len(pkgs))
	for len(out) < len(pkgs) {
		next := -1
		for i := range pkgs {
			if !done[i] && indeg[i] <= 0 {
				next = i
				break
			}
		}
		if next < 0 { // a cycle
			for i := range pkgs {
				if !done[i] {
					next = i
					break
				}
			}
		}
		done[next] = true
		out = append(out, pkgs[next])
		for _, u := range users[next] {
			indeg[u]--
		}
	}
	return out
}

// specName returns the package name of a match spec ("python >=3.10" →
// "python", "numpy[version='>=1']" → "numpy", "conda-forge::zlib" → "zlib").
func specName(spec string) string {
	s := strings.TrimSpace(spec)
	if i := strings.LastIndex(s, "::"); i >= 0 {
		s = s[i+2:]
	}
	end := len(s)
	for i, c := range s {
		if c == ' ' || c == '=' || c == '<' || c == '>' || c == '!' || c == '~' || c == '[' || c == '(' || c == ',' {
			end = i
			break
		}
	}
	return s[:end]
}
