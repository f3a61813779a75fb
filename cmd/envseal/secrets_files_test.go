//go:build unix

package main

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

const serviceAccount = `{
  "type": "service_account",
  "project_id": "demo-project",
  "private_key_id": "3f0c9e1a",
  "client_email": "ci@demo-project.iam.gserviceaccount.com"
}
`

// sealFile makes a lock holding serviceAccount as the sealed file CFG.
func sealFile(t *testing.T) (alice *cliEnv, lock, prefix string) {
	t.Helper()
	dir := t.TempDir()
	lock = filepath.Join(dir, "envseal.lock")
	prefix = emptyPrefix(t)
	alice = teammate(t, lock)
	src := filepath.Join(dir, "config", "sa.json")
	if err := os.MkdirAll(filepath.Dir(src), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(src, []byte(serviceAccount), 0o600); err != nil {
		t.Fatal(err)
	}
	alice.mustRun("secrets", "set-file", "--rm", "--lock", lock, "CFG", src)
	if _, err := os.Stat(src); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("--rm left %s: %v", src, err)
	}
	raw, err := os.ReadFile(lock)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte("demo-project")) {
		t.Fatalf("plaintext in the lockfile:\n%s", raw)
	}
	return alice, lock, prefix
}

func TestSealedFileRun(t *testing.T) {
	for _, mode := range []string{"memfd", "dir"} {
		t.Run(mode, func(t *testing.T) {
			if mode == "memfd" && runtime.GOOS != "linux" {
				t.Skip("memfd is Linux only")
			}
			alice, lock, prefix := sealFile(t)
			alice.env["XDG_RUNTIME_DIR"] = t.TempDir()
			if mode == "dir" {
				alice.env["ENVSEAL_SEALED_FILES"] = "dir"
			}
			if got := alice.mustRun("secrets", "get", "--lock", lock, "CFG"); got != serviceAccount {
				t.Errorf("get: %q", got)
			}
			out := alice.mustRun("run", "-p", prefix, "--lock", lock, "--", "sh", "-c", `printf '%s\n' "$CFG"; cat "$CFG"; ls -ld "$CFG" >&2`)
			path, content, _ := strings.Cut(out, "\n")
			if content != serviceAccount {
				t.Errorf("the command read %q, want %q", content, serviceAccount)
			}
			switch mode {
			case "memfd":
				if !strings.HasPrefix(path, "/proc/self/fd/") {
					t.Errorf("$CFG = %q, want /proc/self/fd/N", path)
				}
			case "dir":
				if !strings.HasPrefix(path, filepath.Join(alice.env["XDG_RUNTIME_DIR"], "envseal", "run")+"/") {
					t.Errorf("$CFG = %q, want a file under $XDG_RUNTIME_DIR/envseal/run", path)
				}
				if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
					t.Errorf("%s is still there after the run: %v", path, err)
				}
				if _, err := os.Stat(filepath.Dir(path)); !errors.Is(err, fs.ErrNotExist) {
					t.Errorf("the run's directory is still there: %v", err)
				}
			}
			// The child cannot change the sealed content (memfd seals, or
			// a read-only check of mode 0600 owner-only in dir mode).
			if mode == "dir" {
				out = alice.mustRun("run", "-p", prefix, "--lock", lock, "--", "sh", "-c", `stat -c '%a' "$CFG"; stat -c '%a' "$(dirname "$CFG")"`)
				if out != "600\n700\n" {
					t.Errorf("file and directory modes: %q, want 600 and 700", out)
				}
			} else {
				_, errs, code := alice.run("run", "-p", prefix, "--lock", lock, "--", "sh", "-c", `echo x >> "$CFG"`)
				if code == 0 {
					t.Errorf("the child could append to the sealed memfd (stderr %q)", errs)
				}
			}
		})
	}
}

// TestSealedFileKilled kills envseal with SIGKILL while its child runs:
// the private file stays, and the next run removes it.
func TestSealedFileKilled(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no SIGKILL")
	}
	alice, lock, prefix := sealFile(t)
	bin := buildEnvseal(t)
	runtimeDir := t.TempDir()
	work := t.TempDir()
	environ := []string{"ENVSEAL_SEALED_FILES=dir", "XDG_RUNTIME_DIR=" + runtimeDir}
	for k, v := range alice.env {
		environ = append(environ, k+"="+v)
	}
	ready := filepath.Join(work, "ready")
	cmd := exec.Command(bin, "run", "-p", prefix, "--lock", lock, "--", "sh", "-c",
		`printf '%s %s' "$$" "$CFG" > "$0.tmp" && mv "$0.tmp" "$0" && exec sleep 60`, ready)
	cmd.Env = environ
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var line []byte
	deadline := time.Now().Add(30 * time.Second)
	for {
		var err error
		if line, err = os.ReadFile(ready); err == nil {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("the child never started: %s", stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	pidText, path, _ := strings.Cut(string(line), " ")
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	if pid, err := strconv.Atoi(pidText); err == nil {
		syscall.Kill(pid, syscall.SIGKILL) // the orphaned sleep
	}
	if got, err := os.ReadFile(path); err != nil || string(got) != serviceAccount {
		t.Fatalf("after SIGKILL the file %s should be left over: %v", path, err)
	}
	// The next run, with or without file secrets, removes the leftover.
	next := exec.Command(bin, "run", "-p", prefix, "--lock", lock, "--no-secrets", "--", "true")
	next.Env = environ
	if out, err := next.CombinedOutput(); err != nil {
		t.Fatalf("next run: %v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Dir(path)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the next run left the crashed run's directory: %v", err)
	}
	entries, _ := os.ReadDir(filepath.Join(runtimeDir, "envseal", "run"))
	if len(entries) != 0 {
		t.Errorf("leftovers: %v", entries)
	}
}
