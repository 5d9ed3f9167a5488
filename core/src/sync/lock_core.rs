//! The lock protocol shared by [`Mutex`](super::Mutex) and
//! [`ReentrantMutex`](super::ReentrantMutex): one atomic word with a `LOCKED` and a
//! `WAITERS` bit, plus a [`WaitList`].
//!
//! - Uncontended lock and unlock are one atomic operation each (a compare-exchange,
//!   a fetch-sub); the wait list's raw exclusion is not touched.
//! - A waiter sets `WAITERS` in the same atomic operation that re-reads `LOCKED`
//!   (inside [`Waiter::poll_wait`]'s check, under the list lock); an unlocker that
//!   sees `WAITERS` hands off to the first waiter. Both act on one word, so a
//!   wake-up cannot be lost.
//! - `WAITERS` is cleared only under the list lock when the list is empty; a stale
//!   set bit costs one extra trip through the slow path, never a lost wake-up.
//! - Newcomers may take a just-released lock before the woken waiter runs (barging,
//!   as parking_lot and std do, for throughput); a waiter that loses that race goes
//!   back to the *front* of the list, so it cannot be starved by a stream of them.

use core::future::poll_fn;
use core::pin::pin;
use core::task::Poll;

use mutex_traits::{ConstInit, ScopedRawMutex};

use crate::loom::{AtomicUsize, Ordering};
use crate::wait::backoff::{back_off, SPIN_ROUNDS};
use crate::wait::WaitList;

const LOCKED: usize = 1;
const WAITERS: usize = 2;

pub(crate) struct LockCore<R> {
    state: AtomicUsize,
    waiters: WaitList<R>,
}

impl<R: ScopedRawMutex + ConstInit> LockCore<R> {
    loom_const_fn! {
        pub(crate) fn new() -> Self {
            Self {
                state: AtomicUsize::new(0),
                waiters: WaitList::new(),
            }
        }
    }
}

impl<R: ScopedRawMutex> LockCore<R> {
    #[inline]
    pub(crate) fn try_lock(&self) -> bool {
        self.state
            .compare_exchange(0, LOCKED, Ordering::Acquire, Ordering::Relaxed)
            .is_ok()
            || self.try_lock_slow()
    }

    #[cold]
    fn try_lock_slow(&self) -> bool {
        let mut s = self.state.load(Ordering::Relaxed);
        loop {
            if s & LOCKED != 0 {
                return false;
            }
            match self.state.compare_exchange_weak(
                s,
                s | LOCKED,
                Ordering::Acquire,
                Ordering::Relaxed,
            ) {
                Ok(_) => return true,
                Err(now) => s = now,
            }
        }
    }

    #[inline]
    pub(crate) fn is_locked(&self) -> bool {
        self.state.load(Ordering::Relaxed) & LOCKED != 0
    }

    /// Spins briefly while the lock is held, then reports whether it was taken.
    /// Spinning reads the word without writing it, so it does not steal the cache
    /// line from the owner, and stops at once if others already wait in line (they
    /// are first; spinning past them would be unfair and waste the core).
    #[inline]
    // Under loom `SPIN_ROUNDS` is 0 (loom cannot model a spin), so the loop is empty.
    #[cfg_attr(loom, allow(clippy::reversed_empty_ranges))]
    pub(crate) fn spin_try_lock(&self) -> bool {
        for round in 0..SPIN_ROUNDS {
            let s = self.state.load(Ordering::Relaxed);
            if s & LOCKED == 0 {
                if self.try_lock() {
                    return true;
                }
            } else if s & WAITERS != 0 {
                return false;
            }
            back_off(round);
        }
        self.try_lock()
    }

    pub(crate) async fn lock(&self) {
        if self.try_lock() {
            return;
        }
        let mut waiter = pin!(self.waiters.waiter());
        // A queued waiter does not try again until it is woken: it keeps its place
        // in line rather than racing the waiters ahead of it.
        poll_fn(|cx| loop {
            let woken = waiter.as_mut().poll_wait(cx, || {
                self.state.fetch_or(WAITERS, Ordering::Relaxed) & LOCKED == 0
            });
            if woken.is_pending() {
                return Poll::Pending;
            }
            if self.try_lock() {
                return Poll::Ready(());
            }
        })
        .await
    }

    /// # Contract
    /// The caller holds the lock.
    #[inline]
    pub(crate) fn unlock(&self) {
        let prev = self.state.fetch_sub(LOCKED, Ordering::Release);
        if prev & WAITERS != 0 {
            self.wake_waiter();
        }
    }

    #[cold]
    fn wake_waiter(&self) {
        self.waiters.wake_one_or(|| {
            self.state.fetch_and(!WAITERS, Ordering::Relaxed);
        });
    }
}
