#!/usr/bin/env bash
# The mutex's unlock is a plain store on Linux because a waiter about to park pays a
# membarrier(2) instead (core/src/sync/asym_fence.rs). Where membarrier is not
# allowed (a seccomp profile, an old kernel) both sides fall back to SeqCst fences.
# This script runs the lock tests twice: once normally, asserting that the
# membarrier path is active, and once under a seccomp filter that makes membarrier
# fail (ci/no-membarrier/without_membarrier.c), asserting that the fallback is.
# Linux only; needs a C compiler.
set -euo pipefail
cd "$(dirname "$0")/.."

out=target/no-membarrier
mkdir -p "$out"
"${CC:-cc}" -O2 -o "$out/without_membarrier" ci/no-membarrier/without_membarrier.c

tests=(
    "cargo test -p spindle-core --lib asym_fence"
    "cargo test -p spindle-core --test primitives -- mutex reentrant condvar"
    "cargo test -p spindle-tests --test stress_sync"
)

echo "no-membarrier: with membarrier (asymmetric fences)"
for t in "${tests[@]}"; do
    SPINDLE_EXPECT_MEMBARRIER=1 $t
done
echo "no-membarrier: membarrier blocked (symmetric fences)"
for t in "${tests[@]}"; do
    SPINDLE_EXPECT_MEMBARRIER=0 "$out/without_membarrier" $t
done
echo "no-membarrier: ok"
