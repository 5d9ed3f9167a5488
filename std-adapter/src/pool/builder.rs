//! [`Builder`]: a [`ThreadPool`]'s settings (worker count, queue bound and
//! [`FullPolicy`], thread names, stack size), and the start of its workers
//! (recipe 12.7).

use std::sync::Arc;
use std::thread;

use crossbeam_utils::CachePadded;

use super::gate::Gate;
use super::queues::Queues;
use super::sleep::Sleep;
use super::worker::Shared;
use super::{BuildError, ThreadPool};
use crate::sync::{Mutex, Semaphore};

/// What [`ThreadPool::submit`] does when a bounded submission queue is full.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum FullPolicy {
    /// Wait for room (back-pressure on the submitter). The default.
    #[default]
    Wait,
    /// Give the closure back at once in [`SubmitError::Full`](super::SubmitError::Full).
    Reject,
}

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
        let (queues, deques) = Queues::new(self.workers);
        let shared = Arc::new(Shared {
            queues,
            gate: CachePadded::new(Gate::new()),
            sleep: CachePadded::new(Sleep::new()),
            room: self.capacity.map(Semaphore::new),
            capacity: self.capacity,
            policy: self.policy,
        });
        let mut handles = Vec::with_capacity(self.workers);
        for (i, deque) in deques.into_iter().enumerate() {
            let mut b = thread::Builder::new().name(format!("{}-{i}", self.name));
            if let Some(size) = self.stack_size {
                b = b.stack_size(size);
            }
            let s = shared.clone();
            match b.spawn(move || s.work(i, deque)) {
                Ok(h) => handles.push(h),
                Err(e) => {
                    shared.close();
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
