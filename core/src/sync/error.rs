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
}

impl fmt::Display for TryAcquireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("no permit is available")
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
    /// The semaphore already holds its maximum number of permits.
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

/// A [`Oneshot`](super::Oneshot) could not take a value; the value comes back.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum SendError<T> {
    /// The slot already holds (or held) a value.
    Full(T),
    /// The slot was closed.
    Closed(T),
}

impl<T> SendError<T> {
    /// The value that was not sent.
    pub fn into_inner(self) -> T {
        match self {
            SendError::Full(v) | SendError::Closed(v) => v,
        }
    }
}

impl<T> fmt::Debug for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SendError::Full(_) => f.write_str("Full(..)"),
            SendError::Closed(_) => f.write_str("Closed(..)"),
        }
    }
}

impl<T> fmt::Display for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SendError::Full(_) => f.write_str("the slot already holds a value"),
            SendError::Closed(_) => f.write_str("the slot is closed"),
        }
    }
}

#[cfg(feature = "std")]
impl<T> std::error::Error for SendError<T> {}

/// Why a [`Oneshot`](super::Oneshot) gave no value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RecvError {
    /// No value yet (only from `try_recv`).
    Empty,
    /// The slot was closed without a value, or its value was already taken.
    Closed,
    /// The timeout elapsed (only from `recv_timeout`).
    TimedOut,
}

impl fmt::Display for RecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecvError::Empty => f.write_str("no value yet"),
            RecvError::Closed => f.write_str("the slot is closed or its value was taken"),
            RecvError::TimedOut => f.write_str("timed out"),
        }
    }
}

impl_error!(
    TryLockError,
    TryAcquireError,
    WaitTimeoutError,
    ReleaseError,
    WaitGroupError,
    RecvError
);
