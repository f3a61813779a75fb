package ops

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/envseal/envseal/lockfile"
)

// Outside a git repository the audit sees the working lock alone: every
// secret is uncommitted, dated by the file, and readable by the current
// recipients.
func TestSecretsAuditWithoutGit(t *testing.T) {
	alice, bob := newPerson(t, false), newPerson(t, true)
	dir := t.TempDir()
	t.Setenv("GIT_CEILING_DIRECTORIES", filepath.Dir(dir))
	lock := filepath.Join(dir, "envseal.lock")
	s := section(t, map[string]string{"A": "a", "B": "b"}, alice, bob)
	if err := s.AddPending("team", "P", []byte("p")); err != nil {
		t.Fatal(err)
	}
	l := lockfile.New()
	l.Secrets = s
	if err := lockfile.WriteFile(lock, l); err != nil {
		t.Fatal(err)
	}
	old := time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := os.Chtimes(lock, old, old); err != nil {
		t.Fatal(err)
	}
	res, err := SecretsAudit(context.Background(), AuditOptions{SecretsOptions: SecretsOptions{Lock: lock}, MaxAge: 24 * time.Hour, Now: old.Add(48 * time.Hour)})
	var stale *StaleError
	if !errors.As(err, &stale) || !slices.Equal(stale.Names, []string{"A", "B", "P"}) {
		t.Fatalf("err = %v", err)
	}
	for _, a := range res.Secrets {
		if a.Changed.Hash != "" || !a.Changed.Date.Equal(old) || len(a.Versions) != 1 || len(a.Versions[0].Readers) != 2 || a.Pending != (a.Name == "P") {
			t.Errorf("%s: %+v", a.Name, a)
		}
	}
	if _, err := SecretsAudit(context.Background(), AuditOptions{SecretsOptions: SecretsOptions{Lock: lock}, MaxAge: 72 * time.Hour, Now: old.Add(48 * time.Hour)}); err != nil {
		t.Errorf("within the policy: %v", err)
	}
	got, err := exposedTo(context.Background(), lock, bob.pub)
	if err != nil || !slices.Equal(got, []string{"A", "B", "P"}) {
		t.Errorf("exposed to bob: %v %v", got, err)
	}
	if got, _ := exposedTo(context.Background(), lock, "age1someoneelse"); len(got) != 0 {
		t.Errorf("exposed to a stranger: %v", got)
	}
}
