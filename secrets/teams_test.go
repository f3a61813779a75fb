package secrets

import (
	"bytes"
	"encoding/base64"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
)

var (
	ageOnce sync.Once
	ageBin  string
	ageErr  error
)

// ageCLI builds the age command of the filippo.io/age module in go.mod
// (a `tool` there) once per test binary and returns its path. It skips when
// the go command is not available.
func ageCLI(t *testing.T) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go command not on PATH: cannot build the age CLI of the module")
	}
	ageOnce.Do(func() {
		dir, err := os.MkdirTemp("", "envseal-age-cli-")
		if err != nil {
			ageErr = err
			return
		}
		ageBin = filepath.Join(dir, "age")
		out, err := exec.Command(goBin, "build", "-o", ageBin, "filippo.io/age/cmd/age").CombinedOutput()
		if err != nil {
			ageErr = errors.New("go build filippo.io/age/cmd/age: " + err.Error() + "\n" + string(out))
		}
	})
	if ageErr != nil {
		t.Fatal(ageErr)
	}
	return ageBin
}

func TestMain(m *testing.M) {
	maybeRunTestPlugin() // as age-plugin-envsealtest (plugin_test.go)
	code := m.Run()
	if ageBin != "" {
		os.RemoveAll(filepath.Dir(ageBin))
	}
	os.Exit(code)
}

// teamKey is one member's key of a given kind: the identity, the public
// string, and the key file age's CLI reads.
type teamKey struct {
	kind     Kind
	id       Identity
	public   string
	keyFile  []byte
	wrapKind WrapKind
}

func newTeamKeys(t *testing.T) (pq, x, sshKey teamKey) {
	t.Helper()
	g, err := GenerateIdentity()
	if err != nil {
		t.Fatal(err)
	}
	pq = teamKey{KindPostQuantum, g, g.Recipient().String(), []byte(g.String() + "\n"), WrapPostQuantum}
	c, err := GenerateClassicIdentity()
	if err != nil {
		t.Fatal(err)
	}
	x = teamKey{KindX25519, c, c.Recipient().String(), []byte(c.String() + "\n"), WrapClassic}
	sid, line, pemBytes := newSSHKey(t, "carol@laptop")
	sshKey = teamKey{KindSSHEd25519, sid, mustParseRecipient(t, line).String(), pemBytes, WrapClassic}
	if !strings.HasPrefix(pq.public, "age1pq1") || !strings.HasPrefix(g.String(), "AGE-SECRET-KEY-PQ-1") || g.Kind() != KindPostQuantum {
		t.Fatalf("GenerateIdentity made %.12s…", pq.public)
	}
	if strings.HasPrefix(x.public, "age1pq1") || !strings.HasPrefix(c.String(), "AGE-SECRET-KEY-1") || c.Kind() != KindX25519 {
		t.Fatalf("GenerateClassicIdentity made %.12s…", x.public)
	}
	return pq, x, sshKey
}

// TestKindCombinations seals a section for every combination of recipient
// kinds and opens it with every kind of identity, through the package and
// through the age CLI of the module (on the wrap of the identity's kind).
func TestKindCombinations(t *testing.T) {
	t.Parallel()
	pq, x, sshKey := newTeamKeys(t)
	all := map[string]teamKey{"pq": pq, "x25519": x, "ssh": sshKey}
	agePath := ageCLI(t)
	for _, tc := range []struct {
		name    string
		members []string
		wraps   []WrapKind
	}{
		{"pq only", []string{"pq"}, []WrapKind{WrapPostQuantum}},
		{"x25519 only", []string{"x25519"}, []WrapKind{WrapClassic}},
		{"ssh only", []string{"ssh"}, []WrapKind{WrapClassic}},
		{"pq+x25519", []string{"pq", "x25519"}, []WrapKind{WrapClassic, WrapPostQuantum}},
		{"pq+ssh", []string{"pq", "ssh"}, []WrapKind{WrapClassic, WrapPostQuantum}},
		{"all three", []string{"pq", "x25519", "ssh"}, []WrapKind{WrapClassic, WrapPostQuantum}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var rs []Recipient
			in := map[string]bool{}
			for _, m := range tc.members {
				rs = append(rs, mustParseRecipient(t, all[m].public))
				in[m] = true
			}
			s := roundTrip(t, sealed(t, "demo", rs...))
			var gotWraps []WrapKind
			for _, w := range s.DataKeys {
				gotWraps = append(gotWraps, w.Kind)
			}
			if !reflect.DeepEqual(gotWraps, tc.wraps) {
				t.Errorf("wraps %v, want %v", gotWraps, tc.wraps)
			}
			wantPQ := len(tc.members) == 1 && tc.members[0] == "pq"
			if s.PostQuantum() != wantPQ {
				t.Errorf("PostQuantum() = %v, want %v", s.PostQuantum(), wantPQ)
			}
			var wantClassic []string
			for _, r := range s.Recipients {
				if r != pq.public {
					wantClassic = append(wantClassic, r)
				}
			}
			if got := s.ClassicRecipients(); !reflect.DeepEqual(got, wantClassic) {
				t.Errorf("ClassicRecipients() = %d keys, want %d", len(got), len(wantClassic))
			}
			for _, r := range s.Recipients {
				found := false
				for _, m := range tc.members {
					if all[m].public == r {
						found = RecipientKind(r) == all[m].kind
					}
				}
				if !found {
					t.Errorf("recipient %s: kind %v", displayRecipient(r), RecipientKind(r))
				}
			}
			var dataKey []byte
			for _, name := range []string{"pq", "x25519", "ssh"} {
				k := all[name]
				o, err := s.Open("demo", k.id)
				if !in[name] {
					if !errors.Is(err, ErrNoIdentityMatched) {
						t.Errorf("%s identity, not a recipient: want no match, got %v", name, err)
					}
					continue
				}
				if err != nil {
					t.Fatalf("%s identity: %v", name, err)
				}
				checkValues(t, o, testValues)
				if o.PostQuantum() != wantPQ {
					t.Errorf("%s: Opened.PostQuantum() = %v", name, o.PostQuantum())
				}
				if dataKey == nil {
					dataKey = bytes.Clone(o.dataKey)
				} else if !bytes.Equal(dataKey, o.dataKey) {
					t.Errorf("%s identity unwraps another data key", name)
				}
				// age -d -i KEY on the wrap of the identity's kind prints
				// the data key.
				var armored string
				for _, w := range s.DataKeys {
					if w.Kind == k.wrapKind {
						armored = w.Age
					}
				}
				keyPath := filepath.Join(t.TempDir(), "key")
				if err := os.WriteFile(keyPath, k.keyFile, 0o600); err != nil {
					t.Fatal(err)
				}
				cmd := exec.Command(agePath, "-d", "-i", keyPath)
				cmd.Stdin = strings.NewReader(armored)
				var stderr bytes.Buffer
				cmd.Stderr = &stderr
				out, err := cmd.Output()
				if err != nil || !bytes.Equal(out, o.dataKey) {
					t.Errorf("%s: age -d -i on the %s wrap: %v %s", name, k.wrapKind, err, stderr.String())
				}
				o.Close()
			}
		})
	}
}

// TestAgeCLIEncrypts: a post-quantum file made by the age CLI opens through
// our path, and age itself refuses to mix the kinds in one file (which is
// why sections wrap once per kind).
func TestAgeCLIEncrypts(t *testing.T) {
	t.Parallel()
	agePath := ageCLI(t)
	pq, x, _ := newTeamKeys(t)
	key := bytes.Repeat([]byte{7}, dataKeySize)
	cmd := exec.Command(agePath, "-e", "-a", "-r", pq.public)
	cmd.Stdin = bytes.NewReader(key)
	armored, err := cmd.Output()
	if err != nil {
		t.Fatalf("age -e: %v", err)
	}
	if err := checkArmor(string(armored)); err != nil {
		t.Errorf("age's armor is not canonical for us: %v", err)
	}
	got, err := unwrapDataKey(string(armored), []Identity{pq.id})
	if err != nil || !bytes.Equal(got, key) {
		t.Errorf("unwrapping age's post-quantum file: %v", err)
	}
	cmd = exec.Command(agePath, "-e", "-a", "-r", pq.public, "-r", x.public)
	cmd.Stdin = bytes.NewReader(key)
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "incompatible recipients") {
		t.Errorf("age mixed the kinds in one file: %v %s", err, out)
	}
}

// TestQuietWrites: a write changes only what it touches.
func TestQuietWrites(t *testing.T) {
	t.Parallel()
	pq, x, sshKey := newTeamKeys(t)
	o, err := New("demo", mustParseRecipient(t, pq.public), mustParseRecipient(t, x.public))
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	for _, name := range []string{"A1", "A2", "A3", "A4", "A5", "A6", "A7", "A8", "A9", "B0"} {
		if err := o.Set(name, []byte("value of "+name)); err != nil {
			t.Fatal(err)
		}
	}
	before := mustMarshal(t, seal(t, o))

	// Setting one secret changes its two lines and the MAC line.
	w := open(t, roundTrip(t, mustParse(t, before)), "demo", x.id)
	if err := w.Set("A5", []byte("new value")); err != nil {
		t.Fatal(err)
	}
	after := mustMarshal(t, seal(t, w))
	if got := changedLines(before, after); !reflect.DeepEqual(got, []string{"    nonce: ", "    value: ", "mac: "}) {
		t.Errorf("setting one secret changed lines %q", got)
	}

	// Adding a post-quantum recipient rewrites the post-quantum wrap only;
	// adding an SSH key the classic wrap only. Entries stay.
	for _, tc := range []struct {
		name   string
		add    string
		kept   WrapKind
		opener Identity
	}{
		{"pq", mustPQ(t), WrapClassic, x.id},
		{"ssh", sshKey.public, WrapPostQuantum, pq.id},
	} {
		prev := mustParse(t, after)
		v := open(t, prev, "demo", tc.opener)
		if err := v.AddRecipients(mustParseRecipient(t, tc.add)); err != nil {
			t.Fatal(err)
		}
		next := seal(t, v)
		if !reflect.DeepEqual(next.Entries, prev.Entries) {
			t.Errorf("%s: adding a recipient changed entries", tc.name)
		}
		for i, w := range next.DataKeys {
			if (w == prev.DataKeys[i]) != (w.Kind == tc.kept) {
				t.Errorf("%s: wrap %s changed = %v", tc.name, w.Kind, w != prev.DataKeys[i])
			}
		}
		after = mustMarshal(t, next)
	}
}

func mustPQ(t *testing.T) string {
	t.Helper()
	g, err := GenerateIdentity()
	if err != nil {
		t.Fatal(err)
	}
	return g.Recipient().String()
}

func mustParse(t *testing.T, text []byte) *Section {
	t.Helper()
	s, err := ParseSection(text)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// changedLines returns, for each line that differs between a and b (same
// line count required), its prefix up to and including ": ".
func changedLines(a, b []byte) []string {
	la, lb := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	if len(la) != len(lb) {
		return []string{"line count changed"}
	}
	var out []string
	for i := range la {
		if la[i] != lb[i] {
			p := la[i]
			if j := strings.Index(p, ": "); j >= 0 {
				p = p[:j+2]
			}
			out = append(out, p)
		}
	}
	return out
}

// TestUpgradeV1 opens the frozen version 1 vector and reseals it: the result
// is version 2, its data key file moves into data_keys unchanged, and every
// entry keeps its ciphertext.
func TestUpgradeV1(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(filepath.Join(vectorsDir, "ok.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	idText, err := os.ReadFile(filepath.Join(vectorsDir, "identity.txt"))
	if err != nil {
		t.Fatal(err)
	}
	ids, err := ParseIdentities(bytes.NewReader(idText))
	if err != nil {
		t.Fatal(err)
	}
	v1 := mustParse(t, data)
	if v1.Version != 1 {
		t.Fatalf("vector is version %d", v1.Version)
	}
	if err := v1.AddPending("demo", "NEW", []byte("x")); err == nil || !strings.Contains(err.Error(), "version 1") {
		t.Errorf("pending on a version 1 section: %v", err)
	}
	o := open(t, v1, "demo", ids...)
	v2 := roundTrip(t, seal(t, o))
	if v2.Version != Version || len(v2.DataKeys) != 1 || v2.DataKeys[0].Age != v1.DataKey || v2.DataKeys[0].Kind != WrapClassic {
		t.Errorf("upgrade: version %d, wraps %d", v2.Version, len(v2.DataKeys))
	}
	if !reflect.DeepEqual(v2.Entries, v1.Entries) || v2.MAC == v1.MAC {
		t.Error("upgrade changed entries or kept the version 1 MAC")
	}
	checkValues(t, open(t, v2, "demo", ids...), testValues)
}

// TestPending: someone who is not a recipient adds and replaces secrets with
// the public keys only; recipients see them as pending, and the next write
// by a recipient folds them under the data key and MAC.
func TestPending(t *testing.T) {
	t.Parallel()
	pq, x, sshKey := newTeamKeys(t)
	base := sealed(t, "demo", mustParseRecipient(t, pq.public), mustParseRecipient(t, x.public))
	s := cloneSection(base)
	// Carol holds no identity of the section.
	if err := s.AddPending("demo", "NEW_TOKEN", []byte("ci-rotated-1")); err != nil {
		t.Fatal(err)
	}
	if err := s.AddPending("demo", "API_TOKEN", []byte("replaced by ci")); err != nil {
		t.Fatal(err)
	}
	if err := s.AddPending("demo", "NEW_TOKEN", []byte("ci-rotated-2")); err != nil { // replaces
		t.Fatal(err)
	}
	s = roundTrip(t, s)
	if !reflect.DeepEqual(s.PendingNames(), []string{"API_TOKEN", "NEW_TOKEN"}) || s.MAC != base.MAC || !reflect.DeepEqual(s.Entries, base.Entries) {
		t.Fatalf("pending %q; MAC or entries changed", s.PendingNames())
	}
	if s.PostQuantum() {
		t.Error("mixed section reported post-quantum")
	}
	want := map[string]string{}
	for k, v := range testValues {
		want[k] = v
	}
	want["NEW_TOKEN"], want["API_TOKEN"] = "ci-rotated-2", "replaced by ci"
	for _, k := range []teamKey{pq, x} {
		o := open(t, s, "demo", k.id)
		checkValues(t, o, want)
		if got := o.Pending(); !reflect.DeepEqual(got, []PendingInfo{{"API_TOKEN", true}, {"NEW_TOKEN", true}}) {
			t.Errorf("Pending() = %v", got)
		}
		o.Close()
	}
	// The next write by a recipient folds them: entries and MAC, pending
	// gone; untouched entries keep their ciphertext.
	o := open(t, s, "demo", x.id)
	if err := o.Set("DB_PASSWORD", []byte(testValues["DB_PASSWORD"])); err != nil { // no change
		t.Fatal(err)
	}
	folded := roundTrip(t, seal(t, o))
	if len(folded.Pending) != 0 || len(o.Pending()) != 0 {
		t.Errorf("not folded: %q", folded.PendingNames())
	}
	for _, e := range folded.Entries {
		i := indexEntry(base.Entries, e.Name)
		changed := i < 0 || base.Entries[i] != e
		if changed != (e.Name == "API_TOKEN" || e.Name == "NEW_TOKEN") {
			t.Errorf("entry %s changed = %v", e.Name, changed)
		}
	}
	checkValues(t, open(t, folded, "demo", pq.id), want)

	// Bound to the environment and the name.
	other := cloneSection(base)
	if err := other.AddPending("prod", "NEW_TOKEN", []byte("for prod")); err != nil {
		t.Fatal(err)
	}
	if _, err := other.Open("demo", x.id); !isIntegrity(err) || !strings.Contains(err.Error(), "NEW_TOKEN") {
		t.Errorf("pending sealed for another environment: %v", err)
	}
	swapped := cloneSection(s)
	swapped.Pending = append([]PendingEntry(nil), s.Pending...)
	swapped.Pending[0].Keys, swapped.Pending[1].Keys = swapped.Pending[1].Keys, swapped.Pending[0].Keys
	swapped.Pending[0].Nonce, swapped.Pending[1].Nonce = swapped.Pending[1].Nonce, swapped.Pending[0].Nonce
	swapped.Pending[0].Value, swapped.Pending[1].Value = swapped.Pending[1].Value, swapped.Pending[0].Value
	if _, err := swapped.Open("demo", x.id); !isIntegrity(err) {
		t.Errorf("pending entries swapped between names: %v", err)
	}

	// A pending entry sealed before a recipient was added is unreadable to
	// that recipient: listed, not returned, kept by its Seal, readable to
	// the others.
	solo := sealed(t, "demo", mustParseRecipient(t, x.public))
	if err := solo.AddPending("demo", "LATE", []byte("late value")); err != nil {
		t.Fatal(err)
	}
	grown := sealed(t, "demo", mustParseRecipient(t, x.public), mustParseRecipient(t, sshKey.public))
	grown.Pending = solo.Pending
	view := open(t, roundTrip(t, grown), "demo", sshKey.id)
	if got := view.Pending(); !reflect.DeepEqual(got, []PendingInfo{{"LATE", false}}) {
		t.Errorf("unreadable pending: %v", got)
	}
	if _, ok := view.Get("LATE"); ok {
		t.Error("Get returned an unreadable pending value")
	}
	if err := view.Rename("elsewhere"); err == nil {
		t.Error("Rename with an unreadable pending entry succeeded")
	}
	kept := seal(t, view)
	if !reflect.DeepEqual(kept.Pending, solo.Pending) {
		t.Error("Seal dropped or changed an unreadable pending entry")
	}
	if v, ok := open(t, kept, "demo", x.id).Get("LATE"); !ok || string(v) != "late value" {
		t.Error("the pending entry no longer opens for its recipient")
	}

	// Pending entries wrapped classically keep a post-quantum section from
	// being reported post-quantum until they are folded.
	pqOnly := sealed(t, "demo", mustParseRecipient(t, pq.public))
	pqOnly.Pending = solo.Pending
	if pqOnly.PostQuantum() {
		t.Error("a classic pending wrap in a post-quantum section")
	}

	// Refusals.
	pass, err := NewPassphraseRecipient("a passphrase for tests", 10)
	if err != nil {
		t.Fatal(err)
	}
	ps := sealed(t, "demo", pass)
	if err := ps.AddPending("demo", "X", []byte("v")); err == nil || !strings.Contains(err.Error(), "passphrase") {
		t.Errorf("pending on a passphrase section: %v", err)
	}
	for _, name := range []string{"", "BAD-NAME", "1X"} {
		if err := cloneSection(base).AddPending("demo", name, []byte("v")); err == nil {
			t.Errorf("pending name %q accepted", name)
		}
	}
	if err := cloneSection(base).AddPending("demo", "BIG", make([]byte, MaxValueSize+1)); err == nil {
		t.Error("oversized pending value accepted")
	}
}

func indexEntry(es []Entry, name string) int {
	for i, e := range es {
		if e.Name == name {
			return i
		}
	}
	return -1
}

// TestTamperV2: every kind of edit to a version 2 section is caught, by the
// parser or on Open, and never opens.
func TestTamperV2(t *testing.T) {
	t.Parallel()
	pq, x, _ := newTeamKeys(t)
	orig := sealed(t, "demo", mustParseRecipient(t, pq.public), mustParseRecipient(t, x.public))
	o := open(t, orig, "demo", pq.id)
	key := bytes.Clone(o.dataKey)
	o.Close()
	other := sealed(t, "demo", mustParseRecipient(t, pq.public), mustParseRecipient(t, x.public))
	remac := func(s *Section) {
		d, err := s.check()
		if err != nil {
			t.Fatal(err)
		}
		s.MAC = base64.StdEncoding.EncodeToString(extendMAC(key, computeMAC(key, s.Version, "demo", s.Recipients, s.wrappedKeys(), d.entries), s.Version, s.Labels, s.Rotated))
	}
	for _, tc := range []struct {
		name   string
		edit   func(s *Section)
		result string // "parse", "integrity" or "no match", for each identity
	}{
		{"bad mac", func(s *Section) {
			b, _ := base64.StdEncoding.DecodeString(s.MAC)
			b[0] ^= 1
			s.MAC = base64.StdEncoding.EncodeToString(b)
		}, "integrity"},
		{"swapped entry values", func(s *Section) {
			s.Entries[0].Nonce, s.Entries[1].Nonce = s.Entries[1].Nonce, s.Entries[0].Nonce
			s.Entries[0].Value, s.Entries[1].Value = s.Entries[1].Value, s.Entries[0].Value
		}, "integrity"},
		{"swapped entry values, MAC recomputed", func(s *Section) {
			s.Entries[0].Nonce, s.Entries[1].Nonce = s.Entries[1].Nonce, s.Entries[0].Nonce
			s.Entries[0].Value, s.Entries[1].Value = s.Entries[1].Value, s.Entries[0].Value
			remac(s)
		}, "integrity"},
		{"swapped entry names", func(s *Section) { s.Entries[0].Name, s.Entries[1].Name = s.Entries[1].Name, s.Entries[0].Name }, "parse"},
		{"removed entry", func(s *Section) { s.Entries = s.Entries[1:] }, "integrity"},
		{"removed classic wrap", func(s *Section) { s.DataKeys = s.DataKeys[1:] }, "parse"},
		{"removed classic wrap and recipient", func(s *Section) {
			s.DataKeys = s.DataKeys[1:]
			s.Recipients = []string{pq.public}
		}, "integrity"},
		{"classic wrap from another section", func(s *Section) { s.DataKeys[0] = other.DataKeys[0] }, "integrity"},
		{"wraps swapped between kinds", func(s *Section) { s.DataKeys[0].Age, s.DataKeys[1].Age = s.DataKeys[1].Age, s.DataKeys[0].Age }, "integrity"},
		{"wraps reordered", func(s *Section) { s.DataKeys[0], s.DataKeys[1] = s.DataKeys[1], s.DataKeys[0] }, "parse"},
		{"added recipient", func(s *Section) { s.Recipients = sortedStrings(append(s.Recipients, mustPQ(t))) }, "integrity"},
		{"version 1 shape", func(s *Section) {
			s.Version, s.DataKey, s.DataKeys = 1, s.DataKeys[0].Age, nil
			s.Recipients = []string{x.public}
		}, "integrity"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := cloneSection(orig)
			s.DataKeys = append([]WrappedKey(nil), orig.DataKeys...)
			tc.edit(s)
			text, err := s.Marshal()
			if tc.result == "parse" {
				if err == nil {
					if _, err = ParseSection(text); err == nil {
						t.Fatal("tampered section accepted by the parser")
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("does not marshal: %v", err)
			}
			parsed := mustParse(t, text)
			for _, k := range []teamKey{pq, x} {
				_, err := parsed.Open("demo", k.id)
				if tc.result == "integrity" && errors.Is(err, ErrNoIdentityMatched) && !strings.Contains(strings.Join(parsed.Recipients, " "), k.public) {
					continue // that identity is no longer a recipient
				}
				if !isIntegrity(err) {
					t.Errorf("identity %v: want IntegrityError, got %v", k.kind, err)
				}
			}
		})
	}
}

// TestCanonicalPQRecipient: the section stores a post-quantum key only in
// its canonical form, and ParseRecipient gives that form back.
func TestCanonicalPQRecipient(t *testing.T) {
	t.Parallel()
	pq := mustPQ(t)
	if err := canonicalRecipient(pq); err != nil {
		t.Fatal(err)
	}
	if got := mustParseRecipient(t, " "+pq+"\n").String(); got != pq {
		t.Errorf("ParseRecipient did not canonicalize")
	}
	for _, bad := range []string{" " + pq, pq + " ", pq + "\n", strings.ToUpper(pq), pq[:len(pq)-1] + "Q"} {
		if err := canonicalRecipient(bad); err == nil {
			t.Errorf("accepted a non-canonical key %.10s…%q", bad, bad[len(bad)-2:])
		}
	}
	if RecipientKind(pq) != KindPostQuantum || KindPostQuantum.String() != "post-quantum" || !KindPostQuantum.PostQuantum() || KindX25519.PostQuantum() {
		t.Error("kind of a post-quantum key")
	}
}
