package prefix

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkLink links real package trees into a fresh prefix (the whole
// transaction: lock, stage, conda-meta, rename; no fsync, no byte
// compilation) and, in the same run, hard-links the same extracted trees
// with `cp -al`. It reports both times per operation and their ratio.
func BenchmarkLink(b *testing.B) {
	cpPath, err := exec.LookPath("cp")
	if err != nil {
		b.Skip("no cp for the baseline")
	}
	cases := []struct {
		name     string
		archives []string
		python   bool
	}{
		{"zlib", []string{"conda/tests/data/conda_format_repo/linux-64/zlib-1.2.11-h7b6447c_3.tar.bz2"}, false},
		{"andes", []string{"rattler/test-data/andes-1.8.3-pyhd8ed1ab_0.conda"}, true},
		{"zlib+xtensor-io+moto+andes", []string{
			"conda/tests/data/conda_format_repo/linux-64/zlib-1.2.11-h7b6447c_3.tar.bz2",
			"quetz/plugins/quetz_harvester/tests/data/xtensor-io-0.10.3-hb585cf6_0.tar.bz2",
			"conda/tests/data/legacy_repodata/noarch/moto-1.3.7-py_0.tar.bz2",
			"rattler/test-data/andes-1.8.3-pyhd8ed1ab_0.conda",
		}, true},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			tmp := b.TempDir()
			pkgs := filepath.Join(tmp, "pkgs")
			var plan Plan
			var dirs []string
			if tc.python {
				py := buildPackage(b, pkgs, testPkg{name: "python", version: "3.11.7", build: "h0", files: []testFile{{path: "bin/python", data: "#!/bin/sh\n", mode: 0o755}}})
				plan.Link = append(plan.Link, py)
			}
			files := 0
			for _, a := range tc.archives {
				dir := extractCorpus(b, pkgs, a)
				plan.Link = append(plan.Link, Package{Dir: dir})
				dirs = append(dirs, dir)
				paths, err := ReadPaths(dir)
				if err != nil {
					b.Fatal(err)
				}
				files += len(paths)
			}
			opts := &ApplyOptions{NoSync: true, NoCompile: true, Now: fixedNow}
			ctx := context.Background()
			var linkTime, cpTime time.Duration
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				prefix := filepath.Join(tmp, "envs", fmt.Sprintf("p%d", i))
				start := time.Now()
				if _, err := Apply(ctx, prefix, &plan, opts); err != nil {
					b.Fatal(err)
				}
				linkTime += time.Since(start)

				b.StopTimer()
				dst := filepath.Join(tmp, "cp", fmt.Sprintf("p%d", i))
				if err := os.MkdirAll(dst, 0o755); err != nil {
					b.Fatal(err)
				}
				start = time.Now()
				args := append([]string{"-al"}, dirs...)
				if out, err := exec.Command(cpPath, append(args, dst)...).CombinedOutput(); err != nil {
					b.Fatalf("cp -al: %v %s", err, out)
				}
				cpTime += time.Since(start)
				os.RemoveAll(prefix)
				os.RemoveAll(dst)
				b.StartTimer()
			}
			b.ReportMetric(float64(files), "files")
			b.ReportMetric(float64(linkTime.Microseconds())/float64(b.N), "link-µs/op")
			b.ReportMetric(float64(cpTime.Microseconds())/float64(b.N), "cp-al-µs/op")
			b.ReportMetric(float64(linkTime)/float64(cpTime), "link/cp-al")
		})
	}
}
