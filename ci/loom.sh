#!/usr/bin/env bash
# Model-checks spindle-core's atomic protocols with loom, one test binary per
# protocol (core/tests/loom_*.rs; every such file is picked up):
#   loom_wait       the intrusive wait list (wait::WaitList): register, wake, cancel
#   loom_mutex      Mutex: the locked/waiting words (a store-unlock against an
#                   announcing waiter) and the wait-list hand-off
#   loom_reentrant  ReentrantMutex: owner and depth under contention
#   loom_condvar    Condvar with Mutex: no lost notification
#   loom_sync       Semaphore, BoundedSemaphore, Event, Oneshot, Notify, WaitGroup
#   loom_queue      bounded MPMC Queue: slot stamps, the close mark, waiter bits,
#                   a cancelled waiter's hand-off, task_done/join
#   loom_spsc       the split SPSC ring: wrap-around, close and drain
#   loom_priority   PriorityQueue and UnboundedQueue (lock-based queues)
#   loom_sched      the scheduler's wake/ready protocol and its park handshake
#   loom_exchange   the exchange's attach/detach (epoch flip, in-flight counts)
# and spindle-std's (std-adapter/tests/loom_*.rs):
#   loom_pool       the thread pool's sleep (no lost wake-up) and its submission
#                   gate (shutdown against racing submits; spindle_std::pool)
#   loom_poll       a pollable queue's descriptor level against racing sends,
#                   receives and close (spindle_std::poll)
#   loom_os_notify  the Linux poller's wake latch: notifies coalesced into one
#                   eventfd write, drained then cleared by the poller, none lost
#                   (spindle_std::poll::wake_latch; a wrong-order latch must fail)
# Under `--cfg loom` the crate's `loom` layer swaps in loom's atomics and cells, and
# the models drive the async waits with loom's `block_on`; each model runs under
# `spindle_test_support::loom_model::model` (test-support/src/loom_model.rs).
#
# A lost wake-up shows up as a loom "deadlock" (which aborts that test binary), a
# data race as a causality error, a leaked value as a leak report.
#
# Environment (all optional):
#   LOOM_MAX_PREEMPTIONS  preemption bound per interleaving (default here 2 for
#                         every model; 3 is also quick. Run directly with cargo,
#                         without it, loom_spsc and loom_priority use 3)
#   LOOM_LOG, LOOM_LOCATION, LOOM_MAX_BRANCHES, ...: passed through to loom
#   LOOM_TESTS            space-separated test binaries (names or globs) to run
#                         (default: loom_*, i.e. all of the above)
#   LOOM_STD_TESTS        the same for spindle-std (default: loom_*)
# Extra arguments go to the test harness, e.g. `ci/loom.sh notify_one` to filter
# or `ci/loom.sh --nocapture` to see each model's interleaving count and time.
# The loom_* binaries run 0 tests in a normal `cargo test` (they are
# `#![cfg(loom)]`); this script is where they run.
set -euo pipefail
cd "$(dirname "$0")/.."

export LOOM_MAX_PREEMPTIONS="${LOOM_MAX_PREEMPTIONS:-2}"

tests="${LOOM_TESTS:-loom_*}"
test_args=()
set -f # the names are cargo's target globs, not file globs
for t in $tests; do
    test_args+=(--test "$t")
done
set +f

echo "loom: LOOM_MAX_PREEMPTIONS=$LOOM_MAX_PREEMPTIONS, tests: $tests"
start=$SECONDS
# --no-fail-fast: a deadlock aborts its whole binary; still run the others.
RUSTFLAGS="${RUSTFLAGS:-} --cfg loom" CARGO_TARGET_DIR=target/loom \
    cargo test -p spindle-core --features std --release --no-fail-fast \
    "${test_args[@]}" -- "$@"

std_tests="${LOOM_STD_TESTS:-loom_*}"
std_args=()
set -f
for t in $std_tests; do
    std_args+=(--test "$t")
done
set +f
echo "loom: spindle-std tests: $std_tests"
RUSTFLAGS="${RUSTFLAGS:-} --cfg loom" CARGO_TARGET_DIR=target/loom \
    cargo test -p spindle-std --release --no-fail-fast \
    "${std_args[@]}" -- "$@"
echo "loom: ok ($((SECONDS - start)) s)"
