//! [`Notify`]: wake one waiting context, or all of them, with no data attached. The
//! signalling half of recipe 12.2's `threading.Condition` (`notify`, `notify_all`),
//! for code that keeps its state elsewhere; [`Condvar`](super::Condvar) pairs it
//! with a lock.

use core::fmt;
use core::future::poll_fn;
use core::pin::{pin, Pin};

use mutex_traits::{ConstInit, ScopedRawMutex};

#[cfg(feature = "std")]
use super::error::WaitTimeoutError;
use crate::loom::{AtomicUsize, Ordering};
use crate::wait::{WaitList, Waiter};

const NOTIFIED: usize = 1;
const WAITERS: usize = 2;

/// Wakes waiting contexts on demand.
///
/// [`notify_one`](Self::notify_one) wakes the longest waiter or, if nobody waits,
/// stores one permit that the next [`notified`](Self::notified) consumes at once
/// (so a notification sent just before someone starts waiting is not lost).
/// [`notify_all`](Self::notify_all) wakes everyone waiting now and stores nothing.
///
/// ```
/// use spindle_core::raw::ParkingRawMutex;
/// use spindle_core::sync::Notify;
///
/// static WORK: Notify<ParkingRawMutex> = Notify::new();
/// let t = std::thread::spawn(|| WORK.notified_blocking());
/// WORK.notify_one();
/// t.join().unwrap();
/// ```
pub struct Notify<R> {
    state: AtomicUsize,
    waiters: WaitList<R>,
}

impl<R: ScopedRawMutex + ConstInit> Notify<R> {
    loom_const_fn! {
        /// A new notifier with no stored permit.
        pub fn new() -> Self {
            Self {
                state: AtomicUsize::new(0),
                waiters: WaitList::new(),
            }
        }
    }
}

impl<R: ScopedRawMutex + ConstInit> Default for Notify<R> {
    fn default() -> Self {
        Self::new()
    }
}

/// Passes on a hand-off that a dropped `notified()` future received but never used.
struct ForwardOnDrop<'n, 'w, R: ScopedRawMutex> {
    notify: &'n Notify<R>,
    waiter: Pin<&'w mut Waiter<'n, R>>,
}

impl<R: ScopedRawMutex> Drop for ForwardOnDrop<'_, '_, R> {
    fn drop(&mut self) {
        if self.waiter.as_mut().cancel() {
            self.notify.notify_one();
        }
    }
}

impl<R: ScopedRawMutex> Notify<R> {
    /// Wakes the longest waiter, or stores a permit if nobody waits.
    pub fn notify_one(&self) {
        let mut s = self.state.load(Ordering::Relaxed);
        loop {
            if s & WAITERS == 0 {
                if s & NOTIFIED != 0 {
                    return;
                }
                match self.state.compare_exchange_weak(
                    s,
                    s | NOTIFIED,
                    Ordering::Release,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => return,
                    Err(now) => s = now,
                }
            } else {
                if self.waiters.wake_one_or(|| {
                    self.state.fetch_and(!WAITERS, Ordering::Relaxed);
                }) {
                    return;
                }
                s = self.state.load(Ordering::Relaxed);
            }
        }
    }

    /// Wakes every context waiting now. Stores no permit.
    pub fn notify_all(&self) {
        if self.state.load(Ordering::Relaxed) & WAITERS != 0 {
            self.waiters.wake_all_or(|| {
                self.state.fetch_and(!WAITERS, Ordering::Relaxed);
            });
        }
    }

    fn take_permit(&self) -> bool {
        let s = self.state.load(Ordering::Relaxed);
        s & NOTIFIED != 0
            && self
                .state
                .compare_exchange(s, s & !NOTIFIED, Ordering::Acquire, Ordering::Relaxed)
                .is_ok()
    }

    /// Waits for a notification (or consumes a stored permit).
    pub async fn notified(&self) {
        if self.take_permit() {
            return;
        }
        let waiter = pin!(self.waiters.waiter());
        let mut guard = ForwardOnDrop {
            notify: self,
            waiter,
        };
        poll_fn(|cx| {
            guard.waiter.as_mut().poll_wait(cx, || {
                let mut s = self.state.load(Ordering::Relaxed);
                loop {
                    let (next, ready) = if s & NOTIFIED != 0 {
                        (s & !NOTIFIED, true)
                    } else {
                        (s | WAITERS, false)
                    };
                    match self.state.compare_exchange_weak(
                        s,
                        next,
                        Ordering::Acquire,
                        Ordering::Relaxed,
                    ) {
                        Ok(_) => return ready,
                        Err(now) => s = now,
                    }
                }
            })
        })
        .await
    }

    /// Waits for a notification, blocking the thread.
    pub fn notified_blocking(&self) {
        if !self.take_permit() {
            crate::wait::block_on(self.notified());
        }
    }

    /// Waits at most `timeout` for a notification.
    #[cfg(feature = "std")]
    pub fn notified_timeout(&self, timeout: core::time::Duration) -> Result<(), WaitTimeoutError> {
        if self.take_permit() {
            return Ok(());
        }
        crate::wait::block_on_timeout(self.notified(), timeout).ok_or(WaitTimeoutError::TimedOut)
    }
}

impl<R> fmt::Debug for Notify<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Notify")
            .field(
                "permit",
                &(self.state.load(Ordering::Relaxed) & NOTIFIED != 0),
            )
            .finish_non_exhaustive()
    }
}
