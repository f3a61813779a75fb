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

var update = flag.Bool("update", false, "rewrite testdata/vectors-v2 (then review and commit them)")

// vectorsDir holds the frozen version 1 vectors; this package no longer
// writes version 1, so they cannot be regenerated.
const vectorsDir = "testdata/vectors"

// vectorsV2Dir holds the version 2 vectors, written by -update.
const vectorsV2Dir = "testdata/vectors-v2"

// vectorPassphrase opens the passphrase vectors.
const vectorPassphrase = "envseal test vector passphrase"

// TestSectionVectors opens the frozen known-answer sections in
// testdata/vectors (version 1) and testdata/vectors-v2 and checks the
// outcome named by their "# expect:" line: success (the values are
// testValues), "no match", "integrity", "parse" or "version". Frozen files
// catch unintended format changes. In vectors-v2, identity.txt holds an
// X25519 and a post-quantum identity; "# identity: classic" or "pq" uses one.
func TestSectionVectors(t *testing.T) {
	if *update {
		writeVectors(t)
	}
	for _, dir := range []string{vectorsDir, vectorsV2Dir} {
		idText, err := os.ReadFile(filepath.Join(dir, "identity.txt"))
		if err != nil {
			t.Fatal(err)
		}
		ids, err := ParseIdentities(bytes.NewReader(idText))
		if err != nil {
			t.Fatal(err)
		}
		files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
		if err != nil || len(files) < 10 {
			t.Fatalf("%s: want at least 10 vectors, found %d (%v)", dir, len(files), err)
		}
		for _, file := range files {
			t.Run(filepath.Base(dir)+"/"+filepath.Base(file), func(t *testing.T) {
				t.Parallel()
				data, err := os.ReadFile(file)
				if err != nil {
					t.Fatal(err)
				}
				h := vectorHeader(data)
				useIDs := ids
				switch h["identity"] {
				case "classic":
					useIDs = ids[:1]
				case "pq":
					useIDs = ids[1:]
				}
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
						if want := h["pending"]; want != "" {
							var got []string
							for _, p := range o.Pending() {
								got = append(got, p.Name)
							}
							if strings.Join(got, " ") != want {
								t.Errorf("pending %q, want %q", got, want)
							}
						}
					}
				}
				if pq := h["postquantum"]; pq != "" && s != nil && fmt.Sprint(s.PostQuantum()) != pq {
					t.Errorf("PostQuantum() = %v, want %s", s.PostQuantum(), pq)
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

// writeVectors regenerates testdata/vectors-v2 with new identities.
func writeVectors(t *testing.T) {
	t.Helper()
	dir := vectorsV2Dir
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	classic, err := GenerateClassicIdentity()
	if err != nil {
		t.Fatal(err)
	}
	pq, err := GenerateIdentity()
	if err != nil {
		t.Fatal(err)
	}
	other := newAgeID(t)
	idText := "# throw-away identities for envseal's secrets test vectors; never used elsewhere\n" + classic.String() + "\n" + pq.String() + "\n"
	if err := os.WriteFile(filepath.Join(dir, "identity.txt"), []byte(idText), 0o644); err != nil {
		t.Fatal(err)
	}
	good := sealed(t, "demo", classic.Recipient(), pq.Recipient())
	o := open(t, good, "demo", classic)
	key := bytes.Clone(o.dataKey)
	remac := func(s *Section, env string) {
		d, err := s.check()
		if err != nil {
			t.Fatal(err)
		}
		s.MAC = base64.StdEncoding.EncodeToString(extendMAC(key, computeMAC(key, s.Version, env, s.Recipients, s.wrappedKeys(), d.entries), s.Version, s.Labels, s.Rotated))
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
	// A section holding API_TOKEN and PEM as pending entries.
	withPending := func(env string) *Section {
		s := cloneSection(good)
		o := open(t, s, "demo", classic)
		o.Remove("API_TOKEN")
		o.Remove("PEM")
		s = seal(t, o)
		for _, name := range []string{"API_TOKEN", "PEM"} {
			if err := s.AddPending(env, name, []byte(testValues[name])); err != nil {
				t.Fatal(err)
			}
		}
		return s
	}

	type vec struct {
		name, header string
		s            *Section
		text         string // used instead of s when set
	}
	var vecs []vec
	add := func(name, header string, edit func(s *Section)) {
		s := cloneSection(good)
		s.DataKeys = append([]WrappedKey(nil), good.DataKeys...)
		if edit != nil {
			edit(s)
		}
		vecs = append(vecs, vec{name: name, header: header, s: s})
	}
	goodText := string(mustMarshal(t, good))
	add("mixed_classic", "expect: success\nenv: demo\nidentity: classic\npostquantum: false", nil)
	add("mixed_pq", "expect: success\nenv: demo\nidentity: pq\npostquantum: false", nil)
	vecs = append(vecs,
		vec{name: "pq_only", header: "expect: success\nenv: demo\nidentity: pq\npostquantum: true", s: sealed(t, "demo", pq.Recipient())},
		vec{name: "pq_only_classic_identity", header: "expect: no match\nenv: demo\nidentity: classic", s: sealed(t, "demo", pq.Recipient())},
		vec{name: "passphrase", header: "expect: success\nenv: demo\npassphrase: " + vectorPassphrase, s: sealed(t, "demo", pass)},
		vec{name: "pending", header: "expect: success\nenv: demo\nidentity: pq\npending: API_TOKEN PEM", s: withPending("demo")},
		vec{name: "pending_other_env", header: "expect: integrity\nenv: demo\nreason: pending value of \"API_TOKEN\" does not decrypt", s: withPending("prod")},
	)
	add("wrong_env", "expect: integrity\nenv: prod\nreason: MAC mismatch", nil)
	add("foreign_recipient", "expect: no match\nenv: demo", nil)
	vecs[len(vecs)-1].s = sealed(t, "demo", other.Recipient())
	add("bad_mac", "expect: integrity\nenv: demo\nreason: MAC mismatch", func(s *Section) { s.MAC = flip(s.MAC) })
	add("flipped_ciphertext", "expect: integrity\nenv: demo\nreason: MAC mismatch", func(s *Section) { s.Entries[1].Value = flip(s.Entries[1].Value) })
	add("removed_entry", "expect: integrity\nenv: demo\nreason: MAC mismatch", func(s *Section) { s.Entries = s.Entries[:len(s.Entries)-1] })
	add("removed_classic_wrap_and_recipient", "expect: integrity\nenv: demo\nidentity: pq\nreason: MAC mismatch", func(s *Section) {
		s.DataKeys = s.DataKeys[1:]
		s.Recipients = []string{pq.Recipient().String()}
	})
	add("swapped_values_remac", "expect: integrity\nenv: demo\nreason: does not decrypt", func(s *Section) {
		s.Entries[0].Nonce, s.Entries[1].Nonce = s.Entries[1].Nonce, s.Entries[0].Nonce
		s.Entries[0].Value, s.Entries[1].Value = s.Entries[1].Value, s.Entries[0].Value
		remac(s, "demo")
	})
	classicWrap := good.DataKeys[0].Age
	vecs = append(vecs,
		vec{name: "version_3", header: "expect: version\nenv: demo", text: strings.Replace(goodText, "version: 2", "version: 3", 1)},
		vec{name: "removed_classic_wrap", header: "expect: parse\nenv: demo\nreason: have no wrapped key", text: strings.Replace(goodText, "  - kind: classic\n    age: |\n"+indentText(classicWrap, "      "), "", 1)},
		vec{name: "unknown_wrap_kind", header: "expect: parse\nenv: demo\nreason: unknown kind", text: strings.Replace(goodText, "kind: classic", "kind: lattice", 1)},
		vec{name: "v1_field_in_v2", header: "expect: parse\nenv: demo\nreason: unknown field", text: strings.Replace(goodText, "data_keys:", "data_key: x\ndata_keys:", 1)},
		vec{name: "unsorted_entries", header: "expect: parse\nenv: demo\nreason: not sorted", text: strings.Replace(goodText, "name: API_TOKEN", "name: ZZ_TOKEN", 1)},
		vec{name: "truncated", header: "expect: parse\nenv: demo", text: goodText[:len(goodText)*2/3]},
	)
	sort.Slice(vecs, func(i, j int) bool { return vecs[i].name < vecs[j].name })
	for _, v := range vecs {
		text := v.text
		if text == "" {
			text = string(mustMarshal(t, v.s))
		} else if text == goodText {
			t.Fatalf("vector %s: the edit did not apply", v.name)
		}
		header := "# " + strings.ReplaceAll(v.header, "\n", "\n# ") + "\n"
		if err := os.WriteFile(filepath.Join(dir, v.name+".yaml"), []byte(header+text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Log(fmt.Sprintf("wrote %d vectors to %s", len(vecs), dir))
}

// indentText indents every line of s.
func indentText(s, prefix string) string {
	lines := strings.SplitAfter(s, "\n")
	var b strings.Builder
	for _, l := range lines {
		if l != "" {
			b.WriteString(prefix + l)
		}
	}
	return b.String()
}
