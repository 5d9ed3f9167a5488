#!/usr/bin/env bash
# Whole-command benchmark of recipe 12.8's robots job (issue 11, `robots/8-files`).
#
# Generates FILES x LINES sample logs (default 8 x 200,000, seed 8) with
# `spindle robots --generate`, checks that every contender prints the same hosts,
# then times them in one hyperfine run (RUNS runs each after one warm-up,
# default 3):
#   spindle-process     spindle robots DIR --mode process
#   spindle-sequential  spindle robots DIR --mode sequential
#   spindle-thread      spindle robots DIR --mode thread
#   zcat-awk-sort       zcat DIR/*.log.gz | awk '$7=="/robots.txt"{print $1}' | LC_ALL=C sort -u
#   python-pool         python3 ci/robots_book.py DIR   (the book's ProcessPoolExecutor program)
#   python-sequential   python3 ci/robots_book.py --sequential DIR   (the book's plain map)
# and prints each one's best and median time and the ratios against the
# targets: process >= 1.8x sequential, >= 2x the pipeline, >= 3x Python's pool.
# The ratios use the best run of each (least disturbed by other load).
#
# Needs cargo, python3, zcat, awk, sort; installs hyperfine with apt-get if
# missing. Environment: FILES, LINES, RUNS, JOBS (workers, default: all cores),
# BENCH_DIR (default target/robots-bench; the logs are kept there between runs
# and regenerated when FILES, LINES or the generator change).
set -euo pipefail
cd "$(dirname "$0")/.."

files="${FILES:-8}"
lines="${LINES:-200000}"
runs="${RUNS:-3}"
jobs="${JOBS:-$(nproc)}"
out="${BENCH_DIR:-target/robots-bench}"
logs="$out/logs-$files-$lines"

if ! command -v hyperfine >/dev/null 2>&1; then
    echo "installing hyperfine"
    apt-get install -y -qq hyperfine || { apt-get update -qq && apt-get install -y -qq hyperfine; }
fi
for tool in python3 zcat awk sort; do
    command -v "$tool" >/dev/null 2>&1 || { echo "error: $tool is needed" >&2; exit 1; }
done

cargo build --release -q -p spindle-cookbook
bin="$PWD/target/release/spindle"

# Regenerate when the binary (and so, perhaps, the generator) is newer than the logs.
if [ ! -f "$logs/.done" ] || [ "$bin" -nt "$logs/.done" ]; then
    rm -rf "$logs"
    "$bin" robots --generate "$logs" --files "$files" --lines "$lines" --seed 8
    touch "$logs/.done"
fi

# Same answer from everyone before anyone is timed.
pipeline="zcat $logs/*.log.gz | awk '\$7==\"/robots.txt\"{print \$1}' | LC_ALL=C sort -u"
expected="$out/expected.txt"
sh -c "$pipeline" >"$expected"
check() {
    local name="$1"
    shift
    if ! "$@" 2>/dev/null | LC_ALL=C sort -u | cmp -s - "$expected"; then
        echo "error: $name prints other hosts than the pipeline" >&2
        exit 1
    fi
}
for mode in process sequential thread; do
    check "spindle --mode $mode" "$bin" robots "$logs" --mode "$mode" --jobs "$jobs"
done
check "python" python3 ci/robots_book.py "$logs"
echo "all contenders print the same $(wc -l <"$expected") hosts ($files files x $lines lines)"

json="$out/results.json"
hyperfine --runs "$runs" --warmup 1 --export-json "$json" --style basic \
    -n spindle-process "$bin robots $logs --mode process --jobs $jobs >/dev/null 2>&1" \
    -n spindle-sequential "$bin robots $logs --mode sequential >/dev/null 2>&1" \
    -n spindle-thread "$bin robots $logs --mode thread --jobs $jobs >/dev/null 2>&1" \
    -n zcat-awk-sort "$pipeline >/dev/null" \
    -n python-pool "python3 ci/robots_book.py $logs >/dev/null" \
    -n python-sequential "python3 ci/robots_book.py --sequential $logs >/dev/null"

python3 - "$json" <<'PY'
import json, statistics, sys
results = json.load(open(sys.argv[1]))["results"]
rows = {r["command"]: r["times"] for r in results}
cpu = {r["command"]: r["user"] + r["system"] for r in results}
best = {k: min(v) for k, v in rows.items()}
print()
# CPU s: mean user + system time of the command and its children; on a machine
# shared with other work, a wall-time ratio near 1 with CPU near the sequential
# run's means the second core was busy elsewhere.
print(f"{'command':<20} {'best s':>8} {'median s':>9} {'CPU s':>7}")
for k, v in rows.items():
    print(f"{k:<20} {min(v):8.3f} {statistics.median(v):9.3f} {cpu[k]:7.3f}")
p = best["spindle-process"]
print()
for other, target in [("spindle-sequential", 1.8), ("zcat-awk-sort", 2.0), ("python-pool", 3.0),
                      ("spindle-thread", None), ("python-sequential", None)]:
    ratio = best[other] / p
    verdict = "" if target is None else (f"  (target >= {target}x: " + ("met" if ratio >= target else "MISSED") + ")")
    print(f"process vs {other:<19} {ratio:5.2f}x faster{verdict}")
PY
