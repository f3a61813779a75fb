package oci

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/content"

	"github.com/envseal/envseal/channel"
	"github.com/envseal/envseal/conda"
	"github.com/envseal/envseal/internal/testregistry"
)

// manifestOf reads the manifest tagged tag in repo.
func manifestOf(t *testing.T, tr *Transport, chURL, repo, tag string) ocispec.Manifest {
	t.Helper()
	r, err := tr.Repository(chURL, repo)
	if err != nil {
		t.Fatal(err)
	}
	desc, rc, err := r.Manifests().FetchReference(context.Background(), tag)
	if err != nil {
		t.Fatalf("%s:%s: %v", repo, tag, err)
	}
	defer rc.Close()
	raw, err := content.ReadAll(rc, desc)
	if err != nil {
		t.Fatal(err)
	}
	var m ocispec.Manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func mediaTypes(m ocispec.Manifest) string {
	var out []string
	for _, l := range m.Layers {
		out = append(out, l.MediaType+"="+l.Annotations[ocispec.AnnotationTitle])
	}
	return strings.Join(out, " ")
}

// TestPublishLayout pushes packages to a real registry (Debian's
// docker-registry) and checks the layout that rattler and the conda-forge
// mirror use, then reads the channel back through the Transport.
func TestPublishLayout(t *testing.T) {
	reg := testregistry.Start(t, "", "")
	chURL := "oci://" + reg.Host + "/team/chan"
	dir := t.TempDir()
	write := func(fn string, data []byte) string {
		p := filepath.Join(dir, fn)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	fn1, d1, rec1 := tinyPackage(t, "tiny", "1.0+local", "h0_0", "linux-64")
	fn2, d2, _ := tinyPackage(t, "_private", "1!2", "0", "linux-64")
	p1, p2 := write(fn1, d1), write(fn2, d2)

	tr := &Transport{Retry: fastRetry()}
	res, err := tr.Publish(context.Background(), PublishOptions{Channel: chURL, Archives: []string{p1, p2}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Packages) != 2 || strings.Join(res.Subdirs, ",") != "linux-64,noarch" {
		t.Fatalf("result %+v", res)
	}
	m := manifestOf(t, tr, chURL, "team/chan/linux-64/tiny", "1.0__p__local-h0_0")
	if m.Config.MediaType != MediaTypeConfig || mediaTypes(m) != MediaTypeCondaV2+"="+fn1+" "+MediaTypeIndexJSON+"=index.json" {
		t.Errorf("tiny manifest: config %s, layers %s", m.Config.MediaType, mediaTypes(m))
	}
	if m.Layers[0].Digest.Encoded() != rec1["sha256"] {
		t.Errorf("package layer digest %s, want the archive's sha256 %s", m.Layers[0].Digest, rec1["sha256"])
	}
	manifestOf(t, tr, chURL, "team/chan/linux-64/zzz_private", "1__e__2-0")
	rm := manifestOf(t, tr, chURL, "team/chan/linux-64/repodata.json", "latest")
	if mediaTypes(rm) != MediaTypeRepodata+"=repodata.json "+MediaTypeRepodataZst+"=repodata.json.zst" {
		t.Errorf("repodata layers: %s", mediaTypes(rm))
	}
	manifestOf(t, tr, chURL, "team/chan/noarch/repodata.json", "latest")

	// The .tar.bz2 of the same package joins the .conda's manifest.
	_, bz, _ := tinyPackageBz2(t, "tiny", "1.0+local", "h0_0", "linux-64")
	pb := write("tiny-1.0+local-h0_0.tar.bz2", bz)
	if _, err := tr.Publish(context.Background(), PublishOptions{Channel: chURL, Archives: []string{pb}}); err != nil {
		t.Fatal(err)
	}
	m = manifestOf(t, tr, chURL, "team/chan/linux-64/tiny", "1.0__p__local-h0_0")
	if got := mediaTypes(m); got != MediaTypeCondaV1+"=tiny-1.0+local-h0_0.tar.bz2 "+MediaTypeCondaV2+"="+fn1+" "+MediaTypeIndexJSON+"=index.json" {
		t.Errorf("after adding the .tar.bz2: %s", got)
	}

	// Another archive under a published name is refused without --force,
	// and the repodata keeps the old record.
	_, other, _ := tinyPackage(t, "tiny", "1.0+local", "h0_0", "linux-64")
	other = append(other[:len(other):len(other)], 0) // a different archive
	po := filepath.Join(t.TempDir(), fn1)
	os.WriteFile(po, other, 0o644)
	_, err = tr.Publish(context.Background(), PublishOptions{Channel: chURL, Archives: []string{po}})
	if err == nil || !strings.Contains(err.Error(), "--force") || !strings.Contains(err.Error(), chURL) {
		t.Errorf("republishing a different archive: %v", err)
	}

	// Read back: repodata and a package, through channel and pkgcache-style
	// requests, including a ranged one (resume).
	client := clientFor(&Transport{})
	ch, _ := conda.ParseChannel(chURL, conda.ChannelConfig{})
	idx, err := (&channel.Loader{HTTPClient: client}).Load(context.Background(), []conda.Channel{ch}, "linux-64")
	if err != nil {
		t.Fatal(err)
	}
	recs, err := idx.Candidates("tiny")
	if err != nil || len(recs) != 1 || recs[0].URL != chURL+"/linux-64/"+fn1 {
		t.Fatalf("tiny candidates %v %v (want the .conda, preferred over the .tar.bz2)", recs, err)
	}
	req, _ := http.NewRequest(http.MethodGet, chURL+"/linux-64/"+fn1, nil)
	req.Header.Set("Range", "bytes=10-")
	req.Header.Set(ExpectedSHA256Header, rec1["sha256"].(string))
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusPartialContent || string(body) != string(d1[10:]) {
		t.Errorf("ranged GET: %s, %d bytes (want 206 and %d)", resp.Status, len(body), len(d1)-10)
	}
}
