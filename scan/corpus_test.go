package scan

import (
	"context"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/envseal/envseal/internal/testkit"
)

// corpusDir is the shared corpus (internal/testkit finds it), skipping
// the test when it is absent.
func corpusDir(t testing.TB) string { return testkit.Corpus(t) }

// corpusFiles lists the regular files of the corpus and their total size.
func corpusFiles(t testing.TB) ([]string, int64) {
	t.Helper()
	dir := corpusDir(t)
	var files []string
	var total int64
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		files = append(files, p)
		total += fi.Size()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files, total
}

// TestCorpusFalsePositives scans every file of the corpus (real
// environment files, lockfiles, repodata, package archives). The only
// findings allowed are the age identities of age's own test vectors,
// which are real private keys (published on purpose) and which a project
// would list in .envsealignore, as done here.
func TestCorpusFalsePositives(t *testing.T) {
	dir := corpusDir(t)
	res, err := Run(context.Background(), Request{Dir: dir, Paths: []string{"."}, Ignore: &Ignore{}})
	if err != nil {
		t.Fatal(err)
	}
	testkit := 0
	var other []string
	for _, f := range res.Findings {
		if strings.HasPrefix(f.File, "age-testkit/") && f.Rule == RuleAgeSecretKey {
			testkit++
			continue
		}
		other = append(other, f.String())
	}
	t.Logf("%d files read, %d findings: %d age identities in age-testkit/, %d elsewhere", res.Files, len(res.Findings), testkit, len(other))
	if len(other) > 0 {
		t.Errorf("false positives:\n%s", strings.Join(other, "\n"))
	}
	if testkit == 0 {
		t.Error("the age test vectors' identities were not found")
	}

	ig, err := ParseIgnore(IgnoreFile, []byte("age-testkit/:age-secret-key\n"))
	if err != nil {
		t.Fatal(err)
	}
	res, err = Run(context.Background(), Request{Dir: dir, Paths: []string{"."}, Ignore: ig})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Findings) != 0 {
		t.Errorf("with the allow-list: %d findings, want 0: %v", len(res.Findings), res.Findings)
	}
}

// grepPatterns are the credential-shape rules as POSIX extended
// expressions (GNU grep's \b and \s), for the benchmark's baseline. grep
// is line-based, so the private-key rules stop at the BEGIN line.
var grepPatterns = []string{
	`\b(AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z2-7]{16}\b`,
	`([Aa][Ww][Ss][_.-]?[Ss][Ee][Cc][Rr][Ee][Tt][_.-]?([Aa][Cc][Cc][Ee][Ss][Ss][_.-]?)?[Kk][Ee][Yy]|[Ss][Ee][Cc][Rr][Ee][Tt][_.-]?[Aa][Cc][Cc][Ee][Ss][Ss][_.-]?[Kk][Ee][Yy])["']?\s*(:|=|=>|:=)\s*["']?[A-Za-z0-9/+]{40}([^A-Za-z0-9/+=]|$)`,
	`\b(gh[pousr]_[A-Za-z0-9]{36,251}|github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59})\b`,
	`\b(gl(pat|dt|rt|ptt|cbt|oas|soat|ffct|imt|agent|ft)-|GR1348941)[0-9A-Za-z_-]{20,}`,
	`\b(xox[abposr]|xoxe\.xox[bp]|xoxe|xapp)-[0-9]+-[0-9A-Za-z-]{10,}`,
	`hooks\.slack\.com/(services|workflows|triggers)/T[A-Z0-9]{6,}/[A-Za-z0-9]{6,}/[A-Za-z0-9]{16,}`,
	`-----BEGIN ([A-Z0-9]+ )*PRIVATE KEY( BLOCK)?-----`,
	`AGE-SECRET-KEY-1[02-9AC-HJ-NP-Z]{58}\b`,
	`[A-Za-z][A-Za-z0-9+.-]*://[^[:space:]/'"<>]+(/[^[:space:]'"<>]*)?/t/[A-Za-z0-9][A-Za-z0-9_-]{7,}/`,
	`\b[A-Za-z][A-Za-z0-9+.-]*://[^[:space:]:/@?#'"<>]*:[^[:space:]/@?#'"<>]+@[A-Za-z0-9[]`,
}

// TestGrepPatternsMatchPositives keeps the benchmark's baseline honest:
// every positive line of the rule table is one grep -E finds.
func TestGrepPatternsMatchPositives(t *testing.T) {
	if _, err := exec.LookPath("grep"); err != nil {
		t.Skip("no grep")
	}
	pats := writeGrepPatterns(t)
	for _, tc := range ruleCases() {
		if len(tc.want) == 0 {
			continue
		}
		cmd := exec.Command("grep", "-E", "-c", "-f", pats)
		cmd.Stdin = strings.NewReader(tc.text)
		out, _ := cmd.Output()
		if strings.TrimSpace(string(out)) == "0" {
			t.Errorf("%s: grep -E finds nothing in %q", tc.name, tc.text[:min(len(tc.text), 40)])
		}
	}
}

func writeGrepPatterns(t testing.TB) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "patterns")
	if err := os.WriteFile(p, []byte(strings.Join(grepPatterns, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// BenchmarkScanCorpus reads and scans every corpus file (all rules,
// variables included). On a shared machine one figure says little, so it
// then times three interleaved pairs — one scan of the corpus, one
// `grep -E -r -I -c -f PATTERNS` of the same directory with the
// credential-shape expressions (page cache warm) — and reports the best
// of each, by wall time (scan-MB/s, grep-MB/s) and by CPU time
// (scan-cpu-MB/s, grep-cpu-MB/s: ours is the whole process's, GC
// included).
func BenchmarkScanCorpus(b *testing.B) {
	files, total := corpusFiles(b)
	s := New(Options{})
	scanAll := func() {
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				b.Fatal(err)
			}
			s.Scan(f, data)
		}
	}
	b.SetBytes(total)
	b.ResetTimer()
	for b.Loop() {
		scanAll()
	}
	b.StopTimer()
	b.ReportMetric(float64(len(files)), "files")
	if _, err := exec.LookPath("grep"); err != nil {
		return
	}
	pats := writeGrepPatterns(b)
	dir := corpusDir(b)
	inf := time.Duration(1 << 62)
	bestScan, bestGrep, cpuScan, cpuGrep := inf, inf, inf, inf
	for range 3 {
		start, cpu0 := time.Now(), processCPU()
		scanAll()
		bestScan = min(bestScan, time.Since(start))
		cpuScan = min(cpuScan, processCPU()-cpu0)
		start = time.Now()
		cmd := exec.Command("grep", "-E", "-r", "-I", "-c", "-f", pats, dir)
		cmd.Env = append(os.Environ(), "LC_ALL=C")
		if out, err := cmd.Output(); err != nil && len(out) == 0 {
			b.Fatalf("grep: %v", err)
		}
		bestGrep = min(bestGrep, time.Since(start))
		cpuGrep = min(cpuGrep, cmd.ProcessState.UserTime()+cmd.ProcessState.SystemTime())
	}
	mbps := func(d time.Duration) float64 { return float64(total) / 1e6 / d.Seconds() }
	b.ReportMetric(mbps(bestScan), "scan-MB/s")
	b.ReportMetric(mbps(bestGrep), "grep-MB/s")
	// CPU time says more than wall time on a loaded machine.
	if cpuScan > 0 && cpuGrep > 0 {
		b.ReportMetric(mbps(cpuScan), "scan-cpu-MB/s")
		b.ReportMetric(mbps(cpuGrep), "grep-cpu-MB/s")
	}
}
