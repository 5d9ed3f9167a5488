//! [`TaskHandle`]: the result of one task submitted to a [`ThreadPool`](super::ThreadPool),
//! Python's `concurrent.futures.Future` (recipe 12.7's `a.result()`).
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

use std::any::Any;
use std::fmt;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use spindle_core::sync::{RecvTimeoutError, TryRecvError};

use crate::sync::{Mutex, Oneshot};

const STAGE: usize = 0b111;
const PENDING: usize = 0;
const RUNNING: usize = 1;
const COMPLETED: usize = 2;
const PANICKED: usize = 3;
const CANCELLED: usize = 4;
const LISTENERS: usize = 0b1000;
const FIRED: usize = 0b1_0000;

/// Why a task's handle has no value to give.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TaskError {
    /// The task panicked; the panic's message (the worker survived).
    Panicked(String),
    /// The task was cancelled before it started (by [`TaskHandle::cancel`] or by a
    /// shutdown that cancelled pending work): Python's `CancelledError`.
    Cancelled,
    /// A wait with a timeout gave up; the task goes on and can still be waited for.
    TimedOut,
    /// The value was already taken through this handle (e.g. by an earlier
    /// [`result_timeout`](TaskHandle::result_timeout)).
    Taken,
}

impl fmt::Display for TaskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Panicked(msg) => write!(f, "the task panicked: {msg}"),
            Self::Cancelled => f.write_str("the task was cancelled before it started"),
            Self::TimedOut => f.write_str("timed out waiting for the task"),
            Self::Taken => f.write_str("the task's result was already taken"),
        }
    }
}

impl std::error::Error for TaskError {}

/// Where a task is in its life (a snapshot), and what a done-callback is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TaskState {
    /// Waiting in the queue; [`TaskHandle::cancel`] can still stop it.
    Pending,
    /// A worker is running it.
    Running,
    /// It returned a value.
    Completed,
    /// It panicked; its handle gives [`TaskError::Panicked`].
    Panicked,
    /// It was cancelled before it started; its handle gives [`TaskError::Cancelled`].
    Cancelled,
}

impl TaskState {
    fn from_stage(s: usize) -> Self {
        match s & STAGE {
            PENDING => Self::Pending,
            RUNNING => Self::Running,
            COMPLETED => Self::Completed,
            PANICKED => Self::Panicked,
            _ => Self::Cancelled,
        }
    }

    /// Whether the task is finished: completed, panicked or cancelled.
    ///
    /// ```
    /// use spindle_std::pool::TaskState;
    /// assert!(TaskState::Cancelled.is_done() && !TaskState::Running.is_done());
    /// ```
    pub fn is_done(self) -> bool {
        matches!(self, Self::Completed | Self::Panicked | Self::Cancelled)
    }
}

type Callback = Box<dyn FnOnce(TaskState) + Send>;

#[derive(Default)]
struct Listeners {
    callbacks: Vec<Callback>,
    waker: Option<Waker>,
}

/// The part of a task that does not depend on its closure's type.
pub(crate) struct Header<R> {
    state: AtomicUsize,
    value: Oneshot<Result<R, TaskError>>,
    listeners: Mutex<Listeners>,
}

impl<R> Header<R> {
    fn new() -> Self {
        Self {
            state: AtomicUsize::new(PENDING),
            value: Oneshot::new(),
            listeners: Mutex::new(Listeners::default()),
        }
    }

    /// Moves the stage from `from` to `to`, keeping the flag bits; `false` if the
    /// stage was not `from`.
    fn transition(&self, from: usize, to: usize) -> bool {
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

    fn state(&self) -> TaskState {
        TaskState::from_stage(self.state.load(Ordering::Acquire))
    }

    /// Step (3) of completion: marks the listeners fired and runs them.
    fn fire(&self, final_state: TaskState) {
        let prev = self.state.fetch_or(FIRED, Ordering::AcqRel);
        if prev & LISTENERS == 0 {
            return;
        }
        let taken = self.listeners.with_lock(std::mem::take);
        if let Some(w) = taken.waker {
            w.wake();
        }
        for cb in taken.callbacks {
            run_callback(cb, final_state);
        }
    }

    /// Registers a listener with `install` under the list's lock, unless the task
    /// has fired; `false` (nothing installed) if it has.
    fn listen(&self, install: impl FnOnce(&mut Listeners)) -> bool {
        let mut list = self.listeners.lock_blocking();
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
        install(&mut list);
        true
    }

    fn has_fired(&self) -> bool {
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
    fn no_value(&self) -> TaskError {
        if self.state() == TaskState::Cancelled {
            TaskError::Cancelled
        } else {
            TaskError::Taken
        }
    }
}

fn run_callback(cb: Callback, state: TaskState) {
    // A panicking callback must not take the worker (or the caller) down with it.
    let _ = catch_unwind(AssertUnwindSafe(move || cb(state)));
}

/// The message of a panic payload.
pub(crate) fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "<non-string panic payload>".to_owned()
    }
}

/// A task: the closure and its header, one allocation.
pub(crate) struct Task<F, R> {
    header: Header<R>,
    func: Mutex<Option<F>>,
}

impl<F: FnOnce() -> R, R> Task<F, R> {
    pub(crate) fn new(f: F) -> Self {
        Self {
            header: Header::new(),
            func: Mutex::new(Some(f)),
        }
    }

    /// Takes the closure back out of a task that never ran (a refused submit).
    pub(crate) fn take_closure(&self) -> Option<F> {
        self.func.with_lock(Option::take)
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

/// The handle of a submitted task: wait for its result (blocking, with a timeout,
/// or with `.await`), ask whether it is done, add done-callbacks, or cancel it
/// before it starts. Python's `concurrent.futures.Future`.
///
/// | Python | spindle |
/// |---|---|
/// | `fut.result()` | [`result`](Self::result) (consumes the handle) or `handle.await` |
/// | `fut.result(timeout=t)` | [`result_timeout`](Self::result_timeout) → `Err(TaskError::TimedOut)` |
/// | `fut.done()`, `fut.running()`, `fut.cancelled()` | [`is_done`](Self::is_done), [`state`](Self::state) |
/// | `fut.cancel()` | [`cancel`](Self::cancel) (succeeds only while pending) |
/// | `fut.add_done_callback(fn)` | [`add_done_callback`](Self::add_done_callback) (told the final [`TaskState`]) |
/// | an exception raised in the task | `Err(TaskError::Panicked(message))` |
///
/// Dropping a handle does not cancel its task; the task runs and its value is
/// dropped.
///
/// ```
/// use spindle_std::pool::ThreadPool;
///
/// let pool = ThreadPool::new(2).unwrap();
/// let a = pool.submit(|| "python.org".len()).unwrap();
/// let b = pool.submit(|| "pypy.org".len()).unwrap();
/// assert_eq!(a.result(), Ok(10));
/// assert_eq!(b.result(), Ok(8));
/// ```
pub struct TaskHandle<R> {
    core: Arc<dyn TaskCore<R>>,
}

impl<R> TaskHandle<R> {
    pub(crate) fn new(core: Arc<dyn TaskCore<R>>) -> Self {
        Self { core }
    }

    fn header(&self) -> &Header<R> {
        self.core.header()
    }

    /// Waits for the task and gives its value (Python's `fut.result()`):
    /// [`TaskError::Panicked`] if it panicked, [`TaskError::Cancelled`] if it never ran.
    ///
    /// ```
    /// use spindle_std::pool::{TaskError, ThreadPool};
    ///
    /// let pool = ThreadPool::new(1).unwrap();
    /// let bad = pool.submit(|| -> u32 { panic!("no such host") }).unwrap();
    /// assert_eq!(bad.result(), Err(TaskError::Panicked("no such host".into())));
    /// // The worker survived.
    /// assert_eq!(pool.submit(|| 7).unwrap().result(), Ok(7));
    /// ```
    pub fn result(self) -> Result<R, TaskError> {
        let h = self.header();
        match h.value.try_recv() {
            Ok(v) => v,
            Err(TryRecvError::Empty) => h
                .value
                .recv_blocking()
                .unwrap_or_else(|_| Err(h.no_value())),
            Err(TryRecvError::Closed) => Err(h.no_value()),
        }
    }

    /// Waits at most `timeout` for the value: [`TaskError::TimedOut`] if the task has
    /// not finished by then (it goes on; wait again later). After the value has been
    /// taken, later calls give [`TaskError::Taken`].
    ///
    /// ```
    /// use std::time::Duration;
    /// use spindle_std::pool::{TaskError, ThreadPool};
    /// use spindle_std::sync::Event;
    /// use std::sync::Arc;
    ///
    /// let pool = ThreadPool::new(1).unwrap();
    /// let go = Arc::new(Event::new());
    /// let g = go.clone();
    /// let h = pool.submit(move || { g.wait_blocking(); 5 }).unwrap();
    /// assert_eq!(h.result_timeout(Duration::from_millis(10)), Err(TaskError::TimedOut));
    /// go.set();
    /// assert_eq!(h.result_timeout(Duration::from_secs(10)), Ok(5));
    /// assert_eq!(h.result_timeout(Duration::from_secs(10)), Err(TaskError::Taken));
    /// ```
    pub fn result_timeout(&self, timeout: Duration) -> Result<R, TaskError> {
        let h = self.header();
        match h.value.recv_timeout(timeout) {
            Ok(v) => v,
            Err(RecvTimeoutError::TimedOut) => Err(TaskError::TimedOut),
            Err(RecvTimeoutError::Closed) => Err(h.no_value()),
        }
    }

    /// Takes the value if the task has finished, without waiting:
    /// `Err(TaskError::TimedOut)` if it has not.
    ///
    /// ```
    /// use spindle_std::pool::ThreadPool;
    /// let pool = ThreadPool::new(1).unwrap();
    /// let h = pool.submit(|| 1).unwrap();
    /// h.wait();
    /// assert_eq!(h.try_result(), Ok(1));
    /// ```
    pub fn try_result(&self) -> Result<R, TaskError> {
        let h = self.header();
        match h.value.try_recv() {
            Ok(v) => v,
            Err(TryRecvError::Empty) => Err(TaskError::TimedOut),
            Err(TryRecvError::Closed) => Err(h.no_value()),
        }
    }

    /// Waits until the task is done (completed, panicked or cancelled) without
    /// taking its value.
    ///
    /// ```
    /// use spindle_std::pool::ThreadPool;
    /// let pool = ThreadPool::new(1).unwrap();
    /// let h = pool.submit(|| 1).unwrap();
    /// h.wait();
    /// assert!(h.is_done());
    /// ```
    pub fn wait(&self) {
        if self.is_done() {
            return;
        }
        let done = Arc::new(crate::sync::Event::new());
        let d = done.clone();
        self.add_done_callback(move |_| d.set());
        done.wait_blocking();
    }

    /// Whether the task has finished: completed, panicked or cancelled (Python's
    /// `fut.done()`).
    ///
    /// ```
    /// use spindle_std::pool::ThreadPool;
    /// let pool = ThreadPool::new(1).unwrap();
    /// let h = pool.submit(|| 1).unwrap();
    /// h.wait();
    /// assert!(h.is_done());
    /// ```
    pub fn is_done(&self) -> bool {
        self.state().is_done()
    }

    /// Where the task is now (a snapshot).
    ///
    /// ```
    /// use spindle_std::pool::{TaskState, ThreadPool};
    /// let pool = ThreadPool::new(1).unwrap();
    /// let h = pool.submit(|| 1).unwrap();
    /// h.wait();
    /// assert_eq!(h.state(), TaskState::Completed);
    /// ```
    pub fn state(&self) -> TaskState {
        self.header().state()
    }

    /// Cancels the task if it has not started (Python's `fut.cancel()`): `true` if it
    /// is cancelled (now or earlier), `false` if it is running or finished. A
    /// cancelled task's closure is dropped at once, its callbacks run with
    /// [`TaskState::Cancelled`], and its handle gives [`TaskError::Cancelled`].
    ///
    /// ```
    /// use std::sync::Arc;
    /// use spindle_std::pool::{TaskError, ThreadPool};
    /// use spindle_std::sync::Event;
    ///
    /// let pool = ThreadPool::new(1).unwrap();
    /// let go = Arc::new(Event::new());
    /// let g = go.clone();
    /// let busy = pool.submit(move || g.wait_blocking()).unwrap(); // occupies the worker
    /// let queued = pool.submit(|| 2).unwrap();
    /// assert!(queued.cancel());
    /// go.set();
    /// assert_eq!(queued.result(), Err(TaskError::Cancelled));
    /// assert_eq!(busy.result(), Ok(()));
    /// ```
    pub fn cancel(&self) -> bool {
        self.core.cancel()
    }

    /// Runs `f` once the task is done, with its final state (Python's
    /// `add_done_callback`). Added after the task finished, `f` runs at once on this
    /// thread; otherwise it runs on the thread that finishes the task (a worker, or
    /// the one that cancels it). Every callback runs exactly once; a panicking
    /// callback is contained. The value is not passed: it belongs to the handle.
    ///
    /// ```
    /// use std::sync::{Arc, atomic::{AtomicUsize, Ordering}};
    /// use spindle_std::pool::{TaskState, ThreadPool};
    ///
    /// let pool = ThreadPool::new(1).unwrap();
    /// let calls = Arc::new(AtomicUsize::new(0));
    /// let h = pool.submit(|| 1).unwrap();
    /// let c = calls.clone();
    /// h.add_done_callback(move |s| { assert_eq!(s, TaskState::Completed); c.fetch_add(1, Ordering::SeqCst); });
    /// h.wait();
    /// let c = calls.clone();
    /// h.add_done_callback(move |_| { c.fetch_add(1, Ordering::SeqCst); }); // runs now
    /// assert_eq!(calls.load(Ordering::SeqCst), 2);
    /// ```
    pub fn add_done_callback(&self, f: impl FnOnce(TaskState) + Send + 'static) {
        let h = self.header();
        let mut f = Some(f);
        let installed = h.listen(|l| {
            if let Some(f) = f.take() {
                l.callbacks.push(Box::new(f));
            }
        });
        if !installed {
            if let Some(f) = f.take() {
                run_callback(Box::new(f), h.state());
            }
        }
    }

    /// Runs the task on this thread if no worker has started it yet: `true` if it
    /// ran here. Used by waits that help instead of blocking.
    pub(crate) fn run_here(&self) -> bool {
        self.core.run_here()
    }
}

impl<R> Future for TaskHandle<R> {
    type Output = Result<R, TaskError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let h = self.header();
        if !h.has_fired() {
            let waker = cx.waker().clone();
            if h.listen(|l| l.waker = Some(waker)) {
                return Poll::Pending;
            }
        }
        Poll::Ready(match h.value.try_recv() {
            Ok(v) => v,
            Err(TryRecvError::Empty) => Err(TaskError::Taken),
            Err(TryRecvError::Closed) => Err(h.no_value()),
        })
    }
}

impl<R> fmt::Debug for TaskHandle<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskHandle")
            .field("state", &self.state())
            .finish_non_exhaustive()
    }
}
