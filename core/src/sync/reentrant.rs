//! [`ReentrantMutex`]: a lock its owner may take again while holding it. Recipe 12.4's
//! `threading.RLock`, used there so that one locked method can call another.

use core::cell::Cell;
use core::fmt;
use core::marker::PhantomData;
use core::ops::Deref;

use mutex_traits::{ConstInit, ScopedRawMutex};

use super::error::TryLockError;
#[cfg(feature = "std")]
use super::error::WaitTimeoutError;
use super::lock_core::LockCore;
use crate::context::{self, ContextId};
use crate::loom::{AtomicUsize, Ordering};

/// A mutual-exclusion lock that its current owner can lock again.
///
/// The owner is the running [`context`]: the OS thread under `std`, or what a
/// context hook names (e.g. the running task). A guard gives shared access (`&T`),
/// since the owner may hold several guards at once; put a `Cell` or `RefCell` inside
/// for mutation, as the SharedCounter example does.
///
/// ```
/// use core::cell::Cell;
/// use spindle_core::raw::ParkingRawMutex;
/// use spindle_core::sync::ReentrantMutex;
///
/// struct SharedCounter { lock: ReentrantMutex<ParkingRawMutex, Cell<i64>> }
///
/// impl SharedCounter {
///     fn incr(&self, delta: i64) {
///         let v = self.lock.lock_blocking();
///         v.set(v.get() + delta);
///     }
///     fn decr(&self, delta: i64) {
///         let _g = self.lock.lock_blocking();
///         self.incr(-delta); // locks again: fine for the owner
///     }
/// }
///
/// let c = SharedCounter { lock: ReentrantMutex::new(Cell::new(0)) };
/// c.incr(5);
/// c.decr(2);
/// assert_eq!(c.lock.lock_blocking().get(), 3);
/// ```
pub struct ReentrantMutex<R, T: ?Sized> {
    core: LockCore<R>,
    /// The owning context's id, or 0. Only the owner stores its own id, so a context
    /// that reads its own id here is the owner (the reasoning of std's
    /// `ReentrantLock`), and relaxed loads suffice.
    owner: AtomicUsize,
    /// Re-entry depth; only touched by the owner.
    depth: Cell<usize>,
    value: T,
}

// SAFETY: `depth` is only touched by the context holding `core`. The value is only
// reached through guards, which exist in one context at a time (guards are not
// `Send`), so `&T` moves between threads only in turn, ordered by the lock: that
// needs `T: Send`, not `T: Sync`, as with std's `ReentrantLock`.
unsafe impl<R: ScopedRawMutex + Sync, T: ?Sized + Send> Sync for ReentrantMutex<R, T> {}
// SAFETY: moving the mutex moves the `T`.
unsafe impl<R: ScopedRawMutex + Send, T: ?Sized + Send> Send for ReentrantMutex<R, T> {}

impl<R: ScopedRawMutex + ConstInit, T> ReentrantMutex<R, T> {
    loom_const_fn! {
        /// A new unlocked reentrant mutex holding `value`.
        pub fn new(value: T) -> Self {
            Self {
                core: LockCore::new(),
                owner: AtomicUsize::new(0),
                depth: Cell::new(0),
                value,
            }
        }
    }
}

impl<R: ScopedRawMutex, T> ReentrantMutex<R, T> {
    /// Consumes the mutex, returning the value.
    pub fn into_inner(self) -> T {
        self.value
    }
}

impl<R: ScopedRawMutex, T: ?Sized> ReentrantMutex<R, T> {
    #[inline]
    fn reenter(&self, me: ContextId) -> Option<ReentrantMutexGuard<'_, R, T>> {
        if self.owner.load(Ordering::Relaxed) == me.get() {
            // The owner's depth is bounded by its guards, which are bounded by memory;
            // saturating keeps the count sane even so.
            self.depth.set(self.depth.get().saturating_add(1));
            Some(ReentrantMutexGuard {
                mutex: self,
                _not_send: PhantomData,
            })
        } else {
            None
        }
    }

    #[inline]
    fn take(&self, me: ContextId) -> ReentrantMutexGuard<'_, R, T> {
        self.owner.store(me.get(), Ordering::Relaxed);
        self.depth.set(1);
        ReentrantMutexGuard {
            mutex: self,
            _not_send: PhantomData,
        }
    }

    /// Takes the lock if it is free or already held by this context.
    pub fn try_lock(&self) -> Result<ReentrantMutexGuard<'_, R, T>, TryLockError> {
        let me = context::current();
        if let Some(g) = self.reenter(me) {
            return Ok(g);
        }
        if self.core.try_lock() {
            Ok(self.take(me))
        } else {
            Err(TryLockError::WouldBlock)
        }
    }

    /// Waits for the lock asynchronously. The context is read when the future is
    /// first polled.
    pub async fn lock(&self) -> ReentrantMutexGuard<'_, R, T> {
        let me = context::current();
        if let Some(g) = self.reenter(me) {
            return g;
        }
        self.core.lock().await;
        // Read the context again: the future may have been polled elsewhere.
        self.take(context::current())
    }

    /// Waits for the lock, blocking the thread.
    pub fn lock_blocking(&self) -> ReentrantMutexGuard<'_, R, T> {
        let me = context::current();
        if let Some(g) = self.reenter(me) {
            return g;
        }
        self.core.lock_blocking();
        self.take(me)
    }

    /// Waits at most `timeout` for the lock.
    #[cfg(feature = "std")]
    pub fn lock_timeout(
        &self,
        timeout: core::time::Duration,
    ) -> Result<ReentrantMutexGuard<'_, R, T>, WaitTimeoutError> {
        let me = context::current();
        if let Some(g) = self.reenter(me) {
            return Ok(g);
        }
        if self.core.spin_try_lock() {
            return Ok(self.take(me));
        }
        crate::wait::block_on_timeout(self.core.lock(), timeout)
            .map(|()| self.take(me))
            .ok_or(WaitTimeoutError::TimedOut)
    }

    /// Whether some context holds the lock now (a snapshot).
    pub fn is_locked(&self) -> bool {
        self.core.is_locked()
    }

    /// Whether the calling context holds the lock.
    pub fn is_owned_by_current(&self) -> bool {
        self.owner.load(Ordering::Relaxed) == context::current().get()
    }
}

impl<R: ScopedRawMutex, T: ?Sized + fmt::Debug> fmt::Debug for ReentrantMutex<R, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("ReentrantMutex");
        match self.try_lock() {
            Ok(g) => d.field("value", &&*g),
            Err(_) => d.field("value", &format_args!("<locked>")),
        };
        d.finish_non_exhaustive()
    }
}

/// Shared access to a [`ReentrantMutex`]'s value; the lock is released when the
/// owner's last guard is dropped.
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct ReentrantMutexGuard<'a, R: ScopedRawMutex, T: ?Sized> {
    mutex: &'a ReentrantMutex<R, T>,
    /// Ownership belongs to the context that locked: the guard must stay there.
    _not_send: PhantomData<*const ()>,
}

// SAFETY: `&guard` only gives `&T`.
unsafe impl<R: ScopedRawMutex + Sync, T: ?Sized + Sync> Sync for ReentrantMutexGuard<'_, R, T> {}

impl<R: ScopedRawMutex, T: ?Sized> Deref for ReentrantMutexGuard<'_, R, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.mutex.value
    }
}

impl<R: ScopedRawMutex, T: ?Sized> Drop for ReentrantMutexGuard<'_, R, T> {
    fn drop(&mut self) {
        let m = self.mutex;
        let depth = m.depth.get() - 1;
        m.depth.set(depth);
        if depth == 0 {
            m.owner.store(0, Ordering::Relaxed);
            m.core.unlock();
        }
    }
}

impl<R: ScopedRawMutex, T: ?Sized + fmt::Debug> fmt::Debug for ReentrantMutexGuard<'_, R, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}
