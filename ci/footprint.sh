#!/usr/bin/env bash
# The embedded user's first question: how big is it? Builds the small freestanding
# programs of ci/footprint (the board of ci/freestanding, opt-level "s", LTO, panic
# = abort), each using one primitive, written with spindle-core and with its
# embassy-sync / heapless counterpart; runs each pair (both must compute the same
# result, or they did not do the same work) and prints a markdown table of code
# (.text + .rodata + .data.rel.ro) and RAM (.data + .bss) bytes, each less the
# shared board/runtime baseline (the `baseline` program). x86_64 sizes differ from
# thumb sizes, but the comparison holds. Unwind tables (.eh_frame) are left out:
# with panic = abort nothing reads them, and firmware strips them.
set -euo pipefail
cd "$(dirname "$0")/.."

crate=ci/footprint
bins=target/footprint/release
fail() { echo "footprint: FAIL: $*" >&2; exit 1; }

cargo build --quiet --release --manifest-path "$crate/Cargo.toml" --target-dir target/footprint

# "code ram" of a binary, from the section sizes.
sizes() {
    size -A "$1" | awk '
        $1 == ".text" || $1 == ".rodata" || $1 == ".data.rel.ro" { code += $2 }
        $1 == ".data" || $1 == ".bss" { ram += $2 }
        END { print code + 0, ram + 0 }'
}

read -r base_code base_ram < <(sizes "$bins/baseline")
[ "$("$bins/baseline")" = 4 ] || fail "the baseline program did not run"

# what | spindle program | its counterpart ("-" for none) | the counterpart's name
rows=(
    "Mutex + Event|mutex_event_spindle|mutex_event_embassy|embassy-sync Mutex + Signal"
    "Queue<u32, 8>|queue_spindle|channel_embassy|embassy-sync Channel<u32, 8>"
    "spsc ring, 8 slots|spsc_spindle|spsc_heapless|heapless spsc::Queue<u32, 8>"
    "Scheduler, 4 tasks|sched_spindle|sched_embassy|embassy-executor (platform-spin)"
    "Mailbox actor, ask|actor_spindle|actor_embassy|embassy-sync Channel + Signal"
    "Exchange, 2 subscribers|exchange_spindle|pubsub_embassy|embassy-sync PubSubChannel"
)

echo "baseline (board + runtime, subtracted below): code $base_code B, RAM $base_ram B"
echo
echo "| program | spindle code | spindle RAM | counterpart | its code | its RAM |"
echo "|---|---:|---:|---|---:|---:|"
for row in "${rows[@]}"; do
    IFS='|' read -r what ours theirs their_name <<<"$row"
    ours_out=$("$bins/$ours") || fail "$ours exited with $?"
    read -r code ram < <(sizes "$bins/$ours")
    line="| $what | $((code - base_code)) | $((ram - base_ram)) | $their_name"
    if [ "$theirs" = - ]; then
        line="$line | - | - |"
    else
        theirs_out=$("$bins/$theirs") || fail "$theirs exited with $?"
        [ "$ours_out" = "$theirs_out" ] ||
            fail "$ours printed $ours_out but $theirs printed $theirs_out: not the same work"
        read -r tcode tram < <(sizes "$bins/$theirs")
        line="$line | $((tcode - base_code)) | $((tram - base_ram)) |"
    fi
    echo "$line"
done
