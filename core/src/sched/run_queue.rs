//! The run queue: which tasks are ready, and the wakers that say so.
//!
//! # Protocol
//! Every task slot has a [`WakeHeader`] with a `queued` flag. Waking slot `i` sets the
//! flag (one swap); the waker that turned it on pushes `i` onto an intrusive
//! multi-producer, single-consumer FIFO (Dmitry Vyukov's, with slot indices for
//! links and a stub node), so an index is in the queue at most once and the queue
//! can never overflow. Producers (wakers, on any thread or in an interrupt) do one
//! swap and one store; the scheduler alone pops. The scheduler clears `queued`
//! (with a swap, which synchronises with every wake that found it set) *before* it
//! polls the task, so a wake that arrives during the poll queues the task again.
//!
//! The scheduler idles only on an empty queue, and says so in the queue itself: it
//! swaps the producers' end from "the stub" to "the stub, and I sleep" with one
//! compare-exchange, which fails if anything was pushed meanwhile. A producer's
//! push is a swap of that same word, so it either comes first (the scheduler's
//! compare-exchange fails and it looks again) or it takes the "I sleep" mark with
//! it and signals the scheduler (calls the queue's [`Unpark`], if it was given
//! one, and under `std` unparks the thread parked in `run`). Both are
//! read-modify-writes of one location, so no wake-up can be lost, and the producer
//! pays for the handshake only when the scheduler really sleeps.
//!
//! # Order
//! Tasks run in the order in which they became ready (first woken, first run): the
//! queue is a FIFO, and waking a task that is already queued does not move it. A
//! task that yields is queued behind every task that was ready before it, which is
//! the round-robin order of the book's `TaskScheduler` (a `deque` with `popleft` and
//! `append`).
//!
//! # Why the queue outlives the scheduler
//! A [`Waker`] may be cloned and kept anywhere, for as long as its holder likes, so
//! what it points to must outlive it: the queue is either a `'static`
//! [`RunQueue`] or (with `alloc`) reference counted. A stale waker of a finished
//! task at worst queues its slot again, and a spurious poll is harmless. The tasks
//! themselves are never reachable from a waker.

use core::task::{RawWaker, RawWakerVTable, Waker};

use super::table::TaskTable;
use super::unpark::{Unpark, UnparkHook};
use crate::loom::{AtomicUsize, Ordering};

/// No successor.
const NIL: usize = usize::MAX;

/// `push_end` mark: the scheduler idles; whoever pushes next must signal it.
const SLEEPING: usize = 1 << (usize::BITS - 1);

/// One slot's wake-up state.
#[derive(Debug)]
#[repr(C)]
pub(crate) struct WakeHeader {
    /// 1 while the slot is in the queue (or being pushed).
    queued: AtomicUsize,
    /// The next index in the queue, or [`NIL`].
    next: AtomicUsize,
    /// This header's index: `N` for the stub.
    pub(crate) index: usize,
}

impl WakeHeader {
    loom_const_fn! {
        fn new(index: usize) -> Self {
            Self {
                queued: AtomicUsize::new(0),
                next: AtomicUsize::new(NIL),
                index,
            }
        }
    }
}

#[cfg(not(loom))]
const fn headers<const N: usize>() -> [WakeHeader; N] {
    let mut h = [const { WakeHeader::new(0) }; N];
    let mut i = 0;
    while i < N {
        h[i].index = i;
        i += 1;
    }
    h
}

#[cfg(loom)]
fn headers<const N: usize>() -> [WakeHeader; N] {
    core::array::from_fn(WakeHeader::new)
}

/// What [`RunQueue::pop`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pop {
    /// This slot is ready.
    Ready(usize),
    /// Nothing is queued.
    Empty,
    /// A producer is half-way through a push: retry shortly.
    Busy,
}

/// The ready state of a scheduler with `N` task slots: the run queue its wakers push
/// onto. Declare one as a `static` to run a [`Scheduler`](super::Scheduler) without
/// a heap; with `alloc`, [`Scheduler::new`](super::Scheduler::new) makes its own.
///
/// ```
/// use spindle_core::sched::{RunQueue, Scheduler};
///
/// static READY: RunQueue<4> = RunQueue::new();
/// let sched = Scheduler::with_run_queue(&READY).unwrap();
/// // A run queue serves one scheduler at a time.
/// assert!(Scheduler::with_run_queue(&READY).is_err());
/// drop(sched);
/// assert!(Scheduler::with_run_queue(&READY).is_ok());
/// ```
#[repr(C)]
pub struct RunQueue<const N: usize> {
    // First field: a waker's header pointer minus its index is the queue's address.
    headers: [WakeHeader; N],
    /// The tasks in the slots (touched only on the scheduler's thread).
    pub(crate) table: TaskTable<N>,
    stub: WakeHeader,
    /// The last node pushed (producers' end), with [`SLEEPING`] while the scheduler
    /// idles on an empty queue.
    push_end: AtomicUsize,
    /// The next node to pop (the consumer's end; only the scheduler touches it).
    pop_end: AtomicUsize,
    /// 1 while a scheduler uses this queue.
    claimed: AtomicUsize,
    /// The thread to unpark when a task becomes ready while the scheduler sleeps.
    #[cfg(feature = "std")]
    sleeper: std::sync::Mutex<Option<Sleeper>>,
    /// The user's signal for the same moment (see [`Unpark`]); fixed at
    /// construction, so wakers read it without synchronisation of their own.
    unpark: UnparkHook,
}

// SAFETY: everything but `table` is atomics or a mutex. `table` is only touched on
// one thread: that of the scheduler which holds the claim (a `Scheduler` is neither
// `Send` nor `Sync`), by that scheduler and by the tasks linked to it, which are
// not `Send` either and so are spawned, polled and dropped on that thread. A
// scheduler unlinks every task before it gives the claim back (with `Release`;
// the next claim `Acquire`s), so the next claimant's thread sees a quiet table.
unsafe impl<const N: usize> Sync for RunQueue<N> {}
// SAFETY: as for `Sync`; the table holds raw pointers but owns nothing, and a
// queue is only dropped when no scheduler holds it (it is `'static`, or the last
// `Arc` count goes with the last waker, after the scheduler unlinked its tasks).
unsafe impl<const N: usize> Send for RunQueue<N> {}

#[cfg(all(feature = "std", not(loom)))]
type Sleeper = std::thread::Thread;
#[cfg(all(feature = "std", loom))]
type Sleeper = loom::thread::Thread;

impl<const N: usize> RunQueue<N> {
    const CHECKED_N: usize = {
        assert!(N > 0, "a scheduler needs at least one task slot");
        assert!(N < usize::MAX / 2, "too many task slots");
        N
    };

    loom_const_fn! {
        /// An empty run queue for `N` task slots. `const`, so it can initialise a
        /// `static`. `N = 0` is rejected at compile time, but only when the constant
        /// is evaluated: `cargo build`, `cargo test` and `cargo run` report it, `cargo
        /// check` (and so an editor's check-on-save) does not.
        pub fn new() -> Self {
            Self::with_hook(UnparkHook::None)
        }
    }

    loom_const_fn! {
        /// An empty run queue whose scheduler, when it idles in
        /// [`run_with`](super::Scheduler::run_with)'s hook, is signalled through
        /// `unpark` as soon as a task becomes ready (from another thread or an
        /// interrupt handler). No heap; see [`Unpark`] for an example.
        ///
        /// ```
        /// use spindle_core::sched::RunQueue;
        /// fn wake_core() { /* e.g. cortex_m::asm::sev() */ }
        /// static READY: RunQueue<4> = RunQueue::with_unpark(&wake_core);
        /// # drop(&READY);
        /// ```
        pub fn with_unpark(unpark: &'static dyn Unpark) -> Self {
            Self::with_hook(UnparkHook::Static(unpark))
        }
    }

    loom_const_fn! {
        pub(crate) fn with_hook(unpark: UnparkHook) -> Self {
            Self {
                headers: headers::<N>(),
                table: TaskTable::new(),
                stub: WakeHeader::new(Self::CHECKED_N),
                push_end: AtomicUsize::new(N),
                pop_end: AtomicUsize::new(N),
                claimed: AtomicUsize::new(0),
                #[cfg(feature = "std")]
                sleeper: std::sync::Mutex::new(None),
                unpark,
            }
        }
    }

    #[inline]
    fn header(&self, i: usize) -> &WakeHeader {
        if i < N {
            &self.headers[i]
        } else {
            &self.stub
        }
    }

    /// Takes the consumer's role; `false` if a scheduler has it already.
    pub(crate) fn claim(&self) -> bool {
        self.claimed
            .compare_exchange(0, 1, Ordering::Acquire, Ordering::Relaxed)
            .is_ok()
    }

    /// Gives the consumer's role back.
    pub(crate) fn release(&self) {
        self.claimed.store(0, Ordering::Release);
    }

    /// Queues slot `i` unless it is queued already. Any thread, any context.
    #[inline]
    pub(crate) fn wake(&self, i: usize) {
        if self.headers[i].queued.swap(1, Ordering::AcqRel) == 0 && self.push(i) {
            self.signal();
        }
    }

    /// Links node `i` in at the producers' end; `true` if the scheduler was idle
    /// and must be signalled.
    #[inline]
    fn push(&self, i: usize) -> bool {
        self.header(i).next.store(NIL, Ordering::Relaxed);
        let prev = self.push_end.swap(i, Ordering::AcqRel);
        self.header(prev & !SLEEPING)
            .next
            .store(i, Ordering::Release);
        prev & SLEEPING != 0
    }

    /// Takes the oldest ready slot. Only the claiming scheduler calls this. The slot
    /// stays marked `queued` until [`start`](Self::start).
    pub(crate) fn pop(&self) -> Pop {
        let mut tail = self.pop_end.load(Ordering::Relaxed);
        let mut next = self.header(tail).next.load(Ordering::Acquire);
        if tail == N {
            // The stub: skip it.
            if next == NIL {
                return if self.push_end.load(Ordering::Acquire) == N {
                    Pop::Empty
                } else {
                    Pop::Busy
                };
            }
            self.pop_end.store(next, Ordering::Relaxed);
            tail = next;
            next = self.header(tail).next.load(Ordering::Acquire);
        }
        if next != NIL {
            self.pop_end.store(next, Ordering::Relaxed);
            return Pop::Ready(tail);
        }
        if self.push_end.load(Ordering::Acquire) != tail {
            return Pop::Busy;
        }
        // `tail` is the last node: put the stub behind it so it can be unlinked.
        // (The scheduler is awake, so there is no mark to take along.)
        self.push(N);
        next = self.header(tail).next.load(Ordering::Acquire);
        if next != NIL {
            self.pop_end.store(next, Ordering::Relaxed);
            Pop::Ready(tail)
        } else {
            Pop::Busy
        }
    }

    /// Clears slot `i`'s `queued` flag before its task is polled, so that a wake
    /// during the poll queues it again. The swap synchronises with every wake that
    /// found the flag set, so the poll sees what those wakers did before waking.
    #[inline]
    pub(crate) fn start(&self, i: usize) {
        self.headers[i].queued.swap(0, Ordering::AcqRel);
    }

    /// Marks the queue "scheduler idle" if it is still empty (its last node is the
    /// stub, which `pop` just found alone); `false` if something was pushed
    /// meanwhile. After a `true`, idle, then call [`Self::wake_up`].
    #[inline]
    pub(crate) fn try_sleep(&self) -> bool {
        self.push_end
            .compare_exchange(N, N | SLEEPING, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }

    /// Takes the "scheduler idle" mark back, unless a producer took it already.
    #[inline]
    pub(crate) fn wake_up(&self) {
        let _ =
            self.push_end
                .compare_exchange(N | SLEEPING, N, Ordering::AcqRel, Ordering::Relaxed);
    }

    /// Registers the thread that parks while idle (`None`: nobody parks).
    #[cfg(feature = "std")]
    pub(crate) fn set_sleeper(&self, thread: Option<Sleeper>) {
        match self.sleeper.lock() {
            Ok(mut s) => *s = thread,
            Err(poisoned) => *poisoned.into_inner() = thread,
        }
    }

    /// Wakes an idle scheduler: the user's [`Unpark`], and under `std` the thread
    /// parked in `run`.
    #[cold]
    fn signal(&self) {
        self.unpark.unpark();
        #[cfg(feature = "std")]
        {
            let thread = match self.sleeper.lock() {
                Ok(s) => s.clone(),
                Err(poisoned) => poisoned.into_inner().clone(),
            };
            if let Some(t) = thread {
                t.unpark();
            }
        }
    }

    /// The waker data of slot `i`: a pointer into this queue derived from the
    /// whole queue, so that [`Self::from_header`] may step back to it.
    #[inline]
    fn header_ptr(&self, i: usize) -> *const () {
        debug_assert!(i < N);
        // SAFETY: `i < N` and `headers` is the first field of a `repr(C)` struct, so
        // the result points at `self.headers[i]`, with the provenance of `self`.
        unsafe { (self as *const Self).cast::<WakeHeader>().add(i).cast() }
    }

    /// The queue a waker's data points into, and the slot index.
    ///
    /// # Safety
    /// `data` came from [`Self::header_ptr`] of a queue that is still alive.
    #[inline]
    unsafe fn from_header<'q>(data: *const ()) -> (&'q Self, usize) {
        let header = data.cast::<WakeHeader>();
        // SAFETY: the caller promises `data` points at a live header of this queue;
        // its index field says how far it is from `headers[0]`, the queue's address.
        unsafe {
            let i = (*header).index;
            (&*header.sub(i).cast::<Self>(), i)
        }
    }

    /// A waker for slot `i` of this `'static` queue: cloning and dropping it are free.
    pub(crate) fn static_waker(&'static self, i: usize) -> Waker {
        // SAFETY: the data points into a `'static` queue, which outlives every waker;
        // the vtable functions only touch its atomics (and its sleeper mutex), all of
        // which are thread-safe.
        unsafe { Waker::from_raw(RawWaker::new(self.header_ptr(i), &Self::STATIC_VTABLE)) }
    }

    const STATIC_VTABLE: RawWakerVTable = RawWakerVTable::new(
        |data| RawWaker::new(data, &Self::STATIC_VTABLE),
        Self::static_wake,
        Self::static_wake,
        |_| {},
    );

    fn static_wake(data: *const ()) {
        // SAFETY: only `STATIC_VTABLE` calls this, with the data of a
        // `static_waker`, which points into a `'static` queue.
        unsafe { Self::wake_data(data) }
    }

    /// # Safety
    /// As for [`Self::from_header`].
    #[inline]
    unsafe fn wake_data(data: *const ()) {
        // SAFETY: passed on from the caller.
        let (queue, i) = unsafe { Self::from_header(data) };
        queue.wake(i);
    }
}

#[cfg(feature = "alloc")]
mod shared {
    use super::*;
    use alloc::sync::Arc;

    impl<const N: usize> RunQueue<N> {
        /// A waker for slot `i` of a reference-counted queue: each waker holds one
        /// count, so the queue lives as long as any of them.
        pub(crate) fn arc_waker(self: &Arc<Self>, i: usize) -> Waker {
            let data = self.header_ptr(i);
            // SAFETY: `self` is an `Arc`'s value; the new waker owns one count.
            unsafe { Arc::increment_strong_count(Arc::as_ptr(self)) };
            // SAFETY: the data points into the queue, kept alive by the count this
            // waker owns; the vtable keeps the count balanced.
            unsafe { Waker::from_raw(RawWaker::new(data, &Self::ARC_VTABLE)) }
        }

        /// # Safety
        /// `data` is an `arc_waker`'s data whose count is still owned.
        unsafe fn arc_of(data: *const ()) -> *const Self {
            // SAFETY: passed on from the caller.
            let (queue, _) = unsafe { Self::from_header(data) };
            queue as *const Self
        }

        const ARC_VTABLE: RawWakerVTable = RawWakerVTable::new(
            |data| {
                // SAFETY: `data` is a live arc waker's: add the clone's count.
                unsafe { Arc::increment_strong_count(Self::arc_of(data)) };
                RawWaker::new(data, &Self::ARC_VTABLE)
            },
            |data| {
                // SAFETY: the waker is consumed: wake, then give its count back.
                unsafe {
                    Self::wake_data(data);
                    Arc::decrement_strong_count(Self::arc_of(data));
                }
            },
            // SAFETY: the waker (and its count) is alive during the call.
            |data| unsafe { Self::wake_data(data) },
            // SAFETY: the dropped waker gives its count back.
            |data| unsafe { Arc::decrement_strong_count(Self::arc_of(data)) },
        );
    }
}

impl<const N: usize> Default for RunQueue<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> RunQueue<N> {
    /// An id for slot `i` that no other live slot of any queue shares (the address
    /// of its header; never 0 or 1).
    #[inline]
    pub(crate) fn id_of(&self, i: usize) -> usize {
        self.header_ptr(i) as usize
    }
}

impl<const N: usize> core::fmt::Debug for RunQueue<N> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("RunQueue")
            .field("slots", &N)
            .field("claimed", &(self.claimed.load(Ordering::Relaxed) != 0))
            .field(
                "sleeping",
                &(self.push_end.load(Ordering::Relaxed) & SLEEPING != 0),
            )
            .finish_non_exhaustive()
    }
}
