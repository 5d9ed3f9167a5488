//! Error values of the synchronization primitives. None of them is ever a panic:
//! every failure is one of these, and a value that could not be delivered comes back.

use core::fmt;

macro_rules! impl_error {
    ($($t:ty),* $(,)?) => {$(
        #[cfg(feature = "std")]
        impl std::error::Error for $t {}
    )*};
}

/// A `try_lock` found the lock held.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TryLockError {
    /// Another owner holds the lock; locking now would have to wait.
    WouldBlock,
}

impl fmt::Display for TryLockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the lock is held elsewhere")
    }
}

/// A `try_acquire` found no permit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TryAcquireError {
    /// All permits are taken; acquiring now would have to wait.
    NoPermits,
    /// The semaphore was closed: no permit will be handed out again.
    Closed,
}

impl fmt::Display for TryAcquireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryAcquireError::NoPermits => f.write_str("no permit is available"),
            TryAcquireError::Closed => f.write_str("the semaphore is closed"),
        }
    }
}

/// An `acquire` (async or blocking) of a closed semaphore.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AcquireError {
    /// The semaphore was closed before a permit came.
    Closed,
}

impl fmt::Display for AcquireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the semaphore is closed")
    }
}

/// An `acquire_timeout` gave up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AcquireTimeoutError {
    /// The timeout elapsed before a permit came.
    TimedOut,
    /// The semaphore was closed before a permit came.
    Closed,
}

impl fmt::Display for AcquireTimeoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AcquireTimeoutError::TimedOut => f.write_str("timed out"),
            AcquireTimeoutError::Closed => f.write_str("the semaphore is closed"),
        }
    }
}

/// A blocking call with a timeout gave up before what it waited for happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum WaitTimeoutError {
    /// The timeout elapsed.
    TimedOut,
}

impl fmt::Display for WaitTimeoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("timed out")
    }
}

/// Releasing would have raised a bounded count past its limit (Python's
/// `BoundedSemaphore` raises `ValueError` here).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReleaseError {
    /// The semaphore already holds its maximum number of permits, or (for a
    /// [`BoundedSemaphore`](super::BoundedSemaphore)) no forgotten permit is
    /// outstanding to give back.
    OverRelease {
        /// The semaphore's maximum.
        max: usize,
    },
    /// The count cannot grow further without overflowing.
    Overflow,
}

impl fmt::Display for ReleaseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReleaseError::OverRelease { max } => {
                write!(
                    f,
                    "released more times than acquired (maximum {max} permits)"
                )
            }
            ReleaseError::Overflow => f.write_str("the count would overflow"),
        }
    }
}

/// A [`WaitGroup`](super::WaitGroup) was marked done more times than work was added.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum WaitGroupError {
    /// `done` with a count of zero.
    Underflow,
    /// `add` would overflow the count.
    Overflow,
}

impl fmt::Display for WaitGroupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WaitGroupError::Underflow => {
                f.write_str("done() called more times than work was added")
            }
            WaitGroupError::Overflow => f.write_str("the wait group's count would overflow"),
        }
    }
}

impl_error!(
    TryLockError,
    TryAcquireError,
    AcquireError,
    AcquireTimeoutError,
    WaitTimeoutError,
    ReleaseError,
    WaitGroupError,
);
