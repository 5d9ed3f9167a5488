//! Which task is running: [`current_task_id`] and the [`context`](crate::context)
//! hook [`context_id`].

use crate::context::{ContextId, MAIN};

use super::run_queue::RunQueue;
use super::TaskId;

/// The running task: its slot index and an id unique among live tasks of every
/// scheduler (its run-queue header's address); `(0, 0)` outside any task.
#[cfg(feature = "std")]
mod slot {
    use core::cell::Cell;

    std::thread_local! {
        static CURRENT: Cell<(usize, usize)> = const { Cell::new((0, 0)) };
    }

    #[inline]
    pub(super) fn get() -> (usize, usize) {
        CURRENT.try_with(Cell::get).unwrap_or((0, 0))
    }

    #[inline]
    pub(super) fn set(v: (usize, usize)) {
        let _ = CURRENT.try_with(|c| c.set(v));
    }
}

/// Without `std` there is one running context per program: one scheduler thread
/// (interrupt handlers are not tasks). Plain core atomics: this is bookkeeping, not
/// a protocol the loom models check.
#[cfg(not(feature = "std"))]
mod slot {
    use core::sync::atomic::{AtomicUsize, Ordering};

    static INDEX: AtomicUsize = AtomicUsize::new(0);
    static UNIQUE: AtomicUsize = AtomicUsize::new(0);

    #[inline]
    pub(super) fn get() -> (usize, usize) {
        (
            INDEX.load(Ordering::Relaxed),
            UNIQUE.load(Ordering::Relaxed),
        )
    }

    #[inline]
    pub(super) fn set((index, unique): (usize, usize)) {
        INDEX.store(index, Ordering::Relaxed);
        UNIQUE.store(unique, Ordering::Relaxed);
    }
}

/// Marks slot `i` of `queue` as running until dropped, then restores what ran
/// before (a scheduler run from inside another scheduler's task).
pub(crate) struct CurrentGuard {
    prev: (usize, usize),
}

impl CurrentGuard {
    #[inline]
    pub(crate) fn enter<const N: usize>(queue: &RunQueue<N>, i: usize) -> Self {
        let prev = slot::get();
        slot::set((i, queue.id_of(i)));
        Self { prev }
    }
}

impl Drop for CurrentGuard {
    #[inline]
    fn drop(&mut self) {
        slot::set(self.prev);
    }
}

/// The id of the task running on this thread (its scheduler slot), or `None`
/// outside any task.
///
/// ```
/// use core::pin::pin;
/// use spindle_core::sched::{current_task_id, RunQueue, Scheduler, Task};
///
/// assert_eq!(current_task_id(), None);
/// static READY: RunQueue<2> = RunQueue::new();
/// let sched = Scheduler::with_run_queue(&READY).unwrap();
/// let t = pin!(Task::new(async { current_task_id() }));
/// let mut h = sched.spawn(t).unwrap();
/// sched.run();
/// assert_eq!(h.try_take(), Some(Some(h.id())));
/// ```
pub fn current_task_id() -> Option<TaskId> {
    match slot::get() {
        (_, 0) => None,
        (index, _) => Some(TaskId(index)),
    }
}

/// A [`context`](crate::context) id for the running task, distinct for every live
/// task of every scheduler; [`MAIN`] outside any task. Install it with
/// [`context::set_hook`](crate::context::set_hook) to make
/// [`ReentrantMutex`](crate::sync::ReentrantMutex) and
/// [`ordered`](crate::sync::ordered) locks per task instead of per thread (the
/// scheduler does not install it for you).
///
/// ```
/// use spindle_core::{context, sched};
/// assert_eq!(sched::context_id(), context::MAIN);
/// # // Another doctest may have installed a hook already.
/// let _ = context::set_hook(sched::context_id);
/// ```
pub fn context_id() -> ContextId {
    ContextId::new(slot::get().1).unwrap_or(MAIN)
}
