package ops

import (
	"context"
	"errors"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/envseal/envseal/conda"
	"github.com/envseal/envseal/env"
	"github.com/envseal/envseal/internal/testkit"
	"github.com/envseal/envseal/resolver"
)

// newMirror serves the corpus's conda-subchannel-demo channel as
// /conda-forge and /pkgs/main on a loopback server.
func newMirror(t *testing.T) *httptest.Server {
	t.Helper()
	demo := testkit.Corpus(t, "conda-subchannel-demo")
	root := t.TempDir()
	for _, p := range []string{"conda-forge", filepath.Join("pkgs", "main")} {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(root, p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(demo, filepath.Join(root, p)); err != nil {
			t.Fatal(err)
		}
	}
	return testkit.ServeDir(t, root, "")
}

// conda-lock's test-channel-inversion: channels conda-forge then defaults,
// and "defaults::libgomp". The spec's channel is the lower one; with
// default_channels at a mirror "defaults" means the mirror's pkgs/main.
// Under flexible priority libgomp comes from defaults and zlib from
// conda-forge (conda-lock's expected answer, with mamba's default flexible
// priority); under strict priority too, since the spec names the channel
// (resolver/doc.go).
func TestCorpusChannelInversion(t *testing.T) {
	f, err := env.ReadFile(testkit.Corpus(t, "conda-lock/tests/test-channel-inversion/environment.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	m := newMirror(t)
	h := &Host{}
	for _, tc := range []struct {
		priority resolver.ChannelPriority
		want     string
	}{
		{resolver.Flexible, "libgomp pkgs/main, zlib conda-forge"},
		{resolver.Strict, "libgomp pkgs/main, zlib conda-forge"},
	} {
		t.Run(tc.priority.String(), func(t *testing.T) {
			home := t.TempDir()
			cfg, err := loadConfig(func(k string) string {
				return map[string]string{"HOME": home, "ENVSEAL_ROOT": filepath.Join(home, "root")}[k]
			})
			if err != nil {
				t.Fatal(err)
			}
			setup := &channelSetup{
				cfg:      cfg,
				chCfg:    conda.ChannelConfig{Alias: m.URL, DefaultChannels: []string{m.URL + "/pkgs/main"}},
				platform: conda.Linux64,
			}
			if err := setup.addChannels(f.Channels); err != nil {
				t.Fatal(err)
			}
			specs, err := fileSpecs(f, conda.Linux64, setup.chCfg)
			if err != nil {
				t.Fatal(err)
			}
			if err := setup.addSpecChannels(specs); err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, ch := range setup.channels {
				names = append(names, ch.Name())
			}
			if strings.Join(names, " ") != "conda-forge pkgs/main" {
				t.Fatalf("channels %v: defaults:: must add nothing when defaults is searched", names)
			}
			in := &solveInput{cfg: setup.cfg, setup: setup, specs: specs, priority: tc.priority}
			sol, _, err := h.solve(context.Background(), in, nil)
			var got string
			var nf *resolver.PackagesNotFoundError
			switch {
			case errors.As(err, &nf):
				got = "not found"
			case err != nil:
				got = err.Error()
			default:
				var parts []string
				for _, r := range sol.Records {
					if r.Name == "libgomp" || r.Name == "zlib" {
						parts = append(parts, r.Name+" "+r.Channel)
					}
				}
				got = strings.Join(parts, ", ")
			}
			if got != tc.want {
				t.Errorf("got %s (%v), want %s", got, err, tc.want)
			}
		})
	}
}
