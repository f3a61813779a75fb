package lockfile

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/envseal/envseal/conda"
)

// Format is a lockfile format.
type Format int

// The formats [Detect] recognizes.
const (
	FormatUnknown   Format = iota
	FormatEnvseal          // envseal.lock
	FormatCondaLock        // conda-lock.yml (conda-lock v1)
	FormatPixi             // pixi.lock (rattler_lock v4–v7)
	FormatExplicit         // conda's @EXPLICIT list
	FormatPylock           // pylock.toml (PEP 751), pip packages only
)

// String returns the usual file name of the format.
func (f Format) String() string {
	switch f {
	case FormatEnvseal:
		return "envseal.lock"
	case FormatCondaLock:
		return "conda-lock.yml"
	case FormatPixi:
		return "pixi.lock"
	case FormatExplicit:
		return "@EXPLICIT"
	case FormatPylock:
		return "pylock.toml"
	}
	return "unknown"
}

// ParseFormat maps a user's name for a format ("envseal", "conda-lock",
// "pixi", "explicit", or a usual file name) to a Format.
func ParseFormat(s string) (Format, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "envseal", "envseal.lock":
		return FormatEnvseal, nil
	case "conda-lock", "conda-lock.yml", "conda-lock.yaml", "condalock":
		return FormatCondaLock, nil
	case "pixi", "pixi.lock":
		return FormatPixi, nil
	case "explicit", "@explicit", "txt":
		return FormatExplicit, nil
	case "pylock", "pylock.toml":
		return FormatPylock, nil
	}
	return FormatUnknown, fmt.Errorf("unknown lockfile format %q (want envseal, conda-lock, pixi, explicit or pylock)", s)
}

// Detect tells the format of a lockfile from its content: an "@EXPLICIT"
// line makes an explicit file; otherwise the top-level YAML keys decide
// ("environments" for pixi.lock, "package" for conda-lock, "metadata" or
// "packages" with "version" for envseal.lock). It reads only the lines
// that start in column 0 and never fails.
func Detect(data []byte) Format {
	keys := map[string]bool{}
	for len(data) > 0 {
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		line = bytes.TrimRight(line, "\r")
		if string(bytes.TrimSpace(line)) == "@EXPLICIT" {
			return FormatExplicit
		}
		if rest, ok := bytes.CutPrefix(line, []byte("lock-version")); ok && bytes.HasPrefix(bytes.TrimLeft(rest, " \t"), []byte("=")) {
			return FormatPylock
		}
		if len(line) == 0 || line[0] == ' ' || line[0] == '\t' || line[0] == '#' || line[0] == '-' {
			continue
		}
		if i := bytes.IndexByte(line, ':'); i > 0 {
			k := strings.Trim(string(line[:i]), `"'`)
			keys[k] = true
		}
	}
	switch {
	case keys["environments"]:
		return FormatPixi
	case keys["package"]:
		return FormatCondaLock
	case keys["version"] && (keys["metadata"] || keys["packages"] || keys["secrets"]):
		return FormatEnvseal
	case keys["version"] && keys["platforms"]:
		return FormatPixi
	}
	return FormatUnknown
}

// DecodeOptions control [Decode].
type DecodeOptions struct {
	// Filename names the input in errors.
	Filename string
	// Format forces a format; FormatUnknown means [Detect].
	Format Format
	// Environment selects the pixi.lock environment ("default" when
	// empty).
	Environment string
	// Platform is the platform of an explicit file that does not say
	// (no "# platform:" line); by default it is taken from the package
	// URLs.
	Platform conda.Platform
}

// Decode reads a lockfile of any supported format into a Lock. Errors are
// [*ParseError] values naming opts.Filename and, where known, the line.
func Decode(data []byte, opts DecodeOptions) (*Lock, error) {
	f := opts.Format
	if f == FormatUnknown {
		f = Detect(data)
	}
	var l *Lock
	var err error
	switch f {
	case FormatEnvseal:
		l, err = Parse(data)
	case FormatCondaLock:
		l, err = ParseCondaLock(data)
	case FormatPixi:
		l, err = ParsePixi(data, opts.Environment)
	case FormatExplicit:
		l, err = ParseExplicit(data, opts.Platform)
	case FormatPylock:
		l, err = ParsePylockLock(data, opts.Platform)
	default:
		err = &ParseError{Err: fmt.Errorf("not a lockfile this build reads (envseal.lock, conda-lock.yml, pixi.lock, pylock.toml or an @EXPLICIT list)")}
	}
	if err != nil {
		return nil, withFile(err, opts.Filename)
	}
	return l, nil
}

// EncodeOptions control [Encode].
type EncodeOptions struct {
	// Environment names the pixi.lock environment ("default" when empty).
	Environment string
	// Platform selects the platform of an explicit file, which holds one;
	// it may be empty when the lock has exactly one platform.
	Platform conda.Platform
}

// Encode writes l in format f.
func Encode(l *Lock, f Format, opts EncodeOptions) ([]byte, error) {
	switch f {
	case FormatEnvseal:
		return Marshal(l)
	case FormatCondaLock:
		return MarshalCondaLock(l)
	case FormatPixi:
		return MarshalPixi(l, opts.Environment)
	case FormatExplicit:
		p := opts.Platform
		if p == "" {
			plats := l.AllPlatforms()
			if len(plats) != 1 {
				return nil, fmt.Errorf("encoding @EXPLICIT: the lock has %d platforms; choose one", len(plats))
			}
			p = plats[0]
		}
		return MarshalExplicit(l, p)
	case FormatPylock:
		p, err := encodePlatform(l, opts.Platform, "pylock.toml")
		if err != nil {
			return nil, err
		}
		py, _ := PylockFromLock(l, p)
		return MarshalPylock(py)
	}
	return nil, fmt.Errorf("encoding: unknown format %v", f)
}

// EncodeWarnings lists what [Encode] in format f leaves out of l, one
// sentence each, so that a caller can tell the user before writing. It
// is empty when f carries everything that matters. It names the
// exclude-newer cut-off, which conda-lock.yml, @EXPLICIT and pylock.toml
// files have no place for, and for pylock.toml the conda packages and the
// pip packages without a hash.
func EncodeWarnings(l *Lock, f Format, opts EncodeOptions) []string {
	var out []string
	if f == FormatPylock {
		if p, err := encodePlatform(l, opts.Platform, "pylock.toml"); err == nil {
			_, out = PylockFromLock(l, p)
			if n := len(l.Packages[p]); n > 0 {
				out = append(out, fmt.Sprintf("pylock.toml holds only the pip packages; the %d conda packages of %s are left out", n, p))
			}
		}
	}
	if !l.Metadata.ExcludeNewer.IsZero() {
		switch f {
		case FormatCondaLock, FormatExplicit, FormatPylock:
			out = append(out, fmt.Sprintf("%s has no place for the exclude-newer cut-off %s; it is left out, so a relock from this file will not know it",
				f, conda.FormatCutoff(l.Metadata.ExcludeNewer)))
		}
	}
	return out
}

// encodePlatform is the platform a one-platform format is written for:
// want, else the lock's only platform.
func encodePlatform(l *Lock, want conda.Platform, format string) (conda.Platform, error) {
	if want != "" {
		return want, nil
	}
	plats := l.AllPlatforms()
	if len(plats) != 1 {
		return "", fmt.Errorf("encoding %s: the lock has %d platforms; choose one", format, len(plats))
	}
	return plats[0], nil
}
