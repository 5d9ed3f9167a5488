//! [`PriorityQueue`]: recipe 12.3's thread-safe priority queue (the book's `heapq`
//! list under a `Condition`), bounded and heap-free: the highest priority comes out
//! first, and items of equal priority come out in the order they were sent. Same
//! surface as [`Queue`](super::Queue): send/recv that try, await, block or time out,
//! [`close`](PriorityQueue::close) in place of a sentinel, and `task_done`/`join`.
//!
//! # Implementation notes
//! The items live in a [`heapless::binary_heap::BinaryHeap`] of entries ordered by
//! `(priority, Reverse(seq))`, where `seq` counts sends: the book's
//! `(-priority, index, item)` tuples, with the sense of the heap flipped. A binary
//! heap moves entries around on every push and pop, so unlike the bounded ring it is
//! guarded by a lock: the queue's own raw exclusion `R` (`lock` below), held for one
//! push or pop, never while waiting.
//!
//! Everything but the heap (close, `task_done`/`join`, the waits and their
//! protocol) is the shared core of [`locked`](super::locked), which
//! `UnboundedQueue` uses too.
//!
//! The priorities' [`Ord`] runs under the queue lock: it must not use the queue.

use core::cmp::{Ordering as CmpOrdering, Reverse};
use core::fmt;

use heapless::binary_heap::{BinaryHeap, Max};
use mutex_traits::{ConstInit, ScopedRawMutex};

use super::channel;
use super::error::TaskDoneError;
use super::locked::{Buffer, LockedQueue};
use crate::error::{RecvError, SendError, TryRecvError, TrySendError};
#[cfg(feature = "std")]
use crate::error::{RecvTimeoutError, SendTimeoutError};

/// One queued item with its priority and its place in the send order.
struct PriorityEntry<P, T> {
    priority: P,
    seq: u64,
    item: T,
}

impl<P: Ord, T> PriorityEntry<P, T> {
    #[inline]
    fn key(&self) -> (&P, Reverse<u64>) {
        (&self.priority, Reverse(self.seq))
    }
}

impl<P: Ord, T> PartialEq for PriorityEntry<P, T> {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}

impl<P: Ord, T> Eq for PriorityEntry<P, T> {}

impl<P: Ord, T> PartialOrd for PriorityEntry<P, T> {
    fn partial_cmp(&self, other: &Self) -> Option<CmpOrdering> {
        Some(self.cmp(other))
    }
}

impl<P: Ord, T> Ord for PriorityEntry<P, T> {
    fn cmp(&self, other: &Self) -> CmpOrdering {
        self.key().cmp(&other.key())
    }
}

/// The heap of a [`PriorityQueue`] and the sequence number that keeps equal
/// priorities in send order; used only under the queue lock.
struct PriorityBuffer<P, T, const N: usize> {
    heap: BinaryHeap<PriorityEntry<P, T>, Max, N>,
    /// The next send's sequence number (64 bits: it never wraps in practice).
    seq: u64,
}

impl<P: Ord, T, const N: usize> Buffer for PriorityBuffer<P, T, N> {
    type Item = (P, T);

    fn push(&mut self, (priority, item): (P, T)) -> Result<(), (P, T)> {
        let entry = PriorityEntry {
            priority,
            seq: self.seq,
            item,
        };
        self.heap.push(entry).map_err(|e| (e.priority, e.item))?;
        self.seq = self.seq.wrapping_add(1);
        Ok(())
    }

    fn pop(&mut self) -> Option<(P, T)> {
        self.heap.pop().map(|e| (e.priority, e.item))
    }

    fn len(&self) -> usize {
        self.heap.len()
    }

    fn has_room(&self) -> bool {
        self.heap.len() < N
    }
}

/// A bounded MPMC priority queue holding up to `N` items of `T`, each sent with a
/// priority `P`: the highest priority is received first, and among equal priorities
/// the item sent first. Guarded by the raw exclusion `R`.
///
/// | Python (the book's `PriorityQueue`, `queue.PriorityQueue(maxsize=N)`) | spindle |
/// |---|---|
/// | `q.put(item, priority)` | [`send_blocking(priority, item)`](Self::send_blocking) / [`send`](Self::send)`.await` |
/// | `q.put_nowait(...)` | [`try_send`](Self::try_send) → `Err(TrySendError::Full((priority, item)))` |
/// | `q.put(..., timeout=t)` | [`send_timeout`](Self::send_timeout) |
/// | `q.get()` | [`recv_blocking`](Self::recv_blocking) / [`recv`](Self::recv)`.await` → `(priority, item)` |
/// | `q.get_nowait()` | [`try_recv`](Self::try_recv) → `Err(TryRecvError::Empty)` |
/// | `q.get(timeout=t)` | [`recv_timeout`](Self::recv_timeout) |
/// | putting a sentinel | [`close`](Self::close) |
/// | `q.task_done()` / `q.join()` | [`task_done`](Self::task_done) / [`join_blocking`](Self::join_blocking), [`join`](Self::join)`.await` |
/// | `q.qsize()`, `q.empty()`, `q.full()` | [`len`](Self::len), [`is_empty`](Self::is_empty), [`is_full`](Self::is_full) (snapshots) |
///
/// Python's `PriorityQueue` returns the *lowest* value first; here the *highest*
/// priority wins, as in the book's recipe. Use [`core::cmp::Reverse`] as `P` for
/// lowest-first.
///
/// ```
/// use spindle_core::queue::PriorityQueue;
/// use spindle_core::raw::ParkingRawMutex;
///
/// static JOBS: PriorityQueue<ParkingRawMutex, u8, &str, 8> = PriorityQueue::new();
///
/// JOBS.send_blocking(1, "sweep").unwrap();
/// JOBS.send_blocking(5, "fire!").unwrap();
/// JOBS.send_blocking(1, "dust").unwrap();
/// JOBS.close();
///
/// let mut order = Vec::new();
/// while let Ok((_, job)) = JOBS.recv_blocking() {
///     order.push(job);
/// }
/// assert_eq!(order, ["fire!", "sweep", "dust"]);
/// ```
pub struct PriorityQueue<R, P, T, const N: usize> {
    core: LockedQueue<R, PriorityBuffer<P, T, N>>,
}

impl<R: ScopedRawMutex + ConstInit, P, T, const N: usize> PriorityQueue<R, P, T, N> {
    const NONEMPTY: () = assert!(N > 0, "a PriorityQueue needs room for at least one item");

    loom_const_fn! {
        /// An empty queue with room for `N` items. `const`, so it can initialise a
        /// `static`. `N = 0` is rejected at compile time, but only when the constant
        /// is evaluated: `cargo build`, `cargo test` and `cargo run` report it, `cargo
        /// check` (and so an editor's check-on-save) does not.
        ///
        /// ```compile_fail
        /// use spindle_core::queue::PriorityQueue;
        /// use spindle_core::raw::SpinRawMutex;
        /// let q: PriorityQueue<SpinRawMutex, u8, u8, 0> = PriorityQueue::new();
        /// ```
        ///
        /// ```
        /// use spindle_core::queue::PriorityQueue;
        /// use spindle_core::raw::SpinRawMutex;
        ///
        /// let q: PriorityQueue<SpinRawMutex, u8, char, 4> = PriorityQueue::new();
        /// assert_eq!(q.capacity(), 4);
        /// assert!(q.is_empty());
        /// ```
        pub fn new() -> Self {
            #[allow(clippy::let_unit_value)]
            let () = Self::NONEMPTY;
            Self {
                core: LockedQueue::new(PriorityBuffer {
                    heap: BinaryHeap::new(),
                    seq: 0,
                }),
            }
        }
    }
}

impl<R: ScopedRawMutex + ConstInit, P, T, const N: usize> Default for PriorityQueue<R, P, T, N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<R: ScopedRawMutex, P: Ord, T, const N: usize> PriorityQueue<R, P, T, N> {
    /// How many items the queue holds at most.
    ///
    /// ```
    /// # use spindle_core::queue::PriorityQueue;
    /// # use spindle_core::raw::SpinRawMutex;
    /// let q: PriorityQueue<SpinRawMutex, u8, u8, 3> = PriorityQueue::new();
    /// assert_eq!(q.capacity(), 3);
    /// ```
    #[inline]
    pub fn capacity(&self) -> usize {
        N
    }

    /// How many items are in the queue: a snapshot (Python's `qsize()`).
    ///
    /// ```
    /// # use spindle_core::queue::PriorityQueue;
    /// # use spindle_core::raw::SpinRawMutex;
    /// let q: PriorityQueue<SpinRawMutex, u8, u8, 3> = PriorityQueue::new();
    /// q.try_send(0, 7).unwrap();
    /// assert_eq!(q.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.core.len()
    }

    /// Whether the queue is empty (a snapshot).
    ///
    /// ```
    /// # use spindle_core::queue::PriorityQueue;
    /// # use spindle_core::raw::SpinRawMutex;
    /// let q: PriorityQueue<SpinRawMutex, u8, u8, 3> = PriorityQueue::new();
    /// assert!(q.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the queue is full (a snapshot).
    ///
    /// ```
    /// # use spindle_core::queue::PriorityQueue;
    /// # use spindle_core::raw::SpinRawMutex;
    /// let q: PriorityQueue<SpinRawMutex, u8, u8, 1> = PriorityQueue::new();
    /// q.try_send(0, 7).unwrap();
    /// assert!(q.is_full());
    /// ```
    pub fn is_full(&self) -> bool {
        self.len() == N
    }

    /// Whether the queue is closed.
    ///
    /// ```
    /// # use spindle_core::queue::PriorityQueue;
    /// # use spindle_core::raw::SpinRawMutex;
    /// let q: PriorityQueue<SpinRawMutex, u8, u8, 1> = PriorityQueue::new();
    /// q.close();
    /// assert!(q.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.core.is_closed()
    }

    /// How many items were sent but not yet marked done (Python's
    /// `unfinished_tasks`), a snapshot.
    ///
    /// ```
    /// # use spindle_core::queue::PriorityQueue;
    /// # use spindle_core::raw::SpinRawMutex;
    /// let q: PriorityQueue<SpinRawMutex, u8, u8, 2> = PriorityQueue::new();
    /// q.try_send(0, 7).unwrap();
    /// q.try_recv().unwrap();
    /// assert_eq!(q.unfinished(), 1);
    /// q.task_done().unwrap();
    /// assert_eq!(q.unfinished(), 0);
    /// ```
    pub fn unfinished(&self) -> usize {
        self.core.unfinished()
    }

    /// Closes the queue: later sends get their value back with `Closed`
    /// ([`TrySendError::Closed`], [`SendError`]); receivers first drain every item
    /// already sent (still highest priority first), then get `Closed`
    /// ([`TryRecvError::Closed`], [`RecvError`]); every waiting sender
    /// and receiver wakes. Returns `false` if it was already closed.
    ///
    /// ```
    /// # use spindle_core::queue::{PriorityQueue, TryRecvError, TrySendError};
    /// # use spindle_core::raw::SpinRawMutex;
    /// let q: PriorityQueue<SpinRawMutex, u8, char, 2> = PriorityQueue::new();
    /// q.try_send(1, 'a').unwrap();
    /// assert!(q.close());
    /// assert_eq!(q.try_send(2, 'b'), Err(TrySendError::Closed((2, 'b'))));
    /// assert_eq!(q.try_recv(), Ok((1, 'a')));
    /// assert_eq!(q.try_recv(), Err(TryRecvError::Closed));
    /// ```
    pub fn close(&self) -> bool {
        self.core.close()
    }

    /// Marks one received item as processed (Python's `task_done`). Fails, changing
    /// nothing, if every received item is already marked done.
    ///
    /// ```
    /// # use spindle_core::queue::{PriorityQueue, TaskDoneError};
    /// # use spindle_core::raw::SpinRawMutex;
    /// let q: PriorityQueue<SpinRawMutex, u8, u8, 2> = PriorityQueue::new();
    /// assert_eq!(q.task_done(), Err(TaskDoneError::NothingReceived));
    /// q.try_send(0, 1).unwrap();
    /// q.try_recv().unwrap();
    /// assert_eq!(q.task_done(), Ok(()));
    /// ```
    pub fn task_done(&self) -> Result<(), TaskDoneError> {
        self.core.task_done()
    }

    /// Waits until every item ever sent has been marked done (Python's `join`).
    ///
    /// ```
    /// # use spindle_core::queue::PriorityQueue;
    /// # use spindle_core::raw::ParkingRawMutex;
    /// # use spindle_core::wait::block_on;
    /// let q: PriorityQueue<ParkingRawMutex, u8, u8, 2> = PriorityQueue::new();
    /// q.try_send(0, 1).unwrap();
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
    /// # use spindle_core::queue::PriorityQueue;
    /// # use spindle_core::raw::SpinRawMutex;
    /// let q: PriorityQueue<SpinRawMutex, u8, u8, 2> = PriorityQueue::new();
    /// q.join_blocking(); // nothing was sent: returns at once
    /// ```
    pub fn join_blocking(&self) {
        crate::wait::block_on(self.join())
    }

    /// [`join`](Self::join) for at most `timeout`.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use spindle_core::queue::PriorityQueue;
    /// # use spindle_core::raw::ParkingRawMutex;
    /// # use spindle_core::sync::WaitTimeoutError;
    /// let q: PriorityQueue<ParkingRawMutex, u8, u8, 2> = PriorityQueue::new();
    /// q.try_send(0, 1).unwrap();
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

impl<R: ScopedRawMutex, P: Ord, T, const N: usize> PriorityQueue<R, P, T, N> {
    /// Sends `item` with `priority` if there is room now, without waiting (Python's
    /// `put_nowait`). On failure the pair comes back: [`TrySendError::Full`] or
    /// [`TrySendError::Closed`].
    ///
    /// ```
    /// # use spindle_core::queue::{PriorityQueue, TrySendError};
    /// # use spindle_core::raw::SpinRawMutex;
    /// let q: PriorityQueue<SpinRawMutex, u8, char, 1> = PriorityQueue::new();
    /// q.try_send(3, 'a').unwrap();
    /// assert_eq!(q.try_send(9, 'b'), Err(TrySendError::Full((9, 'b'))));
    /// ```
    pub fn try_send(&self, priority: P, item: T) -> Result<(), TrySendError<(P, T)>> {
        self.core.try_send((priority, item))
    }

    /// Receives the highest-priority item (the oldest among equals) if there is one
    /// now, without waiting (Python's `get_nowait`): [`TryRecvError::Empty`], or
    /// [`TryRecvError::Closed`] once the queue is closed and drained.
    ///
    /// ```
    /// # use spindle_core::queue::{PriorityQueue, TryRecvError};
    /// # use spindle_core::raw::SpinRawMutex;
    /// let q: PriorityQueue<SpinRawMutex, u8, char, 4> = PriorityQueue::new();
    /// assert_eq!(q.try_recv(), Err(TryRecvError::Empty));
    /// q.try_send(1, 'a').unwrap();
    /// q.try_send(2, 'b').unwrap();
    /// q.try_send(2, 'c').unwrap();
    /// assert_eq!(q.try_recv(), Ok((2, 'b')));
    /// assert_eq!(q.try_recv(), Ok((2, 'c')));
    /// assert_eq!(q.try_recv(), Ok((1, 'a')));
    /// ```
    pub fn try_recv(&self) -> Result<(P, T), TryRecvError> {
        self.core.try_recv()
    }

    /// Sends `item` with `priority`, waiting asynchronously while the queue is full.
    /// Fails only if the queue is closed, giving the pair back. Dropping the future
    /// drops the pair; use [`send_timeout`](Self::send_timeout) to get it back on
    /// timeout.
    ///
    /// ```
    /// # use spindle_core::queue::PriorityQueue;
    /// # use spindle_core::raw::SpinRawMutex;
    /// # use spindle_core::wait::block_on;
    /// let q: PriorityQueue<SpinRawMutex, u8, char, 1> = PriorityQueue::new();
    /// block_on(q.send(1, 'a')).unwrap();
    /// assert_eq!(q.len(), 1);
    /// ```
    pub async fn send(&self, priority: P, item: T) -> Result<(), SendError<(P, T)>> {
        channel::send(&self.core, (priority, item)).await
    }

    /// Sends `item` with `priority`, blocking while the queue is full (Python's
    /// `put`). Fails only if the queue is closed, giving the pair back.
    ///
    /// ```
    /// # use spindle_core::queue::PriorityQueue;
    /// # use spindle_core::raw::ParkingRawMutex;
    /// let q: PriorityQueue<ParkingRawMutex, u8, char, 1> = PriorityQueue::new();
    /// q.send_blocking(1, 'a').unwrap();
    /// std::thread::scope(|s| {
    ///     s.spawn(|| assert_eq!(q.recv_blocking(), Ok((1, 'a'))));
    ///     q.send_blocking(2, 'b').unwrap(); // waits for the receiver to make room
    /// });
    /// ```
    pub fn send_blocking(&self, priority: P, item: T) -> Result<(), SendError<(P, T)>> {
        channel::send_blocking(&self.core, (priority, item))
    }

    /// Sends `item` with `priority`, waiting at most `timeout` for room (Python's
    /// `put(x, timeout=t)`). The pair comes back with [`SendTimeoutError::TimedOut`]
    /// or [`SendTimeoutError::Closed`].
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use spindle_core::queue::{PriorityQueue, SendTimeoutError};
    /// # use spindle_core::raw::ParkingRawMutex;
    /// let q: PriorityQueue<ParkingRawMutex, u8, char, 1> = PriorityQueue::new();
    /// q.try_send(1, 'a').unwrap();
    /// assert_eq!(
    ///     q.send_timeout(2, 'b', Duration::from_millis(1)),
    ///     Err(SendTimeoutError::TimedOut((2, 'b')))
    /// );
    /// ```
    #[cfg(feature = "std")]
    pub fn send_timeout(
        &self,
        priority: P,
        item: T,
        timeout: core::time::Duration,
    ) -> Result<(), SendTimeoutError<(P, T)>> {
        channel::send_timeout(&self.core, (priority, item), timeout)
    }

    /// Receives the highest-priority item, waiting asynchronously while the queue is
    /// empty. After [`close`](Self::close), drains what was sent, then gives
    /// [`RecvError`].
    ///
    /// ```
    /// # use spindle_core::queue::PriorityQueue;
    /// # use spindle_core::raw::SpinRawMutex;
    /// # use spindle_core::wait::block_on;
    /// let q: PriorityQueue<SpinRawMutex, u8, char, 2> = PriorityQueue::new();
    /// q.try_send(1, 'a').unwrap();
    /// assert_eq!(block_on(q.recv()), Ok((1, 'a')));
    /// ```
    pub async fn recv(&self) -> Result<(P, T), RecvError> {
        channel::recv(&self.core).await
    }

    /// Receives the highest-priority item, blocking while the queue is empty
    /// (Python's `get`).
    ///
    /// ```
    /// # use spindle_core::queue::PriorityQueue;
    /// # use spindle_core::raw::ParkingRawMutex;
    /// let q: PriorityQueue<ParkingRawMutex, u8, char, 2> = PriorityQueue::new();
    /// std::thread::scope(|s| {
    ///     s.spawn(|| q.send_blocking(4, 'x').unwrap());
    ///     assert_eq!(q.recv_blocking(), Ok((4, 'x')));
    /// });
    /// ```
    pub fn recv_blocking(&self) -> Result<(P, T), RecvError> {
        channel::recv_blocking(&self.core)
    }

    /// Receives the highest-priority item, waiting at most `timeout` (Python's
    /// `get(timeout=t)`): [`RecvTimeoutError::TimedOut`] if none came,
    /// [`RecvTimeoutError::Closed`] once closed and drained.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use spindle_core::queue::{PriorityQueue, RecvTimeoutError};
    /// # use spindle_core::raw::ParkingRawMutex;
    /// let q: PriorityQueue<ParkingRawMutex, u8, char, 2> = PriorityQueue::new();
    /// assert_eq!(q.recv_timeout(Duration::from_millis(1)), Err(RecvTimeoutError::TimedOut));
    /// ```
    #[cfg(feature = "std")]
    pub fn recv_timeout(&self, timeout: core::time::Duration) -> Result<(P, T), RecvTimeoutError> {
        channel::recv_timeout(&self.core, timeout)
    }
}

impl<R: ScopedRawMutex, P: Ord, T, const N: usize> fmt::Debug for PriorityQueue<R, P, T, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.core.debug("PriorityQueue", Some(N), f)
    }
}
