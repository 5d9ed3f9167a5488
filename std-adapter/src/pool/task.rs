//! A pool task's shared state: the closure, its completion stage, its result slot
//! and its done-callbacks, one allocation shared by the queue and the handle.
//!
//! # Implementation notes
//! A task is one heap allocation, an `Arc<Task<F, R>>` that the queue holds as a
//! `dyn Runnable` and the handle as a `dyn TaskCore<R>`. Its state is one atomic word:
//! a stage (pending, running, completed, panicked, cancelled), a `LISTENERS` bit
//! ("callbacks or a waker are registered") and a `FIRED` bit ("the listeners have
//! been taken"). The value travels in a spindle [`Oneshot`], which does the blocking
//! and timed waits.
//!
//! Completion: (1) the stage becomes final, (2) the value is sent (or the slot closed,
//! for a cancel), (3) `FIRED` is set; if that `fetch_or` saw `LISTENERS`, the listener
//! list is taken under its lock and run. A listener is registered under the list's
//! lock, and only by a compare-exchange that sets `LISTENERS` while `FIRED` is clear;
//! if `FIRED` is already set it runs at once instead. So every callback runs exactly
//! once, on the completing thread or on the registering one.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::task::Waker;

use atomic_take::AtomicTake;

use super::{TaskError, TaskState};
use crate::panic::panic_message;
use crate::sync::Oneshot;

pub(super) const STAGE: usize = 0b111;
pub(super) const PENDING: usize = 0;
pub(super) const RUNNING: usize = 1;
pub(super) const COMPLETED: usize = 2;
pub(super) const PANICKED: usize = 3;
pub(super) const CANCELLED: usize = 4;
/// Failed without a value for a reason other than a panic (a worker process died).
pub(super) const FAILED: usize = 5;
pub(super) const LISTENERS: usize = 0b1000;
pub(super) const FIRED: usize = 0b1_0000;

pub(super) type Callback = Box<dyn FnOnce(TaskState) + Send>;

#[derive(Default)]
pub(super) struct Listeners {
    pub(super) callbacks: Vec<Callback>,
    pub(super) waker: Option<Waker>,
}

/// The part of a task that does not depend on its closure's type.
pub(crate) struct Header<R> {
    pub(super) state: AtomicUsize,
    pub(super) value: Oneshot<Result<R, TaskError>>,
    /// Boxed on first use: most tasks never get a listener, and every byte of a
    /// task is allocated once per submission.
    pub(super) listeners: Mutex<Option<Box<Listeners>>>,
}

impl<R> Header<R> {
    pub(super) fn new() -> Self {
        Self {
            state: AtomicUsize::new(PENDING),
            value: Oneshot::new(),
            listeners: Mutex::new(None),
        }
    }

    /// Moves the stage from `from` to `to`, keeping the flag bits; `false` if the
    /// stage was not `from`.
    pub(super) fn transition(&self, from: usize, to: usize) -> bool {
        let mut s = self.state.load(Ordering::Relaxed);
        loop {
            if s & STAGE != from {
                return false;
            }
            match self.state.compare_exchange_weak(
                s,
                (s & !STAGE) | to,
                Ordering::AcqRel,
                Ordering::Relaxed,
            ) {
                Ok(_) => return true,
                Err(now) => s = now,
            }
        }
    }

    pub(super) fn state(&self) -> TaskState {
        TaskState::from_stage(self.state.load(Ordering::Acquire))
    }

    /// Step (3) of completion: marks the listeners fired and runs them.
    pub(super) fn fire(&self, final_state: TaskState) {
        let prev = self.state.fetch_or(FIRED, Ordering::AcqRel);
        if prev & LISTENERS == 0 {
            return;
        }
        let Some(taken) = lock(&self.listeners).take() else {
            return;
        };
        if let Some(w) = taken.waker {
            w.wake();
        }
        for cb in taken.callbacks {
            run_callback(cb, final_state);
        }
    }

    /// Registers a listener with `install` under the list's lock, unless the task
    /// has fired; `false` (nothing installed) if it has.
    pub(super) fn listen(&self, install: impl FnOnce(&mut Listeners)) -> bool {
        let mut list = lock(&self.listeners);
        let mut s = self.state.load(Ordering::Acquire);
        loop {
            if s & FIRED != 0 {
                return false;
            }
            match self.state.compare_exchange_weak(
                s,
                s | LISTENERS,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => break,
                Err(now) => s = now,
            }
        }
        install(list.get_or_insert_with(Box::default));
        true
    }

    pub(super) fn has_fired(&self) -> bool {
        self.state.load(Ordering::Acquire) & FIRED != 0
    }

    /// Cancels a pending task: `true` if it is cancelled (now or before).
    pub(crate) fn cancel_with(&self, drop_closure: impl FnOnce()) -> bool {
        if !self.transition(PENDING, CANCELLED) {
            return self.state() == TaskState::Cancelled;
        }
        drop_closure();
        self.value.close();
        self.fire(TaskState::Cancelled);
        true
    }

    /// Why the value slot is closed: the task was cancelled, or the value was taken.
    pub(super) fn no_value(&self) -> TaskError {
        if self.state() == TaskState::Cancelled {
            TaskError::Cancelled
        } else {
            TaskError::Taken
        }
    }
}

/// Locks a task's listener list. Nothing panics while holding it (callbacks
/// run after the list is taken), so a poisoned lock still holds consistent data.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

pub(super) fn run_callback(cb: Callback, state: TaskState) {
    // A panicking callback must not take the worker (or the caller) down with it.
    let _ = catch_unwind(AssertUnwindSafe(move || cb(state)));
}

/// A task: the closure and its header, one allocation.
pub(crate) struct Task<F, R> {
    pub(super) header: Header<R>,
    /// Taken once: by the winner of the pending -> running or pending -> cancelled
    /// transition, or by a submit that the queue refused. No lock is needed for
    /// that, and none is paid for (see the size test below).
    pub(super) func: AtomicTake<F>,
}

impl<F: FnOnce() -> R, R> Task<F, R> {
    pub(crate) fn new(f: F) -> Self {
        Self {
            header: Header::new(),
            func: AtomicTake::new(f),
        }
    }

    /// Takes the closure back out of a task that never ran (a refused submit).
    pub(crate) fn take_closure(&self) -> Option<F> {
        self.func.take()
    }

    /// Runs the task on this thread if it is still pending: `true` if it ran here.
    pub(crate) fn run_here(&self) -> bool {
        if !self.header.transition(PENDING, RUNNING) {
            return false;
        }
        let Some(f) = self.take_closure() else {
            // Unreachable: only the pending -> running or -> cancelled winner takes it.
            self.header.transition(RUNNING, CANCELLED);
            self.header.value.close();
            self.header.fire(TaskState::Cancelled);
            return true;
        };
        let (result, stage) = match catch_unwind(AssertUnwindSafe(f)) {
            Ok(v) => (Ok(v), COMPLETED),
            Err(payload) => (
                Err(TaskError::Panicked(panic_message(payload.as_ref()))),
                PANICKED,
            ),
        };
        self.header.transition(RUNNING, stage);
        // The slot is fresh and only this thread sends: it cannot be full or closed.
        let _ = self.header.value.send(result);
        self.header.fire(TaskState::from_stage(stage));
        true
    }
}

/// What the queue holds: something a worker runs, or a shutdown cancels.
pub(crate) trait Runnable: Send + Sync {
    /// Runs the task unless it was cancelled.
    fn run(&self);
    /// Cancels the task if it has not started.
    fn cancel(&self) -> bool;
}

impl<F, R> Runnable for Task<F, R>
where
    F: FnOnce() -> R + Send,
    R: Send,
{
    fn run(&self) {
        self.run_here();
    }

    fn cancel(&self) -> bool {
        self.header.cancel_with(|| drop(self.take_closure()))
    }
}

/// What a handle holds: the header, and a way to cancel.
pub(crate) trait TaskCore<R>: Send + Sync {
    fn header(&self) -> &Header<R>;
    fn cancel(&self) -> bool;
    fn run_here(&self) -> bool;
}

impl<F, R> TaskCore<R> for Task<F, R>
where
    F: FnOnce() -> R + Send,
    R: Send,
{
    fn header(&self) -> &Header<R> {
        &self.header
    }

    fn cancel(&self) -> bool {
        Runnable::cancel(self)
    }

    fn run_here(&self) -> bool {
        Task::run_here(self)
    }
}

/// A task whose value is produced elsewhere (in a worker process, or over a broker):
/// the handle machinery above with an outside completer instead of a closure. The
/// completer calls [`start`](Self::start) when it takes the task on, then
/// [`finish`](Self::finish) exactly once.
pub(crate) struct Remote<R> {
    header: Header<R>,
}

impl<R: Send> Remote<R> {
    pub(crate) fn new() -> Self {
        Self {
            header: Header::new(),
        }
    }

    /// Marks the task running: `false` if it was cancelled first (skip it).
    pub(crate) fn start(&self) -> bool {
        self.header.transition(PENDING, RUNNING)
    }

    /// Gives the task its outcome and runs its listeners. A pending task may be
    /// finished directly (a failure before it started, e.g. at shutdown); a task
    /// already final is left as it is.
    pub(crate) fn finish(&self, result: Result<R, TaskError>) {
        let stage = match &result {
            Ok(_) => COMPLETED,
            Err(TaskError::Panicked(_)) => PANICKED,
            Err(TaskError::Cancelled) => CANCELLED,
            Err(_) => FAILED,
        };
        if !self.header.transition(RUNNING, stage) && !self.header.transition(PENDING, stage) {
            return;
        }
        if stage == CANCELLED {
            self.header.value.close();
        } else {
            // Only the winner of the transition above sends: the slot is empty.
            let _ = self.header.value.send(result);
        }
        self.header.fire(TaskState::from_stage(stage));
    }
}

impl<R: Send> TaskCore<R> for Remote<R> {
    fn header(&self) -> &Header<R> {
        &self.header
    }

    fn cancel(&self) -> bool {
        self.header.cancel_with(|| ())
    }

    fn run_here(&self) -> bool {
        false
    }
}

#[cfg(all(test, target_pointer_width = "64"))]
mod tests {
    use super::Task;

    /// The task of `pool.submit(move || i * 2)` (an 8-byte capture, a `u64` result)
    /// and its `Arc` counts (16 bytes) must stay within 120 bytes, one allocation
    /// that glibc serves from its fastbins (chunks of at most 128 bytes with their
    /// 8-byte header). At 136 bytes malloc and free took about 140 instructions more
    /// per task (issue 13's `pool/submit-result`).
    #[test]
    fn a_small_task_fits_a_fastbin_chunk() {
        let i = 7u64;
        let task = Task::new(move || i * 2);
        let allocated = std::mem::size_of_val(&task) + 16;
        assert!(allocated <= 120, "a small task allocates {allocated} bytes");
    }
}
