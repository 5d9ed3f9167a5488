//! Task storage: [`Task`] (one future, pinned wherever the caller likes: on the
//! stack, in a long-lived frame) and [`TaskPool`] (a fixed number of reusable
//! [`Task`]s of one future type, for spawning from inside tasks without a heap).
//!
//! A task is generic over its future, so generic `async fn`s are tasks like any
//! other. The scheduler sees a task through the object-safe [`DynTask`]; a
//! [`JoinHandle`] sees it through [`Join`], which only knows the output type.

use core::cell::{Cell, UnsafeCell};
use core::fmt;
use core::future::Future;
use core::marker::{PhantomData, PhantomPinned};
use core::pin::Pin;
use core::task::{Context, Poll, Waker};

use super::join::JoinHandle;
use super::table::Link;
use super::{Scheduler, TaskJoinError, TaskSpawnError};

/// What a task's cell holds.
enum State<F: Future> {
    /// Nothing (a pool cell never used).
    Empty,
    /// The future, not finished.
    Running(F),
    /// The future finished; its output waits for the join handle.
    Done(F::Output),
    /// The output was taken.
    Taken,
    /// The future was cancelled and dropped before it finished.
    Cancelled,
}

/// `refs` bit: the task sits in a scheduler slot.
const IN_SCHED: u8 = 1;
/// `refs` bit: a join handle is alive.
const HANDLE: u8 = 2;

/// Storage for one task: its future, then its output.
///
/// Pin it (e.g. with [`core::pin::pin!`]) and spawn it with [`Scheduler::spawn`];
/// the scheduler keeps only a pointer, so no heap is used. Dropping the storage
/// drops the future and takes the task out of its scheduler, wherever it was;
/// dropping the scheduler first leaves the task's future in place, unpolled.
/// A task stays on the thread that created it (it is not `Send`).
///
/// ```
/// use core::pin::pin;
/// use spindle_core::sched::{yield_now, RunQueue, Scheduler, Task};
///
/// async fn double<T: core::ops::Add<Output = T> + Copy>(x: T) -> T {
///     yield_now().await;
///     x + x
/// }
///
/// static READY: RunQueue<2> = RunQueue::new();
/// let sched = Scheduler::with_run_queue(&READY).unwrap();
/// let a = pin!(Task::new(double(21u32)));
/// let b = pin!(Task::new(double(1.5f64)));
/// let mut ha = sched.spawn(a).unwrap();
/// let mut hb = sched.spawn(b).unwrap();
/// sched.run_with(|| {});
/// assert_eq!(ha.try_take(), Some(42));
/// assert_eq!(hb.try_take(), Some(3.0));
/// ```
pub struct Task<F: Future> {
    state: UnsafeCell<State<F>>,
    /// `IN_SCHED | HANDLE` bits.
    refs: Cell<u8>,
    /// Set while the future is being polled: guards `state` against re-entry.
    polling: Cell<bool>,
    /// Cancellation requested.
    cancel: Cell<bool>,
    /// The scheduler's waker for this task (to act on a cancel promptly).
    waker: Cell<Option<Waker>>,
    /// Whoever awaits the output.
    joiner: Cell<Option<Waker>>,
    /// The scheduler slot holding this task, while one does.
    link: Cell<Option<Link>>,
    _pinned: PhantomPinned,
    /// Spawned, polled and dropped on the scheduler's thread only.
    _not_send: PhantomData<*const ()>,
}

impl<F: Future> Task<F> {
    /// Storage holding `future`, ready to be pinned and spawned.
    pub const fn new(future: F) -> Self {
        Self::with_state(State::Running(future))
    }

    const fn with_state(state: State<F>) -> Self {
        Self {
            state: UnsafeCell::new(state),
            refs: Cell::new(0),
            polling: Cell::new(false),
            cancel: Cell::new(false),
            waker: Cell::new(None),
            joiner: Cell::new(None),
            link: Cell::new(None),
            _pinned: PhantomPinned,
            _not_send: PhantomData,
        }
    }

    /// Whether the task has a future that no scheduler holds yet.
    pub(crate) fn is_spawnable(&self) -> bool {
        self.refs.get() & IN_SCHED == 0
            && !self.polling.get()
            // SAFETY: not polling, so nobody holds a reference into `state`.
            && matches!(unsafe { &*self.state.get() }, State::Running(_))
    }

    /// Marks the task as held by a scheduler whose waker for it is `waker`, and
    /// hands out its join handle.
    pub(crate) fn attach<'t>(
        self: Pin<&'t Self>,
        id: super::TaskId,
        waker: Waker,
        link: Link,
    ) -> JoinHandle<'t, F::Output> {
        let this = self.get_ref();
        this.refs.set(this.refs.get() | IN_SCHED | HANDLE);
        this.cancel.set(false);
        this.waker.set(Some(waker));
        this.link.set(Some(link));
        JoinHandle::new(this, id)
    }

    /// Whether a pool may put a new future in this cell.
    fn is_free(&self) -> bool {
        self.refs.get() == 0 && !self.polling.get()
    }

    /// Replaces a free cell's finished contents with `future`.
    fn refill(self: Pin<&Self>, future: F) {
        debug_assert!(self.is_free());
        // SAFETY: the cell is free: no scheduler polls it and no handle reads it, and
        // we are not inside its poll, so nothing references `state`. The old value is
        // dropped in place (never moved); the new future is written in place and,
        // being inside pinned storage, never moved afterwards.
        unsafe { *self.state.get() = State::Running(future) };
    }
}

impl<F: Future> Drop for Task<F> {
    fn drop(&mut self) {
        // Leave the scheduler before the future goes (the fields drop after this).
        if let Some(link) = self.link.take() {
            // SAFETY: the link is set only while the task sits in a live scheduler's
            // table (a scheduler clears it when it lets go of the task, or when it
            // is dropped), and the task is dropped on the scheduler's thread: it is
            // not `Send`.
            unsafe { link.unlink() };
        }
    }
}

impl<F: Future> fmt::Debug for Task<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = if self.polling.get() {
            "polling"
        } else {
            // SAFETY: not polling, so nobody holds a reference into `state`.
            match unsafe { &*self.state.get() } {
                State::Empty => "empty",
                State::Running(_) => "running",
                State::Done(_) => "done",
                State::Taken => "taken",
                State::Cancelled => "cancelled",
            }
        };
        f.debug_struct("Task")
            .field("state", &state)
            .field("cancel_requested", &self.cancel.get())
            .finish()
    }
}

/// A task as the scheduler sees it, whatever its future.
pub(crate) trait DynTask {
    /// Polls the future (or drops it, if cancelled). `Ready` once the task is over.
    fn poll_task(self: Pin<&Self>, cx: &mut Context<'_>) -> Poll<()>;
    /// The scheduler lets go of the task (it is over, or the scheduler is dropped).
    fn detach(&self);
}

/// Resets the `polling` flag even if the future panics.
struct PollingGuard<'t>(&'t Cell<bool>);

impl Drop for PollingGuard<'_> {
    fn drop(&mut self) {
        self.0.set(false);
    }
}

impl<F: Future> DynTask for Task<F> {
    fn poll_task(self: Pin<&Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_ref();
        if this.polling.get() {
            // Polled from inside its own poll (a nested run): try again later.
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        let state = this.state.get();
        if this.cancel.get() {
            // SAFETY: not polling, so nobody references `state`; the future is
            // dropped in place, as pinning requires.
            unsafe { *state = State::Cancelled };
            this.finish();
            return Poll::Ready(());
        }
        let guard = PollingGuard(&this.polling);
        this.polling.set(true);
        // SAFETY: `polling` keeps every other access to `state` away while the
        // reference lives. The future is structurally pinned: `self` is pinned and
        // the future is never moved out of `state` (only dropped in place).
        let polled = match unsafe { &mut *state } {
            // SAFETY: as above: the future stays where it is until dropped in place.
            State::Running(fut) => unsafe { Pin::new_unchecked(fut) }.poll(cx),
            // Nothing to run (a spurious poll after the end).
            _ => return Poll::Ready(()),
        };
        drop(guard);
        match polled {
            Poll::Pending => Poll::Pending,
            Poll::Ready(out) => {
                // SAFETY: the poll is over, nothing references `state`; the finished
                // future is dropped in place.
                unsafe { *state = State::Done(out) };
                this.finish();
                Poll::Ready(())
            }
        }
    }

    fn detach(&self) {
        self.refs.set(self.refs.get() & !IN_SCHED);
        self.waker.set(None);
        self.link.set(None);
    }
}

impl<F: Future> Task<F> {
    /// The task is over: tell whoever awaits it.
    fn finish(&self) {
        if let Some(w) = self.joiner.take() {
            w.wake();
        }
    }
}

/// A task as its [`JoinHandle`] sees it: only the output type is known.
pub(crate) trait Join<T> {
    fn poll_join(&self, cx: &mut Context<'_>) -> Poll<Result<T, TaskJoinError>>;
    fn try_take(&self) -> Option<T>;
    fn is_finished(&self) -> bool;
    fn cancel(&self);
    fn release(&self);
}

impl<F: Future> Join<F::Output> for Task<F> {
    fn poll_join(&self, cx: &mut Context<'_>) -> Poll<Result<F::Output, TaskJoinError>> {
        if !self.polling.get() {
            // SAFETY: not polling, so nobody references `state`.
            let state = unsafe { &mut *self.state.get() };
            match state {
                State::Done(_) => {
                    if let State::Done(out) = core::mem::replace(state, State::Taken) {
                        return Poll::Ready(Ok(out));
                    }
                }
                State::Taken => return Poll::Ready(Err(TaskJoinError::Taken)),
                State::Cancelled => return Poll::Ready(Err(TaskJoinError::Cancelled)),
                State::Running(_) | State::Empty => {}
            }
        }
        self.joiner.set(Some(cx.waker().clone()));
        Poll::Pending
    }

    fn try_take(&self) -> Option<F::Output> {
        if self.polling.get() {
            return None;
        }
        // SAFETY: not polling, so nobody references `state`.
        let state = unsafe { &mut *self.state.get() };
        match core::mem::replace(state, State::Taken) {
            State::Done(out) => Some(out),
            other => {
                *state = other;
                None
            }
        }
    }

    fn is_finished(&self) -> bool {
        // SAFETY: not polling, so nobody references `state`.
        !self.polling.get() && !matches!(unsafe { &*self.state.get() }, State::Running(_))
    }

    fn cancel(&self) {
        if self.refs.get() & IN_SCHED != 0 {
            self.cancel.set(true);
            if let Some(w) = self.waker.take() {
                w.wake_by_ref();
                self.waker.set(Some(w));
            }
        }
    }

    fn release(&self) {
        self.refs.set(self.refs.get() & !HANDLE);
    }
}

/// `K` reusable [`Task`] cells for futures of type `F`: a heap-free way to spawn
/// from inside a running task. A cell is reused once its task is over and its
/// [`JoinHandle`] is gone.
///
/// Its futures may borrow the scheduler, e.g. to spawn more tasks; dropping the
/// pool drops its tasks' futures (and takes them out of the scheduler).
///
/// ```
/// use core::pin::pin;
/// use spindle_core::sched::{RunQueue, Scheduler, Task, TaskPool};
///
/// async fn child(n: u32) -> u32 { n * 10 }
///
/// static READY: RunQueue<4> = RunQueue::new();
/// let sched = Scheduler::with_run_queue(&READY).unwrap();
/// let pool = pin!(TaskPool::<_, 2>::new());
/// let pool = pool.into_ref();
/// let parent = pin!(Task::new(async {
///     let a = pool.spawn(&sched, child(1)).unwrap();
///     let b = pool.spawn(&sched, child(2)).unwrap();
///     a.await.unwrap() + b.await.unwrap()
/// }));
/// let mut total = sched.spawn(parent).unwrap();
/// sched.run_with(|| {});
/// assert_eq!(total.try_take(), Some(30));
/// ```
pub struct TaskPool<F: Future, const K: usize> {
    cells: [Task<F>; K],
}

impl<F: Future, const K: usize> TaskPool<F, K> {
    /// A pool of `K` empty cells.
    pub const fn new() -> Self {
        Self {
            cells: [const { Task::with_state(State::Empty) }; K],
        }
    }

    /// Spawns `future` on `sched` in a free cell. Gives the future back with
    /// [`TaskSpawnError::Busy`] if every cell is taken, [`TaskSpawnError::Full`] if the
    /// scheduler has no free slot.
    pub fn spawn<'p, const N: usize>(
        self: Pin<&'p Self>,
        sched: &Scheduler<N>,
        future: F,
    ) -> Result<JoinHandle<'p, F::Output>, TaskSpawnError<F>> {
        let cells = &self.get_ref().cells;
        let Some(cell) = cells.iter().find(|c| c.is_free()) else {
            return Err(TaskSpawnError::Busy(future));
        };
        let Some(slot) = sched.free_slot() else {
            return Err(TaskSpawnError::Full(future));
        };
        // SAFETY: the cells are structurally pinned: `self` is pinned and the array
        // is never moved out of it.
        let cell = unsafe { Pin::new_unchecked(cell) };
        cell.refill(future);
        Ok(sched.spawn_at(slot, cell))
    }

    /// How many cells hold a task that is not over, or an output not yet joined.
    pub fn in_use(&self) -> usize {
        self.cells.iter().filter(|c| !c.is_free()).count()
    }
}

impl<F: Future, const K: usize> Default for TaskPool<F, K> {
    fn default() -> Self {
        Self::new()
    }
}

impl<F: Future, const K: usize> fmt::Debug for TaskPool<F, K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskPool")
            .field("capacity", &K)
            .field("in_use", &self.in_use())
            .finish()
    }
}
