//! Shutting a [`ThreadPool`] down (Python's `shutdown(wait, cancel_futures)`), with a
//! named [`Shutdown`] option instead of two bare booleans.

use std::thread;

use super::ThreadPool;

/// How [`ThreadPool::shutdown`] ends the pool: whether it waits for the workers,
/// and whether tasks still queued are cancelled or run. Python's
/// `shutdown(wait=True, cancel_futures=False)`, spelled out.
///
/// | Python | spindle |
/// |---|---|
/// | `shutdown()` / `shutdown(wait=True)` | `Shutdown::wait()` (also the `Default`, and what dropping the pool does) |
/// | `shutdown(wait=False)` | `Shutdown::no_wait()` |
/// | `shutdown(cancel_futures=True)` | `Shutdown::wait().cancel_pending()` |
/// | `shutdown(wait=False, cancel_futures=True)` | `Shutdown::no_wait().cancel_pending()` |
///
/// ```
/// use spindle_std::pool::Shutdown;
///
/// let s = Shutdown::no_wait().cancel_pending();
/// assert!(!s.waits() && s.cancels_pending());
/// assert_eq!(Shutdown::default(), Shutdown::wait());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Shutdown {
    wait: bool,
    cancel_pending: bool,
}

impl Shutdown {
    /// Return once every worker has finished and been joined; queued tasks run.
    pub const fn wait() -> Self {
        Self {
            wait: true,
            cancel_pending: false,
        }
    }

    /// Return at once; the workers finish on their own; queued tasks run.
    pub const fn no_wait() -> Self {
        Self {
            wait: false,
            cancel_pending: false,
        }
    }

    /// Also cancel every task still in the queue (its handle gives
    /// [`TaskError::Cancelled`](super::TaskError::Cancelled)); running tasks finish.
    pub const fn cancel_pending(self) -> Self {
        Self {
            cancel_pending: true,
            ..self
        }
    }

    /// Whether the shutdown waits for the workers.
    pub const fn waits(&self) -> bool {
        self.wait
    }

    /// Whether the shutdown cancels the tasks still queued.
    pub const fn cancels_pending(&self) -> bool {
        self.cancel_pending
    }
}

impl Default for Shutdown {
    fn default() -> Self {
        Self::wait()
    }
}

impl ThreadPool {
    /// Shuts the pool down as `how` says (Python's `shutdown(wait, cancel_futures)`):
    /// later submissions are refused, and a submitter waiting for room in a bounded
    /// queue is woken and refused at once ([`SubmitError::ShutDown`](super::SubmitError::ShutDown));
    /// with [`cancel_pending`](Shutdown::cancel_pending), every task still in the
    /// queue is cancelled, otherwise the workers run them all; with
    /// [`Shutdown::wait`], returns once every worker has finished and been joined.
    /// Either way every handle resolves. Calling it again is harmless. Called from
    /// one of the pool's own tasks, it does not wait for that task's worker.
    ///
    /// ```
    /// use spindle_std::pool::{Shutdown, ThreadPool};
    ///
    /// let pool = ThreadPool::new(2).unwrap();
    /// let handles: Vec<_> = (0..8).map(|n| pool.submit(move || n).unwrap()).collect();
    /// pool.shutdown(Shutdown::wait()); // runs all eight
    /// assert!(handles.iter().all(|h| h.is_done()));
    /// assert!(pool.submit(|| 0).is_err());
    /// ```
    pub fn shutdown(&self, how: Shutdown) {
        self.shared.close();
        if let Some(room) = &self.shared.room {
            room.close();
        }
        if how.cancel_pending {
            self.shared.cancel_queued();
        }
        if how.wait {
            self.join_workers();
        }
    }

    /// Joins every worker except the calling thread.
    fn join_workers(&self) {
        let me = thread::current().id();
        let mut threads = self.threads.lock_blocking();
        let mut mine = Vec::new();
        for h in threads.drain(..) {
            if h.thread().id() == me {
                mine.push(h);
            } else {
                // A worker cannot panic (tasks and callbacks are caught).
                let _ = h.join();
            }
        }
        *threads = mine;
    }
}

impl Drop for ThreadPool {
    fn drop(&mut self) {
        self.shutdown(Shutdown::wait());
    }
}
