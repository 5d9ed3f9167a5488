//! [`TaskHandle`]: the result of one task submitted to a [`ThreadPool`](super::ThreadPool),
//! Python's `concurrent.futures.Future` (recipe 12.7's `a.result()`).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use spindle_core::sync::RecvError;

use super::task::{run_callback, Header, TaskCore};
use super::{TaskError, TaskState};

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
    /// Done-callbacks may still be running when it returns (see
    /// [`add_done_callback`](Self::add_done_callback)).
    ///
    /// Deadlock warning, as in Python: a task that waits on the result of another
    /// task of the *same* pool blocks its worker; when every worker does so (or a
    /// bounded queue is full and the awaited task cannot even be queued) nothing
    /// can run and the pool hangs. Submit dependent work to another pool, or use
    /// [`scope`](super::ThreadPool::scope) from outside the pool.
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
            Err(RecvError::Empty) => h.map_recv(h.value.recv_blocking()),
            r => h.map_recv(r),
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
        h.map_recv(h.value.recv_timeout(timeout))
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
            Err(RecvError::Empty) => Err(TaskError::TimedOut),
            r => h.map_recv(r),
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
    /// Callbacks run *after* the value is published, on the worker: when
    /// [`result`](Self::result) returns, a callback added earlier may still be
    /// running or not yet started (as in Python, where `set_result` wakes the
    /// waiter before it invokes the callbacks). Do not rely on a callback's effect
    /// being visible once `result` returns; have the callback signal what it did
    /// (an [`Event`](crate::sync::Event), a channel) and wait on that.
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
            Err(RecvError::Empty) => Err(TaskError::Taken),
            r => h.map_recv(r),
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
