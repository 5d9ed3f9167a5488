//! [`SharedRing`]: the lock-free ring of atomics that a [`Queue`](super::Queue) uses
//! whenever its raw exclusion lets it be shared (every one but `NoopRawMutex`).
//!
//! The ring is Dmitry Vyukov's bounded MPMC array (the algorithm of crossbeam's
//! `ArrayQueue`): every slot carries a *stamp* saying which lap it is ready for, so a
//! send claims a slot with one compare-exchange on `tail` and publishes it with one
//! store to the slot's stamp, and a receive does the same on `head`. No lock is taken
//! unless somebody waits.
//!
//! Positions pack `lap | wait | mark | index`; `tail` also carries the `closed`
//! mark, so a send's claim and the close check are one atomic operation, and a send
//! that claimed a slot before `close` always completes, to be drained by the
//! receivers. The mark bit is the power of two above the capacity, computed from the
//! slice's length (a constant wherever the queue's `N` is known), not stored.
//!
//! Waiting uses the crate's [`WaitList`](crate::wait::WaitList). The waiter bit
//! (`wait`, the bit above the mark) sits in the very position the other side moves:
//! a waiting receiver sets it in `tail` with a read-modify-write that also re-reads
//! `tail`, a waiting sender in `head`. The other side moves that position with a
//! compare-exchange, so the two are ordered through that one location: either the
//! waiter's read sees the move, or the mover's compare-exchange sees the bit. A
//! stamp never has the bit (nor the mark), so a position with the bit set never
//! matches its slot's stamp: the fast paths need no test of their own for somebody
//! to wake, and the slow path that a set bit leads to wakes one waiter after its
//! claim. The bit is cleared, under the list's lock, once the list is empty.
//!
//! `task_done` counts in the same `lap | index` encoding as `head` and `tail` (a
//! `done` position that never passes `head`), so `join` is "`done == tail`" and no
//! extra counter is touched on the send and receive paths.

use core::mem::MaybeUninit;

use super::channel::WaitLists;
use super::store::{Empty, QueueStore, Ring};
use super::{QueueRef, TaskDoneError};
use crate::error::{TryRecvError, TrySendError};
use crate::loom::{AtomicUsize, Ordering, UnsafeCell};
use crate::padded::CachePadded;

/// One item's storage in a [`SharedRing`] queue, with the stamp of the lap it is
/// ready for.
pub struct Slot<T> {
    /// The stamp, stored relative to the slot's index so that a fresh array of
    /// slots is all zeroes (and can be built in a `const`).
    stamp: AtomicUsize,
    value: UnsafeCell<MaybeUninit<T>>,
}

impl<T> Empty for Slot<T> {
    #[cfg(not(loom))]
    const EMPTY: Self = Self {
        stamp: AtomicUsize::new(0),
        value: UnsafeCell::new(MaybeUninit::uninit()),
    };

    #[cfg(loom)]
    fn empty() -> Self {
        Self {
            stamp: AtomicUsize::new(0),
            value: UnsafeCell::new(MaybeUninit::uninit()),
        }
    }
}

/// The positions and waiter bits of a queue that threads, cores and interrupt
/// handlers may share: atomics only, lock-free (see the `Queue` docs' "Progress").
/// What every raw exclusion but [`NoopRawMutex`](crate::raw::NoopRawMutex) picks.
pub struct SharedRing {
    head: CachePadded<AtomicUsize>,
    tail: CachePadded<AtomicUsize>,
}

/// The [`SharedRing`]'s words that share a cache line with the rest of the queue
/// (inside a ring of its own alignment they would be padded to a line of their own).
pub struct SharedWords {
    /// `done` position (same encoding as `head`), with the mark bit meaning "a
    /// joiner may be waiting".
    done: AtomicUsize,
}

impl Empty for SharedWords {
    #[cfg(not(loom))]
    const EMPTY: Self = Self {
        done: AtomicUsize::new(0),
    };

    #[cfg(loom)]
    fn empty() -> Self {
        Self {
            done: AtomicUsize::new(0),
        }
    }
}

/// The mark bit of a ring of `capacity` slots: `2^k > capacity`, the bit above any
/// index. The waiter bit is the one above it and a lap is four times it, so
/// `Queue::new`'s limit, capacities up to `usize::MAX / 8`, leaves at least one lap
/// bit.
#[inline(always)]
fn mark_bit(capacity: usize) -> usize {
    (capacity + 1).next_power_of_two()
}

/// One queue's ring, slots and lists, with its geometry, for the operations.
///
/// Built afresh (in registers) by each operation: the out-of-line slow paths take
/// the queue itself, so no view's address escapes and it never lives in memory.
struct View<'a, R: QueueStore, T> {
    queue: &'a QueueRef<R, T>,
    ring: &'a SharedRing,
    words: &'a SharedWords,
    slots: &'a [Slot<T>],
    lists: &'a WaitLists<R>,
    /// The bit above any index; marks `tail` closed.
    mark_bit: usize,
    /// `2 * mark_bit`: in `tail`, a receiver may be waiting; in `head`, a sender.
    wait_bit: usize,
    /// `4 * mark_bit`: one lap.
    one_lap: usize,
}

#[inline(always)]
fn view<R: QueueStore<Ring = SharedRing>, T>(q: &QueueRef<R, T>) -> View<'_, R, T> {
    let mark_bit = mark_bit(q.slots.len());
    View {
        queue: q,
        ring: &q.ring,
        words: &q.words,
        slots: &q.slots,
        lists: &q.lists,
        mark_bit,
        wait_bit: mark_bit << 1,
        one_lap: mark_bit << 2,
    }
}

impl Ring for SharedRing {
    type Slot<T> = Slot<T>;
    type Words = SharedWords;

    #[cfg(not(loom))]
    const EMPTY: Self = Self {
        head: CachePadded(AtomicUsize::new(0)),
        tail: CachePadded(AtomicUsize::new(0)),
    };

    #[cfg(loom)]
    fn empty() -> Self {
        Self {
            head: CachePadded(AtomicUsize::new(0)),
            tail: CachePadded(AtomicUsize::new(0)),
        }
    }

    #[inline]
    fn try_send<R: QueueStore<Ring = Self>, T>(
        q: &QueueRef<R, T>,
        value: T,
    ) -> Result<(), TrySendError<T>> {
        view(q).try_send(value)
    }

    #[inline]
    fn try_recv<R: QueueStore<Ring = Self>, T>(q: &QueueRef<R, T>) -> Result<T, TryRecvError> {
        view(q).try_recv()
    }

    fn close<R: QueueStore<Ring = Self>, T>(q: &QueueRef<R, T>) -> bool {
        let v = view(q);
        let prev = v.ring.tail.fetch_or(v.mark_bit, Ordering::AcqRel);
        prev & v.mark_bit == 0
    }

    fn is_closed<R: QueueStore<Ring = Self>, T>(q: &QueueRef<R, T>) -> bool {
        let v = view(q);
        v.ring.tail.load(Ordering::Relaxed) & v.mark_bit != 0
    }

    fn len<R: QueueStore<Ring = Self>, T>(q: &QueueRef<R, T>) -> usize {
        view(q).len()
    }

    fn task_done<R: QueueStore<Ring = Self>, T>(q: &QueueRef<R, T>) -> Result<(), TaskDoneError> {
        view(q).task_done()
    }

    fn unfinished<R: QueueStore<Ring = Self>, T>(q: &QueueRef<R, T>) -> usize {
        let v = view(q);
        let done = v.strip(v.words.done.load(Ordering::Acquire));
        let tail = v.strip(v.ring.tail.load(Ordering::Acquire));
        v.distance(done, tail)
    }

    fn announce_sender<R: QueueStore<Ring = Self>, T>(q: &QueueRef<R, T>) -> bool {
        let v = view(q);
        // Sets the bit and reads the latest `head` in one read-modify-write (see the
        // module notes).
        let head = v.ring.head.fetch_or(v.wait_bit, Ordering::AcqRel);
        let tail = v.ring.tail.load(Ordering::Relaxed);
        tail & v.mark_bit != 0 || v.strip(head).wrapping_add(v.one_lap) != v.strip(tail)
    }

    fn announce_receiver<R: QueueStore<Ring = Self>, T>(q: &QueueRef<R, T>) -> bool {
        let v = view(q);
        let tail = v.ring.tail.fetch_or(v.wait_bit, Ordering::AcqRel);
        let head = v.ring.head.load(Ordering::Relaxed);
        tail & v.mark_bit != 0 || v.strip(tail) != v.strip(head)
    }

    fn announce_joiner<R: QueueStore<Ring = Self>, T>(q: &QueueRef<R, T>) -> bool {
        let v = view(q);
        let done = v.words.done.fetch_or(v.mark_bit, Ordering::AcqRel);
        v.strip(done) == v.strip(v.ring.tail.load(Ordering::Acquire))
    }

    fn all_done<R: QueueStore<Ring = Self>, T>(q: &QueueRef<R, T>) -> bool {
        let v = view(q);
        v.strip(v.words.done.load(Ordering::Acquire))
            == v.strip(v.ring.tail.load(Ordering::Acquire))
    }

    fn drop_items<T>(&mut self, slots: &mut [Slot<T>]) {
        let mark = mark_bit(slots.len());
        let wait = mark << 1;
        let one_lap = mark << 2;
        let head = load_mut(&mut self.head.0) & !wait;
        let tail = load_mut(&mut self.tail.0) & !(mark | wait);
        let mut pos = head;
        while pos != tail {
            let index = pos & (mark - 1);
            // SAFETY: `&mut` to the queue: no operation is in flight, and every
            // position from head to tail holds a written, unread item.
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

impl<R: QueueStore<Ring = SharedRing>, T> View<'_, R, T> {
    #[inline(always)]
    fn capacity(&self) -> usize {
        self.slots.len()
    }

    /// Next position after `pos` (which has no mark bit), wrapping to index 0 of
    /// the next lap after the last index: from `lap | (capacity - 1)`, adding
    /// `one_lap - index` gives `(lap + 1) | 0`. (One add of a selected constant,
    /// not a mask and an add.) A waiter bit in `pos` is kept.
    #[inline(always)]
    fn next(&self, pos: usize) -> usize {
        let index = pos & (self.mark_bit - 1);
        pos.wrapping_add(if index + 1 < self.capacity() {
            1
        } else {
            self.one_lap - index
        })
    }

    /// Slot `index`, which must come from a position (`pos & (mark_bit - 1)`).
    #[inline(always)]
    fn slot(&self, index: usize) -> &Slot<T> {
        debug_assert!(index < self.slots.len());
        // SAFETY: every position the ring stores or computes has an index below the
        // capacity (positions start at 0 and only `next` moves them, which wraps at
        // `capacity`; the mark bit is above every index and masked off here), so
        // `index < slots.len()`.
        unsafe { self.slots.get_unchecked(index) }
    }

    /// The stamp of slot `index` (stored relative to the index).
    #[inline(always)]
    fn stamp(&self, index: usize) -> usize {
        self.slot(index)
            .stamp
            .load(Ordering::Acquire)
            .wrapping_add(index)
    }

    #[inline(always)]
    fn set_stamp(&self, index: usize, stamp: usize) {
        self.slot(index)
            .stamp
            .store(stamp.wrapping_sub(index), Ordering::Release);
    }

    #[inline(always)]
    fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        // The common case, small enough to inline: the slot at `tail` is free and the
        // claim succeeds at the first attempt. Everything else is out of line.
        //
        // No separate `closed` test, and no test for a receiver to wake: a stamp
        // never has the mark bit or the waiter bit (stamps are `lap | index` or
        // `lap | (index + 1)`, and `index + 1 <= capacity < mark_bit`), so a closed
        // `tail`, or one with a waiting receiver, never equals its slot's stamp and
        // goes to the slow path, which reports `Closed` or wakes the receiver.
        let tail = self.ring.tail.load(Ordering::Relaxed);
        let index = tail & (self.mark_bit - 1);
        if self.stamp(index) == tail
            && self
                .ring
                .tail
                .compare_exchange_weak(tail, self.next(tail), Ordering::AcqRel, Ordering::Relaxed)
                .is_ok()
        {
            self.publish(index, tail, value);
            return Ok(());
        }
        try_send_slow(self.queue, value)
    }

    /// Writes `value` into the claimed slot `index` at position `tail` (without the
    /// waiter bit) and publishes it.
    #[inline(always)]
    fn publish(&self, index: usize, tail: usize, value: T) {
        // SAFETY: the caller claimed this slot for this lap alone; its previous item (if
        // any) was read before its stamp said free.
        self.slot(index)
            .value
            .with_mut(|v| unsafe { (*v).write(value) });
        self.set_stamp(index, tail + 1);
    }

    fn try_send_retry(&self, value: T) -> Result<(), TrySendError<T>> {
        let mut round = 0;
        let mut tail = self.ring.tail.load(Ordering::Relaxed);
        loop {
            if tail & self.mark_bit != 0 {
                return Err(TrySendError::Closed(value));
            }
            // `tail` without the waiter bit.
            let pos = tail & !self.wait_bit;
            let index = pos & (self.mark_bit - 1);
            let stamp = self.stamp(index);
            if stamp == pos {
                // The slot is free for this lap: claim it (keeping the waiter bit).
                match self.ring.tail.compare_exchange_weak(
                    tail,
                    self.next(tail),
                    Ordering::AcqRel,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => {
                        self.publish(index, pos, value);
                        if tail != pos {
                            // A receiver was waiting when we claimed.
                            wake_slow(&self.ring.tail, &self.lists.receivers, self.wait_bit);
                        }
                        return Ok(());
                    }
                    Err(now) => tail = now,
                }
            } else if stamp.wrapping_add(self.one_lap) == pos + 1 {
                // The slot still holds last lap's item. Full, or a receiver has
                // claimed it and is still reading?
                crate::loom::fence_seq_cst();
                let head = self.strip(self.ring.head.load(Ordering::Relaxed));
                if head.wrapping_add(self.one_lap) == pos {
                    return Err(TrySendError::Full(value));
                }
                crate::wait::backoff::back_off(round);
                round = round.saturating_add(1);
                tail = self.ring.tail.load(Ordering::Relaxed);
            } else {
                // Another sender is ahead of our view of `tail`.
                crate::loom::spin_hint();
                tail = self.ring.tail.load(Ordering::Relaxed);
            }
        }
    }

    #[inline(always)]
    fn try_recv(&self) -> Result<T, TryRecvError> {
        let head = self.ring.head.load(Ordering::Relaxed);
        let index = head & (self.mark_bit - 1);
        if self.stamp(index) == head + 1
            && self
                .ring
                .head
                .compare_exchange_weak(head, self.next(head), Ordering::AcqRel, Ordering::Relaxed)
                .is_ok()
        {
            return Ok(self.take(index, head));
        }
        try_recv_slow(self.queue)
    }

    /// Reads the item out of the claimed slot `index` at position `head` (without the
    /// waiter bit) and frees the slot for the next lap.
    #[inline(always)]
    fn take(&self, index: usize, head: usize) -> T {
        // SAFETY: the caller claimed this slot's item alone; its stamp (acquired) says
        // it was written.
        let value = self
            .slot(index)
            .value
            .with(|v| unsafe { (*v).assume_init_read() });
        self.set_stamp(index, head.wrapping_add(self.one_lap));
        value
    }

    fn try_recv_retry(&self) -> Result<T, TryRecvError> {
        let mut round = 0;
        let mut head = self.ring.head.load(Ordering::Relaxed);
        loop {
            // `head` without the waiter bit.
            let pos = head & !self.wait_bit;
            let index = pos & (self.mark_bit - 1);
            let stamp = self.stamp(index);
            if stamp == pos + 1 {
                // The slot holds this lap's item: claim it (keeping the waiter bit).
                match self.ring.head.compare_exchange_weak(
                    head,
                    self.next(head),
                    Ordering::AcqRel,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => {
                        let value = self.take(index, pos);
                        if head != pos {
                            // A sender was waiting when we claimed.
                            wake_slow(&self.ring.head, &self.lists.senders, self.wait_bit);
                        }
                        return Ok(value);
                    }
                    Err(now) => head = now,
                }
            } else if stamp == pos {
                // The slot is empty for this lap. Empty, or a sender has claimed it
                // and is still writing?
                crate::loom::fence_seq_cst();
                let tail = self.ring.tail.load(Ordering::Relaxed);
                if self.strip(tail) == pos {
                    return Err(if tail & self.mark_bit != 0 {
                        TryRecvError::Closed
                    } else {
                        TryRecvError::Empty
                    });
                }
                crate::wait::backoff::back_off(round);
                round = round.saturating_add(1);
                head = self.ring.head.load(Ordering::Relaxed);
            } else {
                crate::loom::spin_hint();
                head = self.ring.head.load(Ordering::Relaxed);
            }
        }
    }

    fn len(&self) -> usize {
        loop {
            let tail = self.ring.tail.load(Ordering::Acquire);
            let head = self.ring.head.load(Ordering::Acquire);
            if self.ring.tail.load(Ordering::Acquire) != tail {
                continue;
            }
            let tail = self.strip(tail);
            let head = self.strip(head);
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

    /// `pos` without the mark and the waiter bit: counted in items from the start,
    /// modulo the lap wrap-around (the position space is what `done` is compared in,
    /// so wrapping is consistent).
    #[inline]
    fn strip(&self, pos: usize) -> usize {
        pos & !(self.mark_bit | self.wait_bit)
    }

    fn task_done(&self) -> Result<(), TaskDoneError> {
        // Acquire: a `done` advanced by another consumer must come with the `head`
        // that consumer saw, or we could compare it with an older `head` and wrongly
        // find nothing received (found by the loom models).
        let mut done = self.words.done.load(Ordering::Acquire);
        loop {
            let pos = self.strip(done);
            let head = self.strip(self.ring.head.load(Ordering::Acquire));
            if pos == head {
                return Err(TaskDoneError::NothingReceived);
            }
            let new = self.next(pos) | (done & self.mark_bit);
            match self.words.done.compare_exchange_weak(
                done,
                new,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => {
                    if done & self.mark_bit != 0
                        && self.strip(new) == self.strip(self.ring.tail.load(Ordering::Acquire))
                    {
                        self.lists.joiners.wake_all_or(|| {
                            self.words.done.fetch_and(!self.mark_bit, Ordering::Relaxed);
                        });
                    }
                    return Ok(());
                }
                Err(now) => done = now,
            }
        }
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
}

/// The contended or full case of `try_send`, out of line.
#[cold]
#[inline(never)]
fn try_send_slow<R: QueueStore<Ring = SharedRing>, T>(
    q: &QueueRef<R, T>,
    value: T,
) -> Result<(), TrySendError<T>> {
    view(q).try_send_retry(value)
}

/// The contended or empty case of `try_recv`, out of line.
#[cold]
#[inline(never)]
fn try_recv_slow<R: QueueStore<Ring = SharedRing>, T>(
    q: &QueueRef<R, T>,
) -> Result<T, TryRecvError> {
    view(q).try_recv_retry()
}

/// Wakes one waiter of `list`, clearing the waiter bit `bit` in `position` (`tail`
/// for the receivers, `head` for the senders) if none is left. Out of line: only
/// reached when somebody waits. The clear runs under the list's lock, as every
/// announce does, so it cannot erase the bit of a waiter still queued.
#[cold]
#[inline(never)]
fn wake_slow<R: mutex_traits::ScopedRawMutex>(
    position: &AtomicUsize,
    list: &crate::wait::WaitList<R>,
    bit: usize,
) {
    list.wake_one_or(|| {
        position.fetch_and(!bit, Ordering::Relaxed);
    });
}

#[cfg(not(loom))]
fn load_mut(a: &mut AtomicUsize) -> usize {
    *a.get_mut()
}

#[cfg(loom)]
fn load_mut(a: &mut AtomicUsize) -> usize {
    a.load(Ordering::Relaxed)
}
