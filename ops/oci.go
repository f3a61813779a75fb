package ops

import (
	"context"
	"net/http"
	"path/filepath"
	"strings"

	"github.com/envseal/envseal/channel/oci"
)

// ociAuth gathers the registry credentials of oci:// channels from the
// caller's environment (getenv): ENVSEAL_OCI_USERNAME / ENVSEAL_OCI_PASSWORD
// (for CI, where they may come from sealed secrets through `envseal run`),
// restricted to the hosts of ENVSEAL_OCI_REGISTRY (comma-separated) when
// set, and the docker config ($DOCKER_CONFIG/config.json, else
// ~/.docker/config.json) with its credential helpers.
func ociAuth(getenv func(string) string, home string) oci.Auth {
	a := oci.Auth{
		Username: getenv("ENVSEAL_OCI_USERNAME"),
		Password: getenv("ENVSEAL_OCI_PASSWORD"),
	}
	if h := getenv("ENVSEAL_OCI_REGISTRY"); h != "" {
		a.Hosts = splitComma(h)
	}
	if d := getenv("DOCKER_CONFIG"); d != "" {
		a.DockerConfig = filepath.Join(d, "config.json")
	} else if home != "" {
		a.DockerConfig = filepath.Join(home, ".docker", "config.json")
	}
	return a
}

// ociTransport serves oci:// URLs for the shared transport base, with the
// configuration's credentials and insecure_registries.
func (c *config) ociTransport(base http.RoundTripper) *oci.Transport {
	return &oci.Transport{
		Base:      base,
		Auth:      c.OCIAuth,
		Insecure:  c.rc.InsecureRegistries,
		UserAgent: "envseal",
	}
}

func splitComma(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// UploadOptions describes one [Upload].
type UploadOptions struct {
	Host
	// Channel is the target, oci://REGISTRY/REPO.
	Channel string
	// Archives are the .conda / .tar.bz2 files to publish.
	Archives []string
	// Force replaces published packages whose archives differ.
	Force bool
}

// Upload publishes package archives and their regenerated repodata to an
// oci:// channel (see [oci.Transport.Publish]), through the configured
// proxies, CAs, registry credentials and insecure_registries.
func Upload(ctx context.Context, o UploadOptions) (*oci.PublishResult, error) {
	h := &o.Host
	if !strings.HasPrefix(o.Channel, "oci://") {
		return nil, usagef("upload: the first argument must be an oci://REGISTRY/REPO channel URL")
	}
	cfg, err := h.config()
	if err != nil {
		return nil, err
	}
	h.warnConfig(cfg)
	client, err := cfg.httpClient(0)
	if err != nil {
		return nil, err
	}
	t := cfg.ociTransport(client.Transport)
	if h.Version != "" {
		t.UserAgent = "envseal/" + h.Version
	}
	return t.Publish(ctx, oci.PublishOptions{Channel: o.Channel, Archives: o.Archives, Force: o.Force})
}
