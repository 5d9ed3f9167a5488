//! Growing back-off for the short spin that precedes a blocking wait.

/// How many rounds a blocking call spins before it waits in line.
#[cfg(not(loom))]
pub(crate) const SPIN_ROUNDS: u32 = 10;
#[cfg(loom)]
pub(crate) const SPIN_ROUNDS: u32 = 0;

/// One round of back-off: a few spin-loop hints at first, then (with `std`) giving
/// the core away, so two threads do not bounce a cache line between them.
#[inline]
pub(crate) fn back_off(round: u32) {
    // Under loom every thread shares one OS thread: hand the turn to the model's
    // scheduler once, or a waiting thread would spin without ever letting the one it
    // waits for run.
    #[cfg(loom)]
    {
        let _ = round;
        loom::thread::yield_now();
    }
    #[cfg(all(feature = "std", not(loom)))]
    if round >= 3 {
        std::thread::yield_now();
        return;
    }
    #[cfg(not(loom))]
    for _ in 0..(2u32 << round.min(6)) {
        crate::loom::spin_hint();
    }
}

/// Rounds of [`spin_for`]: spin-loop hints doubling up to 64 (rounds 0 to 6), then
/// (with `std`) yields of the core (rounds 7 to 10). A hand-off through a queue
/// usually completes within the spinning rounds, and waiting in line costs a park and
/// an unpark, so queues spin longer than locks do.
#[cfg(not(loom))]
const QUEUE_SPIN_ROUNDS: u32 = 11;
#[cfg(loom)]
const QUEUE_SPIN_ROUNDS: u32 = 0;

/// Retries `op` with back-off for [`QUEUE_SPIN_ROUNDS`] rounds; `None` if it never
/// succeeded.
#[inline]
// Under loom `QUEUE_SPIN_ROUNDS` is 0 (loom cannot model a spin): the loop is empty.
#[cfg_attr(loom, allow(clippy::reversed_empty_ranges))]
pub(crate) fn spin_for<U>(mut op: impl FnMut() -> Option<U>) -> Option<U> {
    for round in 0..QUEUE_SPIN_ROUNDS {
        if let Some(v) = op() {
            return Some(v);
        }
        #[cfg(all(feature = "std", not(loom)))]
        if round > 6 {
            std::thread::yield_now();
            continue;
        }
        for _ in 0..(1u32 << round.min(6)) {
            crate::loom::spin_hint();
        }
    }
    None
}
