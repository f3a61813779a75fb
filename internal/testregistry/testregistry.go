// Package testregistry starts a throwaway CNCF distribution registry
// (Debian's docker-registry) on a free loopback port for end-to-end tests
// of oci:// channels, with or without htpasswd authentication. It is a test
// helper: only _test.go files import it.
package testregistry

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// Env names a registry binary to use instead of looking one up.
const Env = "ENVSEAL_TEST_REGISTRY"

// Registry is a running registry.
type Registry struct {
	// Host is 127.0.0.1:PORT.
	Host string
	// Username and Password are the htpasswd user ("" without auth).
	Username, Password string
}

// Binary returns the registry binary: $ENVSEAL_TEST_REGISTRY,
// docker-registry (Debian) or registry (upstream) on PATH, or
// /usr/bin/docker-registry; "" when there is none.
func Binary(getenv func(string) string) string {
	if p := getenv(Env); p != "" {
		return p
	}
	for _, name := range []string{"docker-registry", "registry"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if _, err := os.Stat("/usr/bin/docker-registry"); err == nil {
		return "/usr/bin/docker-registry"
	}
	return ""
}

// Start runs a registry for the rest of the test, with its configuration
// and storage in t.TempDir(), and stops it when the test ends. With a
// username it requires that user (htpasswd, bcrypt). It skips the test
// with a clear message when no registry binary is installed.
func Start(t testing.TB, username, password string) *Registry {
	t.Helper()
	bin := Binary(os.Getenv)
	if bin == "" {
		t.Skip("no registry binary: install Debian's docker-registry (apt-get install docker-registry) or set " + Env)
	}
	dir := t.TempDir()
	var lastErr error
	for range 3 { // the free port may be taken between probe and start
		port, err := freePort()
		if err != nil {
			t.Fatal(err)
		}
		r := &Registry{Host: fmt.Sprintf("127.0.0.1:%d", port), Username: username, Password: password}
		cfg := fmt.Sprintf("version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: %s\n  delete:\n    enabled: true\nhttp:\n  addr: %s\n",
			filepath.Join(dir, "storage"), r.Host)
		if username != "" {
			hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
			if err != nil {
				t.Fatal(err)
			}
			htp := filepath.Join(dir, "htpasswd")
			if err := os.WriteFile(htp, []byte(username+":"+string(hash)+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			cfg += fmt.Sprintf("auth:\n  htpasswd:\n    realm: envseal-test\n    path: %s\n", htp)
		}
		cfgPath := filepath.Join(dir, "config.yml")
		if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
			t.Fatal(err)
		}
		logf, err := os.Create(filepath.Join(dir, "registry.log"))
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(bin, "serve", cfgPath)
		cmd.Stdout, cmd.Stderr = logf, logf
		cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
		if err := cmd.Start(); err != nil {
			logf.Close()
			t.Fatalf("starting %s: %v", bin, err)
		}
		exited := make(chan struct{})
		go func() { cmd.Wait(); logf.Close(); close(exited) }()
		stop := func() {
			cmd.Process.Kill()
			<-exited
		}
		if lastErr = waitReady(r.Host, exited); lastErr == nil {
			t.Cleanup(stop)
			return r
		}
		stop()
		log, _ := os.ReadFile(filepath.Join(dir, "registry.log"))
		lastErr = fmt.Errorf("%w\n%s", lastErr, strings.TrimSpace(string(log)))
	}
	t.Fatalf("registry %s did not start: %v", bin, lastErr)
	return nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// waitReady polls GET /v2/ until the registry answers (200, or 401 with
// auth).
func waitReady(host string, exited <-chan struct{}) error {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	client := &http.Client{Timeout: time.Second}
	for {
		select {
		case <-exited:
			return fmt.Errorf("registry exited")
		default:
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+host+"/v2/", nil)
		if resp, err := client.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusUnauthorized {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("no answer on %s: %w", host, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}
