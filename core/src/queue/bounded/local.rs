//! [`LocalRing`]: the single-context ring of plain cells that a
//! [`Queue`](super::Queue) over [`NoopRawMutex`](crate::raw::NoopRawMutex) uses (the
//! issue's firmware task and its interrupt-free peer on one executor).
//!
//! A head index and a length, as in a `VecDeque`: a send writes the slot at
//! `head + len` (modulo the capacity), a receive reads the slot at `head`. No atomic
//! instruction, no compare-exchange, no stamps: with one context nothing can come
//! between reading the indices and writing them back.
//!
//! Soundness rests on one fact: a queue over this ring is not `Sync`, because its
//! raw exclusion is not ([`QueueStore`](super::QueueStore)'s contract; `NoopRawMutex`
//! is `!Sync`), and the ring's own cells are not `Sync` either. So the compiler
//! keeps all uses of one queue on one thread. Within that thread, re-entry is the
//! only way two operations can interleave: a waker that runs queue code from inside
//! `wake()`. Every operation therefore finishes its own reads and writes of the
//! cells and the slot *before* it wakes anybody, so a re-entered operation sees a
//! consistent ring.
//!
//! `task_done` counts received items not yet marked done (`undone`), so `join` waits
//! for `len + undone == 0`; like the shared ring's position counting, this wraps
//! only after `usize::MAX` items are received and never marked done.
//!
//! The waiter bits in `flags` mirror the shared ring's `state`: a send or receive
//! that nobody waits for reads one cell and never touches a wait list.

use core::cell::{Cell, UnsafeCell};
use core::mem::MaybeUninit;

use super::store::{Empty, QueueStore, Ring};
use super::{QueueRef, TaskDoneError};
use crate::error::{TryRecvError, TrySendError};
use crate::wait::WaitList;

/// `flags` bit: a sender may be waiting for room.
const SEND_WAITERS: usize = 1;
/// `flags` bit: a receiver may be waiting for an item.
const RECV_WAITERS: usize = 2;
/// `flags` bit: a joiner may be waiting for every item to be marked done.
const JOIN_WAITERS: usize = 4;
/// `flags` bit: the queue is closed.
const CLOSED: usize = 8;

/// One item's storage in a [`LocalRing`] queue: just the item's bytes.
pub struct LocalSlot<T>(UnsafeCell<MaybeUninit<T>>);

impl<T> Empty for LocalSlot<T> {
    #[cfg(not(loom))]
    const EMPTY: Self = Self(UnsafeCell::new(MaybeUninit::uninit()));

    #[cfg(loom)]
    fn empty() -> Self {
        Self(UnsafeCell::new(MaybeUninit::uninit()))
    }
}

/// The positions and flags of a queue used from one context only, in plain cells:
/// what [`NoopRawMutex`](crate::raw::NoopRawMutex) picks.
///
/// Neither the ring nor a queue over it can be shared between threads, which is
/// what makes the plain cells sound:
///
/// ```compile_fail
/// use spindle_core::queue::LocalRing;
/// fn shareable<T: Sync>() {}
/// // error[E0277]: `Cell<usize>` cannot be shared between threads safely
/// shareable::<LocalRing>();
/// ```
///
/// ```compile_fail
/// use spindle_core::queue::Queue;
/// use spindle_core::raw::NoopRawMutex;
/// fn shareable<T: Sync>(_: &T) {}
/// let q: Queue<NoopRawMutex, u8, 4> = Queue::new();
/// // error[E0277]: `NoopRawMutex` cannot be shared between threads safely
/// shareable(&q);
/// ```
///
/// A queue over it may still be *moved* to another thread, items and all:
///
/// ```
/// use spindle_core::queue::Queue;
/// use spindle_core::raw::NoopRawMutex;
///
/// let q: Queue<NoopRawMutex, u8, 4> = Queue::new();
/// q.try_send(7).unwrap();
/// let got = std::thread::spawn(move || q.try_recv().unwrap()).join().unwrap();
/// assert_eq!(got, 7);
/// ```
pub struct LocalRing {
    /// Index of the oldest item (`< capacity`).
    head: Cell<usize>,
    /// How many items are queued (`<= capacity`).
    len: Cell<usize>,
    /// Received items not yet marked done.
    undone: Cell<usize>,
    /// `CLOSED` and the waiter bits.
    flags: Cell<usize>,
}

impl Ring for LocalRing {
    type Slot<T> = LocalSlot<T>;
    type Words = ();

    #[cfg(not(loom))]
    const EMPTY: Self = Self {
        head: Cell::new(0),
        len: Cell::new(0),
        undone: Cell::new(0),
        flags: Cell::new(0),
    };

    #[cfg(loom)]
    fn empty() -> Self {
        Self {
            head: Cell::new(0),
            len: Cell::new(0),
            undone: Cell::new(0),
            flags: Cell::new(0),
        }
    }

    #[inline]
    fn try_send<R: QueueStore<Ring = Self>, T>(
        q: &QueueRef<R, T>,
        value: T,
    ) -> Result<(), TrySendError<T>> {
        let ring = &q.ring;
        let slots: &[LocalSlot<T>] = &q.slots;
        let len = ring.len.get();
        let flags = ring.flags.get();
        if flags & CLOSED != 0 {
            return Err(TrySendError::Closed(value));
        }
        if len == slots.len() {
            return Err(TrySendError::Full(value));
        }
        let mut tail = ring.head.get() + len;
        if tail >= slots.len() {
            tail -= slots.len();
        }
        // SAFETY: `head < capacity` and `len < capacity`, so `tail < capacity`; the
        // slot at `tail` holds no item (items occupy `head .. head + len`); and no
        // other reference to it exists (one context, and no operation re-enters
        // before this write completes).
        unsafe { (*slots.get_unchecked(tail).0.get()).write(value) };
        ring.len.set(len + 1);
        if flags & RECV_WAITERS != 0 {
            wake_slow(ring, &q.lists.receivers, RECV_WAITERS);
        }
        Ok(())
    }

    #[inline]
    fn try_recv<R: QueueStore<Ring = Self>, T>(q: &QueueRef<R, T>) -> Result<T, TryRecvError> {
        let ring = &q.ring;
        let slots: &[LocalSlot<T>] = &q.slots;
        let len = ring.len.get();
        let flags = ring.flags.get();
        if len == 0 {
            return Err(if flags & CLOSED != 0 {
                TryRecvError::Closed
            } else {
                TryRecvError::Empty
            });
        }
        let head = ring.head.get();
        // SAFETY: `head < capacity`; with `len > 0` the slot at `head` holds the
        // oldest item, written by a send and not yet read; moving it out leaves the
        // slot empty, which the index update below records before anything else
        // can run.
        let value = unsafe { (*slots.get_unchecked(head).0.get()).assume_init_read() };
        let next = head + 1;
        ring.head.set(if next == slots.len() { 0 } else { next });
        ring.len.set(len - 1);
        ring.undone.set(ring.undone.get().wrapping_add(1));
        if flags & SEND_WAITERS != 0 {
            wake_slow(ring, &q.lists.senders, SEND_WAITERS);
        }
        Ok(value)
    }

    fn close<R: QueueStore<Ring = Self>, T>(q: &QueueRef<R, T>) -> bool {
        let flags = q.ring.flags.get();
        q.ring.flags.set(flags | CLOSED);
        flags & CLOSED == 0
    }

    fn is_closed<R: QueueStore<Ring = Self>, T>(q: &QueueRef<R, T>) -> bool {
        q.ring.flags.get() & CLOSED != 0
    }

    fn len<R: QueueStore<Ring = Self>, T>(q: &QueueRef<R, T>) -> usize {
        q.ring.len.get()
    }

    fn task_done<R: QueueStore<Ring = Self>, T>(q: &QueueRef<R, T>) -> Result<(), TaskDoneError> {
        let ring = &q.ring;
        let undone = ring.undone.get();
        if undone == 0 {
            return Err(TaskDoneError::NothingReceived);
        }
        ring.undone.set(undone - 1);
        if undone == 1 && ring.len.get() == 0 && ring.flags.get() & JOIN_WAITERS != 0 {
            q.lists.joiners.wake_all_or(|| {
                ring.flags.set(ring.flags.get() & !JOIN_WAITERS);
            });
        }
        Ok(())
    }

    fn unfinished<R: QueueStore<Ring = Self>, T>(q: &QueueRef<R, T>) -> usize {
        q.ring.len.get().wrapping_add(q.ring.undone.get())
    }

    fn announce_sender<R: QueueStore<Ring = Self>, T>(q: &QueueRef<R, T>) -> bool {
        let flags = q.ring.flags.get() | SEND_WAITERS;
        q.ring.flags.set(flags);
        flags & CLOSED != 0 || q.ring.len.get() < q.slots.len()
    }

    fn announce_receiver<R: QueueStore<Ring = Self>, T>(q: &QueueRef<R, T>) -> bool {
        let flags = q.ring.flags.get() | RECV_WAITERS;
        q.ring.flags.set(flags);
        flags & CLOSED != 0 || q.ring.len.get() > 0
    }

    fn announce_joiner<R: QueueStore<Ring = Self>, T>(q: &QueueRef<R, T>) -> bool {
        q.ring.flags.set(q.ring.flags.get() | JOIN_WAITERS);
        Self::all_done(q)
    }

    fn all_done<R: QueueStore<Ring = Self>, T>(q: &QueueRef<R, T>) -> bool {
        q.ring.len.get() == 0 && q.ring.undone.get() == 0
    }

    fn drop_items<T>(&mut self, slots: &mut [LocalSlot<T>]) {
        let mut index = self.head.get();
        for _ in 0..self.len.get() {
            // SAFETY: `&mut` to the queue: nothing else refers to it, and the `len`
            // slots from `head` (wrapping) hold written, unread items.
            unsafe { slots[index].0.get_mut().assume_init_drop() };
            index += 1;
            if index == slots.len() {
                index = 0;
            }
        }
    }
}

/// Wakes one waiter of `list`, clearing `bit` in `flags` if none is left. Out of
/// line: only reached when somebody waits.
#[cold]
#[inline(never)]
fn wake_slow<R: mutex_traits::ScopedRawMutex>(ring: &LocalRing, list: &WaitList<R>, bit: usize) {
    list.wake_one_or(|| ring.flags.set(ring.flags.get() & !bit));
}
