package oci

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/content"
	"oras.land/oras-go/v2/errdef"
	"oras.land/oras-go/v2/registry/remote"
	"oras.land/oras-go/v2/registry/remote/auth"
	"oras.land/oras-go/v2/registry/remote/credentials"
	"oras.land/oras-go/v2/registry/remote/errcode"
	"oras.land/oras-go/v2/registry/remote/retry"
)

// ExpectedSHA256Header is the request header by which a caller that knows
// the sha256 of a package archive (internal/pkgcache does) lets [Transport]
// fetch the blob by digest without resolving the tag, as rattler's
// X-Expected-Sha256.
const ExpectedSHA256Header = "X-Expected-Sha256"

// Auth says where registry credentials come from (see the package
// documentation for the order). The zero value is anonymous access.
type Auth struct {
	// Username and Password are used for every registry (the caller reads
	// them from ENVSEAL_OCI_USERNAME / ENVSEAL_OCI_PASSWORD or a sealed
	// secret). Hosts, when not empty, restricts them to those hosts
	// (host or host:port).
	Username, Password string
	Hosts              []string
	// DockerConfig is the path of a docker config.json (its "auths",
	// "credsStore" and "credHelpers"); "" means none. A missing file is
	// no credentials.
	DockerConfig string
}

// Transport is an http.RoundTripper for oci:// URLs of channel files
// (oci://HOST/CHANNEL/SUBDIR/FILE, see [ParseURL]): register it with
// (*http.Transport).RegisterProtocol("oci", t) on the transport that
// fetches repodata and packages. GET and HEAD are supported; a Range
// request ("bytes=N-") is answered with 206 when the registry supports
// ranges. Responses carry the layer digest as ETag and answer a matching
// If-None-Match with 304.
//
// Set the fields before first use; a Transport is then safe for concurrent
// use.
type Transport struct {
	// Base makes the registry's http(s) requests (proxies, CAs); nil means
	// a clone of http.DefaultTransport. It is wrapped in oras-go's retry
	// transport (429, 5xx and network errors, with backoff).
	Base http.RoundTripper
	// Retry overrides the retry policy; nil means oras-go's default
	// (5 retries, 200ms to 3s).
	Retry retry.Policy
	// Auth is where credentials come from.
	Auth Auth
	// Insecure lists hosts (host or host:port) reached over plain HTTP
	// although they are not loopback addresses (insecure_registries).
	Insecure []string
	// UserAgent is sent with registry requests when set.
	UserAgent string

	// beforeTag, when set (tests), runs between pushing a subdir's
	// repodata layers and tagging them.
	beforeTag func(subdir string)
	// settle, when set (tests on a loaded machine), replaces settleTime.
	settle time.Duration

	once   sync.Once
	client *http.Client
	store  credentials.Store
	mu     sync.Mutex
	caches map[string]auth.Cache // token caches per host and username
}

func (t *Transport) init() {
	t.once.Do(func() {
		base := t.Base
		if base == nil {
			base = http.DefaultTransport.(*http.Transport).Clone()
		}
		rt := retry.NewTransport(base)
		if t.Retry != nil {
			p := t.Retry
			rt.Policy = func() retry.Policy { return p }
		}
		t.client = &http.Client{Transport: rt}
		t.caches = map[string]auth.Cache{}
	})
}

// dockerStore opens the docker config lazily (credential helpers run
// only when a registry asks for credentials).
func (t *Transport) dockerStore() (credentials.Store, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.store != nil || t.Auth.DockerConfig == "" {
		return t.store, nil
	}
	s, err := credentials.NewStore(t.Auth.DockerConfig, credentials.StoreOptions{})
	if err != nil {
		return nil, fmt.Errorf("reading docker credentials %s: %w", t.Auth.DockerConfig, err)
	}
	t.store = s
	return s, nil
}

func (t *Transport) staticFor(host string) bool {
	if t.Auth.Username == "" && t.Auth.Password == "" {
		return false
	}
	if len(t.Auth.Hosts) == 0 {
		return true
	}
	name := host
	if i := strings.LastIndexByte(host, ':'); i > 0 && !strings.HasSuffix(host, "]") {
		name = host[:i]
	}
	for _, h := range t.Auth.Hosts {
		if strings.EqualFold(h, host) || strings.EqualFold(h, name) {
			return true
		}
	}
	return false
}

// credential returns the credential function for a request whose URL may
// carry user information, and a key for its token cache.
func (t *Transport) credential(user *url.Userinfo) (auth.CredentialFunc, string) {
	if user != nil {
		pw, _ := user.Password()
		c := auth.Credential{Username: user.Username(), Password: pw}
		return func(context.Context, string) (auth.Credential, error) { return c, nil }, "url:" + user.Username()
	}
	return func(ctx context.Context, host string) (auth.Credential, error) {
		if t.staticFor(host) {
			return auth.Credential{Username: t.Auth.Username, Password: t.Auth.Password}, nil
		}
		s, err := t.dockerStore()
		if err != nil || s == nil {
			return auth.EmptyCredential, err
		}
		return credentials.Credential(s)(ctx, host)
	}, "default"
}

// repository returns an oras-go client for one repository of a registry.
func (t *Transport) repository(host, repo string, user *url.Userinfo) (*remote.Repository, error) {
	t.init()
	r, err := remote.NewRepository(host + "/" + repo)
	if err != nil {
		return nil, err
	}
	cred, key := t.credential(user)
	t.mu.Lock()
	cache := t.caches[host+"\x00"+key]
	if cache == nil {
		cache = auth.NewCache()
		t.caches[host+"\x00"+key] = cache
	}
	t.mu.Unlock()
	hdr := http.Header{}
	if t.UserAgent != "" {
		hdr.Set("User-Agent", t.UserAgent)
	}
	r.Client = &auth.Client{Client: t.client, Cache: cache, Credential: cred, Header: hdr}
	r.PlainHTTP = PlainHTTP(host, t.Insecure)
	return r, nil
}

// Repository returns an oras-go client for repository repo of the registry
// of an oci:// channel URL, with this Transport's credentials, retries and
// plain-HTTP rule. [Publish] uses it; tests and tools may too.
func (t *Transport) Repository(channelURL, repo string) (*remote.Repository, error) {
	u, err := url.Parse(channelURL)
	if err != nil || u.Scheme != "oci" || u.Host == "" {
		return nil, fmt.Errorf("invalid oci channel URL %q", redact(channelURL))
	}
	return t.repository(u.Host, repo, u.User)
}

// RoundTrip serves one GET or HEAD of an oci:// channel file.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		req.Body.Close()
	}
	if req.URL.Scheme != "oci" {
		return nil, fmt.Errorf("oci transport: %s URL", req.URL.Scheme)
	}
	if req.Method != http.MethodGet && req.Method != http.MethodHead {
		return respond(req, http.StatusMethodNotAllowed, "only GET and HEAD"), nil
	}
	tg, err := ParseURL(req.URL)
	if errors.Is(err, ErrUnknownFile) {
		return respond(req, http.StatusNotFound, err.Error()), nil
	}
	if err != nil {
		return nil, err
	}
	ctx := req.Context()
	repo, err := t.repository(tg.Host, tg.Repository, req.URL.User)
	if err != nil {
		return nil, t.fail(tg, err)
	}
	var desc ocispec.Descriptor
	byDigest := false
	if sha := strings.ToLower(req.Header.Get(ExpectedSHA256Header)); sha != "" && tg.Tag != RepodataTag {
		d := digest.NewDigestFromEncoded(digest.SHA256, sha)
		if d.Validate() != nil {
			return nil, fmt.Errorf("oci channel %s: invalid expected sha256 %q", tg.ChannelURL(), sha)
		}
		desc, err = repo.Blobs().Resolve(ctx, d.String())
		if err != nil {
			return t.failResponse(req, tg, fmt.Errorf("blob %s of %s: %w", d, tg.File, err))
		}
		byDigest = true
	} else {
		desc, err = t.layer(ctx, repo, tg)
		if err != nil {
			return t.failResponse(req, tg, err)
		}
	}
	etag := `"` + desc.Digest.String() + `"`
	if inm := req.Header.Get("If-None-Match"); inm != "" && strings.Contains(inm, etag) {
		resp := respond(req, http.StatusNotModified, "")
		resp.Header.Set("ETag", etag)
		return resp, nil
	}
	hdr := http.Header{}
	hdr.Set("ETag", etag)
	hdr.Set("Content-Type", tg.MediaType)
	hdr.Set("Docker-Content-Digest", desc.Digest.String())
	if req.Method == http.MethodHead {
		resp := respond(req, http.StatusOK, "")
		resp.Header = hdr
		resp.ContentLength = desc.Size
		return resp, nil
	}
	rc, err := repo.Blobs().Fetch(ctx, desc)
	if err != nil {
		return t.failResponse(req, tg, fmt.Errorf("blob %s of %s: %w", desc.Digest, tg.File, err))
	}
	off, ranged := rangeStart(req.Header.Get("Range"))
	if ranged && off > 0 && off < desc.Size {
		if s, ok := rc.(io.Seeker); ok {
			if _, err := s.Seek(off, io.SeekStart); err == nil {
				hdr.Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", off, desc.Size-1, desc.Size))
				hdr.Set("Accept-Ranges", "bytes")
				return &http.Response{
					Status: "206 Partial Content", StatusCode: http.StatusPartialContent,
					Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
					Header: hdr, Body: rc, ContentLength: desc.Size - off, Request: req,
				}, nil
			}
		}
	}
	if _, ok := rc.(io.Seeker); ok {
		hdr.Set("Accept-Ranges", "bytes")
	}
	// A blob asked for by its sha256 is checked by the caller, which knows
	// what it wants (internal/pkgcache reports a *VerifyError); a layer
	// found through a tag is checked here against the manifest.
	var body io.ReadCloser = rc
	if !byDigest {
		body = &verifyBody{rc: rc, vr: content.NewVerifyReader(rc, desc), channel: tg.ChannelURL(), file: tg.File}
	}
	return &http.Response{
		Status: "200 OK", StatusCode: http.StatusOK,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: hdr, Body: body, ContentLength: desc.Size, Request: req,
	}, nil
}

// layer resolves the tag of tg and returns the layer of its media type.
func (t *Transport) layer(ctx context.Context, repo *remote.Repository, tg Target) (ocispec.Descriptor, error) {
	mdesc, rc, err := repo.Manifests().FetchReference(ctx, tg.Tag)
	if err != nil {
		return ocispec.Descriptor{}, fmt.Errorf("tag %s of repository %s: %w", tg.Tag, tg.Repository, err)
	}
	defer rc.Close()
	raw, err := content.ReadAll(rc, mdesc)
	if err != nil {
		return ocispec.Descriptor{}, fmt.Errorf("manifest %s:%s: %w", tg.Repository, tg.Tag, err)
	}
	var m ocispec.Manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return ocispec.Descriptor{}, fmt.Errorf("manifest %s:%s: %w", tg.Repository, tg.Tag, err)
	}
	for _, l := range m.Layers {
		if l.MediaType == tg.MediaType {
			return l, nil
		}
	}
	return ocispec.Descriptor{}, fmt.Errorf("manifest %s:%s has no %s layer: %w", tg.Repository, tg.Tag, tg.MediaType, errdef.ErrNotFound)
}

// failResponse turns "not found" into a 404 and rejected credentials into
// a 401 response (which callers report naming the URL); anything else is
// an error naming the channel.
func (t *Transport) failResponse(req *http.Request, tg Target, err error) (*http.Response, error) {
	msg := t.fail(tg, err).Error()
	if errors.Is(err, errdef.ErrNotFound) {
		return respond(req, http.StatusNotFound, msg), nil
	}
	var er *errcode.ErrorResponse
	if errors.As(err, &er) {
		switch er.StatusCode {
		case http.StatusNotFound:
			return respond(req, http.StatusNotFound, msg), nil
		case http.StatusUnauthorized, http.StatusForbidden:
			return respond(req, http.StatusUnauthorized, msg), nil
		}
	}
	return nil, t.fail(tg, err)
}

func (t *Transport) fail(tg Target, err error) error {
	return fmt.Errorf("oci channel %s: %w", tg.ChannelURL(), err)
}

func respond(req *http.Request, code int, msg string) *http.Response {
	body := msg
	if body != "" {
		body += "\n"
	}
	return &http.Response{
		Status:     fmt.Sprintf("%d %s", code, http.StatusText(code)),
		StatusCode: code, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:        http.Header{"Content-Type": {"text/plain; charset=utf-8"}},
		Body:          io.NopCloser(strings.NewReader(body)),
		ContentLength: int64(len(body)),
		Request:       req,
	}
}

// rangeStart parses "bytes=N-".
func rangeStart(v string) (int64, bool) {
	rest, ok := strings.CutPrefix(strings.TrimSpace(v), "bytes=")
	if !ok {
		return 0, false
	}
	a, b, ok := strings.Cut(rest, "-")
	if !ok || b != "" {
		return 0, false
	}
	n, err := strconv.ParseInt(a, 10, 64)
	return n, err == nil && n >= 0
}

// verifyBody checks a whole blob against its descriptor: a wrong size or
// digest is a read error naming the channel, at the end of the body,
// before the reader reports io.EOF.
type verifyBody struct {
	rc      io.ReadCloser
	vr      *content.VerifyReader
	channel string
	file    string
	done    bool
}

func (b *verifyBody) Read(p []byte) (int, error) {
	n, err := b.vr.Read(p)
	if err == io.EOF && !b.done {
		b.done = true
		if verr := b.vr.Verify(); verr != nil {
			return n, &CorruptError{Channel: b.channel, File: b.file, Err: verr}
		}
	}
	if err != nil && err != io.EOF {
		return n, fmt.Errorf("oci channel %s: %s: %w", b.channel, b.file, err)
	}
	return n, err
}

func (b *verifyBody) Close() error { return b.rc.Close() }

// CorruptError is the read error of a response body whose content does
// not match the digest or size of its manifest layer. Its Corrupt method
// tells internal/pkgcache not to retry and to drop the partial download.
type CorruptError struct {
	Channel, File string
	Err           error
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("oci channel %s: %s: content does not match its layer digest: %v", e.Channel, e.File, e.Err)
}
func (e *CorruptError) Unwrap() error { return e.Err }

// Corrupt reports true.
func (e *CorruptError) Corrupt() bool { return true }

// redact drops user information from a URL string for messages.
func redact(raw string) string {
	if i := strings.Index(raw, "://"); i > 0 {
		rest := raw[i+3:]
		host, path, _ := strings.Cut(rest, "/")
		if at := strings.LastIndex(host, "@"); at >= 0 {
			host = host[at+1:]
		}
		if path != "" {
			return raw[:i+3] + host + "/" + path
		}
		return raw[:i+3] + host
	}
	return raw
}
