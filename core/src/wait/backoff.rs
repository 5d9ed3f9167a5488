//! The one back-off of the crate: growing spin-loop hints, then (with `std`)
//! giving the core away, for the short spins before a blocking wait (locks,
//! queues), the SPSC ring's polling waits and the MPMC ring's slot hand-over.

/// How many rounds a blocking lock spins before it waits in line.
#[cfg(not(loom))]
pub(crate) const SPIN_ROUNDS: u32 = 10;
#[cfg(loom)]
pub(crate) const SPIN_ROUNDS: u32 = 0;

/// Rounds of [`spin_for`]. A hand-off through a queue usually completes within the
/// spinning rounds, and waiting in line costs a park and an unpark, so queues spin
/// longer than locks do.
#[cfg(not(loom))]
const QUEUE_SPIN_ROUNDS: u32 = 11;
#[cfg(loom)]
const QUEUE_SPIN_ROUNDS: u32 = 0;

/// The round of [`snooze`] from which [`back_off`] yields the core (`std`).
const BACK_OFF_YIELD_FROM: u32 = 4;
/// The round of [`snooze`] from which [`spin_for`] yields the core (`std`).
const QUEUE_YIELD_FROM: u32 = 7;

/// Back-off step `step`: `2^min(step, 6)` spin-loop hints, or (with `std`, once
/// `step >= yield_from`) one yield of the core, so two threads do not bounce a
/// cache line between them.
#[inline]
fn snooze(step: u32, yield_from: u32) {
    // Under loom every thread shares one OS thread: hand the turn to the model's
    // scheduler once, or a waiting thread would spin without ever letting the one it
    // waits for run.
    #[cfg(loom)]
    {
        let _ = (step, yield_from);
        loom::thread::yield_now();
    }
    #[cfg(all(feature = "std", not(loom)))]
    if step >= yield_from {
        std::thread::yield_now();
        return;
    }
    #[cfg(all(not(feature = "std"), not(loom)))]
    let _ = yield_from;
    #[cfg(not(loom))]
    for _ in 0..(1u32 << step.min(6)) {
        crate::loom::spin_hint();
    }
}

/// One round of back-off for a retry loop: 2, 4, 8 spin-loop hints in rounds 0 to
/// 2, then (with `std`) a yield of the core in every later round.
#[inline]
pub(crate) fn back_off(round: u32) {
    snooze(round.saturating_add(1), BACK_OFF_YIELD_FROM);
}

/// Retries `op` with back-off for [`QUEUE_SPIN_ROUNDS`] rounds (spin-loop hints
/// doubling from 1 to 64 in rounds 0 to 6, then with `std` yields of the core);
/// `None` if it never succeeded.
#[inline]
// Under loom `QUEUE_SPIN_ROUNDS` is 0 (loom cannot model a spin): the loop is empty.
#[cfg_attr(loom, allow(clippy::reversed_empty_ranges))]
pub(crate) fn spin_for<U>(mut op: impl FnMut() -> Option<U>) -> Option<U> {
    for round in 0..QUEUE_SPIN_ROUNDS {
        if let Some(v) = op() {
            return Some(v);
        }
        snooze(round, QUEUE_YIELD_FROM);
    }
    None
}
