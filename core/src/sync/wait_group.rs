//! [`WaitGroup`]: wait until a count of outstanding work reaches zero (a latch). The
//! book joins each thread by hand (12.1) or calls `q.join()` (12.3); a wait group is
//! the same idea for work that is not in a queue.

use core::fmt;

use mutex_traits::{ConstInit, ScopedRawMutex};

#[cfg(feature = "std")]
use super::error::WaitTimeoutError;
use super::error::{WaitGroupOverflow, WaitGroupUnderflow};
use crate::loom::{AtomicUsize, Ordering};
use crate::wait::{wait_until, WaitList};

const WAITERS: usize = 1;
const ONE: usize = 2;

/// A counter of outstanding work with waiters for "all done".
///
/// ```
/// use spindle_core::raw::ParkingRawMutex;
/// use spindle_core::sync::WaitGroup;
///
/// static PENDING: WaitGroup<ParkingRawMutex> = WaitGroup::new();
///
/// PENDING.add(3).unwrap();
/// for _ in 0..3 {
///     std::thread::spawn(|| PENDING.done().unwrap());
/// }
/// PENDING.wait_blocking();
/// assert_eq!(PENDING.count(), 0);
/// ```
pub struct WaitGroup<R> {
    state: AtomicUsize,
    waiters: WaitList<R>,
}

impl<R: ScopedRawMutex + ConstInit> WaitGroup<R> {
    loom_const_fn! {
        /// A wait group with a count of zero.
        pub fn new() -> Self {
            Self {
                state: AtomicUsize::new(0),
                waiters: WaitList::new(),
            }
        }
    }
}

impl<R: ScopedRawMutex + ConstInit> Default for WaitGroup<R> {
    fn default() -> Self {
        Self::new()
    }
}

impl<R: ScopedRawMutex> WaitGroup<R> {
    /// Adds `n` pieces of outstanding work. Fails with [`WaitGroupOverflow`],
    /// adding nothing, if the count would overflow.
    pub fn add(&self, n: usize) -> Result<(), WaitGroupOverflow> {
        let mut s = self.state.load(Ordering::Relaxed);
        loop {
            let count = (s / ONE)
                .checked_add(n)
                .filter(|c| *c <= usize::MAX / ONE)
                .ok_or(WaitGroupOverflow)?;
            match self.state.compare_exchange_weak(
                s,
                (count * ONE) | (s & WAITERS),
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => return Ok(()),
                Err(now) => s = now,
            }
        }
    }

    /// Marks one piece of work done; the last one wakes the waiters. Calling it more
    /// times than work was added is an error ([`WaitGroupUnderflow`]), and changes
    /// nothing.
    pub fn done(&self) -> Result<(), WaitGroupUnderflow> {
        let mut s = self.state.load(Ordering::Relaxed);
        loop {
            if s < ONE {
                return Err(WaitGroupUnderflow);
            }
            match self
                .state
                .compare_exchange_weak(s, s - ONE, Ordering::AcqRel, Ordering::Relaxed)
            {
                Ok(_) => break,
                Err(now) => s = now,
            }
        }
        if s / ONE == 1 && s & WAITERS != 0 {
            self.waiters.wake_all_or(|| {
                self.state.fetch_and(!WAITERS, Ordering::Relaxed);
            });
        }
        Ok(())
    }

    /// The outstanding count now (a snapshot).
    pub fn count(&self) -> usize {
        self.state.load(Ordering::Relaxed) / ONE
    }

    /// Waits until the count is zero.
    pub async fn wait(&self) {
        if self.state.load(Ordering::Acquire) < ONE {
            return;
        }
        // Zero stays zero until the waiters have woken (`add` after zero is a new
        // round), so a wake-up is the answer: nothing to retry.
        wait_until(
            &self.waiters,
            || self.state.fetch_or(WAITERS, Ordering::Acquire) < ONE,
            || Some(()),
        )
        .await
    }

    /// Waits until the count is zero, blocking the thread.
    pub fn wait_blocking(&self) {
        crate::wait::block_on(self.wait())
    }

    /// Waits at most `timeout` for the count to reach zero.
    #[cfg(feature = "std")]
    pub fn wait_timeout(&self, timeout: core::time::Duration) -> Result<(), WaitTimeoutError> {
        crate::wait::block_on_timeout(self.wait(), timeout).ok_or(WaitTimeoutError::TimedOut)
    }
}

impl<R> fmt::Debug for WaitGroup<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitGroup")
            .field("count", &(self.state.load(Ordering::Relaxed) / ONE))
            .finish_non_exhaustive()
    }
}
