#!/usr/bin/env bash
# Runs every fuzz target under fuzz/fuzz_targets/ for FUZZ_SECONDS (default 60)
# each, with cargo-fuzz (installed if missing) on this toolchain (RUSTC_BOOTSTRAP=1
# lets stable take libFuzzer's nightly flags). A crash input is copied into
# fuzz/regressions/<target>/, which `cargo test -p spindle-tests` replays, and the
# script fails: commit the input with the fix.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${FUZZ_SECONDS:-60}"
if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "installing cargo-fuzz"
    cargo install cargo-fuzz --locked
fi
export RUSTC_BOOTSTRAP=1

status=0
for src in fuzz/fuzz_targets/*.rs; do
    target="$(basename "$src" .rs)"
    regressions="fuzz/regressions/$target"
    mkdir -p "$regressions" "fuzz/corpus/$target"
    echo "=== fuzz $target for ${seconds}s ==="
    # The regression inputs seed the corpus, so old crashes are retried first.
    if ! cargo fuzz run "$target" "fuzz/corpus/$target" "$regressions" -- \
        -max_total_time="$seconds" -rss_limit_mb=2048 -max_len=65536; then
        status=1
    fi
    for crash in fuzz/artifacts/"$target"/*; do
        [ -f "$crash" ] || continue
        mv "$crash" "$regressions/"
        echo "kept $crash as $regressions/$(basename "$crash")"
        status=1
    done
done
exit "$status"
