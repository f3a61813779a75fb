package ops

import (
	"context"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/envseal/envseal/conda"
	"github.com/envseal/envseal/lockfile"
	"github.com/envseal/envseal/secrets"
)

type person struct {
	id  *secrets.GeneratedIdentity
	pub string
}

func newPerson(t testing.TB, pq bool) person {
	t.Helper()
	gen := secrets.GenerateClassicIdentity
	if pq {
		gen = secrets.GenerateIdentity
	}
	id, err := gen()
	if err != nil {
		t.Fatal(err)
	}
	return person{id: id, pub: id.Recipient().String()}
}

// section seals values for the recipients, under a fresh data key.
func section(t testing.TB, values map[string]string, rs ...person) *secrets.Section {
	t.Helper()
	var recips []secrets.Recipient
	for _, r := range rs {
		recips = append(recips, r.id.Recipient())
	}
	o, err := secrets.New("team", recips...)
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	for _, n := range slices.Sorted(maps.Keys(values)) {
		if err := o.Set(n, []byte(values[n])); err != nil {
			t.Fatal(err)
		}
	}
	s, err := o.Seal()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// edit opens s as p, applies fn and seals: a commit on a branch.
func edit(t testing.TB, s *secrets.Section, p person, fn func(*secrets.Opened)) *secrets.Section {
	t.Helper()
	o, err := s.Open("team", p.id)
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	fn(o)
	out, err := o.Seal()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func values(t testing.TB, s *secrets.Section, p person) map[string]string {
	t.Helper()
	o, err := s.Open("team", p.id)
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	out := map[string]string{}
	for _, n := range o.Names() {
		v, _ := o.Get(n)
		out[n] = string(v)
	}
	return out
}

// runMerge writes the three locks and runs the driver as p.
func runMerge(t testing.TB, p *person, base, ours, theirs []byte) (*lockfile.Lock, *MergeDriverResult, error) {
	t.Helper()
	dir := t.TempDir()
	files := []string{filepath.Join(dir, "O"), filepath.Join(dir, "A"), filepath.Join(dir, "B")}
	for i, data := range [][]byte{base, ours, theirs} {
		if err := os.WriteFile(files[i], data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	env := []string{"HOME=" + dir}
	if p != nil {
		env = append(env, "ENVSEAL_IDENTITY="+p.id.String())
	}
	res, err := MergeDriver(context.Background(), MergeDriverOptions{Host: Host{Environ: env}, IdentityOptions: IdentityOptions{EnvName: "team"},
		Base: files[0], Ours: files[1], Theirs: files[2], Path: "envseal.lock"})
	var mc *MergeConflictError
	if err != nil && !errors.As(err, &mc) {
		return nil, res, err // nothing written
	}
	data, rerr := os.ReadFile(files[1])
	if rerr != nil {
		t.Fatal(rerr)
	}
	l, perr := lockfile.Parse(data)
	if perr != nil {
		t.Fatalf("the driver left an unreadable lock: %v", perr)
	}
	return l, res, err
}

func lockBytes(t testing.TB, s *secrets.Section, pkgs map[conda.Platform][]*lockfile.Package) []byte {
	t.Helper()
	l := lockfile.New()
	l.Secrets = s
	for p, ps := range pkgs {
		l.Metadata.Platforms = append(l.Metadata.Platforms, p)
		if l.Packages == nil {
			l.Packages = map[conda.Platform][]*lockfile.Package{}
		}
		l.Packages[p] = ps
	}
	data, err := lockfile.Marshal(l)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestMergeDriverSecrets(t *testing.T) {
	alice, bob, carol := newPerson(t, false), newPerson(t, false), newPerson(t, true)
	base := section(t, map[string]string{"A": "a0", "B": "b0"}, alice, bob)
	set := func(n, v string) func(*secrets.Opened) {
		return func(o *secrets.Opened) { o.Set(n, []byte(v)) }
	}
	tests := []struct {
		name         string
		ours, theirs *secrets.Section
		want         map[string]string
		recipients   []string
		conflict     string
		rekeyed      bool
	}{
		{name: "each side adds", ours: edit(t, base, alice, set("C", "c")), theirs: edit(t, base, bob, set("D", "d")),
			want: map[string]string{"A": "a0", "B": "b0", "C": "c", "D": "d"}},
		{name: "one changes, the other removes", ours: edit(t, base, alice, set("A", "a1")), theirs: edit(t, base, bob, func(o *secrets.Opened) { o.Remove("B") }),
			want: map[string]string{"A": "a1"}},
		{name: "both change one name alike", ours: edit(t, base, alice, set("A", "same")), theirs: edit(t, base, bob, set("A", "same")),
			want: map[string]string{"A": "same", "B": "b0"}},
		{name: "both change one name", ours: edit(t, base, alice, set("A", "mine")), theirs: edit(t, base, bob, set("A", "yours")),
			want: map[string]string{"A": "mine", "B": "b0"}, conflict: "secret A changed on both sides"},
		{name: "their side removes bob", ours: edit(t, base, alice, set("E", "e")), theirs: edit(t, base, alice, func(o *secrets.Opened) { o.RemoveRecipient(bob.pub) }),
			want: map[string]string{"A": "a0", "B": "b0", "E": "e"}, recipients: []string{alice.pub}, rekeyed: true},
		{name: "their side rotates", ours: edit(t, base, alice, set("E", "e")), theirs: edit(t, base, alice, func(o *secrets.Opened) { o.Rotate() }),
			want: map[string]string{"A": "a0", "B": "b0", "E": "e"}, rekeyed: true},
		{name: "their side adds a post-quantum recipient", ours: edit(t, base, alice, set("E", "e")), theirs: edit(t, base, alice, func(o *secrets.Opened) { o.AddRecipients(carol.id.Recipient()) }),
			want: map[string]string{"A": "a0", "B": "b0", "E": "e"}, recipients: []string{alice.pub, bob.pub, carol.pub}},
		{name: "their side has a pending entry", ours: edit(t, base, alice, set("E", "e")), theirs: func() *secrets.Section {
			s := edit(t, base, alice, func(*secrets.Opened) {})
			if err := s.AddPending("team", "P", []byte("p")); err != nil {
				t.Fatal(err)
			}
			return s
		}(), want: map[string]string{"A": "a0", "B": "b0", "E": "e", "P": "p"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l, res, err := runMerge(t, &alice, lockBytes(t, base, nil), lockBytes(t, tc.ours, nil), lockBytes(t, tc.theirs, nil))
			var mc *MergeConflictError
			switch {
			case tc.conflict == "" && err != nil:
				t.Fatal(err)
			case tc.conflict != "" && (!errors.As(err, &mc) || !strings.Contains(err.Error(), tc.conflict)):
				t.Fatalf("err = %v, want a conflict %q", err, tc.conflict)
			}
			if got := values(t, l.Secrets, alice); !maps.Equal(got, tc.want) {
				t.Errorf("values = %v, want %v", got, tc.want)
			}
			if err != nil {
				for _, v := range tc.want {
					if strings.Contains(err.Error(), v) && len(v) > 1 {
						t.Errorf("the error shows a value: %v", err)
					}
				}
			}
			want := tc.recipients
			if want == nil {
				want = []string{alice.pub, bob.pub}
			}
			slices.Sort(want)
			if !slices.Equal(l.Secrets.Recipients, want) {
				t.Errorf("recipients = %d, want %d", len(l.Secrets.Recipients), len(want))
			}
			if res.Rekeyed != tc.rekeyed {
				t.Errorf("rekeyed = %v", res.Rekeyed)
			}
			if len(l.Secrets.Pending) != 0 {
				t.Error("pending entries were not folded")
			}
			if tc.rekeyed && !slices.Contains(want, bob.pub) {
				if _, err := l.Secrets.Open("team", bob.id); !errors.Is(err, secrets.ErrNoIdentityMatched) {
					t.Errorf("the removed recipient opens the merge: %v", err)
				}
			}
		})
	}
}

func TestMergeDriverNeedsIdentity(t *testing.T) {
	alice := newPerson(t, false)
	base := section(t, map[string]string{"A": "a0"}, alice)
	ours := edit(t, base, alice, func(o *secrets.Opened) { o.Set("B", []byte("b")) })
	theirs := edit(t, base, alice, func(o *secrets.Opened) { o.Set("C", []byte("c")) })
	_, _, err := runMerge(t, nil, lockBytes(t, base, nil), lockBytes(t, ours, nil), lockBytes(t, theirs, nil))
	if !errors.Is(err, ErrMergeNeedsIdentity) {
		t.Fatalf("err = %v", err)
	}
	// One side only: no identity needed, their side is taken as sealed.
	l, _, err := runMerge(t, nil, lockBytes(t, base, nil), lockBytes(t, base, nil), lockBytes(t, theirs, nil))
	if err != nil || sectionText(l.Secrets) != sectionText(theirs) {
		t.Fatalf("one-sided merge: %v", err)
	}
}

func pkg(t testing.TB, name, version string, plat conda.Platform) *lockfile.Package {
	t.Helper()
	v, err := conda.ParseVersion(version)
	if err != nil {
		t.Fatal(err)
	}
	return &lockfile.Package{Name: name, Version: v, Build: "0", Subdir: string(plat), Channel: "https://conda.example/c",
		URL: "https://conda.example/c/" + string(plat) + "/" + name + "-" + version + "-0.conda", SHA256: strings.Repeat("a", 64)}
}

func TestMergeDriverPackages(t *testing.T) {
	const linux, osx = conda.Platform("linux-64"), conda.Platform("osx-arm64")
	base := map[conda.Platform][]*lockfile.Package{linux: {pkg(t, "python", "3.11.0", linux)}, osx: {pkg(t, "python", "3.11.0", osx)}}
	with := func(p conda.Platform, version string) map[conda.Platform][]*lockfile.Package {
		m := maps.Clone(base)
		m[p] = []*lockfile.Package{pkg(t, "python", version, p)}
		return m
	}
	tests := []struct {
		name         string
		ours, theirs map[conda.Platform][]*lockfile.Package
		want         map[conda.Platform]string
		conflict     string
	}{
		{"one platform each", with(linux, "3.11.1"), with(osx, "3.11.2"), map[conda.Platform]string{linux: "3.11.1", osx: "3.11.2"}, ""},
		{"theirs only", base, with(linux, "3.11.9"), map[conda.Platform]string{linux: "3.11.9", osx: "3.11.0"}, ""},
		{"both, alike", with(osx, "3.12.0"), with(osx, "3.12.0"), map[conda.Platform]string{linux: "3.11.0", osx: "3.12.0"}, ""},
		{"both, differently", with(linux, "3.11.1"), with(linux, "3.11.2"), map[conda.Platform]string{linux: "3.11.1", osx: "3.11.0"}, "platform linux-64 changed on both sides: run `envseal lock`"},
		{"a platform added", base, func() map[conda.Platform][]*lockfile.Package {
			m := maps.Clone(base)
			m["win-64"] = []*lockfile.Package{pkg(t, "python", "3.11.0", "win-64")}
			return m
		}(), map[conda.Platform]string{linux: "3.11.0", osx: "3.11.0", "win-64": "3.11.0"}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l, _, err := runMerge(t, nil, lockBytes(t, nil, base), lockBytes(t, nil, tc.ours), lockBytes(t, nil, tc.theirs))
			if tc.conflict == "" && err != nil || tc.conflict != "" && (err == nil || !strings.Contains(err.Error(), tc.conflict)) {
				t.Fatalf("err = %v, want %q", err, tc.conflict)
			}
			got := map[conda.Platform]string{}
			for p, ps := range l.Packages {
				got[p] = ps[0].Version.String()
			}
			if !maps.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

// FuzzMergeDriver: three arbitrary locks never make the driver panic or
// write a lock that does not parse, and no value reaches an error.
func FuzzMergeDriver(f *testing.F) {
	alice := newPerson(f, false)
	base := section(f, map[string]string{"A": "s3cr3t-a0"}, alice)
	ours := edit(f, base, alice, func(o *secrets.Opened) { o.Set("B", []byte("s3cr3t-b")) })
	theirs := edit(f, base, alice, func(o *secrets.Opened) { o.Set("A", []byte("s3cr3t-a1")) })
	linux := conda.Platform("linux-64")
	pk := map[conda.Platform][]*lockfile.Package{linux: {pkg(f, "python", "3.11.0", linux)}}
	f.Add(lockBytes(f, base, pk), lockBytes(f, ours, nil), lockBytes(f, theirs, pk))
	f.Add([]byte{}, lockBytes(f, ours, pk), lockBytes(f, theirs, nil))
	f.Add([]byte("version: 1\n"), []byte("version: 1\n"), []byte("version: 2\n"))
	f.Fuzz(func(t *testing.T, b, o, th []byte) {
		_, _, err := runMerge(t, &alice, b, o, th)
		if err != nil && strings.Contains(err.Error(), "s3cr3t") {
			t.Fatalf("a value in the error: %v", err)
		}
	})
}
