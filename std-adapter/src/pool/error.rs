//! The pool's errors: a pool that could not be built ([`BuildError`]), a
//! submission refused with its closure handed back ([`SubmitError`]), and a task
//! handle with no value to give ([`TaskError`]) (recipe 12.7).

use std::fmt;
use std::io;

/// A pool could not be built.
#[derive(Debug)]
#[non_exhaustive]
pub enum BuildError {
    /// A pool needs at least one worker.
    ZeroWorkers,
    /// A bounded queue needs room for at least one task.
    ZeroCapacity,
    /// The operating system refused to start a worker thread.
    Spawn(io::Error),
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ZeroWorkers => f.write_str("a thread pool needs at least one worker"),
            Self::ZeroCapacity => {
                f.write_str("a bounded submission queue needs a capacity of at least one")
            }
            Self::Spawn(e) => write!(f, "could not start a worker thread: {e}"),
        }
    }
}

impl std::error::Error for BuildError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Spawn(e) => Some(e),
            _ => None,
        }
    }
}

/// A submission was refused; the closure comes back.
#[non_exhaustive]
pub enum SubmitError<F> {
    /// The bounded queue is full (policy [`FullPolicy::Reject`](super::FullPolicy::Reject), `try_submit`, or a
    /// timed-out `submit_timeout`).
    Full(F),
    /// The pool has been shut down.
    ShutDown(F),
}

impl<F> SubmitError<F> {
    /// The closure that was not submitted.
    ///
    /// ```
    /// use spindle_std::pool::ThreadPool;
    /// let pool = ThreadPool::new(1).unwrap();
    /// pool.shutdown(spindle_std::pool::Shutdown::wait());
    /// let f = pool.submit(|| 3).unwrap_err().into_inner();
    /// assert_eq!(f(), 3);
    /// ```
    pub fn into_inner(self) -> F {
        match self {
            Self::Full(f) | Self::ShutDown(f) => f,
        }
    }
}

impl<F> fmt::Debug for SubmitError<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Full(_) => f.write_str("Full(..)"),
            Self::ShutDown(_) => f.write_str("ShutDown(..)"),
        }
    }
}

impl<F> fmt::Display for SubmitError<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Full(_) => f.write_str("the pool's submission queue is full"),
            Self::ShutDown(_) => f.write_str("the pool has been shut down"),
        }
    }
}

impl<F> std::error::Error for SubmitError<F> {}

/// Why a task's handle has no value to give.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TaskError {
    /// The task panicked; the panic's message (the worker survived).
    Panicked(String),
    /// The task was cancelled before it started (by [`TaskHandle::cancel`](super::TaskHandle::cancel) or by a
    /// shutdown that cancelled pending work): Python's `CancelledError`.
    Cancelled,
    /// A wait with a timeout gave up; the task goes on and can still be waited for.
    TimedOut,
    /// The value was already taken through this handle (e.g. by an earlier
    /// [`result_timeout`](super::TaskHandle::result_timeout)).
    Taken,
    /// [`ThreadPool::map_slice`](super::ThreadPool::map_slice) or
    /// [`map_range`](super::ThreadPool::map_range) could not allocate its output of
    /// this many values (Python's `MemoryError`); no task was started.
    OutputTooLarge(usize),
    /// The task ran in a worker process (a [`ProcessPool`](crate::process::ProcessPool))
    /// and failed there without a value: the worker died (how is said), ran past its
    /// timeout, or could not decode the argument or encode the result.
    #[cfg(unix)]
    Worker(crate::process::WorkerError),
}

impl fmt::Display for TaskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Panicked(msg) => write!(f, "the task panicked: {msg}"),
            Self::Cancelled => f.write_str("the task was cancelled before it started"),
            Self::TimedOut => f.write_str("timed out waiting for the task"),
            Self::Taken => f.write_str("the task's result was already taken"),
            Self::OutputTooLarge(n) => {
                write!(f, "could not allocate the map's output of {n} values")
            }
            #[cfg(unix)]
            Self::Worker(e) => write!(f, "the task failed in its worker process: {e}"),
        }
    }
}

impl std::error::Error for TaskError {}
