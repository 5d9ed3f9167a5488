//! [`TaskState`]: where a pool task is in its life, as `fut.running()`,
//! `fut.done()` and `fut.cancelled()` ask (recipe 12.7).

use super::task::{COMPLETED, FAILED, PANICKED, PENDING, RUNNING, STAGE};

/// Where a task is in its life (a snapshot), and what a done-callback is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TaskState {
    /// Waiting in the queue; [`TaskHandle::cancel`](super::TaskHandle::cancel) can still stop it.
    Pending,
    /// A worker is running it.
    Running,
    /// It returned a value.
    Completed,
    /// It panicked; its handle gives [`TaskError::Panicked`](super::TaskError::Panicked).
    Panicked,
    /// It was cancelled before it started; its handle gives [`TaskError::Cancelled`](super::TaskError::Cancelled).
    Cancelled,
    /// It failed without a value for a reason other than a panic (its worker process
    /// died or timed out); its handle says why.
    Failed,
}

impl TaskState {
    pub(super) fn from_stage(s: usize) -> Self {
        match s & STAGE {
            PENDING => Self::Pending,
            RUNNING => Self::Running,
            COMPLETED => Self::Completed,
            PANICKED => Self::Panicked,
            FAILED => Self::Failed,
            _ => Self::Cancelled,
        }
    }

    /// Whether the task is finished: completed, panicked, failed or cancelled.
    ///
    /// ```
    /// use spindle_std::pool::TaskState;
    /// assert!(TaskState::Cancelled.is_done() && !TaskState::Running.is_done());
    /// ```
    pub fn is_done(self) -> bool {
        matches!(
            self,
            Self::Completed | Self::Panicked | Self::Cancelled | Self::Failed
        )
    }
}
