package oci

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

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

// TestPublishConcurrentMerge: two publishers of one subdir keep both
// packages. The hook makes the race certain: while the first has its
// repodata layers pushed and is about to tag, the second publishes in
// full; the first then sees :latest moved, merges into the newer
// repodata and tags that. Then both publish at once, many times over.
func TestPublishConcurrentMerge(t *testing.T) {
	reg := testregistry.Start(t, "", "")
	chURL := "oci://" + reg.Host + "/team/race"
	dir := t.TempDir()
	archive := func(name string) (string, string) {
		fn, data, _ := tinyPackage(t, name, "1.0", "h0_0", "linux-64")
		p := filepath.Join(dir, fn)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p, fn
	}
	records := func(tr *Transport) map[string]bool {
		rd, err := tr.readRepodata(context.Background(), chURL, reg.Host, "team/race", "linux-64")
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]bool{}
		for fn := range rd.PackagesConda {
			out[fn] = true
		}
		return out
	}
	pa, fa := archive("alpha")
	pb, fb := archive("beta")

	second := &Transport{Retry: fastRetry()}
	first := &Transport{Retry: fastRetry()}
	raced := false
	first.beforeTag = func(string) {
		if raced {
			return
		}
		raced = true
		if _, err := second.Publish(context.Background(), PublishOptions{Channel: chURL, Archives: []string{pb}}); err != nil {
			t.Errorf("second publisher: %v", err)
		}
	}
	if _, err := first.Publish(context.Background(), PublishOptions{Channel: chURL, Archives: []string{pa}}); err != nil {
		t.Fatal(err)
	}
	if got := records(second); !raced || !got[fa] || !got[fb] {
		t.Fatalf("after the race the repodata holds %v, want %s and %s", got, fa, fb)
	}

	// Both at once, for real: every package of every round stays.
	var want []string
	for round := range 4 {
		var wg sync.WaitGroup
		for i := range 2 {
			p, fn := archive(fmt.Sprintf("pkg%d%d", round, i))
			want = append(want, fn)
			wg.Add(1)
			go func() {
				defer wg.Done()
				// A generous settle: under -race on a busy machine a
				// manifest PUT can take longer than the default.
				if _, err := (&Transport{Retry: fastRetry(), settle: time.Second}).Publish(context.Background(), PublishOptions{Channel: chURL, Archives: []string{p}}); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
	}
	got := records(second)
	for _, fn := range want {
		if !got[fn] {
			t.Errorf("%s was lost from the repodata (%d records)", fn, len(got))
		}
	}
}
