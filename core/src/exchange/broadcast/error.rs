//! Errors of the [`Broadcast`](super::Broadcast) flavour, exact per call.

use core::fmt;

/// A message could not be published; it comes back inside the error.
///
/// `Debug` does not print the message (so `.unwrap()` works for any `T`, as with
/// `std::sync::mpsc::SendError`); take it back with [`into_inner`](Self::into_inner).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum BroadcastSendError<T> {
    /// Nobody is subscribed: nobody would ever see the message (tokio's
    /// `broadcast::Sender::send` refuses it the same way).
    NoReceivers(T),
    /// The broadcast was closed.
    Closed(T),
}

impl<T> BroadcastSendError<T> {
    /// The message that was not published.
    pub fn into_inner(self) -> T {
        match self {
            Self::NoReceivers(v) | Self::Closed(v) => v,
        }
    }
}

impl<T> fmt::Debug for BroadcastSendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::NoReceivers(_) => "NoReceivers(..)",
            Self::Closed(_) => "Closed(..)",
        })
    }
}

impl<T> fmt::Display for BroadcastSendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::NoReceivers(_) => "no subscriber: the message was not published",
            Self::Closed(_) => "the broadcast is closed: the message was not published",
        })
    }
}

#[cfg(feature = "std")]
impl<T> std::error::Error for BroadcastSendError<T> {}

/// Why [`BroadcastReceiver::try_recv`](super::BroadcastReceiver::try_recv) gave no
/// message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BroadcastTryRecvError {
    /// Nothing new yet.
    Empty,
    /// The receiver fell more than the ring's capacity behind: this many messages
    /// were overwritten before it read them. The next receive gives the oldest
    /// message still held.
    Lagged(usize),
    /// Closed, and this receiver has read everything that was published.
    Closed,
}

/// Why an awaiting or blocking receive gave no message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BroadcastRecvError {
    /// As [`BroadcastTryRecvError::Lagged`].
    Lagged(usize),
    /// Closed, and this receiver has read everything that was published.
    Closed,
}

/// Why [`BroadcastReceiver::recv_timeout`](super::BroadcastReceiver::recv_timeout)
/// gave no message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BroadcastRecvTimeoutError {
    /// As [`BroadcastTryRecvError::Lagged`].
    Lagged(usize),
    /// Closed, and this receiver has read everything that was published.
    Closed,
    /// Nothing new came in time.
    TimedOut,
}

fn lagged(f: &mut fmt::Formatter<'_>, n: usize) -> fmt::Result {
    write!(f, "lagged behind: {n} message(s) were overwritten unread")
}

impl fmt::Display for BroadcastTryRecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("no new message yet"),
            Self::Lagged(n) => lagged(f, *n),
            Self::Closed => f.write_str("closed: no message will come"),
        }
    }
}

impl fmt::Display for BroadcastRecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Lagged(n) => lagged(f, *n),
            Self::Closed => f.write_str("closed: no message will come"),
        }
    }
}

impl fmt::Display for BroadcastRecvTimeoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Lagged(n) => lagged(f, *n),
            Self::Closed => f.write_str("closed: no message will come"),
            Self::TimedOut => f.write_str("timed out"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for BroadcastTryRecvError {}
#[cfg(feature = "std")]
impl std::error::Error for BroadcastRecvError {}
#[cfg(feature = "std")]
impl std::error::Error for BroadcastRecvTimeoutError {}
