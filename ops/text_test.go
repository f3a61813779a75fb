package ops

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/envseal/envseal/lockfile"
	pfx "github.com/envseal/envseal/prefix"
)

// text renders one result the way the command line prints it.
func text(f func(w *bytes.Buffer)) string {
	var b bytes.Buffer
	f(&b)
	return b.String()
}

func TestResultText(t *testing.T) {
	day := time.Date(2026, 12, 6, 15, 4, 5, 0, time.UTC)
	for _, tc := range []struct {
		name, got, want string
	}{
		{"create", text(func(w *bytes.Buffer) { (&CreateResult{Prefix: "/e/ml", Packages: 12}).WriteText(w) }),
			"Created /e/ml (12 packages).\n"},
		{"create from a lock", text(func(w *bytes.Buffer) {
			(&CreateResult{Prefix: "/e/ml", Packages: 3, From: "envseal.lock"}).WriteText(w)
		}),
			"Created /e/ml from envseal.lock (3 packages).\n"},
		{"remove all, dry run", text(func(w *bytes.Buffer) { (&RemoveResult{Prefix: "/e/ml", All: true, DryRun: true}).WriteText(w) }),
			"Would remove the environment at /e/ml\n"},
		{"remove all", text(func(w *bytes.Buffer) { (&RemoveResult{Prefix: "/e/ml", All: true}).WriteText(w) }),
			"Removed the environment at /e/ml\n"},
		{"remove packages (the plan said it)", text(func(w *bytes.Buffer) { (&RemoveResult{Prefix: "/e/ml"}).WriteText(w) }), ""},
		{"clean", text(func(w *bytes.Buffer) { (&CleanResult{Bytes: 1_500_000}).WriteText(w, true) }),
			"Would remove 1.5 MB from the package cache.\n"},
		{"lock checked, even quiet", text(func(w *bytes.Buffer) { (&LockResult{Output: "envseal.lock", Checked: true}).WriteText(w, true) }),
			"envseal.lock is up to date\n"},
		{"lock replaced, nothing changed", text(func(w *bytes.Buffer) { (&LockResult{Output: "envseal.lock", Replaced: true}).WriteText(w, false) }),
			"envseal.lock: no package changed\n"},
		{"lock changes", text(func(w *bytes.Buffer) {
			(&LockResult{Output: "envseal.lock", Replaced: true, Changes: []lockfile.PlatformDiff{{Platform: "linux-64", Changes: []lockfile.Change{
				{Name: "numpy", Kind: lockfile.Upgraded, Old: "1.26.4 py310_0", New: "2.0.0 py310_0"}, {Name: "tzdata", Kind: lockfile.Added, New: "2024a h0_0"}}}}}).WriteText(w, false)
		}), "linux-64:\n  ~ numpy 1.26.4 py310_0 → 2.0.0 py310_0\n  + tzdata 2024a h0_0\n"},
		{"lock changes, quiet", text(func(w *bytes.Buffer) {
			(&LockResult{Output: "envseal.lock", Replaced: true, Changes: []lockfile.PlatformDiff{{Platform: "linux-64"}}}).WriteText(w, true)
		}), ""},
		{"config", text(func(w *bytes.Buffer) {
			(&ConfigShowResult{Settings: []ConfigSetting{
				{Key: "channels", Value: []string{"conda-forge", "nodefaults"}, Sources: []string{"~/.condarc:2"}},
				{Key: "proxy_servers", Value: map[string]string{"https": "http://p:3128", "http": "http://p:3128"}},
				{Key: "custom_multichannels", Value: map[string][]string{"team": {"a", "b"}}},
				{Key: "ssl_verify", Value: true},
			}}).WriteText(w, true)
		}), "channels: [conda-forge, nodefaults]    # ~/.condarc:2\nproxy_servers: {http: http://p:3128, https: http://p:3128}\ncustom_multichannels: {team: [a, b]}\nssl_verify: true\n"},
		{"secrets list", text(func(w *bytes.Buffer) {
			(&SecretsResult{Entries: []SecretInfo{{Name: "API_KEY"}, {Name: "NEW", Pending: true, AddedBy: "Bob"}, {Name: "ANON", Pending: true}}}).WriteList(w)
		}), "API_KEY\nNEW\t(pending, added by Bob)\nANON\t(pending)\n"},
		{"recipients", text(func(w *bytes.Buffer) {
			(&RecipientsInfo{Keys: []KeyInfo{{Recipient: "age1pq1xyz", Kind: "post-quantum"},
				{Recipient: "ssh-ed25519 AAAA", Kind: "ssh-ed25519", Fingerprint: "SHA256:abc", Comment: "alice@laptop (github:alice)"},
				{Recipient: "age1yubikey1q", Kind: "plugin", Plugin: "yubikey"}}}).WriteText(w)
		}), "age1pq1xyz\tpost-quantum\nssh-ed25519 AAAA\tssh-ed25519\tSHA256:abc, alice@laptop (github:alice)\nage1yubikey1q\tplugin\tage-plugin-yubikey\n"},
		{"recipients notes", text(func(w *bytes.Buffer) {
			(&RecipientsInfo{Keys: []KeyInfo{{Recipient: "age1pq1xyz"}}, PostQuantum: true, Rotated: day, RotatedKnown: true}).WriteNotes(w)
		}), "envseal: data key last rotated 2026-12-06T15:04:05Z\n"},
		{"recipients notes, none", text(func(w *bytes.Buffer) { (&RecipientsInfo{}).WriteNotes(w) }), ""},
		{"audit", text(func(w *bytes.Buffer) {
			(&AuditResult{Secrets: []SecretAudit{{Name: "TOKEN", Changed: AuditCommit{Hash: "0123456789abcdef", Date: day, Author: "Alice"},
				Versions: []AuditVersion{{AuditCommit: AuditCommit{Hash: "0123456789abcdef", Date: day, Author: "Alice"}, Readers: []string{"age1short"}},
					{Pending: true, Readers: []string{}}}}}}).WriteText(w)
		}), "TOKEN\t2026-12-06 0123456789 by Alice\n  2026-12-06 0123456789 by Alice\treadable by age1short\n  uncommitted (added as pending)\treadable by \n"},
		{"verify clean", text(func(w *bytes.Buffer) {
			(&VerifyResult{Report: &pfx.Report{Prefix: "/e/ml", Clean: true, Stats: pfx.VerifyStats{Files: 10, Hashed: 2}}}).WriteText(w)
		}), "/e/ml: clean (10 files, 2 hashed)\n"},
		{"verify drift", text(func(w *bytes.Buffer) {
			(&VerifyResult{Report: &pfx.Report{Prefix: "/e/ml", Packages: []pfx.PackageDrift{
				{Name: "numpy", Dist: "numpy-2.0.0-py310_0", Modified: []pfx.ModifiedFile{{Path: "lib/x.so", Reason: "sha256"}}, Missing: []string{"bin/f2py"}},
				{Name: "zlib", Lock: pfx.LockMissing, Locked: "zlib-1.3-h0_0"},
			}, Foreign: []string{"bin/evil"}}}).WriteText(w)
		}), "numpy-2.0.0-py310_0\n  modified (sha256): lib/x.so\n  missing: bin/f2py\nzlib\n  not installed: the lock pins zlib-1.3-h0_0\nforeign files (no package owns them)\n  bin/evil\n" +
			"/e/ml: drift found (repair damaged files with --repair; lock drift with `envseal install --locked`)\n"},
	} {
		if tc.got != tc.want {
			t.Errorf("%s:\ngot  %q\nwant %q", tc.name, tc.got, tc.want)
		}
	}
}

// TestShortAuditHash: a commit is shown by its first ten hex digits, a
// shorter hash as it is.
func TestShortAuditHash(t *testing.T) {
	if got := (AuditCommit{Hash: "abc", Author: "A"}).describe(false); !strings.Contains(got, " abc by A") {
		t.Errorf("got %q", got)
	}
}
