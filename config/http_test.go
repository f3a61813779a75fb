package config

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/envseal/envseal/internal/testnet"
)

func TestBypassProxy(t *testing.T) {
	t.Parallel()
	tests := []struct {
		list, host, port string
		want             bool
	}{
		{"", "example.com", "443", false},
		{"*", "example.com", "443", true},
		{"example.com", "example.com", "443", true},
		{"example.com", "pkgs.example.com", "443", true},
		{".example.com", "pkgs.example.com", "443", true},
		{"*.example.com", "pkgs.example.com", "443", true},
		{"example.com", "notexample.com", "443", false},
		{"example.com:8080", "example.com", "443", false},
		{"example.com:8080", "example.com", "8080", true},
		{" corp.internal , 10.0.0.0/8", "10.1.2.3", "80", true},
		{"10.0.0.0/8", "11.1.2.3", "80", false},
		{"127.0.0.1", "127.0.0.1", "80", true},
		{"[::1]", "::1", "80", true},
		{"localhost", "127.0.0.1", "80", false},
		{"EXAMPLE.COM", "example.com", "443", true},
	}
	for _, tc := range tests {
		if got := bypassProxy(tc.list, tc.host, tc.port); got != tc.want {
			t.Errorf("bypassProxy(%q, %q, %q) = %v, want %v", tc.list, tc.host, tc.port, got, tc.want)
		}
	}
}

func TestProxySelection(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		servers map[string]string
		env     EnvProxy
		url     string
		want    string // "" = direct
	}{
		{"none", nil, EnvProxy{}, "https://conda.anaconda.org/x", ""},
		{"scheme", map[string]string{"https": "http://p:3128"}, EnvProxy{}, "https://h/x", "http://p:3128"},
		{"scheme does not apply to the other", map[string]string{"https": "http://p:3128"}, EnvProxy{}, "http://h/x", ""},
		{"scheme://host beats scheme", map[string]string{"https": "http://p:1", "https://h": "http://q:2"}, EnvProxy{}, "https://h/x", "http://q:2"},
		{"all", map[string]string{"all": "http://a:1"}, EnvProxy{}, "http://h/x", "http://a:1"},
		{"scheme beats all", map[string]string{"all": "http://a:1", "http": "http://b:2"}, EnvProxy{}, "http://h/x", "http://b:2"},
		{"no scheme means http", map[string]string{"https": "p:3128"}, EnvProxy{}, "https://h/x", "http://p:3128"},
		{"credentials kept", map[string]string{"https": "http://u:pw@p:3128"}, EnvProxy{}, "https://h/x", "http://u:pw@p:3128"},
		{"empty value: direct", map[string]string{"https": ""}, EnvProxy{HTTPS: "http://e:1"}, "https://h/x", ""},
		{"environment", nil, EnvProxy{HTTPS: "http://e:1", HTTP: "http://e:2"}, "https://h/x", "http://e:1"},
		{"environment http", nil, EnvProxy{HTTPS: "http://e:1", HTTP: "http://e:2"}, "http://h/x", "http://e:2"},
		{"environment all", nil, EnvProxy{All: "http://e:3"}, "https://h/x", "http://e:3"},
		{"config beats environment", map[string]string{"https": "http://c:1"}, EnvProxy{HTTPS: "http://e:1"}, "https://h/x", "http://c:1"},
		{"NO_PROXY exempts config proxies", map[string]string{"https": "http://c:1"}, EnvProxy{No: "h"}, "https://h/x", ""},
		{"no_proxy key", map[string]string{"https": "http://c:1", "no_proxy": "h"}, EnvProxy{}, "https://h/x", ""},
		{"loopback is proxied", map[string]string{"http": "http://c:1"}, EnvProxy{}, "http://127.0.0.1:8080/x", "http://c:1"},
		{"but not by the environment's proxy", nil, EnvProxy{HTTP: "http://e:1"}, "http://127.0.0.1:8080/x", ""},
		{"nor localhost", nil, EnvProxy{All: "http://e:1"}, "https://localhost/x", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := &Config{ProxyServers: tc.servers, EnvProxy: tc.env}
			u, _ := url.Parse(tc.url)
			got, err := c.proxyFunc()(u)
			if err != nil {
				t.Fatal(err)
			}
			s := ""
			if got != nil {
				s = got.String()
			}
			if s != tc.want {
				t.Errorf("proxy for %s = %q, want %q", tc.url, s, tc.want)
			}
		})
	}
}

func get(t *testing.T, c *Config, u string) (string, error) {
	t.Helper()
	client, err := c.HTTPClient(0)
	if err != nil {
		t.Fatal(err)
	}
	defer client.CloseIdleConnections()
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, u, nil)
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

// TestTransportTLSAndProxy: a TLS server with a certificate from a test
// CA, reached directly and through a counting forward proxy.
func TestTransportTLSAndProxy(t *testing.T) {
	t.Parallel()
	ca := testnet.NewCA(t)
	srv := ca.TLSServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }), false)
	if _, err := get(t, &Config{}, srv.URL); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("system roots accepted the test CA: %v", err)
	}
	if body, err := get(t, &Config{SSLVerify: ca.CertFile}, srv.URL); err != nil || body != "ok" {
		t.Errorf("ssl_verify: ca.pem: %q %v", body, err)
	}
	dir := t.TempDir() // a directory of CAs works too
	data, _ := os.ReadFile(ca.CertFile)
	os.WriteFile(filepath.Join(dir, "0123abcd.0"), data, 0o644)
	if body, err := get(t, &Config{SSLVerify: dir}, srv.URL); err != nil || body != "ok" {
		t.Errorf("ssl_verify: dir: %q %v", body, err)
	}
	if body, err := get(t, &Config{SSLVerify: "false"}, srv.URL); err != nil || body != "ok" {
		t.Errorf("ssl_verify: false: %q %v", body, err)
	}
	proxy := testnet.NewProxy(t)
	c := &Config{SSLVerify: ca.CertFile, ProxyServers: map[string]string{"https": proxy.URL}}
	if body, err := get(t, c, srv.URL+"/a"); err != nil || body != "ok" {
		t.Errorf("through the proxy: %q %v", body, err)
	}
	if proxy.Connects() != 1 {
		t.Errorf("proxy tunnels = %d, want 1", proxy.Connects())
	}
	plain := testnetPlain(t)
	c = &Config{ProxyServers: map[string]string{"http": proxy.URL}}
	if body, err := get(t, c, plain+"/b"); err != nil || body != "plain" {
		t.Errorf("proxy_servers http: %q %v", body, err)
	}
	if proxy.Requests() != 1 {
		t.Errorf("proxy requests = %d, want 1", proxy.Requests())
	}
	c.EnvProxy.No = "127.0.0.1"
	c.ProxyServers["https"] = testnet.ClosedURL(t)
	c.SSLVerify = ca.CertFile
	if body, err := get(t, c, srv.URL+"/d"); err != nil || body != "ok" || proxy.Connects() != 1 {
		t.Errorf("NO_PROXY for https: %q %v", body, err)
	}
	if _, err := get(t, c, plain+"/c"); err != nil || proxy.Requests() != 1 {
		t.Errorf("NO_PROXY: requests %d, %v", proxy.Requests(), err)
	}
}

func testnetPlain(t *testing.T) string {
	srv := httptestServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "plain") }))
	return srv
}

func TestTransportClientCert(t *testing.T) {
	t.Parallel()
	ca := testnet.NewCA(t)
	srv := ca.TLSServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, r.TLS.PeerCertificates[0].Subject.CommonName)
	}), true)
	if _, err := get(t, &Config{SSLVerify: ca.CertFile}, srv.URL); err == nil {
		t.Error("no client certificate: request succeeded")
	}
	cert, key := ca.IssueFiles(t, "alice")
	if body, err := get(t, &Config{SSLVerify: ca.CertFile, ClientSSLCert: cert, ClientSSLCertKey: key}, srv.URL); err != nil || body != "alice" {
		t.Errorf("client cert: %q %v", body, err)
	}
	both := filepath.Join(t.TempDir(), "both.pem")
	cb, _ := os.ReadFile(cert)
	kb, _ := os.ReadFile(key)
	os.WriteFile(both, append(cb, kb...), 0o600)
	if body, err := get(t, &Config{SSLVerify: ca.CertFile, ClientSSLCert: both}, srv.URL); err != nil || body != "alice" {
		t.Errorf("combined client cert: %q %v", body, err)
	}
}

func TestTransportErrorsNameTheSetting(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.pem")
	os.WriteFile(empty, []byte("not a cert\n"), 0o644)
	rc := write(t, dir, map[string]string{"rc.yml": "ssl_verify: " + empty + "\nclient_ssl_cert: /nonexistent/c.pem\n"})
	c, err := Load(Options{SearchPath: []string{filepath.Join(rc, "rc.yml")}, EnvsealRC: filepath.Join(dir, "none")})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Transport()
	if err == nil || !strings.HasPrefix(err.Error(), filepath.Join(rc, "rc.yml")+":1: ssl_verify: no PEM certificates") {
		t.Errorf("bad CA bundle: %v", err)
	}
	c.SSLVerify = ""
	if _, err = c.Transport(); err == nil || !strings.HasPrefix(err.Error(), filepath.Join(rc, "rc.yml")+":2: client_ssl_cert: loading") {
		t.Errorf("missing client cert: %v", err)
	}
}

func TestPipEnv(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		c        Config
		env      []string
		warnings int
	}{
		{"nothing", Config{}, nil, 0},
		{"proxies", Config{ProxyServers: map[string]string{"https": "http://p:1", "http": "http://p:2", "no_proxy": "corp"}},
			[]string{"https_proxy=http://p:1", "HTTPS_PROXY=http://p:1", "http_proxy=http://p:2", "HTTP_PROXY=http://p:2", "no_proxy=corp", "NO_PROXY=corp"}, 0},
		{"all", Config{ProxyServers: map[string]string{"all": "http://a:1"}},
			[]string{"https_proxy=http://a:1", "HTTPS_PROXY=http://a:1", "http_proxy=http://a:1", "HTTP_PROXY=http://a:1"}, 0},
		{"per-host entry", Config{ProxyServers: map[string]string{"https://h": "http://a:1"}}, nil, 1},
		{"CA", Config{SSLVerify: "/etc/ca.pem"}, []string{"PIP_CERT=/etc/ca.pem"}, 0},
		{"no verification", Config{SSLVerify: "false"}, nil, 1},
		{"combined client cert", Config{ClientSSLCert: "/c.pem"}, []string{"PIP_CLIENT_CERT=/c.pem"}, 0},
		{"separate key", Config{ClientSSLCert: "/c.pem", ClientSSLCertKey: "/k.pem"}, nil, 1},
	}
	for _, tc := range tests {
		env, warnings := tc.c.PipEnv()
		if !reflect.DeepEqual(env, tc.env) || len(warnings) != tc.warnings {
			t.Errorf("%s: PipEnv() = %q, %q; want %q and %d warnings", tc.name, env, warnings, tc.env, tc.warnings)
		}
	}
}
