package main

import (
	"net/http"
	"path/filepath"
	"strings"

	"github.com/envseal/envseal/channel/oci"
)

// ociAuth gathers the registry credentials of oci:// channels from the
// environment: ENVSEAL_OCI_USERNAME / ENVSEAL_OCI_PASSWORD (for CI, where
// they may come from sealed secrets through `envseal run`), restricted to
// the hosts of ENVSEAL_OCI_REGISTRY (comma-separated) when set, and the
// docker config ($DOCKER_CONFIG/config.json, else ~/.docker/config.json)
// with its credential helpers.
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

// ociTransport serves oci:// URLs for the shared transport base.
func (c *config) ociTransport(base http.RoundTripper) *oci.Transport {
	return &oci.Transport{
		Base:      base,
		Auth:      c.OCIAuth,
		Insecure:  c.rc.InsecureRegistries,
		UserAgent: "envseal/" + version,
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
