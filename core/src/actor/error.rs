//! The actor module's own error: why an [`ask`](super::Addr::ask) was refused.

use core::fmt;

/// An ask was refused. `E` is the error of the send the ask makes (for
/// [`Addr::try_ask`](super::Addr::try_ask), the mailbox's `try_send` error), so the
/// request message comes back on every send failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AskError<E> {
    /// The reply slot was not fresh: it already served a request (its answer was
    /// given, taken or refused) or another ask claimed it. Nothing was sent and no
    /// message was built. Use a fresh slot, [`reset`](crate::sync::Oneshot::reset)
    /// this one, or (with `alloc`) ask with an owned reply pair (`ask_owned`).
    SlotInUse,
    /// The request could not be sent; the message (with its reply, now closed) is
    /// inside.
    Send(E),
}

impl<E> AskError<E> {
    /// The send error, if the ask failed at the send.
    pub fn into_send_error(self) -> Option<E> {
        match self {
            AskError::Send(e) => Some(e),
            AskError::SlotInUse => None,
        }
    }
}

impl<E> From<E> for AskError<E> {
    fn from(e: E) -> Self {
        AskError::Send(e)
    }
}

impl<E: fmt::Display> fmt::Display for AskError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AskError::SlotInUse => f.write_str(
                "the reply slot already served a request: use a fresh slot, reset it, \
                 or ask with an owned reply pair",
            ),
            AskError::Send(e) => write!(f, "the request was not sent: {e}"),
        }
    }
}

#[cfg(feature = "std")]
impl<E: fmt::Debug + fmt::Display> std::error::Error for AskError<E> {}
