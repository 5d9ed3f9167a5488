//! [`Queue`]: the bounded multi-producer multi-consumer queue of recipe 12.3, with
//! Python's `queue.Queue` surface: put/get that wait, don't wait or time out, a
//! close that replaces the book's sentinel, and `task_done`/`join`.
//!
//! # Implementation notes
//! The ring is Dmitry Vyukov's bounded MPMC array (the algorithm of crossbeam's
//! `ArrayQueue`): every slot carries a *stamp* saying which lap it is ready for, so a
//! send claims a slot with one compare-exchange on `tail` and publishes it with one
//! store to the slot's stamp, and a receive does the same on `head`. No lock is taken
//! unless somebody waits.
//!
//! Positions pack `lap | index`; `tail` also carries the `closed` mark, so a send's
//! claim and the close check are one atomic operation, and a send that claimed a
//! slot before `close` always completes, to be drained by the receivers.
//!
//! Waiting uses the crate's [`WaitList`]: a waiter announces itself with a bit in
//! `state`, then re-reads `tail` (or `head`) with a read-modify-write. The other side
//! moves `tail` (or `head`) with a read-modify-write *before* it reads `state`, so the
//! two are ordered through that one location: either the waiter sees the change, or
//! the other side sees the waiter.
//!
//! `task_done` counts in the same `lap | index` encoding as `head` and `tail` (a
//! `done` position that never passes `head`), so `join` is "`done == tail`" and no
//! extra counter is touched on the send and receive paths.

use core::fmt;
use core::future::poll_fn;
use core::marker::PhantomData;
use core::mem::MaybeUninit;
use core::ops::Deref;
use core::pin::pin;
use core::task::Poll;

use mutex_traits::{ConstInit, ScopedRawMutex};

use super::error::TaskDoneError;
use crate::error::{RecvError, SendError};
use crate::loom::{AtomicUsize, Ordering, UnsafeCell};
use crate::wait::backoff::spin_for;
use crate::wait::WaitList;

/// `state` bit: a sender may be waiting for room.
const SEND_WAITERS: usize = 1;
/// `state` bit: a receiver may be waiting for an item.
const RECV_WAITERS: usize = 2;

/// One item's storage in a queue, with the stamp of the lap it is ready for.
pub struct Slot<T> {
    /// The stamp, stored relative to the slot's index so that a fresh array of
    /// slots is all zeroes (and can be built in a `const`).
    stamp: AtomicUsize,
    value: UnsafeCell<MaybeUninit<T>>,
}

impl<T> Slot<T> {
    loom_const_fn! {
        fn new() -> Self {
            Self {
                stamp: AtomicUsize::new(0),
                value: UnsafeCell::new(MaybeUninit::uninit()),
            }
        }
    }
}

/// Keeps `head` and `tail` on separate cache lines on 64-bit targets, where the
/// memory is cheap and false sharing is expensive.
#[cfg_attr(target_pointer_width = "64", repr(align(64)))]
struct Padded<T>(T);

impl<T> Deref for Padded<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

/// The queue with its storage `S`: an array (`Queue`) or a slice (`QueueRef`).
/// Use the two aliases; this type only exists to relate them.
pub struct QueueCore<R, T, S: ?Sized + Storage<T>> {
    head: Padded<AtomicUsize>,
    tail: Padded<AtomicUsize>,
    /// `done` position (same encoding as `head`), with `mark_bit` meaning "a joiner
    /// may be waiting".
    done: AtomicUsize,
    state: AtomicUsize,
    /// `2^k > capacity`: the bit above any index; marks `tail` closed.
    mark_bit: usize,
    /// `2 * mark_bit`: one lap.
    one_lap: usize,
    senders: WaitList<R>,
    receivers: WaitList<R>,
    joiners: WaitList<R>,
    _owns: PhantomData<T>,
    slots: S,
}

/// A bounded MPMC queue holding up to `N` items of `T`, guarded by the raw
/// exclusion `R` where it waits.
///
/// `N` must be at least 1. The check is a compile-time assertion that runs when
/// the queue's code is generated: `cargo build` (or `cargo test`) rejects
/// `Queue<_, _, 0>`, but `cargo check` does not evaluate it and passes.
///
/// | Python (`queue.Queue(maxsize=N)`) | spindle |
/// |---|---|
/// | `q.put(x)` | [`send_blocking`](QueueRef::send_blocking) / [`send`](QueueRef::send)`.await` |
/// | `q.put(x, block=False)` / `put_nowait` | [`try_send`](QueueRef::try_send) → `Err(SendError::Full(x))` |
/// | `q.put(x, timeout=t)` | [`send_timeout`](QueueRef::send_timeout) |
/// | `q.get()` | [`recv_blocking`](QueueRef::recv_blocking) / [`recv`](QueueRef::recv)`.await` |
/// | `q.get(block=False)` / `get_nowait` | [`try_recv`](QueueRef::try_recv) → `Err(RecvError::Empty)` |
/// | `q.get(timeout=t)` | [`recv_timeout`](QueueRef::recv_timeout) |
/// | putting a sentinel `_sentinel` | [`close`](QueueRef::close) |
/// | `q.task_done()` / `q.join()` | [`task_done`](QueueRef::task_done) / [`join_blocking`](QueueRef::join_blocking), [`join`](QueueRef::join)`.await` |
/// | `q.qsize()`, `q.empty()`, `q.full()` | [`len`](QueueRef::len), [`is_empty`](QueueRef::is_empty), [`is_full`](QueueRef::is_full) (snapshots) |
///
/// Functions that should not be generic over `N` take a [`QueueRef`]: `&Queue<R, T, N>`
/// dereferences (and coerces) to `&QueueRef<R, T>`.
///
/// # Progress
/// No operation ever *fails* because of another: `try_send` reports `Full` only if
/// the queue held `N` items (counting sends in progress) at some instant during the
/// call, and `try_recv` reports `Empty` only if it held none. A send or receive is
/// lock-free except for one window: between claiming a slot and publishing it (the
/// copy of one `T`), a thread that needs *that same slot* waits for it, spinning
/// briefly and then yielding the core (`std`). heapless's deprecated MPMC queue
/// returns an error in that case, which made unrelated operations fail while any one
/// was preempted; crossbeam's `ArrayQueue` waits, as spindle does.
///
/// From interrupt handlers: the fast paths take no lock, so a handler may call the
/// `try_*` operations (and `close`) of a `Queue<CriticalSectionRawMutex, ..>`, whose
/// waiter lists are then interrupt-safe. One care point follows from the window
/// above: on a single core, a handler that preempts thread-mode code *inside* an
/// operation on the same queue, and then needs that very slot, would wait forever.
/// That only happens when the queue is within one item of full (for a sending
/// handler) or of empty (for a receiving one); either keep the thread-mode side's
/// operation inside `critical_section::with`, or give the handler its own
/// [`spsc`](super::spsc) ring, which is wait-free.
///
/// ```
/// use spindle_core::queue::{Queue, QueueRef};
/// use spindle_core::raw::ParkingRawMutex;
///
/// static JOBS: Queue<ParkingRawMutex, u32, 8> = Queue::new();
///
/// fn producer(q: &QueueRef<ParkingRawMutex, u32>) {
///     for n in 0..20 {
///         q.send_blocking(n).unwrap();
///     }
///     q.close(); // the book's sentinel
/// }
///
/// let t = std::thread::spawn(|| producer(&JOBS));
/// let mut sum = 0;
/// while let Ok(n) = JOBS.recv_blocking() {
///     sum += n;
/// }
/// t.join().unwrap();
/// assert_eq!(sum, (0..20).sum());
/// ```
pub type Queue<R, T, const N: usize> = QueueCore<R, T, [Slot<T>; N]>;

/// A [`Queue`] of any capacity: what `&Queue<R, T, N>` dereferences to. All of the
/// queue's operations are defined here.
pub type QueueRef<R, T> = QueueCore<R, T, [Slot<T>]>;

// SAFETY: items move from a sender to one receiver, never shared: `T: Send` suffices.
// All shared state is atomics or guarded by the wait lists' raw exclusion `R`.
unsafe impl<R: ScopedRawMutex + Sync, T: Send, S: ?Sized + Storage<T>> Sync for QueueCore<R, T, S> {}
// SAFETY: moving the queue moves its items.
unsafe impl<R: ScopedRawMutex + Send, T: Send, S: ?Sized + Storage<T> + Send> Send
    for QueueCore<R, T, S>
{
}

impl<R: ScopedRawMutex + ConstInit, T, const N: usize> Queue<R, T, N> {
    const MARK_BIT: usize = {
        assert!(N > 0, "a Queue needs room for at least one item");
        assert!(N <= usize::MAX / 8, "Queue capacity too large");
        (N + 1).next_power_of_two()
    };

    loom_const_fn! {
        /// An empty queue with room for `N` items. `const`, so it can initialise a
        /// `static`. `N = 0` is rejected at compile time.
        pub fn new() -> Self {
            Self {
                head: Padded(AtomicUsize::new(0)),
                tail: Padded(AtomicUsize::new(0)),
                done: AtomicUsize::new(0),
                state: AtomicUsize::new(0),
                mark_bit: Self::MARK_BIT,
                one_lap: Self::MARK_BIT * 2,
                senders: WaitList::new(),
                receivers: WaitList::new(),
                joiners: WaitList::new(),
                _owns: PhantomData,
                slots: slots::<T, N>(),
            }
        }
    }
}

#[cfg(not(loom))]
const fn slots<T, const N: usize>() -> [Slot<T>; N] {
    [const { Slot::new() }; N]
}

#[cfg(loom)]
fn slots<T, const N: usize>() -> [Slot<T>; N] {
    core::array::from_fn(|_| Slot::new())
}

impl<R: ScopedRawMutex + ConstInit, T, const N: usize> Default for Queue<R, T, N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<R, T, const N: usize> Deref for Queue<R, T, N> {
    type Target = QueueRef<R, T>;
    fn deref(&self) -> &QueueRef<R, T> {
        self
    }
}

impl<R: ScopedRawMutex, T> QueueRef<R, T> {
    /// How many items the queue holds at most.
    #[inline]
    pub fn capacity(&self) -> usize {
        self.slots.len()
    }

    /// Next position after `pos`, wrapping to the next lap after the last index.
    #[inline]
    fn next(&self, pos: usize) -> usize {
        let index = pos & (self.mark_bit - 1);
        if index + 1 < self.capacity() {
            pos + 1
        } else {
            (pos & !(self.one_lap - 1)).wrapping_add(self.one_lap)
        }
    }

    /// The stamp of slot `index` (stored relative to the index).
    #[inline]
    fn stamp(&self, index: usize) -> usize {
        self.slots[index]
            .stamp
            .load(Ordering::Acquire)
            .wrapping_add(index)
    }

    #[inline]
    fn set_stamp(&self, index: usize, stamp: usize) {
        self.slots[index]
            .stamp
            .store(stamp.wrapping_sub(index), Ordering::Release);
    }

    /// Sends `value` if there is room now, without waiting (Python's `put_nowait`).
    /// On failure the value comes back: [`SendError::Full`] or [`SendError::Closed`].
    #[inline]
    pub fn try_send(&self, value: T) -> Result<(), SendError<T>> {
        // The common case, small enough to inline: the slot at `tail` is free and the
        // claim succeeds at the first attempt. Everything else is out of line.
        let tail = self.tail.load(Ordering::Relaxed);
        let index = tail & (self.mark_bit - 1);
        if tail & self.mark_bit == 0
            && self.stamp(index) == tail
            && self
                .tail
                .compare_exchange_weak(tail, self.next(tail), Ordering::AcqRel, Ordering::Relaxed)
                .is_ok()
        {
            self.publish(index, tail, value);
            return Ok(());
        }
        self.try_send_slow(value)
    }

    /// Writes `value` into the claimed slot `index` at position `tail` and publishes it.
    #[inline]
    fn publish(&self, index: usize, tail: usize, value: T) {
        // SAFETY: the caller claimed this slot for this lap alone; its previous item (if
        // any) was read before its stamp said free.
        self.slots[index]
            .value
            .with_mut(|v| unsafe { (*v).write(value) });
        self.set_stamp(index, tail + 1);
        self.wake_one_receiver();
    }

    #[cold]
    #[inline(never)]
    fn try_send_slow(&self, value: T) -> Result<(), SendError<T>> {
        let mut round = 0;
        let mut tail = self.tail.load(Ordering::Relaxed);
        loop {
            if tail & self.mark_bit != 0 {
                return Err(SendError::Closed(value));
            }
            let index = tail & (self.mark_bit - 1);
            let stamp = self.stamp(index);
            if stamp == tail {
                // The slot is free for this lap: claim it.
                match self.tail.compare_exchange_weak(
                    tail,
                    self.next(tail),
                    Ordering::AcqRel,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => {
                        self.publish(index, tail, value);
                        return Ok(());
                    }
                    Err(now) => tail = now,
                }
            } else if stamp.wrapping_add(self.one_lap) == tail + 1 {
                // The slot still holds last lap's item. Full, or a receiver has
                // claimed it and is still reading?
                crate::loom::fence_seq_cst();
                let head = self.head.load(Ordering::Relaxed);
                if head.wrapping_add(self.one_lap) == tail {
                    return Err(SendError::Full(value));
                }
                crate::wait::backoff::back_off(round);
                round = round.saturating_add(1);
                tail = self.tail.load(Ordering::Relaxed);
            } else {
                // Another sender is ahead of our view of `tail`.
                crate::loom::spin_hint();
                tail = self.tail.load(Ordering::Relaxed);
            }
        }
    }

    /// Receives the oldest item if there is one now, without waiting (Python's
    /// `get_nowait`): [`RecvError::Empty`], or [`RecvError::Closed`] once the queue
    /// is closed and drained.
    #[inline]
    pub fn try_recv(&self) -> Result<T, RecvError> {
        let head = self.head.load(Ordering::Relaxed);
        let index = head & (self.mark_bit - 1);
        if self.stamp(index) == head + 1
            && self
                .head
                .compare_exchange_weak(head, self.next(head), Ordering::AcqRel, Ordering::Relaxed)
                .is_ok()
        {
            return Ok(self.take(index, head));
        }
        self.try_recv_slow()
    }

    /// Reads the item out of the claimed slot `index` at position `head` and frees the
    /// slot for the next lap.
    #[inline]
    fn take(&self, index: usize, head: usize) -> T {
        // SAFETY: the caller claimed this slot's item alone; its stamp (acquired) says
        // it was written.
        let value = self.slots[index]
            .value
            .with(|v| unsafe { (*v).assume_init_read() });
        self.set_stamp(index, head.wrapping_add(self.one_lap));
        self.wake_one_sender();
        value
    }

    #[cold]
    #[inline(never)]
    fn try_recv_slow(&self) -> Result<T, RecvError> {
        let mut round = 0;
        let mut head = self.head.load(Ordering::Relaxed);
        loop {
            let index = head & (self.mark_bit - 1);
            let stamp = self.stamp(index);
            if stamp == head + 1 {
                // The slot holds this lap's item: claim it.
                match self.head.compare_exchange_weak(
                    head,
                    self.next(head),
                    Ordering::AcqRel,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => return Ok(self.take(index, head)),
                    Err(now) => head = now,
                }
            } else if stamp == head {
                // The slot is empty for this lap. Empty, or a sender has claimed it
                // and is still writing?
                crate::loom::fence_seq_cst();
                let tail = self.tail.load(Ordering::Relaxed);
                if tail & !self.mark_bit == head {
                    return Err(if tail & self.mark_bit != 0 {
                        RecvError::Closed
                    } else {
                        RecvError::Empty
                    });
                }
                crate::wait::backoff::back_off(round);
                round = round.saturating_add(1);
                head = self.head.load(Ordering::Relaxed);
            } else {
                crate::loom::spin_hint();
                head = self.head.load(Ordering::Relaxed);
            }
        }
    }

    #[inline]
    fn wake_one_receiver(&self) {
        if self.state.load(Ordering::Relaxed) & RECV_WAITERS != 0 {
            self.wake_receiver_slow();
        }
    }

    #[cold]
    #[inline(never)]
    fn wake_receiver_slow(&self) {
        self.receivers.wake_one_or(|| {
            self.state.fetch_and(!RECV_WAITERS, Ordering::Relaxed);
        });
    }

    #[inline]
    fn wake_one_sender(&self) {
        if self.state.load(Ordering::Relaxed) & SEND_WAITERS != 0 {
            self.wake_sender_slow();
        }
    }

    #[cold]
    #[inline(never)]
    fn wake_sender_slow(&self) {
        self.senders.wake_one_or(|| {
            self.state.fetch_and(!SEND_WAITERS, Ordering::Relaxed);
        });
    }

    /// Announces a waiting sender and says whether to retry now: there may be room,
    /// or the queue is closed. Runs under the senders' list lock.
    fn sender_should_retry(&self) -> bool {
        self.state.fetch_or(SEND_WAITERS, Ordering::Relaxed);
        // A read-modify-write, so it reads the latest `head` (see the module notes).
        let head = self.head.fetch_add(0, Ordering::AcqRel);
        let tail = self.tail.load(Ordering::Relaxed);
        tail & self.mark_bit != 0 || head.wrapping_add(self.one_lap) != tail
    }

    /// Announces a waiting receiver and says whether to retry now.
    fn receiver_should_retry(&self) -> bool {
        self.state.fetch_or(RECV_WAITERS, Ordering::Relaxed);
        let tail = self.tail.fetch_add(0, Ordering::AcqRel);
        let head = self.head.load(Ordering::Relaxed);
        tail & self.mark_bit != 0 || tail != head
    }

    /// Sends the value in `slot`, waiting for room; leaves it in `slot` if the queue
    /// is closed or the future is dropped, so timeouts can give it back.
    async fn send_from(&self, slot: &mut Option<T>) -> Result<(), ()> {
        let mut waiter = pin!(self.senders.waiter());
        poll_fn(|cx| loop {
            let Some(value) = slot.take() else {
                return Poll::Ready(Ok(()));
            };
            match self.try_send(value) {
                Ok(()) => return Poll::Ready(Ok(())),
                Err(SendError::Full(v)) => *slot = Some(v),
                Err(e) => {
                    *slot = Some(e.into_inner());
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

    /// Sends `value`, waiting asynchronously while the queue is full. Fails only if
    /// the queue is closed, giving the value back. Dropping the future drops the
    /// value; use [`send_timeout`](Self::send_timeout) to get it back on timeout.
    pub async fn send(&self, value: T) -> Result<(), SendError<T>> {
        let value = match self.try_send(value) {
            Err(SendError::Full(v)) => v,
            done => return done,
        };
        let mut slot = Some(value);
        match self.send_from(&mut slot).await {
            Ok(()) => Ok(()),
            Err(()) => match slot.take() {
                Some(v) => Err(SendError::Closed(v)),
                None => Ok(()),
            },
        }
    }

    /// Sends `value`, blocking while the queue is full (Python's `put`). Fails only
    /// if the queue is closed, giving the value back.
    pub fn send_blocking(&self, value: T) -> Result<(), SendError<T>> {
        let mut slot = Some(value);
        let sent = spin_for(|| {
            let v = slot.take()?;
            match self.try_send(v) {
                Ok(()) => Some(Ok(())),
                Err(SendError::Full(v)) => {
                    slot = Some(v);
                    None
                }
                Err(e) => Some(Err(e)),
            }
        });
        if let Some(done) = sent {
            return done;
        }
        match crate::wait::block_on(self.send_from(&mut slot)) {
            Ok(()) => Ok(()),
            Err(()) => match slot.take() {
                Some(v) => Err(SendError::Closed(v)),
                None => Ok(()),
            },
        }
    }

    /// Sends `value`, waiting at most `timeout` for room (Python's
    /// `put(x, timeout=t)`). The value comes back with [`SendError::TimedOut`] or
    /// [`SendError::Closed`].
    #[cfg(feature = "std")]
    pub fn send_timeout(
        &self,
        value: T,
        timeout: core::time::Duration,
    ) -> Result<(), SendError<T>> {
        let mut slot = Some(value);
        let outcome = crate::wait::block_on_timeout(self.send_from(&mut slot), timeout);
        match (outcome, slot.take()) {
            (_, None) => Ok(()),
            (Some(_), Some(v)) => Err(SendError::Closed(v)),
            (None, Some(v)) => Err(SendError::TimedOut(v)),
        }
    }

    /// Receives the oldest item, waiting asynchronously while the queue is empty.
    /// After [`close`](Self::close), drains what was sent, then gives
    /// [`RecvError::Closed`].
    pub async fn recv(&self) -> Result<T, RecvError> {
        match self.try_recv() {
            Err(RecvError::Empty) => {}
            done => return done,
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
                Err(RecvError::Empty) => {}
                done => return Poll::Ready(done),
            }
        })
        .await
    }

    /// Receives the oldest item, blocking while the queue is empty (Python's `get`).
    pub fn recv_blocking(&self) -> Result<T, RecvError> {
        let got = spin_for(|| match self.try_recv() {
            Err(RecvError::Empty) => None,
            done => Some(done),
        });
        match got {
            Some(done) => done,
            None => crate::wait::block_on(self.recv()),
        }
    }

    /// Receives the oldest item, waiting at most `timeout` (Python's
    /// `get(timeout=t)`): [`RecvError::TimedOut`] if none came.
    #[cfg(feature = "std")]
    pub fn recv_timeout(&self, timeout: core::time::Duration) -> Result<T, RecvError> {
        crate::wait::block_on_timeout(self.recv(), timeout).unwrap_or(Err(RecvError::TimedOut))
    }

    /// Closes the queue: later sends get their value back with
    /// [`SendError::Closed`]; receivers first drain every item already sent, then
    /// get [`RecvError::Closed`]; every waiting sender and receiver wakes. Returns
    /// `false` if it was already closed.
    pub fn close(&self) -> bool {
        let prev = self.tail.fetch_or(self.mark_bit, Ordering::AcqRel);
        if prev & self.mark_bit != 0 {
            return false;
        }
        self.receivers.wake_all();
        self.senders.wake_all();
        true
    }

    /// Whether the queue is closed.
    pub fn is_closed(&self) -> bool {
        self.tail.load(Ordering::Relaxed) & self.mark_bit != 0
    }

    /// How many items are in the queue: a snapshot, as Python warns of `qsize()`:
    /// by the time you act on it, it may have changed.
    pub fn len(&self) -> usize {
        loop {
            let tail = self.tail.load(Ordering::Acquire);
            let head = self.head.load(Ordering::Acquire);
            if self.tail.load(Ordering::Acquire) != tail {
                continue;
            }
            let tail = tail & !self.mark_bit;
            let hix = head & (self.mark_bit - 1);
            let tix = tail & (self.mark_bit - 1);
            return if hix < tix {
                tix - hix
            } else if hix > tix {
                self.capacity() - hix + tix
            } else if tail == head {
                0
            } else {
                self.capacity()
            };
        }
    }

    /// Whether the queue is empty (a snapshot).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the queue is full (a snapshot).
    pub fn is_full(&self) -> bool {
        self.len() == self.capacity()
    }

    /// `pos` counted in items from the start, modulo the lap wrap-around (the
    /// position space is what `done` is compared in, so wrapping is consistent).
    #[inline]
    fn strip(&self, pos: usize) -> usize {
        pos & !self.mark_bit
    }

    /// Marks one received item as processed (Python's `task_done`). Fails, changing
    /// nothing, if every received item is already marked done.
    pub fn task_done(&self) -> Result<(), TaskDoneError> {
        // Acquire: a `done` advanced by another consumer must come with the `head`
        // that consumer saw, or we could compare it with an older `head` and wrongly
        // find nothing received (found by the loom models).
        let mut done = self.done.load(Ordering::Acquire);
        loop {
            let pos = self.strip(done);
            let head = self.head.load(Ordering::Acquire);
            if pos == head {
                return Err(TaskDoneError::NothingReceived);
            }
            let new = self.next(pos) | (done & self.mark_bit);
            match self
                .done
                .compare_exchange_weak(done, new, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => {
                    if done & self.mark_bit != 0
                        && self.strip(new) == self.strip(self.tail.load(Ordering::Acquire))
                    {
                        self.joiners.wake_all_or(|| {
                            self.done.fetch_and(!self.mark_bit, Ordering::Relaxed);
                        });
                    }
                    return Ok(());
                }
                Err(now) => done = now,
            }
        }
    }

    /// How many items were sent but not yet marked done (Python's
    /// `unfinished_tasks`), a snapshot.
    pub fn unfinished(&self) -> usize {
        let done = self.strip(self.done.load(Ordering::Acquire));
        let tail = self.strip(self.tail.load(Ordering::Acquire));
        self.distance(done, tail)
    }

    /// Items from position `from` to position `to` (`to` not before `from`).
    fn distance(&self, from: usize, to: usize) -> usize {
        let lap = |p: usize| p / self.one_lap;
        let index = |p: usize| p & (self.mark_bit - 1);
        lap(to)
            .wrapping_sub(lap(from))
            .wrapping_mul(self.capacity())
            .wrapping_add(index(to))
            .wrapping_sub(index(from))
    }

    fn all_done(&self) -> bool {
        self.strip(self.done.load(Ordering::Acquire))
            == self.strip(self.tail.load(Ordering::Acquire))
    }

    /// Waits until every item ever sent has been marked done (Python's `join`).
    pub async fn join(&self) {
        if self.all_done() {
            return;
        }
        let mut waiter = pin!(self.joiners.waiter());
        poll_fn(|cx| loop {
            if waiter
                .as_mut()
                .poll_wait(cx, || {
                    let done = self.done.fetch_or(self.mark_bit, Ordering::AcqRel);
                    self.strip(done) == self.strip(self.tail.load(Ordering::Acquire))
                })
                .is_pending()
            {
                return Poll::Pending;
            }
            if self.all_done() {
                return Poll::Ready(());
            }
        })
        .await
    }

    /// [`join`](Self::join), blocking the thread.
    pub fn join_blocking(&self) {
        crate::wait::block_on(self.join())
    }

    /// [`join`](Self::join) for at most `timeout`.
    #[cfg(feature = "std")]
    pub fn join_timeout(
        &self,
        timeout: core::time::Duration,
    ) -> Result<(), crate::sync::WaitTimeoutError> {
        crate::wait::block_on_timeout(self.join(), timeout)
            .ok_or(crate::sync::WaitTimeoutError::TimedOut)
    }
}

impl<R, T, S: ?Sized + Storage<T>> Drop for QueueCore<R, T, S> {
    fn drop(&mut self) {
        let mark = self.mark_bit;
        let one_lap = self.one_lap;
        let head = load_mut(&mut self.head.0);
        let tail = load_mut(&mut self.tail.0) & !mark;
        let slots = self.slots.as_slots();
        let mut pos = head;
        while pos != tail {
            let index = pos & (mark - 1);
            // SAFETY: `&mut self`: no operation is in flight, and every position from
            // head to tail holds a written, unread item.
            slots[index]
                .value
                .with_mut(|v| unsafe { (*v).assume_init_drop() });
            pos = if index + 1 < slots.len() {
                pos + 1
            } else {
                (pos & !(one_lap - 1)).wrapping_add(one_lap)
            };
        }
    }
}

#[cfg(not(loom))]
fn load_mut(a: &mut AtomicUsize) -> usize {
    *a.get_mut()
}

#[cfg(loom)]
fn load_mut(a: &mut AtomicUsize) -> usize {
    a.load(Ordering::Relaxed)
}

mod sealed {
    pub trait Sealed {}
}

/// The storage of a queue: an array of slots ([`Queue`]) or a slice of them
/// ([`QueueRef`]). Sealed: only those two.
pub trait Storage<T>: sealed::Sealed {
    #[doc(hidden)]
    fn as_slots(&self) -> &[Slot<T>];
}

impl<T, const N: usize> sealed::Sealed for [Slot<T>; N] {}
impl<T, const N: usize> Storage<T> for [Slot<T>; N] {
    fn as_slots(&self) -> &[Slot<T>] {
        self
    }
}

impl<T> sealed::Sealed for [Slot<T>] {}
impl<T> Storage<T> for [Slot<T>] {
    fn as_slots(&self) -> &[Slot<T>] {
        self
    }
}

impl<R, T, S: ?Sized + Storage<T>> fmt::Debug for QueueCore<R, T, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Queue")
            .field(
                "closed",
                &(self.tail.load(Ordering::Relaxed) & self.mark_bit != 0),
            )
            .finish_non_exhaustive()
    }
}
