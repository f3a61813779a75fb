#!/usr/bin/env bash
# make bench: Go benchmarks of every hot path against a baseline measured in
# the same run, then envseal command timings (wall time and max RSS) on the
# generated conda-forge-sized channel and on the corpus.
set -euo pipefail
cd "$(dirname "$0")/.."
out=bench/out
mkdir -p "$out" .cache
corpus=../shared/corpus
benchtime=${BENCHTIME:-1x}

go build -o bin/envseal ./cmd/envseal

echo "== Go benchmarks (benchtime $benchtime; set BENCHTIME=2s for steadier figures)"
go test -run '^$' -bench . -benchmem -benchtime="$benchtime" \
	./conda/ ./channel/ ./resolver/ ./internal/archive/ 2>&1 | tee "$out/go-bench.txt"

if [ ! -d "$corpus" ]; then
	echo "bench: $corpus is absent; skipping the command timings that need the corpus"
	exit 0
fi

big=.cache/bench-channel
go run ./bench/gen -o "$big"

# timed CMD...: wall seconds and max RSS of one run of CMD.
timed() {
	local label=$1; shift
	local t0 t1 rss
	t0=$(date +%s.%N)
	rss=$( { /usr/bin/time -f '%M' "$@" >/dev/null 2>/dev/null; } 2>&1 | tail -1 || true)
	/usr/bin/time -f '%M' -o "$out/rss.tmp" "$@" >"$out/last.json" 2>"$out/last.err" || true
	t1=$(date +%s.%N)
	rss=$(tail -1 "$out/rss.tmp")
	printf '%-58s %8.3f s %8.1f MB  exit=%s\n' "$label" "$(echo "($t1 - $t0)/2" | bc -l)" "$(echo "$rss/1024" | bc -l)" "$(grep -c '"success": true' "$out/last.json" || true)"
}

echo
echo "== envseal create --dry-run (load + solve, whole process; wall is the mean of 2 runs; exit=1 means success:true)"
es=(./bin/envseal create --dry-run --json --override-channels --platform linux-64)
for req in "python=3.9" "python=3.9 numpy pandas scipy matplotlib" "python=3.9 jupyter" \
	"python=3.9 jupyter matplotlib scipy pandas pyyaml psutil" "python=3.9 numpy>=99"; do
	timed "big channel: $req" "${es[@]}" -c "$big" $req
done
timed "corpus conda-forge subset: python=3.9" "${es[@]}" -c "$corpus/conda-subchannel-demo" python=3.9

echo
echo "== baseline: python3 json.load of the same 240 MB repodata (what a Python tool pays before solving)"
if command -v python3 >/dev/null; then
	t0=$(date +%s.%N)
	/usr/bin/time -f '%M' -o "$out/rss.tmp" python3 -c "import json,sys; json.load(open(sys.argv[1]))" "$big/linux-64/repodata.json"
	t1=$(date +%s.%N)
	printf '%-58s %8.3f s %8.1f MB\n' "python3 json.load" "$(echo "$t1 - $t0" | bc -l)" "$(echo "$(tail -1 $out/rss.tmp)/1024" | bc -l)"
fi
