//! [`ThreadPool`]: a fixed set of worker threads and a submission queue (recipe
//! 12.7's `ThreadPoolExecutor`, the book's defence against unbounded thread growth).

use std::fmt;
use std::sync::Arc;
use std::thread::JoinHandle;

use super::worker::Shared;
use super::{BuildError, Builder};
use crate::sync::Mutex;

/// A pool of worker threads that run submitted closures (Python's
/// `concurrent.futures.ThreadPoolExecutor`, recipe 12.7).
///
/// The worker count is fixed when the pool is built, so a flood of work queues up
/// instead of creating threads; the submission queue can be bounded too, with a
/// [`FullPolicy`](super::FullPolicy). A panic in a task is caught and becomes that task's
/// [`TaskError::Panicked`](super::TaskError::Panicked); the worker goes on.
/// Dropping the pool is [`shutdown(Shutdown::wait())`](Self::shutdown): everything
/// queued runs, then the workers are joined.
///
/// | Python | spindle |
/// |---|---|
/// | `ThreadPoolExecutor(n)` | [`ThreadPool::new(n)`](Self::new), [`ThreadPool::builder()`](Self::builder) |
/// | `pool.submit(fn, *args)` | [`submit(move \|\| fn(args))`](Self::submit) → [`TaskHandle`](super::TaskHandle) |
/// | `pool.map(fn, items)` | [`map(fn, items)`](Self::map) (lazy, ordered, `.chunk_size(n)`) |
/// | `pool.shutdown(wait, cancel_futures)` | [`shutdown(Shutdown::wait().cancel_pending())`](Self::shutdown), [`Shutdown::no_wait()`](super::Shutdown::no_wait) |
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
    pub(super) shared: Arc<Shared>,
    pub(super) threads: Mutex<Vec<JoinHandle<()>>>,
    pub(super) workers: usize,
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

    /// Tasks waiting in the queues, not yet taken by a worker (a snapshot).
    ///
    /// ```
    /// let pool = spindle_std::pool::ThreadPool::new(1).unwrap();
    /// assert_eq!(pool.queued(), 0);
    /// ```
    pub fn queued(&self) -> usize {
        self.shared.queues.len()
    }

    /// Whether [`shutdown`](Self::shutdown) has begun: submissions are refused.
    ///
    /// ```
    /// let pool = spindle_std::pool::ThreadPool::new(1).unwrap();
    /// pool.shutdown(spindle_std::pool::Shutdown::no_wait());
    /// assert!(pool.is_shut_down());
    /// ```
    pub fn is_shut_down(&self) -> bool {
        self.shared.gate.is_closed()
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
