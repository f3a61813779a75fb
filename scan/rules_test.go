package scan

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const (
	upper32  = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	alnum    = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b64      = alnum + "+/"
	hexLower = "0123456789abcdef"
	bech32U  = "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L"
)

// fake returns n characters of alphabet, the same for the same seed. The
// credentials of these tests are made at run time so that no file of the
// repository holds one (a forge's push protection would stop it, and
// `envseal scan` of this repository would find it).
func fake(alphabet string, n int, seed uint64) string {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return string(b)
}

type ruleCase struct {
	name string
	file string // default config.txt
	text string
	want []string // "LINE:RULE"
}

func ruleCases() []ruleCase {
	akia := "AKIA" + fake(upper32, 16, 1)
	awsSecret := fake(b64, 40, 2)
	ghp := "ghp_" + fake(alnum, 36, 3)
	ghpat := "github_pat_" + fake(alnum, 22, 4) + "_" + fake(alnum, 59, 5)
	glpat := "glpat-" + fake(alnum, 20, 6)
	slack := "xoxb-" + fake("0123456789", 12, 7) + "-" + fake("0123456789", 13, 8) + "-" + fake(alnum, 24, 9)
	hook := "https://hooks.slack.com/services/T" + fake(upper32, 8, 10) + "/B" + fake(upper32, 8, 11) + "/" + fake(alnum, 24, 12)
	body := fake(b64, 64, 13)
	ageKey := "AGE-SECRET-KEY-1" + fake(bech32U, 58, 14)
	condaTok := "ab-" + fake(hexLower, 8, 15) + "-" + fake(hexLower, 4, 16)
	return []ruleCase{
		// AWS access key ids.
		{name: "aws id", text: "key = " + akia + "\n", want: []string{"1:aws-access-key-id"}},
		{name: "aws temporary id", text: "x\nid: ASIA" + fake(upper32, 16, 20) + "\n", want: []string{"2:aws-access-key-id"}},
		{name: "aws id in json", text: `{"id":"` + akia + `"}`, want: []string{"1:aws-access-key-id"}},
		{name: "aws documentation example", text: "AKIAIOSFODNN7EXAMPLE\n"},
		{name: "aws id too short", text: akia[:19] + "\n"},
		{name: "aws id glued to a word", text: "X" + akia + "\n"},
		{name: "aws id lower case", text: strings.ToLower(akia) + "\n"},
		{name: "aws id with 1 and 8 (not base32)", text: "AKIA1111888811118888\n"},
		// AWS secret keys: only next to their name.
		{name: "aws secret ini", text: "[default]\naws_secret_access_key = " + awsSecret + "\n", want: []string{"2:aws-secret-access-key"}},
		{name: "aws secret env", text: "export AWS_SECRET_ACCESS_KEY=\"" + awsSecret + "\"\n", want: []string{"1:aws-secret-access-key"}},
		{name: "aws secret json", text: `{"SecretAccessKey": "` + awsSecret + `"}`, want: []string{"1:aws-secret-access-key"}},
		{name: "40 chars without the name", text: "sha: " + awsSecret + "\n"},
		{name: "aws secret 41 chars", text: "aws_secret_access_key = " + awsSecret + "A\n"},
		{name: "aws secret documentation example", text: "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"},
		{name: "aws secret placeholder", text: "aws_secret_access_key = " + strings.Repeat("x", 40) + "\n"},
		// GitHub.
		{name: "github classic", text: "token: " + ghp + "\n", want: []string{"1:github-token"}},
		{name: "github oauth", text: "gho_" + fake(alnum, 36, 21), want: []string{"1:github-token"}},
		{name: "github fine-grained", text: "GH=" + ghpat + "\n", want: []string{"1:github-token"}},
		{name: "github too short", text: ghp[:39] + "\n"},
		{name: "github unknown prefix", text: "ghx_" + ghp[4:] + "\n"},
		{name: "github placeholder", text: "ghp_" + strings.Repeat("x", 36) + "\n"},
		// GitLab.
		{name: "gitlab pat", text: "\n\nprivate-token: " + glpat + "\n", want: []string{"3:gitlab-token"}},
		{name: "gitlab deploy", text: "gldt-" + fake(alnum, 20, 22), want: []string{"1:gitlab-token"}},
		{name: "gitlab runner registration", text: "GR1348941" + fake(alnum, 20, 23), want: []string{"1:gitlab-token"}},
		{name: "gitlab too short", text: glpat[:25] + "\n"},
		{name: "gitlab placeholder", text: "glpat-xxxxxxxxxxxxxxxxxxxx\n"},
		// Slack.
		{name: "slack bot", text: "SLACK=" + slack + "\n", want: []string{"1:slack-token"}},
		{name: "slack user", text: "xoxp-" + fake("0123456789", 10, 24) + "-" + fake("0123456789", 10, 25) + "-" + fake(hexLower, 32, 26), want: []string{"1:slack-token"}},
		{name: "slack word", text: "xoxb-not-a-token-at-all\n"},
		{name: "slack webhook", text: "url: " + hook + "\n", want: []string{"1:slack-webhook"}},
		{name: "slack other host", text: "https://hooks.example.com/services/T00/B00/abc\n"},
		// Private keys.
		{name: "rsa pem", text: "a\n-----BEGIN RSA PRIVATE KEY-----\n" + body + "\n-----END RSA PRIVATE KEY-----\n", want: []string{"2:private-key"}},
		{name: "pkcs8 pem", text: "-----BEGIN PRIVATE KEY-----\r\n" + body + "\r\n", want: []string{"1:private-key"}},
		{name: "encrypted pem headers", text: "-----BEGIN EC PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\n" + body + "\n", want: []string{"1:private-key"}},
		{name: "pem in json string", text: `{"private_key": "-----BEGIN PRIVATE KEY-----\n` + body + `\n-----END PRIVATE KEY-----\n"}`, want: []string{"1:private-key"}},
		{name: "pgp", text: "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\n" + body + "\n", want: []string{"1:private-key"}},
		{name: "openssh", text: "-----BEGIN OPENSSH PRIVATE KEY-----\n" + body + "\n", want: []string{"1:openssh-private-key"}},
		{name: "pem header without body", text: `if strings.Contains(s, "-----BEGIN RSA PRIVATE KEY-----") {` + "\n"},
		{name: "public key", text: "-----BEGIN PUBLIC KEY-----\n" + body + "\n"},
		{name: "certificate", text: "-----BEGIN CERTIFICATE-----\n" + body + "\n"},
		{name: "openssh header without body", text: "-----BEGIN OPENSSH PRIVATE KEY-----\n-----END OPENSSH PRIVATE KEY-----\n"},
		// age.
		{name: "age identity", text: "# created: now\n" + ageKey + "\n", want: []string{"2:age-secret-key"}},
		{name: "age recipient", text: "age1" + strings.ToLower(fake(bech32U, 58, 27)) + "\n"},
		{name: "age key too short", text: ageKey[:70] + "\n"},
		{name: "age key with B (not bech32)", text: ageKey[:20] + "B" + ageKey[21:] + "\n"},
		// conda channel tokens.
		{name: "conda token", text: "channels:\n  - https://conda.anaconda.org/t/" + condaTok + "/my-channel\n", want: []string{"2:conda-channel-token"}},
		{name: "conda token in package url", text: "url: https://repo.acme.io/t/" + condaTok + "/c/linux-64/a-1-0.conda", want: []string{"1:conda-channel-token"}},
		{name: "conda token placeholder", text: "https://localhost/t/${CONDA_TOKEN}/stable\n"},
		{name: "conda token angle placeholder", text: "https://conda.anaconda.org/t/<TOKEN>/stable\n"},
		{name: "discourse topic", text: "https://conda.discourse.group/t/conda-24-1-0-release/1234\n"},
		{name: "forum-like slug", text: "https://example.org/t/release-notes-2024/5678\n"},
		{name: "t in a path without url", text: "src/t/ab12cd34ef/x\n"},
		// user:password@ in URLs.
		{name: "url password", text: "pip_url: https://deploy:" + fake(alnum, 16, 28) + "@pypi.acme.io/simple\n", want: []string{"1:url-password"}},
		{name: "database url", text: "DATABASE_URL=postgres://app:" + fake(alnum, 12, 29) + "@db:5432/app\n", want: []string{"1:url-password"}},
		{name: "url env placeholders", text: "http://$PIP_USER:$PIP_PASSWORD@private-pypi.org/simple\n"},
		{name: "url brace placeholders", text: "https://${USER}:${PASS}@host/x\n"},
		{name: "url format verbs", text: `fmt.Sprintf("https://%s:%s@%s", u, p, h)` + "\n"},
		{name: "url word placeholder", text: "http://user:password@a.mychannel.cloud/mypackage\n"},
		{name: "url word placeholder suffixed", text: "http://username_d:password_d@d.mychannel.cloud/mypackage\n"},
		{name: "url stars", text: "https://user:****@host/x\n"},
		{name: "git ssh url", text: "git+ssh://git@github.com/pallets/flask@b90a4f1f4a370e92054b9cc9db0efcb864f87ebe\n"},
		{name: "git ref after @", text: "git+https://github.com/psf/requests.git@0106aced5faa299e6ede89d1230bd6784f2c3660\n"},
		{name: "url password at a documentation host", text: "https://me:" + fake(alnum, 12, 30) + "@repo.example.com:8443/ch\n"},
		{name: "url password at a .test host", text: "https://me:" + fake(alnum, 12, 31) + "@pypi.internal.test/simple\n"},
		{name: "url password of one or two characters", text: "https://u:p@host:8080/a https://user:pw@host/x\n"},
		{name: "conda token at a documentation host", text: "https://conda.example.com/t/" + condaTok + "/main\n"},
		{name: "port not password", text: "https://host:8080/x@y\n"},
		// inline allow.
		{name: "allow comment", text: "id: " + akia + "  # envseal:allow\n"},
		{name: "allow other line", text: "# envseal:allow\nid: " + akia + "\n", want: []string{"2:aws-access-key-id"}},
		// binary.
		{name: "binary", text: "\x00\x01" + akia},
	}
}

func TestRules(t *testing.T) {
	s := New(Options{})
	for _, tc := range ruleCases() {
		t.Run(tc.name, func(t *testing.T) {
			file := tc.file
			if file == "" {
				file = "config.txt"
			}
			got := lineRules(s.Scan(file, []byte(tc.text)))
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func lineRules(fs []Finding) []string {
	var out []string
	for _, f := range fs {
		s := strconv.Itoa(f.Line) + ":" + f.Rule
		if f.Name != "" {
			s += ":" + f.Name
		}
		out = append(out, s)
	}
	return out
}

// TestFindingsNeverHoldTheValue: whatever the rule, a finding's fields and
// its String are free of the secret.
func TestFindingsNeverHoldTheValue(t *testing.T) {
	secret := fake(alnum, 24, 40)
	sealed := func(yield func(string, []byte) bool) { yield("API_TOKEN", []byte(secret)) }
	s := New(Options{Sealed: sealed})
	text := "name: x\ndependencies: []\nvariables:\n  DB_PASSWORD: " + secret + "\n  OTHER: " + secret + "\n" +
		"url: https://u:" + secret + "@h/\n"
	fs := s.Scan("environment.yml", []byte(text))
	if len(fs) == 0 {
		t.Fatal("no findings")
	}
	for _, f := range fs {
		if strings.Contains(f.String(), secret) || strings.Contains(f.File+f.Rule+f.Name, secret) {
			t.Errorf("finding holds the secret: %v", f)
		}
	}
}

func TestRulesListed(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range Rules() {
		if seen[r.Name] {
			t.Errorf("rule %s listed twice", r.Name)
		}
		seen[r.Name] = true
		if r.Description == "" {
			t.Errorf("rule %s has no description", r.Name)
		}
	}
	for _, tc := range ruleCases() {
		for _, w := range tc.want {
			if r := strings.Split(w, ":")[1]; !seen[r] {
				t.Errorf("case %s wants unlisted rule %s", tc.name, r)
			}
		}
	}
}

func TestSealedValuesPercentEncoded(t *testing.T) {
	pw := "p@ss w/rd!" + fake(alnum, 6, 42)
	s := New(Options{Sealed: func(yield func(string, []byte) bool) { yield("DB_PASSWORD", []byte(pw)) }})
	text := "a\nurl: postgres://app:" + strings.ReplaceAll(strings.ReplaceAll(strings.ReplaceAll(strings.ReplaceAll(pw, "@", "%40"), " ", "%20"), "/", "%2F"), "!", "%21") + "@db/x\nq: ?pw=" + strings.ReplaceAll(strings.ReplaceAll(strings.ReplaceAll(strings.ReplaceAll(pw, "@", "%40"), " ", "+"), "/", "%2F"), "!", "%21") + "\n"
	got := lineRules(s.Scan("c.yml", []byte(text)))
	want := []string{"2:sealed-secret:DB_PASSWORD", "2:url-password", "3:sealed-secret:DB_PASSWORD"}
	if !slices.Equal(got, want) {
		t.Errorf("got %v, want %v\n%s", got, want, text)
	}
}

func TestSealedValues(t *testing.T) {
	v1 := fake(alnum, 20, 41)
	short := "abc"
	sealed := func(yield func(string, []byte) bool) {
		if yield("A", []byte(v1)) {
			yield("SHORT", []byte(short))
		}
	}
	s := New(Options{Sealed: sealed})
	text := "x = 1\nkey: " + v1 + "\nabc abc\nagain " + v1 + " and " + v1 + "\n"
	got := lineRules(s.Scan("config.json", []byte(text)))
	want := []string{"2:sealed-secret:A", "4:sealed-secret:A"}
	if !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}
