//! Error values specific to the queues (sending and receiving share
//! [`SendError`](crate::error::SendError) and [`RecvError`](crate::error::RecvError)).

use core::fmt;

/// `task_done` was called more times than items were received.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TaskDoneError {
    /// Every received item is already marked done (Python raises `ValueError`).
    NothingReceived,
}

impl fmt::Display for TaskDoneError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("task_done() called more times than items were received")
    }
}

#[cfg(feature = "std")]
impl std::error::Error for TaskDoneError {}
