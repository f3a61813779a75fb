package ops

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"strings"
	"testing"

	"github.com/envseal/envseal/secrets"
	"golang.org/x/crypto/ssh"
)

func authorizedLine(t testing.TB, pub any, comment string) (string, string) {
	t.Helper()
	pk, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	line := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pk)))
	if comment != "" {
		line += " " + comment
	}
	return line, ssh.FingerprintSHA256(pk)
}

func TestParseKeysList(t *testing.T) {
	edPub, _, _ := ed25519.GenerateKey(rand.Reader)
	ed, edFP := authorizedLine(t, edPub, "alice@laptop")
	bare, bareFP := authorizedLine(t, func() ed25519.PublicKey { p, _, _ := ed25519.GenerateKey(rand.Reader); return p }(), "")
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ecLine, ecFP := authorizedLine(t, &ec.PublicKey, "")
	tests := []struct {
		name         string
		text         string
		wantComments map[string]string // fingerprint -> label
		wantSkipped  int
		wantErr      string
	}{
		{"comment and source", ed + "\n", map[string]string{edFP: "alice@laptop (github:alice)"}, 0, ""},
		{"no comment: the source", bare + "\n", map[string]string{bareFP: "github:alice"}, 0, ""},
		{"options, blank lines and comments", "# keys\n\nno-pty " + ed + "\r\n", map[string]string{edFP: "alice@laptop (github:alice)"}, 0, ""},
		{"ecdsa skipped", ed + "\n" + ecLine + "\n", map[string]string{edFP: "alice@laptop (github:alice)"}, 1, ""},
		{"control characters dropped", strings.Replace(ed, "alice@laptop", "alice\x1b[31m@laptop", 1), map[string]string{edFP: "alice[31m@laptop (github:alice)"}, 0, ""},
		{"not a key", "<html>rate limited</html>\n", nil, 0, "line 1: not an authorized_keys line"},
		{"empty", "", nil, 0, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			keys, skipped, err := parseKeysList(tc.text, "github:alice")
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for _, k := range keys {
				got[secrets.Fingerprint(k.r.String())] = k.comment
			}
			if len(got) != len(tc.wantComments) {
				t.Errorf("keys %v, want %v", got, tc.wantComments)
			}
			for fp, c := range tc.wantComments {
				if got[fp] != c {
					t.Errorf("label of %s = %q, want %q", fp, got[fp], c)
				}
			}
			if len(skipped) != tc.wantSkipped {
				t.Errorf("skipped %v, want %d", skipped, tc.wantSkipped)
			}
			if tc.wantSkipped > 0 && !strings.Contains(skipped[0], ecFP) {
				t.Errorf("skipped %q does not name the key's fingerprint", skipped[0])
			}
		})
	}
}

func TestKeysURL(t *testing.T) {
	tests := []struct {
		in, env, tmpl string
		want          string
		wantErr       bool
	}{
		{in: "github:alice", want: "https://github.com/alice.keys"},
		{in: "github:alice", env: "https://ghe.example.com/{user}.keys", want: "https://ghe.example.com/alice.keys"},
		{in: "github:alice", env: "https://a/{user}", tmpl: "http://127.0.0.1:8080/u/{user}.keys", want: "http://127.0.0.1:8080/u/alice.keys"},
		{in: "github:al/../ice", wantErr: true},
		{in: "github:", wantErr: true},
		{in: "github:alice", env: "https://ghe.example.com/keys", wantErr: true},
		{in: "https://gitlab.com/bob.keys", want: "https://gitlab.com/bob.keys"},
		{in: "http://[::1]:9/bob.keys", want: "http://[::1]:9/bob.keys"},
		{in: "http://gitlab.com/bob.keys", wantErr: true},
		{in: "file:///etc/passwd", wantErr: true},
	}
	for _, tc := range tests {
		h := &Host{}
		if tc.env != "" {
			h.Environ = []string{"ENVSEAL_GITHUB_KEYS_URL=" + tc.env}
		}
		got, _, err := h.keysURL(tc.in, tc.tmpl)
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("keysURL(%q) = %q, %v; want %q (error %v)", tc.in, got, err, tc.want, tc.wantErr)
		}
	}
}

// FuzzParseKeysList: any input either parses into valid recipients with
// one-line labels, or fails; it never panics.
func FuzzParseKeysList(f *testing.F) {
	edPub, _, _ := ed25519.GenerateKey(rand.Reader)
	ed, _ := authorizedLine(f, edPub, "alice@laptop")
	for _, seed := range []string{ed + "\n", "# c\n\n" + ed, "ssh-rsa AAAA\n", "", "no-pty,command=\"x\" " + ed} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		keys, _, err := parseKeysList(text, "github:x")
		if err != nil {
			if keys != nil {
				t.Fatal("keys with an error")
			}
			return
		}
		for _, k := range keys {
			if _, err := secrets.ParseRecipient(k.r.String()); err != nil {
				t.Fatalf("recipient does not parse back: %v", err)
			}
			if strings.ContainsAny(k.comment, "\n\r\x00") || len(k.comment) > 256 {
				t.Fatalf("label %q is not one short line", k.comment)
			}
		}
	})
}
