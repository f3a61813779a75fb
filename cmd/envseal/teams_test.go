package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// team is a git repository shared by several people, each with an identity
// and a git author of their own, running the real envseal binary (git
// runs it as the merge driver). Everything any command printed is kept in
// log, to be searched for values at the end.
type team struct {
	t      *testing.T
	bin    string
	repo   string
	home   string
	prefix string
	base   []string
	keys   map[string]string // person -> public key
	ids    map[string]string // person -> identity file
	log    bytes.Buffer
}

func newTeam(t *testing.T) *team {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	home := t.TempDir()
	tm := &team{t: t, bin: buildEnvseal(t), repo: t.TempDir(), home: home, prefix: emptyPrefix(t),
		keys: map[string]string{}, ids: map[string]string{}}
	tm.base = []string{
		"HOME=" + home,
		"PATH=" + os.Getenv("PATH"),
		"ENVSEAL_ROOT=" + filepath.Join(home, "root"),
		"GIT_CONFIG_NOSYSTEM=1",
	}
	tm.git("", "init", "-q", "-b", "main")
	return tm
}

// join makes person a member: a key of their own (post-quantum unless
// classic), not yet a recipient.
func (tm *team) join(person string, classic bool) {
	tm.t.Helper()
	id := filepath.Join(tm.home, person+".txt")
	args := []string{"secrets", "keygen", "-o", id}
	if classic {
		args = append(args, "--classic")
	}
	pub, _ := tm.must(person, "", args...)
	tm.keys[person] = strings.TrimSpace(pub)
	tm.ids[person] = id
}

func (tm *team) env(person string) []string {
	name := strings.ToUpper(person[:1]) + person[1:]
	id := tm.ids[person]
	if id == "" {
		id = filepath.Join(tm.home, "nobody.txt")
	}
	return append(slices.Clone(tm.base), "ENVSEAL_IDENTITY_FILE="+id,
		"GIT_AUTHOR_NAME="+name, "GIT_AUTHOR_EMAIL="+person+"@example.com",
		"GIT_COMMITTER_NAME="+name, "GIT_COMMITTER_EMAIL="+person+"@example.com")
}

// run runs envseal as person with stdin; it returns stdout, stderr and the
// exit code.
func (tm *team) run(person, stdin string, args ...string) (string, string, int) {
	tm.t.Helper()
	cmd := exec.Command(tm.bin, args...)
	cmd.Dir, cmd.Env, cmd.Stdin = tm.repo, tm.env(person), strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		tm.t.Fatal(err)
	}
	tm.log.WriteString(out.String() + errb.String())
	return out.String(), errb.String(), code
}

func (tm *team) must(person, stdin string, args ...string) (string, string) {
	tm.t.Helper()
	out, errs, code := tm.run(person, stdin, args...)
	if code != 0 {
		tm.t.Fatalf("envseal %s as %s: exit %d\n%s%s", strings.Join(args, " "), person, code, out, errs)
	}
	return out, errs
}

// gitAs runs git as person (merges run the driver with their identity).
func (tm *team) gitAs(person string, args ...string) (string, error) {
	tm.t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir, cmd.Env = tm.repo, tm.env(person)
	out, err := cmd.CombinedOutput()
	tm.log.Write(out)
	return string(out), err
}

func (tm *team) git(person string, args ...string) string {
	tm.t.Helper()
	if person == "" {
		person = "alice"
	}
	out, err := tm.gitAs(person, args...)
	if err != nil {
		tm.t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(out)
}

// commit commits envseal.lock (and files) as person and returns the hash.
func (tm *team) commit(person, msg string, files ...string) string {
	tm.t.Helper()
	tm.git(person, append([]string{"add", "envseal.lock"}, files...)...)
	tm.git(person, "commit", "-q", "-m", msg)
	return tm.git(person, "rev-parse", "HEAD")
}

// digest is the SHA-256 of the value `run` gives name, as person: values
// are compared by digest so that they never reach the captured output.
func (tm *team) digest(person, name string) string {
	tm.t.Helper()
	out, _ := tm.must(person, "", "run", "-p", tm.prefix, "--", "sh", "-c", `printf %s "$`+name+`" | sha256sum | cut -c1-64`)
	return strings.TrimSpace(out)
}

func sum(v string) string { h := sha256.Sum256([]byte(v)); return hex.EncodeToString(h[:]) }

// noValues fails if any value appears in anything the test captured or
// left behind: output, the working tree, home directories and every
// version git holds.
func (tm *team) noValues(values ...string) {
	tm.t.Helper()
	hist, _ := tm.gitAs("alice", "log", "-p", "--all", "--format=%H")
	texts := map[string][]byte{"captured output": tm.log.Bytes(), "git history": []byte(hist)}
	for _, dir := range []string{tm.repo, tm.home} {
		filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && !strings.Contains(p, string(filepath.Separator)+".git"+string(filepath.Separator)) {
				if data, err := os.ReadFile(p); err == nil {
					texts[p] = data
				}
			}
			return nil
		})
	}
	for _, v := range values {
		for where, data := range texts {
			if bytes.Contains(data, []byte(v)) {
				tm.t.Errorf("a value appears in %s", where)
			}
		}
	}
}

type auditJSON struct {
	Secrets []struct {
		Name    string `json:"name"`
		Pending bool   `json:"pending"`
		Changed struct {
			Commit string    `json:"commit"`
			Date   time.Time `json:"date"`
			Author string    `json:"author"`
		} `json:"changed"`
		Versions []struct {
			Commit  string   `json:"commit"`
			Author  string   `json:"author"`
			Pending bool     `json:"pending"`
			Readers []string `json:"readers"`
		} `json:"versions"`
	} `json:"secrets"`
	Stale []string `json:"stale"`
}

func TestTeamOverTheYears(t *testing.T) {
	tm := newTeam(t)
	const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	val := func(seed uint64) string { return fakeToken(alnum, 28, seed) }
	oldKey, token1, dbPass, token2, sentry, ciToken, late, conflictA, conflictB, dotA, dotB := val(1), val(2), val(3), val(4), val(5), val(6), val(7), val(8), val(9), val(10), val(11)
	defer tm.noValues(oldKey, token1, dbPass, token2, sentry, ciToken, late, conflictA, conflictB, dotA, dotB)

	tm.join("alice", false)
	tm.join("bob", true)
	tm.join("carol", false)
	if !strings.HasPrefix(tm.keys["alice"], "age1pq1") || strings.HasPrefix(tm.keys["bob"], "age1pq1") {
		t.Fatalf("keygen: alice %.10s…, bob %.10s…", tm.keys["alice"], tm.keys["bob"])
	}

	// Years ago, alice sealed OLD_KEY and API_TOKEN, and registered the
	// merge driver.
	tm.must("alice", oldKey, "secrets", "set", "OLD_KEY")
	tm.must("alice", token1, "secrets", "set", "API_TOKEN")
	_, errs := tm.must("alice", "", "merge-driver", "--install")
	if !strings.Contains(errs, ".gitattributes") {
		t.Errorf("merge-driver --install said %q", errs)
	}
	if attrs, _ := os.ReadFile(filepath.Join(tm.repo, ".gitattributes")); string(attrs) != "envseal.lock merge=envseal\n" {
		t.Errorf(".gitattributes = %q", attrs)
	}
	if d := tm.git("", "config", "merge.envseal.driver"); !strings.HasSuffix(d, " merge-driver %O %A %B %P") {
		t.Errorf("merge.envseal.driver = %q", d)
	}
	tm.git("alice", "add", "envseal.lock", ".gitattributes")
	cmd := exec.Command("git", "commit", "-q", "-m", "first secrets")
	cmd.Dir, cmd.Env = tm.repo, append(tm.env("alice"), "GIT_AUTHOR_DATE=2020-01-02T03:04:05Z", "GIT_COMMITTER_DATE=2020-01-02T03:04:05Z")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	first := tm.git("", "rev-parse", "HEAD")

	// Bob joins with a classic key: the seal stops being post-quantum,
	// and every write and the recipients list say so.
	_, errs = tm.must("alice", "", "secrets", "recipients", "add", tm.keys["bob"])
	if !strings.Contains(errs, "not post-quantum until the last classic recipient is removed") {
		t.Errorf("recipients add: no post-quantum warning: %q", errs)
	}
	out, errs := tm.must("alice", "", "secrets", "recipients", "list")
	wantList := []string{tm.keys["bob"] + "\tx25519", tm.keys["alice"] + "\tpost-quantum"}
	slices.Sort(wantList)
	if got := strings.Split(strings.TrimSpace(out), "\n"); !slices.Equal(got, wantList) {
		t.Errorf("recipients list = %q", got)
	}
	if !strings.Contains(errs, "not post-quantum") {
		t.Errorf("recipients list: no warning: %q", errs)
	}
	addBob := tm.commit("alice", "add bob")

	// Two branches: bob adds DB_PASSWORD, alice changes API_TOKEN and adds
	// SENTRY_DSN; git merges them with the driver, no conflict.
	tm.git("alice", "checkout", "-q", "-b", "feature")
	_, errs = tm.must("bob", dbPass, "secrets", "set", "DB_PASSWORD")
	if !strings.Contains(errs, "not post-quantum") {
		t.Errorf("set by bob: no post-quantum warning: %q", errs)
	}
	bobCommit := tm.commit("bob", "db password")
	tm.git("alice", "checkout", "-q", "main")
	tm.must("alice", token2, "secrets", "set", "API_TOKEN")
	tm.must("alice", sentry, "secrets", "set", "SENTRY_DSN")
	aliceCommit := tm.commit("alice", "rotate api token, add sentry")
	before, _ := os.ReadFile(filepath.Join(tm.repo, "envseal.lock"))
	if out, err := tm.gitAs("alice", "merge", "--no-edit", "feature"); err != nil {
		t.Fatalf("git merge: %v\n%s", err, out)
	}
	if tm.git("", "status", "--porcelain", "--untracked-files=no") != "" {
		t.Error("the merge left changes")
	}
	merged, _ := os.ReadFile(filepath.Join(tm.repo, "envseal.lock"))
	if bytes.Contains(merged, []byte("<<<<<<<")) {
		t.Fatal("conflict markers in the merged lock")
	}
	for name, v := range map[string]string{"API_TOKEN": token2, "SENTRY_DSN": sentry, "DB_PASSWORD": dbPass, "OLD_KEY": oldKey} {
		if got := tm.digest("bob", name); got != sum(v) {
			t.Errorf("after the merge, bob's %s is wrong", name)
		}
	}
	// Quiet diff: our entries kept their ciphertext through the merge.
	for _, line := range strings.Split(string(before), "\n") {
		if strings.Contains(line, "value:") && !bytes.Contains(merged, []byte(line)) {
			t.Errorf("the merge re-sealed an entry of our side: %.40s…", strings.TrimSpace(line))
		}
	}

	// Both branches change the same secret: the merge conflicts, names
	// it, and prints no value.
	tm.git("alice", "checkout", "-q", "-b", "left")
	tm.must("alice", conflictA, "secrets", "set", "SENTRY_DSN")
	tm.commit("alice", "left")
	tm.git("alice", "checkout", "-q", "main")
	tm.must("bob", conflictB, "secrets", "set", "SENTRY_DSN")
	tm.commit("bob", "right")
	out, err := tm.gitAs("alice", "merge", "--no-edit", "left")
	if err == nil || !strings.Contains(out, "secret SENTRY_DSN changed on both sides") {
		t.Errorf("conflicting merge: err %v\n%s", err, out)
	}
	tm.git("alice", "merge", "--abort")
	tm.git("alice", "reset", "-q", "--hard", "HEAD~1")

	// Carol is not a recipient: her value becomes a pending entry, listed
	// as hers; run injects it; alice's next write folds it.
	out, errs = tm.must("carol", ciToken, "secrets", "set", "CI_TOKEN")
	if !strings.Contains(errs, "pending entry") {
		t.Errorf("set by a non-recipient: %q", errs)
	}
	carolCommit := tm.commit("carol", "ci token")
	out, _ = tm.must("carol", "", "secrets", "list")
	if !strings.Contains(out, "CI_TOKEN\t(pending, added by Carol)\n") || !strings.Contains(out, "API_TOKEN\n") {
		t.Errorf("list:\n%s", out)
	}
	if got := tm.digest("alice", "CI_TOKEN"); got != sum(ciToken) {
		t.Error("run did not inject the pending value")
	}
	_, errs = tm.must("alice", late, "secrets", "set", "LATE")
	if !strings.Contains(errs, "folding pending CI_TOKEN") {
		t.Errorf("no fold notice: %q", errs)
	}
	if out, _ = tm.must("carol", "", "secrets", "list"); strings.Contains(out, "pending") {
		t.Errorf("list after the fold:\n%s", out)
	}
	tm.commit("alice", "late")

	// Bob leaves on a branch while, on main, bob still adds a value; the
	// merge re-keys, so bob cannot open the result.
	tm.git("alice", "checkout", "-q", "-b", "offboard")
	_, errs = tm.must("alice", "", "secrets", "recipients", "rm", tm.keys["bob"])
	for _, name := range []string{"API_TOKEN", "CI_TOKEN", "DB_PASSWORD", "OLD_KEY", "SENTRY_DSN", "LATE"} {
		if !strings.Contains(errs, "  "+name+"\n") {
			t.Errorf("recipients rm does not list %s:\n%s", name, errs)
		}
	}
	if strings.Contains(errs, "not post-quantum") {
		t.Errorf("post-quantum-only seal still warned: %q", errs)
	}
	tm.commit("alice", "offboard bob")
	tm.git("alice", "checkout", "-q", "main")
	tm.must("bob", late, "secrets", "set", "BOB_LAST")
	tm.commit("bob", "bob's last")
	if out, err := tm.gitAs("alice", "merge", "--no-edit", "offboard"); err != nil || !strings.Contains(out, "fresh data key") {
		t.Fatalf("merge of the offboarding: %v\n%s", err, out)
	}
	if _, errs, code := tm.run("bob", "", "secrets", "get", "API_TOKEN"); code == 0 {
		t.Error("bob still opens the secrets after the merge")
	} else if !strings.Contains(errs, "no identity matched") {
		t.Errorf("bob: %q", errs)
	}
	if got := tm.digest("alice", "BOB_LAST"); got != sum(late) {
		t.Error("bob's last value was lost in the merge")
	}
	out, errs = tm.must("alice", "", "secrets", "recipients", "list")
	if strings.TrimSpace(out) != tm.keys["alice"]+"\tpost-quantum" || strings.Contains(errs, "warning") || !strings.Contains(errs, "data key last rotated 20") {
		t.Errorf("recipients list after rm: %q %q", out, errs)
	}

	// The audit, checked against the commits made.
	out, _ = tm.must("alice", "", "secrets", "audit", "--json")
	var a auditJSON
	if err := json.Unmarshal([]byte(out), &a); err != nil {
		t.Fatalf("audit --json: %v\n%s", err, out)
	}
	want := map[string]struct {
		commit, author string
		versions       int
	}{
		"OLD_KEY":     {first, "Alice", 1},
		"API_TOKEN":   {aliceCommit, "Alice", 2},
		"DB_PASSWORD": {bobCommit, "Bob", 1},
		"SENTRY_DSN":  {aliceCommit, "Alice", 1},
		"CI_TOKEN":    {carolCommit, "Carol", 1},
	}
	seen := 0
	for _, s := range a.Secrets {
		w, ok := want[s.Name]
		if !ok {
			continue
		}
		seen++
		if s.Changed.Commit != w.commit || s.Changed.Author != w.author || len(s.Versions) != w.versions {
			t.Errorf("audit %s: changed in %.10s by %s, %d versions; want %.10s by %s, %d", s.Name, s.Changed.Commit, s.Changed.Author, len(s.Versions), w.commit, w.author, w.versions)
		}
		// Bob held the data key from addBob on, so he could open every
		// value sealed under it, even OLD_KEY's of before he joined.
		if !slices.Contains(s.Versions[0].Readers, tm.keys["bob"]) {
			t.Errorf("audit %s: bob is not among the readers of its first value", s.Name)
		}
	}
	if seen != len(want) {
		t.Errorf("audit lists %d of %d secrets:\n%s", seen, len(want), out)
	}
	_ = addBob
	out, errs, code := tm.run("alice", "", "secrets", "audit", "--max-age", "365")
	if code != 1 || !strings.Contains(errs, "OLD_KEY") || strings.Contains(errs, "API_TOKEN") {
		t.Errorf("audit --max-age 365: exit %d\n%s", code, errs)
	}
	if !strings.Contains(out, "OLD_KEY\t2020-01-02 "+first[:10]+" by Alice\n") {
		t.Errorf("audit text:\n%s", out)
	}

	// A .env file moves into the seal; it is left alone without --delete.
	dot := filepath.Join(tm.repo, ".env")
	dotText := "# service\nexport DOT_A=" + dotA + "\nDOT_B=\"" + dotB + "\"\nKEEP=1\n"
	if err := os.WriteFile(dot, []byte(dotText), 0o600); err != nil {
		t.Fatal(err)
	}
	tm.must("alice", "", "secrets", "import", "--dotenv", ".env", "DOT_A", "DOT_B")
	if data, _ := os.ReadFile(dot); string(data) != dotText {
		t.Error("import without --delete changed the .env file")
	}
	if tm.digest("alice", "DOT_A") != sum(dotA) || tm.digest("alice", "DOT_B") != sum(dotB) {
		t.Error("the .env values were not sealed")
	}
	tm.must("alice", "", "secrets", "import", "--dotenv", ".env", "--delete", "DOT_A", "DOT_B")
	if data, _ := os.ReadFile(dot); string(data) != "# service\nKEEP=1\n" {
		t.Errorf(".env after --delete: %q", data)
	}
	os.Remove(dot) // noValues checks the working tree; the test wrote the values there itself
}

// TestGuardInstallRegistersMergeDriver: the guard brings the merge driver
// with it.
func TestGuardInstallRegistersMergeDriver(t *testing.T) {
	tm := newTeam(t)
	_, errs := tm.must("alice", "", "guard", "install", "--envseal", tm.bin)
	if !strings.Contains(errs, "merge driver registered") {
		t.Errorf("guard install: %q", errs)
	}
	if d := tm.git("", "config", "merge.envseal.driver"); d != "'"+tm.bin+"' merge-driver %O %A %B %P" {
		t.Errorf("merge.envseal.driver = %q", d)
	}
	// Twice: the attributes line is not repeated.
	tm.must("alice", "", "merge-driver", "--install")
	if attrs, _ := os.ReadFile(filepath.Join(tm.repo, ".gitattributes")); string(attrs) != "envseal.lock merge=envseal\n" {
		t.Errorf(".gitattributes = %q", attrs)
	}
}

// TestMergeDriverWithoutIdentity: secrets changed on both sides cannot be
// merged without an identity; the driver says what to do and leaves our
// side as it was.
func TestMergeDriverWithoutIdentity(t *testing.T) {
	tm := newTeam(t)
	tm.join("alice", false)
	tm.must("alice", "one", "secrets", "set", "A")
	tm.must("alice", "", "merge-driver", "--install")
	tm.git("alice", "add", ".gitattributes")
	tm.commit("alice", "a")
	tm.git("alice", "checkout", "-q", "-b", "side")
	tm.must("alice", "two", "secrets", "set", "B")
	tm.commit("alice", "b")
	tm.git("alice", "checkout", "-q", "main")
	tm.must("alice", "three", "secrets", "set", "C")
	tm.commit("alice", "c")
	ours, _ := os.ReadFile(filepath.Join(tm.repo, "envseal.lock"))
	out, err := tm.gitAs("nobody", "merge", "--no-edit", "side")
	if err == nil || !strings.Contains(out, "needs an identity that opens both") || !strings.Contains(out, "git merge --abort") {
		t.Errorf("merge without identity: %v\n%s", err, out)
	}
	if got, _ := os.ReadFile(filepath.Join(tm.repo, "envseal.lock")); !bytes.Equal(got, ours) {
		t.Error("the failed merge changed our lock")
	}
}
