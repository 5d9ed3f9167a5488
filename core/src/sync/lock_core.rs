//! The lock protocol shared by [`Mutex`](super::Mutex) and
//! [`ReentrantMutex`](super::ReentrantMutex): a `locked` word, a `waiters` word and
//! a [`WaitList`].
//!
//! - Uncontended lock is one compare-exchange on `locked`; uncontended unlock is a
//!   release store of 0 to `locked`, an [`asym_fence::light`] and a load of
//!   `waiters` (on Linux with `std` the fence costs nothing at run time, so the
//!   unlock is a spin lock's: no locked read-modify-write). The wait list's raw
//!   exclusion is not touched.
//! - A waiter, under the list lock, stores `waiters = 1`, runs
//!   [`asym_fence::heavy`] and re-reads `locked` (inside [`Waiter::poll_wait`]'s
//!   check); an unlocker that sees `waiters` hands off to the first waiter. The two
//!   sides are Dekker's pattern over the fence pair: either the unlocker's load sees
//!   the waiter's store (and wakes it) or the waiter's load sees the unlocker's store
//!   (and retries instead of sleeping), so a wake-up cannot be lost. The waiter pays
//!   the heavy side (a `membarrier` system call on Linux) once per time it parks,
//!   which parking costs a system call anyway.
//! - `waiters` is cleared only under the list lock when the list is empty; a stale
//!   set flag costs one extra trip through the slow path, never a lost wake-up.
//! - Newcomers may take a just-released lock before the woken waiter runs (barging,
//!   as parking_lot and std do, for throughput); a waiter that loses that race goes
//!   back to the *front* of the list, so it cannot be starved by a stream of them.
//!
//! [`Waiter::poll_wait`]: crate::wait::Waiter::poll_wait

use mutex_traits::{ConstInit, ScopedRawMutex};

use super::asym_fence;
use crate::loom::{AtomicUsize, Ordering};
use crate::wait::backoff::{back_off, SPIN_ROUNDS};
use crate::wait::{wait_until, WaitList};

pub(crate) struct LockCore<R> {
    /// 1 while the lock is held.
    locked: AtomicUsize,
    /// 1 while a waiter may be queued in `waiters` (set before it sleeps).
    waiting: AtomicUsize,
    waiters: WaitList<R>,
}

impl<R: ScopedRawMutex + ConstInit> LockCore<R> {
    loom_const_fn! {
        pub(crate) fn new() -> Self {
            Self {
                locked: AtomicUsize::new(0),
                waiting: AtomicUsize::new(0),
                waiters: WaitList::new(),
            }
        }
    }
}

impl<R: ScopedRawMutex> LockCore<R> {
    #[inline]
    pub(crate) fn try_lock(&self) -> bool {
        self.locked
            .compare_exchange(0, 1, Ordering::Acquire, Ordering::Relaxed)
            .is_ok()
    }

    #[inline]
    pub(crate) fn is_locked(&self) -> bool {
        self.locked.load(Ordering::Relaxed) != 0
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
            if self.locked.load(Ordering::Relaxed) == 0 {
                if self.try_lock() {
                    return true;
                }
            } else if self.waiting.load(Ordering::Relaxed) != 0 {
                return false;
            }
            back_off(round);
        }
        self.try_lock()
    }

    /// Takes the lock, blocking the thread: the one-compare-exchange fast path
    /// inline, everything else (spin, then park) out of line, so an uncontended
    /// `lock_blocking` costs what a spin lock's does.
    #[inline]
    pub(crate) fn lock_blocking(&self) {
        if !self.try_lock() {
            self.lock_blocking_slow();
        }
    }

    #[cold]
    #[inline(never)]
    fn lock_blocking_slow(&self) {
        if !self.spin_try_lock() {
            crate::wait::block_on(self.lock());
        }
    }

    pub(crate) async fn lock(&self) {
        if self.try_lock() {
            return;
        }
        // A queued waiter does not try again until it is woken: it keeps its place
        // in line rather than racing the waiters ahead of it.
        wait_until(
            &self.waiters,
            || self.announce(),
            || self.try_lock().then_some(()),
        )
        .await
    }

    /// The waiter's half of the Dekker pair, run under the list lock just before
    /// it would sleep: says "I am waiting", then re-reads `locked`; `true` means the
    /// lock was free, so try again instead of sleeping.
    fn announce(&self) -> bool {
        self.waiting.store(1, Ordering::Relaxed);
        asym_fence::heavy();
        self.locked.load(Ordering::Relaxed) == 0
    }

    /// # Contract
    /// The caller holds the lock.
    #[inline]
    pub(crate) fn unlock(&self) {
        // The unlocker's half of the Dekker pair (see `announce`): release the lock
        // with a plain store, then look for a waiter that may have missed it.
        self.locked.store(0, Ordering::Release);
        asym_fence::light();
        if self.waiting.load(Ordering::Relaxed) != 0 {
            self.wake_waiter();
        }
    }

    #[cold]
    #[inline(never)]
    fn wake_waiter(&self) {
        self.waiters.wake_one_or(|| {
            self.waiting.store(0, Ordering::Relaxed);
        });
    }
}
