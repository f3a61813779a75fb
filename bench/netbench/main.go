// Command netbench times a cold and a warm `envseal create --dry-run` over
// a slow link, sharded repodata against the full repodata.json.zst: it
// serves a channel directory (prepared by bench/gen and bench/shardgen) on
// loopback through internal/throttle (default 50 Mbit/s, 40 ms round
// trip), once as /sharded/ (everything) and once as /full/ (no shard
// index), runs the envseal binary against each with a fresh ENVSEAL_ROOT,
// and prints bytes transferred, wall time, CPU time and peak RSS. The two
// answers must be the same records.
//
//	go run ./bench/netbench -c DIR -envseal bin/envseal python=3.9 numpy
package main

import (
	"bytes"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/envseal/envseal/internal/throttle"
)

func main() {
	dir := flag.String("c", "", "channel directory holding repodata.json.zst and the shards")
	es := flag.String("envseal", "bin/envseal", "envseal binary")
	mbit := flag.Float64("mbit", 50, "link bandwidth in Mbit/s")
	rtt := flag.Duration("rtt", 40*time.Millisecond, "round-trip time")
	platform := flag.String("platform", "linux-64", "target platform")
	flag.Parse()
	if *dir == "" || flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: netbench -c DIR [-envseal BIN] SPEC...")
		os.Exit(2)
	}
	if err := run(*dir, *es, *mbit*1e6, *rtt, *platform, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "netbench:", err)
		os.Exit(1)
	}
}

func run(dir, es string, bps float64, rtt time.Duration, platform string, specs []string) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	tl := throttle.New(ln, bps, rtt)
	files := http.FileServer(http.Dir(dir))
	mux := http.NewServeMux()
	mux.Handle("/sharded/", http.StripPrefix("/sharded", files))
	mux.Handle("/full/", http.StripPrefix("/full", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "repodata_shards.msgpack.zst") || strings.Contains(r.URL.Path, "/shards/") {
			http.NotFound(w, r)
			return
		}
		files.ServeHTTP(w, r)
	})))
	srv := &http.Server{Handler: mux}
	go srv.Serve(tl)
	defer srv.Close()
	base := "http://" + ln.Addr().String()

	fmt.Printf("  link: %.0f Mbit/s, %v round trip; request: %s\n", bps/1e6, rtt, strings.Join(specs, " "))
	outs := map[string][]byte{}
	sent := map[string]int64{}
	for _, mode := range []string{"sharded", "full"} {
		root, err := os.MkdirTemp("", "envseal-netbench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(root)
		for _, phase := range []string{"cold", "warm"} {
			tl.ResetSent()
			out, st, err := envseal(es, root, base+"/"+mode, platform, specs)
			if err != nil {
				return fmt.Errorf("%s %s: %w", mode, phase, err)
			}
			if phase == "cold" {
				outs[mode] = bytes.ReplaceAll(out, []byte(base+"/"+mode), []byte("CHANNEL"))
				sent[mode] = tl.Sent()
			}
			fmt.Printf("  %-8s %-5s %9.2f MB transferred %7.2f s wall %6.2f s CPU %7.1f MB max RSS\n",
				mode, phase, float64(tl.Sent())/1e6, st.wall.Seconds(), st.cpu.Seconds(), float64(st.maxRSS)/1024)
		}
	}
	if !bytes.Equal(outs["sharded"], outs["full"]) {
		return fmt.Errorf("the sharded and full solves differ")
	}
	fmt.Printf("  %-64s %7.1fx\n", "full / sharded bytes (cold)", float64(sent["full"])/float64(max(sent["sharded"], 1)))
	fmt.Println("  same answer both ways")
	return nil
}

type stats struct {
	wall, cpu time.Duration
	maxRSS    int64 // KB
}

func envseal(es, root, channel, platform string, specs []string) ([]byte, stats, error) {
	args := append([]string{"create", "--dry-run", "--json", "--override-channels", "--platform", platform, "-c", channel}, specs...)
	cmd := exec.Command(es, args...)
	cmd.Env = append(os.Environ(), "ENVSEAL_ROOT="+root)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	st := stats{wall: time.Since(start)}
	st.cpu, st.maxRSS = usage(cmd.ProcessState)
	if err != nil {
		return nil, st, fmt.Errorf("%s %s: %v: %s", filepath.Base(es), strings.Join(args, " "), err, stderr.String())
	}
	return stdout.Bytes(), st, nil
}
