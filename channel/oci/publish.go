package oci

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/klauspost/compress/zstd"
	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2"
	"oras.land/oras-go/v2/content"
	"oras.land/oras-go/v2/errdef"
	"oras.land/oras-go/v2/registry/remote"

	"github.com/envseal/envseal/internal/archive"
	"github.com/envseal/envseal/internal/indexer"
)

// PublishOptions says what [Transport.Publish] pushes where.
type PublishOptions struct {
	// Channel is the target, oci://HOST/CHANNEL (user information, if any,
	// is used as credentials and never shown).
	Channel string
	// Archives are the paths of the .conda / .tar.bz2 files to publish.
	// Each goes to the subdir its info/index.json names.
	Archives []string
	// Force replaces a published package whose archive differs from the
	// one given; without it that is an error and nothing of its subdir's
	// repodata changes.
	Force bool
}

// Published is one archive pushed (or found already there).
type Published struct {
	Subdir, File string
	// Repository and Tag locate its manifest in the registry.
	Repository, Tag string
	// SHA256 is the archive's digest (its layer is sha256:<SHA256>).
	SHA256 string
	// Existed reports that the registry already had this exact archive.
	Existed bool
}

// PublishResult lists what [Transport.Publish] did.
type PublishResult struct {
	Packages []Published
	// Subdirs are the subdirs whose repodata was rewritten, sorted.
	Subdirs []string
}

type pending struct {
	path, fn, subdir string
	rec              map[string]any
	indexJSON        []byte
	sha              string
	size             int64
}

// Publish pushes package archives to an OCI channel in the layout of the
// package documentation, then rewrites the repodata of every subdir it
// touched: the published repodata.json (an empty one when there is none
// yet) with the new records added, as plain and zst layers under the tag
// "latest". A subdir without noarch repodata gets an empty noarch one, so
// that conda, which insists on noarch, reads the channel too.
//
// Packages are pushed before the repodata that names them, so a reader
// never sees a record whose archive is missing. Two publishers writing
// the same subdir at once merge: see publishSubdir. Errors name the
// channel and the archive; credentials never appear in them.
func (t *Transport) Publish(ctx context.Context, opts PublishOptions) (*PublishResult, error) {
	chURL := redact(opts.Channel)
	host, channel, err := splitChannel(opts.Channel)
	if err != nil {
		return nil, err
	}
	fail := func(err error) error { return fmt.Errorf("publishing to oci channel %s: %w", chURL, err) }
	if len(opts.Archives) == 0 {
		return nil, fail(errors.New("no package archives given"))
	}
	var pkgs []*pending
	seen := map[string]string{}
	for _, p := range opts.Archives {
		pk, err := readArchive(ctx, p)
		if err != nil {
			return nil, fail(err)
		}
		key := pk.subdir + "/" + pk.fn
		if prev, ok := seen[key]; ok {
			return nil, fail(fmt.Errorf("%s and %s are both %s", prev, p, key))
		}
		seen[key] = p
		pkgs = append(pkgs, pk)
	}
	bySubdir := map[string][]*pending{}
	for _, pk := range pkgs {
		bySubdir[pk.subdir] = append(bySubdir[pk.subdir], pk)
	}
	res := &PublishResult{}
	subdirs := make([]string, 0, len(bySubdir))
	for sd := range bySubdir {
		subdirs = append(subdirs, sd)
	}
	sort.Strings(subdirs)
	for _, sd := range subdirs {
		if err := t.publishSubdir(ctx, opts, host, channel, sd, bySubdir[sd], res); err != nil {
			return nil, fail(err)
		}
		res.Subdirs = append(res.Subdirs, sd)
	}
	if _, ok := bySubdir["noarch"]; !ok {
		rd, err := t.readRepodata(ctx, opts.Channel, host, channel, "noarch")
		if err != nil {
			return nil, fail(err)
		}
		if rd.fresh {
			// A publisher that made it meanwhile made the same empty one.
			if _, err := t.pushRepodata(ctx, opts.Channel, channel, "noarch", rd); err != nil {
				return nil, fail(err)
			}
			res.Subdirs = append(res.Subdirs, "noarch")
			sort.Strings(res.Subdirs)
		}
	}
	return res, nil
}

// splitChannel splits oci://HOST/CHANNEL.
func splitChannel(raw string) (host, channel string, err error) {
	rest, ok := strings.CutPrefix(raw, "oci://")
	if !ok {
		return "", "", fmt.Errorf("%s: not an oci:// channel URL", redact(raw))
	}
	host, channel, _ = strings.Cut(rest, "/")
	if at := strings.LastIndex(host, "@"); at >= 0 {
		host = host[at+1:]
	}
	channel = strings.Trim(channel, "/")
	if host == "" || channel == "" {
		return "", "", fmt.Errorf("%s: want oci://REGISTRY/CHANNEL", redact(raw))
	}
	if !validRepository(channel) {
		return "", "", fmt.Errorf("%s: %q is not a valid OCI repository name (lower case letters, digits, separators)", redact(raw), channel)
	}
	return host, channel, nil
}

func readArchive(ctx context.Context, path string) (*pending, error) {
	fn := filepath.Base(path)
	if !strings.HasSuffix(fn, ".conda") && !strings.HasSuffix(fn, ".tar.bz2") {
		return nil, fmt.Errorf("%s: not a .conda or .tar.bz2 package archive", path)
	}
	rec, err := indexer.ArchiveRecord(ctx, path, "")
	if err != nil {
		return nil, err
	}
	raw, err := archive.ReadIndexJSON(ctx, path)
	if err != nil {
		return nil, err
	}
	name, _ := rec["name"].(string)
	version, _ := rec["version"].(string)
	build, _ := rec["build"].(string)
	ext := ".conda"
	if strings.HasSuffix(fn, ".tar.bz2") {
		ext = ".tar.bz2"
	}
	if want := name + "-" + version + "-" + build + ext; fn != want {
		return nil, fmt.Errorf("%s: file name does not match its info/index.json (%s)", path, want)
	}
	sha, _ := rec["sha256"].(string)
	size, _ := rec["size"].(int64)
	subdir, _ := rec["subdir"].(string)
	return &pending{path: path, fn: fn, subdir: subdir, rec: rec, indexJSON: raw, sha: sha, size: size}, nil
}

// repodata is a subdir's published repodata; fresh means there was none.
type repodata struct {
	*indexer.Repodata
	fresh bool
	// digest is the manifest the repodata was read from ("" when fresh).
	digest string
}

// table is the packages table a file name belongs in.
func (rd repodata) table(fn string) map[string]map[string]any {
	if strings.HasSuffix(fn, ".tar.bz2") {
		return rd.Packages
	}
	return rd.PackagesConda
}

// holds reports whether every package of pkgs is recorded with its sha256.
func (rd repodata) holds(pkgs []*pending) bool {
	for _, pk := range pkgs {
		if s, _ := rd.table(pk.fn)[pk.fn]["sha256"].(string); s != pk.sha {
			return false
		}
	}
	return true
}

// maxRepodataAttempts bounds how often publishSubdir merges again into a
// repodata that another publisher changed meanwhile.
const maxRepodataAttempts = 8

// publishSubdir pushes pkgs (all of subdir sd) and adds their records to
// the subdir's repodata.
//
// A registry has no compare-and-swap on tags, so two publishers of one
// subdir would each write the repodata they read plus their own records,
// and the last one would drop the other's. Instead the merge is tagged only
// while :latest is still the manifest it was read from (checked after the
// layers are pushed, just before the tag), then read back a moment later;
// when the tag had moved, or the read-back lacks our records, the merge is
// done again on the newer repodata, a few times with a growing, jittered
// pause. What is left is a publisher whose tag lands later than settleTime
// after ours although it checked before ours: a stalled manifest PUT.
func (t *Transport) publishSubdir(ctx context.Context, opts PublishOptions, host, channel, sd string, pkgs []*pending, res *PublishResult) error {
	pushed := false
	for attempt := 1; ; attempt++ {
		rd, err := t.readRepodata(ctx, opts.Channel, host, channel, sd)
		if err != nil {
			return err
		}
		for _, pk := range pkgs {
			if old, ok := rd.table(pk.fn)[pk.fn]; ok && !opts.Force {
				if s, _ := old["sha256"].(string); s != "" && s != pk.sha {
					return fmt.Errorf("%s/%s is already published with sha256 %s (this archive has %s); use --force to replace it", sd, pk.fn, s, pk.sha)
				}
			}
		}
		if !pushed {
			for _, pk := range pkgs {
				pub, err := t.pushPackage(ctx, opts.Channel, channel, pk, opts.Force)
				if err != nil {
					return err
				}
				res.Packages = append(res.Packages, pub)
			}
			pushed = true
		}
		for _, pk := range pkgs {
			rd.table(pk.fn)[pk.fn] = pk.rec
		}
		tagged, err := t.pushRepodata(ctx, opts.Channel, channel, sd, rd)
		if err != nil {
			return err
		}
		if tagged {
			// A publisher that checked the tag just before ours moved it
			// tags within a manifest PUT of ours: read back after that.
			settle := t.settle
			if settle == 0 {
				settle = settleTime
			}
			if err := sleep(ctx, settle+time.Duration(mrand.Int64N(int64(settle)))); err != nil {
				return err
			}
			back, err := t.readRepodata(ctx, opts.Channel, host, channel, sd)
			if err != nil {
				return err
			}
			if back.holds(pkgs) {
				return nil
			}
		}
		if attempt == maxRepodataAttempts {
			return fmt.Errorf("%s/repodata.json kept changing while this publish merged into it (%d attempts): another publisher is writing the channel; run again", sd, attempt)
		}
		if err := sleep(ctx, time.Duration(attempt)*50*time.Millisecond+time.Duration(mrand.Int64N(int64(100*time.Millisecond)))); err != nil {
			return err
		}
	}
}

// settleTime is how long publishSubdir waits after its tag before it reads
// the repodata back.
const settleTime = 150 * time.Millisecond

func sleep(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

func (t *Transport) readRepodata(ctx context.Context, chURL, host, channel, subdir string) (repodata, error) {
	empty := &indexer.Repodata{
		Packages:        map[string]map[string]any{},
		PackagesConda:   map[string]map[string]any{},
		Removed:         []string{},
		RepodataVersion: 1,
	}
	empty.Info.Subdir = subdir
	repoName := channel + "/" + subdir + "/repodata.json"
	repo, err := t.Repository(chURL, repoName)
	if err != nil {
		return repodata{}, err
	}
	digest, err := latestDigest(ctx, repo)
	if err != nil {
		return repodata{}, fmt.Errorf("reading %s/repodata.json: %w", subdir, err)
	}
	if digest == "" {
		return repodata{Repodata: empty, fresh: true}, nil
	}
	// The manifest by digest: the content read is the one digest names.
	tg := Target{Host: host, Channel: channel, Subdir: subdir, File: "repodata.json", Repository: repoName, Tag: digest, MediaType: MediaTypeRepodata}
	desc, err := t.layer(ctx, repo, tg)
	if err != nil {
		return repodata{}, fmt.Errorf("reading %s/repodata.json: %w", subdir, err)
	}
	raw, err := content.FetchAll(ctx, repo.Blobs(), desc)
	if err != nil {
		return repodata{}, fmt.Errorf("reading %s/repodata.json: %w", subdir, err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	rd := &indexer.Repodata{}
	if err := dec.Decode(rd); err != nil {
		return repodata{}, fmt.Errorf("reading %s/repodata.json: %w", subdir, err)
	}
	if rd.Packages == nil {
		rd.Packages = map[string]map[string]any{}
	}
	if rd.PackagesConda == nil {
		rd.PackagesConda = map[string]map[string]any{}
	}
	if rd.Removed == nil {
		rd.Removed = []string{}
	}
	rd.Info.Subdir = subdir
	rd.RepodataVersion = 1
	return repodata{Repodata: rd, digest: digest}, nil
}

// latestDigest is the digest of the manifest tagged RepodataTag, "" when
// there is none.
func latestDigest(ctx context.Context, repo *remote.Repository) (string, error) {
	desc, err := repo.Resolve(ctx, RepodataTag)
	if errors.Is(err, errdef.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return desc.Digest.String(), nil
}

func (t *Transport) pushPackage(ctx context.Context, chURL, channel string, pk *pending, force bool) (Published, error) {
	name, _ := pk.rec["name"].(string)
	version, _ := pk.rec["version"].(string)
	build, _ := pk.rec["build"].(string)
	pub := Published{
		Subdir:     pk.subdir,
		File:       pk.fn,
		Repository: channel + "/" + pk.subdir + "/" + RepoName(name),
		Tag:        EncodeTag(version + "-" + build),
		SHA256:     pk.sha,
	}
	if !validRepository(pub.Repository) || !validTag(pub.Tag) {
		return pub, fmt.Errorf("%s: no valid OCI repository and tag (%s:%s)", pk.fn, pub.Repository, pub.Tag)
	}
	repo, err := t.Repository(chURL, pub.Repository)
	if err != nil {
		return pub, err
	}
	mt := MediaTypeCondaV2
	if strings.HasSuffix(pk.fn, ".tar.bz2") {
		mt = MediaTypeCondaV1
	}
	layer := ocispec.Descriptor{
		MediaType:   mt,
		Digest:      digest.NewDigestFromEncoded(digest.SHA256, pk.sha),
		Size:        pk.size,
		Annotations: map[string]string{ocispec.AnnotationTitle: pk.fn},
	}
	// The tag may already hold this archive (a re-run), another one, or
	// the other format of the same package (.conda beside .tar.bz2: both
	// are layers of one manifest, told apart by media type).
	keep, err := existingLayers(ctx, repo, pub.Tag)
	if err != nil {
		return pub, fmt.Errorf("%s: %w", pk.fn, err)
	}
	var others []ocispec.Descriptor
	for _, l := range keep {
		switch l.MediaType {
		case mt:
			if l.Digest == layer.Digest {
				pub.Existed = true
				return pub, nil
			}
			if !force {
				return pub, fmt.Errorf("%s:%s already holds another %s (%s); use --force to replace it", pub.Repository, pub.Tag, pk.fn, l.Digest)
			}
		case MediaTypeIndexJSON:
		default:
			others = append(others, l)
		}
	}
	if err := pushFile(ctx, repo, layer, pk.path); err != nil {
		return pub, fmt.Errorf("%s: %w", pk.fn, err)
	}
	idx := content.NewDescriptorFromBytes(MediaTypeIndexJSON, pk.indexJSON)
	idx.Annotations = map[string]string{ocispec.AnnotationTitle: "index.json"}
	if err := pushBytes(ctx, repo, idx, pk.indexJSON); err != nil {
		return pub, fmt.Errorf("%s: info/index.json: %w", pk.fn, err)
	}
	layers := append([]ocispec.Descriptor{layer}, others...)
	sort.SliceStable(layers, func(i, j int) bool { return layers[i].MediaType < layers[j].MediaType })
	layers = append(layers, idx)
	if err := t.pushManifest(ctx, repo, pub.Tag, created(pk.rec), layers...); err != nil {
		return pub, fmt.Errorf("%s: %w", pk.fn, err)
	}
	return pub, nil
}

// existingLayers returns the layers of the manifest tagged tag, or none
// when there is no such tag.
func existingLayers(ctx context.Context, repo *remote.Repository, tag string) ([]ocispec.Descriptor, error) {
	desc, rc, err := repo.Manifests().FetchReference(ctx, tag)
	if errors.Is(err, errdef.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("tag %s: %w", tag, err)
	}
	defer rc.Close()
	raw, err := content.ReadAll(rc, desc)
	if err != nil {
		return nil, fmt.Errorf("tag %s: %w", tag, err)
	}
	var m ocispec.Manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("tag %s: %w", tag, err)
	}
	return m.Layers, nil
}

// pushRepodata pushes rd's layers and, when :latest is still the manifest
// rd was read from, tags it; tagged is false when another publisher moved
// the tag meanwhile.
func (t *Transport) pushRepodata(ctx context.Context, chURL, channel, subdir string, rd repodata) (tagged bool, err error) {
	data, err := indexer.MarshalRepodata(rd.Repodata)
	if err != nil {
		return false, fmt.Errorf("%s/repodata.json: %w", subdir, err)
	}
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderConcurrency(1), zstd.WithEncoderLevel(zstd.SpeedBetterCompression))
	if err != nil {
		return false, err
	}
	zst := enc.EncodeAll(data, nil)
	enc.Close()
	repo, err := t.Repository(chURL, channel+"/"+subdir+"/repodata.json")
	if err != nil {
		return false, err
	}
	plain := content.NewDescriptorFromBytes(MediaTypeRepodata, data)
	plain.Annotations = map[string]string{ocispec.AnnotationTitle: "repodata.json"}
	zd := content.NewDescriptorFromBytes(MediaTypeRepodataZst, zst)
	zd.Annotations = map[string]string{ocispec.AnnotationTitle: "repodata.json.zst"}
	if err := pushBytes(ctx, repo, plain, data); err != nil {
		return false, fmt.Errorf("%s/repodata.json: %w", subdir, err)
	}
	if err := pushBytes(ctx, repo, zd, zst); err != nil {
		return false, fmt.Errorf("%s/repodata.json.zst: %w", subdir, err)
	}
	if t.beforeTag != nil {
		t.beforeTag(subdir)
	}
	cur, err := latestDigest(ctx, repo)
	if err != nil {
		return false, fmt.Errorf("%s/repodata.json: %w", subdir, err)
	}
	if cur != rd.digest {
		return false, nil
	}
	if err := t.pushManifest(ctx, repo, RepodataTag, time.Now().UTC().Format(time.RFC3339), plain, zd); err != nil {
		return false, fmt.Errorf("%s/repodata.json: %w", subdir, err)
	}
	return true, nil
}

func (t *Transport) pushManifest(ctx context.Context, repo *remote.Repository, tag, createdAt string, layers ...ocispec.Descriptor) error {
	desc, err := oras.PackManifest(ctx, repo, oras.PackManifestVersion1_0, MediaTypeConfig, oras.PackManifestOptions{
		Layers:              layers,
		ManifestAnnotations: map[string]string{ocispec.AnnotationCreated: createdAt},
	})
	if err != nil {
		return fmt.Errorf("pushing manifest: %w", err)
	}
	if err := repo.Tag(ctx, desc, tag); err != nil {
		return fmt.Errorf("tagging %s: %w", tag, err)
	}
	return nil
}

// created is the manifest's creation time: the package's build timestamp
// when it has one (so that republishing gives the same manifest).
func created(rec map[string]any) string {
	if n, ok := rec["timestamp"].(json.Number); ok {
		if v, err := n.Int64(); err == nil && v > 0 {
			if v > 1e11 { // milliseconds
				return time.UnixMilli(v).UTC().Format(time.RFC3339)
			}
			return time.Unix(v, 0).UTC().Format(time.RFC3339)
		}
	}
	return "1970-01-01T00:00:00Z"
}

func pushBytes(ctx context.Context, repo *remote.Repository, desc ocispec.Descriptor, data []byte) error {
	ok, err := repo.Blobs().Exists(ctx, desc)
	if err != nil || ok {
		return err
	}
	err = repo.Blobs().Push(ctx, desc, bytes.NewReader(data))
	if errors.Is(err, errdef.ErrAlreadyExists) {
		return nil
	}
	return err
}

func pushFile(ctx context.Context, repo *remote.Repository, desc ocispec.Descriptor, path string) error {
	ok, err := repo.Blobs().Exists(ctx, desc)
	if err != nil || ok {
		return err
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	err = repo.Blobs().Push(ctx, desc, io.Reader(f))
	if errors.Is(err, errdef.ErrAlreadyExists) {
		return nil
	}
	return err
}

// WriteText prints each archive's subdir/file, whether it was pushed or
// already there, and its manifest, then the subdirs whose repodata was
// rewritten.
func (r *PublishResult) WriteText(w io.Writer) {
	for _, p := range r.Packages {
		state := "pushed"
		if p.Existed {
			state = "already there"
		}
		fmt.Fprintf(w, "%s/%s: %s (%s:%s)\n", p.Subdir, p.File, state, p.Repository, p.Tag)
	}
	fmt.Fprintf(w, "repodata updated: %s\n", strings.Join(r.Subdirs, ", "))
}
