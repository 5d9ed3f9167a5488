#!/usr/bin/env bash
# Runs spindle-core on a "board": ci/freestanding is a program with no std, no libc
# and no allocator (its own _start, panic handler and a raw-syscall HAL, with a timer
# signal as its interrupt). This builds it, runs it with a time bound, compares its
# transcript with ci/freestanding/expected.txt (after normalising the counts that
# depend on timing), and checks that the binary is what firmware would be: static,
# no interpreter, no dynamic section, no undefined symbols, no allocator.
set -euo pipefail
cd "$(dirname "$0")/.."

crate=ci/freestanding
target_dir=target/freestanding
bin=$target_dir/release/spindle-freestanding
fail() { echo "bare-metal: FAIL: $*" >&2; exit 1; }

echo "bare-metal: building $crate (no std, no libc, -nostartfiles -nostdlib -static)"
cargo build --quiet --release --manifest-path "$crate/Cargo.toml" --target-dir "$target_dir"
[ -x "$bin" ] || fail "$bin was not produced"

# The binary: what the loader would need, and what the program would need from it.
headers=$(readelf -lW "$bin")
grep -q 'Elf file type is EXEC' <<<"$headers" || fail "not a static (ET_EXEC) executable"
if grep -q 'INTERP' <<<"$headers"; then fail "has a program interpreter"; fi
if grep -q 'DYNAMIC' <<<"$headers"; then fail "has a dynamic segment"; fi
readelf -d "$bin" | grep -q 'There is no dynamic section' || fail "has a dynamic section"
undefined=$(nm -u "$bin")
[ -z "$undefined" ] || fail "undefined symbols: $undefined"
if nm "$bin" | grep -E ' (__rust_alloc|__rust_dealloc|__rust_realloc|__rust_alloc_zeroed|__rg_alloc|__rdl_alloc|malloc|calloc|realloc|free)$'; then
    fail "allocator symbols in a build without alloc"
fi
echo "bare-metal: binary ok (static, no interpreter, no dynamic section, nm -u empty, no allocator)"

# The run: bounded in time; the program itself checks its invariants (exit 1).
out=$(mktemp)
trap 'rm -f "$out"' EXIT
status=0
timeout 30 "$bin" >"$out" || status=$?
[ "$status" -ne 124 ] || fail "did not finish within 30 s"
[ "$status" -eq 0 ] || { cat "$out" >&2; fail "exited with $status"; }

# How many ticks fitted, and how often the idle loop woke, depend on timing.
normalise() {
    sed -E -e 's/received [0-9]+, full [0-9]+,/received R, full F,/' \
        -e 's/called [0-9]+ times, slept [0-9]+ times/called I times, slept S times/'
}
if ! diff -u "$crate/expected.txt" <(normalise <"$out"); then
    fail "transcript differs from $crate/expected.txt (above: - expected, + actual)"
fi
echo "bare-metal: ok ($(wc -l <"$out") transcript lines match; invariants held)"
