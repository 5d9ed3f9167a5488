//! The scheduler's errors: spawning into a full scheduler or busy storage, joining a
//! cancelled task, sharing a run queue.

use core::fmt;

/// A task could not be spawned ([`Scheduler::spawn`], [`TaskPool::spawn`]); what
/// was offered comes back inside. (Named for the scheduler's tasks, apart from
/// `spindle_std::thread::SpawnError`, which is about OS threads.)
///
/// [`Scheduler::spawn`]: super::Scheduler::spawn
/// [`TaskPool::spawn`]: super::TaskPool::spawn
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum TaskSpawnError<T> {
    /// Every slot of the scheduler is taken.
    Full(T),
    /// The task storage is in use: spawned already, or (a [`TaskPool`]) every cell
    /// holds a task that is not over or whose output was not joined.
    ///
    /// [`TaskPool`]: super::TaskPool
    Busy(T),
}

impl<T> TaskSpawnError<T> {
    /// What was offered: the task, or the future.
    pub fn into_inner(self) -> T {
        match self {
            Self::Full(t) | Self::Busy(t) => t,
        }
    }
}

impl<T> fmt::Debug for TaskSpawnError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Full(_) => f.write_str("Full(..)"),
            Self::Busy(_) => f.write_str("Busy(..)"),
        }
    }
}

impl<T> fmt::Display for TaskSpawnError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Full(_) => f.write_str("every task slot of the scheduler is taken"),
            Self::Busy(_) => f.write_str("the task storage is already in use"),
        }
    }
}

#[cfg(feature = "std")]
impl<T> std::error::Error for TaskSpawnError<T> {}

/// [`Scheduler::spawn_boxed`](super::Scheduler::spawn_boxed) failed: every slot
/// of the scheduler is taken. The future comes back inside (`.0`).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct TaskSlotsFull<T>(pub T);

impl<T> TaskSlotsFull<T> {
    /// The future that was not spawned.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> From<TaskSlotsFull<T>> for TaskSpawnError<T> {
    fn from(e: TaskSlotsFull<T>) -> Self {
        Self::Full(e.0)
    }
}

/// Does not print the future, like the queues' errors (see
/// [`crate::error`]).
impl<T> fmt::Debug for TaskSlotsFull<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TaskSlotsFull(..)")
    }
}

impl<T> fmt::Display for TaskSlotsFull<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("every task slot of the scheduler is taken")
    }
}

#[cfg(feature = "std")]
impl<T> std::error::Error for TaskSlotsFull<T> {}

/// Why a [`JoinHandle`](super::JoinHandle) has no output. (Named apart from
/// `spindle_std::thread::JoinError`, which is about OS threads.)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskJoinError {
    /// The task was cancelled before it finished.
    Cancelled,
    /// The output was taken already (with
    /// [`JoinHandle::try_take`](super::JoinHandle::try_take)).
    Taken,
}

impl fmt::Display for TaskJoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Cancelled => f.write_str("the task was cancelled"),
            Self::Taken => f.write_str("the task's output was taken already"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for TaskJoinError {}

/// [`Scheduler::with_run_queue`](super::Scheduler::with_run_queue) failed: another scheduler uses that run queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunQueueInUse;

impl fmt::Display for RunQueueInUse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the run queue is in use by another scheduler")
    }
}

#[cfg(feature = "std")]
impl std::error::Error for RunQueueInUse {}
