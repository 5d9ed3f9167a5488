//! [`Semaphore`] and [`BoundedSemaphore`]: counted permits, to limit how many
//! contexts do something at once. Recipe 12.4's `threading.Semaphore` (the book limits
//! concurrent downloads with one) and `BoundedSemaphore`; recipe 12.2 uses a
//! semaphore to start threads one at a time.

use core::fmt;

use mutex_traits::{ConstInit, ScopedRawMutex};

#[cfg(feature = "std")]
use super::error::WaitTimeoutError;
use super::error::{ReleaseError, TryAcquireError};
use crate::loom::{AtomicUsize, Ordering};
use crate::wait::{wait_until, WaitList};

const WAITERS: usize = 1;
const ONE: usize = 2;

/// A counting semaphore.
///
/// Permits are counted in one atomic word (whose low bit says "someone may be
/// waiting"), so an uncontended acquire or release is one atomic operation. A waiter
/// is woken for each released permit, oldest first.
///
/// Acquiring returns a [`SemaphorePermit`] that gives the permit back when dropped;
/// [`SemaphorePermit::forget`] keeps it taken, for Python-style code that
/// releases elsewhere with [`add_permits`](Self::add_permits).
///
/// The count is at most [`Semaphore::MAX_PERMITS`]. A semaphore created with zero
/// permits is meaningful: every acquirer waits until someone adds one.
///
/// ```
/// use spindle_core::raw::ParkingRawMutex;
/// use spindle_core::sync::Semaphore;
///
/// // At most two "downloads" at once.
/// static SLOTS: Semaphore<ParkingRawMutex> = Semaphore::new(2);
///
/// std::thread::scope(|s| {
///     for _ in 0..5 {
///         s.spawn(|| {
///             let _slot = SLOTS.acquire_blocking();
///             assert!(SLOTS.available_permits() <= 1);
///         });
///     }
/// });
/// assert_eq!(SLOTS.available_permits(), 2);
/// ```
pub struct Semaphore<R> {
    state: AtomicUsize,
    waiters: WaitList<R>,
    /// Upper bound of the count: `MAX_PERMITS`, or a bounded semaphore's initial count.
    max: usize,
}

const MAX_PERMITS: usize = usize::MAX >> 1;

impl<R> Semaphore<R> {
    /// The largest number of permits a semaphore can count.
    pub const MAX_PERMITS: usize = MAX_PERMITS;
}

impl<R: ScopedRawMutex + ConstInit> Semaphore<R> {
    loom_const_fn! {
        /// A semaphore with `permits` permits (at most [`Self::MAX_PERMITS`]; a larger
        /// number is reduced to it).
        pub fn new(permits: usize) -> Self {
            Self::with_max(permits, MAX_PERMITS)
        }
    }

    loom_const_fn! {
        fn with_max(permits: usize, max: usize) -> Self {
            let max = if max > MAX_PERMITS { MAX_PERMITS } else { max };
            let permits = if permits > max { max } else { permits };
            Self {
                state: AtomicUsize::new(permits * ONE),
                waiters: WaitList::new(),
                max,
            }
        }
    }
}

impl<R: ScopedRawMutex> Semaphore<R> {
    /// How many permits are free now (a snapshot).
    pub fn available_permits(&self) -> usize {
        self.state.load(Ordering::Relaxed) / ONE
    }

    /// Takes a permit if one is free, without waiting.
    #[inline]
    pub fn try_acquire(&self) -> Result<SemaphorePermit<'_, R>, TryAcquireError> {
        if self.try_take() {
            Ok(SemaphorePermit { sem: self })
        } else {
            Err(TryAcquireError::NoPermits)
        }
    }

    #[inline]
    fn try_take(&self) -> bool {
        let mut s = self.state.load(Ordering::Relaxed);
        loop {
            if s < ONE {
                return false;
            }
            match self
                .state
                .compare_exchange_weak(s, s - ONE, Ordering::Acquire, Ordering::Relaxed)
            {
                Ok(_) => return true,
                Err(now) => s = now,
            }
        }
    }

    async fn take(&self) {
        if self.try_take() {
            return;
        }
        // A queued waiter does not try again until it is woken: it keeps its place
        // in line rather than racing the waiters ahead of it.
        wait_until(
            &self.waiters,
            || self.state.fetch_or(WAITERS, Ordering::Relaxed) >= ONE,
            || self.try_take().then_some(()),
        )
        .await
    }

    /// Waits for a permit asynchronously.
    pub async fn acquire(&self) -> SemaphorePermit<'_, R> {
        self.take().await;
        SemaphorePermit { sem: self }
    }

    /// Waits for a permit, blocking the thread.
    pub fn acquire_blocking(&self) -> SemaphorePermit<'_, R> {
        if !self.try_take() {
            crate::wait::block_on(self.take());
        }
        SemaphorePermit { sem: self }
    }

    /// Waits at most `timeout` for a permit.
    #[cfg(feature = "std")]
    pub fn acquire_timeout(
        &self,
        timeout: core::time::Duration,
    ) -> Result<SemaphorePermit<'_, R>, WaitTimeoutError> {
        if self.try_take() {
            return Ok(SemaphorePermit { sem: self });
        }
        crate::wait::block_on_timeout(self.take(), timeout)
            .map(|()| SemaphorePermit { sem: self })
            .ok_or(WaitTimeoutError::TimedOut)
    }

    /// Adds `n` permits, waking up to `n` waiters (Python's `release(n)`). Fails,
    /// adding nothing, if the count would pass the semaphore's maximum.
    pub fn add_permits(&self, n: usize) -> Result<(), ReleaseError> {
        if n == 0 {
            return Ok(());
        }
        let mut s = self.state.load(Ordering::Relaxed);
        loop {
            let permits = s / ONE;
            let new = match permits.checked_add(n) {
                Some(p) if p <= self.max => p,
                _ if self.max < MAX_PERMITS => {
                    return Err(ReleaseError::OverRelease { max: self.max })
                }
                _ => return Err(ReleaseError::Overflow),
            };
            match self.state.compare_exchange_weak(
                s,
                (new * ONE) | (s & WAITERS),
                Ordering::Release,
                Ordering::Relaxed,
            ) {
                Ok(_) => break,
                Err(now) => s = now,
            }
        }
        if s & WAITERS != 0 {
            self.waiters.wake_n_or(n, || {
                self.state.fetch_and(!WAITERS, Ordering::Relaxed);
            });
        }
        Ok(())
    }
}

impl<R> fmt::Debug for Semaphore<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Semaphore")
            .field("available", &(self.state.load(Ordering::Relaxed) / ONE))
            .finish_non_exhaustive()
    }
}

/// A taken permit of a [`Semaphore`] or [`BoundedSemaphore`]; gives it back when
/// dropped.
#[must_use = "the permit is given back as soon as it is dropped"]
pub struct SemaphorePermit<'a, R: ScopedRawMutex> {
    sem: &'a Semaphore<R>,
}

impl<R: ScopedRawMutex> SemaphorePermit<'_, R> {
    /// Keeps the permit taken: it is not given back on drop.
    pub fn forget(self) {
        core::mem::forget(self);
    }
}

impl<R: ScopedRawMutex> Drop for SemaphorePermit<'_, R> {
    fn drop(&mut self) {
        // Giving back a permit that was taken cannot exceed the maximum unless extra
        // permits were released meanwhile; then the count stays at its maximum, as a
        // bounded semaphore's must.
        let _ = self.sem.add_permits(1);
    }
}

impl<R: ScopedRawMutex> fmt::Debug for SemaphorePermit<'_, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SemaphorePermit")
    }
}

/// A semaphore whose count may never exceed its initial value: releasing more
/// permits than were taken is an error value, as Python's `BoundedSemaphore` raises
/// `ValueError`.
///
/// ```
/// use spindle_core::raw::SpinRawMutex;
/// use spindle_core::sync::{BoundedSemaphore, ReleaseError};
///
/// let sem: BoundedSemaphore<SpinRawMutex> = BoundedSemaphore::new(1);
/// sem.try_acquire().unwrap().forget();   // Python: sem.acquire()
/// assert_eq!(sem.release(), Ok(()));     // Python: sem.release()
/// assert_eq!(sem.release(), Err(ReleaseError::OverRelease { max: 1 }));
/// ```
pub struct BoundedSemaphore<R> {
    inner: Semaphore<R>,
}

impl<R: ScopedRawMutex + ConstInit> BoundedSemaphore<R> {
    loom_const_fn! {
        /// A bounded semaphore with `permits` permits, which is also its maximum.
        pub fn new(permits: usize) -> Self {
            Self {
                inner: Semaphore::with_max(permits, permits),
            }
        }
    }
}

impl<R: ScopedRawMutex> BoundedSemaphore<R> {
    /// The maximum (and initial) number of permits.
    pub fn max_permits(&self) -> usize {
        self.inner.max
    }

    /// How many permits are free now (a snapshot).
    pub fn available_permits(&self) -> usize {
        self.inner.available_permits()
    }

    /// Takes a permit if one is free, without waiting.
    pub fn try_acquire(&self) -> Result<SemaphorePermit<'_, R>, TryAcquireError> {
        self.inner.try_acquire()
    }

    /// Waits for a permit asynchronously.
    pub async fn acquire(&self) -> SemaphorePermit<'_, R> {
        self.inner.acquire().await
    }

    /// Waits for a permit, blocking the thread.
    pub fn acquire_blocking(&self) -> SemaphorePermit<'_, R> {
        self.inner.acquire_blocking()
    }

    /// Waits at most `timeout` for a permit.
    #[cfg(feature = "std")]
    pub fn acquire_timeout(
        &self,
        timeout: core::time::Duration,
    ) -> Result<SemaphorePermit<'_, R>, WaitTimeoutError> {
        self.inner.acquire_timeout(timeout)
    }

    /// Gives back one permit taken earlier (and forgotten). Fails with
    /// [`ReleaseError::OverRelease`], changing nothing, if all permits are free.
    pub fn release(&self) -> Result<(), ReleaseError> {
        self.inner.add_permits(1)
    }
}

impl<R> fmt::Debug for BoundedSemaphore<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BoundedSemaphore")
            .field(
                "available",
                &(self.inner.state.load(Ordering::Relaxed) / ONE),
            )
            .field("max", &self.inner.max)
            .finish()
    }
}
