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
//! Waiting uses the crate's [`WaitList`]s, each with its own raw exclusion. A waiter's
//! `ready` check runs under its list's lock and takes the queue lock inside it to
//! re-check the heap and announce itself with a bit in `state`; the side that changes
//! the heap reads that bit under the queue lock and wakes *after* releasing it. The
//! lock order is therefore always "list, then queue", never the other way round, and
//! the queue lock orders the waiter's check against the change: either the waiter
//! sees the change, or the changer sees the waiter's bit.
//!
//! The priorities' [`Ord`] runs under the queue lock: it must not use the queue.

use core::cmp::{Ordering as CmpOrdering, Reverse};
use core::fmt;
use core::future::poll_fn;
use core::pin::pin;
use core::task::Poll;

use heapless::binary_heap::{BinaryHeap, Max};
use mutex_traits::{ConstInit, ScopedRawMutex};

use super::error::TaskDoneError;
use crate::error::{RecvError, SendError, TryRecvError, TrySendError};
#[cfg(feature = "std")]
use crate::error::{RecvTimeoutError, SendTimeoutError};
use crate::loom::{AtomicUsize, Ordering, UnsafeCell};
use crate::wait::backoff::spin_for;
use crate::wait::WaitList;

/// `state` bit: a sender may be waiting for room.
const SEND_WAITERS: usize = 1;
/// `state` bit: a receiver may be waiting for an item.
const RECV_WAITERS: usize = 2;
/// `state` bit: a joiner may be waiting for `unfinished == 0`.
const JOIN_WAITERS: usize = 4;

/// One queued item with its priority and its place in the send order.
struct Entry<P, T> {
    priority: P,
    seq: u64,
    item: T,
}

impl<P: Ord, T> Entry<P, T> {
    #[inline]
    fn key(&self) -> (&P, Reverse<u64>) {
        (&self.priority, Reverse(self.seq))
    }
}

impl<P: Ord, T> PartialEq for Entry<P, T> {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}

impl<P: Ord, T> Eq for Entry<P, T> {}

impl<P: Ord, T> PartialOrd for Entry<P, T> {
    fn partial_cmp(&self, other: &Self) -> Option<CmpOrdering> {
        Some(self.cmp(other))
    }
}

impl<P: Ord, T> Ord for Entry<P, T> {
    fn cmp(&self, other: &Self) -> CmpOrdering {
        self.key().cmp(&other.key())
    }
}

/// Everything the queue lock guards.
struct Inner<P, T, const N: usize> {
    heap: BinaryHeap<Entry<P, T>, Max, N>,
    /// The next send's sequence number (64 bits: it never wraps in practice).
    seq: u64,
    /// Items sent and not yet marked done (Python's `unfinished_tasks`).
    unfinished: u64,
    /// Items received and not yet marked done: what `task_done` may still mark.
    taken: u64,
    closed: bool,
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
    /// The queue lock: guards `inner`.
    lock: R,
    inner: UnsafeCell<Inner<P, T, N>>,
    /// `*_WAITERS` bits; set under both a list lock and the queue lock, read under
    /// the queue lock, cleared under a list lock once that list is empty.
    state: AtomicUsize,
    senders: WaitList<R>,
    receivers: WaitList<R>,
    joiners: WaitList<R>,
}

// SAFETY: `inner` is only touched with `lock` held, and items (with their
// priorities) move from a sender to one receiver, never shared: `P: Send, T: Send`
// suffice. The rest is atomics and wait lists, as shareable as `R`.
unsafe impl<R: ScopedRawMutex + Sync, P: Send, T: Send, const N: usize> Sync
    for PriorityQueue<R, P, T, N>
{
}

impl<R: ScopedRawMutex + ConstInit, P, T, const N: usize> PriorityQueue<R, P, T, N> {
    const NONEMPTY: () = assert!(N > 0, "a PriorityQueue needs room for at least one item");

    loom_const_fn! {
        /// An empty queue with room for `N` items. `const`, so it can initialise a
        /// `static`. `N = 0` is rejected at compile time.
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
                lock: R::INIT,
                inner: UnsafeCell::new(Inner {
                    heap: BinaryHeap::new(),
                    seq: 0,
                    unfinished: 0,
                    taken: 0,
                    closed: false,
                }),
                state: AtomicUsize::new(0),
                senders: WaitList::new(),
                receivers: WaitList::new(),
                joiners: WaitList::new(),
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
    /// Runs `f` with the queue lock held. `f` must not use the wait lists.
    #[inline]
    fn with_inner<U>(&self, f: impl FnOnce(&mut Inner<P, T, N>) -> U) -> U {
        self.lock.with_lock(|| {
            // SAFETY: `lock` is held, and it is what guards `inner`; `f` cannot reach
            // `inner` again (it would have to take `lock`, which is not re-entrant).
            self.inner.with_mut(|inner| f(unsafe { &mut *inner }))
        })
    }

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
        self.with_inner(|i| i.heap.len())
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
        self.with_inner(|i| i.closed)
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
        let n = self.with_inner(|i| i.unfinished);
        usize::try_from(n).unwrap_or(usize::MAX)
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
        let was_open = self.with_inner(|i| !core::mem::replace(&mut i.closed, true));
        if was_open {
            self.receivers.wake_all();
            self.senders.wake_all();
        }
        was_open
    }

    #[inline]
    fn wake_one_receiver(&self) {
        self.receivers.wake_one_or(|| {
            self.state.fetch_and(!RECV_WAITERS, Ordering::Relaxed);
        });
    }

    #[inline]
    fn wake_one_sender(&self) {
        self.senders.wake_one_or(|| {
            self.state.fetch_and(!SEND_WAITERS, Ordering::Relaxed);
        });
    }

    /// Announces a waiting sender and says whether to retry now (there is room, or
    /// the queue is closed). Runs under the senders' list lock.
    fn sender_should_retry(&self) -> bool {
        self.with_inner(|i| {
            self.state.fetch_or(SEND_WAITERS, Ordering::Relaxed);
            i.closed || !i.heap.is_full()
        })
    }

    /// Announces a waiting receiver and says whether to retry now.
    fn receiver_should_retry(&self) -> bool {
        self.with_inner(|i| {
            self.state.fetch_or(RECV_WAITERS, Ordering::Relaxed);
            i.closed || !i.heap.is_empty()
        })
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
        let wake = self.with_inner(|i| {
            if i.taken == 0 {
                return Err(TaskDoneError::NothingReceived);
            }
            i.taken -= 1;
            // `unfinished >= taken`: every received item was sent.
            i.unfinished = i.unfinished.saturating_sub(1);
            Ok(i.unfinished == 0 && self.state.load(Ordering::Relaxed) & JOIN_WAITERS != 0)
        })?;
        if wake {
            self.joiners.wake_all_or(|| {
                self.state.fetch_and(!JOIN_WAITERS, Ordering::Relaxed);
            });
        }
        Ok(())
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
        if self.unfinished() == 0 {
            return;
        }
        let mut waiter = pin!(self.joiners.waiter());
        poll_fn(|cx| loop {
            if waiter
                .as_mut()
                .poll_wait(cx, || {
                    self.with_inner(|i| {
                        self.state.fetch_or(JOIN_WAITERS, Ordering::Relaxed);
                        i.unfinished == 0
                    })
                })
                .is_pending()
            {
                return Poll::Pending;
            }
            if self.unfinished() == 0 {
                return Poll::Ready(());
            }
        })
        .await
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
        crate::wait::block_on_timeout(self.join(), timeout)
            .ok_or(crate::sync::WaitTimeoutError::TimedOut)
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
        let wake = self.with_inner(|i| {
            if i.closed {
                return Err(TrySendError::Closed((priority, item)));
            }
            let entry = Entry {
                priority,
                seq: i.seq,
                item,
            };
            if let Err(e) = i.heap.push(entry) {
                return Err(TrySendError::Full((e.priority, e.item)));
            }
            i.seq = i.seq.wrapping_add(1);
            i.unfinished = i.unfinished.wrapping_add(1);
            Ok(self.state.load(Ordering::Relaxed) & RECV_WAITERS != 0)
        })?;
        if wake {
            self.wake_one_receiver();
        }
        Ok(())
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
        let (got, wake) = self.with_inner(|i| match i.heap.pop() {
            Some(e) => {
                i.taken = i.taken.wrapping_add(1);
                let wake = self.state.load(Ordering::Relaxed) & SEND_WAITERS != 0;
                (Ok((e.priority, e.item)), wake)
            }
            None if i.closed => (Err(TryRecvError::Closed), false),
            None => (Err(TryRecvError::Empty), false),
        });
        if wake {
            self.wake_one_sender();
        }
        got
    }

    /// Sends the pair in `slot`, waiting for room; leaves it in `slot` if the queue
    /// is closed or the future is dropped, so timeouts can give it back.
    async fn send_from(&self, slot: &mut Option<(P, T)>) -> Result<(), ()> {
        let mut waiter = pin!(self.senders.waiter());
        poll_fn(|cx| loop {
            let Some((p, v)) = slot.take() else {
                return Poll::Ready(Ok(()));
            };
            match self.try_send(p, v) {
                Ok(()) => return Poll::Ready(Ok(())),
                Err(TrySendError::Full(pv)) => *slot = Some(pv),
                Err(TrySendError::Closed(pv)) => {
                    *slot = Some(pv);
                    return Poll::Ready(Err(()));
                }
            }
            if waiter
                .as_mut()
                .poll_wait(cx, || self.sender_should_retry())
                .is_pending()
            {
                return Poll::Pending;
            }
        })
        .await
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
        let mut slot = Some((priority, item));
        match self.send_from(&mut slot).await {
            Ok(()) => Ok(()),
            Err(()) => match slot.take() {
                Some(pv) => Err(SendError(pv)),
                None => Ok(()),
            },
        }
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
        let mut slot = Some((priority, item));
        let sent = spin_for(|| {
            let (p, v) = slot.take()?;
            match self.try_send(p, v) {
                Ok(()) => Some(Ok(())),
                Err(TrySendError::Full(pv)) => {
                    slot = Some(pv);
                    None
                }
                Err(TrySendError::Closed(pv)) => Some(Err(SendError(pv))),
            }
        });
        if let Some(done) = sent {
            return done;
        }
        match crate::wait::block_on(self.send_from(&mut slot)) {
            Ok(()) => Ok(()),
            Err(()) => match slot.take() {
                Some(pv) => Err(SendError(pv)),
                None => Ok(()),
            },
        }
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
        let mut slot = Some((priority, item));
        let outcome = crate::wait::block_on_timeout(self.send_from(&mut slot), timeout);
        match (outcome, slot.take()) {
            (_, None) => Ok(()),
            (Some(_), Some(pv)) => Err(SendTimeoutError::Closed(pv)),
            (None, Some(pv)) => Err(SendTimeoutError::TimedOut(pv)),
        }
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
        match self.try_recv() {
            Ok(v) => return Ok(v),
            Err(TryRecvError::Empty) => {}
            Err(TryRecvError::Closed) => return Err(RecvError),
        }
        let mut waiter = pin!(self.receivers.waiter());
        poll_fn(|cx| loop {
            if waiter
                .as_mut()
                .poll_wait(cx, || self.receiver_should_retry())
                .is_pending()
            {
                return Poll::Pending;
            }
            match self.try_recv() {
                Ok(v) => return Poll::Ready(Ok(v)),
                Err(TryRecvError::Empty) => {}
                Err(TryRecvError::Closed) => return Poll::Ready(Err(RecvError)),
            }
        })
        .await
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
        let got = spin_for(|| match self.try_recv() {
            Ok(v) => Some(Ok(v)),
            Err(TryRecvError::Empty) => None,
            Err(TryRecvError::Closed) => Some(Err(RecvError)),
        });
        match got {
            Some(done) => done,
            None => crate::wait::block_on(self.recv()),
        }
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
        match crate::wait::block_on_timeout(self.recv(), timeout) {
            Some(got) => got.map_err(RecvTimeoutError::from),
            None => Err(RecvTimeoutError::TimedOut),
        }
    }
}

impl<R: ScopedRawMutex, P: Ord, T, const N: usize> fmt::Debug for PriorityQueue<R, P, T, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (len, closed) = self.with_inner(|i| (i.heap.len(), i.closed));
        f.debug_struct("PriorityQueue")
            .field("len", &len)
            .field("capacity", &N)
            .field("closed", &closed)
            .finish_non_exhaustive()
    }
}
