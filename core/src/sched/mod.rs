//! A cooperative scheduler of `async` tasks: recipe 12.12, "using generators as an
//! alternative to threads". Python's generators are Rust's `async` blocks: each
//! `yield` is an `.await` ([`yield_now`] for a bare `yield`), and the book's
//! `TaskScheduler` is a [`Scheduler`].
//!
//! ```
//! use core::pin::pin;
//! use spindle_core::sched::{yield_now, RunQueue, Scheduler, Task};
//!
//! static READY: RunQueue<3> = RunQueue::new(); // no heap: the wake-up state
//! let sched = Scheduler::with_run_queue(&READY).unwrap();
//! let ping = pin!(Task::new(async {
//!     for _ in 0..3 {
//!         yield_now().await;
//!     }
//!     "ping done"
//! }));
//! let mut handle = sched.spawn(ping).unwrap();
//! sched.run();
//! assert_eq!(handle.try_take(), Some("ping done"));
//! ```
//!
//! | Python (12.12) | spindle |
//! |---|---|
//! | a generator function | an `async fn` (generic ones too) |
//! | `yield` | `yield_now().await` |
//! | `TaskScheduler()` | [`Scheduler::new`] (`alloc`) or [`Scheduler::with_run_queue`] |
//! | `sched.new_task(gen)` | [`Scheduler::spawn`] of a pinned [`Task`], [`TaskPool::spawn`], [`Scheduler::spawn_boxed`] |
//! | `sched.run()` | [`Scheduler::run`] |
//! | `StopIteration` value | the task's output, from its [`JoinHandle`] |
//! | `gen.close()` | [`JoinHandle::cancel`] |
//!
//! No heap is needed: task storage is pinned by the caller ([`Task`], or a
//! [`TaskPool`] for spawning from inside tasks) and the wake-up state is a
//! `static` [`RunQueue`]. See [`Scheduler`] for the run order, idling and thread
//! safety, and [`RunQueue`]'s module notes for the wake-up protocol. A scheduler
//! that idles in your own hook (an OS poll, a wait-for-interrupt) is told of wakes
//! from other threads or interrupts through an [`Unpark`] chosen at construction.

mod current;
mod error;
mod join;
mod run_queue;
mod scheduler;
mod table;
mod task;
mod unpark;
mod yield_now;

use core::fmt;

pub use current::{context_id, current_task_id};
pub use error::{RunQueueInUse, TaskJoinError, TaskSlotsFull, TaskSpawnError};
pub use join::JoinHandle;
pub use run_queue::RunQueue;
pub use scheduler::Scheduler;
pub use task::{Task, TaskPool};
pub use unpark::Unpark;
pub use yield_now::{yield_now, YieldNow};

/// A task's id: the index of its scheduler slot (reused once the task is over).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TaskId(pub(crate) usize);

impl TaskId {
    /// The slot index, below the scheduler's capacity.
    pub const fn index(self) -> usize {
        self.0
    }
}

impl fmt::Display for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "task #{}", self.0)
    }
}
