#!/usr/bin/env bash
# make bench: Go benchmarks of the hot paths, each against a baseline
# measured in the same run, then whole-command timings (wall time, max RSS)
# of envseal against baselines (python's json.load, cp -al) on generated and
# real data. Nothing here is a pass/fail test.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$PWD/bench/out
mkdir -p "$out" .cache
corpus=../shared/corpus
benchtime=${BENCHTIME:-1x}
root=$(mktemp -d "${TMPDIR:-/tmp}/envseal-bench-root.XXXXXX")
trap 'rm -rf "$root"' EXIT
export ENVSEAL_ROOT=$root

go build -o bin/envseal ./cmd/envseal
es=$PWD/bin/envseal

# timed LABEL CMD...: one run of CMD; prints wall seconds and max RSS.
timed() {
	local label=$1; shift
	local status=0
	/usr/bin/time -f '%e %M %U %S' -o "$out/time.tmp" "$@" >"$out/last.out" 2>"$out/last.err" || status=$?
	read -r secs kb usr sys < <(tail -1 "$out/time.tmp") || true
	printf '  %-64s %7.3f s %8.1f MB %6.2f s CPU' "$label" "$secs" "$(echo "$kb/1024" | bc -l)" "$(echo "$usr+$sys" | bc -l)"
	if [ "$status" -ne 0 ]; then printf '  (exit %d: %s)' "$status" "$(grep -m1 -o '"exception_name": "[A-Za-z]*"' "$out/last.out" || head -c 120 "$out/last.err")"; fi
	printf '\n'
	echo "$secs" >"$out/secs.tmp"
}
secs() { cat "$out/secs.tmp"; }

# best5 LABEL NAME CMD...: the fastest of 5 runs of CMD, where CMD's
# argument "@" is replaced by NAME1..NAME5 (a new environment each time).
best5() {
	local label=$1 name=$2; shift 2
	local best="" t0 t1 i args a
	for i in 1 2 3 4 5; do
		args=()
		for a in "$@"; do [ "$a" = "@" ] && args+=("$name$i") || args+=("$a"); done
		t0=$(date +%s%N)
		"${args[@]}" >/dev/null 2>&1
		t1=$(date +%s%N)
		local ms=$(( (t1 - t0) / 1000 ))
		if [ -z "$best" ] || [ "$ms" -lt "$best" ]; then best=$ms; fi
	done
	printf '  %-64s %7.3f s  (fastest of 5)\n' "$label" "$(echo "$best/1000000" | bc -l)"
	echo "$(echo "$best/1000000" | bc -l)" >"$out/secs.tmp"
}
ratio() { printf '  %-64s %7.2fx\n' "$1" "$(echo "$2 / $3" | bc -l)"; }

echo "== Go benchmarks (benchtime $benchtime; BENCHTIME=2s for steadier figures)"
if [ -d "$corpus" ]; then go run ./bench/gen -o .cache/bench-channel >/dev/null; fi
go test -run '^$' -bench . -benchmem -benchtime="$benchtime" \
	./conda/ ./channel/ ./resolver/ ./internal/archive/ ./internal/pkgcache/ ./env/ ./prefix/ ./lockfile/ ./scan/ 2>&1 | tee "$out/go-bench.txt" | grep -E '^(Benchmark|ok|FAIL|---)' || true

if [ ! -d "$corpus" ]; then
	echo "bench: $corpus is absent; skipping the command timings that need the corpus"
	exit 0
fi

big=${BENCH_CHANNEL:-.cache/bench-channel}
echo
echo "== create --dry-run on the generated conda-forge-sized channel (465,000 records, 240 MB): load + solve, whole process"
dry=("$es" create --dry-run --json --override-channels --platform linux-64 -c "$big")
for req in "python=3.9" "python=3.9 numpy pandas scipy matplotlib" "python=3.9 jupyter" \
	"python=3.9 jupyter matplotlib scipy pandas pyyaml psutil pillow" "python=3.9 numpy python_abi=3.10 (unsolvable)"; do
	timed "$req" "${dry[@]}" ${req% (unsolvable)}
done
timed "baseline: python3 json.load of the same repodata.json" python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$big/linux-64/repodata.json"

echo
echo "== the same channel, first run (no per-name index yet) and repeat: full repodata.json (mapped) vs sharded (index --shards layout)"
go run ./bench/shardgen -c "$big" >/dev/null
ds="python=3.9 numpy pandas scipy matplotlib"
fullch=$(mktemp -d)
mkdir -p "$fullch/linux-64"
ln -s "$(cd "$big" && pwd)/linux-64/repodata.json" "$fullch/linux-64/repodata.json"
for form in full sharded; do
	ch=$fullch
	[ "$form" = sharded ] && ch=$big
	r=$(mktemp -d)
	timed "$form, first run: $ds" env ENVSEAL_ROOT="$r" "$es" create --dry-run --json --override-channels --platform linux-64 -c "$ch" $ds
	timed "$form, repeat" env ENVSEAL_ROOT="$r" "$es" create --dry-run --json --override-channels --platform linux-64 -c "$ch" $ds
	rm -rf "$r"
done
rm -rf "$fullch"

echo
echo "== cold and warm create --dry-run over a 50 Mbit/s, 40 ms link (loopback through internal/throttle): sharded vs full repodata.json.zst"
go run ./bench/netbench -c "$big" -envseal "$es" $ds

echo
echo "== create --dry-run on the real corpus channels"
timed "conda-forge 2024 subset: python=3.9" "$es" create --dry-run --json --override-channels --platform linux-64 -c "$corpus/conda-subchannel-demo" python=3.9

echo
echo "== lock for three platforms (conda-forge 2024 subset, python=3.9)"
work=$(mktemp -d)
printf 'name: b\nchannels: [%s]\ndependencies:\n  - python=3.9\n' "$PWD/$corpus/conda-subchannel-demo" >"$work/environment.yml"
( cd "$work" && timed "envseal lock --platform linux-64 --platform osx-arm64 --platform win-64" "$es" lock -q --override-channels --platform linux-64 --platform osx-arm64 --platform win-64 )

make -s fixture >/dev/null
fix=.cache/fixture-channel
echo
echo "== create of the demo environment (python 3.10 + pip, ~5,000 files) and of a 100-package environment"
timed "demo env, cold cache (extract + link)" "$es" create -q -n d0 --override-channels -c "$fix" python=3.10 pip
best5 "demo env, warm cache" d "$es" create -q -n @ --override-channels -c "$fix" python=3.10 pip
warm=$(secs)
best5 "baseline: cp -al of the same prefix" "$root/cp-d" cp -al "$root/envs/d1" @
ratio "warm create / cp -al" "$warm" "$(secs)"

echo
echo "== verify of the CPython prefix (python 3.10 + pip) against sha256sum of the same files"
d1=$root/envs/d1
python3 -c '
import glob, json, os, sys
for m in glob.glob(os.path.join(sys.argv[1], "conda-meta", "*.json")):
    for e in json.load(open(m)).get("paths_data", {}).get("paths", []):
        if e.get("path_type") not in ("directory", "softlink"):
            print(e["_path"])' "$d1" >"$out/verify-files.txt"
"$es" verify -n d1 --full >/dev/null 2>&1 || true   # warm the page cache
timed "envseal verify --full ($(wc -l <"$out/verify-files.txt") files, every one hashed, parallel)" "$es" verify -n d1 --full
full=$(secs)
timed "envseal verify (files untouched since linking skipped by size+mtime)" "$es" verify -n d1
quick=$(secs)
timed "baseline: sha256sum of the same files" sh -c 'cd "$1" && xargs -d "\n" sha256sum <"$2" >/dev/null' sh "$d1" "$out/verify-files.txt"
ratio "verify --full / sha256sum" "$full" "$(secs)"
ratio "verify / sha256sum" "$quick" "$(secs)"
go run ./bench/pkgs -o .cache/bench-pkgs
timed "100 packages (4,000 files), cold cache" "$es" create -q -n p0 --override-channels -c .cache/bench-pkgs bench-all
best5 "100 packages, warm cache" p "$es" create -q -n @ --override-channels -c .cache/bench-pkgs bench-all
warm=$(secs)
best5 "baseline: cp -al of the same prefix" "$root/cp-p" cp -al "$root/envs/p1" @
ratio "warm create / cp -al" "$warm" "$(secs)"

echo
echo "== install from a lock (no repodata read), warm cache"
cp examples/environment.yml "$work/environment.yml"
./bin/envseal-fixture -o "$fix" -wheels "$work/wheels" >/dev/null
fixabs=$PWD/$fix
( cd "$work" && "$es" lock -q --override-channels -c "$fixabs" )
( cd "$work" && timed "envseal create -f envseal.lock (python, pip, 2 wheels by pip)" "$es" create -q -n fromlock -f envseal.lock )
rm -rf "$work"
