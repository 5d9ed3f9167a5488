//! [`Mutex`]: mutual exclusion with a guard, held for as long as you like (across
//! `.await` too), acquired by trying, awaiting or blocking. Recipe 12.4's
//! `threading.Lock` and its `with lock:` block.

use core::cell::UnsafeCell;
use core::fmt;
use core::ops::{Deref, DerefMut};

use mutex_traits::{ConstInit, ScopedRawMutex};

use super::error::TryLockError;
#[cfg(feature = "std")]
use super::error::WaitTimeoutError;
use super::lock_core::LockCore;

/// A mutual-exclusion lock protecting a `T`.
///
/// The lock itself is two atomic words (held, waiting): an uncontended `lock` is one
/// compare-exchange, and an uncontended `unlock` a release store and a load (on
/// Linux with `std`, where the waiter about to park pays a `membarrier` instead, no
/// locked instruction at all; elsewhere a store, a fence and a load). `R` is the
/// raw exclusion that guards the list of waiters (see [`crate::raw`]); with
/// [`CriticalSectionRawMutex`](crate::raw::CriticalSectionRawMutex) an interrupt
/// handler may `try_lock` it.
///
/// | Python | spindle |
/// |---|---|
/// | `lock.acquire(blocking=False)` | [`try_lock`](Self::try_lock) |
/// | `with lock:` | [`lock_blocking`](Self::lock_blocking) (guard) or [`with_lock`](Self::with_lock) (closure) |
/// | `lock.acquire(timeout=t)` | [`lock_timeout`](Self::lock_timeout) |
/// | (asyncio) `async with lock:` | [`lock`](Self::lock)`.await` |
///
/// ```
/// use spindle_core::raw::SpinRawMutex;
/// use spindle_core::sync::Mutex;
///
/// static COUNT: Mutex<SpinRawMutex, u64> = Mutex::new(0);
///
/// std::thread::scope(|s| {
///     for _ in 0..4 {
///         s.spawn(|| {
///             for _ in 0..1000 {
///                 *COUNT.lock_blocking() += 1;
///             }
///         });
///     }
/// });
/// assert_eq!(COUNT.with_lock(|n| *n), 4000);
/// ```
pub struct Mutex<R, T: ?Sized> {
    core: LockCore<R>,
    value: UnsafeCell<T>,
}

// SAFETY: the mutex hands out `&mut T` to one owner at a time, so it may be shared
// when `T` may be sent; its waiter list is as shareable as `R`.
unsafe impl<R: ScopedRawMutex + Sync, T: ?Sized + Send> Sync for Mutex<R, T> {}
// SAFETY: moving the mutex moves the `T`.
unsafe impl<R: ScopedRawMutex + Send, T: ?Sized + Send> Send for Mutex<R, T> {}

impl<R: ScopedRawMutex + ConstInit, T> Mutex<R, T> {
    loom_const_fn! {
        /// A new unlocked mutex holding `value`. `const`, so it can initialise a
        /// `static`.
        pub fn new(value: T) -> Self {
            Self {
                core: LockCore::new(),
                value: UnsafeCell::new(value),
            }
        }
    }
}

impl<R: ScopedRawMutex, T> Mutex<R, T> {
    /// Consumes the mutex, returning the value.
    pub fn into_inner(self) -> T {
        self.value.into_inner()
    }
}

impl<R: ScopedRawMutex, T: ?Sized> Mutex<R, T> {
    /// Takes the lock if it is free, without waiting.
    ///
    /// ```
    /// # use spindle_core::{raw::SpinRawMutex, sync::{Mutex, TryLockError}};
    /// let m: Mutex<SpinRawMutex, i32> = Mutex::new(1);
    /// let g = m.try_lock().unwrap();
    /// assert_eq!(m.try_lock().err(), Some(TryLockError::WouldBlock));
    /// drop(g);
    /// ```
    #[inline]
    pub fn try_lock(&self) -> Result<MutexGuard<'_, R, T>, TryLockError> {
        if self.core.try_lock() {
            Ok(MutexGuard { mutex: self })
        } else {
            Err(TryLockError::WouldBlock)
        }
    }

    /// Waits for the lock asynchronously. Dropping the future before it completes
    /// gives up the place in line and leaves the mutex consistent.
    pub async fn lock(&self) -> MutexGuard<'_, R, T> {
        self.core.lock().await;
        MutexGuard { mutex: self }
    }

    /// Waits for the lock, blocking the thread: a short spin, then the thread parks
    /// (`std`) or keeps spinning (bare metal).
    #[inline]
    pub fn lock_blocking(&self) -> MutexGuard<'_, R, T> {
        self.core.lock_blocking();
        MutexGuard { mutex: self }
    }

    /// Waits at most `timeout` for the lock.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use spindle_core::{raw::ParkingRawMutex, sync::{Mutex, WaitTimeoutError}};
    /// let m: Mutex<ParkingRawMutex, ()> = Mutex::new(());
    /// let _held = m.lock_blocking();
    /// assert_eq!(m.lock_timeout(Duration::from_millis(5)).err(), Some(WaitTimeoutError::TimedOut));
    /// ```
    #[cfg(feature = "std")]
    pub fn lock_timeout(
        &self,
        timeout: core::time::Duration,
    ) -> Result<MutexGuard<'_, R, T>, WaitTimeoutError> {
        if self.core.spin_try_lock() {
            return Ok(MutexGuard { mutex: self });
        }
        crate::wait::block_on_timeout(self.core.lock(), timeout)
            .map(|()| MutexGuard { mutex: self })
            .ok_or(WaitTimeoutError::TimedOut)
    }

    /// Runs `f` with the lock held (blocking to take it) and returns its result:
    /// Python's `with lock:` block.
    #[inline]
    pub fn with_lock<U>(&self, f: impl FnOnce(&mut T) -> U) -> U {
        f(&mut self.lock_blocking())
    }

    /// Runs `f` with the lock held if it is free now.
    #[inline]
    pub fn try_with_lock<U>(&self, f: impl FnOnce(&mut T) -> U) -> Result<U, TryLockError> {
        self.try_lock().map(|mut g| f(&mut g))
    }

    /// Whether the lock is held now (a snapshot).
    #[inline]
    pub fn is_locked(&self) -> bool {
        self.core.is_locked()
    }

    /// The value, through exclusive access to the mutex: no locking needed.
    pub fn get_mut(&mut self) -> &mut T {
        self.value.get_mut()
    }
}

impl<R: ScopedRawMutex + ConstInit, T: Default> Default for Mutex<R, T> {
    fn default() -> Self {
        Self::new(T::default())
    }
}

impl<R: ScopedRawMutex, T: ?Sized + fmt::Debug> fmt::Debug for Mutex<R, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Mutex");
        match self.try_lock() {
            Ok(g) => d.field("value", &&*g),
            Err(_) => d.field("value", &format_args!("<locked>")),
        };
        d.finish_non_exhaustive()
    }
}

/// Exclusive access to a [`Mutex`]'s value; unlocks when dropped.
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct MutexGuard<'a, R: ScopedRawMutex, T: ?Sized> {
    mutex: &'a Mutex<R, T>,
}

// SAFETY: a guard gives `&T` through `&guard`, so sharing it needs `T: Sync`.
unsafe impl<R: ScopedRawMutex + Sync, T: ?Sized + Sync> Sync for MutexGuard<'_, R, T> {}

impl<'a, R: ScopedRawMutex, T: ?Sized> MutexGuard<'a, R, T> {
    /// The mutex this guard locks (e.g. to wait on a condition and re-lock it).
    pub fn mutex(this: &Self) -> &'a Mutex<R, T> {
        this.mutex
    }
}

impl<R: ScopedRawMutex, T: ?Sized> Deref for MutexGuard<'_, R, T> {
    type Target = T;
    #[inline]
    fn deref(&self) -> &T {
        // SAFETY: the guard proves the lock is held, so no `&mut T` exists elsewhere.
        unsafe { &*self.mutex.value.get() }
    }
}

impl<R: ScopedRawMutex, T: ?Sized> DerefMut for MutexGuard<'_, R, T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the guard proves the lock is held and is borrowed mutably, so this
        // is the only reference to the value.
        unsafe { &mut *self.mutex.value.get() }
    }
}

impl<R: ScopedRawMutex, T: ?Sized> Drop for MutexGuard<'_, R, T> {
    #[inline]
    fn drop(&mut self) {
        self.mutex.core.unlock();
    }
}

impl<R: ScopedRawMutex, T: ?Sized + fmt::Debug> fmt::Debug for MutexGuard<'_, R, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<R: ScopedRawMutex, T: ?Sized + fmt::Display> fmt::Display for MutexGuard<'_, R, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}
