//! [`Condvar`]: wait until a condition on lock-protected state holds, releasing the
//! lock while waiting. Recipe 12.2's `threading.Condition` and its `wait_for`, the
//! basis of the book's `PeriodicTimer`.

use core::fmt;
use core::future::poll_fn;
use core::pin::pin;

use mutex_traits::{ConstInit, ScopedRawMutex};

#[cfg(feature = "std")]
use super::error::WaitTimeoutError;
use super::mutex::MutexGuard;
use crate::wait::WaitList;

/// A condition variable for spindle's [`Mutex`](super::Mutex).
///
/// [`wait_until`](Self::wait_until) takes the guard, checks the predicate, and while
/// it is false joins the wait list *before* releasing the lock, so a notification
/// sent between the unlock and the wait is not lost. It returns with the lock held
/// again and the predicate true: no spurious wake-ups reach the caller.
///
/// ```
/// use spindle_core::raw::ParkingRawMutex;
/// use spindle_core::sync::{Condvar, Mutex};
///
/// static TICKS: Mutex<ParkingRawMutex, u32> = Mutex::new(0);
/// static TICKED: Condvar<ParkingRawMutex> = Condvar::new();
///
/// let t = std::thread::spawn(|| {
///     for _ in 0..3 {
///         *TICKS.lock_blocking() += 1;
///         TICKED.notify_all();
///     }
/// });
/// let ticks = TICKED.wait_until_blocking(TICKS.lock_blocking(), |n| *n >= 3);
/// assert_eq!(*ticks, 3);
/// drop(ticks);
/// t.join().unwrap();
/// ```
pub struct Condvar<R> {
    waiters: WaitList<R>,
}

impl<R: ScopedRawMutex + ConstInit> Condvar<R> {
    loom_const_fn! {
        /// A new condition variable.
        pub fn new() -> Self {
            Self {
                waiters: WaitList::new(),
            }
        }
    }
}

impl<R: ScopedRawMutex + ConstInit> Default for Condvar<R> {
    fn default() -> Self {
        Self::new()
    }
}

impl<R: ScopedRawMutex> Condvar<R> {
    /// Wakes the longest waiter. If its future is dropped before it re-locks, the
    /// next waiter is woken instead.
    pub fn notify_one(&self) {
        self.waiters.wake_one();
    }

    /// Wakes every waiter.
    pub fn notify_all(&self) {
        self.waiters.wake_all();
    }

    /// Releases the lock, waits for one notification, and re-locks.
    pub async fn wait<'m, M: ScopedRawMutex, T: ?Sized>(
        &self,
        guard: MutexGuard<'m, M, T>,
    ) -> MutexGuard<'m, M, T> {
        let mutex = MutexGuard::mutex(&guard);
        let mut waiter = pin!(self.waiters.waiter());
        waiter.as_mut().register();
        drop(guard);
        poll_fn(|cx| waiter.as_mut().poll_wait(cx, || false)).await;
        // The wake-up is consumed; if this future is dropped while re-locking, pass it
        // on, or a `notify_one` meant for some waiter would be lost. (One extra wake
        // after a `notify_all` is harmless: waiters re-check their condition.)
        let pass_on = PassOnDrop(self);
        let guard = mutex.lock().await;
        core::mem::forget(pass_on);
        guard
    }

    /// Waits until `condition` holds for the guarded value, releasing the lock while
    /// waiting (Python's `Condition.wait_for`).
    pub async fn wait_until<'m, M: ScopedRawMutex, T: ?Sized>(
        &self,
        mut guard: MutexGuard<'m, M, T>,
        mut condition: impl FnMut(&mut T) -> bool,
    ) -> MutexGuard<'m, M, T> {
        while !condition(&mut guard) {
            guard = self.wait(guard).await;
        }
        guard
    }

    /// [`wait_until`](Self::wait_until), blocking the thread.
    pub fn wait_until_blocking<'m, M: ScopedRawMutex, T: ?Sized>(
        &self,
        guard: MutexGuard<'m, M, T>,
        condition: impl FnMut(&mut T) -> bool,
    ) -> MutexGuard<'m, M, T> {
        crate::wait::block_on(self.wait_until(guard, condition))
    }

    /// [`wait_until`](Self::wait_until) for at most `timeout`. Always returns the
    /// guard, locked; the result says whether the condition was met in time.
    #[cfg(feature = "std")]
    pub fn wait_until_timeout<'m, M: ScopedRawMutex, T: ?Sized>(
        &self,
        mut guard: MutexGuard<'m, M, T>,
        mut condition: impl FnMut(&mut T) -> bool,
        timeout: core::time::Duration,
    ) -> (MutexGuard<'m, M, T>, Result<(), WaitTimeoutError>) {
        let deadline = std::time::Instant::now().checked_add(timeout);
        let mutex = MutexGuard::mutex(&guard);
        loop {
            if condition(&mut guard) {
                return (guard, Ok(()));
            }
            let Some(deadline) = deadline else {
                return (self.wait_until_blocking(guard, condition), Ok(()));
            };
            let notified = {
                let mut waiter = pin!(self.waiters.waiter());
                waiter.as_mut().register();
                drop(guard);
                crate::wait::block_on_deadline(
                    poll_fn(|cx| waiter.as_mut().poll_wait(cx, || false)),
                    deadline,
                )
                .is_some()
            };
            guard = mutex.lock_blocking();
            if !notified {
                let met = condition(&mut guard);
                return (
                    guard,
                    if met {
                        Ok(())
                    } else {
                        Err(WaitTimeoutError::TimedOut)
                    },
                );
            }
        }
    }
}

/// Wakes the next waiter when dropped (see [`Condvar::wait`]).
struct PassOnDrop<'a, R: ScopedRawMutex>(&'a Condvar<R>);

impl<R: ScopedRawMutex> Drop for PassOnDrop<'_, R> {
    fn drop(&mut self) {
        self.0.notify_one();
    }
}

impl<R> fmt::Debug for Condvar<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Condvar").finish_non_exhaustive()
    }
}
