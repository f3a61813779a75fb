package channel

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/envseal/envseal/internal/repogen"
)

// Benchmarks: `go test -run XXX -bench Load -benchmem ./channel/`.
// Each document is indexed from memory ("index"), indexed and 100 names
// decoded ("index+100names", what a solve touches), and decoded with plain
// encoding/json into map[string]any ("json-map"), the baseline. The
// generated conda-forge-sized document (465,000 records) is written once
// into the temporary directory and reused; set ENVSEAL_BENCH_RECORDS to
// change its size.

const (
	benchSeed    = 20240501
	benchRecords = 465_000
	// benchGenVersion changes when repogen's output changes.
	benchGenVersion = 1
)

// generatedRepodata returns the path of the generated benchmark document,
// creating it when missing.
func generatedRepodata(b *testing.B) string {
	b.Helper()
	corpus := corpusDir(b)
	n := benchRecords
	if s := os.Getenv("ENVSEAL_BENCH_RECORDS"); s != "" {
		if v, err := strconv.Atoi(s); err == nil && v > 0 {
			n = v
		}
	}
	dir := filepath.Join(os.TempDir(), "envseal-bench")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	p := filepath.Join(dir, fmt.Sprintf("repodata-v%d-%d-%d.json", benchGenVersion, benchSeed, n))
	if _, err := os.Stat(p); err == nil {
		return p
	}
	var base [][]byte
	for _, sd := range []string{"linux-64", "noarch"} {
		raw, err := os.ReadFile(filepath.Join(corpus, "conda-subchannel-demo", sd, "repodata.json"))
		if err != nil {
			b.Fatal(err)
		}
		base = append(base, raw)
	}
	if _, err := repogen.WriteFile(p, repogen.Options{Seed: benchSeed, Records: n, Base: base}); err != nil {
		b.Fatal(err)
	}
	return p
}

// benchNames are the names a typical scientific-python solve touches
// first; the rest of the 100 are taken from the index.
var benchNames = []string{"python", "numpy", "pandas", "scipy", "matplotlib", "matplotlib-base", "jupyter", "ipykernel",
	"ipython", "libgcc-ng", "libstdcxx-ng", "openssl", "libzlib", "pip", "setuptools", "wheel", "tzdata", "python_abi"}

func pick100(ix *Index) []string {
	seen := map[string]bool{}
	var out []string
	for _, n := range benchNames {
		seen[n] = true
		out = append(out, n)
	}
	names := ix.Names()
	for k := 0; len(out) < 100 && k < len(names); k += 1 + len(names)/100 {
		if !seen[names[k]] {
			seen[names[k]] = true
			out = append(out, names[k])
		}
	}
	return out
}

// cpuTime returns the user+system CPU time of the process so far; on a
// shared machine it is steadier than wall time.
func cpuTime() time.Duration { return processCPUTime() }

// reportCPU reports CPU time per op since start.
func reportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric(float64((cpuTime()-start).Milliseconds())/float64(b.N), "cpu-ms/op")
}

func peakRSSMB() float64 {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			f := strings.Fields(line)
			if len(f) >= 2 {
				kb, _ := strconv.ParseFloat(f[1], 64)
				return kb / 1024
			}
		}
	}
	return 0
}

func BenchmarkLoad(b *testing.B) {
	corpus := corpusDir(b)
	files := []string{
		"conda-subchannel-demo/linux-64/repodata.json",
		"conda-subchannel-demo/noarch/repodata.json",
		"conda-subchannel-demo/win-64/repodata.json",
		"conda/tests/data/repodata/r_linux-64.json",
		"conda/tests/data/repodata/main_noarch.json",
		"rattler/test-data/channels/pytorch/linux-64/repodata.json",
	}
	type doc struct{ name, path string }
	var docs []doc
	for _, f := range files {
		docs = append(docs, doc{strings.ReplaceAll(strings.TrimSuffix(f, "/repodata.json"), "/", "_"), filepath.Join(corpus, f)})
	}
	docs = append(docs, doc{"generated-conda-forge", ""})
	for _, d := range docs {
		d := d
		load := func(b *testing.B) []byte {
			if d.path == "" {
				d.path = generatedRepodata(b)
			}
			data, err := os.ReadFile(d.path)
			if err != nil {
				b.Fatal(err)
			}
			return data
		}
		b.Run(d.name+"/index", func(b *testing.B) {
			data := load(b)
			b.SetBytes(int64(len(data)))
			b.ResetTimer()
			var ix *Index
			cpu := cpuTime()
			for i := 0; i < b.N; i++ {
				var err error
				ix, err = ParseRepodata(data, d.path, FileOptions{Channel: "bench"})
				if err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			reportCPU(b, cpu)
			b.ReportMetric(float64(ix.Len()), "records")
			var ms runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&ms)
			b.ReportMetric(float64(ms.HeapAlloc)/(1<<20), "MB-heap-live")
			b.ReportMetric(peakRSSMB(), "MB-peak-RSS")
			runtime.KeepAlive(ix)
		})
		b.Run(d.name+"/index+100names", func(b *testing.B) {
			data := load(b)
			probe, err := ParseRepodata(data, d.path, FileOptions{})
			if err != nil {
				b.Fatal(err)
			}
			names := pick100(probe)
			b.SetBytes(int64(len(data)))
			b.ResetTimer()
			decoded := 0
			cpu := cpuTime()
			for i := 0; i < b.N; i++ {
				ix, err := ParseRepodata(data, d.path, FileOptions{Channel: "bench"})
				if err != nil {
					b.Fatal(err)
				}
				decoded = 0
				for _, n := range names {
					recs, err := ix.Candidates(n)
					if err != nil {
						b.Fatal(err)
					}
					decoded += len(recs)
				}
			}
			reportCPU(b, cpu)
			b.ReportMetric(float64(decoded), "records-decoded")
			b.ReportMetric(peakRSSMB(), "MB-peak-RSS")
		})
		b.Run(d.name+"/json-map", func(b *testing.B) {
			data := load(b)
			b.SetBytes(int64(len(data)))
			b.ResetTimer()
			cpu := cpuTime()
			for i := 0; i < b.N; i++ {
				var m map[string]any
				if err := json.Unmarshal(data, &m); err != nil {
					b.Fatal(err)
				}
			}
			reportCPU(b, cpu)
			b.ReportMetric(peakRSSMB(), "MB-peak-RSS")
		})
	}
}

// BenchmarkDecodeAll decodes every record of the real conda-forge subset,
// the worst case for a solve (every name touched).
func BenchmarkDecodeAll(b *testing.B) {
	corpus := corpusDir(b)
	data, err := os.ReadFile(filepath.Join(corpus, "conda-subchannel-demo/linux-64/repodata.json"))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	for i := 0; i < b.N; i++ {
		ix, err := ParseRepodata(data, "bench", FileOptions{})
		if err != nil {
			b.Fatal(err)
		}
		for _, n := range ix.Names() {
			if _, err := ix.Candidates(n); err != nil {
				b.Fatal(err)
			}
		}
	}
}
