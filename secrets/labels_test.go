package secrets

import (
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

func TestLabelsAndRotated(t *testing.T) {
	x, err := GenerateClassicIdentity()
	if err != nil {
		t.Fatal(err)
	}
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	spk, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	sshR, err := ParseRecipient(string(ssh.MarshalAuthorizedKey(spk)))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := Fingerprint(sshR.String()), ssh.FingerprintSHA256(spk); got != want {
		t.Errorf("SSH fingerprint %q, want OpenSSH's %q", got, want)
	}
	before := time.Now().Add(-time.Second)
	o, err := New("demo", x.Recipient(), sshR)
	if err != nil {
		t.Fatal(err)
	}
	if err := o.SetLabel(sshR.String(), "bob@laptop (github:bob)"); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"two\nlines", strings.Repeat("x", 300)} {
		if err := o.SetLabel(sshR.String(), bad); err == nil {
			t.Errorf("SetLabel(%.20q) accepted", bad)
		}
	}
	if err := o.SetLabel("age1notarecipient", "x"); err == nil {
		t.Error("SetLabel of a stranger accepted")
	}
	o.Set("A", []byte("1"))
	sec, err := o.Seal()
	if err != nil {
		t.Fatal(err)
	}
	text := string(mustMarshal(t, sec))
	if !strings.Contains(text, "labels:\n  - fingerprint: "+Fingerprint(sshR.String())+"\n    comment: bob@laptop (github:bob)\nrotated: ") {
		t.Errorf("labels and rotated not in place:\n%s", text)
	}
	back, err := ParseSection([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	if at, ok := back.RotatedAt(); !ok || at.Before(before.Truncate(time.Second)) || at.After(time.Now()) {
		t.Errorf("rotated %v %v", at, ok)
	}
	if got := back.LabelMap()[Fingerprint(sshR.String())]; got != "bob@laptop (github:bob)" {
		t.Errorf("label %q", got)
	}
	// Reopen and reseal unchanged: byte-identical, label and date kept.
	o2, err := back.Open("demo", x)
	if err != nil {
		t.Fatal(err)
	}
	again, err := o2.Seal()
	if err != nil {
		t.Fatal(err)
	}
	if string(mustMarshal(t, again)) != text {
		t.Error("an unchanged section does not reseal byte-identically")
	}
	// Removing the recipient drops its label and stamps a new date.
	if err := o2.RemoveRecipient(sshR.String()); err != nil {
		t.Fatal(err)
	}
	removed, err := o2.Seal()
	if err != nil {
		t.Fatal(err)
	}
	if len(removed.Labels) != 0 || removed.Rotated == "" {
		t.Errorf("after rm: labels %v rotated %q", removed.Labels, removed.Rotated)
	}

	// Tampering with a comment or the date fails the MAC; a label for
	// a key that is not a recipient does not parse.
	tampered := []struct {
		name, from, to string
		wantIntegrity  bool
	}{
		{"comment", "bob@laptop", "eve@laptop", true},
		{"date", "rotated: \"20", "rotated: \"19", true},
		{"fingerprint", Fingerprint(sshR.String()), Fingerprint(x.Recipient().String() + "x"), false},
		{"local time", "Z\"\n", "+01:00\"\n", false},
	}
	for _, tc := range tampered {
		t.Run(tc.name, func(t *testing.T) {
			s, err := ParseSection([]byte(strings.Replace(text, tc.from, tc.to, 1)))
			if !tc.wantIntegrity {
				if err == nil {
					t.Fatal("parsed")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var ie *IntegrityError
			if _, err := s.Open("demo", x); !errors.As(err, &ie) {
				t.Errorf("open: %v, want an IntegrityError", err)
			}
		})
	}
}

// FuzzLabelledSection: sections with labels and a rotation date parse
// strictly and round-trip byte for byte, like those without.
func FuzzLabelledSection(f *testing.F) {
	x, err := GenerateClassicIdentity()
	if err != nil {
		f.Fatal(err)
	}
	o, err := New("demo", x.Recipient())
	if err != nil {
		f.Fatal(err)
	}
	o.SetLabel(x.Recipient().String(), "alice@laptop (github:alice)")
	o.Set("A", []byte("1"))
	sec, err := o.Seal()
	if err != nil {
		f.Fatal(err)
	}
	text, err := sec.Marshal()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(text)
	f.Add([]byte(strings.Replace(string(text), "labels:", "labels: []\nx:", 1)))
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
		if string(m1) != string(data) && s.Version == Version {
			s2, err := ParseSection(m1)
			if err != nil {
				t.Fatalf("marshalled section does not parse: %v", err)
			}
			if m2, _ := s2.Marshal(); string(m2) != string(m1) {
				t.Fatal("marshalling is not stable")
			}
		}
		if _, err := s.Open("demo", x); err == nil && (len(s.Labels) > 0 || s.Rotated != "") {
			// It opened: the labels and date are those sealed.
			if s.Rotated != sec.Rotated || len(s.Labels) != len(sec.Labels) {
				t.Fatalf("labels or date changed yet the MAC held")
			}
		}
	})
}
