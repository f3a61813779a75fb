package scan

import (
	"bytes"
	"path"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

// varHit is a variables: entry that a rule flags.
type varHit struct {
	line int
	rule string
	name string
}

// variablesKey is what an environment file with variables holds at the
// start of a line; files without it are not parsed.
var variablesKey = []byte("variables:")

// envVariables returns the flagged entries of the top-level variables:
// mapping of an environment file (a YAML mapping with variables: and one
// of dependencies:, channels:, name: or prefix:, or any file named
// environment*.yml). Anything that does not parse as such is no
// environment file and has no hits.
//
// Every entry's value line is also returned in lines, mapped to its name,
// so that a credential-shape finding there can say which variable holds it.
func envVariables(name string, data []byte) (hits []varHit, lines map[int]string) {
	if !bytes.HasPrefix(data, variablesKey) && !bytes.Contains(data, append([]byte("\n"), variablesKey...)) {
		return nil, nil
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil || doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, nil
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, nil
	}
	var vars *yaml.Node
	envLike := strings.HasPrefix(path.Base(name), "environment")
	for i := 0; i+1 < len(root.Content); i += 2 {
		switch root.Content[i].Value {
		case "variables":
			vars = root.Content[i+1]
		case "dependencies", "channels", "name", "prefix":
			envLike = true
		}
	}
	if vars == nil || !envLike || vars.Kind != yaml.MappingNode {
		return nil, nil
	}
	var out []varHit
	lines = map[int]string{}
	for i := 0; i+1 < len(vars.Content); i += 2 {
		k, v := vars.Content[i], vars.Content[i+1]
		lines[v.Line] = k.Value
		if v.Kind != yaml.ScalarNode || v.Tag == "!!null" || v.Tag == "!!bool" {
			continue
		}
		if secretName(k.Value) && secretValue(v.Value) {
			out = append(out, varHit{line: v.Line, rule: RuleSecretVariable, name: k.Value})
		}
		if randomLooking(v.Value) {
			out = append(out, varHit{line: v.Line, rule: RuleEntropyVariable, name: k.Value})
		}
	}
	return out, lines
}

// secretWords end a name that holds a secret (DB_PASSWORD, GITHUB_TOKEN).
var secretWords = map[string]bool{
	"SECRET": true, "SECRETS": true, "PASSWORD": true, "PASSWD": true, "PASS": true,
	"PASSPHRASE": true, "TOKEN": true, "APIKEY": true, "CREDENTIAL": true,
	"CREDENTIALS": true, "PRIVATEKEY": true, "SECRETKEY": true, "ACCESSKEY": true,
	"AUTH": true, "COOKIE": true, "DSN": true,
}

// keyQualifiers make a trailing KEY a secret (API_KEY, ACCESS_KEY); a
// bare KEY or SORT_KEY is not.
var keyQualifiers = map[string]bool{
	"API": true, "ACCESS": true, "SECRET": true, "PRIVATE": true, "SIGNING": true,
	"ENCRYPTION": true, "MASTER": true, "CLIENT": true, "AUTH": true, "LICENSE": true,
	"SERVICE": true, "ACCOUNT": true, "APP": true, "SESSION": true,
}

var camelBoundary = regexp.MustCompile(`([a-z0-9])([A-Z])`)

// secretName reports whether a variable name says it holds a secret: its
// last word (split on _, -, . and camelCase) is PASSWORD, TOKEN, SECRET, …,
// or KEY after API, ACCESS, PRIVATE, …. A name ending in anything else
// (TOKEN_URL, PASSWORD_FILE, KEY_ID) is not.
func secretName(name string) bool {
	n := camelBoundary.ReplaceAllString(name, "${1}_${2}")
	words := strings.FieldsFunc(strings.ToUpper(n), func(r rune) bool { return r == '_' || r == '-' || r == '.' })
	if len(words) == 0 {
		return false
	}
	last := words[len(words)-1]
	if secretWords[last] {
		return true
	}
	return last == "KEY" && len(words) > 1 && keyQualifiers[words[len(words)-2]]
}

// secretValue reports whether a secret-named variable's value is one: not
// empty, not a placeholder, not a path to a file holding the secret.
func secretValue(v string) bool {
	v = strings.TrimSpace(v)
	if len(v) < 4 || placeholder(v) {
		return false
	}
	switch {
	case strings.HasPrefix(v, "/"), strings.HasPrefix(v, "~/"), strings.HasPrefix(v, "./"), strings.HasPrefix(v, "../"):
		return false
	case len(v) > 2 && v[1] == ':' && (v[2] == '\\' || v[2] == '/'):
		return false // C:\path
	}
	switch strings.ToLower(v) {
	case "none", "null", "true", "false", "yes", "no", "on", "off", "disabled", "enabled", "required", "optional":
		return false
	}
	return true
}

// randomLooking reports whether v looks like a key or token rather than a
// word, version, path or URL: at least 20 characters of a base64/hex
// alphabet with letters and digits mixed, and high Shannon entropy (3.0
// bits per character for 32+ hex digits, 3.7 otherwise).
func randomLooking(v string) bool {
	if len(v) < 20 || strings.Contains(v, "://") || strings.HasPrefix(v, "/") || strings.HasPrefix(v, ".") || strings.HasPrefix(v, "~") {
		return false
	}
	var upper, lower, digit, hex bool
	hex = true
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c >= 'A' && c <= 'Z':
			upper = true
			hex = hex && c <= 'F'
		case c >= 'a' && c <= 'z':
			lower = true
			hex = hex && c <= 'f'
		case c >= '0' && c <= '9':
			digit = true
		case c == '+' || c == '/' || c == '=' || c == '_' || c == '-' || c == '.':
			hex = false
		default:
			return false
		}
	}
	if !digit || !(upper || lower) {
		return false
	}
	if hex && len(v) >= 32 {
		return entropy(v) >= 3.0
	}
	return upper && lower && entropy(v) >= 3.7
}
