//! [`Queue`]: the bounded multi-producer multi-consumer queue of recipe 12.3, with
//! Python's `queue.Queue` surface: put/get that wait, don't wait or time out, a
//! close that replaces the book's sentinel, and `task_done`/`join`.
//!
//! # Implementation notes
//! The queue keeps its items in one of two rings, chosen by the type of its raw
//! exclusion `R` ([`QueueStore`], in `store.rs`): what `R` says about who shares the
//! queue decides what the ring must be.
//!
//! - [`SharedRing`] (`shared.rs`; every raw exclusion but `NoopRawMutex`): Dmitry
//!   Vyukov's lock-free bounded MPMC array (the algorithm of crossbeam's
//!   `ArrayQueue`), for any number of threads, cores and interrupt handlers. Its
//!   notes are in `shared.rs`.
//! - [`LocalRing`] (`local.rs`; `NoopRawMutex`): a head index and a length in plain
//!   cells, for one context. Sound because a queue over it is `!Sync` (its cells
//!   are), so the compiler keeps every access on one thread; it costs what a
//!   `VecDeque` push and pop cost, with no atomic instruction.
//!
//! Everything else is shared: the public methods here forward to the ring's
//! operations ([`Ring`], static dispatch through the associated type), the waiting
//! forms are [`channel`]'s, and the wait lists are the crate's
//! [`WaitList`](crate::wait::WaitList)s. A ring announces waiters with bits in its
//! state, so a send or receive that nobody waits for never touches a list.

use core::fmt;
use core::future::Future;
use core::marker::PhantomData;
use core::ops::Deref;

use mutex_traits::ConstInit;

use super::channel::{self, Channel, WaitLists};
use super::error::TaskDoneError;
use crate::error::{RecvError, SendError, TryRecvError, TrySendError};
#[cfg(feature = "std")]
use crate::error::{RecvTimeoutError, SendTimeoutError};

mod local;
mod shared;
mod store;

pub use shared::Slot;
pub use store::{Empty, LocalRing, LocalSlot, QueueStore, Ring, SharedRing, SharedWords};

/// The slot type of a queue over `R`.
type SlotOf<R, T> = <<R as QueueStore>::Ring as Ring>::Slot<T>;

/// The queue with its storage `S`: an array (`Queue`) or a slice (`QueueRef`) of
/// the slots its raw exclusion's [`Ring`] uses. Use the two aliases; this type
/// only exists to relate them.
pub struct QueueCore<R: QueueStore, T, S: ?Sized + Storage<SlotOf<R, T>>> {
    ring: R::Ring,
    words: <R::Ring as Ring>::Words,
    lists: WaitLists<R>,
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
/// | `q.put(x, block=False)` / `put_nowait` | [`try_send`](QueueRef::try_send) → `Err(TrySendError::Full(x))` |
/// | `q.put(x, timeout=t)` | [`send_timeout`](QueueRef::send_timeout) |
/// | `q.get()` | [`recv_blocking`](QueueRef::recv_blocking) / [`recv`](QueueRef::recv)`.await` |
/// | `q.get(block=False)` / `get_nowait` | [`try_recv`](QueueRef::try_recv) → `Err(TryRecvError::Empty)` |
/// | `q.get(timeout=t)` | [`recv_timeout`](QueueRef::recv_timeout) |
/// | putting a sentinel `_sentinel` | [`close`](QueueRef::close) |
/// | `q.task_done()` / `q.join()` | [`task_done`](QueueRef::task_done) / [`join_blocking`](QueueRef::join_blocking), [`join`](QueueRef::join)`.await` |
/// | `q.qsize()`, `q.empty()`, `q.full()` | [`len`](QueueRef::len), [`is_empty`](QueueRef::is_empty), [`is_full`](QueueRef::is_full) (snapshots) |
///
/// Functions that should not be generic over `N` take a [`QueueRef`]: `&Queue<R, T, N>`
/// dereferences (and coerces) to `&QueueRef<R, T>`.
///
/// # Choosing `R`
/// The queue is `Sync` (shareable, and allowed in a `static`) exactly when `R` is.
/// [`NoopRawMutex`](crate::raw::NoopRawMutex) is for one context (one thread or
/// executor) and is not `Sync`: a `static` queue over it fails to compile
/// ("`NoopRawMutex` cannot be shared between threads safely"). For a `static`, use
/// [`CriticalSectionRawMutex`](crate::raw::CriticalSectionRawMutex) if an interrupt
/// handler uses the queue, [`SpinRawMutex`](crate::raw::SpinRawMutex) for cores
/// without interrupts, or `ParkingRawMutex` (`std`; `spindle_std::queue::Queue`
/// picks it for you) for OS threads. See [`raw`](crate::raw).
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
pub type Queue<R, T, const N: usize> = QueueCore<R, T, [SlotOf<R, T>; N]>;

/// A [`Queue`] of any capacity: what `&Queue<R, T, N>` dereferences to. All of the
/// queue's operations are defined here.
pub type QueueRef<R, T> = QueueCore<R, T, [SlotOf<R, T>]>;

// SAFETY: items move from a sender to one receiver, never shared: `T: Send` suffices.
// All shared state is in the ring or guarded by the wait lists' raw exclusion `R`,
// and the slots are reached only through the ring's protocol. A `SharedRing` is
// atomics, safe to share; a `LocalRing`'s cells are not, and `QueueStore`'s contract
// says a raw exclusion that picks it is not `Sync`, so this impl never applies to it.
unsafe impl<R: QueueStore + Sync, T: Send, S: ?Sized + Storage<SlotOf<R, T>>> Sync
    for QueueCore<R, T, S>
{
}
// SAFETY: moving the queue moves its items (and its ring, which is `Send` whatever
// `T` is); no waiter can borrow it while it moves.
unsafe impl<R: QueueStore + Send, T: Send, S: ?Sized + Storage<SlotOf<R, T>> + Send> Send
    for QueueCore<R, T, S>
{
}

impl<R: QueueStore + ConstInit, T, const N: usize> Queue<R, T, N> {
    /// Rejects capacities the ring cannot hold (evaluated by `new`).
    const CAPACITY_OK: () = {
        assert!(N > 0, "a Queue needs room for at least one item");
        assert!(N <= usize::MAX / 8, "Queue capacity too large");
    };

    /// An empty queue with room for `N` items. `const`, so it can initialise a
    /// `static`. `N = 0` is rejected at compile time, but only when the constant
    /// is evaluated: `cargo build`, `cargo test` and `cargo run` report it, `cargo
    /// check` (and so an editor's check-on-save) does not.
    ///
    /// ```compile_fail
    /// use spindle_core::queue::Queue;
    /// use spindle_core::raw::SpinRawMutex;
    /// // error[E0080]: "a Queue needs room for at least one item"
    /// let q: Queue<SpinRawMutex, u8, 0> = Queue::new();
    /// ```
    #[cfg(not(loom))]
    pub const fn new() -> Self {
        #[allow(clippy::let_unit_value)]
        let () = Self::CAPACITY_OK;
        Self {
            ring: <R::Ring as Ring>::EMPTY,
            words: <<R::Ring as Ring>::Words as Empty>::EMPTY,
            lists: WaitLists::new(),
            _owns: PhantomData,
            slots: [const { <SlotOf<R, T> as Empty>::EMPTY }; N],
        }
    }

    /// An empty queue with room for `N` items (the loom build's, not `const`).
    #[cfg(loom)]
    pub fn new() -> Self {
        #[allow(clippy::let_unit_value)]
        let () = Self::CAPACITY_OK;
        Self {
            ring: <R::Ring as Ring>::empty(),
            words: <<R::Ring as Ring>::Words as Empty>::empty(),
            lists: WaitLists::new(),
            _owns: PhantomData,
            slots: core::array::from_fn(|_| <SlotOf<R, T> as Empty>::empty()),
        }
    }
}

/// The waiting send and receive again, on the sized queue: what they do is
/// [`QueueRef::send`]'s and [`QueueRef::recv`]'s; only the future is smaller (it
/// holds a thin reference, as the capacity is known from the type).
impl<R: QueueStore, T, const N: usize> Queue<R, T, N> {
    /// Sends `value`, waiting asynchronously while the queue is full: see
    /// [`QueueRef::send`].
    ///
    /// ```
    /// use spindle_core::queue::Queue;
    /// use spindle_core::raw::NoopRawMutex;
    /// use spindle_core::wait::block_on;
    ///
    /// let q: Queue<NoopRawMutex, u32, 2> = Queue::new();
    /// block_on(async {
    ///     q.send(1).await.unwrap();
    ///     assert_eq!(q.recv().await, Ok(1));
    /// });
    /// ```
    #[inline]
    pub fn send(&self, value: T) -> impl Future<Output = Result<(), SendError<T>>> + '_ {
        channel::send(self, value)
    }

    /// Receives the oldest item, waiting asynchronously while the queue is empty:
    /// see [`QueueRef::recv`].
    #[inline]
    pub fn recv(&self) -> impl Future<Output = Result<T, RecvError>> + '_ {
        channel::recv(self)
    }
}

impl<R: QueueStore + ConstInit, T, const N: usize> Default for Queue<R, T, N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<R: QueueStore, T, const N: usize> Deref for Queue<R, T, N> {
    type Target = QueueRef<R, T>;
    fn deref(&self) -> &QueueRef<R, T> {
        self
    }
}

impl<R: QueueStore, T> QueueRef<R, T> {
    /// How many items the queue holds at most.
    #[inline]
    pub fn capacity(&self) -> usize {
        self.slots.len()
    }

    /// Sends `value` if there is room now, without waiting (Python's `put_nowait`).
    /// On failure the value comes back: [`TrySendError::Full`] or [`TrySendError::Closed`].
    #[inline]
    pub fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        R::Ring::try_send(self, value)
    }

    /// Receives the oldest item if there is one now, without waiting (Python's
    /// `get_nowait`): [`TryRecvError::Empty`], or [`TryRecvError::Closed`] once the queue
    /// is closed and drained.
    #[inline]
    pub fn try_recv(&self) -> Result<T, TryRecvError> {
        R::Ring::try_recv(self)
    }

    /// Sends `value`, waiting asynchronously while the queue is full. Fails only if
    /// the queue is closed, giving the value back. Dropping the future drops the
    /// value; use [`send_timeout`](Self::send_timeout) to get it back on timeout.
    ///
    /// (An `async fn` in all but name: it returns the shared waiting core's future rather
    /// than wrapping it in a second state machine, which the fast path would pay
    /// for on every send.)
    #[inline]
    pub fn send(&self, value: T) -> impl Future<Output = Result<(), SendError<T>>> + '_ {
        channel::send(self, value)
    }

    /// Sends `value`, blocking while the queue is full (Python's `put`). Fails only
    /// if the queue is closed, giving the value back.
    pub fn send_blocking(&self, value: T) -> Result<(), SendError<T>> {
        channel::send_blocking(self, value)
    }

    /// Sends `value`, waiting at most `timeout` for room (Python's
    /// `put(x, timeout=t)`). The value comes back with [`SendTimeoutError::TimedOut`]
    /// or [`SendTimeoutError::Closed`].
    #[cfg(feature = "std")]
    pub fn send_timeout(
        &self,
        value: T,
        timeout: core::time::Duration,
    ) -> Result<(), SendTimeoutError<T>> {
        channel::send_timeout(self, value, timeout)
    }

    /// Receives the oldest item, waiting asynchronously while the queue is empty.
    /// After [`close`](Self::close), drains what was sent, then gives
    /// [`RecvError`].
    #[inline]
    pub fn recv(&self) -> impl Future<Output = Result<T, RecvError>> + '_ {
        channel::recv(self)
    }

    /// Receives the oldest item, blocking while the queue is empty (Python's `get`).
    pub fn recv_blocking(&self) -> Result<T, RecvError> {
        channel::recv_blocking(self)
    }

    /// Receives the oldest item, waiting at most `timeout` (Python's
    /// `get(timeout=t)`): [`RecvTimeoutError::TimedOut`] if none came,
    /// [`RecvTimeoutError::Closed`] once closed and drained.
    #[cfg(feature = "std")]
    pub fn recv_timeout(&self, timeout: core::time::Duration) -> Result<T, RecvTimeoutError> {
        channel::recv_timeout(self, timeout)
    }

    /// Closes the queue: later sends get their value back with
    /// `Closed` ([`TrySendError::Closed`], [`SendError`]); receivers first drain
    /// every item already sent, then get `Closed` ([`TryRecvError::Closed`],
    /// [`RecvError`]); every waiting sender and receiver wakes. Returns
    /// `false` if it was already closed.
    pub fn close(&self) -> bool {
        if !R::Ring::close(self) {
            return false;
        }
        self.lists.receivers.wake_all();
        self.lists.senders.wake_all();
        true
    }

    /// Whether the queue is closed.
    pub fn is_closed(&self) -> bool {
        R::Ring::is_closed(self)
    }

    /// How many items are in the queue: a snapshot, as Python warns of `qsize()`:
    /// by the time you act on it, it may have changed.
    pub fn len(&self) -> usize {
        R::Ring::len(self)
    }

    /// Whether the queue is empty (a snapshot).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the queue is full (a snapshot).
    pub fn is_full(&self) -> bool {
        self.len() == self.capacity()
    }

    /// Marks one received item as processed (Python's `task_done`). Fails, changing
    /// nothing, if every received item is already marked done.
    pub fn task_done(&self) -> Result<(), TaskDoneError> {
        R::Ring::task_done(self)
    }

    /// How many items were sent but not yet marked done (Python's
    /// `unfinished_tasks`), a snapshot.
    pub fn unfinished(&self) -> usize {
        R::Ring::unfinished(self)
    }

    /// Waits until every item ever sent has been marked done (Python's `join`).
    pub async fn join(&self) {
        channel::join(self).await
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
        channel::join_timeout(self, timeout)
    }
}

/// A queue seen through its capacity-erased view, which is what the rings'
/// operations take: the view itself, or a sized queue by an unsizing coercion
/// (whose length is then the constant `N`). It lets one [`Channel`] impl serve
/// both, so that [`Queue::send`] and [`Queue::recv`] build their futures over a
/// thin reference, not a length carried beside the pointer in every future.
pub(crate) trait AsQueueRef<R: QueueStore, T> {
    /// The view of this queue.
    fn as_queue_ref(&self) -> &QueueRef<R, T>;
}

impl<R: QueueStore, T> AsQueueRef<R, T> for QueueRef<R, T> {
    #[inline(always)]
    fn as_queue_ref(&self) -> &QueueRef<R, T> {
        self
    }
}

impl<R: QueueStore, T, const N: usize> AsQueueRef<R, T> for Queue<R, T, N> {
    #[inline(always)]
    fn as_queue_ref(&self) -> &QueueRef<R, T> {
        self
    }
}

impl<R: QueueStore, T, S> Channel for QueueCore<R, T, S>
where
    S: ?Sized + Storage<SlotOf<R, T>>,
    Self: AsQueueRef<R, T>,
{
    type Raw = R;
    type Item = T;

    #[inline]
    fn try_send(&self, item: T) -> Result<(), TrySendError<T>> {
        R::Ring::try_send(self.as_queue_ref(), item)
    }

    #[inline]
    fn try_recv(&self) -> Result<T, TryRecvError> {
        R::Ring::try_recv(self.as_queue_ref())
    }

    fn lists(&self) -> &WaitLists<R> {
        &self.lists
    }

    fn announce_sender(&self) -> bool {
        R::Ring::announce_sender(self.as_queue_ref())
    }

    fn announce_receiver(&self) -> bool {
        R::Ring::announce_receiver(self.as_queue_ref())
    }

    fn announce_joiner(&self) -> bool {
        R::Ring::announce_joiner(self.as_queue_ref())
    }

    fn all_done(&self) -> bool {
        R::Ring::all_done(self.as_queue_ref())
    }
}

impl<R: QueueStore, T, S: ?Sized + Storage<SlotOf<R, T>>> Drop for QueueCore<R, T, S> {
    fn drop(&mut self) {
        self.ring.drop_items(self.slots.as_slots_mut());
    }
}

mod sealed {
    pub trait Sealed {}
}

/// The storage of a queue: an array of slots ([`Queue`]) or a slice of them
/// ([`QueueRef`]). Sealed: only those two.
pub trait Storage<E>: sealed::Sealed {
    #[doc(hidden)]
    fn as_slots(&self) -> &[E];
    #[doc(hidden)]
    fn as_slots_mut(&mut self) -> &mut [E];
}

impl<E, const N: usize> sealed::Sealed for [E; N] {}
impl<E, const N: usize> Storage<E> for [E; N] {
    fn as_slots(&self) -> &[E] {
        self
    }
    fn as_slots_mut(&mut self) -> &mut [E] {
        self
    }
}

impl<E> sealed::Sealed for [E] {}
impl<E> Storage<E> for [E] {
    fn as_slots(&self) -> &[E] {
        self
    }
    fn as_slots_mut(&mut self) -> &mut [E] {
        self
    }
}

impl<R: QueueStore, T> fmt::Debug for QueueRef<R, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Queue")
            .field("closed", &self.is_closed())
            .finish_non_exhaustive()
    }
}

impl<R: QueueStore, T, const N: usize> fmt::Debug for Queue<R, T, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}
