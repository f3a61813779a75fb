package secrets

import (
	"bytes"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/vectors (then review and commit them)")

const vectorsDir = "testdata/vectors"

// vectorPassphrase opens testdata/vectors/passphrase.yaml.
const vectorPassphrase = "envseal test vector passphrase"

// TestSectionVectors opens the frozen known-answer sections in
// testdata/vectors and checks the outcome named by their "# expect:" line:
// success (the values are testValues), "no match", "integrity", "parse" or
// "version". Frozen files catch unintended format changes.
func TestSectionVectors(t *testing.T) {
	if *update {
		writeVectors(t)
	}
	idText, err := os.ReadFile(filepath.Join(vectorsDir, "identity.txt"))
	if err != nil {
		t.Fatal(err)
	}
	ids, err := ParseIdentities(bytes.NewReader(idText))
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join(vectorsDir, "*.yaml"))
	if err != nil || len(files) < 10 {
		t.Fatalf("want at least 10 vectors, found %d (%v)", len(files), err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			h := vectorHeader(data)
			useIDs := ids
			if h["passphrase"] != "" {
				useIDs = []Identity{mustPassphraseID(t, h["passphrase"], 0)}
			}
			s, err := ParseSection(data)
			if err == nil {
				var o *Opened
				o, err = s.Open(h["env"], useIDs...)
				if err == nil {
					defer o.Close()
					checkValues(t, o, testValues)
				}
			}
			var ie *IntegrityError
			var ve *VersionError
			switch want := h["expect"]; want {
			case "success":
				if err != nil {
					t.Fatalf("want success, got %v", err)
				}
			case "no match":
				if !errors.Is(err, ErrNoIdentityMatched) || errors.As(err, &ie) {
					t.Fatalf("want no match, got %v", err)
				}
			case "integrity":
				if !isIntegrity(err) {
					t.Fatalf("want IntegrityError, got %v", err)
				}
			case "version":
				if !errors.As(err, &ve) {
					t.Fatalf("want VersionError, got %v", err)
				}
			case "parse":
				if err == nil || s != nil || errors.As(err, &ie) || errors.Is(err, ErrNoIdentityMatched) {
					t.Fatalf("want a parse error, got %v", err)
				}
			default:
				t.Fatalf("unknown expectation %q", want)
			}
			if h["reason"] != "" && (err == nil || !strings.Contains(err.Error(), h["reason"])) {
				t.Errorf("error %v does not mention %q", err, h["reason"])
			}
			if err != nil {
				assertNoLeak(t, err, string(bytes.TrimSpace(idText)), vectorPassphrase)
			}
		})
	}
}

// vectorHeader reads the leading "# key: value" lines.
func vectorHeader(data []byte) map[string]string {
	h := map[string]string{}
	for _, line := range strings.Split(string(data), "\n") {
		k, v, ok := strings.Cut(strings.TrimPrefix(line, "# "), ": ")
		if !strings.HasPrefix(line, "# ") || !ok {
			break
		}
		h[k] = v
	}
	return h
}

// writeVectors regenerates testdata/vectors with a new identity.
func writeVectors(t *testing.T) {
	t.Helper()
	if err := os.MkdirAll(vectorsDir, 0o755); err != nil {
		t.Fatal(err)
	}
	id := newAgeID(t)
	other := newAgeID(t)
	idText := "# throw-away identity for envseal's secrets test vectors; never used elsewhere\n" + id.String() + "\n"
	if err := os.WriteFile(filepath.Join(vectorsDir, "identity.txt"), []byte(idText), 0o644); err != nil {
		t.Fatal(err)
	}
	good := sealed(t, "demo", id.Recipient())
	o := open(t, good, "demo", id)
	key := bytes.Clone(o.dataKey)
	remac := func(s *Section, env string) {
		d, err := s.check()
		if err != nil {
			t.Fatal(err)
		}
		s.MAC = base64.StdEncoding.EncodeToString(computeMAC(key, s.Version, env, s.Recipients, s.wrappedKeys(), d.entries))
	}
	flip := func(b64 string) string {
		b, _ := base64.StdEncoding.DecodeString(b64)
		b[len(b)/2] ^= 0x20
		return base64.StdEncoding.EncodeToString(b)
	}
	pass, err := NewPassphraseRecipient(vectorPassphrase, 10)
	if err != nil {
		t.Fatal(err)
	}

	type vec struct {
		name, header string
		s            *Section
		text         string // used instead of s when set
	}
	var vecs []vec
	add := func(name, header string, edit func(s *Section)) {
		s := cloneSection(good)
		if edit != nil {
			edit(s)
		}
		vecs = append(vecs, vec{name: name, header: header, s: s})
	}
	goodText := string(mustMarshal(t, good))
	add("ok", "expect: success\nenv: demo", nil)
	vecs = append(vecs, vec{name: "passphrase", header: "expect: success\nenv: demo\npassphrase: " + vectorPassphrase, s: sealed(t, "demo", pass)})
	add("wrong_env", "expect: integrity\nenv: prod\nreason: MAC mismatch", nil)
	add("foreign_recipient", "expect: no match\nenv: demo", nil)
	vecs[len(vecs)-1].s = sealed(t, "demo", other.Recipient())
	add("bad_mac", "expect: integrity\nenv: demo\nreason: MAC mismatch", func(s *Section) { s.MAC = flip(s.MAC) })
	add("flipped_ciphertext", "expect: integrity\nenv: demo\nreason: MAC mismatch", func(s *Section) { s.Entries[1].Value = flip(s.Entries[1].Value) })
	add("flipped_nonce", "expect: integrity\nenv: demo\nreason: MAC mismatch", func(s *Section) { s.Entries[2].Nonce = flip(s.Entries[2].Nonce) })
	add("removed_entry", "expect: integrity\nenv: demo\nreason: MAC mismatch", func(s *Section) { s.Entries = s.Entries[:len(s.Entries)-1] })
	add("added_recipient", "expect: integrity\nenv: demo\nreason: MAC mismatch", func(s *Section) {
		s.Recipients = sortedStrings(append(s.Recipients, other.Recipient().String()))
	})
	add("swapped_values_remac", "expect: integrity\nenv: demo\nreason: does not decrypt", func(s *Section) {
		s.Entries[0].Nonce, s.Entries[1].Nonce = s.Entries[1].Nonce, s.Entries[0].Nonce
		s.Entries[0].Value, s.Entries[1].Value = s.Entries[1].Value, s.Entries[0].Value
		remac(s, "demo")
	})
	add("other_env_remac", "expect: integrity\nenv: prod\nreason: does not decrypt", func(s *Section) { remac(s, "prod") })
	vecs = append(vecs,
		vec{name: "version_2", header: "expect: version\nenv: demo", text: strings.Replace(goodText, "version: 1", "version: 2", 1)},
		vec{name: "armor_trailing_garbage", header: "expect: parse\nenv: demo\nreason: data_key", text: strings.Replace(goodText, "-----END AGE ENCRYPTED FILE-----\n", "-----END AGE ENCRYPTED FILE-----\n  trailing\n", 1)},
		vec{name: "unsorted_entries", header: "expect: parse\nenv: demo\nreason: not sorted", text: strings.Replace(goodText, "name: API_TOKEN", "name: ZZ_TOKEN", 1)},
		vec{name: "short_nonce", header: "expect: parse\nenv: demo\nreason: nonce is 23 bytes", text: strings.Replace(goodText, "nonce: "+good.Entries[0].Nonce, "nonce: "+base64.StdEncoding.EncodeToString(make([]byte, 23)), 1)},
		vec{name: "unknown_field", header: "expect: parse\nenv: demo\nreason: unknown field", text: strings.Replace(goodText, "mac:", "signature: x\nmac:", 1)},
		vec{name: "truncated", header: "expect: parse\nenv: demo", text: goodText[:len(goodText)*2/3]},
	)
	sort.Slice(vecs, func(i, j int) bool { return vecs[i].name < vecs[j].name })
	for _, v := range vecs {
		text := v.text
		if text == "" {
			text = string(mustMarshal(t, v.s))
		}
		header := "# " + strings.ReplaceAll(v.header, "\n", "\n# ") + "\n"
		if err := os.WriteFile(filepath.Join(vectorsDir, v.name+".yaml"), []byte(header+text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Log(fmt.Sprintf("wrote %d vectors to %s", len(vecs), vectorsDir))
}
