//! The exchange's errors: a subscriber's refusal, a send that was refused, a full
//! subscriber table, and the registries' name and pattern errors. A refusal is
//! never silent: it is counted in the subscriber's `Stats` and the send's `Report`.

use core::fmt;

use super::policy::Report;
use crate::error::TrySendError;

/// Why a subscriber did not accept a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// No room now (its overflow policy decides what happens).
    Full,
    /// It will never accept messages again (e.g. a closed queue).
    Closed,
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Refused::Full => "subscriber full",
            Refused::Closed => "subscriber closed",
        })
    }
}

/// A queue's or an address's `try_send` error, as a subscriber's refusal (the
/// message itself stays with the exchange, which offered a clone).
///
/// ```
/// use spindle_core::error::TrySendError;
/// use spindle_core::exchange::Refused;
/// assert_eq!(Refused::from(TrySendError::Full(1)), Refused::Full);
/// assert_eq!(Refused::from(TrySendError::Closed(1)), Refused::Closed);
/// ```
impl<T> From<TrySendError<T>> for Refused {
    fn from(e: TrySendError<T>) -> Self {
        match e {
            TrySendError::Full(_) => Refused::Full,
            TrySendError::Closed(_) => Refused::Closed,
        }
    }
}

/// A send that some subscriber refused (policy `Error`, a closed subscriber, or
/// `Wait` in a `try_send`). The others got the message; the report says how many.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PublishError {
    /// What the send did.
    pub report: Report,
}

impl fmt::Display for PublishError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} subscriber(s) refused the message ({} delivered, {} dropped)",
            self.report.refused, self.report.delivered, self.report.dropped
        )
    }
}

/// Every subscriber slot of the exchange is taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExchangeFull;

impl fmt::Display for ExchangeFull {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("every subscriber slot of the exchange is taken")
    }
}

/// A name or pattern is malformed (empty, or `+`/`#` not a whole level, or `#`
/// not last; names may not contain `+` or `#`): the one way a
/// `SharedRegistry` call can fail, since it grows instead of filling up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvalidTopic;

impl fmt::Display for InvalidTopic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("malformed exchange name or topic pattern")
    }
}

/// Why a [`Registry`](super::Registry) call failed: [`exchange`](super::Registry::exchange)
/// gives `InvalidTopic` or `ExchangesFull`,
/// [`subscribe_pattern`](super::Registry::subscribe_pattern)
/// gives `InvalidTopic` or `PatternsFull`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RegistryError {
    /// Every exchange of the registry is named already.
    ExchangesFull,
    /// Every pattern-subscription slot is taken.
    PatternsFull,
    /// A name or pattern is malformed (empty, or `+`/`#` not a whole level, or `#`
    /// not last; names may not contain `+` or `#`).
    InvalidTopic,
}

impl fmt::Display for RegistryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RegistryError::ExchangesFull => "every exchange of the registry is named",
            RegistryError::PatternsFull => "every pattern-subscription slot is taken",
            RegistryError::InvalidTopic => "malformed exchange name or topic pattern",
        })
    }
}

#[cfg(feature = "std")]
impl std::error::Error for InvalidTopic {}
#[cfg(feature = "std")]
impl std::error::Error for Refused {}
#[cfg(feature = "std")]
impl std::error::Error for PublishError {}
#[cfg(feature = "std")]
impl std::error::Error for ExchangeFull {}
#[cfg(feature = "std")]
impl std::error::Error for RegistryError {}
