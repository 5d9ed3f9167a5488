//! [`LockedQueue`]: the queue core of [`PriorityQueue`](super::PriorityQueue) and
//! `UnboundedQueue`, whose items live in a container guarded by a lock (a binary
//! heap, a `VecDeque`) rather than in the lock-free ring of [`Queue`](super::Queue).
//! Everything but the container is written here once: close, `task_done`/`join`
//! counting, the waiters' announce-and-recheck, and (through [`Channel`]) the
//! waiting, blocking and timed sends and receives.
//!
//! # Protocol
//! The container and the counters are guarded by the queue's own raw exclusion `R`
//! (`lock`), held for one push or pop, never while waiting. Waiting uses the
//! crate's [`WaitList`](crate::wait::WaitList)s, each with its own raw exclusion. A waiter's `announce`
//! runs under its list's lock and takes the queue lock inside it to re-check the
//! container and set its bit in `state`; the side that changes the container reads
//! that bit under the queue lock and wakes *after* releasing it. The lock order is
//! therefore always "list, then queue", never the other way round, and the queue
//! lock orders the waiter's check against the change: either the waiter sees the
//! change, or the changer sees the waiter's bit.

use core::fmt;

use mutex_traits::{ConstInit, ScopedRawMutex};

use super::channel::{Channel, WaitLists};
use super::error::TaskDoneError;
use crate::error::{TryRecvError, TrySendError};
use crate::loom::{AtomicUsize, Ordering, UnsafeCell};

/// `state` bit: a sender may be waiting for room.
const SEND_WAITERS: usize = 1;
/// `state` bit: a receiver may be waiting for an item.
const RECV_WAITERS: usize = 2;
/// `state` bit: a joiner may be waiting for `unfinished == 0`.
const JOIN_WAITERS: usize = 4;

/// The container of a [`LockedQueue`], used only with the queue lock held.
pub(crate) trait Buffer {
    /// What one send puts in.
    type Item;
    /// Adds `item`, or gives it back if there is no room.
    fn push(&mut self, item: Self::Item) -> Result<(), Self::Item>;
    /// Takes the next item out.
    fn pop(&mut self) -> Option<Self::Item>;
    /// How many items it holds.
    fn len(&self) -> usize;
    /// Whether a push could succeed now.
    fn has_room(&self) -> bool;
}

/// Everything the queue lock guards.
struct Guarded<B> {
    buf: B,
    /// Items sent and not yet marked done (Python's `unfinished_tasks`).
    unfinished: u64,
    /// Items received and not yet marked done: what `task_done` may still mark.
    taken: u64,
    closed: bool,
}

/// A queue over the lock-guarded container `B` (see the module notes).
pub(crate) struct LockedQueue<R, B> {
    /// The queue lock: guards `guarded`.
    lock: R,
    guarded: UnsafeCell<Guarded<B>>,
    /// `*_WAITERS` bits; set under both a list lock and the queue lock, read under
    /// the queue lock, cleared under a list lock once that list is empty.
    state: AtomicUsize,
    lists: WaitLists<R>,
}

// SAFETY: `guarded` is only touched with `lock` held, and items move from a sender
// to one receiver, never shared: `B: Send` (its items are `Send`) suffices. The
// rest is atomics and wait lists, as shareable as `R`.
unsafe impl<R: ScopedRawMutex + Sync, B: Send> Sync for LockedQueue<R, B> {}

impl<R: ScopedRawMutex + ConstInit, B> LockedQueue<R, B> {
    loom_const_fn! {
        /// An open queue over the empty container `buf`.
        pub(crate) fn new(buf: B) -> Self {
            Self {
                lock: R::INIT,
                guarded: UnsafeCell::new(Guarded {
                    buf,
                    unfinished: 0,
                    taken: 0,
                    closed: false,
                }),
                state: AtomicUsize::new(0),
                lists: WaitLists::new(),
            }
        }
    }
}

impl<R: ScopedRawMutex, B: Buffer> LockedQueue<R, B> {
    /// Runs `f` with the queue lock held. `f` must not use the wait lists.
    #[inline]
    fn with_guarded<U>(&self, f: impl FnOnce(&mut Guarded<B>) -> U) -> U {
        self.lock.with_lock(|| {
            // SAFETY: `lock` is held, and it is what guards `guarded`; `f` cannot
            // reach it again (it would have to take `lock`, which is not re-entrant).
            self.guarded.with_mut(|g| f(unsafe { &mut *g }))
        })
    }

    /// How many items the queue holds (a snapshot).
    pub(crate) fn len(&self) -> usize {
        self.with_guarded(|g| g.buf.len())
    }

    /// Whether the queue is closed.
    pub(crate) fn is_closed(&self) -> bool {
        self.with_guarded(|g| g.closed)
    }

    /// Items sent and not yet marked done (a snapshot).
    pub(crate) fn unfinished(&self) -> usize {
        let n = self.with_guarded(|g| g.unfinished);
        usize::try_from(n).unwrap_or(usize::MAX)
    }

    /// Closes the queue and wakes every waiting sender and receiver; `false` if it
    /// was closed already.
    pub(crate) fn close(&self) -> bool {
        let was_open = self.with_guarded(|g| !core::mem::replace(&mut g.closed, true));
        if was_open {
            self.lists.receivers.wake_all();
            self.lists.senders.wake_all();
        }
        was_open
    }

    /// Sends without waiting.
    pub(crate) fn try_send(&self, item: B::Item) -> Result<(), TrySendError<B::Item>> {
        let wake = self.with_guarded(|g| {
            if g.closed {
                return Err(TrySendError::Closed(item));
            }
            g.buf.push(item).map_err(TrySendError::Full)?;
            g.unfinished = g.unfinished.wrapping_add(1);
            Ok(self.state.load(Ordering::Relaxed) & RECV_WAITERS != 0)
        })?;
        if wake {
            self.lists.receivers.wake_one_or(|| {
                self.state.fetch_and(!RECV_WAITERS, Ordering::Relaxed);
            });
        }
        Ok(())
    }

    /// Receives without waiting.
    pub(crate) fn try_recv(&self) -> Result<B::Item, TryRecvError> {
        let (got, wake) = self.with_guarded(|g| match g.buf.pop() {
            Some(item) => {
                g.taken = g.taken.wrapping_add(1);
                let wake = self.state.load(Ordering::Relaxed) & SEND_WAITERS != 0;
                (Ok(item), wake)
            }
            None if g.closed => (Err(TryRecvError::Closed), false),
            None => (Err(TryRecvError::Empty), false),
        });
        if wake {
            self.lists.senders.wake_one_or(|| {
                self.state.fetch_and(!SEND_WAITERS, Ordering::Relaxed);
            });
        }
        got
    }

    /// Marks one received item done; the last one wakes the joiners.
    pub(crate) fn task_done(&self) -> Result<(), TaskDoneError> {
        let wake = self.with_guarded(|g| {
            if g.taken == 0 {
                return Err(TaskDoneError::NothingReceived);
            }
            g.taken -= 1;
            // `unfinished >= taken`: every received item was sent.
            g.unfinished = g.unfinished.saturating_sub(1);
            Ok(g.unfinished == 0 && self.state.load(Ordering::Relaxed) & JOIN_WAITERS != 0)
        })?;
        if wake {
            self.lists.joiners.wake_all_or(|| {
                self.state.fetch_and(!JOIN_WAITERS, Ordering::Relaxed);
            });
        }
        Ok(())
    }

    /// Sets `bit` in `state` and evaluates `check` in one queue-lock section.
    fn announce(&self, bit: usize, check: impl FnOnce(&Guarded<B>) -> bool) -> bool {
        self.with_guarded(|g| {
            self.state.fetch_or(bit, Ordering::Relaxed);
            check(g)
        })
    }

    /// Writes the queue's `Debug` as `name { len, [capacity,] closed, .. }`.
    pub(crate) fn debug(
        &self,
        name: &str,
        capacity: Option<usize>,
        f: &mut fmt::Formatter<'_>,
    ) -> fmt::Result {
        let (len, closed) = self.with_guarded(|g| (g.buf.len(), g.closed));
        let mut d = f.debug_struct(name);
        d.field("len", &len);
        if let Some(capacity) = capacity {
            d.field("capacity", &capacity);
        }
        d.field("closed", &closed).finish_non_exhaustive()
    }
}

impl<R: ScopedRawMutex, B: Buffer> Channel for LockedQueue<R, B> {
    type Raw = R;
    type Item = B::Item;

    fn try_send(&self, item: B::Item) -> Result<(), TrySendError<B::Item>> {
        LockedQueue::try_send(self, item)
    }

    fn try_recv(&self) -> Result<B::Item, TryRecvError> {
        LockedQueue::try_recv(self)
    }

    fn lists(&self) -> &WaitLists<R> {
        &self.lists
    }

    fn announce_sender(&self) -> bool {
        self.announce(SEND_WAITERS, |g| g.closed || g.buf.has_room())
    }

    fn announce_receiver(&self) -> bool {
        self.announce(RECV_WAITERS, |g| g.closed || g.buf.len() != 0)
    }

    fn announce_joiner(&self) -> bool {
        self.announce(JOIN_WAITERS, |g| g.unfinished == 0)
    }

    fn all_done(&self) -> bool {
        self.with_guarded(|g| g.unfinished == 0)
    }
}
