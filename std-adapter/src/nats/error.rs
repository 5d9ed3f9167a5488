//! Errors of [`spindle_std::nats`](super), exact per call: connecting, publishing,
//! subscribing and asking each have their own type.

use std::fmt;
use std::time::Duration;

/// Why [`Nats::connect`](super::Nats::connect) failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectError {
    /// The server address, without any password in it.
    pub url: String,
    /// What went wrong.
    pub kind: ConnectErrorKind,
    /// The client's own words (the underlying I/O or protocol error).
    pub detail: String,
}

/// The kinds of [`ConnectError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConnectErrorKind {
    /// The URL does not parse as a NATS server address.
    BadUrl,
    /// Nothing answered at that address (connection refused, unreachable, DNS).
    Unreachable,
    /// The server refused the credentials (user/password, token or nkey).
    Auth,
    /// The server did not complete the handshake in time.
    TimedOut,
    /// TLS was required or offered and could not be set up.
    Tls,
    /// Anything else the client reported.
    Other,
}

impl fmt::Display for ConnectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            ConnectErrorKind::BadUrl => "not a NATS server address",
            ConnectErrorKind::Unreachable => "nothing answered (is nats-server running there?)",
            ConnectErrorKind::Auth => "the server refused the credentials",
            ConnectErrorKind::TimedOut => "the server did not answer in time",
            ConnectErrorKind::Tls => "TLS could not be set up",
            ConnectErrorKind::Other => "the connection failed",
        };
        write!(
            f,
            "cannot connect to {}: {what} ({})",
            self.url, self.detail
        )
    }
}

impl std::error::Error for ConnectError {}

/// Why a message could not be published (a send to a remote actor, a bridged
/// exchange's direct publish).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PublishError {
    /// The message did not serialize with the connection's codec.
    Encode(String),
    /// The encoded message is larger than the server's `max_payload`.
    TooLarge {
        /// Encoded size in bytes.
        len: usize,
        /// The server's limit.
        max_payload: usize,
    },
    /// The subject is not valid.
    BadSubject(String),
    /// The client could not hand the message to the server (connection closed).
    Disconnected(String),
}

impl fmt::Display for PublishError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Encode(e) => write!(f, "the message did not serialize: {e}"),
            Self::TooLarge { len, max_payload } => write!(
                f,
                "the message is {len} bytes, over the server's max_payload of {max_payload}"
            ),
            Self::BadSubject(s) => write!(f, "not a valid subject: `{s}`"),
            Self::Disconnected(e) => write!(f, "not sent, the connection is gone: {e}"),
        }
    }
}

impl std::error::Error for PublishError {}

/// Why a subscription (a [`Feed`](super::Feed), a [`Service`](super::Service))
/// could not be set up.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SubscribeError {
    /// The subject or topic pattern is not valid.
    BadSubject(String),
    /// The client could not subscribe (connection closed).
    Disconnected(String),
}

impl fmt::Display for SubscribeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BadSubject(s) => write!(f, "not a valid subject or pattern: `{s}`"),
            Self::Disconnected(e) => write!(f, "cannot subscribe, the connection is gone: {e}"),
        }
    }
}

impl std::error::Error for SubscribeError {}

/// Why an [`ask`](super::RemoteAddr::ask_timeout) to a remote actor gave no answer.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AskError {
    /// Nobody serves that subject (the actor's process is not running, or has not
    /// exposed it yet).
    NoResponders {
        /// The subject asked.
        subject: String,
    },
    /// Somebody serves the subject but no answer came in time.
    TimedOut {
        /// The subject asked.
        subject: String,
        /// How long the ask waited.
        after: Duration,
    },
    /// The request could not be sent.
    Publish(PublishError),
    /// The answer did not decode as the expected type.
    Decode(String),
    /// The serving side answered with an error (e.g. its actor is gone).
    Remote(String),
}

impl fmt::Display for AskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoResponders { subject } => write!(f, "nobody serves `{subject}`"),
            Self::TimedOut { subject, after } => {
                write!(f, "no answer from `{subject}` within {after:?}")
            }
            Self::Publish(e) => write!(f, "the request was not sent: {e}"),
            Self::Decode(e) => write!(f, "the answer did not decode: {e}"),
            Self::Remote(e) => write!(f, "the actor answered with an error: {e}"),
        }
    }
}

impl std::error::Error for AskError {}

impl From<PublishError> for AskError {
    fn from(e: PublishError) -> Self {
        Self::Publish(e)
    }
}
