package piptest

import (
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// Media types of the simple repository API (PEP 691).
const (
	MediaTypeJSON = "application/vnd.pypi.simple.v1+json"
	MediaTypeHTML = "application/vnd.pypi.simple.v1+html"
)

// Request is one request a [Server] answered.
type Request struct {
	Method, Path string
	// Accept is the request's Accept header.
	Accept string
	// ContentType is the Content-Type served ("" for errors and
	// redirects).
	ContentType string
	Status      int
}

// Server is an httptest server for wheels. A file server answers
// GET /files/<wheel filename>; an index server answers the simple API at
// /simple/ and, when it has no separate file server, /files/ too. Its
// methods are safe for concurrent use.
type Server struct {
	// URL is the server's base URL ("http://127.0.0.1:port").
	URL string
	// IndexURL is URL + "/simple/" for an index server, "" for a file
	// server.
	IndexURL string

	srv      *httptest.Server
	wheels   []Built
	filesURL string // base of file links, ending in "/"
	index    bool

	mu         sync.Mutex
	reqs       []Request
	user, pass string // required basic auth, when user != ""
}

// RequireBasicAuth makes the server answer 401 to requests without these
// credentials (an authenticated private index or file host).
func (s *Server) RequireBasicAuth(user, password string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.user, s.pass = user, password
}

// NewFileServer starts a server that only serves the wheels' files at
// /files/<filename>. It is closed when the test ends.
func NewFileServer(tb testing.TB, wheels []Wheel) *Server {
	tb.Helper()
	return newServer(tb, wheels, nil, false)
}

// NewIndexServer starts a simple-API index of wheels: /simple/ lists the
// projects and /simple/<project>/ their files, as PEP 503 HTML or PEP 691
// JSON (by the Accept header), each link carrying the file's sha256 (as
// "#sha256=" fragment or "hashes"). Links point at files's /files/ when
// files is not nil, else at the index server's own /files/. It is closed
// when the test ends (or earlier with [Server.Close]).
func NewIndexServer(tb testing.TB, wheels []Wheel, files *Server) *Server {
	tb.Helper()
	return newServer(tb, wheels, files, true)
}

func newServer(tb testing.TB, wheels []Wheel, files *Server, index bool) *Server {
	built, err := Build(wheels)
	if err != nil {
		tb.Fatal(err)
	}
	s := &Server{wheels: built, index: index}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	tb.Cleanup(s.srv.Close)
	s.URL = s.srv.URL
	s.filesURL = s.URL + "/files/"
	if files != nil {
		s.filesURL = files.URL + "/files/"
	}
	if index {
		s.IndexURL = s.URL + "/simple/"
	}
	return s
}

// Close stops the server; later requests fail to connect.
func (s *Server) Close() { s.srv.Close() }

// Requests returns a copy of the requests answered so far, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.reqs...)
}

// FileURL returns the URL the server's index links for a wheel file name.
func (s *Server) FileURL(filename string) string { return s.filesURL + filename }

// Wheels returns the built wheels the server serves (shared; do not
// modify).
func (s *Server) Wheels() []Built { return s.wheels }

// statusWriter records the status and content type of a response.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
	s.mu.Lock()
	user, pass := s.user, s.pass
	s.mu.Unlock()
	if u, p, ok := r.BasicAuth(); user != "" && (!ok || u != user || p != pass) {
		w.Header().Set("WWW-Authenticate", `Basic realm="piptest"`)
		http.Error(sw, "unauthorized", http.StatusUnauthorized)
	} else {
		s.handle(sw, r)
	}
	s.mu.Lock()
	s.reqs = append(s.reqs, Request{
		Method: r.Method, Path: r.URL.Path, Accept: r.Header.Get("Accept"),
		ContentType: w.Header().Get("Content-Type"), Status: sw.status,
	})
	s.mu.Unlock()
}

func (s *Server) handle(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	p := r.URL.Path
	switch {
	case strings.HasPrefix(p, "/files/") && (!s.index || s.filesURL == s.URL+"/files/"):
		name := strings.TrimPrefix(p, "/files/")
		for _, b := range s.wheels {
			if b.Filename == name {
				w.Header().Set("Content-Type", "application/octet-stream")
				w.Header().Set("Content-Length", strconv.Itoa(len(b.Data)))
				w.Write(b.Data)
				return
			}
		}
		http.NotFound(w, r)
	case s.index && p == "/simple":
		http.Redirect(w, r, "/simple/", http.StatusMovedPermanently)
	case s.index && p == "/simple/":
		s.root(w, r)
	case s.index && strings.HasPrefix(p, "/simple/"):
		proj := strings.TrimPrefix(p, "/simple/")
		proj, slash := strings.CutSuffix(proj, "/")
		if strings.Contains(proj, "/") {
			http.NotFound(w, r)
			return
		}
		if n := normalize(proj); n != proj || !slash {
			http.Redirect(w, r, "/simple/"+n+"/", http.StatusMovedPermanently)
			return
		}
		s.project(w, r, proj)
	default:
		http.NotFound(w, r)
	}
}

// projects returns the normalized project names, sorted.
func projects(wheels []Built) []string {
	seen := map[string]bool{}
	var out []string
	for _, b := range wheels {
		if p := b.Wheel.Project(); !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out
}

// negotiate picks the response media type for an Accept header: the
// supported type with the highest q, JSON winning ties; text/html when
// nothing matches.
func negotiate(accept string) string {
	best, bestQ := "text/html", -1.0
	rank := map[string]int{MediaTypeJSON: 3, MediaTypeHTML: 2, "text/html": 1}
	for _, part := range strings.Split(accept, ",") {
		fields := strings.Split(part, ";")
		mt := strings.ToLower(strings.TrimSpace(fields[0]))
		if rank[mt] == 0 {
			continue
		}
		q := 1.0
		for _, f := range fields[1:] {
			if v, ok := strings.CutPrefix(strings.TrimSpace(f), "q="); ok {
				if x, err := strconv.ParseFloat(v, 64); err == nil {
					q = x
				}
			}
		}
		if q > 0 && (q > bestQ || q == bestQ && rank[mt] > rank[best]) {
			best, bestQ = mt, q
		}
	}
	return best
}

func (s *Server) root(w http.ResponseWriter, r *http.Request) {
	names := projects(s.wheels)
	mt := negotiate(r.Header.Get("Accept"))
	w.Header().Set("Content-Type", mt)
	if mt == MediaTypeJSON {
		type proj struct {
			Name string `json:"name"`
		}
		doc := struct {
			Meta     map[string]string `json:"meta"`
			Projects []proj            `json:"projects"`
		}{Meta: map[string]string{"api-version": "1.1"}, Projects: []proj{}}
		for _, n := range names {
			doc.Projects = append(doc.Projects, proj{n})
		}
		json.NewEncoder(w).Encode(doc)
		return
	}
	w.Write([]byte(rootHTML(names, func(n string) string { return "/simple/" + n + "/" })))
}

func rootHTML(names []string, href func(string) string) string {
	var b strings.Builder
	b.WriteString("<!DOCTYPE html>\n<html>\n  <head>\n    <meta name=\"pypi:repository-version\" content=\"1.1\">\n    <title>Simple index</title>\n  </head>\n  <body>\n")
	for _, n := range names {
		fmt.Fprintf(&b, "    <a href=\"%s\">%s</a>\n", html.EscapeString(href(n)), html.EscapeString(n))
	}
	b.WriteString("  </body>\n</html>\n")
	return b.String()
}

func projectHTML(proj string, files []Built, href func(Built) string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "<!DOCTYPE html>\n<html>\n  <head>\n    <meta name=\"pypi:repository-version\" content=\"1.1\">\n    <title>Links for %s</title>\n  </head>\n  <body>\n    <h1>Links for %s</h1>\n", html.EscapeString(proj), html.EscapeString(proj))
	for _, f := range files {
		attrs := ""
		if rp := f.Wheel.RequiresPython; rp != "" {
			attrs = fmt.Sprintf(" data-requires-python=\"%s\"", html.EscapeString(rp))
		}
		fmt.Fprintf(&b, "    <a href=\"%s#sha256=%s\"%s>%s</a><br/>\n", html.EscapeString(href(f)), f.SHA256, attrs, html.EscapeString(f.Filename))
	}
	b.WriteString("  </body>\n</html>\n")
	return b.String()
}

// projectFiles returns the wheels of a normalized project name.
func projectFiles(wheels []Built, proj string) []Built {
	var out []Built
	for _, b := range wheels {
		if b.Wheel.Project() == proj {
			out = append(out, b)
		}
	}
	return out
}

func (s *Server) project(w http.ResponseWriter, r *http.Request, proj string) {
	files := projectFiles(s.wheels, proj)
	if len(files) == 0 {
		http.NotFound(w, r)
		return
	}
	mt := negotiate(r.Header.Get("Accept"))
	w.Header().Set("Content-Type", mt)
	if mt != MediaTypeJSON {
		w.Write([]byte(projectHTML(proj, files, func(b Built) string { return s.filesURL + b.Filename })))
		return
	}
	type file struct {
		Filename       string            `json:"filename"`
		URL            string            `json:"url"`
		Hashes         map[string]string `json:"hashes"`
		RequiresPython string            `json:"requires-python,omitempty"`
		Size           int               `json:"size"`
	}
	doc := struct {
		Meta     map[string]string `json:"meta"`
		Name     string            `json:"name"`
		Files    []file            `json:"files"`
		Versions []string          `json:"versions"`
	}{Meta: map[string]string{"api-version": "1.1"}, Name: proj}
	seen := map[string]bool{}
	for _, b := range files {
		doc.Files = append(doc.Files, file{
			Filename: b.Filename, URL: s.filesURL + b.Filename,
			Hashes:         map[string]string{"sha256": b.SHA256},
			RequiresPython: b.Wheel.RequiresPython, Size: len(b.Data),
		})
		if !seen[b.Wheel.Version] {
			seen[b.Wheel.Version] = true
			doc.Versions = append(doc.Versions, b.Wheel.Version)
		}
	}
	json.NewEncoder(w).Encode(doc)
}

// WriteWheelDir writes wheels (default [Wheels]) into dir as static files
// pip can install from offline: the .whl files themselves, for
// `--find-links DIR`, and a PEP 503 tree dir/simple/index.html,
// dir/simple/<project>/index.html with relative links carrying
// "#sha256=" fragments, for `--index-url file:///DIR/simple`. dir is
// created if needed; existing files of the same names are replaced.
func WriteWheelDir(dir string, wheels ...Wheel) error {
	if len(wheels) == 0 {
		wheels = Wheels()
	}
	built, err := Build(wheels)
	if err != nil {
		return err
	}
	write := func(rel, data string) error {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return fmt.Errorf("piptest: writing wheel dir: %w", err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			return fmt.Errorf("piptest: writing wheel dir: %w", err)
		}
		return nil
	}
	for _, b := range built {
		if err := write(b.Filename, string(b.Data)); err != nil {
			return err
		}
	}
	names := projects(built)
	if err := write("simple/index.html", rootHTML(names, func(n string) string { return n + "/" })); err != nil {
		return err
	}
	for _, n := range names {
		page := projectHTML(n, projectFiles(built, n), func(b Built) string { return "../../" + b.Filename })
		if err := write("simple/"+n+"/index.html", page); err != nil {
			return err
		}
	}
	return nil
}
