package secrets

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
)

// seedVectors adds every file of testdata/vectors and vectors-v2 as a fuzz
// seed.
func seedVectors(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join(vectorsDir, "*.yaml"))
	v2, _ := filepath.Glob(filepath.Join(vectorsV2Dir, "*.yaml"))
	for _, file := range append(files, v2...) {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("version: 1\n"))
	f.Add([]byte("version: 2\nfoo: bar\n"))
	f.Add([]byte("- a\n- b\n"))
	f.Add([]byte("version: &a 1\nrecipients: *a\n"))
}

// FuzzParseSection: ParseSection never panics; it returns a section or an
// error, never both; an accepted section marshals, re-parses to an equal
// section, and marshals to the same bytes again.
func FuzzParseSection(f *testing.F) {
	seedVectors(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := ParseSection(data)
		if err != nil {
			if s != nil {
				t.Fatal("section and error")
			}
			return
		}
		m1, err := s.Marshal()
		if err != nil {
			t.Fatalf("accepted section does not marshal: %v", err)
		}
		s2, err := ParseSection(m1)
		if err != nil {
			t.Fatalf("marshalled section does not parse: %v\n%s", err, m1)
		}
		if !reflect.DeepEqual(s, s2) {
			t.Fatalf("round trip changed the section")
		}
		m2, err := s2.Marshal()
		if err != nil || !bytes.Equal(m1, m2) {
			t.Fatalf("marshalling is not stable: %v", err)
		}
	})
}

// FuzzOpen parses and opens arbitrary input with the vector identity: no
// panic, and whatever opens reseals to a section that opens to the same
// values.
func FuzzOpen(f *testing.F) {
	seedVectors(f)
	ids := vectorIdentities(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := ParseSection(data)
		if err != nil {
			return
		}
		o, err := s.Open("demo", ids...)
		if err != nil {
			return
		}
		defer o.Close()
		again, err := o.Seal()
		if err != nil {
			t.Fatal(err)
		}
		if s.Version == Version && len(s.Pending) == 0 && !reflect.DeepEqual(again, s) {
			t.Fatal("resealing an unchanged section changed it")
		}
		// An upgrade or a fold keeps the entries it had and the values.
		for _, e := range s.Entries {
			if i := sort.Search(len(again.Entries), func(i int) bool { return again.Entries[i].Name >= e.Name }); i < len(again.Entries) && again.Entries[i] != e && !slices.ContainsFunc(s.Pending, func(p PendingEntry) bool { return p.Name == e.Name }) {
				t.Fatalf("resealing changed entry %s", e.Name)
			}
		}
		o2, err := again.Open("demo", ids...)
		if err != nil {
			t.Fatalf("resealed section does not open: %v", err)
		}
		defer o2.Close()
		if !reflect.DeepEqual(o.Names(), o2.Names()) {
			t.Fatal("resealing changed the names")
		}
		for _, n := range o.Names() {
			a, _ := o.Get(n)
			b, _ := o2.Get(n)
			if !bytes.Equal(a, b) {
				t.Fatalf("resealing changed the value of %s", n)
			}
		}
	})
}

// vectorIdentities returns the identities of both vector directories.
func vectorIdentities(f *testing.F) []Identity {
	var ids []Identity
	for _, dir := range []string{vectorsDir, vectorsV2Dir} {
		idText, err := os.ReadFile(filepath.Join(dir, "identity.txt"))
		if err != nil {
			f.Fatal(err)
		}
		parsed, err := ParseIdentities(bytes.NewReader(idText))
		if err != nil {
			f.Fatal(err)
		}
		ids = append(ids, parsed...)
	}
	return ids
}

// FuzzSectionV2 drives the version 2 format: an accepted section takes a
// pending entry with the public keys only (or refuses it, unchanged), the
// result marshals and parses back equal, and when the vector identities open
// it, the pending value is there, listed, and folded by Seal into a section
// that opens to the same values with nothing pending.
func FuzzSectionV2(f *testing.F) {
	seedVectors(f)
	ids := vectorIdentities(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := ParseSection(data)
		if err != nil {
			return
		}
		before := cloneSection(s)
		value := data[:len(data)%64]
		if err := s.AddPending("demo", "FUZZ_PENDING", value); err != nil {
			if !reflect.DeepEqual(s, before) {
				t.Fatal("a refused AddPending changed the section")
			}
			return
		}
		text, err := s.Marshal()
		if err != nil {
			t.Fatalf("section with a pending entry does not marshal: %v", err)
		}
		s2, err := ParseSection(text)
		if err != nil || !reflect.DeepEqual(s, s2) {
			t.Fatalf("pending round trip: %v", err)
		}
		o, err := s2.Open("demo", ids...)
		if err != nil {
			return
		}
		defer o.Close()
		if v, ok := o.Get("FUZZ_PENDING"); !ok || !bytes.Equal(v, value) {
			t.Fatal("pending value lost")
		}
		if !slices.Contains(o.Pending(), PendingInfo{Name: "FUZZ_PENDING", Readable: true}) {
			t.Fatal("pending entry not listed")
		}
		folded, err := o.Seal()
		if err != nil {
			t.Fatal(err)
		}
		o2, err := folded.Open("demo", ids...)
		if err != nil {
			t.Fatalf("folded section does not open: %v", err)
		}
		defer o2.Close()
		for _, p := range o2.Pending() {
			if p.Readable || p.Name == "FUZZ_PENDING" {
				t.Fatalf("after folding: pending %v", p)
			}
		}
		if v, ok := o2.Get("FUZZ_PENDING"); !ok || !bytes.Equal(v, value) {
			t.Fatal("folded value lost")
		}
	})
}

// FuzzParseRecipient: an accepted recipient's String form parses back to
// itself; a rejected input is never echoed in the error when it looks like a
// secret key.
func FuzzParseRecipient(f *testing.F) {
	for _, s := range []string{
		"age1cfd8khnm5hh0pwdus5nx2p30s3f7tvp786j6jx8dn5aes4xh2d5qzp4rgt",
		"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDeN7F1M0rNZwA0x8l1h8n6h3Yv9mJ8m0z3vJp2n0q5K c",
		"AGE-SECRET-KEY-1QQQQ",
		"passphrase",
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRecipient(s)
		if err != nil {
			if r != nil {
				t.Fatal("recipient and error")
			}
			if strings.HasPrefix(strings.ToUpper(strings.TrimSpace(s)), "AGE-SECRET-KEY-") && len(s) > 20 && strings.Contains(err.Error(), strings.TrimSpace(s)) {
				t.Fatalf("error echoes a secret key: %v", err)
			}
			return
		}
		r2, err := ParseRecipient(r.String())
		if err != nil || r2.String() != r.String() {
			t.Fatalf("canonical form %q does not round-trip: %v", r.String(), err)
		}
		if err := canonicalRecipient(r.String()); err != nil {
			t.Fatal(err)
		}
	})
}

// FuzzParseIdentities: no panic, identities or an error, and the error never
// contains a long input line (which could be key material).
func FuzzParseIdentities(f *testing.F) {
	f.Add([]byte("# comment\nAGE-SECRET-KEY-1QQQQ\n"))
	f.Add([]byte("-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n"))
	if idText, err := os.ReadFile(filepath.Join(vectorsDir, "identity.txt")); err == nil {
		f.Add(idText)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ids, err := ParseIdentities(bytes.NewReader(data))
		if err != nil {
			if ids != nil {
				t.Fatal("identities and error")
			}
			for _, line := range strings.Split(string(data), "\n") {
				if line = strings.TrimSpace(line); len(line) >= 24 && strings.Contains(err.Error(), line) {
					t.Fatalf("error echoes input line %q", line)
				}
			}
			return
		}
		if len(ids) == 0 {
			t.Fatal("no identities and no error")
		}
	})
}
