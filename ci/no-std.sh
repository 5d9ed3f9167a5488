#!/usr/bin/env bash
# Proves spindle-core is really no_std: builds it, without default features, into a
# #![no_std] + #![no_main] staticlib that has its own #[panic_handler] and uses the
# primitives. If anything in the dependency tree pulled in std, its panic handler
# would collide with ours ("duplicate lang item `panic_impl`") and the build fails.
# No embedded target can be installed on these machines, so the host-side proof is
# the check.
set -euo pipefail
cd "$(dirname "$0")/.."

crate=ci/no-std-check
echo "no-std: building $crate (spindle-core, no default features) as a no_std staticlib"
cargo build --quiet --release --manifest-path "$crate/Cargo.toml" \
    --target-dir target/no-std-check

# The dependency tree must not contain std-only crates.
tree=$(cargo tree --manifest-path "$crate/Cargo.toml" -e normal --prefix none)
for forbidden in parking_lot std-only; do
    if grep -q "^$forbidden " <<<"$tree"; then
        echo "no-std: FAIL: $forbidden is in the no_std dependency tree" >&2
        exit 1
    fi
done

lib=target/no-std-check/release/libspindle_no_std_check.a
[ -f "$lib" ] || { echo "no-std: FAIL: $lib was not produced" >&2; exit 1; }
syms=$(nm "$lib" 2>/dev/null || true)
for sym in spindle_main spindle_irq; do
    if ! grep -q " T $sym$" <<<"$syms"; then
        echo "no-std: FAIL: symbol $sym missing from $lib" >&2
        exit 1
    fi
done
echo "no-std: ok (no std in the tree; spindle_main and spindle_irq exported)"

# Cores without native CAS build the core with `portable-atomic`: every atomic then
# goes through portable-atomic, spin's included. (The CAS-free path itself needs a
# CAS-free target, e.g. thumbv6m with portable-atomic's critical-section or
# single-core option; neither can be installed here, and portable-atomic refuses
# its single-core cfg on x86_64, so the host proves the build and the routing.)
echo "no-std: building spindle-core --no-default-features --features portable-atomic"
cargo build --quiet -p spindle-core --no-default-features --features portable-atomic
pa_tree=$(cargo tree -p spindle-core --no-default-features --features portable-atomic \
    -e normal -i portable-atomic --prefix none)
for dependent in spindle-core spin; do
    grep -q "^$dependent " <<<"$pa_tree" ||
        { echo "no-std: FAIL: $dependent does not use portable-atomic" >&2; exit 1; }
done
echo "no-std: ok (spindle-core and spin build their atomics on portable-atomic)"
