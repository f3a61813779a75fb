package prefix

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// killHelperEnv switches the test binary into the helper that applies a
// plan and gets killed by TestKillDuringApply.
const killHelperEnv = "ENVSEAL_ENV_KILL_HELPER"

// killJob is what the helper applies.
type killJob struct {
	Prefix string   `json:"prefix"`
	Pkgs   string   `json:"pkgs"`
	Update bool     `json:"update"` // apply the new plan to the old prefix
	Sync   bool     `json:"sync"`
	Python bool     `json:"python"` // the python minor change of pyPackages
	Dirs   []string `json:"dirs"`   // a1, a2, b, c, d (or py310, py311, tool, data) package directories
}

// plans returns the plan that builds the old state and the one that
// changes it into the new state.
func (j killJob) plans() (old, new *Plan) {
	pkg := func(i int) Package { return Package{Dir: j.Dirs[i]} }
	if j.Python {
		p := pyPackages{py310: pkg(0), py311: pkg(1), tool: pkg(2), data: pkg(3)}
		return p.oldPlan(), p.newPlan()
	}
	p := txnPackages{a1: pkg(0), a2: pkg(1), b: pkg(2), c: pkg(3), d: pkg(4)}
	return p.oldPlan(), p.newPlan()
}

func TestMain(m *testing.M) {
	if job := os.Getenv(killHelperEnv); job != "" {
		os.Exit(runKillHelper(job))
	}
	os.Exit(m.Run())
}

func runKillHelper(spec string) int {
	var job killJob
	if err := json.Unmarshal([]byte(spec), &job); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	plan, newPlan := job.plans()
	if job.Update {
		plan = newPlan
	}
	opts := testOpts()
	opts.NoSync = !job.Sync
	fmt.Println("ready")
	if _, err := Apply(context.Background(), job.Prefix, plan, opts); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println("done")
	return 0
}

// TestKillDuringApply applies plans in a child process and SIGKILLs it at
// random moments: creating a prefix and updating one in place, and
// updating python 3.10 to 3.11 under a noarch: python package, which is
// relinked (with its byte code recompiled) in the same transaction.
// After each kill, Recover must leave the prefix absent (create only),
// exactly as before, or exactly as after the transaction.
func TestKillDuringApply(t *testing.T) {
	if testing.Short() {
		t.Skip("kill test skipped in -short mode")
	}
	budget := 20 * time.Second
	if s := os.Getenv("ENVSEAL_KILL_SECONDS"); s != "" {
		n, _ := strconv.Atoi(s)
		budget = time.Duration(n) * time.Second
	}
	seed := uint64(20261128)
	if s := os.Getenv("ENVSEAL_KILL_SEED"); s != "" {
		seed, _ = strconv.ParseUint(s, 10, 64)
	}
	t.Logf("seed %d (set ENVSEAL_KILL_SEED to replay), budget %v", seed, budget)
	t.Run("packages", func(t *testing.T) {
		tmp := t.TempDir()
		pkgsDir := filepath.Join(tmp, "pkgs")
		p := buildTxnPackages(t, pkgsDir, 300)
		job := killJob{Prefix: filepath.Join(tmp, "envs", "k"), Pkgs: pkgsDir, Dirs: []string{p.a1.Dir, p.a2.Dir, p.b.Dir, p.c.Dir, p.d.Dir}}
		killLoop(t, job, seed, budget*2/3)
	})
	t.Run("python-relink", func(t *testing.T) {
		tmp := t.TempDir()
		pkgsDir := filepath.Join(tmp, "pkgs")
		p := buildPyPackages(t, pkgsDir, 50)
		job := killJob{Prefix: filepath.Join(tmp, "envs", "k"), Pkgs: pkgsDir, Python: true, Dirs: []string{p.py310.Dir, p.py311.Dir, p.tool.Dir, p.data.Dir}}
		killLoop(t, job, seed, budget/3)
	})
}

// killLoop runs job's plans in children killed at random moments for
// about budget.
func killLoop(t *testing.T, job killJob, seed uint64, budget time.Duration) {
	rng := rand.New(rand.NewPCG(seed, seed))
	prefix := job.Prefix
	ctx := context.Background()
	oldPlan, newPlan := job.plans()

	// The two states every kill must end in, built at the same path (the
	// files hold the prefix).
	makeOld := func() {
		t.Helper()
		if err := os.RemoveAll(prefix); err != nil {
			t.Fatal(err)
		}
		if _, err := Apply(ctx, prefix, oldPlan, testOpts()); err != nil {
			t.Fatal(err)
		}
	}
	makeOld()
	oldSnap := snapshot(t, prefix)
	if _, err := Apply(ctx, prefix, newPlan, testOpts()); err != nil {
		t.Fatal(err)
	}
	newSnap := snapshot(t, prefix)
	if diffSnapshots(oldSnap, newSnap) == "" {
		t.Fatal("old and new states are equal")
	}

	run := func(j killJob, delay time.Duration, kill bool) (time.Duration, bool) {
		t.Helper()
		spec, _ := json.Marshal(j)
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), killHelperEnv+"="+string(spec))
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		r := bufio.NewReader(out)
		line, err := r.ReadString('\n')
		if err != nil || line != "ready\n" {
			cmd.Wait()
			t.Fatalf("helper did not start: %q %v %s", line, err, stderr.String())
		}
		start := time.Now()
		if kill {
			time.Sleep(delay)
			cmd.Process.Kill()
		}
		rest, _ := r.ReadString('\n')
		werr := cmd.Wait()
		elapsed := time.Since(start)
		completed := werr == nil && rest == "done\n"
		if !kill && !completed {
			t.Fatalf("helper failed: %v %s", werr, stderr.String())
		}
		return elapsed, completed
	}

	// Calibrate: how long does each transaction take in a child?
	durations := map[bool]time.Duration{}
	for _, update := range []bool{false, true} {
		if update {
			makeOld()
		} else {
			os.RemoveAll(prefix)
		}
		j := job
		j.Update = update
		d, _ := run(j, 0, false)
		durations[update] = d
	}
	t.Logf("uninterrupted: create %v, update %v", durations[false], durations[true])

	type outcome struct{ absent, old, new, iterations int }
	stats := map[bool]*outcome{false: {}, true: {}}
	deadline := time.Now().Add(budget)
	// At least minKillIterations run whatever the budget, so a loaded
	// machine makes the test slower, not weaker.
	const minKillIterations = 10
	for i := 0; (time.Now().Before(deadline) || i < minKillIterations) && i < 400; i++ {
		update := i%2 == 1
		if update {
			makeOld()
		} else if err := os.RemoveAll(prefix); err != nil {
			t.Fatal(err)
		}
		j := job
		j.Update = update
		j.Sync = i%5 == 0
		delay := time.Duration(rng.Int64N(int64(durations[update])*13/10 + 1))
		_, completed := run(j, delay, true)

		if err := Recover(ctx, prefix); err != nil {
			t.Fatalf("iteration %d (update %v, delay %v): Recover: %v", i, update, delay, err)
		}
		st := stats[update]
		st.iterations++
		if _, err := os.Lstat(prefix); os.IsNotExist(err) {
			if update {
				t.Fatalf("iteration %d: prefix vanished during an update", i)
			}
			st.absent++
			continue
		}
		snap := snapshot(t, prefix)
		want := newSnap
		if !update {
			want = oldSnap // a create builds the old state
		}
		switch {
		case diffSnapshots(snap, want) == "":
			st.new++
		case update && diffSnapshots(snap, oldSnap) == "":
			if completed {
				t.Fatalf("iteration %d: helper reported success but the prefix is old", i)
			}
			st.old++
		default:
			t.Fatalf("iteration %d (update %v, delay %v, completed %v): prefix is neither old nor new:\nvs new:\n%s\nvs old:\n%s",
				i, update, delay, completed, diffSnapshots(snap, want), diffSnapshots(snap, oldSnap))
		}
		ents, _ := os.ReadDir(filepath.Dir(prefix))
		for _, e := range ents {
			if strings.Contains(e.Name(), tmpInfix) {
				t.Fatalf("iteration %d: leftover %s after Recover", i, e.Name())
			}
		}
	}
	c, u := stats[false], stats[true]
	t.Logf("create: %d kills -> %d absent, %d complete; update: %d kills -> %d old, %d new",
		c.iterations, c.absent, c.new, u.iterations, u.old, u.new)
	if c.iterations+u.iterations < minKillIterations {
		t.Errorf("only %d iterations in the budget", c.iterations+u.iterations)
	}
	if u.iterations >= 10 && (u.old == 0 || u.new == 0) {
		t.Logf("warning: the update kills never hit both sides of the commit point (old %d, new %d)", u.old, u.new)
	}
}
