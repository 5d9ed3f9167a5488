//! [`Event`]: a flag that contexts wait on until it is set. Recipe 12.2's
//! `threading.Event`, the way to learn that a thread has started (or that anything
//! has happened); also the book's `(data, Event)` "tell me when it's done" pairs.

use core::fmt;

use mutex_traits::{ConstInit, ScopedRawMutex};

#[cfg(feature = "std")]
use super::error::WaitTimeoutError;
use crate::loom::{AtomicUsize, Ordering};
use crate::wait::backoff::{back_off, SPIN_ROUNDS};
use crate::wait::{wait_until, WaitList};

const SET: usize = 1;
const WAITERS: usize = 2;

/// A settable flag with waiters: `set` wakes everyone waiting, `clear` resets it.
///
/// Like Python's `Event`, a waiter woken by `set` returns even if the event is
/// cleared again before the waiter runs. Setting is interrupt-safe with
/// [`CriticalSectionRawMutex`](crate::raw::CriticalSectionRawMutex): an interrupt
/// handler can `set` an event a task awaits.
///
/// ```
/// use spindle_core::raw::ParkingRawMutex;
/// use spindle_core::sync::Event;
///
/// static STARTED: Event<ParkingRawMutex> = Event::new();
///
/// let t = std::thread::spawn(|| {
///     STARTED.set(); // "I am running"
/// });
/// STARTED.wait_blocking();
/// assert!(STARTED.is_set());
/// t.join().unwrap();
/// ```
pub struct Event<R> {
    state: AtomicUsize,
    waiters: WaitList<R>,
}

impl<R: ScopedRawMutex + ConstInit> Event<R> {
    loom_const_fn! {
        /// A new, unset event.
        pub fn new() -> Self {
            Self {
                state: AtomicUsize::new(0),
                waiters: WaitList::new(),
            }
        }
    }
}

impl<R: ScopedRawMutex + ConstInit> Default for Event<R> {
    fn default() -> Self {
        Self::new()
    }
}

impl<R: ScopedRawMutex> Event<R> {
    /// Sets the flag and wakes every waiter.
    pub fn set(&self) {
        let prev = self.state.fetch_or(SET, Ordering::Release);
        if prev & WAITERS != 0 {
            self.waiters.wake_all_or(|| {
                self.state.fetch_and(!WAITERS, Ordering::Relaxed);
            });
        }
    }

    /// Resets the flag; later waiters wait again.
    pub fn clear(&self) {
        self.state.fetch_and(!SET, Ordering::Relaxed);
    }

    /// Whether the flag is set now.
    #[inline]
    pub fn is_set(&self) -> bool {
        self.state.load(Ordering::Acquire) & SET != 0
    }

    /// Waits until the flag is set.
    pub async fn wait(&self) {
        if self.is_set() {
            return;
        }
        // `set` wakes every waiter: a wake-up is the answer, nothing to retry.
        wait_until(
            &self.waiters,
            || self.state.fetch_or(WAITERS, Ordering::Acquire) & SET != 0,
            || Some(()),
        )
        .await
    }

    /// Waits until the flag is set, blocking the thread: a short spin, then the
    /// thread parks (`std`) or keeps spinning (bare metal).
    pub fn wait_blocking(&self) {
        if !self.spin_until_set() {
            crate::wait::block_on(self.wait());
        }
    }

    /// Watches the flag for a short while before a blocking wait parks: a few
    /// spin-loop hints (enough for a hand-off from a thread running on another
    /// core), then (with `std`) a few yields of the core (which run the setter at
    /// once when it shares this core), the lock's back-off. Parking costs a system
    /// call on each side and, when the parked thread's core goes idle meanwhile,
    /// that core's wake-up latency (tens of microseconds on a virtual machine).
    /// Reads only: the spin does not take the setter's cache line away.
    #[inline]
    // Under loom `SPIN_ROUNDS` is 0 (loom cannot model a spin), so the loop is empty.
    #[cfg_attr(loom, allow(clippy::reversed_empty_ranges))]
    fn spin_until_set(&self) -> bool {
        for round in 0..SPIN_ROUNDS {
            if self.is_set() {
                return true;
            }
            back_off(round);
        }
        self.is_set()
    }

    /// Waits at most `timeout` for the flag (Python's `wait(timeout)`, whose `False`
    /// is the error here).
    #[cfg(feature = "std")]
    pub fn wait_timeout(&self, timeout: core::time::Duration) -> Result<(), WaitTimeoutError> {
        if self.spin_until_set() {
            return Ok(());
        }
        crate::wait::block_on_timeout(self.wait(), timeout).ok_or(WaitTimeoutError::TimedOut)
    }
}

impl<R> fmt::Debug for Event<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Event")
            .field("set", &(self.state.load(Ordering::Relaxed) & SET != 0))
            .finish()
    }
}
