package secrets

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"filippo.io/age"
	"filippo.io/age/armor"
	"golang.org/x/crypto/ssh"
	"gopkg.in/yaml.v3"
)

func yamlUnmarshal(b []byte, v any) error { return yaml.Unmarshal(b, v) }

func dearmor(t *testing.T, s string) []byte {
	t.Helper()
	raw, err := io.ReadAll(armor.NewReader(strings.NewReader(s)))
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func rearmor(t *testing.T, raw []byte) string {
	t.Helper()
	var buf bytes.Buffer
	w := armor.NewWriter(&buf)
	if _, err := w.Write(raw); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// roundTrip marshals and parses a section, as writing and reading a lockfile
// does.
func roundTrip(t *testing.T, s *Section) *Section {
	t.Helper()
	p, err := ParseSection(mustMarshal(t, s))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func seal(t *testing.T, o *Opened) *Section {
	t.Helper()
	s, err := o.Seal()
	if err != nil {
		t.Fatal(err)
	}
	return roundTrip(t, s)
}

func open(t *testing.T, s *Section, env string, ids ...Identity) *Opened {
	t.Helper()
	o, err := s.Open(env, ids...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(o.Close)
	return o
}

// TestTeammates: Alice seals, adds Bob's age key and Carol's SSH ed25519 key;
// Bob and Carol open; Alice removes Carol, which re-keys; Carol can no longer
// open, Bob still can.
func TestTeammates(t *testing.T) {
	t.Parallel()
	alice := newAgeID(t)
	bobKey := newAgeID(t)
	bobIDs, err := ParseIdentities(strings.NewReader("# bob's key file\n" + bobKey.String() + "\n"))
	if err != nil {
		t.Fatal(err)
	}
	carol, carolLine, _ := newSSHKey(t, "carol@laptop")

	o, err := New("webapp", alice.Recipient())
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	if err := o.Set("API_TOKEN", []byte(testValues["API_TOKEN"])); err != nil {
		t.Fatal(err)
	}
	v1 := seal(t, o)
	if _, err := v1.Open("webapp", bobIDs...); !errors.Is(err, ErrNoIdentityMatched) {
		t.Fatalf("Bob before being added: %v", err)
	}

	if err := o.AddRecipients(mustParseRecipient(t, bobKey.Recipient().String()), mustParseRecipient(t, carolLine)); err != nil {
		t.Fatal(err)
	}
	v2 := seal(t, o)
	if len(v2.Recipients) != 3 || !strings.HasPrefix(v2.Recipients[2], "ssh-ed25519 AAAA") || strings.Contains(v2.Recipients[2], "carol@laptop") {
		t.Fatalf("recipients %q", v2.Recipients)
	}
	if v2.Entries[0] != v1.Entries[0] {
		t.Error("adding a recipient re-sealed the values; it should only re-wrap the data key")
	}
	for who, ids := range map[string][]Identity{"alice": {alice}, "bob": bobIDs, "carol": {carol}} {
		got := open(t, v2, "webapp", ids...)
		checkValues(t, got, map[string]string{"API_TOKEN": testValues["API_TOKEN"]})
		if !bytes.Equal(got.dataKey, o.dataKey) {
			t.Errorf("%s: data key differs", who)
		}
	}

	// Alice removes Carol, giving the key line with its comment.
	aliceView := open(t, v2, "webapp", alice)
	oldKey := bytes.Clone(aliceView.dataKey)
	if err := aliceView.RemoveRecipient(carolLine); err != nil {
		t.Fatal(err)
	}
	v3 := seal(t, aliceView)
	if reflect.DeepEqual(v3.Recipients, v2.Recipients) || len(v3.Recipients) != 2 {
		t.Fatalf("recipients after removal: %q", v3.Recipients)
	}
	if _, err := v3.Open("webapp", carol); !errors.Is(err, ErrNoIdentityMatched) {
		t.Fatalf("Carol after removal: want ErrNoIdentityMatched, got %v", err)
	}
	bobView := open(t, v3, "webapp", bobIDs...)
	checkValues(t, bobView, map[string]string{"API_TOKEN": testValues["API_TOKEN"]})
	if bytes.Equal(bobView.dataKey, oldKey) {
		t.Fatal("removing a recipient did not change the data key")
	}
	// Carol's copy of the old key opens neither the new values nor the MAC.
	if v3.Entries[0] == v2.Entries[0] {
		t.Fatal("values were not re-sealed")
	}
	d, _ := v3.check()
	if mac := computeMAC(oldKey, v3.Version, "webapp", v3.Recipients, v3.wrappedKeys(), d.entries); bytes.Equal(mac, d.mac) {
		t.Error("old key still computes the MAC")
	}
	// Carol can still open the old commit: that is documented.
	open(t, v2, "webapp", carol)

	// Removing an unknown recipient or the last one fails and changes nothing.
	if err := bobView.RemoveRecipient(carolLine); err == nil {
		t.Error("removing Carol twice succeeded")
	}
	if err := bobView.RemoveRecipient(bobKey.String()); err == nil || strings.Contains(err.Error(), bobKey.String()) {
		t.Errorf("removing by secret key: %v", err)
	}
	solo := open(t, v3, "webapp", alice)
	if err := solo.RemoveRecipient(bobKey.Recipient().String()); err != nil {
		t.Fatal(err)
	}
	if err := solo.RemoveRecipient(alice.Recipient().String()); err == nil {
		t.Error("removed the last recipient")
	}
}

func TestRotate(t *testing.T) {
	t.Parallel()
	alice, bob := newAgeID(t), newAgeID(t)
	s := sealed(t, "demo", alice.Recipient(), bob.Recipient())
	o := open(t, s, "demo", alice)
	old := bytes.Clone(o.dataKey)
	if err := o.Rotate(); err != nil {
		t.Fatal(err)
	}
	r := seal(t, o)
	if dk(r) == dk(s) || !reflect.DeepEqual(r.Recipients, s.Recipients) {
		t.Error("rotate did not rewrap or changed recipients")
	}
	for i := range r.Entries {
		if r.Entries[i] == s.Entries[i] {
			t.Errorf("entry %s not re-sealed", r.Entries[i].Name)
		}
	}
	b := open(t, r, "demo", bob)
	if bytes.Equal(b.dataKey, old) {
		t.Error("data key unchanged")
	}
	checkValues(t, b, testValues)
}

func TestRename(t *testing.T) {
	t.Parallel()
	id := newAgeID(t)
	s := sealed(t, "old", id.Recipient())
	o := open(t, s, "old", id)
	if err := o.Rename("new"); err != nil {
		t.Fatal(err)
	}
	r := seal(t, o)
	checkValues(t, open(t, r, "new", id), testValues)
	if _, err := r.Open("old", id); !isIntegrity(err) {
		t.Errorf("renamed section opened under the old name: %v", err)
	}
}

func TestPassphrase(t *testing.T) {
	t.Parallel()
	const pass = "a long passphrase for tests"
	r, err := NewPassphraseRecipient(pass, 10)
	if err != nil {
		t.Fatal(err)
	}
	if r.String() != "passphrase" {
		t.Errorf("String() = %q", r.String())
	}
	s := sealed(t, "demo", r)
	if !reflect.DeepEqual(s.Recipients, []string{"passphrase"}) {
		t.Fatalf("recipients %q", s.Recipients)
	}
	o := open(t, roundTrip(t, s), "demo", mustPassphraseID(t, pass, 0))
	checkValues(t, o, testValues)

	// The passphrase identity that opened it lets Rotate re-wrap.
	if err := o.Rotate(); err != nil {
		t.Fatal(err)
	}
	rotated := seal(t, o)
	if !bytes.Contains(dearmor(t, dk(rotated)), []byte(" 10\n")) {
		t.Error("Rotate did not keep the scrypt work factor of the opened section")
	}
	checkValues(t, open(t, rotated, "demo", mustPassphraseID(t, pass, 0)), testValues)

	// A plain age scrypt identity opens it but cannot re-wrap.
	sid, _ := age.NewScryptIdentity(pass)
	o2 := open(t, s, "demo", sid)
	if err := o2.Rotate(); err == nil || strings.Contains(err.Error(), pass) {
		t.Errorf("Rotate without the passphrase: %v", err)
	}

	// The work factor is bounded when opening.
	if _, err := s.Open("demo", mustPassphraseID(t, pass, 9)); !isIntegrity(err) || !strings.Contains(err.Error(), "work factor") {
		t.Errorf("work factor above the maximum: want IntegrityError, got %v", err)
	}
	assertNoLeak(t, err, pass)

	// Wrong passphrase: no match, not corruption.
	if _, err := s.Open("demo", mustPassphraseID(t, "wrong passphrase", 0)); !errors.Is(err, ErrNoIdentityMatched) {
		t.Errorf("wrong passphrase: %v", err)
	}

	// age does not mix scrypt with other recipients.
	id := newAgeID(t)
	if _, err := New("demo", r, id.Recipient()); err == nil || !strings.Contains(err.Error(), "only recipient") {
		t.Errorf("New(passphrase, key): %v", err)
	}
	if err := o.AddRecipients(id.Recipient()); err == nil {
		t.Error("added a key to a passphrase section")
	}
	if _, err := NewPassphraseRecipient(pass, 31); err == nil {
		t.Error("work factor 31 accepted")
	}
	if _, err := NewPassphraseIdentity(pass, -1); err == nil {
		t.Error("max work factor -1 accepted")
	}
	if _, err := NewPassphraseRecipient("", 0); err == nil {
		t.Error("empty passphrase accepted")
	}
}

func TestSSHRSA(t *testing.T) {
	t.Parallel()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := ssh.NewPublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	line := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pub))) + " dave@host"
	r := mustParseRecipient(t, line)
	if !strings.HasPrefix(r.String(), "ssh-rsa AAAA") || strings.Contains(r.String(), "dave") {
		t.Fatalf("canonical form %q", r.String())
	}
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	ids, err := ParseIdentities(bytes.NewReader(pemBytes))
	if err != nil {
		t.Fatal(err)
	}
	s := sealed(t, "demo", r)
	checkValues(t, open(t, roundTrip(t, s), "demo", ids...), testValues)

	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	smallPub, _ := ssh.NewPublicKey(&small.PublicKey)
	if _, err := ParseRecipient(string(ssh.MarshalAuthorizedKey(smallPub))); err == nil || !strings.Contains(err.Error(), "1024 bits") {
		t.Errorf("1024-bit RSA: %v", err)
	}
}

func TestParseRecipient(t *testing.T) {
	t.Parallel()
	id := newAgeID(t)
	hybrid, err := age.GenerateHybridIdentity()
	if err != nil {
		t.Fatal(err)
	}
	_, sshLine, _ := newSSHKey(t, "c")
	sshCanonical := strings.TrimSuffix(sshLine, " c")
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ecPub, _ := ssh.NewPublicKey(&ecKey.PublicKey)

	for _, tc := range []struct {
		name, in, want, errWant string
	}{
		{"x25519", id.Recipient().String(), id.Recipient().String(), ""},
		{"x25519 spaces", " " + id.Recipient().String() + "\n", id.Recipient().String(), ""},
		{"hybrid", hybrid.Recipient().String(), hybrid.Recipient().String(), ""},
		{"ssh with comment", sshLine, sshCanonical, ""},
		{"ssh with options", `no-pty ` + sshLine, sshCanonical, ""},
		{"two ssh keys", sshLine + "\n" + sshLine, "", "more than one key"},
		{"ecdsa", string(ssh.MarshalAuthorizedKey(ecPub)), "", "unsupported key type"},
		{"age secret key", id.String(), "", "secret key"},
		{"lowercase secret key", strings.ToLower(id.String()), "", "secret key"},
		{"passphrase", "passphrase", "", "NewPassphraseRecipient"},
		{"garbage", "hello world", "", "unrecognized"},
		{"bad checksum", flipLast(id.Recipient().String()), "", "age recipient"},
		{"empty", "", "", "unrecognized"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := ParseRecipient(tc.in)
			if tc.errWant != "" {
				if err == nil || !strings.Contains(err.Error(), tc.errWant) {
					t.Fatalf("got %v, want error mentioning %q", err, tc.errWant)
				}
				assertNoLeak(t, err, id.String(), strings.ToLower(id.String()))
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if r.String() != tc.want {
				t.Errorf("String() = %q, want %q", r.String(), tc.want)
			}
		})
	}
}

func TestParseIdentities(t *testing.T) {
	t.Parallel()
	a, b := newAgeID(t), newAgeID(t)
	hybrid, _ := age.GenerateHybridIdentity()
	_, _, sshPEM := newSSHKey(t, "c")
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	encBlock, err := ssh.MarshalPrivateKeyWithPassphrase(priv, "", []byte("pw"))
	if err != nil {
		t.Fatal(err)
	}
	encPEM := pem.EncodeToMemory(encBlock)

	for _, tc := range []struct {
		name    string
		in      string
		n       int
		errWant string
	}{
		{"one", a.String(), 1, ""},
		{"comments and blanks", "# created: today\n# public key: x\n\n" + a.String() + "\n\n" + b.String() + "\n", 2, ""},
		{"hybrid", hybrid.String() + "\n", 1, ""},
		{"ssh", "\n" + string(sshPEM), 1, ""},
		{"encrypted ssh", string(encPEM), 0, "passphrase-protected"},
		{"public key", a.Recipient().String(), 0, "unknown identity type"},
		{"garbage", "AGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ", 0, "line 1"},
		{"empty", "", 0, "no identities"},
		{"bad pem", "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n", 0, "SSH identity"},
		{"too large", strings.Repeat("#", maxKeyFileSize+1), 0, "larger than"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ids, err := ParseIdentities(strings.NewReader(tc.in))
			if tc.errWant != "" {
				if err == nil || !strings.Contains(err.Error(), tc.errWant) {
					t.Fatalf("got %v, want error mentioning %q", err, tc.errWant)
				}
				assertNoLeak(t, err, a.String(), b.String(), string(sshPEM), string(encPEM))
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(ids) != tc.n {
				t.Errorf("got %d identities, want %d", len(ids), tc.n)
			}
		})
	}
}

func TestOpenedAPI(t *testing.T) {
	t.Parallel()
	id := newAgeID(t)
	if _, err := New("demo"); err == nil {
		t.Error("New without recipients")
	}
	if _, err := New("demo", nil); err == nil {
		t.Error("New with a nil recipient")
	}
	if _, err := New(string([]byte{0xff}), id.Recipient()); err == nil {
		t.Error("New with an invalid UTF-8 env name")
	}
	o, err := New("demo", id.Recipient(), id.Recipient())
	if err != nil {
		t.Fatal(err)
	}
	if got := o.Recipients(); len(got) != 1 {
		t.Errorf("duplicate recipient kept: %q", got)
	}
	for _, name := range []string{"", "1A", "A-B", "A B", "É", strings.Repeat("A", 257)} {
		if err := o.Set(name, []byte("x")); err == nil {
			t.Errorf("Set(%q) accepted", name)
		}
	}
	big := make([]byte, MaxValueSize+1)
	if err := o.Set("BIG", big); err == nil || strings.Contains(err.Error(), "\x00\x00\x00") {
		t.Errorf("Set of a too large value: %v", err)
	}
	value := []byte("s3cr3t-value")
	if err := o.Set("b_2", value); err != nil {
		t.Fatal(err)
	}
	if err := o.Set("A", []byte("a")); err != nil {
		t.Fatal(err)
	}
	value[0] = 'X' // Set copied it
	got, _ := o.Get("b_2")
	if string(got) != "s3cr3t-value" {
		t.Errorf("Set did not copy: %q", got)
	}
	got[0] = 'Y' // Get returned a copy
	if again, _ := o.Get("b_2"); string(again) != "s3cr3t-value" {
		t.Error("Get did not copy")
	}
	if !reflect.DeepEqual(o.Names(), []string{"A", "b_2"}) {
		t.Errorf("Names() = %q", o.Names())
	}
	if _, ok := o.Get("nope"); ok {
		t.Error("Get of a missing name")
	}
	if !o.Remove("A") || o.Remove("A") {
		t.Error("Remove")
	}
	s := seal(t, o)
	if len(s.Entries) != 1 || s.Entries[0].Name != "b_2" {
		t.Errorf("entries %+v", s.Entries)
	}

	// Close clears the key and values.
	key, val := o.dataKey, o.entries["b_2"].value
	o.Close()
	if !bytes.Equal(key, make([]byte, len(key))) || !bytes.Equal(val, make([]byte, len(val))) {
		t.Error("Close did not clear the key and values")
	}
	if _, err := o.Seal(); err == nil {
		t.Error("Seal after Close")
	}
	if err := o.Set("A", nil); err == nil {
		t.Error("Set after Close")
	}
	o.Close() // twice is fine
}

// TestAgeCLI checks interoperability with the age command: `age -d -i KEY`
// on the data_key armor prints our data key, and a data key that age
// encrypted opens through our path.
func TestAgeCLI(t *testing.T) {
	t.Parallel()
	agePath, err := exec.LookPath("age")
	if err != nil {
		t.Skip("age binary not on PATH (apt-get install age); skipping interop test")
	}
	dir := t.TempDir()
	id := newAgeID(t)
	keyFile := filepath.Join(dir, "key.txt")
	if err := os.WriteFile(keyFile, []byte(id.String()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s := sealed(t, "demo", id.Recipient(), newAgeID(t).Recipient())
	o := open(t, s, "demo", id)

	cmd := exec.Command(agePath, "-d", "-i", keyFile)
	cmd.Stdin = strings.NewReader(dk(s))
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("age -d: %v", err)
	}
	if !bytes.Equal(out, o.dataKey) {
		t.Fatalf("age -d printed %d bytes, not the data key", len(out))
	}

	// SSH identity too.
	_, carolLine, carolPEM := newSSHKey(t, "carol")
	sshFile := filepath.Join(dir, "id_ed25519")
	if err := os.WriteFile(sshFile, carolPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := o.AddRecipients(mustParseRecipient(t, carolLine)); err != nil {
		t.Fatal(err)
	}
	s2 := seal(t, o)
	cmd = exec.Command(agePath, "-d", "-i", sshFile)
	cmd.Stdin = strings.NewReader(dk(s2))
	if out, err := cmd.Output(); err != nil || !bytes.Equal(out, o.dataKey) {
		t.Fatalf("age -d with SSH key: %v", err)
	}

	// The other way: age -e -a output opens through unwrapDataKey.
	cmd = exec.Command(agePath, "-e", "-a", "-r", id.Recipient().String())
	cmd.Stdin = bytes.NewReader(o.dataKey)
	armored, err := cmd.Output()
	if err != nil {
		t.Fatalf("age -e: %v", err)
	}
	if err := checkArmor(string(armored)); err != nil {
		t.Errorf("age's armor is not canonical for us: %v", err)
	}
	key, err := unwrapDataKey(string(armored), []Identity{id})
	if err != nil || !bytes.Equal(key, o.dataKey) {
		t.Errorf("unwrapping age's file: %v", err)
	}
}

// flipLast changes the last character of a bech32 string to another valid
// one.
func flipLast(s string) string {
	last := s[len(s)-1]
	if last == 'q' {
		return s[:len(s)-1] + "p"
	}
	return s[:len(s)-1] + "q"
}

func TestHybrid(t *testing.T) {
	t.Parallel()
	pq, err := age.GenerateHybridIdentity()
	if err != nil {
		t.Fatal(err)
	}
	ids, err := ParseIdentities(strings.NewReader(pq.String() + "\n"))
	if err != nil {
		t.Fatal(err)
	}
	s := sealed(t, "demo", mustParseRecipient(t, pq.Recipient().String()))
	o := open(t, roundTrip(t, s), "demo", ids...)
	checkValues(t, o, testValues)
	if !s.PostQuantum() || !o.PostQuantum() {
		t.Error("a section sealed to a hybrid key only is not reported post-quantum")
	}
	// age refuses to mix post-quantum and classic recipients in one file; the
	// section wraps its data key once per kind instead, and the post-quantum
	// wrap is left as it was.
	classic := newAgeID(t)
	if err := o.AddRecipients(classic.Recipient()); err != nil {
		t.Fatalf("mixing hybrid and X25519: %v", err)
	}
	mixed := seal(t, o)
	if len(mixed.DataKeys) != 2 || mixed.DataKeys[1] != s.DataKeys[0] || mixed.PostQuantum() || o.PostQuantum() {
		t.Errorf("mixed section: %d wraps, post-quantum wrap kept %v, PostQuantum %v", len(mixed.DataKeys), mixed.DataKeys[len(mixed.DataKeys)-1] == s.DataKeys[0], mixed.PostQuantum())
	}
	checkValues(t, open(t, mixed, "demo", classic), testValues)
	checkValues(t, open(t, mixed, "demo", ids...), testValues)
}
