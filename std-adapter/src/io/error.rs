//! The errors of [`spindle_std::io`](super) beyond `std::io::Error`: a line that
//! could not be read ([`ReadLineError`]) and a time limit that ran out
//! ([`Elapsed`]).

use std::fmt;
use std::io;

/// [`Reactor::timeout`](super::Reactor::timeout): the time ran out before the
/// future finished.
///
/// ```
/// assert_eq!(spindle_std::io::Elapsed.to_string(), "the time limit elapsed");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Elapsed;

impl fmt::Display for Elapsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the time limit elapsed")
    }
}

impl std::error::Error for Elapsed {}

impl From<Elapsed> for io::Error {
    fn from(e: Elapsed) -> Self {
        io::Error::new(io::ErrorKind::TimedOut, e)
    }
}

/// Why [`LineReader::read_line`](super::LineReader::read_line) has no line.
#[derive(Debug)]
#[non_exhaustive]
pub enum ReadLineError {
    /// More than `limit` bytes arrived without a newline. The bytes read stay in
    /// the reader; the connection is best closed.
    TooLong {
        /// The limit that was passed, newline included.
        limit: usize,
    },
    /// The peer closed its side after `len` bytes of a line that had no newline;
    /// those bytes are in the caller's buffer.
    ClosedMidLine {
        /// How many bytes of the unfinished line arrived.
        len: usize,
    },
    /// The socket failed (e.g. the peer reset the connection).
    Io(io::Error),
}

impl fmt::Display for ReadLineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooLong { limit } => {
                write!(f, "line longer than the limit of {limit} bytes")
            }
            Self::ClosedMidLine { len } => {
                write!(
                    f,
                    "connection closed in the middle of a line ({len} bytes, no newline)"
                )
            }
            Self::Io(e) => write!(f, "reading a line failed: {e}"),
        }
    }
}

impl std::error::Error for ReadLineError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Io(e) => Some(e),
            _ => None,
        }
    }
}

impl From<io::Error> for ReadLineError {
    fn from(e: io::Error) -> Self {
        Self::Io(e)
    }
}
