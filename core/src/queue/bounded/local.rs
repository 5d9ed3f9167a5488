//! [`LocalRing`]: the single-context ring of plain cells that a
//! [`Queue`](super::Queue) over [`NoopRawMutex`](crate::raw::NoopRawMutex) uses (the
//! issue's firmware task and its interrupt-free peer on one executor).
//!
//! A head index and a length: a receive reads the slot at `head`, a send writes the
//! slot at `head + len` (wrapped once; no tail index to load, advance and store). No
//! atomic instruction, no compare-exchange, no stamps: with one context nothing can
//! come between reading the index and length and writing them back.
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
//! The length shares one word (`state`) with the closed mark and the send and
//! receive waiter bits, which sit above any length: a send's fast path is then one
//! comparison, `state < capacity` (open, not full, nobody waiting), and so is a
//! receive's, `1 <= state <= capacity` (an item, no flag). Every other case (closed,
//! full, empty, somebody waiting) is out of line. A send or receive that
//! nobody waits for never touches a wait list. (The joiner bit is a cell of its own:
//! only `task_done` reads it.)

use core::cell::{Cell, UnsafeCell};
use core::mem::MaybeUninit;

use super::store::{Empty, QueueStore, Ring};
use super::{QueueRef, TaskDoneError};
use crate::error::{TryRecvError, TrySendError};
use crate::wait::WaitList;

/// `state` bit: a sender may be waiting for room.
const SEND_WAITERS: usize = 1 << (usize::BITS - 1);
/// `state` bit: the queue is closed.
const CLOSED: usize = 1 << (usize::BITS - 2);
/// `state` bit: a receiver may be waiting for an item.
const RECV_WAITERS: usize = 1 << (usize::BITS - 3);
/// `state` bits below the flags: the length. `Queue::new` rejects capacities above
/// `usize::MAX / 8`, which is this mask, so a length never reaches the flags.
const LEN: usize = RECV_WAITERS - 1;

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
    /// How many items are queued (`<= capacity`, in the `LEN` bits), with `CLOSED`
    /// and the send and receive waiter bits.
    state: Cell<usize>,
    /// Received items not yet marked done.
    undone: Cell<usize>,
    /// A joiner may be waiting for every item to be marked done.
    joiners: Cell<bool>,
}

impl Ring for LocalRing {
    type Slot<T> = LocalSlot<T>;
    type Words = ();

    #[cfg(not(loom))]
    const EMPTY: Self = Self {
        head: Cell::new(0),
        state: Cell::new(0),
        undone: Cell::new(0),
        joiners: Cell::new(false),
    };

    #[cfg(loom)]
    fn empty() -> Self {
        Self {
            head: Cell::new(0),
            state: Cell::new(0),
            undone: Cell::new(0),
            joiners: Cell::new(false),
        }
    }

    #[inline]
    fn try_send<R: QueueStore<Ring = Self>, T>(
        q: &QueueRef<R, T>,
        value: T,
    ) -> Result<(), TrySendError<T>> {
        let state = q.ring.state.get();
        // Open, not full and nobody waiting: every flag is above any capacity.
        if state < q.slots.len() {
            push(q, value, state);
            return Ok(());
        }
        try_send_slow(q, value, state)
    }

    #[inline]
    fn try_recv<R: QueueStore<Ring = Self>, T>(q: &QueueRef<R, T>) -> Result<T, TryRecvError> {
        let state = q.ring.state.get();
        // An item and no flag: `1 <= state <= capacity` (the length never exceeds the
        // capacity, and every flag is above it), one comparison. A flag (a sender to
        // wake, a receiver waiting beside us, or a closed queue being drained) takes
        // the slow path.
        if state.wrapping_sub(1) < q.slots.len() {
            return Ok(pop(q, state));
        }
        try_recv_slow(q, state)
    }

    fn close<R: QueueStore<Ring = Self>, T>(q: &QueueRef<R, T>) -> bool {
        let state = q.ring.state.get();
        q.ring.state.set(state | CLOSED);
        state & CLOSED == 0
    }

    fn is_closed<R: QueueStore<Ring = Self>, T>(q: &QueueRef<R, T>) -> bool {
        q.ring.state.get() & CLOSED != 0
    }

    fn len<R: QueueStore<Ring = Self>, T>(q: &QueueRef<R, T>) -> usize {
        q.ring.state.get() & LEN
    }

    fn task_done<R: QueueStore<Ring = Self>, T>(q: &QueueRef<R, T>) -> Result<(), TaskDoneError> {
        let ring = &q.ring;
        let undone = ring.undone.get();
        if undone == 0 {
            return Err(TaskDoneError::NothingReceived);
        }
        ring.undone.set(undone - 1);
        if undone == 1 && ring.state.get() & LEN == 0 && ring.joiners.get() {
            q.lists.joiners.wake_all_or(|| ring.joiners.set(false));
        }
        Ok(())
    }

    fn unfinished<R: QueueStore<Ring = Self>, T>(q: &QueueRef<R, T>) -> usize {
        (q.ring.state.get() & LEN).wrapping_add(q.ring.undone.get())
    }

    fn announce_sender<R: QueueStore<Ring = Self>, T>(q: &QueueRef<R, T>) -> bool {
        let state = q.ring.state.get() | SEND_WAITERS;
        q.ring.state.set(state);
        state & CLOSED != 0 || state & LEN < q.slots.len()
    }

    fn announce_receiver<R: QueueStore<Ring = Self>, T>(q: &QueueRef<R, T>) -> bool {
        let state = q.ring.state.get() | RECV_WAITERS;
        q.ring.state.set(state);
        state & CLOSED != 0 || state & LEN > 0
    }

    fn announce_joiner<R: QueueStore<Ring = Self>, T>(q: &QueueRef<R, T>) -> bool {
        q.ring.joiners.set(true);
        Self::all_done(q)
    }

    fn all_done<R: QueueStore<Ring = Self>, T>(q: &QueueRef<R, T>) -> bool {
        q.ring.state.get() & LEN == 0 && q.ring.undone.get() == 0
    }

    fn drop_items<T>(&mut self, slots: &mut [LocalSlot<T>]) {
        let mut index = self.head.get();
        for _ in 0..self.state.get() & LEN {
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

/// Writes `value` after the last item and counts it in `state` (which it was read as), flags
/// unchanged. The caller checked that the queue is open and not full.
#[inline(always)]
fn push<R: QueueStore<Ring = LocalRing>, T>(q: &QueueRef<R, T>, value: T, state: usize) {
    let ring = &q.ring;
    let slots: &[LocalSlot<T>] = &q.slots;
    // The free slot after the items: `head + len`, wrapped once (both are below the
    // capacity, so their sum is below twice it).
    let len = state & LEN;
    let mut tail = ring.head.get() + len;
    if tail >= slots.len() {
        tail -= slots.len();
    }
    // SAFETY: `tail < capacity` (wrapped above); the slot at `tail` holds no item, as
    // the queue is not full (items occupy `head .. head + len`, wrapping); and no other
    // reference to it exists (one context, and no operation re-enters before this
    // write completes).
    unsafe { (*slots.get_unchecked(tail).0.get()).write(value) };
    ring.state.set(state + 1);
}

/// Moves the oldest item out and uncounts it from `state` (which it was read as),
/// flags unchanged. The caller checked that there is one.
#[inline(always)]
fn pop<R: QueueStore<Ring = LocalRing>, T>(q: &QueueRef<R, T>, state: usize) -> T {
    let ring = &q.ring;
    let slots: &[LocalSlot<T>] = &q.slots;
    let head = ring.head.get();
    // SAFETY: `head < capacity`; with a length above zero the slot at `head` holds the
    // oldest item, written by a send and not yet read; moving it out leaves the slot
    // empty, which the index update below records before anything else can run.
    let value = unsafe { (*slots.get_unchecked(head).0.get()).assume_init_read() };
    let next = head + 1;
    ring.head.set(if next == slots.len() { 0 } else { next });
    ring.state.set(state - 1);
    ring.undone.set(ring.undone.get().wrapping_add(1));
    value
}

/// `try_send` when `state` is not below the capacity: closed, full, or somebody
/// waits (a receiver to wake, or a sender that waited for room). Out of line.
#[cold]
#[inline(never)]
fn try_send_slow<R: QueueStore<Ring = LocalRing>, T>(
    q: &QueueRef<R, T>,
    value: T,
    state: usize,
) -> Result<(), TrySendError<T>> {
    if state & CLOSED != 0 {
        return Err(TrySendError::Closed(value));
    }
    if state & LEN == q.slots.len() {
        return Err(TrySendError::Full(value));
    }
    push(q, value, state);
    if state & RECV_WAITERS != 0 {
        wake_slow(&q.ring, &q.lists.receivers, RECV_WAITERS);
    }
    Ok(())
}

/// `try_recv` when the queue is empty or a flag is set: a sender to wake, another
/// receiver waiting, or a closed queue being drained. Out of line.
#[cold]
#[inline(never)]
fn try_recv_slow<R: QueueStore<Ring = LocalRing>, T>(
    q: &QueueRef<R, T>,
    state: usize,
) -> Result<T, TryRecvError> {
    if state & LEN == 0 {
        return Err(if state & CLOSED != 0 {
            TryRecvError::Closed
        } else {
            TryRecvError::Empty
        });
    }
    let value = pop(q, state);
    if state & SEND_WAITERS != 0 {
        wake_slow(&q.ring, &q.lists.senders, SEND_WAITERS);
    }
    Ok(value)
}

/// Wakes one waiter of `list`, clearing `bit` in `state` if none is left. Out of
/// line: only reached when somebody waits.
#[cold]
#[inline(never)]
fn wake_slow<R: mutex_traits::ScopedRawMutex>(ring: &LocalRing, list: &WaitList<R>, bit: usize) {
    list.wake_one_or(|| ring.state.set(ring.state.get() & !bit));
}
