//! The error values shared by everything that passes values: a [`Oneshot`]
//! slot and the queues. Sending hands your value back on every failure; receiving
//! says why there was no value. Nothing is dropped silently.
//!
//! [`Oneshot`]: crate::sync::Oneshot

use core::fmt;

/// A value could not be sent; it comes back inside the error.
///
/// Which variants a call can return is in its docs: `try_send` gives `Full` or
/// `Closed`, an async or blocking send only `Closed`, a timed one `TimedOut` or
/// `Closed`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum SendError<T> {
    /// No room (a full queue, or a slot that already holds a value).
    Full(T),
    /// The receiving side is closed: it will never take this value.
    Closed(T),
    /// The timeout elapsed before there was room.
    TimedOut(T),
}

impl<T> SendError<T> {
    /// The value that was not sent.
    pub fn into_inner(self) -> T {
        match self {
            SendError::Full(v) | SendError::Closed(v) | SendError::TimedOut(v) => v,
        }
    }

    /// Whether the other side is closed (the value can never be sent).
    pub fn is_closed(&self) -> bool {
        matches!(self, SendError::Closed(_))
    }
}

impl<T> fmt::Debug for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SendError::Full(_) => f.write_str("Full(..)"),
            SendError::Closed(_) => f.write_str("Closed(..)"),
            SendError::TimedOut(_) => f.write_str("TimedOut(..)"),
        }
    }
}

impl<T> fmt::Display for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SendError::Full(_) => f.write_str("no room: the value was not sent"),
            SendError::Closed(_) => f.write_str("closed: the value was not sent"),
            SendError::TimedOut(_) => f.write_str("timed out: the value was not sent"),
        }
    }
}

#[cfg(feature = "std")]
impl<T> std::error::Error for SendError<T> {}

/// Why a receive gave no value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RecvError {
    /// Nothing to take yet (only from `try_recv`).
    Empty,
    /// Closed, and everything that was sent has been taken: no value will come.
    Closed,
    /// The timeout elapsed (only from `recv_timeout`).
    TimedOut,
}

impl fmt::Display for RecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecvError::Empty => f.write_str("nothing to receive yet"),
            RecvError::Closed => f.write_str("closed: no value will come"),
            RecvError::TimedOut => f.write_str("timed out"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for RecvError {}
