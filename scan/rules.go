package scan

import (
	"bytes"
	"math"
	"regexp"
	"strings"
)

// Rule names, as printed in findings and written in .envsealignore.
const (
	RuleAWSAccessKeyID     = "aws-access-key-id"
	RuleAWSSecretAccessKey = "aws-secret-access-key"
	RuleGitHubToken        = "github-token"
	RuleGitLabToken        = "gitlab-token"
	RuleSlackToken         = "slack-token"
	RuleSlackWebhook       = "slack-webhook"
	RulePrivateKey         = "private-key"
	RuleOpenSSHPrivateKey  = "openssh-private-key"
	RuleAgeSecretKey       = "age-secret-key"
	RuleCondaToken         = "conda-channel-token"
	RuleURLPassword        = "url-password"
	RuleSecretVariable     = "secret-variable"
	RuleEntropyVariable    = "high-entropy-variable"
	RuleSealedSecret       = "sealed-secret"
)

// RuleInfo describes one rule.
type RuleInfo struct {
	Name        string
	Description string
}

// Rules returns every rule the scanner applies, in a fixed order. The slice
// is new on each call.
func Rules() []RuleInfo {
	out := make([]RuleInfo, 0, len(patterns)+3)
	for _, p := range patterns {
		if len(out) > 0 && out[len(out)-1].Name == p.rule {
			continue
		}
		out = append(out, RuleInfo{p.rule, p.desc})
	}
	return append(out,
		RuleInfo{RuleSecretVariable, "a variables: entry of an environment file whose name says it holds a secret"},
		RuleInfo{RuleEntropyVariable, "a variables: entry of an environment file whose value looks random (long base64 or hex)"},
		RuleInfo{RuleSealedSecret, "the plaintext of a secret sealed in envseal.lock"},
	)
}

// knownRule reports whether name is a rule name.
func knownRule(name string) bool {
	for _, r := range Rules() {
		if r.Name == name {
			return true
		}
	}
	return false
}

// pattern is a credential-shape rule: an expression whose group 1 is the
// credential, literals one of which must occur for the expression to be
// tried, and a check that rejects placeholders.
type pattern struct {
	rule, desc string
	literals   []string
	re         *regexp.Regexp
	// group is the submatch that is the credential (0 means 1); the
	// finding's line is that of its first byte.
	group int
	// ok, when set, is asked about each match (m[0] the whole match, m[i]
	// group i) and returns false for placeholders.
	ok func(m [][]byte) bool
	// need, when set, lists strings one of which the line must also hold.
	need []string
	// multiline patterns may run past the line of their literal.
	multiline bool
	// indexed literals start with a byte that is everywhere in lockfiles
	// (':', '/', 'h'); they are found with bytes.Index, which is faster on
	// them than the shared first-byte pass.
	indexed bool
}

// bech32 upper-case alphabet (age keys are Bech32, upper-cased for
// identities).
const bech32Upper = `[02-9AC-HJ-NP-Z]`

// patterns are the credential shapes, written from the published formats:
// AWS's key ID prefixes (AKIA long-term, ASIA temporary, …) and 40-character
// secret keys, GitHub's prefixed tokens (gh?_ + 36, github_pat_ + 22 + _ +
// 59), GitLab's gl*- token prefixes, Slack's xox?- tokens and webhook URLs,
// RFC 7468 private key labels, age's AGE-SECRET-KEY-1 Bech32 identities,
// anaconda.org's /t/<token>/ URL segment and RFC 3986 userinfo.
var patterns = []pattern{
	{
		rule: RuleAWSAccessKeyID, desc: "an AWS access key id (AKIA…, ASIA…)",
		literals: []string{"AKIA", "ASIA", "ABIA", "ACCA", "A3T"},
		re:       regexp.MustCompile(`\b((?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z2-7]{16})\b`),
		ok:       func(m [][]byte) bool { return !bytes.HasSuffix(m[1], []byte("EXAMPLE")) && distinct(m[1][4:]) >= 6 },
	},
	{
		rule: RuleAWSSecretAccessKey, desc: "an AWS secret access key next to its name",
		literals: []string{"key", "Key", "KEY"}, // every spelling of the name ends in key
		need:     []string{"ecret", "ECRET"},
		re:       regexp.MustCompile(`(?i)(?:aws[_.\-]?secret[_.\-]?(?:access[_.\-]?)?key|secret[_.\-]?access[_.\-]?key)["']?\s*(?::|=|=>|:=)\s*["']?([A-Za-z0-9/+]{40})(?:[^A-Za-z0-9/+=]|$)`),
		ok: func(m [][]byte) bool {
			return !bytes.Contains(m[1], []byte("EXAMPLE")) && entropy(m[1]) >= 3.5
		},
	},
	{
		rule: RuleGitHubToken, desc: "a GitHub token (ghp_, gho_, ghu_, ghs_, ghr_, github_pat_)",
		literals: []string{"ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"},
		re:       regexp.MustCompile(`\b((?:gh[pousr]_[A-Za-z0-9]{36,251}|github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59}))\b`),
		ok:       func(m [][]byte) bool { return distinct(m[1]) >= 10 },
	},
	{
		rule: RuleGitLabToken, desc: "a GitLab token (glpat-, gldt-, glrt-, … or GR1348941 runner registration)",
		literals: []string{"glpat-", "gldt-", "glrt-", "glptt-", "glcbt-", "gloas-", "glsoat-", "glffct-", "glimt-", "glagent-", "glft-", "GR1348941"},
		re:       regexp.MustCompile(`\b((?:gl(?:pat|dt|rt|ptt|cbt|oas|soat|ffct|imt|agent|ft)-|GR1348941)[0-9A-Za-z_\-]{20,})`),
		ok:       func(m [][]byte) bool { return distinct(m[1][bytes.IndexAny(m[1], "-1")+1:]) >= 8 },
	},
	{
		rule: RuleSlackToken, desc: "a Slack token (xoxb-, xoxp-, xapp-, …)",
		literals: []string{"xox", "xapp-"},
		re:       regexp.MustCompile(`\b((?:xox[abposr]|xoxe\.xox[bp]|xoxe|xapp)-[0-9]+-[0-9A-Za-z\-]{10,})`),
		ok:       func(m [][]byte) bool { return distinct(m[1]) >= 10 },
	},
	{
		rule: RuleSlackWebhook, desc: "a Slack incoming-webhook URL",
		literals: []string{"hooks.slack.com"},
		indexed:  true,
		re:       regexp.MustCompile(`(hooks\.slack\.com/(?:services|workflows|triggers)/T[A-Z0-9]{6,}/[A-Za-z0-9]{6,}/[A-Za-z0-9]{16,})`),
	},
	{
		rule: RuleOpenSSHPrivateKey, desc: "an OpenSSH private key",
		literals:  []string{"-----BEGIN OPENSSH PRIVATE KEY-----"},
		re:        regexp.MustCompile(`(-----BEGIN OPENSSH PRIVATE KEY-----)` + pemBody),
		multiline: true,
	},
	{
		rule: RulePrivateKey, desc: "a PEM private key (RSA, EC, DSA, PKCS#8, PGP, …)",
		literals:  []string{"PRIVATE KEY"},
		re:        regexp.MustCompile(`(-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----)` + pemBody),
		multiline: true,
		ok:        func(m [][]byte) bool { return !bytes.Contains(m[1], []byte("OPENSSH")) },
	},
	{
		rule: RuleAgeSecretKey, desc: "an age secret key (AGE-SECRET-KEY-1…)",
		literals: []string{"AGE-SECRET-KEY-1"},
		re:       regexp.MustCompile(`(AGE-SECRET-KEY-1` + bech32Upper + `{58})\b`),
	},
	{
		rule: RuleCondaToken, desc: "a conda channel token in a URL (/t/<token>/)",
		literals: []string{"/t/"},
		indexed:  true,
		re:       regexp.MustCompile(`[A-Za-z][A-Za-z0-9+.\-]*://([^\s/'"<>]+)(?:/[^\s'"<>]*?)?/t/([A-Za-z0-9][A-Za-z0-9_\-]{7,})(/[^\s'"<>/]*)`),
		group:    2,
		ok:       func(m [][]byte) bool { return condaTokenOK(m[1], m[2], m[3]) },
	},
	{
		rule: RuleURLPassword, desc: "a password in a URL (scheme://user:password@host)",
		literals: []string{"://"},
		need:     []string{"@"},
		indexed:  true,
		re:       regexp.MustCompile(`\b[A-Za-z][A-Za-z0-9+.\-]*://[^\s:/@?#'"<>]*:([^\s/@?#'"<>]+)@([A-Za-z0-9\[][^\s/?#'"<>]*)`),
		ok: func(m [][]byte) bool {
			return len(m[1]) >= 3 && !placeholder(string(m[1])) && !reservedHost(m[2])
		},
	},
}

// pemBody follows a private key's BEGIN line: optional RFC 1421 headers,
// then base64 (in a file, or in a JSON string with \n escapes). A BEGIN line
// alone, as in code that looks for one, is not a key.
const pemBody = `(?:\s|\\[rn])+(?:[A-Za-z\-]+: [^\n\\]*(?:\s|\\[rn])+)*[A-Za-z0-9+/=]{20,}`

// condaTokenOK rejects forum URLs that share the /t/ segment (Discourse:
// /t/topic-slug/1234) and tokens without digits.
func condaTokenOK(host, token, next []byte) bool {
	if reservedHost(host) {
		return false
	}
	h := strings.ToLower(string(host))
	if strings.Contains(h, "discourse") || strings.Contains(h, "forum") {
		return false
	}
	if len(next) > 1 && allDigits(next[1:]) {
		return false
	}
	digits := 0
	for _, c := range token {
		if c >= '0' && c <= '9' {
			digits++
		}
	}
	return digits >= 2 && distinct(token) >= 6
}

// reservedHost reports whether the host of a URL authority
// ([userinfo@]host[:port]) is a name reserved for documentation and tests
// (RFC 2606, RFC 6761): example.com/.net/.org and the .example, .test and
// .invalid domains. Credentials for them are not anybody's.
func reservedHost(authority []byte) bool {
	h := strings.ToLower(string(authority))
	if i := strings.LastIndexByte(h, '@'); i >= 0 {
		h = h[i+1:]
	}
	if i := strings.LastIndexByte(h, ':'); i >= 0 && !strings.HasSuffix(h, "]") {
		h = h[:i]
	}
	h = strings.TrimSuffix(h, ".")
	for _, d := range []string{"example.com", "example.net", "example.org", "example", "test", "invalid"} {
		if h == d || strings.HasSuffix(h, "."+d) {
			return true
		}
	}
	return false
}

func allDigits(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return len(b) > 0
}

// placeholderWords are the values documentation writes where a password
// goes.
var placeholderRE = regexp.MustCompile(`(?i)^(?:password|passwd|pass|pwd|secret|token|apikey|api_key|changeme|example|dummy|placeholder|redacted|hidden|masked|foo|bar|test|xxx+|x+|\*+|\.+|_+|-+)(?:[_\-]?[a-z0-9])?$`)

// placeholder reports whether a value stands for a secret rather than
// being one: ${VAR}, $VAR, %VAR%, <…>, {…}, [VAR], runs of x or *, and
// the usual words (password, changeme, …).
func placeholder(v string) bool {
	v = strings.Trim(v, `"'`)
	if v == "" {
		return true
	}
	switch v[0] {
	case '$', '%', '<', '{', '[', '(':
		return true
	}
	if strings.Contains(v, "${") || strings.Contains(v, "{{") || strings.HasSuffix(v, "}") || strings.HasSuffix(v, "%") || strings.HasSuffix(v, ">") {
		return true
	}
	return placeholderRE.MatchString(v)
}

// distinct counts the different bytes of b.
func distinct(b []byte) int {
	var seen [256]bool
	n := 0
	for _, c := range b {
		if !seen[c] {
			seen[c] = true
			n++
		}
	}
	return n
}

// entropy is the Shannon entropy of b in bits per byte.
func entropy[T string | []byte](b T) float64 {
	if len(b) == 0 {
		return 0
	}
	var counts [256]int
	for i := 0; i < len(b); i++ {
		counts[b[i]]++
	}
	n := float64(len(b))
	h := 0.0
	for _, c := range counts {
		if c > 0 {
			p := float64(c) / n
			h -= p * math.Log2(p)
		}
	}
	return h
}
