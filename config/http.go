package config

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// EnvProxy holds the proxy variables of the environment (the lower-case
// spelling wins over the upper-case one, as in curl and requests).
type EnvProxy struct {
	HTTP, HTTPS, All, No string
}

func envProxy(lookup func(string) (string, bool)) EnvProxy {
	get := func(name string) string {
		if v, ok := lookup(strings.ToLower(name)); ok {
			return v
		}
		v, _ := lookup(name)
		return v
	}
	return EnvProxy{HTTP: get("HTTP_PROXY"), HTTPS: get("HTTPS_PROXY"), All: get("ALL_PROXY"), No: get("NO_PROXY")}
}

// Transport returns an HTTP transport for every request envseal makes
// (repodata, shards, packages, OCI): proxies from proxy_servers, then the
// environment's HTTPS_PROXY/HTTP_PROXY/ALL_PROXY, with NO_PROXY (and a
// proxy_servers "no_proxy" entry) exempting hosts; the CA bundle of
// ssl_verify, or no verification when it is false; the client certificate
// of client_ssl_cert(_key). proxy_servers apply to loopback hosts too (as
// in conda); the environment's proxies do not (as in Go's
// ProxyFromEnvironment). Errors name the setting and the file it came
// from.
func (c *Config) Transport() (*http.Transport, error) {
	tlsConf, err := c.tlsConfig()
	if err != nil {
		return nil, err
	}
	proxy := c.proxyFunc()
	return &http.Transport{
		Proxy:                 func(r *http.Request) (*url.URL, error) { return proxy(r.URL) },
		DialContext:           (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSClientConfig:       tlsConf,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   8,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}, nil
}

// HTTPClient returns a client using [Config.Transport]; timeout bounds a
// whole request (0 for none).
func (c *Config) HTTPClient(timeout time.Duration) (*http.Client, error) {
	t, err := c.Transport()
	if err != nil {
		return nil, err
	}
	return &http.Client{Transport: t, Timeout: timeout}, nil
}

func (c *Config) settingError(key string, err error) error {
	o := Origin{Source: "configuration"}
	if list := c.origins[key]; len(list) > 0 {
		o = list[len(list)-1]
	}
	return &Error{Source: o.Source, Line: o.Line, Key: key, Err: err}
}

func (c *Config) tlsConfig() (*tls.Config, error) {
	conf := &tls.Config{MinVersion: tls.VersionTLS12}
	switch c.SSLVerify {
	case "":
	case "false":
		conf.InsecureSkipVerify = true
	default:
		pool, err := loadCAs(c.SSLVerify)
		if err != nil {
			return nil, c.settingError("ssl_verify", err)
		}
		conf.RootCAs = pool
	}
	if c.ClientSSLCert != "" {
		key := c.ClientSSLCertKey
		if key == "" {
			key = c.ClientSSLCert // one PEM file with both, as conda allows
		}
		cert, err := tls.LoadX509KeyPair(c.ClientSSLCert, key)
		if err != nil {
			return nil, c.settingError("client_ssl_cert", fmt.Errorf("loading %s: %w", c.ClientSSLCert, err))
		}
		conf.Certificates = []tls.Certificate{cert}
	} else if c.ClientSSLCertKey != "" {
		return nil, c.settingError("client_ssl_cert_key", errors.New("client_ssl_cert_key is set but client_ssl_cert is not"))
	}
	return conf, nil
}

// loadCAs reads a CA bundle file, or every file of a directory of CA
// certificates. Only these CAs are trusted, as with conda's ssl_verify.
func loadCAs(path string) (*x509.CertPool, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	files := []string{path}
	if fi.IsDir() {
		ents, err := os.ReadDir(path)
		if err != nil {
			return nil, err
		}
		files = files[:0]
		for _, e := range ents {
			if !e.IsDir() {
				files = append(files, filepath.Join(path, e.Name()))
			}
		}
	}
	pool := x509.NewCertPool()
	n := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		if pool.AppendCertsFromPEM(data) {
			n++
		}
	}
	if n == 0 {
		return nil, fmt.Errorf("no PEM certificates in %s", path)
	}
	return pool, nil
}

// proxyFunc returns the proxy (nil for none) for a request URL.
func (c *Config) proxyFunc() func(*url.URL) (*url.URL, error) {
	servers := c.ProxyServers
	env := c.EnvProxy
	noProxy := env.No
	if np, ok := servers["no_proxy"]; ok {
		noProxy = np
	}
	return func(u *url.URL) (*url.URL, error) {
		host := strings.ToLower(u.Hostname())
		port := u.Port()
		if port == "" {
			switch u.Scheme {
			case "https":
				port = "443"
			case "http":
				port = "80"
			}
		}
		if bypassProxy(noProxy, host, port) {
			return nil, nil
		}
		// requests' select_proxy order
		for _, k := range []string{u.Scheme + "://" + host, u.Scheme, "all://" + host, "all"} {
			if v, ok := servers[k]; ok {
				if v == "" {
					return nil, nil
				}
				return proxyURL(v)
			}
		}
		if isLoopback(host) {
			return nil, nil // as Go's ProxyFromEnvironment: the environment's proxies are for the network
		}
		v := env.All
		switch u.Scheme {
		case "https":
			if env.HTTPS != "" {
				v = env.HTTPS
			}
		case "http":
			if env.HTTP != "" {
				v = env.HTTP
			}
		}
		if v == "" {
			return nil, nil
		}
		return proxyURL(v)
	}
}

func isLoopback(host string) bool {
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func proxyURL(v string) (*url.URL, error) {
	u, err := parseProxyURL(v)
	if err != nil {
		return nil, fmt.Errorf("proxy: %w", err)
	}
	return u, nil
}

// bypassProxy reports whether host:port matches the NO_PROXY list: "*",
// a domain (with or without a leading "." or "*.", matching its
// subdomains too), an IP address or a CIDR block, each optionally with a
// ":port".
func bypassProxy(list, host, port string) bool {
	if list == "" || host == "" {
		return false
	}
	ip := net.ParseIP(host)
	for e := range strings.SplitSeq(list, ",") {
		e = strings.ToLower(strings.TrimSpace(e))
		switch {
		case e == "":
			continue
		case e == "*":
			return true
		}
		if _, n, err := net.ParseCIDR(e); err == nil {
			if ip != nil && n.Contains(ip) {
				return true
			}
			continue
		}
		h, p := e, ""
		if hh, pp, err := net.SplitHostPort(e); err == nil {
			h, p = hh, pp
		}
		if p != "" && p != port {
			continue
		}
		h = strings.TrimPrefix(strings.TrimPrefix(h, "*"), ".")
		h = strings.Trim(h, "[]")
		if eip := net.ParseIP(h); eip != nil {
			if ip != nil && eip.Equal(ip) {
				return true
			}
			continue
		}
		if host == h || strings.HasSuffix(host, "."+h) {
			return true
		}
	}
	return false
}

// PipEnv returns the variables that give pip (in an environment's pip:
// step) the same proxies and CA bundle: HTTPS_PROXY/HTTP_PROXY/NO_PROXY
// from proxy_servers (the environment's own pass through to pip anyway),
// PIP_CERT from ssl_verify and PIP_CLIENT_CERT from client_ssl_cert. pip
// cannot express everything; what it cannot get is reported in warnings.
func (c *Config) PipEnv() (env, warnings []string) {
	set := func(name, v string) {
		env = append(env, strings.ToLower(name)+"="+v, name+"="+v)
	}
	pick := func(scheme string) (string, bool) {
		if v, ok := c.ProxyServers[scheme]; ok {
			return v, true
		}
		v, ok := c.ProxyServers["all"]
		return v, ok
	}
	if v, ok := pick("https"); ok {
		set("HTTPS_PROXY", v)
	}
	if v, ok := pick("http"); ok {
		set("HTTP_PROXY", v)
	}
	if v, ok := c.ProxyServers["no_proxy"]; ok {
		set("NO_PROXY", v)
	}
	for k := range c.ProxyServers {
		if strings.Contains(k, "://") {
			warnings = append(warnings, fmt.Sprintf("pip does not get the per-host proxy_servers entry %q", k))
		}
	}
	switch c.SSLVerify {
	case "":
	case "false":
		warnings = append(warnings, "ssl_verify is false, but pip still verifies TLS certificates (pip has no such switch; use --trusted-host in the pip: entries)")
	default:
		env = append(env, "PIP_CERT="+c.SSLVerify)
	}
	if c.ClientSSLCert != "" {
		if c.ClientSSLCertKey == "" {
			env = append(env, "PIP_CLIENT_CERT="+c.ClientSSLCert)
		} else {
			warnings = append(warnings, "pip does not get the client certificate: pip needs the certificate and its key in one PEM file (set client_ssl_cert to such a file and drop client_ssl_cert_key)")
		}
	}
	return env, warnings
}
