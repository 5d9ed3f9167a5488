//! [`UnboundedQueue`]: recipe 12.3's `Queue()` with no `maxsize`, the book's default,
//! for when the heap is there (`alloc`) and producers must never wait. Same surface
//! as [`Queue`](super::Queue) minus "full": sends never wait, receives try, await,
//! block or time out, [`close`](UnboundedQueue::close) replaces the sentinel, and
//! `task_done`/`join` work as in Python.
//!
//! # Implementation notes
//! Items live in an [`alloc::collections::VecDeque`] under the queue's raw exclusion
//! `R`, held for one push or pop (a push may grow the buffer, so it can copy the
//! queue's items and call the allocator with `R` held: mind this with an
//! interrupt-masking `R`). Everything but the `VecDeque` (close, `task_done`/`join`,
//! the waits and their protocol) is the core it shares with the
//! [`PriorityQueue`](super::PriorityQueue), in [`locked`](super::locked).

use alloc::collections::VecDeque;
use core::fmt;

use mutex_traits::{ConstInit, ScopedRawMutex};

use super::channel;
use super::error::TaskDoneError;
use super::locked::{Buffer, LockedQueue};
#[cfg(feature = "std")]
use crate::error::RecvTimeoutError;
use crate::error::{RecvError, TryRecvError, TrySendError};

/// The items of an [`UnboundedQueue`], oldest first; used only under the queue lock.
struct Fifo<T>(VecDeque<T>);

impl<T> Buffer for Fifo<T> {
    type Item = T;

    fn push(&mut self, item: T) -> Result<(), T> {
        // Full only when the allocator refuses to grow the buffer.
        if self.0.try_reserve(1).is_err() {
            return Err(item);
        }
        self.0.push_back(item);
        Ok(())
    }

    fn pop(&mut self) -> Option<T> {
        self.0.pop_front()
    }

    fn len(&self) -> usize {
        self.0.len()
    }

    fn has_room(&self) -> bool {
        true
    }
}

/// An unbounded MPMC FIFO queue of `T` on the heap, guarded by the raw exclusion `R`
/// (needs the `alloc` feature).
///
/// | Python (`queue.Queue()`) | spindle |
/// |---|---|
/// | `q.put(x)`, `q.put_nowait(x)` | [`send`](Self::send) (never waits) / [`try_send`](Self::try_send) |
/// | `q.get()` | [`recv_blocking`](Self::recv_blocking) / [`recv`](Self::recv)`.await` |
/// | `q.get_nowait()` | [`try_recv`](Self::try_recv) → `Err(TryRecvError::Empty)` |
/// | `q.get(timeout=t)` | [`recv_timeout`](Self::recv_timeout) |
/// | putting a sentinel | [`close`](Self::close) |
/// | `q.task_done()` / `q.join()` | [`task_done`](Self::task_done) / [`join_blocking`](Self::join_blocking), [`join`](Self::join)`.await` |
/// | `q.qsize()`, `q.empty()` | [`len`](Self::len), [`is_empty`](Self::is_empty) (snapshots) |
///
/// ```
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use spindle_core::queue::UnboundedQueue;
/// use spindle_core::raw::ParkingRawMutex;
///
/// static LINES: UnboundedQueue<ParkingRawMutex, String> = UnboundedQueue::new();
/// static BYTES: AtomicUsize = AtomicUsize::new(0);
///
/// let t = std::thread::spawn(|| {
///     while let Ok(line) = LINES.recv_blocking() {
///         BYTES.fetch_add(line.len(), Ordering::Relaxed); // "process" the line
///         LINES.task_done().unwrap();
///     }
/// });
/// for n in 0..100 {
///     LINES.send(format!("line {n:02}")).unwrap(); // never waits
/// }
/// LINES.join_blocking(); // every line processed
/// assert_eq!(BYTES.load(Ordering::Relaxed), 100 * 7);
/// LINES.close();
/// t.join().unwrap();
/// ```
pub struct UnboundedQueue<R, T> {
    core: LockedQueue<R, Fifo<T>>,
}

impl<R: ScopedRawMutex + ConstInit, T> UnboundedQueue<R, T> {
    loom_const_fn! {
        /// An empty queue; allocates nothing until the first send. `const`, so it can
        /// initialise a `static`.
        ///
        /// ```
        /// use spindle_core::queue::UnboundedQueue;
        /// use spindle_core::raw::SpinRawMutex;
        ///
        /// let q: UnboundedQueue<SpinRawMutex, u32> = UnboundedQueue::new();
        /// assert!(q.is_empty());
        /// ```
        pub fn new() -> Self {
            Self {
                core: LockedQueue::new(Fifo(VecDeque::new())),
            }
        }
    }
}

impl<R: ScopedRawMutex + ConstInit, T> Default for UnboundedQueue<R, T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<R: ScopedRawMutex, T> UnboundedQueue<R, T> {
    /// Sends `value` (Python's `put`): never waits. The value comes back with
    /// [`TrySendError::Closed`] if the queue is closed, or with [`TrySendError::Full`]
    /// in the one case an unbounded queue can be full: the allocator refused to grow
    /// it. (Since it never waits, its error is the `try_send` one.)
    ///
    /// ```
    /// # use spindle_core::queue::{UnboundedQueue, TrySendError};
    /// # use spindle_core::raw::SpinRawMutex;
    /// let q: UnboundedQueue<SpinRawMutex, u32> = UnboundedQueue::new();
    /// for n in 0..1000 {
    ///     q.send(n).unwrap();
    /// }
    /// q.close();
    /// assert_eq!(q.send(1000), Err(TrySendError::Closed(1000)));
    /// ```
    pub fn send(&self, value: T) -> Result<(), TrySendError<T>> {
        self.core.try_send(value)
    }

    /// The same as [`send`](Self::send), named as on the bounded queues (Python's
    /// `put_nowait`), so code written for those reads the same here.
    ///
    /// ```
    /// # use spindle_core::queue::UnboundedQueue;
    /// # use spindle_core::raw::SpinRawMutex;
    /// let q: UnboundedQueue<SpinRawMutex, u32> = UnboundedQueue::new();
    /// q.try_send(1).unwrap();
    /// assert_eq!(q.try_recv(), Ok(1));
    /// ```
    #[inline]
    pub fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        self.send(value)
    }

    /// Receives the oldest item if there is one now, without waiting (Python's
    /// `get_nowait`): [`TryRecvError::Empty`], or [`TryRecvError::Closed`] once the
    /// queue is closed and drained.
    ///
    /// ```
    /// # use spindle_core::queue::{UnboundedQueue, TryRecvError};
    /// # use spindle_core::raw::SpinRawMutex;
    /// let q: UnboundedQueue<SpinRawMutex, u32> = UnboundedQueue::new();
    /// assert_eq!(q.try_recv(), Err(TryRecvError::Empty));
    /// q.send(7).unwrap();
    /// q.close();
    /// assert_eq!(q.try_recv(), Ok(7));
    /// assert_eq!(q.try_recv(), Err(TryRecvError::Closed));
    /// ```
    pub fn try_recv(&self) -> Result<T, TryRecvError> {
        self.core.try_recv()
    }

    /// Receives the oldest item, waiting asynchronously while the queue is empty.
    /// After [`close`](Self::close), drains what was sent, then gives
    /// [`RecvError`].
    ///
    /// ```
    /// # use spindle_core::queue::UnboundedQueue;
    /// # use spindle_core::raw::SpinRawMutex;
    /// # use spindle_core::wait::block_on;
    /// let q: UnboundedQueue<SpinRawMutex, u32> = UnboundedQueue::new();
    /// q.send(3).unwrap();
    /// assert_eq!(block_on(q.recv()), Ok(3));
    /// ```
    pub async fn recv(&self) -> Result<T, RecvError> {
        channel::recv(&self.core).await
    }

    /// Receives the oldest item, blocking while the queue is empty (Python's `get`).
    ///
    /// ```
    /// # use spindle_core::queue::UnboundedQueue;
    /// # use spindle_core::raw::ParkingRawMutex;
    /// let q: UnboundedQueue<ParkingRawMutex, u32> = UnboundedQueue::new();
    /// std::thread::scope(|s| {
    ///     s.spawn(|| q.send(5).unwrap());
    ///     assert_eq!(q.recv_blocking(), Ok(5));
    /// });
    /// ```
    pub fn recv_blocking(&self) -> Result<T, RecvError> {
        channel::recv_blocking(&self.core)
    }

    /// Receives the oldest item, waiting at most `timeout` (Python's
    /// `get(timeout=t)`): [`RecvTimeoutError::TimedOut`] if none came,
    /// [`RecvTimeoutError::Closed`] once closed and drained.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use spindle_core::queue::{UnboundedQueue, RecvTimeoutError};
    /// # use spindle_core::raw::ParkingRawMutex;
    /// let q: UnboundedQueue<ParkingRawMutex, u32> = UnboundedQueue::new();
    /// assert_eq!(q.recv_timeout(Duration::from_millis(1)), Err(RecvTimeoutError::TimedOut));
    /// ```
    #[cfg(feature = "std")]
    pub fn recv_timeout(&self, timeout: core::time::Duration) -> Result<T, RecvTimeoutError> {
        channel::recv_timeout(&self.core, timeout)
    }

    /// Closes the queue: later sends get their value back with
    /// [`TrySendError::Closed`]; receivers first drain every item already sent, then
    /// get `Closed` ([`TryRecvError::Closed`], [`RecvError`]); every waiting receiver
    /// wakes. Returns `false` if it
    /// was already closed.
    ///
    /// ```
    /// # use spindle_core::queue::UnboundedQueue;
    /// # use spindle_core::raw::SpinRawMutex;
    /// let q: UnboundedQueue<SpinRawMutex, u32> = UnboundedQueue::new();
    /// assert!(q.close());
    /// assert!(!q.close());
    /// ```
    pub fn close(&self) -> bool {
        self.core.close()
    }

    /// Whether the queue is closed.
    ///
    /// ```
    /// # use spindle_core::queue::UnboundedQueue;
    /// # use spindle_core::raw::SpinRawMutex;
    /// let q: UnboundedQueue<SpinRawMutex, u32> = UnboundedQueue::new();
    /// q.close();
    /// assert!(q.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.core.is_closed()
    }

    /// How many items are in the queue: a snapshot (Python's `qsize()`).
    ///
    /// ```
    /// # use spindle_core::queue::UnboundedQueue;
    /// # use spindle_core::raw::SpinRawMutex;
    /// let q: UnboundedQueue<SpinRawMutex, u32> = UnboundedQueue::new();
    /// q.send(1).unwrap();
    /// assert_eq!(q.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.core.len()
    }

    /// Whether the queue is empty (a snapshot).
    ///
    /// ```
    /// # use spindle_core::queue::UnboundedQueue;
    /// # use spindle_core::raw::SpinRawMutex;
    /// let q: UnboundedQueue<SpinRawMutex, u32> = UnboundedQueue::new();
    /// assert!(q.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many items were sent but not yet marked done (Python's
    /// `unfinished_tasks`), a snapshot.
    ///
    /// ```
    /// # use spindle_core::queue::UnboundedQueue;
    /// # use spindle_core::raw::SpinRawMutex;
    /// let q: UnboundedQueue<SpinRawMutex, u32> = UnboundedQueue::new();
    /// q.send(1).unwrap();
    /// assert_eq!(q.unfinished(), 1);
    /// ```
    pub fn unfinished(&self) -> usize {
        self.core.unfinished()
    }

    /// Marks one received item as processed (Python's `task_done`). Fails, changing
    /// nothing, if every received item is already marked done.
    ///
    /// ```
    /// # use spindle_core::queue::{UnboundedQueue, TaskDoneError};
    /// # use spindle_core::raw::SpinRawMutex;
    /// let q: UnboundedQueue<SpinRawMutex, u32> = UnboundedQueue::new();
    /// q.send(1).unwrap();
    /// assert_eq!(q.task_done(), Err(TaskDoneError::NothingReceived));
    /// q.try_recv().unwrap();
    /// assert_eq!(q.task_done(), Ok(()));
    /// ```
    pub fn task_done(&self) -> Result<(), TaskDoneError> {
        self.core.task_done()
    }

    /// Waits until every item ever sent has been marked done (Python's `join`).
    ///
    /// ```
    /// # use spindle_core::queue::UnboundedQueue;
    /// # use spindle_core::raw::ParkingRawMutex;
    /// # use spindle_core::wait::block_on;
    /// let q: UnboundedQueue<ParkingRawMutex, u32> = UnboundedQueue::new();
    /// q.send(1).unwrap();
    /// std::thread::scope(|s| {
    ///     s.spawn(|| {
    ///         q.recv_blocking().unwrap();
    ///         q.task_done().unwrap();
    ///     });
    ///     block_on(q.join());
    /// });
    /// ```
    pub async fn join(&self) {
        channel::join(&self.core).await
    }

    /// [`join`](Self::join), blocking the thread.
    ///
    /// ```
    /// # use spindle_core::queue::UnboundedQueue;
    /// # use spindle_core::raw::SpinRawMutex;
    /// let q: UnboundedQueue<SpinRawMutex, u32> = UnboundedQueue::new();
    /// q.join_blocking(); // nothing was sent: returns at once
    /// ```
    pub fn join_blocking(&self) {
        crate::wait::block_on(self.join())
    }

    /// [`join`](Self::join) for at most `timeout`.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use spindle_core::queue::UnboundedQueue;
    /// # use spindle_core::raw::ParkingRawMutex;
    /// # use spindle_core::sync::WaitTimeoutError;
    /// let q: UnboundedQueue<ParkingRawMutex, u32> = UnboundedQueue::new();
    /// q.send(1).unwrap();
    /// assert_eq!(q.join_timeout(Duration::from_millis(1)), Err(WaitTimeoutError::TimedOut));
    /// ```
    #[cfg(feature = "std")]
    pub fn join_timeout(
        &self,
        timeout: core::time::Duration,
    ) -> Result<(), crate::sync::WaitTimeoutError> {
        channel::join_timeout(&self.core, timeout)
    }
}

impl<R: ScopedRawMutex, T> fmt::Debug for UnboundedQueue<R, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.core.debug("UnboundedQueue", None, f)
    }
}
