package secrets

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"reflect"
	"strings"
	"testing"

	"filippo.io/age"
	"golang.org/x/crypto/ssh"
	"gopkg.in/yaml.v3"
)

// Secret values used in tests; no error message may contain them.
var testValues = map[string]string{
	"API_TOKEN":   "tok-3f9a8b7c6d5e4f30",
	"DB_PASSWORD": "correct horse battery staple",
	"EMPTY":       "",
	"PEM":         "-----BEGIN KEY-----\nMIIBVwIBADANBgkqhkiG9w0BAQEFAASCAUEwggE9AgEAAkEA\n-----END KEY-----\n",
}

// assertNoLeak fails if err's message contains any secret given.
func assertNoLeak(t *testing.T, err error, secrets ...string) {
	t.Helper()
	if err == nil {
		return
	}
	msg := err.Error()
	for _, s := range secrets {
		if len(s) >= 8 && strings.Contains(msg, s) {
			t.Errorf("error message leaks a secret: %q", msg)
		}
	}
	for _, v := range testValues {
		if len(v) >= 8 && strings.Contains(msg, v) {
			t.Errorf("error message leaks a value: %q", msg)
		}
	}
}

// dk returns the wrapped data key files of s, concatenated.
func dk(s *Section) string {
	var b strings.Builder
	for _, w := range s.wrappedKeys() {
		b.WriteString(w.Age)
	}
	return b.String()
}

func newAgeID(t *testing.T) *age.X25519Identity {
	t.Helper()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// newSSHKey returns an ed25519 SSH identity (parsed from its PEM through
// ParseIdentities), its authorized_keys line with a comment, and the PEM.
func newSSHKey(t *testing.T, comment string) (Identity, string, []byte) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(priv, comment)
	if err != nil {
		t.Fatal(err)
	}
	pemBytes := pem.EncodeToMemory(block)
	sshPub, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	line := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(sshPub))) + " " + comment
	ids, err := ParseIdentities(bytes.NewReader(pemBytes))
	if err != nil {
		t.Fatal(err)
	}
	return ids[0], line, pemBytes
}

func mustParseRecipient(t *testing.T, s string) Recipient {
	t.Helper()
	r, err := ParseRecipient(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// sealed returns a section for env "demo" sealed for id with testValues.
func sealed(t *testing.T, env string, rs ...Recipient) *Section {
	t.Helper()
	o, err := New(env, rs...)
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	for _, name := range sortedKeys(testValues) {
		if err := o.Set(name, []byte(testValues[name])); err != nil {
			t.Fatal(err)
		}
	}
	s, err := o.Seal()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func mustMarshal(t *testing.T, s *Section) []byte {
	t.Helper()
	b, err := s.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func checkValues(t *testing.T, o *Opened, want map[string]string) {
	t.Helper()
	if got, wantNames := o.Names(), sortedKeys(want); !reflect.DeepEqual(got, wantNames) {
		t.Fatalf("names %q, want %q", got, wantNames)
	}
	for name, v := range want {
		got, ok := o.Get(name)
		if !ok || string(got) != v {
			t.Errorf("%s = %q, %v; want %q", name, got, ok, v)
		}
	}
}

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	id := newAgeID(t)
	s := sealed(t, "demo", id.Recipient())
	text := mustMarshal(t, s)

	parsed, err := ParseSection(text)
	if err != nil {
		t.Fatalf("ParseSection: %v\n%s", err, text)
	}
	if !reflect.DeepEqual(parsed, s) {
		t.Fatalf("parsed section differs from sealed one")
	}
	o, err := parsed.Open("demo", id)
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	checkValues(t, o, testValues)
	if got := o.Recipients(); !reflect.DeepEqual(got, []string{id.Recipient().String()}) {
		t.Errorf("recipients %q", got)
	}

	// Sealing an unchanged section is byte-stable.
	again, err := o.Seal()
	if err != nil {
		t.Fatal(err)
	}
	if got := mustMarshal(t, again); !bytes.Equal(got, text) {
		t.Errorf("resealing an unchanged section changed it:\n%s\nwant\n%s", got, text)
	}
	// Setting a value to what it was changes nothing either.
	if err := o.Set("API_TOKEN", []byte(testValues["API_TOKEN"])); err != nil {
		t.Fatal(err)
	}
	// Changing one value changes only its entry and the MAC.
	if err := o.Set("DB_PASSWORD", []byte("new password")); err != nil {
		t.Fatal(err)
	}
	changed, err := o.Seal()
	if err != nil {
		t.Fatal(err)
	}
	if dk(changed) != dk(s) || changed.MAC == s.MAC {
		t.Errorf("data key changed or MAC did not")
	}
	for i, e := range changed.Entries {
		if (e == s.Entries[i]) != (e.Name != "DB_PASSWORD") {
			t.Errorf("entry %s: changed = %v", e.Name, e != s.Entries[i])
		}
	}
}

func TestMarshalShape(t *testing.T) {
	t.Parallel()
	id := newAgeID(t)
	text := string(mustMarshal(t, sealed(t, "demo", id.Recipient())))
	for _, want := range []string{
		"version: 2\nrecipients:\n  - age1",
		"\ndata_keys:\n  - kind: classic\n    age: |\n      -----BEGIN AGE ENCRYPTED FILE-----\n",
		"      -----END AGE ENCRYPTED FILE-----\nentries:\n  - name: API_TOKEN\n    nonce: ",
		"\n  - name: EMPTY\n",
		"\npending: []\nmac: ",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("marshalled section lacks %q:\n%s", want, text)
		}
	}
	for _, v := range testValues {
		if len(v) > 0 && strings.Contains(text, v) {
			t.Errorf("marshalled section contains a value in clear")
		}
	}
	// An empty section has an explicit empty list.
	o, err := New("demo", id.Recipient())
	if err != nil {
		t.Fatal(err)
	}
	s, err := o.Seal()
	if err != nil {
		t.Fatal(err)
	}
	if text := string(mustMarshal(t, s)); !strings.Contains(text, "\nentries: []\n") {
		t.Errorf("empty section:\n%s", text)
	}
}

func TestWrongIdentity(t *testing.T) {
	t.Parallel()
	alice, mallory := newAgeID(t), newAgeID(t)
	s := sealed(t, "demo", alice.Recipient())
	for _, tc := range []struct {
		name string
		ids  []Identity
	}{
		{"other age key", []Identity{mallory}},
		{"no identities", nil},
		{"nil identity", []Identity{nil}},
		{"wrong passphrase", []Identity{mustPassphraseID(t, "hunter2", 0)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o, err := s.Open("demo", tc.ids...)
			if o != nil {
				t.Fatal("Open returned a section with an error")
			}
			if !errors.Is(err, ErrNoIdentityMatched) {
				t.Fatalf("want ErrNoIdentityMatched, got %v", err)
			}
			var ni *NoIdentityError
			if !errors.As(err, &ni) || !reflect.DeepEqual(ni.Recipients, s.Recipients) {
				t.Errorf("NoIdentityError should list the recipients: %v", err)
			}
			var ie *IntegrityError
			if errors.As(err, &ie) {
				t.Errorf("no match must not be an IntegrityError")
			}
			if !strings.Contains(err.Error(), alice.Recipient().String()) {
				t.Errorf("message should name the recipient: %v", err)
			}
			assertNoLeak(t, err, alice.String(), mallory.String())
		})
	}
}

func mustPassphraseID(t *testing.T, pass string, max int) Identity {
	t.Helper()
	id, err := NewPassphraseIdentity(pass, max)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// TestFlipEveryByte flips one bit in every byte of a marshalled section: the
// result must fail to parse or to open, unless it parses to the very same
// section (a change YAML does not see).
func TestFlipEveryByte(t *testing.T) {
	t.Parallel()
	id := newAgeID(t)
	orig := sealed(t, "demo", id.Recipient())
	text := mustMarshal(t, orig)
	benign := 0
	for i := range text {
		mod := bytes.Clone(text)
		mod[i] ^= 0x01
		s, err := ParseSection(mod)
		if err != nil {
			if s != nil {
				t.Fatalf("byte %d: ParseSection returned a section with an error", i)
			}
			continue
		}
		if reflect.DeepEqual(s, orig) {
			benign++
			continue
		}
		o, err := s.Open("demo", id)
		if err == nil {
			o.Close()
			t.Fatalf("byte %d (%q→%q): tampered section opened", i, text[i], mod[i])
		}
		var ie *IntegrityError
		if !errors.As(err, &ie) && !errors.Is(err, ErrNoIdentityMatched) {
			t.Errorf("byte %d: unexpected error class: %v", i, err)
		}
		assertNoLeak(t, err, id.String())
	}
	if benign > 2 {
		t.Errorf("%d flips left the section unchanged, want at most 2 (YAML insignificant bytes)", benign)
	}
}

// TestTamperFields flips a bit in each binary field of a parsed section and
// re-encodes it validly, so that only the cryptography can notice.
func TestTamperFields(t *testing.T) {
	t.Parallel()
	id := newAgeID(t)
	other := newAgeID(t)
	orig := sealed(t, "demo", id.Recipient())

	flipB64 := func(s string, bit int) string {
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			t.Fatal(err)
		}
		b[bit/8%len(b)] ^= 1 << (bit % 8)
		return base64.StdEncoding.EncodeToString(b)
	}
	cases := map[string]func(s *Section){
		"nonce":             func(s *Section) { s.Entries[1].Nonce = flipB64(s.Entries[1].Nonce, 77) },
		"ciphertext":        func(s *Section) { s.Entries[1].Value = flipB64(s.Entries[1].Value, 3) },
		"tag":               func(s *Section) { s.Entries[0].Value = flipB64(s.Entries[0].Value, 8*len(s.Entries[0].Value)*6/8-1) },
		"mac":               func(s *Section) { s.MAC = flipB64(s.MAC, 200) },
		"name":              func(s *Section) { s.Entries[1].Name = "DB_PASSWORE" },
		"remove entry":      func(s *Section) { s.Entries = s.Entries[1:] },
		"add recipient":     func(s *Section) { s.Recipients = sortedStrings(append(s.Recipients, other.Recipient().String())) },
		"replace recipient": func(s *Section) { s.Recipients = []string{other.Recipient().String()} },
		"swap values": func(s *Section) {
			s.Entries[0].Nonce, s.Entries[1].Nonce = s.Entries[1].Nonce, s.Entries[0].Nonce
			s.Entries[0].Value, s.Entries[1].Value = s.Entries[1].Value, s.Entries[0].Value
		},
		"duplicate entry": func(s *Section) {
			e := s.Entries[0]
			e.Name = "A"
			s.Entries = append([]Entry{e}, s.Entries...)
		},
	}
	for name, tamper := range cases {
		t.Run(name, func(t *testing.T) {
			s := cloneSection(orig)
			tamper(s)
			text := mustMarshal(t, s) // still well formed
			parsed, err := ParseSection(text)
			if err != nil {
				t.Fatal(err)
			}
			_, err = parsed.Open("demo", id)
			var ie *IntegrityError
			if !errors.As(err, &ie) {
				t.Fatalf("want IntegrityError, got %v", err)
			}
			assertNoLeak(t, err, id.String())
		})
	}

	// Every single-bit flip of the raw age file inside data_key fails.
	raw := dearmor(t, dk(orig))
	for bit := 0; bit < 8*len(raw); bit += 7 {
		mod := bytes.Clone(raw)
		mod[bit/8] ^= 1 << (bit % 8)
		s := cloneSection(orig)
		s.DataKeys = []WrappedKey{{Kind: WrapClassic, Age: rearmor(t, mod)}}
		_, err := s.Open("demo", id)
		if err == nil {
			t.Fatalf("data key bit %d: opened", bit)
		}
		var ie *IntegrityError
		if !errors.As(err, &ie) && !errors.Is(err, ErrNoIdentityMatched) {
			if !strings.Contains(err.Error(), "invalid section") {
				t.Errorf("data key bit %d: unexpected error %v", bit, err)
			}
		}
	}
}

// TestValueBinding shows that the AEAD binds each value to its name and
// environment even when the MAC is recomputed by someone holding the key.
func TestValueBinding(t *testing.T) {
	t.Parallel()
	id := newAgeID(t)
	orig := sealed(t, "demo", id.Recipient())
	o, err := orig.Open("demo", id)
	if err != nil {
		t.Fatal(err)
	}
	key := bytes.Clone(o.dataKey)
	o.Close()

	remac := func(s *Section, env string) {
		d, err := s.check()
		if err != nil {
			t.Fatal(err)
		}
		s.MAC = base64.StdEncoding.EncodeToString(extendMAC(key, computeMAC(key, s.Version, env, s.Recipients, s.wrappedKeys(), d.entries), s.Version, s.Labels, s.Rotated))
	}

	t.Run("moved to another name", func(t *testing.T) {
		s := cloneSection(orig)
		s.Entries[0].Value, s.Entries[1].Value = s.Entries[1].Value, s.Entries[0].Value
		s.Entries[0].Nonce, s.Entries[1].Nonce = s.Entries[1].Nonce, s.Entries[0].Nonce
		if _, err := s.Open("demo", id); !isIntegrity(err) || !strings.Contains(err.Error(), "MAC") {
			t.Errorf("without re-MAC: want MAC IntegrityError, got %v", err)
		}
		remac(s, "demo")
		_, err := s.Open("demo", id)
		if !isIntegrity(err) || !strings.Contains(err.Error(), "does not decrypt") {
			t.Errorf("with re-MAC: want decryption IntegrityError, got %v", err)
		}
	})
	t.Run("another environment", func(t *testing.T) {
		s := cloneSection(orig)
		if _, err := s.Open("prod", id); !isIntegrity(err) || !strings.Contains(err.Error(), "MAC") {
			t.Errorf("want MAC IntegrityError, got %v", err)
		}
		remac(s, "prod")
		if _, err := s.Open("prod", id); !isIntegrity(err) || !strings.Contains(err.Error(), "does not decrypt") {
			t.Errorf("with re-MAC: want decryption IntegrityError, got %v", err)
		}
	})
	t.Run("env and name boundary", func(t *testing.T) {
		// Length prefixes keep ("ab", "c") and ("a", "bc") apart.
		if bytes.Equal(additionalData("demo_", "X"), additionalData("demo", "_X")) {
			t.Error("additional data is ambiguous")
		}
	})
	t.Run("reordered entries", func(t *testing.T) {
		d, err := orig.check()
		if err != nil {
			t.Fatal(err)
		}
		swapped := append([]decodedEntry(nil), d.entries...)
		swapped[0], swapped[1] = swapped[1], swapped[0]
		a := computeMAC(key, orig.Version, "demo", orig.Recipients, orig.wrappedKeys(), d.entries)
		b := computeMAC(key, orig.Version, "demo", orig.Recipients, orig.wrappedKeys(), swapped)
		if bytes.Equal(a, b) {
			t.Error("MAC does not depend on entry order")
		}
		// And the text form refuses unsorted entries outright.
		s := cloneSection(orig)
		s.Entries[0], s.Entries[1] = s.Entries[1], s.Entries[0]
		if _, err := s.Marshal(); err == nil {
			t.Error("Marshal accepted unsorted entries")
		}
		if _, err := s.Open("demo", id); err == nil {
			t.Error("Open accepted unsorted entries")
		}
	})
}

func isIntegrity(err error) bool {
	var ie *IntegrityError
	return errors.As(err, &ie) && !errors.Is(err, ErrNoIdentityMatched)
}

// TestTruncation cuts the marshalled section at every length: each prefix
// fails, except ones that differ only by the final newline.
func TestTruncation(t *testing.T) {
	t.Parallel()
	id := newAgeID(t)
	orig := sealed(t, "demo", id.Recipient())
	text := mustMarshal(t, orig)
	for n := 0; n < len(text); n++ {
		s, err := ParseSection(text[:n])
		if err != nil {
			continue
		}
		if n == len(text)-1 && reflect.DeepEqual(s, orig) {
			continue
		}
		if o, err := s.Open("demo", id); err == nil {
			o.Close()
			t.Fatalf("section truncated to %d of %d bytes opened", n, len(text))
		}
	}
}

func TestTrailingGarbage(t *testing.T) {
	t.Parallel()
	id := newAgeID(t)
	text := string(mustMarshal(t, sealed(t, "demo", id.Recipient())))
	footer := "-----END AGE ENCRYPTED FILE-----\n"
	for name, mod := range map[string]string{
		"after armor":          strings.Replace(text, footer, footer+"  garbage\n", 1),
		"blank line in armor":  strings.Replace(text, footer, "\n  "+footer, 1),
		"space after footer":   strings.Replace(text, footer, strings.TrimSuffix(footer, "\n")+" \n", 1),
		"second document":      text + "---\nversion: 1\n",
		"extra field":          text + "extra: 1\n",
		"text after document":  text + "...\ngarbage\n",
		"armor before section": strings.Replace(text, "  -----BEGIN", "  junk\n  -----BEGIN", 1),
	} {
		if _, err := ParseSection([]byte(mod)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestParseStrict(t *testing.T) {
	t.Parallel()
	id := newAgeID(t)
	good := string(mustMarshal(t, sealed(t, "demo", id.Recipient())))
	recipient := id.Recipient().String()
	_, sshLine, _ := newSSHKey(t, "carol@laptop")
	mac := good[strings.Index(good, "\nmac: ")+6 : len(good)-1]
	firstNonce := between(good, "nonce: ", "\n")
	firstValue := between(good, "value: ", "\n")
	for _, tc := range []struct {
		name, from, to, want string
	}{
		{"unknown field", "version: 2\n", "version: 2\ncomment: hi\n", `unknown field "comment"`},
		{"v1 field in v2", "data_keys:\n", "data_key: x\ndata_keys:\n", `unknown field "data_key"`},
		{"missing pending", "pending: []\n", "", `missing field "pending"`},
		{"unknown wrap kind", "kind: classic", "kind: quantum", `unknown kind "quantum"`},
		{"wrap kind without recipients", "kind: classic", "kind: postquantum", "no recipient is of that kind"},
		{"unknown entry field", "  - name: API_TOKEN\n", "  - name: API_TOKEN\n    note: x\n", `unknown field "note"`},
		{"missing mac", "\nmac: " + mac, "\n", `missing field "mac"`},
		{"duplicate key", "version: 2\n", "version: 2\nversion: 2\n", "duplicate field"},
		{"quoted version", "version: 2\n", "version: \"2\"\n", "want an integer"},
		{"hex version", "version: 2\n", "version: 0x2\n", "decimal"},
		{"bool name", "name: EMPTY", "name: true", "want a string"},
		{"bad base64 nonce", firstNonce, "!!!!" + firstNonce[4:], "nonce"},
		{"unpadded base64", firstNonce, strings.TrimRight(base64.StdEncoding.EncodeToString(make([]byte, 23)), "="), "nonce"},
		{"short nonce", firstNonce, base64.StdEncoding.EncodeToString(make([]byte, 12)), "nonce is 12 bytes"},
		{"short value", firstValue, base64.StdEncoding.EncodeToString(make([]byte, 15)), "value is 15 bytes"},
		{"short mac", "mac: " + mac, "mac: " + base64.StdEncoding.EncodeToString(make([]byte, 16)), "mac is 16 bytes"},
		{"bad name", "name: API_TOKEN", "name: API-TOKEN", "not an environment variable name"},
		{"digit name", "name: API_TOKEN", "name: 1API", "not an environment variable name"},
		{"unsorted", "name: API_TOKEN", "name: ZZZ", "not sorted"},
		{"no recipients", "  - " + recipient + "\n", "", "want a list"},
		{"empty recipients", "recipients:\n  - " + recipient + "\n", "recipients: []\n", "no recipients"},
		{"bad recipient", recipient, recipient[:len(recipient)-1] + "q", "recipient 1"},
		{"secret key as recipient", recipient, id.String(), "secret key"},
		{"ssh comment", recipient, sshLine, "canonical"},
		{"passphrase and key", "  - " + recipient + "\n", "  - " + recipient + "\n  - passphrase\n", "only recipient"},
		{"anchor", "version: 2\n", "version: &v 2\n", "anchors"},
		{"mapping recipients", "recipients:\n  - " + recipient + "\n", "recipients: {a: b}\n", "want a list"},
		{"space in armor", "-----BEGIN AGE ENCRYPTED FILE-----\n", "-----BEGIN AGE ENCRYPTED FILE----- \n", "data_keys"},
		{"armor as plain string", "    age: |\n", "    age: x\n    x: |\n", "unknown field"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(good, tc.from) {
				t.Fatalf("test bug: %q not in section", tc.from)
			}
			bad := strings.Replace(good, tc.from, tc.to, 1)
			s, err := ParseSection([]byte(bad))
			if err == nil || s != nil {
				t.Fatalf("accepted:\n%s", bad)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q, want it to mention %q", err, tc.want)
			}
			assertNoLeak(t, err, id.String())
		})
	}
}

func between(s, start, end string) string {
	i := strings.Index(s, start) + len(start)
	return s[i : i+strings.Index(s[i:], end)]
}

func TestVersion(t *testing.T) {
	t.Parallel()
	id := newAgeID(t)
	good := string(mustMarshal(t, sealed(t, "demo", id.Recipient())))
	for _, tc := range []struct {
		name, text string
		version    int
	}{
		{"version 3", strings.Replace(good, "version: 2", "version: 3", 1), 3},
		{"version 0", strings.Replace(good, "version: 2", "version: 0", 1), 0},
		{"version 3 with new fields", strings.Replace(good, "version: 2", "version: 3\nsigners: []", 1), 3},
		{"version 3 alone", "version: 3\n", 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseSection([]byte(tc.text))
			var ve *VersionError
			if !errors.As(err, &ve) || ve.Version != tc.version {
				t.Fatalf("want VersionError{%d}, got %v", tc.version, err)
			}
		})
	}
	s := sealed(t, "demo", id.Recipient())
	s.Version = 7
	var ve *VersionError
	if _, err := s.Open("demo", id); !errors.As(err, &ve) {
		t.Errorf("Open of version 7: %v", err)
	}
}

// TestEmbedded decodes a section as a field of a larger document with plain
// yaml.Unmarshal: the strict rules still apply.
func TestEmbedded(t *testing.T) {
	t.Parallel()
	id := newAgeID(t)
	inner := mustMarshal(t, sealed(t, "demo", id.Recipient()))
	indent := func(b []byte) string {
		return "  " + strings.ReplaceAll(strings.TrimSuffix(string(b), "\n"), "\n", "\n  ") + "\n"
	}
	type lock struct {
		Version int      `yaml:"version"`
		Secrets *Section `yaml:"secrets"`
	}
	doc := "version: 6\nsecrets:\n" + indent(inner)
	var l lock
	if err := yamlUnmarshal([]byte(doc), &l); err != nil {
		t.Fatal(err)
	}
	o, err := l.Secrets.Open("demo", id)
	if err != nil {
		t.Fatal(err)
	}
	checkValues(t, o, testValues)
	o.Close()

	bad := "version: 6\nsecrets:\n" + indent(bytes.Replace(inner, []byte("version: 2"), []byte("version: 2\nextra: x"), 1))
	if err := yamlUnmarshal([]byte(bad), &l); err == nil || !strings.Contains(err.Error(), "unknown field") {
		t.Errorf("embedded section with unknown field: %v", err)
	}
}

func cloneSection(s *Section) *Section {
	c := *s
	c.Recipients = append([]string(nil), s.Recipients...)
	c.Entries = append([]Entry(nil), s.Entries...)
	c.DataKeys = append([]WrappedKey(nil), s.DataKeys...)
	c.Pending = append([]PendingEntry(nil), s.Pending...)
	return &c
}

func sortedStrings(s []string) []string {
	m := map[string]bool{}
	for _, x := range s {
		m[x] = true
	}
	return sortedKeys(m)
}

// TestMarshalValueField: a Section held by value in a larger document
// encodes in its canonical shape too.
func TestMarshalValueField(t *testing.T) {
	t.Parallel()
	s := sealed(t, "demo", newAgeID(t).Recipient())
	doc := struct {
		Secrets Section `yaml:"secrets"`
	}{*s}
	out, err := yaml.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), "\n    data_keys:\n") || !strings.Contains(string(out), "\n    pending: []\n") {
		t.Errorf("value field encoded as:\n%s", out)
	}
}
