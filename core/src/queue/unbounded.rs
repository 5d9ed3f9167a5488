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
//! interrupt-masking `R`). Waiting follows the protocol of the
//! [`PriorityQueue`](super::PriorityQueue): a waiter's `ready` check takes the queue
//! lock inside its list's lock and sets a "waiters" bit; the side that changes the
//! queue reads the bit under the queue lock and wakes after releasing it.

use alloc::collections::VecDeque;
use core::fmt;
use core::future::poll_fn;
use core::pin::pin;
use core::task::Poll;

use mutex_traits::{ConstInit, ScopedRawMutex};

use super::error::TaskDoneError;
#[cfg(feature = "std")]
use crate::error::RecvTimeoutError;
use crate::error::{RecvError, TryRecvError, TrySendError};
use crate::loom::{AtomicUsize, Ordering, UnsafeCell};
use crate::wait::backoff::spin_for;
use crate::wait::WaitList;

/// `state` bit: a receiver may be waiting for an item.
const RECV_WAITERS: usize = 2;
/// `state` bit: a joiner may be waiting for `unfinished == 0`.
const JOIN_WAITERS: usize = 4;

/// Everything the queue lock guards.
struct Inner<T> {
    items: VecDeque<T>,
    /// Items sent and not yet marked done (Python's `unfinished_tasks`).
    unfinished: u64,
    /// Items received and not yet marked done: what `task_done` may still mark.
    taken: u64,
    closed: bool,
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
    /// The queue lock: guards `inner`.
    lock: R,
    inner: UnsafeCell<Inner<T>>,
    /// `*_WAITERS` bits; set under both a list lock and the queue lock, read under
    /// the queue lock, cleared under a list lock once that list is empty.
    state: AtomicUsize,
    receivers: WaitList<R>,
    joiners: WaitList<R>,
}

// SAFETY: `inner` is only touched with `lock` held, and items move from a sender to
// one receiver, never shared: `T: Send` suffices. The rest is atomics and wait
// lists, as shareable as `R`.
unsafe impl<R: ScopedRawMutex + Sync, T: Send> Sync for UnboundedQueue<R, T> {}

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
                lock: R::INIT,
                inner: UnsafeCell::new(Inner {
                    items: VecDeque::new(),
                    unfinished: 0,
                    taken: 0,
                    closed: false,
                }),
                state: AtomicUsize::new(0),
                receivers: WaitList::new(),
                joiners: WaitList::new(),
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
    /// Runs `f` with the queue lock held. `f` must not use the wait lists.
    #[inline]
    fn with_inner<U>(&self, f: impl FnOnce(&mut Inner<T>) -> U) -> U {
        self.lock.with_lock(|| {
            // SAFETY: `lock` is held, and it is what guards `inner`; `f` cannot reach
            // `inner` again (it would have to take `lock`, which is not re-entrant).
            self.inner.with_mut(|inner| f(unsafe { &mut *inner }))
        })
    }

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
        let wake = self.with_inner(|i| {
            if i.closed {
                return Err(TrySendError::Closed(value));
            }
            if i.items.try_reserve(1).is_err() {
                return Err(TrySendError::Full(value));
            }
            i.items.push_back(value);
            i.unfinished = i.unfinished.wrapping_add(1);
            Ok(self.state.load(Ordering::Relaxed) & RECV_WAITERS != 0)
        })?;
        if wake {
            self.receivers.wake_one_or(|| {
                self.state.fetch_and(!RECV_WAITERS, Ordering::Relaxed);
            });
        }
        Ok(())
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
        self.with_inner(|i| match i.items.pop_front() {
            Some(v) => {
                i.taken = i.taken.wrapping_add(1);
                Ok(v)
            }
            None if i.closed => Err(TryRecvError::Closed),
            None => Err(TryRecvError::Empty),
        })
    }

    /// Announces a waiting receiver and says whether to retry now. Runs under the
    /// receivers' list lock.
    fn receiver_should_retry(&self) -> bool {
        self.with_inner(|i| {
            self.state.fetch_or(RECV_WAITERS, Ordering::Relaxed);
            i.closed || !i.items.is_empty()
        })
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
        match crate::wait::block_on_timeout(self.recv(), timeout) {
            Some(got) => got.map_err(RecvTimeoutError::from),
            None => Err(RecvTimeoutError::TimedOut),
        }
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
        let was_open = self.with_inner(|i| !core::mem::replace(&mut i.closed, true));
        if was_open {
            self.receivers.wake_all();
        }
        was_open
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
        self.with_inner(|i| i.closed)
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
        self.with_inner(|i| i.items.len())
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
        let n = self.with_inner(|i| i.unfinished);
        usize::try_from(n).unwrap_or(usize::MAX)
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
        crate::wait::block_on_timeout(self.join(), timeout)
            .ok_or(crate::sync::WaitTimeoutError::TimedOut)
    }
}

impl<R: ScopedRawMutex, T> fmt::Debug for UnboundedQueue<R, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (len, closed) = self.with_inner(|i| (i.items.len(), i.closed));
        f.debug_struct("UnboundedQueue")
            .field("len", &len)
            .field("closed", &closed)
            .finish_non_exhaustive()
    }
}
