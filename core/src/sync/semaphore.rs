//! [`Semaphore`] and [`BoundedSemaphore`]: counted permits, to limit how many
//! contexts do something at once. Recipe 12.4's `threading.Semaphore` (the book limits
//! concurrent downloads with one) and `BoundedSemaphore`; recipe 12.2 uses a
//! semaphore to start threads one at a time.

use core::fmt;
use core::future::poll_fn;
use core::pin::pin;
use core::task::Poll;

use mutex_traits::{ConstInit, ScopedRawMutex};

#[cfg(feature = "std")]
use super::error::AcquireTimeoutError;
use super::error::{AcquireError, ReleaseError, TryAcquireError};
use crate::loom::{AtomicUsize, Ordering};
use crate::wait::WaitList;

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
/// [`close`](Self::close) ends it: every waiter and every later acquirer gets a
/// `Closed` error (tokio's `Semaphore::close`), so a shutdown wakes whoever waits
/// for room instead of leaving them to poll.
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
    /// 1 once [`Semaphore::close`] was called. A word of its own, so the permit
    /// word's protocol is unchanged; waiters read it under the wait list's lock.
    closed: AtomicUsize,
    /// A bounded semaphore's permits taken and [`forget`](SemaphorePermit::forget)-ten,
    /// the only ones [`BoundedSemaphore::release`] may give back (unused unbounded).
    forgotten: AtomicUsize,
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
                closed: AtomicUsize::new(0),
                forgotten: AtomicUsize::new(0),
            }
        }
    }
}

impl<R: ScopedRawMutex> Semaphore<R> {
    /// How many permits are free now (a snapshot).
    pub fn available_permits(&self) -> usize {
        self.state.load(Ordering::Relaxed) / ONE
    }

    /// Takes a permit if one is free, without waiting: [`TryAcquireError::NoPermits`]
    /// if none is, [`TryAcquireError::Closed`] once the semaphore is closed.
    #[inline]
    pub fn try_acquire(&self) -> Result<SemaphorePermit<'_, R>, TryAcquireError> {
        if self.is_closed() {
            Err(TryAcquireError::Closed)
        } else if self.try_take() {
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

    #[inline]
    fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire) != 0
    }

    async fn take(&self) -> Result<(), AcquireError> {
        if self.is_closed() {
            return Err(AcquireError::Closed);
        }
        if self.try_take() {
            return Ok(());
        }
        let mut waiter = pin!(self.waiters.waiter());
        // A queued waiter does not try again until it is woken: it keeps its place
        // in line rather than racing the waiters ahead of it.
        poll_fn(|cx| loop {
            // `close` sets its flag before it takes the list's lock to wake
            // everyone, and this check runs under that lock: a waiter either sees
            // the flag or is queued in time to be woken.
            let woken = waiter.as_mut().poll_wait(cx, || {
                self.is_closed() || self.state.fetch_or(WAITERS, Ordering::Relaxed) >= ONE
            });
            if woken.is_pending() {
                return Poll::Pending;
            }
            if self.is_closed() {
                return Poll::Ready(Err(AcquireError::Closed));
            }
            if self.try_take() {
                return Poll::Ready(Ok(()));
            }
        })
        .await
    }

    /// Waits for a permit asynchronously; [`AcquireError::Closed`] if the semaphore
    /// is or becomes closed.
    pub async fn acquire(&self) -> Result<SemaphorePermit<'_, R>, AcquireError> {
        self.take().await?;
        Ok(SemaphorePermit { sem: self })
    }

    /// Waits for a permit, blocking the thread; [`AcquireError::Closed`] if the
    /// semaphore is or becomes closed.
    pub fn acquire_blocking(&self) -> Result<SemaphorePermit<'_, R>, AcquireError> {
        if self.is_closed() || !self.try_take() {
            crate::wait::block_on(self.take())?;
        }
        Ok(SemaphorePermit { sem: self })
    }

    /// Waits at most `timeout` for a permit: [`AcquireTimeoutError::TimedOut`] if
    /// none came, [`AcquireTimeoutError::Closed`] if the semaphore is or becomes
    /// closed.
    #[cfg(feature = "std")]
    pub fn acquire_timeout(
        &self,
        timeout: core::time::Duration,
    ) -> Result<SemaphorePermit<'_, R>, AcquireTimeoutError> {
        if !self.is_closed() && self.try_take() {
            return Ok(SemaphorePermit { sem: self });
        }
        match crate::wait::block_on_timeout(self.take(), timeout) {
            Some(Ok(())) => Ok(SemaphorePermit { sem: self }),
            Some(Err(AcquireError::Closed)) => Err(AcquireTimeoutError::Closed),
            None => Err(AcquireTimeoutError::TimedOut),
        }
    }

    /// Closes the semaphore: every waiting acquirer wakes with a `Closed` error,
    /// and every later acquire fails the same way. Permits still held stay valid
    /// and are given back on drop as usual. Returns `false` if it was closed
    /// already.
    ///
    /// ```
    /// use spindle_core::raw::ParkingRawMutex;
    /// use spindle_core::sync::{AcquireError, Semaphore, TryAcquireError};
    ///
    /// static ROOM: Semaphore<ParkingRawMutex> = Semaphore::new(0);
    /// let waiter = std::thread::spawn(|| ROOM.acquire_blocking().map(|p| p.forget()));
    /// assert!(ROOM.close());
    /// assert_eq!(waiter.join().unwrap(), Err(AcquireError::Closed));
    /// ROOM.add_permits(1).unwrap();
    /// assert_eq!(ROOM.try_acquire().err(), Some(TryAcquireError::Closed));
    /// assert!(!ROOM.close());
    /// ```
    pub fn close(&self) -> bool {
        if self.closed.swap(1, Ordering::AcqRel) != 0 {
            return false;
        }
        self.waiters.wake_all();
        true
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
    /// Keeps the permit taken: it is not given back on drop. For a
    /// [`BoundedSemaphore`], a forgotten permit is what
    /// [`release`](BoundedSemaphore::release) gives back.
    pub fn forget(self) {
        if self.sem.max < MAX_PERMITS {
            // Counted before the permit is lost, so a `release` that follows this
            // call (in any context that sees it) finds it.
            self.sem.forgotten.fetch_add(1, Ordering::AcqRel);
        }
        core::mem::forget(self);
    }
}

impl<R: ScopedRawMutex> Drop for SemaphorePermit<'_, R> {
    fn drop(&mut self) {
        // Cannot fail: a bounded semaphore's `release` gives back only forgotten
        // permits, so free + forgotten + held never passes its maximum, and an
        // unbounded one's count is capped far above any number of live guards.
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
/// Permits are given back one of two ways, never both: a [`SemaphorePermit`] guard
/// gives its permit back when dropped, and [`release`](Self::release) gives back
/// only permits whose guard was [`forget`](SemaphorePermit::forget)-ten (Python's
/// bare `acquire()` ... `release()`). So `release()` while every taken permit is
/// still held by a live guard fails with [`ReleaseError::OverRelease`] at the
/// `release`, and the guard's later drop is exact: the count never passes its
/// maximum and nothing is silently absorbed.
///
/// ```
/// use spindle_core::raw::SpinRawMutex;
/// use spindle_core::sync::{BoundedSemaphore, ReleaseError};
///
/// let sem: BoundedSemaphore<SpinRawMutex> = BoundedSemaphore::new(1);
/// sem.try_acquire().unwrap().forget();   // Python: sem.acquire()
/// assert_eq!(sem.release(), Ok(()));     // Python: sem.release()
/// assert_eq!(sem.release(), Err(ReleaseError::OverRelease { max: 1 }));
///
/// let held = sem.try_acquire().unwrap(); // Python: `with sem:`
/// assert_eq!(sem.release(), Err(ReleaseError::OverRelease { max: 1 })); // the guard gives it back
/// drop(held);
/// assert_eq!(sem.available_permits(), 1);
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

    /// Waits for a permit asynchronously ([`Semaphore::acquire`]).
    pub async fn acquire(&self) -> Result<SemaphorePermit<'_, R>, AcquireError> {
        self.inner.acquire().await
    }

    /// Waits for a permit, blocking the thread ([`Semaphore::acquire_blocking`]).
    pub fn acquire_blocking(&self) -> Result<SemaphorePermit<'_, R>, AcquireError> {
        self.inner.acquire_blocking()
    }

    /// Waits at most `timeout` for a permit ([`Semaphore::acquire_timeout`]).
    #[cfg(feature = "std")]
    pub fn acquire_timeout(
        &self,
        timeout: core::time::Duration,
    ) -> Result<SemaphorePermit<'_, R>, AcquireTimeoutError> {
        self.inner.acquire_timeout(timeout)
    }

    /// Closes the semaphore ([`Semaphore::close`]).
    pub fn close(&self) -> bool {
        self.inner.close()
    }

    /// Gives back one permit taken earlier and [`forget`](SemaphorePermit::forget)-ten.
    /// Fails with [`ReleaseError::OverRelease`], changing nothing, if no forgotten
    /// permit is outstanding: all permits are free, or the taken ones are still
    /// held by guards (which give them back on drop).
    pub fn release(&self) -> Result<(), ReleaseError> {
        let mut f = self.inner.forgotten.load(Ordering::Acquire);
        loop {
            if f == 0 {
                return Err(ReleaseError::OverRelease {
                    max: self.inner.max,
                });
            }
            match self.inner.forgotten.compare_exchange_weak(
                f,
                f - 1,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => break,
                Err(now) => f = now,
            }
        }
        // free + forgotten + held <= max, and we just moved one from forgotten.
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
