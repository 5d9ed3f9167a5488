//! The error values of everything that passes values: the queues, a [`Oneshot`]
//! slot and the actors' addresses and promises. Each call returns a type that holds
//! only what that call can report (tokio's and std's style):
//!
//! | call | error |
//! |---|---|
//! | `try_send`, `try_push`, [`Oneshot::send`] | [`TrySendError`]: `Full(v)`, `Closed(v)` |
//! | `send().await`, `send_blocking`, `push_blocking` | [`SendError`]: closed, value inside |
//! | `send_timeout` | [`SendTimeoutError`]: `TimedOut(v)`, `Closed(v)` |
//! | `try_recv`, `try_pop`, `try_get` | [`TryRecvError`]: `Empty`, `Closed` |
//! | `recv().await`, `recv_blocking`, `pop_blocking`, `get_blocking` | [`RecvError`]: closed |
//! | `recv_timeout`, `get_timeout` | [`RecvTimeoutError`]: `TimedOut`, `Closed` |
//!
//! Sending hands your value back on every failure ([`into_inner`](TrySendError::into_inner));
//! receiving says why there was no value. Nothing is dropped silently.
//!
//! # Why `Debug` does not print the value
//! The value-carrying errors print `Full(..)`, `SendError(..)` and so on, whatever
//! `T` is. `Result::unwrap` needs `E: Debug`; a `Debug` impl that printed the value
//! would need `T: Debug`, and then `.unwrap()` on a send of a non-`Debug` value
//! would not compile. Stable Rust cannot print the value "only when `T: Debug`"
//! (that needs specialization), so spindle does what std's `mpsc`, crossbeam and
//! tokio do: the error's `Debug` never shows the value. To see it, take it out:
//! `format!("{:?}", err.into_inner())`.
//!
//! [`Oneshot`]: crate::sync::Oneshot
//! [`Oneshot::send`]: crate::sync::Oneshot::send

use core::fmt;

/// A `try_send` found no room, or the receiving side closed. The value comes
/// back inside. (`Debug` does not print it: see the [module docs](self).)
///
/// ```
/// use spindle_core::error::TrySendError;
/// use spindle_core::queue::Queue;
/// use spindle_core::raw::SpinRawMutex;
///
/// let q: Queue<SpinRawMutex, &str, 1> = Queue::new();
/// q.try_send("a").unwrap();
/// assert_eq!(q.try_send("b"), Err(TrySendError::Full("b")));
/// q.close();
/// let err = q.try_send("c").unwrap_err();
/// assert!(err.is_closed());
/// assert_eq!(err.into_inner(), "c");
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum TrySendError<T> {
    /// No room now (a full queue, or a slot that already holds a value).
    Full(T),
    /// The receiving side is closed: it will never take this value.
    Closed(T),
}

/// A waiting send (`send().await`, `send_blocking`) failed: the receiving side is
/// closed. The value comes back inside (`.0` or [`into_inner`](Self::into_inner)).
///
/// ```
/// use spindle_core::error::SendError;
/// use spindle_core::queue::Queue;
/// use spindle_core::raw::SpinRawMutex;
///
/// let q: Queue<SpinRawMutex, u8, 1> = Queue::new();
/// q.close();
/// assert_eq!(q.send_blocking(7), Err(SendError(7)));
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct SendError<T>(pub T);

/// A `send_timeout` gave up, or the receiving side closed. The value comes back
/// inside.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum SendTimeoutError<T> {
    /// The timeout elapsed before there was room.
    TimedOut(T),
    /// The receiving side is closed: it will never take this value.
    Closed(T),
}

impl<T> TrySendError<T> {
    /// The value that was not sent.
    pub fn into_inner(self) -> T {
        match self {
            Self::Full(v) | Self::Closed(v) => v,
        }
    }

    /// Whether there was no room (retrying later may succeed).
    pub fn is_full(&self) -> bool {
        matches!(self, Self::Full(_))
    }

    /// Whether the other side is closed (the value can never be sent).
    pub fn is_closed(&self) -> bool {
        matches!(self, Self::Closed(_))
    }
}

impl<T> SendError<T> {
    /// The value that was not sent.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> SendTimeoutError<T> {
    /// The value that was not sent.
    pub fn into_inner(self) -> T {
        match self {
            Self::TimedOut(v) | Self::Closed(v) => v,
        }
    }

    /// Whether the timeout elapsed (retrying later may succeed).
    pub fn is_timeout(&self) -> bool {
        matches!(self, Self::TimedOut(_))
    }

    /// Whether the other side is closed (the value can never be sent).
    pub fn is_closed(&self) -> bool {
        matches!(self, Self::Closed(_))
    }
}

impl<T> From<SendError<T>> for TrySendError<T> {
    fn from(e: SendError<T>) -> Self {
        Self::Closed(e.0)
    }
}

impl<T> From<SendError<T>> for SendTimeoutError<T> {
    fn from(e: SendError<T>) -> Self {
        Self::Closed(e.0)
    }
}

impl<T> fmt::Debug for TrySendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Full(_) => "Full(..)",
            Self::Closed(_) => "Closed(..)",
        })
    }
}

impl<T> fmt::Debug for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SendError(..)")
    }
}

impl<T> fmt::Debug for SendTimeoutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::TimedOut(_) => "TimedOut(..)",
            Self::Closed(_) => "Closed(..)",
        })
    }
}

impl<T> fmt::Display for TrySendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Full(_) => "no room: the value was not sent",
            Self::Closed(_) => "closed: the value was not sent",
        })
    }
}

impl<T> fmt::Display for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("closed: the value was not sent")
    }
}

impl<T> fmt::Display for SendTimeoutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::TimedOut(_) => "timed out: the value was not sent",
            Self::Closed(_) => "closed: the value was not sent",
        })
    }
}

/// A `try_recv` found nothing to take.
///
/// ```
/// use spindle_core::error::TryRecvError;
/// use spindle_core::queue::Queue;
/// use spindle_core::raw::SpinRawMutex;
///
/// let q: Queue<SpinRawMutex, u8, 1> = Queue::new();
/// assert_eq!(q.try_recv(), Err(TryRecvError::Empty));
/// q.close();
/// assert_eq!(q.try_recv(), Err(TryRecvError::Closed));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TryRecvError {
    /// Nothing to take yet.
    Empty,
    /// Closed, and everything that was sent has been taken: no value will come.
    Closed,
}

/// A waiting receive (`recv().await`, `recv_blocking`) ended without a value: the
/// sending side closed and everything sent has been taken.
///
/// ```
/// use spindle_core::error::RecvError;
/// use spindle_core::queue::Queue;
/// use spindle_core::raw::SpinRawMutex;
///
/// let q: Queue<SpinRawMutex, u8, 1> = Queue::new();
/// q.try_send(1).unwrap();
/// q.close();
/// assert_eq!(q.recv_blocking(), Ok(1)); // drained first
/// assert_eq!(q.recv_blocking(), Err(RecvError));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecvError;

/// A `recv_timeout` ended without a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecvTimeoutError {
    /// The timeout elapsed before a value came.
    TimedOut,
    /// Closed, and everything that was sent has been taken: no value will come.
    Closed,
}

impl TryRecvError {
    /// Whether nothing was there yet (retrying later may succeed).
    pub fn is_empty(&self) -> bool {
        matches!(self, Self::Empty)
    }

    /// Whether no value will ever come.
    pub fn is_closed(&self) -> bool {
        matches!(self, Self::Closed)
    }
}

impl RecvTimeoutError {
    /// Whether the timeout elapsed (retrying later may succeed).
    pub fn is_timeout(&self) -> bool {
        matches!(self, Self::TimedOut)
    }

    /// Whether no value will ever come.
    pub fn is_closed(&self) -> bool {
        matches!(self, Self::Closed)
    }
}

/// What a waiting receive makes of a `try_recv`: `None` to wait on, or its outcome.
#[inline]
pub(crate) fn unless_empty<T>(r: Result<T, TryRecvError>) -> Option<Result<T, RecvError>> {
    match r {
        Ok(v) => Some(Ok(v)),
        Err(TryRecvError::Empty) => None,
        Err(TryRecvError::Closed) => Some(Err(RecvError)),
    }
}

impl From<RecvError> for TryRecvError {
    fn from(_: RecvError) -> Self {
        Self::Closed
    }
}

impl From<RecvError> for RecvTimeoutError {
    fn from(_: RecvError) -> Self {
        Self::Closed
    }
}

impl fmt::Display for TryRecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Empty => "nothing to receive yet",
            Self::Closed => "closed: no value will come",
        })
    }
}

impl fmt::Display for RecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("closed: no value will come")
    }
}

impl fmt::Display for RecvTimeoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::TimedOut => "timed out",
            Self::Closed => "closed: no value will come",
        })
    }
}

#[cfg(feature = "std")]
impl<T> std::error::Error for TrySendError<T> {}
#[cfg(feature = "std")]
impl<T> std::error::Error for SendError<T> {}
#[cfg(feature = "std")]
impl<T> std::error::Error for SendTimeoutError<T> {}
#[cfg(feature = "std")]
impl std::error::Error for TryRecvError {}
#[cfg(feature = "std")]
impl std::error::Error for RecvError {}
#[cfg(feature = "std")]
impl std::error::Error for RecvTimeoutError {}
