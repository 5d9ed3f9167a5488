#!/usr/bin/env bash
# Instructions per operation, under callgrind, for every one-thread benchmark row:
# spindle beside each peer. Instruction counts do not care what else the machine is
# doing, so they are the regression guard that timing noise cannot fool.
#
# Each side runs twice, for N and 2N iterations (`spindle-bench --side CASE SIDE
# --iters N`); the difference of the two totals divided by N is the cost of one
# operation, with process start-up, calibration-free setup and teardown cancelled out.
#
# Usage:
#   ci/instructions.sh            print the table; fail if a spindle row is more than
#                                 5 % above its count in ci/instructions.baseline
#   ci/instructions.sh --update   print the table and rewrite the baseline (do this in
#                                 the commit that earns the new numbers, and say so)
# Environment:
#   INSTR_ITERS   N (default 20000)
#   INSTR_SLACK   allowed growth over the baseline, in percent (default 5)
set -euo pipefail
cd "$(dirname "$0")/.."

mode=check
case "${1:-}" in
    "") ;;
    --update) mode=update ;;
    *) echo "usage: ci/instructions.sh [--update]" >&2; exit 2 ;;
esac

if ! command -v valgrind >/dev/null 2>&1; then
    echo "instructions: installing valgrind"
    apt-get update -qq && apt-get install -y -qq valgrind >/dev/null
fi

iters="${INSTR_ITERS:-20000}"
slack="${INSTR_SLACK:-5}"
baseline=ci/instructions.baseline

cargo build --quiet --release -p spindle-bench
bench=target/release/spindle-bench

# Total instructions of one run of one side: the count of the process started
# (valgrind's first line names its pid), not of a child it forks. The bench forks
# one at start (`nats-server --version`, to see whether the nats rows can run); when
# that exec fails, the child's own "Collected" line comes first, and taking every
# such line made the difference below meaningless and the check pass vacuously.
count() {
    local out pid
    out=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null \
        "$bench" --side "$1" "$2" --iters "$3" 2>&1)
    pid=$(printf '%s\n' "$out" | sed -n '1s/^==\([0-9]*\)==.*/\1/p')
    printf '%s\n' "$out" | sed -n "s/^==$pid== Collected : \([0-9]*\).*/\1/p"
}

results=$(mktemp)
trap 'rm -f "$results"' EXIT
while IFS=$'\t' read -r case side; do
    one=$(count "$case" "$side" "$iters")
    two=$(count "$case" "$side" $((2 * iters)))
    if ! [[ "$one" =~ ^[0-9]+$ && "$two" =~ ^[0-9]+$ ]]; then
        echo "instructions: FAIL: callgrind gave no count for $case / $side" >&2
        exit 1
    fi
    per_op=$(awk -v a="$one" -v b="$two" -v n="$iters" 'BEGIN { printf "%.1f", (b - a) / n }')
    printf '%s\t%s\t%s\n' "$case" "$side" "$per_op" >>"$results"
done < <("$bench" --list-single-thread)

# The table: each peer beside spindle's row of the same case.
awk -F'\t' '
    $2 == "spindle" { ours[$1] = $3; order[++n] = $1; next }
    { peers[$1] = peers[$1] sprintf("%s\t%s\n", $2, $3) }
    END {
        printf "%-24s | %13s | %-28s | %13s | %5s\n", "case", "spindle ins/op", "peer", "peer ins/op", "ratio"
        printf "%s\n", "-------------------------+----------------+------------------------------+---------------+------"
        for (i = 1; i <= n; i++) {
            c = order[i]
            m = split(peers[c], lines, "\n")
            for (j = 1; j <= m; j++) {
                if (lines[j] == "") continue
                split(lines[j], f, "\t")
                printf "%-24s | %14s | %-28s | %13s | %5.2f\n", c, ours[c], f[1], f[2], (f[2] > 0 ? ours[c] / f[2] : 0)
            }
        }
    }' "$results"

if [ "$mode" = update ]; then
    {
        echo "# Instructions per operation under callgrind (ci/instructions.sh --update)."
        echo "# case<TAB>side<TAB>instructions per op. CI fails if a spindle row grows more"
        echo "# than INSTR_SLACK (5) percent above its line here."
        cat "$results"
    } >"$baseline"
    echo "instructions: baseline written to $baseline"
    exit 0
fi

[ -f "$baseline" ] || { echo "instructions: FAIL: no $baseline (run with --update)" >&2; exit 1; }
status=0
while IFS=$'\t' read -r case side per_op; do
    [ "$side" = spindle ] || continue
    base=$(awk -F'\t' -v c="$case" '$1 == c && $2 == "spindle" { print $3 }' "$baseline")
    if [ -z "$base" ]; then
        echo "instructions: FAIL: $case has no spindle line in $baseline (run with --update)" >&2
        status=1
        continue
    fi
    if awk -v now="$per_op" -v base="$base" -v s="$slack" 'BEGIN { exit !(now > base * (1 + s / 100)) }'; then
        echo "instructions: FAIL: $case: spindle $per_op ins/op, baseline $base (+${slack}% allowed)" >&2
        status=1
    fi
done <"$results"
[ "$status" = 0 ] && echo "instructions: ok (every spindle row within ${slack}% of $baseline)"
exit "$status"
