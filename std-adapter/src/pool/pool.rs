//! [`ThreadPool`]: a fixed set of worker threads and a submission queue (recipe
//! 12.7's `ThreadPoolExecutor`, the book's defence against unbounded thread growth).

use std::fmt;
use std::io;
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::Duration;

use spindle_core::queue::UnboundedQueue;
use spindle_core::raw::ParkingRawMutex;
use spindle_core::sync::TryRecvError;

use super::handle::{Runnable, Task, TaskHandle};
use crate::sync::{Mutex, Semaphore};

type Job = Arc<dyn Runnable>;

/// How many times an idle worker polls the queue before it parks.
const IDLE_POLLS: u32 = 64;

/// What [`ThreadPool::submit`] does when a bounded submission queue is full.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum FullPolicy {
    /// Wait for room (back-pressure on the submitter). The default.
    #[default]
    Wait,
    /// Give the closure back at once in [`SubmitError::Full`].
    Reject,
}

/// A pool could not be built.
#[derive(Debug)]
#[non_exhaustive]
pub enum BuildError {
    /// A pool needs at least one worker.
    ZeroWorkers,
    /// A bounded queue needs room for at least one task.
    ZeroCapacity,
    /// The operating system refused to start a worker thread.
    Spawn(io::Error),
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ZeroWorkers => f.write_str("a thread pool needs at least one worker"),
            Self::ZeroCapacity => {
                f.write_str("a bounded submission queue needs a capacity of at least one")
            }
            Self::Spawn(e) => write!(f, "could not start a worker thread: {e}"),
        }
    }
}

impl std::error::Error for BuildError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Spawn(e) => Some(e),
            _ => None,
        }
    }
}

/// A submission was refused; the closure comes back.
#[non_exhaustive]
pub enum SubmitError<F> {
    /// The bounded queue is full (policy [`FullPolicy::Reject`], `try_submit`, or a
    /// timed-out `submit_timeout`).
    Full(F),
    /// The pool has been shut down.
    ShutDown(F),
}

impl<F> SubmitError<F> {
    /// The closure that was not submitted.
    ///
    /// ```
    /// use spindle_std::pool::ThreadPool;
    /// let pool = ThreadPool::new(1).unwrap();
    /// pool.shutdown(true, false);
    /// let f = pool.submit(|| 3).unwrap_err().into_inner();
    /// assert_eq!(f(), 3);
    /// ```
    pub fn into_inner(self) -> F {
        match self {
            Self::Full(f) | Self::ShutDown(f) => f,
        }
    }
}

impl<F> fmt::Debug for SubmitError<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Full(_) => f.write_str("Full(..)"),
            Self::ShutDown(_) => f.write_str("ShutDown(..)"),
        }
    }
}

impl<F> fmt::Display for SubmitError<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Full(_) => f.write_str("the pool's submission queue is full"),
            Self::ShutDown(_) => f.write_str("the pool has been shut down"),
        }
    }
}

impl<F> std::error::Error for SubmitError<F> {}

/// Settings for a [`ThreadPool`]: worker count, queue bound, full policy, thread
/// names and stack size.
///
/// ```
/// use spindle_std::pool::{FullPolicy, ThreadPool};
///
/// let pool = ThreadPool::builder()
///     .workers(4)
///     .queue_capacity(16)
///     .when_full(FullPolicy::Reject)
///     .name("fetch")
///     .build()
///     .unwrap();
/// assert_eq!(pool.workers(), 4);
/// assert_eq!(pool.queue_capacity(), Some(16));
/// ```
#[derive(Debug, Clone)]
pub struct Builder {
    workers: usize,
    capacity: Option<usize>,
    policy: FullPolicy,
    name: String,
    stack_size: Option<usize>,
}

impl Default for Builder {
    fn default() -> Self {
        Self {
            workers: thread::available_parallelism().map_or(4, |n| n.get()),
            capacity: None,
            policy: FullPolicy::Wait,
            name: "spindle-pool".into(),
            stack_size: None,
        }
    }
}

impl Builder {
    /// The number of worker threads (default: the available parallelism).
    ///
    /// ```
    /// let pool = spindle_std::pool::ThreadPool::builder().workers(3).build().unwrap();
    /// assert_eq!(pool.workers(), 3);
    /// ```
    pub fn workers(mut self, n: usize) -> Self {
        self.workers = n;
        self
    }

    /// Bounds the submission queue to `n` waiting tasks (default: unbounded).
    ///
    /// ```
    /// let pool = spindle_std::pool::ThreadPool::builder().queue_capacity(8).build().unwrap();
    /// assert_eq!(pool.queue_capacity(), Some(8));
    /// ```
    pub fn queue_capacity(mut self, n: usize) -> Self {
        self.capacity = Some(n);
        self
    }

    /// What `submit` does when the bounded queue is full (default: wait).
    ///
    /// ```
    /// use spindle_std::pool::{FullPolicy, ThreadPool};
    /// let pool = ThreadPool::builder().queue_capacity(1).when_full(FullPolicy::Reject).build().unwrap();
    /// # drop(pool);
    /// ```
    pub fn when_full(mut self, policy: FullPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// The worker threads' name prefix; workers are `prefix-0`, `prefix-1`, ...
    ///
    /// ```
    /// let pool = spindle_std::pool::ThreadPool::builder().workers(1).name("io").build().unwrap();
    /// let name = pool.submit(|| std::thread::current().name().map(String::from)).unwrap();
    /// assert_eq!(name.result().unwrap().as_deref(), Some("io-0"));
    /// ```
    pub fn name(mut self, prefix: impl Into<String>) -> Self {
        self.name = prefix.into();
        self
    }

    /// The worker threads' stack size in bytes (the book's `threading.stack_size`).
    ///
    /// ```
    /// let pool = spindle_std::pool::ThreadPool::builder().stack_size(256 * 1024).build().unwrap();
    /// # drop(pool);
    /// ```
    pub fn stack_size(mut self, bytes: usize) -> Self {
        self.stack_size = Some(bytes);
        self
    }

    /// Starts the workers.
    ///
    /// ```
    /// use spindle_std::pool::{BuildError, ThreadPool};
    /// assert!(matches!(ThreadPool::builder().workers(0).build(), Err(BuildError::ZeroWorkers)));
    /// ```
    pub fn build(self) -> Result<ThreadPool, BuildError> {
        if self.workers == 0 {
            return Err(BuildError::ZeroWorkers);
        }
        if self.capacity == Some(0) {
            return Err(BuildError::ZeroCapacity);
        }
        let shared = Arc::new(Shared {
            queue: UnboundedQueue::new(),
            room: self.capacity.map(Semaphore::new),
            capacity: self.capacity,
            policy: self.policy,
        });
        let mut handles = Vec::with_capacity(self.workers);
        for i in 0..self.workers {
            let mut b = thread::Builder::new().name(format!("{}-{i}", self.name));
            if let Some(size) = self.stack_size {
                b = b.stack_size(size);
            }
            let s = shared.clone();
            match b.spawn(move || s.work()) {
                Ok(h) => handles.push(h),
                Err(e) => {
                    shared.queue.close();
                    for h in handles {
                        let _ = h.join();
                    }
                    return Err(BuildError::Spawn(e));
                }
            }
        }
        Ok(ThreadPool {
            shared,
            threads: Mutex::new(handles),
            workers: self.workers,
        })
    }
}

struct Shared {
    queue: UnboundedQueue<ParkingRawMutex, Job>,
    /// Free room in a bounded queue, as permits.
    room: Option<Semaphore>,
    capacity: Option<usize>,
    policy: FullPolicy,
}

impl Shared {
    fn work(&self) {
        while let Some(job) = self.next_job() {
            self.release_room();
            job.run();
        }
    }

    /// The next task, or `None` once the queue is closed and drained. An idle worker
    /// first polls for a while, yielding its core, before it parks: parking and
    /// being woken cost both the worker and the submitter a system call, which
    /// would dominate a stream of small tasks.
    fn next_job(&self) -> Option<Job> {
        for round in 0..IDLE_POLLS {
            match self.queue.try_recv() {
                Ok(job) => return Some(job),
                Err(TryRecvError::Empty) if round < 4 => std::hint::spin_loop(),
                Err(TryRecvError::Empty) => thread::yield_now(),
                Err(_) => return None,
            }
        }
        self.queue.recv_blocking().ok()
    }

    fn release_room(&self) {
        if let Some(room) = &self.room {
            // Never over capacity: one permit back per task taken off the queue.
            let _ = room.add_permits(1);
        }
    }
}

/// How a submission waits for room in a bounded queue.
enum Room {
    Wait,
    Try,
    Timeout(Duration),
}

/// A pool of worker threads that run submitted closures (Python's
/// `concurrent.futures.ThreadPoolExecutor`, recipe 12.7).
///
/// The worker count is fixed when the pool is built, so a flood of work queues up
/// instead of creating threads; the submission queue can be bounded too, with a
/// [`FullPolicy`]. A panic in a task is caught and becomes that task's
/// [`TaskError::Panicked`](super::TaskError::Panicked); the worker goes on.
/// Dropping the pool is [`shutdown(true, false)`](Self::shutdown): everything
/// queued runs, then the workers are joined.
///
/// | Python | spindle |
/// |---|---|
/// | `ThreadPoolExecutor(n)` | [`ThreadPool::new(n)`](Self::new), [`ThreadPool::builder()`](Self::builder) |
/// | `pool.submit(fn, *args)` | [`submit(move \|\| fn(args))`](Self::submit) → [`TaskHandle`] |
/// | `pool.map(fn, items)` | [`map(fn, items)`](Self::map) (lazy, ordered, `.chunk_size(n)`) |
/// | `pool.shutdown(wait, cancel_futures)` | [`shutdown(wait, cancel_pending)`](Self::shutdown) |
/// | `with ThreadPoolExecutor() as pool:` | the pool's scope (drop) or [`scope`](Self::scope) for borrowing tasks |
///
/// ```
/// use spindle_std::pool::ThreadPool;
///
/// let pool = ThreadPool::new(4).unwrap();
/// let handles: Vec<_> = (1..=10u64).map(|n| pool.submit(move || n * n).unwrap()).collect();
/// let total: u64 = handles.into_iter().map(|h| h.result().unwrap()).sum();
/// assert_eq!(total, 385);
/// ```
pub struct ThreadPool {
    shared: Arc<Shared>,
    threads: Mutex<Vec<JoinHandle<()>>>,
    workers: usize,
}

impl ThreadPool {
    /// A pool of `workers` threads with an unbounded queue.
    ///
    /// ```
    /// let pool = spindle_std::pool::ThreadPool::new(2).unwrap();
    /// assert_eq!(pool.workers(), 2);
    /// assert!(spindle_std::pool::ThreadPool::new(0).is_err());
    /// ```
    pub fn new(workers: usize) -> Result<Self, BuildError> {
        Builder::default().workers(workers).build()
    }

    /// A [`Builder`] for the pool's settings.
    ///
    /// ```
    /// let pool = spindle_std::pool::ThreadPool::builder().workers(2).build().unwrap();
    /// # drop(pool);
    /// ```
    pub fn builder() -> Builder {
        Builder::default()
    }

    /// The number of worker threads.
    ///
    /// ```
    /// assert_eq!(spindle_std::pool::ThreadPool::new(3).unwrap().workers(), 3);
    /// ```
    pub fn workers(&self) -> usize {
        self.workers
    }

    /// The submission queue's bound, if it has one.
    ///
    /// ```
    /// assert_eq!(spindle_std::pool::ThreadPool::new(1).unwrap().queue_capacity(), None);
    /// ```
    pub fn queue_capacity(&self) -> Option<usize> {
        self.shared.capacity
    }

    /// Tasks waiting in the queue, not yet taken by a worker (a snapshot).
    ///
    /// ```
    /// let pool = spindle_std::pool::ThreadPool::new(1).unwrap();
    /// assert_eq!(pool.queued(), 0);
    /// ```
    pub fn queued(&self) -> usize {
        self.shared.queue.len()
    }

    /// Whether [`shutdown`](Self::shutdown) has begun: submissions are refused.
    ///
    /// ```
    /// let pool = spindle_std::pool::ThreadPool::new(1).unwrap();
    /// pool.shutdown(false, false);
    /// assert!(pool.is_shut_down());
    /// ```
    pub fn is_shut_down(&self) -> bool {
        self.shared.queue.is_closed()
    }

    /// Submits `f` to run on a worker (Python's `pool.submit`) and returns its
    /// handle. If the queue is bounded and full, the pool's [`FullPolicy`] decides:
    /// wait for room, or give `f` back in [`SubmitError::Full`]. After shutdown `f`
    /// comes back in [`SubmitError::ShutDown`].
    ///
    /// ```
    /// let pool = spindle_std::pool::ThreadPool::new(2).unwrap();
    /// let h = pool.submit(|| 6 * 7).unwrap();
    /// assert_eq!(h.result(), Ok(42));
    /// ```
    pub fn submit<F, R>(&self, f: F) -> Result<TaskHandle<R>, SubmitError<F>>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        let room = match self.shared.policy {
            FullPolicy::Wait => Room::Wait,
            FullPolicy::Reject => Room::Try,
        };
        self.submit_with(f, room)
    }

    /// Submits `f` without ever waiting: a full bounded queue gives `f` back in
    /// [`SubmitError::Full`], whatever the policy.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use spindle_std::pool::{SubmitError, ThreadPool};
    /// use spindle_std::sync::Event;
    ///
    /// let pool = ThreadPool::builder().workers(1).queue_capacity(1).build().unwrap();
    /// let go = Arc::new(Event::new());
    /// let g = go.clone();
    /// let busy = pool.submit(move || g.wait_blocking()).unwrap();
    /// while pool.queued() > 0 { std::thread::yield_now(); } // the worker took it
    /// let queued = pool.try_submit(|| 1).unwrap();         // fills the queue
    /// assert!(matches!(pool.try_submit(|| 2), Err(SubmitError::Full(_))));
    /// go.set();
    /// assert_eq!(queued.result(), Ok(1));
    /// # busy.result().unwrap();
    /// ```
    pub fn try_submit<F, R>(&self, f: F) -> Result<TaskHandle<R>, SubmitError<F>>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.submit_with(f, Room::Try)
    }

    /// Submits `f`, waiting at most `timeout` for room in a bounded queue.
    ///
    /// ```
    /// use std::time::Duration;
    /// let pool = spindle_std::pool::ThreadPool::new(1).unwrap();
    /// let h = pool.submit_timeout(|| 1, Duration::from_millis(10)).unwrap();
    /// assert_eq!(h.result(), Ok(1));
    /// ```
    pub fn submit_timeout<F, R>(
        &self,
        f: F,
        timeout: Duration,
    ) -> Result<TaskHandle<R>, SubmitError<F>>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.submit_with(f, Room::Timeout(timeout))
    }

    /// Submits `f`, awaiting room in a bounded queue (the async form of a waiting
    /// [`submit`](Self::submit)).
    ///
    /// ```
    /// use spindle_core::wait::block_on;
    /// let pool = spindle_std::pool::ThreadPool::new(1).unwrap();
    /// let v = block_on(async {
    ///     let h = pool.submit_async(|| 9).await.unwrap();
    ///     h.await
    /// });
    /// assert_eq!(v, Ok(9));
    /// ```
    pub async fn submit_async<F, R>(&self, f: F) -> Result<TaskHandle<R>, SubmitError<F>>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        if self.is_shut_down() {
            return Err(SubmitError::ShutDown(f));
        }
        if let Some(room) = &self.shared.room {
            room.acquire().await.forget();
        }
        self.enqueue(f)
    }

    /// Submits `f`, waiting for room whatever the policy (for `map` and `scope`).
    pub(crate) fn submit_waiting<F, R>(&self, f: F) -> Result<TaskHandle<R>, SubmitError<F>>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.submit_with(f, Room::Wait)
    }

    fn submit_with<F, R>(&self, f: F, wait: Room) -> Result<TaskHandle<R>, SubmitError<F>>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        if self.is_shut_down() {
            return Err(SubmitError::ShutDown(f));
        }
        if let Some(room) = &self.shared.room {
            let got = match wait {
                Room::Wait => {
                    // Wake up now and then to notice a shutdown.
                    loop {
                        if let Ok(p) = room.acquire_timeout(Duration::from_millis(50)) {
                            break Some(p);
                        }
                        if self.is_shut_down() {
                            return Err(SubmitError::ShutDown(f));
                        }
                    }
                }
                Room::Try => room.try_acquire().ok(),
                Room::Timeout(d) => room.acquire_timeout(d).ok(),
            };
            match got {
                Some(permit) => permit.forget(),
                None if self.is_shut_down() => return Err(SubmitError::ShutDown(f)),
                None => return Err(SubmitError::Full(f)),
            }
        }
        self.enqueue(f)
    }

    /// Queues `f`; room (if bounded) is already reserved.
    fn enqueue<F, R>(&self, f: F) -> Result<TaskHandle<R>, SubmitError<F>>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        let task = Arc::new(Task::new(f));
        let job: Job = task.clone();
        match self.shared.queue.send(job) {
            Ok(()) => Ok(TaskHandle::new(task)),
            Err(e) => {
                drop(e);
                self.shared.release_room();
                match task.take_closure() {
                    Some(f) => Err(SubmitError::ShutDown(f)),
                    // Unreachable: nobody else saw the task.
                    None => Ok(TaskHandle::new(task)),
                }
            }
        }
    }

    /// Shuts the pool down (Python's `shutdown(wait, cancel_futures)`): later
    /// submissions are refused; with `cancel_pending`, every task still in the queue
    /// is cancelled (its handle gives [`TaskError::Cancelled`](super::TaskError::Cancelled)),
    /// otherwise the workers run them all; with `wait`, returns once every worker has
    /// finished and been joined. Either way every handle resolves. Calling it again
    /// is harmless. Called from one of the pool's own tasks, it does not wait for
    /// that task's worker.
    ///
    /// ```
    /// use spindle_std::pool::ThreadPool;
    ///
    /// let pool = ThreadPool::new(2).unwrap();
    /// let handles: Vec<_> = (0..8).map(|n| pool.submit(move || n).unwrap()).collect();
    /// pool.shutdown(true, false); // runs all eight
    /// assert!(handles.iter().all(|h| h.is_done()));
    /// assert!(pool.submit(|| 0).is_err());
    /// ```
    pub fn shutdown(&self, wait: bool, cancel_pending: bool) {
        self.shared.queue.close();
        if cancel_pending {
            while let Ok(job) = self.shared.queue.try_recv() {
                self.shared.release_room();
                job.cancel();
            }
        }
        if wait {
            self.join_workers();
        }
    }

    /// Joins every worker except the calling thread.
    fn join_workers(&self) {
        let me = thread::current().id();
        let mut threads = self.threads.lock_blocking();
        let mut mine = Vec::new();
        for h in threads.drain(..) {
            if h.thread().id() == me {
                mine.push(h);
            } else {
                // A worker cannot panic (tasks and callbacks are caught).
                let _ = h.join();
            }
        }
        *threads = mine;
    }
}

impl Drop for ThreadPool {
    fn drop(&mut self) {
        self.shutdown(true, false);
    }
}

impl fmt::Debug for ThreadPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ThreadPool")
            .field("workers", &self.workers)
            .field("queued", &self.queued())
            .field("capacity", &self.shared.capacity)
            .field("shut_down", &self.is_shut_down())
            .finish()
    }
}
