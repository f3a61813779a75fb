package oci

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// requests records "ANON GET path" for requests turned away with a
// challenge and "GET path" for authorized ones.

// fakeRegistry answers the read side of the OCI distribution API the way
// ghcr.io does for the conda-forge mirror: a 401 with a Bearer challenge,
// a token endpoint (anonymous, or checking basic auth), manifests by tag
// and blobs by digest. Its content is synthetic (built by the tests from
// the layout), and it can be told to answer 429 or serve wrong bytes.
type fakeRegistry struct {
	srv *httptest.Server

	mu        sync.Mutex
	manifests map[string][]byte // "repo:tag" -> manifest
	blobs     map[string][]byte // "repo@digest" -> content
	corrupt   map[string][]byte // digest -> bytes served instead
	user, pw  string            // required by the token endpoint when set
	tooMany   map[string]int    // path -> 429 answers still to give
	requests  []string          // "GET /v2/..." in order
	scopes    []string          // scopes asked of the token endpoint
	accepts   []string          // Accept headers of manifest requests
}

const fakeToken = "fake-registry-token"

func newFakeRegistry(t *testing.T) *fakeRegistry {
	f := &fakeRegistry{
		manifests: map[string][]byte{},
		blobs:     map[string][]byte{},
		corrupt:   map[string][]byte{},
		tooMany:   map[string]int{},
	}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeRegistry) host() string { return strings.TrimPrefix(f.srv.URL, "http://") }

func digestOf(b []byte) string {
	s := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(s[:])
}

type layerSpec struct {
	mediaType, title string
	data             []byte
}

// put stores a manifest of layers under repo:tag.
func (f *fakeRegistry) put(repo, tag string, layers ...layerSpec) {
	f.mu.Lock()
	defer f.mu.Unlock()
	cfg := []byte("{}")
	f.blobs[repo+"@"+digestOf(cfg)] = cfg
	type desc struct {
		MediaType   string            `json:"mediaType"`
		Digest      string            `json:"digest"`
		Size        int               `json:"size"`
		Annotations map[string]string `json:"annotations,omitempty"`
	}
	m := struct {
		SchemaVersion int    `json:"schemaVersion"`
		MediaType     string `json:"mediaType"`
		Config        desc   `json:"config"`
		Layers        []desc `json:"layers"`
	}{2, MediaTypeManifest, desc{MediaType: MediaTypeConfig, Digest: digestOf(cfg), Size: len(cfg)}, nil}
	for _, l := range layers {
		f.blobs[repo+"@"+digestOf(l.data)] = l.data
		m.Layers = append(m.Layers, desc{l.mediaType, digestOf(l.data), len(l.data), map[string]string{"org.opencontainers.image.title": l.title}})
	}
	raw, _ := json.Marshal(m)
	f.manifests[repo+":"+tag] = raw
}

func (f *fakeRegistry) count(prefix string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, r := range f.requests {
		if strings.HasPrefix(r, prefix) {
			n++
		}
	}
	return n
}

func (f *fakeRegistry) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if r.URL.Path == "/token" {
		f.scopes = append(f.scopes, r.URL.Query().Get("scope"))
		if f.user != "" {
			u, p, ok := r.BasicAuth()
			if !ok || u != f.user || p != f.pw {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusUnauthorized)
				fmt.Fprint(w, `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`)
				return
			}
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"token":%q}`, fakeToken)
		return
	}
	if !strings.HasPrefix(r.URL.Path, "/v2/") {
		http.NotFound(w, r)
		return
	}
	if n := f.tooMany[r.URL.Path]; n > 0 && r.Header.Get("Authorization") != "" {
		f.tooMany[r.URL.Path] = n - 1
		f.requests = append(f.requests, "429 "+r.Method+" "+r.URL.Path)
		w.Header().Set("Retry-After", "0")
		w.WriteHeader(http.StatusTooManyRequests)
		return
	}
	rest := strings.TrimPrefix(r.URL.Path, "/v2/")
	var repo, kind, ref string
	for _, k := range []string{"/manifests/", "/blobs/"} {
		if i := strings.LastIndex(rest, k); i > 0 {
			repo, kind, ref = rest[:i], strings.Trim(k, "/"), rest[i+len(k):]
		}
	}
	if r.Header.Get("Authorization") != "Bearer "+fakeToken {
		f.requests = append(f.requests, "ANON "+r.Method+" "+r.URL.Path)
		w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer realm="%s/token",service="fake",scope="repository:%s:pull"`, f.srv.URL, repo))
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`)
		return
	}
	f.requests = append(f.requests, r.Method+" "+r.URL.Path) // authorized
	switch kind {
	case "manifests":
		f.accepts = append(f.accepts, r.Header.Get("Accept"))
		m, ok := f.manifests[repo+":"+ref]
		if !ok {
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}`)
			return
		}
		w.Header().Set("Content-Type", MediaTypeManifest)
		w.Header().Set("Docker-Content-Digest", digestOf(m))
		w.Header().Set("Content-Length", strconv.Itoa(len(m)))
		if r.Method != http.MethodHead {
			w.Write(m)
		}
	case "blobs":
		b, ok := f.blobs[repo+"@"+ref]
		if !ok {
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `{"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown"}]}`)
			return
		}
		if c, bad := f.corrupt[ref]; bad {
			b = c
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Length", strconv.Itoa(len(b)))
		if r.Method != http.MethodHead {
			w.Write(b)
		}
	default:
		http.NotFound(w, r)
	}
}

// dockerAuth returns a docker config.json granting user:pw on host.
func dockerAuth(host, user, pw string) string {
	return fmt.Sprintf(`{"auths":{%q:{"auth":%q}}}`, host, base64.StdEncoding.EncodeToString([]byte(user+":"+pw)))
}
