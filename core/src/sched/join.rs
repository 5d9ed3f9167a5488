//! [`JoinHandle`]: the output of a spawned task, and a way to cancel it.

use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

use super::task::Join;
use super::{TaskId, TaskJoinError};

/// The handle of a spawned task: await it (or [`try_take`](Self::try_take)) for the
/// task's output, or [`cancel`](Self::cancel) the task.
///
/// Dropping the handle detaches the task: it still runs to the end.
///
/// ```
/// use core::pin::pin;
/// use spindle_core::sched::{yield_now, TaskJoinError, RunQueue, Scheduler, Task};
///
/// static READY: RunQueue<3> = RunQueue::new();
/// let sched = Scheduler::with_run_queue(&READY).unwrap();
/// let forever = pin!(Task::new(async {
///     loop {
///         yield_now().await;
///     }
/// }));
/// let doomed = sched.spawn(forever).unwrap();
/// let waiter = pin!(Task::new(async {
///     doomed.cancel();
///     doomed.await
/// }));
/// let mut outcome = sched.spawn(waiter).unwrap();
/// sched.run_with(|| {});
/// assert_eq!(outcome.try_take(), Some(Err(TaskJoinError::Cancelled)));
/// ```
pub struct JoinHandle<'a, T> {
    task: &'a dyn Join<T>,
    id: TaskId,
}

impl<'a, T> JoinHandle<'a, T> {
    pub(crate) fn new(task: &'a dyn Join<T>, id: TaskId) -> Self {
        Self { task, id }
    }

    /// The id the task had when it was spawned (its scheduler slot).
    pub fn id(&self) -> TaskId {
        self.id
    }

    /// Whether the task is over: finished, or cancelled.
    pub fn is_finished(&self) -> bool {
        self.task.is_finished()
    }

    /// The task's output, if it has finished and the output was not taken yet.
    pub fn try_take(&mut self) -> Option<T> {
        self.task.try_take()
    }

    /// Asks the scheduler to cancel the task: at its next scheduling point, its
    /// future is dropped in place (where it was last suspended) and the handle
    /// yields [`TaskJoinError::Cancelled`]. A task that has already finished keeps its
    /// output.
    pub fn cancel(&self) {
        self.task.cancel();
    }
}

impl<T> Future for JoinHandle<'_, T> {
    type Output = Result<T, TaskJoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.task.poll_join(cx)
    }
}

impl<T> Drop for JoinHandle<'_, T> {
    fn drop(&mut self) {
        self.task.release();
    }
}

impl<T> fmt::Debug for JoinHandle<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle")
            .field("id", &self.id)
            .field("finished", &self.is_finished())
            .finish()
    }
}
