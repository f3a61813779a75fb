package oci

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strings"
)

// Media types of the layout (see the package documentation).
const (
	MediaTypeManifest     = "application/vnd.oci.image.manifest.v1+json"
	MediaTypeConfig       = "application/vnd.unknown.config.v1+json"
	MediaTypeCondaV1      = "application/vnd.conda.package.v1" // .tar.bz2
	MediaTypeCondaV2      = "application/vnd.conda.package.v2" // .conda
	MediaTypeIndexJSON    = "application/vnd.conda.info.index.v1+json"
	MediaTypeRepodata     = "application/vnd.conda.repodata.v1+json"
	MediaTypeRepodataZst  = "application/vnd.conda.repodata.v1+json+zst"
	MediaTypeRepodataGzip = "application/vnd.conda.repodata.v1+json+gzip"
	MediaTypeRepodataBz2  = "application/vnd.conda.repodata.v1+json+bz2"

	// RepodataTag is the tag of a subdir's repodata manifest.
	RepodataTag = "latest"
)

// tagEscapes are the characters of conda versions and builds that OCI tags
// cannot hold, and what the layout writes instead.
var tagEscapes = [...][2]string{{"+", "__p__"}, {"!", "__e__"}, {"=", "__eq__"}}

// EncodeTag returns the tag of a package version and build joined by "-"
// ("1.0+local-h0_1" -> "1.0__p__local-h0_1").
func EncodeTag(versionBuild string) string {
	for _, e := range tagEscapes {
		versionBuild = strings.ReplaceAll(versionBuild, e[0], e[1])
	}
	return versionBuild
}

// DecodeTag reverses [EncodeTag].
func DecodeTag(tag string) string {
	// "__eq__" before "__e__": the latter is a prefix of the former.
	tag = strings.ReplaceAll(tag, "__eq__", "=")
	tag = strings.ReplaceAll(tag, "__p__", "+")
	return strings.ReplaceAll(tag, "__e__", "!")
}

// RepoName returns the last repository path component for a package name:
// the name itself, or "zzz"+name when it starts with "_".
func RepoName(pkg string) string {
	if strings.HasPrefix(pkg, "_") {
		return "zzz" + pkg
	}
	return pkg
}

// Target is what an oci:// URL of a channel file names in the registry.
type Target struct {
	// Host is the registry host[:port].
	Host string
	// Channel is the channel's repository prefix ("channel-mirrors/conda-forge").
	Channel string
	// Subdir is the subdir ("linux-64").
	Subdir string
	// File is the file name asked for ("repodata.json.zst", "pkg-1-0.conda").
	File string
	// Repository is the repository holding it
	// ("channel-mirrors/conda-forge/linux-64/pkg").
	Repository string
	// Tag is the tag of its manifest.
	Tag string
	// MediaType is the media type of the layer holding it.
	MediaType string
}

// ChannelURL returns the credential-free oci:// URL of the target's channel.
func (t Target) ChannelURL() string { return "oci://" + t.Host + "/" + t.Channel }

// ErrUnknownFile is wrapped by [ParseURL] errors for a file name that the
// layout has no place for (such as repodata_shards.msgpack.zst): it is not
// in the registry.
var ErrUnknownFile = errors.New("no such file in the OCI channel layout")

// ParseURL interprets oci://HOST/CHANNEL/SUBDIR/FILE. FILE is a package
// archive (NAME-VERSION-BUILD.conda or .tar.bz2) or repodata.json with an
// optional .zst, .gz or .bz2 suffix. User information is ignored. Errors
// never show it.
func ParseURL(u *url.URL) (Target, error) {
	shown := (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String()
	if u.Scheme != "oci" {
		return Target{}, fmt.Errorf("%s: not an oci:// URL", shown)
	}
	if u.Host == "" {
		return Target{}, fmt.Errorf("%s: no registry host", shown)
	}
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	if len(parts) < 3 {
		return Target{}, fmt.Errorf("%s: want oci://REGISTRY/CHANNEL/SUBDIR/FILE", shown)
	}
	for _, p := range parts {
		if p == "" || p == "." || p == ".." {
			return Target{}, fmt.Errorf("%s: empty or relative path segment", shown)
		}
	}
	n := len(parts)
	t := Target{
		Host:    u.Host,
		Channel: strings.Join(parts[:n-2], "/"),
		Subdir:  parts[n-2],
		File:    parts[n-1],
	}
	name := ""
	switch f := t.File; {
	case f == "repodata.json":
		name, t.Tag, t.MediaType = "repodata.json", RepodataTag, MediaTypeRepodata
	case f == "repodata.json.zst":
		name, t.Tag, t.MediaType = "repodata.json", RepodataTag, MediaTypeRepodataZst
	case f == "repodata.json.gz":
		name, t.Tag, t.MediaType = "repodata.json", RepodataTag, MediaTypeRepodataGzip
	case f == "repodata.json.bz2":
		name, t.Tag, t.MediaType = "repodata.json", RepodataTag, MediaTypeRepodataBz2
	case strings.HasSuffix(f, ".conda"), strings.HasSuffix(f, ".tar.bz2"):
		pkg, vb, err := splitArchive(f)
		if err != nil {
			return Target{}, fmt.Errorf("%s: %w", shown, err)
		}
		name, t.Tag = RepoName(pkg), EncodeTag(vb)
		t.MediaType = MediaTypeCondaV2
		if strings.HasSuffix(f, ".tar.bz2") {
			t.MediaType = MediaTypeCondaV1
		}
	default:
		return Target{}, fmt.Errorf("%s: %w", shown, ErrUnknownFile)
	}
	t.Repository = t.Channel + "/" + t.Subdir + "/" + name
	if !validRepository(t.Repository) {
		return Target{}, fmt.Errorf("%s: repository %q is not a valid OCI repository name", shown, t.Repository)
	}
	if !validTag(t.Tag) {
		return Target{}, fmt.Errorf("%s: tag %q is not a valid OCI tag", shown, t.Tag)
	}
	return t, nil
}

// splitArchive splits NAME-VERSION-BUILD.ext into NAME and VERSION-BUILD.
func splitArchive(fn string) (name, versionBuild string, err error) {
	base := strings.TrimSuffix(strings.TrimSuffix(fn, ".conda"), ".tar.bz2")
	b := strings.LastIndexByte(base, '-')
	if b <= 0 {
		return "", "", fmt.Errorf("package file %q is not NAME-VERSION-BUILD", fn)
	}
	v := strings.LastIndexByte(base[:b], '-')
	if v <= 0 || v+1 == b || b+1 == len(base) {
		return "", "", fmt.Errorf("package file %q is not NAME-VERSION-BUILD", fn)
	}
	return base[:v], base[v+1:], nil
}

// repoRe is the distribution spec's repository name grammar.
var repoRe = regexp.MustCompile(`^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*$`)

func validRepository(r string) bool { return len(r) <= 255 && repoRe.MatchString(r) }

// validTag checks [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}.
func validTag(t string) bool {
	if t == "" || len(t) > 128 || t[0] == '.' || t[0] == '-' {
		return false
	}
	for i := 0; i < len(t); i++ {
		c := t[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}

// PlainHTTP reports whether a registry host[:port] is spoken to over plain
// HTTP: a loopback address or "localhost", or a host that insecure names
// (as host or host:port).
func PlainHTTP(hostport string, insecure []string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return true
	}
	for _, h := range insecure {
		if strings.EqualFold(h, hostport) || strings.EqualFold(h, host) {
			return true
		}
	}
	return false
}
