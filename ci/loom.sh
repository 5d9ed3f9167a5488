#!/usr/bin/env bash
# Model-checks spindle-core's atomic protocols with loom: the wait list, the mutex's
# LOCKED/WAITERS word, the semaphore, event, notify, oneshot, wait group and condvar
# (core/tests/loom_*.rs), and spindle-std's poll readiness protocol (the level of a
# pollable queue's descriptor against racing sends, receives and close;
# std-adapter/tests/loom_poll.rs). Under `--cfg loom` the crate's `loom` layer swaps in loom's
# atomics and cells, and the models drive the async waits with loom's `block_on`.
#
# A lost wake-up shows up as a loom "deadlock" (which aborts that test binary), a
# data race as a causality error, a leaked value as a leak report.
#
# Environment (all optional):
#   LOOM_MAX_PREEMPTIONS  preemption bound per interleaving (default 2; 3 is also
#                         quick for these models)
#   LOOM_LOG, LOOM_LOCATION, LOOM_MAX_BRANCHES, ...: passed through to loom
#   LOOM_TESTS            space-separated core test binaries to run (default: all below)
#   LOOM_STD_TESTS        the same for spindle-std (default: loom_poll)
# Extra arguments go to the test harness, e.g. `ci/loom.sh notify_one` to filter
# or `ci/loom.sh --nocapture` to see each model's interleaving count and time.
set -euo pipefail
cd "$(dirname "$0")/.."

export LOOM_MAX_PREEMPTIONS="${LOOM_MAX_PREEMPTIONS:-2}"

tests="${LOOM_TESTS:-loom_wait loom_mutex loom_reentrant loom_condvar loom_sync loom_queue loom_spsc loom_priority loom_sched loom_exchange}"
test_args=()
for t in $tests; do
    test_args+=(--test "$t")
done

echo "loom: LOOM_MAX_PREEMPTIONS=$LOOM_MAX_PREEMPTIONS, tests: $tests"
start=$SECONDS
# --no-fail-fast: a deadlock aborts its whole binary; still run the others.
RUSTFLAGS="${RUSTFLAGS:-} --cfg loom" CARGO_TARGET_DIR=target/loom \
    cargo test -p spindle-core --features std --release --no-fail-fast \
    "${test_args[@]}" -- "$@"

std_tests="${LOOM_STD_TESTS:-loom_poll}"
std_args=()
for t in $std_tests; do
    std_args+=(--test "$t")
done
echo "loom: spindle-std tests: $std_tests"
RUSTFLAGS="${RUSTFLAGS:-} --cfg loom" CARGO_TARGET_DIR=target/loom \
    cargo test -p spindle-std --release --no-fail-fast \
    "${std_args[@]}" -- "$@"
echo "loom: ok ($((SECONDS - start)) s)"
