package lockfile

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/envseal/envseal/secrets"
)

// TestSecretsSectionV2 carries a version 2 secrets section (post-quantum and
// classic recipients, a pending entry) through the envseal format: it decodes
// strictly, re-encodes byte for byte, and still opens; and a version 1
// section in the same lock stays version 1 until the secrets package writes
// it.
func TestSecretsSectionV2(t *testing.T) {
	t.Parallel()
	pq, err := secrets.GenerateIdentity()
	if err != nil {
		t.Fatal(err)
	}
	classic, err := secrets.GenerateClassicIdentity()
	if err != nil {
		t.Fatal(err)
	}
	o, err := secrets.New("webapp", pq.Recipient(), classic.Recipient())
	if err != nil {
		t.Fatal(err)
	}
	if err := o.Set("API_TOKEN", []byte("tok-0123456789")); err != nil {
		t.Fatal(err)
	}
	sec, err := o.Seal()
	o.Close()
	if err != nil {
		t.Fatal(err)
	}
	if err := sec.AddPending("webapp", "CI_TOKEN", []byte("ci-0123456789")); err != nil {
		t.Fatal(err)
	}

	base, err := os.ReadFile(filepath.Join("testdata", "golden", "envseal-full.in"))
	if err != nil {
		t.Fatal(err)
	}
	l, err := Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	if l.Secrets == nil || l.Secrets.Version != 1 {
		t.Fatalf("the golden input no longer has a version 1 section")
	}
	v1Text, err := Marshal(l)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(v1Text, []byte("\n  version: 1\n")) || !bytes.Contains(v1Text, []byte("\n  data_key: |\n")) {
		t.Error("a version 1 section was not written back as version 1")
	}

	l.Secrets = sec
	text, err := Marshal(l)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"\nsecrets:\n  version: 2\n", "\n  data_keys:\n    - kind: classic\n", "\n    - kind: postquantum\n", "\n  pending:\n    - name: CI_TOKEN\n      keys:\n"} {
		if !strings.Contains(string(text), want) {
			t.Errorf("lock lacks %q", want)
		}
	}
	l2, err := Parse(text)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(l2.Secrets, sec) {
		t.Error("the section changed through the lockfile")
	}
	again, err := Marshal(l2)
	if err != nil || !bytes.Equal(again, text) {
		t.Errorf("re-encoding is not byte-stable: %v", err)
	}
	opened, err := l2.Secrets.Open("webapp", pq)
	if err != nil {
		t.Fatal(err)
	}
	defer opened.Close()
	if v, ok := opened.Get("CI_TOKEN"); !ok || string(v) != "ci-0123456789" {
		t.Error("pending entry lost through the lockfile")
	}

	// A broken version 2 section is a parse error of the lock, with a line.
	bad := bytes.Replace(text, []byte("kind: postquantum"), []byte("kind: lattice"), 1)
	if _, err := Parse(bad); err == nil || !strings.Contains(err.Error(), "unknown kind") {
		t.Errorf("bad wrap kind: %v", err)
	}
}
