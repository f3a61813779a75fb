package piptest

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// unzip returns a wheel's members by name, in archive order.
func unzip(t *testing.T, data []byte) (map[string]string, []string) {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	var order []string
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		files[f.Name] = string(b)
		order = append(order, f.Name)
	}
	return files, order
}

func TestWheelContents(t *testing.T) {
	w := Wheels()[0]
	if w.Filename() != "hellopkg-1.0-py3-none-any.whl" || w.Project() != "hellopkg" {
		t.Fatalf("names %q %q", w.Filename(), w.Project())
	}
	data, err := w.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	again, _ := w.Bytes()
	if !bytes.Equal(data, again) {
		t.Error("wheel bytes are not deterministic")
	}
	files, order := unzip(t, data)
	di := "hellopkg-1.0.dist-info/"
	want := map[string]string{
		di + "METADATA":         "Metadata-Version: 2.1\nName: hellopkg\nVersion: 1.0\nSummary: hellopkg test wheel built by envseal piptest\nRequires-Dist: worldpkg>=1\n",
		di + "WHEEL":            "Wheel-Version: 1.0\nGenerator: envseal-piptest\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
		di + "entry_points.txt": "[console_scripts]\nhello = hellopkg:main\n",
	}
	for name, content := range want {
		if files[name] != content {
			t.Errorf("%s = %q, want %q", name, files[name], content)
		}
	}
	if src := files["hellopkg/__init__.py"]; !strings.Contains(src, `__version__ = "1.0"`) || !strings.Contains(src, "def main():") || !strings.Contains(src, "import worldpkg as m") {
		t.Errorf("module:\n%s", src)
	}
	if order[len(order)-1] != di+"RECORD" {
		t.Errorf("RECORD is not last: %v", order)
	}
	// RECORD lists every other member with its urlsafe-b64 sha256 and size.
	lines := strings.Split(strings.TrimSuffix(files[di+"RECORD"], "\n"), "\n")
	if len(lines) != len(files) {
		t.Fatalf("RECORD has %d lines for %d members", len(lines), len(files))
	}
	for _, l := range lines {
		parts := strings.Split(l, ",")
		if len(parts) != 3 {
			t.Fatalf("RECORD line %q", l)
		}
		if parts[0] == di+"RECORD" {
			if parts[1] != "" || parts[2] != "" {
				t.Errorf("RECORD's own line %q", l)
			}
			continue
		}
		content, ok := files[parts[0]]
		sum := sha256.Sum256([]byte(content))
		if !ok || parts[1] != "sha256="+base64.RawURLEncoding.EncodeToString(sum[:]) || parts[2] != strconv.Itoa(len(content)) {
			t.Errorf("RECORD line %q does not match the member", l)
		}
	}
}

func TestWheelNames(t *testing.T) {
	w := Wheel{Name: "Hello-World.Pkg", Version: "2.0rc1"}
	if got := w.Filename(); got != "Hello_World.Pkg-2.0rc1-py3-none-any.whl" {
		t.Errorf("Filename = %q", got)
	}
	if got := w.Project(); got != "hello-world-pkg" {
		t.Errorf("Project = %q", got)
	}
	data, _ := w.Bytes()
	files, _ := unzip(t, data)
	if _, ok := files["hello_world_pkg/__init__.py"]; !ok {
		t.Errorf("members %v", files)
	}
	if _, err := (Wheel{Name: "x"}).Bytes(); err == nil {
		t.Error("a wheel without version was built")
	}
}

func get(t *testing.T, url, accept string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := http.DefaultTransport.RoundTrip(req) // no redirects followed
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestIndexServer(t *testing.T) {
	files := NewFileServer(t, Wheels())
	idx := NewIndexServer(t, Wheels(), files)
	built, _ := Build(Wheels())

	// pip's Accept header: JSON preferred.
	pipAccept := "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01"
	resp, body := get(t, idx.IndexURL+"worldpkg/", pipAccept)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != MediaTypeJSON {
		t.Fatalf("JSON page: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	var page struct {
		Meta  map[string]string `json:"meta"`
		Name  string            `json:"name"`
		Files []struct {
			Filename string            `json:"filename"`
			URL      string            `json:"url"`
			Hashes   map[string]string `json:"hashes"`
			Size     int               `json:"size"`
		} `json:"files"`
		Versions []string `json:"versions"`
	}
	if err := json.Unmarshal([]byte(body), &page); err != nil {
		t.Fatal(err)
	}
	if page.Meta["api-version"] != "1.1" || page.Name != "worldpkg" || len(page.Files) != 2 || strings.Join(page.Versions, ",") != "1.0,2.0" {
		t.Fatalf("JSON page %+v", page)
	}
	f := page.Files[1]
	if f.Filename != built[2].Filename || f.URL != files.URL+"/files/"+built[2].Filename || f.Hashes["sha256"] != built[2].SHA256 || f.Size != len(built[2].Data) {
		t.Errorf("JSON file entry %+v", f)
	}

	// Plain HTML (PEP 503) with #sha256 fragments.
	resp, body = get(t, idx.IndexURL+"hellopkg/", "text/html")
	if resp.Header.Get("Content-Type") != "text/html" || !strings.Contains(body, `<a href="`+files.URL+`/files/hellopkg-1.0-py3-none-any.whl#sha256=`+built[0].SHA256+`">hellopkg-1.0-py3-none-any.whl</a>`) {
		t.Errorf("HTML page (%s):\n%s", resp.Header.Get("Content-Type"), body)
	}
	if resp, _ = get(t, idx.IndexURL+"hellopkg/", MediaTypeHTML); resp.Header.Get("Content-Type") != MediaTypeHTML {
		t.Errorf("v1+html requested, got %s", resp.Header.Get("Content-Type"))
	}
	resp, body = get(t, idx.IndexURL, "")
	if !strings.Contains(body, `<a href="/simple/hellopkg/">hellopkg</a>`) || !strings.Contains(body, `<a href="/simple/worldpkg/">worldpkg</a>`) {
		t.Errorf("root page:\n%s", body)
	}
	resp, body = get(t, idx.IndexURL, MediaTypeJSON)
	if resp.Header.Get("Content-Type") != MediaTypeJSON || !strings.Contains(body, `"projects":[{"name":"hellopkg"},{"name":"worldpkg"}]`) {
		t.Errorf("JSON root: %s", body)
	}

	// Non-normalized names and missing slashes redirect (PEP 503).
	for _, p := range []string{"HelloPkg/", "hellopkg", "World_Pkg/"} {
		resp, _ = get(t, idx.IndexURL+p, "")
		if resp.StatusCode != http.StatusMovedPermanently {
			t.Errorf("%s: status %d", p, resp.StatusCode)
		}
	}
	if resp, _ = get(t, idx.IndexURL+"nosuchpkg/", ""); resp.StatusCode != 404 {
		t.Errorf("unknown project: %d", resp.StatusCode)
	}

	// Files come from the file server only.
	resp, body = get(t, files.URL+"/files/worldpkg-2.0-py3-none-any.whl", "")
	if resp.StatusCode != 200 || body != string(built[2].Data) {
		t.Errorf("file: %d, %d bytes", resp.StatusCode, len(body))
	}
	if resp, _ = get(t, idx.URL+"/files/worldpkg-2.0-py3-none-any.whl", ""); resp.StatusCode != 404 {
		t.Errorf("index server served a file: %d", resp.StatusCode)
	}
	if resp, _ = get(t, files.URL+"/simple/", ""); resp.StatusCode != 404 {
		t.Errorf("file server served an index: %d", resp.StatusCode)
	}
	reqs := idx.Requests()
	if len(reqs) == 0 || reqs[0].Path != "/simple/worldpkg/" || reqs[0].Accept != pipAccept || reqs[0].ContentType != MediaTypeJSON || reqs[0].Status != 200 {
		t.Errorf("requests %+v", reqs)
	}

	// An index server without a file server serves its own files.
	self := NewIndexServer(t, Wheels(), nil)
	if resp, _ = get(t, self.FileURL("hellopkg-1.0-py3-none-any.whl"), ""); resp.StatusCode != 200 {
		t.Errorf("self-served file: %d", resp.StatusCode)
	}
	self.Close()
}

func TestNegotiate(t *testing.T) {
	tests := map[string]string{
		"":                                       "text/html",
		"*/*":                                    "text/html",
		"text/html":                              "text/html",
		MediaTypeJSON:                            MediaTypeJSON,
		MediaTypeHTML + ", " + MediaTypeJSON:     MediaTypeJSON,
		MediaTypeJSON + ";q=0.2, text/html":      "text/html",
		MediaTypeJSON + ";q=0, " + MediaTypeHTML: MediaTypeHTML,
	}
	for accept, want := range tests {
		if got := negotiate(accept); got != want {
			t.Errorf("negotiate(%q) = %q, want %q", accept, got, want)
		}
	}
}

func TestWriteWheelDir(t *testing.T) {
	dir := t.TempDir()
	if err := WriteWheelDir(dir); err != nil {
		t.Fatal(err)
	}
	built, _ := Build(Wheels())
	for _, b := range built {
		data, err := os.ReadFile(filepath.Join(dir, b.Filename))
		if err != nil || !bytes.Equal(data, b.Data) {
			t.Errorf("%s: %v", b.Filename, err)
		}
	}
	root, _ := os.ReadFile(filepath.Join(dir, "simple", "index.html"))
	if !strings.Contains(string(root), `<a href="worldpkg/">worldpkg</a>`) {
		t.Errorf("simple/index.html:\n%s", root)
	}
	page, _ := os.ReadFile(filepath.Join(dir, "simple", "worldpkg", "index.html"))
	if !strings.Contains(string(page), `<a href="../../worldpkg-1.0-py3-none-any.whl#sha256=`+built[1].SHA256+`">`) {
		t.Errorf("simple/worldpkg/index.html:\n%s", page)
	}
}
