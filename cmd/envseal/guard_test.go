package main

import (
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// fakeToken returns n characters of alphabet, fixed by seed. Credentials
// are made at run time so that no file of this repository holds one.
func fakeToken(alphabet string, n int, seed uint64) string {
	r := rand.New(rand.NewPCG(seed, ^seed))
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return string(b)
}

// gitTeam is one developer in one repository, running the real envseal
// binary and real git commits through the installed hook.
type gitTeam struct {
	t    *testing.T
	bin  string
	repo string
	env  []string
}

func newGitTeam(t *testing.T) *gitTeam {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	home := t.TempDir()
	g := &gitTeam{t: t, bin: buildEnvseal(t), repo: t.TempDir(), env: []string{
		"HOME=" + home,
		"PATH=" + os.Getenv("PATH"),
		"ENVSEAL_ROOT=" + filepath.Join(home, "root"),
		"ENVSEAL_IDENTITY_FILE=" + filepath.Join(home, "identity.txt"),
		"GIT_CONFIG_NOSYSTEM=1",
		"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com",
		"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com",
	}}
	g.git("init", "-q", "-b", "main")
	return g
}

func (g *gitTeam) cmd(stdin string, name string, args ...string) (string, error) {
	g.t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = g.repo
	cmd.Env = g.env
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func (g *gitTeam) git(args ...string) string {
	g.t.Helper()
	out, err := g.cmd("", "git", args...)
	if err != nil {
		g.t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

func (g *gitTeam) envseal(stdin string, args ...string) string {
	g.t.Helper()
	out, err := g.cmd(stdin, g.bin, args...)
	if err != nil {
		g.t.Fatalf("envseal %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

func (g *gitTeam) write(name, text string) {
	g.t.Helper()
	if err := os.WriteFile(filepath.Join(g.repo, name), []byte(text), 0o644); err != nil {
		g.t.Fatal(err)
	}
}

// commit stages files and commits; it returns the commit's output and
// whether it went through.
func (g *gitTeam) commit(msg string, files ...string) (string, bool) {
	g.t.Helper()
	g.git(append([]string{"add", "--"}, files...)...)
	out, err := g.cmd("", "git", "commit", "-m", msg)
	return out, err == nil
}

// refused checks that committing files is refused by rule, that the
// refusal says what to do next, and that value appears nowhere in it; then
// it unstages them.
func (g *gitTeam) refused(rule, value string, files ...string) string {
	g.t.Helper()
	out, ok := g.commit("leak", files...)
	if ok {
		g.t.Fatalf("commit of %v went through:\n%s", files, out)
	}
	if !strings.Contains(out, ": "+rule) || !strings.Contains(out, "the commit was refused") {
		g.t.Errorf("refusal does not name %s:\n%s", rule, out)
	}
	if !strings.Contains(out, "envseal secrets") || !strings.Contains(out, ".envsealignore") {
		g.t.Errorf("refusal does not say what to do next:\n%s", out)
	}
	if strings.Contains(out, value) {
		g.t.Errorf("the refusal shows the secret:\n%s", out)
	}
	g.git("reset", "-q")
	return out
}

func TestGuardRefusesCommitsUntilSecretsAreSealed(t *testing.T) {
	g := newGitTeam(t)
	g.envseal("", "secrets", "keygen")
	g.envseal("", "guard", "install")
	if _, ok := g.commit("init", g.write0("README.md", "# app\n")); !ok {
		t.Fatal("a clean first commit was refused")
	}

	// 1. An AWS key under variables: of environment.yml.
	awsKey := "AKIA" + fakeToken("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16, 1)
	envFile := `# the team's environment
name: app
channels:
  - conda-forge
dependencies:
  - python=3.11
variables:
  # deploy credentials
  AWS_ACCESS_KEY_ID: ` + awsKey + `
  LOG_LEVEL: debug   # keep this one
`
	g.write("environment.yml", envFile)
	out := g.refused("aws-access-key-id", awsKey, "environment.yml")
	if !strings.Contains(out, "environment.yml:9: aws-access-key-id (AWS_ACCESS_KEY_ID)") {
		t.Errorf("finding not located at environment.yml:9:\n%s", out)
	}
	if !strings.Contains(out, "envseal secrets import -f environment.yml") {
		t.Errorf("the refusal does not suggest secrets import:\n%s", out)
	}

	// 2. A config.json with a GitHub token.
	ghToken := "ghp_" + fakeToken("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 36, 2)
	g.write("config.json", `{"github": {"token": "`+ghToken+`"}}`+"\n")
	g.refused("github-token", ghToken, "config.json")
	os.Remove(filepath.Join(g.repo, "config.json"))

	// 3. A value sealed in envseal.lock, pasted into another file. The lock
	// itself holds no plaintext and commits.
	dbPassword := "pw-" + fakeToken("abcdefghijklmnopqrstuvwxyz0123456789", 14, 3)
	g.envseal(dbPassword+"\n", "secrets", "set", "DB_PASSWORD")
	if out, ok := g.commit("lock", "envseal.lock"); !ok {
		t.Fatalf("the lock with a sealed secret was refused:\n%s", out)
	}
	g.write("settings.ini", "[db]\npassword = "+dbPassword+"\n")
	out = g.refused("sealed-secret", dbPassword, "settings.ini")
	if !strings.Contains(out, "settings.ini:2: sealed-secret (DB_PASSWORD)") {
		t.Errorf("sealed value not located:\n%s", out)
	}
	os.Remove(filepath.Join(g.repo, "settings.ini"))

	// A clean commit goes through.
	if out, ok := g.commit("notes", g.write0("notes.txt", "nothing secret\n")); !ok {
		t.Fatalf("clean commit refused:\n%s", out)
	}

	// secrets import seals the variable and drops it from the file, which
	// then commits cleanly; envseal run still passes it.
	g.envseal("", "secrets", "import", "-f", "environment.yml", "AWS_ACCESS_KEY_ID")
	got, err := os.ReadFile(filepath.Join(g.repo, "environment.yml"))
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Replace(envFile, "  # deploy credentials\n  AWS_ACCESS_KEY_ID: "+awsKey+"\n", "", 1)
	if string(got) != want {
		t.Errorf("environment.yml after import:\n%s\nwant:\n%s", got, want)
	}
	if out, ok := g.commit("sealed", "environment.yml", "envseal.lock"); !ok {
		t.Fatalf("commit after secrets import refused:\n%s", out)
	}
	prefix := emptyPrefix(t)
	if out := g.envseal("", "run", "-p", prefix, "--", "sh", "-c", `printf %s "$AWS_ACCESS_KEY_ID"`); out != awsKey {
		t.Errorf("envseal run passed %q", out)
	}

	// export from a prefix made before the import never writes the value.
	state := `{"env_vars": {"AWS_ACCESS_KEY_ID": "` + awsKey + `", "OLD_NAME": "` + dbPassword + `", "LOG_LEVEL": "debug"}}`
	if err := os.WriteFile(filepath.Join(prefix, "conda-meta", "state"), []byte(state), 0o644); err != nil {
		t.Fatal(err)
	}
	if out := g.envseal("", "export", "-p", prefix); strings.Contains(out, awsKey) || strings.Contains(out, dbPassword) || !strings.Contains(out, "LOG_LEVEL") {
		t.Errorf("export:\n%s", out)
	}

	// scan of the tracked files agrees; --json has the stable shape.
	if out := g.envseal("", "scan", "--json"); !strings.Contains(out, `"findings": []`) {
		t.Errorf("scan --json of a clean tree:\n%s", out)
	}
	g.write("leak.txt", ghToken+"\n")
	out, err = g.cmd("", g.bin, "scan", "--json", "leak.txt")
	if code := exitStatus(err); code != exitFound || !strings.Contains(out, `"rule": "github-token"`) || strings.Contains(out, ghToken) {
		t.Errorf("scan --json leak.txt: exit %d\n%s", code, out)
	}

	// The allow-list lets a reviewed false positive through.
	g.write(".envsealignore", "leak.txt:github-token\n")
	if out, ok := g.commit("allowed", ".envsealignore", "leak.txt"); !ok {
		t.Errorf("allow-listed commit refused:\n%s", out)
	}

	g.envseal("", "guard", "uninstall")
	if _, err := os.Stat(filepath.Join(g.repo, ".git", "hooks", "pre-commit")); !os.IsNotExist(err) {
		t.Error("guard uninstall left the hook")
	}
}

// write0 writes a file and returns its name, for commit's argument list.
func (g *gitTeam) write0(name, text string) string {
	g.write(name, text)
	return name
}

func exitStatus(err error) int {
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}
