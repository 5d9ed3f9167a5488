//! Pollable queues: spindle's queues with a descriptor that is readable exactly
//! while there is something to receive (or the queue is closed), so one thread can
//! wait on several queues and sockets at once (recipe 12.13's `fileno()` trick).
//!
//! The wrapper is a separate type: a plain [`Queue`] that nobody polls pays nothing.
//! A pollable one pays one atomic add per send and receive, plus a lock and a
//! system call only when the queue goes from empty to non-empty or back.

use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::time::Duration;

use spindle_core::queue::{PriorityQueue, TaskDoneError, UnboundedQueue};
use spindle_core::raw::ParkingRawMutex;

use super::error::{
    CreateError, RecvError, RecvTimeoutError, SendError, SendTimeoutError, TryRecvError,
    TrySendError,
};
use super::fd_level::FdLevel;
use super::readiness::Counted;
use crate::queue::Queue;
use crate::sync::WaitTimeoutError;

/// A spindle queue with a pollable descriptor (see the [module docs](crate::poll)).
///
/// Every send and receive goes through the wrapper (there is deliberately no way
/// to reach the inner queue), so the descriptor can never disagree with it once
/// the calls in flight have returned. Register it with a
/// [`Selector`](super::Selector), or poll [`as_fd`](AsFd::as_fd) with anything.
pub struct Pollable<Q> {
    queue: Q,
    ready: Counted<FdLevel>,
}

/// A pollable [`Queue<T, N>`]: bounded MPMC.
///
/// ```
/// use std::time::Duration;
/// use spindle_std::poll::{PollableQueue, Selector};
///
/// let q: PollableQueue<u32, 8> = PollableQueue::new()?;
/// let selector = Selector::new()?;
/// selector.register("q", &q)?;
///
/// std::thread::scope(|s| {
///     s.spawn(|| q.send_blocking(7).unwrap());
///     let mut ready = Vec::new();
///     while ready.is_empty() {
///         selector.wait(&mut ready, None)?;
///     }
///     assert_eq!(ready[0].key, "q");
///     assert_eq!(q.try_recv(), Ok(7));
///     Ok::<(), Box<dyn std::error::Error>>(())
/// })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub type PollableQueue<T, const N: usize> = Pollable<Queue<T, N>>;
/// A pollable [`PriorityQueue`]: highest priority first, FIFO among equals.
///
/// ```
/// use spindle_std::poll::PollablePriorityQueue;
///
/// let q: PollablePriorityQueue<u8, &str, 4> = PollablePriorityQueue::new()?;
/// q.try_send(1, "low").unwrap();
/// q.try_send(9, "high").unwrap();
/// assert_eq!(q.try_recv(), Ok((9, "high")));
/// # Ok::<(), spindle_std::poll::CreateError>(())
/// ```
pub type PollablePriorityQueue<P, T, const N: usize> =
    Pollable<PriorityQueue<ParkingRawMutex, P, T, N>>;
/// A pollable [`UnboundedQueue`]: Python's `queue.Queue()`, never full.
///
/// ```
/// use spindle_std::poll::PollableUnboundedQueue;
///
/// let q: PollableUnboundedQueue<String> = PollableUnboundedQueue::new()?;
/// q.send("hello".to_owned()).unwrap();
/// q.close();
/// assert_eq!(q.try_recv().as_deref(), Ok("hello"));
/// assert!(q.try_recv().is_err()); // closed and drained
/// # Ok::<(), spindle_std::poll::CreateError>(())
/// ```
pub type PollableUnboundedQueue<T> = Pollable<UnboundedQueue<ParkingRawMutex, T>>;

impl<Q> Pollable<Q> {
    fn wrap(queue: Q, level: FdLevel) -> Self {
        Self {
            queue,
            ready: Counted::new(level, 0),
        }
    }

    /// Counts a successful send.
    fn sent<E>(&self, outcome: Result<(), E>) -> Result<(), E> {
        if outcome.is_ok() {
            self.ready.put();
        }
        outcome
    }

    /// Counts a successful receive.
    fn received<V, E>(&self, outcome: Result<V, E>) -> Result<V, E> {
        if outcome.is_ok() {
            self.ready.take();
        }
        outcome
    }

    /// Closes the queue on the descriptor too (readable for good); passes `newly`
    /// (whether this call closed the queue) through.
    fn closed(&self, newly: bool) -> bool {
        self.ready.close();
        newly
    }

    /// The inner queue, for the rare caller that polls no more: once unwrapped,
    /// nothing keeps a descriptor in step.
    pub fn into_inner(self) -> Q {
        self.queue
    }
}

impl<Q> AsFd for Pollable<Q> {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.ready.level().as_fd()
    }
}

impl<Q> AsRawFd for Pollable<Q> {
    fn as_raw_fd(&self) -> RawFd {
        self.ready.level().as_raw_fd()
    }
}

impl<Q: std::fmt::Debug> std::fmt::Debug for Pollable<Q> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pollable")
            .field("queue", &self.queue)
            .field("fd", &self.as_raw_fd())
            .finish()
    }
}

/// The receiving half and the state queries, the same for every pollable queue
/// (only the item type differs): each call goes to the inner queue, and a
/// successful receive is counted.
macro_rules! receive_and_state {
    ($item:ty) => {
        /// Takes the next item without waiting: `Empty`, or `Closed` once drained.
        pub fn try_recv(&self) -> Result<$item, TryRecvError> {
            self.received(self.queue.try_recv())
        }

        /// Takes the next item, waiting asynchronously.
        pub async fn recv(&self) -> Result<$item, RecvError> {
            let outcome = self.queue.recv().await;
            self.received(outcome)
        }

        /// Takes the next item, parking the thread while the queue is empty.
        pub fn recv_blocking(&self) -> Result<$item, RecvError> {
            self.received(self.queue.recv_blocking())
        }

        /// Takes the next item, waiting at most `timeout`.
        pub fn recv_timeout(&self, timeout: Duration) -> Result<$item, RecvTimeoutError> {
            self.received(self.queue.recv_timeout(timeout))
        }

        /// Closes the queue: later sends fail, receivers drain what is left, and
        /// the descriptor stays readable for good. `true` if this call closed it.
        pub fn close(&self) -> bool {
            self.closed(self.queue.close())
        }

        /// Whether the queue is closed.
        pub fn is_closed(&self) -> bool {
            self.queue.is_closed()
        }

        /// Items queued now (a snapshot).
        pub fn len(&self) -> usize {
            self.queue.len()
        }

        /// Whether nothing is queued now (a snapshot).
        pub fn is_empty(&self) -> bool {
            self.queue.is_empty()
        }

        /// Marks one received item processed (Python's `task_done`).
        pub fn task_done(&self) -> Result<(), TaskDoneError> {
            self.queue.task_done()
        }

        /// Parks until every sent item is marked done (Python's `join`).
        pub fn join_blocking(&self) {
            self.queue.join_blocking()
        }
    };
}

impl<T, const N: usize> Pollable<Queue<T, N>> {
    /// A new, empty queue with its own descriptor (an eventfd on Linux).
    pub fn new() -> Result<Self, CreateError> {
        Ok(Self::with_level(FdLevel::new()?))
    }

    /// A new, empty queue behind the given descriptor (e.g.
    /// [`FdLevel::socket_pair`]).
    pub fn with_level(level: FdLevel) -> Self {
        Self::wrap(Queue::new(), level)
    }

    /// Sends without waiting; `Full` or `Closed` hands the value back.
    pub fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        self.sent(self.queue.try_send(value))
    }

    /// Sends, waiting asynchronously for room; `Closed` hands the value back.
    pub async fn send(&self, value: T) -> Result<(), SendError<T>> {
        let outcome = self.queue.send(value).await;
        self.sent(outcome)
    }

    /// Sends, parking the thread while the queue is full.
    pub fn send_blocking(&self, value: T) -> Result<(), SendError<T>> {
        self.sent(self.queue.send_blocking(value))
    }

    /// Sends, waiting at most `timeout` for room.
    pub fn send_timeout(&self, value: T, timeout: Duration) -> Result<(), SendTimeoutError<T>> {
        self.sent(self.queue.send_timeout(value, timeout))
    }

    /// Whether the queue is full now (a snapshot).
    pub fn is_full(&self) -> bool {
        self.queue.is_full()
    }

    /// The capacity, `N`.
    pub fn capacity(&self) -> usize {
        self.queue.capacity()
    }

    /// [`join_blocking`](Self::join_blocking) for at most `timeout`.
    pub fn join_timeout(&self, timeout: Duration) -> Result<(), WaitTimeoutError> {
        self.queue.join_timeout(timeout)
    }

    receive_and_state!(T);
}

impl<P: Ord, T, const N: usize> Pollable<PriorityQueue<ParkingRawMutex, P, T, N>> {
    /// A new, empty priority queue with its own descriptor.
    pub fn new() -> Result<Self, CreateError> {
        Ok(Self::with_level(FdLevel::new()?))
    }

    /// A new, empty priority queue behind the given descriptor.
    pub fn with_level(level: FdLevel) -> Self {
        Self::wrap(PriorityQueue::new(), level)
    }

    /// Sends without waiting; `Full` or `Closed` hands the pair back.
    pub fn try_send(&self, priority: P, item: T) -> Result<(), TrySendError<(P, T)>> {
        self.sent(self.queue.try_send(priority, item))
    }

    /// Sends, waiting asynchronously for room.
    pub async fn send(&self, priority: P, item: T) -> Result<(), SendError<(P, T)>> {
        let outcome = self.queue.send(priority, item).await;
        self.sent(outcome)
    }

    /// Sends, parking the thread while the queue is full.
    pub fn send_blocking(&self, priority: P, item: T) -> Result<(), SendError<(P, T)>> {
        self.sent(self.queue.send_blocking(priority, item))
    }

    /// Sends, waiting at most `timeout` for room.
    pub fn send_timeout(
        &self,
        priority: P,
        item: T,
        timeout: Duration,
    ) -> Result<(), SendTimeoutError<(P, T)>> {
        self.sent(self.queue.send_timeout(priority, item, timeout))
    }

    /// The capacity, `N`.
    pub fn capacity(&self) -> usize {
        self.queue.capacity()
    }

    receive_and_state!((P, T));
}

impl<T> Pollable<UnboundedQueue<ParkingRawMutex, T>> {
    /// A new, empty unbounded queue with its own descriptor.
    pub fn new() -> Result<Self, CreateError> {
        Ok(Self::with_level(FdLevel::new()?))
    }

    /// A new, empty unbounded queue behind the given descriptor.
    pub fn with_level(level: FdLevel) -> Self {
        Self::wrap(UnboundedQueue::new(), level)
    }

    /// Sends (never waits: the queue grows); `Closed` hands the value back.
    pub fn send(&self, value: T) -> Result<(), SendError<T>> {
        self.sent(self.queue.send(value))
    }

    receive_and_state!(T);
}
