//! [`Ring`]: a bounded single-producer, single-consumer ring buffer, split into a
//! [`Producer`] and a [`Consumer`]. Recipe 12.3's fastest path between exactly two
//! parties: an interrupt handler and the main loop, a DMA-complete callback and a
//! task, or two pinned threads.
//!
//! - **No heap, no CAS.** The ring is a fixed array of `N` slots plus two indices;
//!   every operation uses only atomic `load` and `store` (no compare-and-swap, no
//!   `fetch_add`), so it runs on cores without CAS such as Cortex-M0 (`thumbv6m`).
//! - **Wait-free.** Every operation completes in a bounded number of its own steps,
//!   whatever the other side is doing (even if it was interrupted, or never runs
//!   again). That is what makes it safe to push from an interrupt handler: the
//!   handler never waits for the code it interrupted.
//! - **Fast.** Each half keeps its own index and a cached copy of the other's, so a
//!   push or pop touches the shared index cache lines only when its cached view says
//!   the ring is full (or empty). Slice-based batch operations
//!   ([`Producer::push_slice`], [`Consumer::pop_slice`]) move many items per
//!   index update.
//! - **Exactly `N` items** fit in a `Ring<T, N>` (not `N - 1`).
//!
//! The ring is the raw fast path and deliberately has no `async` waits: `try_*`
//! never waits, and with `std` the `*_blocking` forms spin and yield the thread.
//! When a side needs to sleep until there is room or an item, use the MPMC
//! [`Queue`](super::Queue), which parks and wakes.
//!
//! Closing: when either half is dropped the ring is closed. After the producer is
//! gone the consumer still drains every item that was pushed, then gets
//! `Closed` ([`TryRecvError::Closed`], [`RecvError`]); after the consumer is gone a
//! push hands the value back (`Closed`: [`TrySendError::Closed`], [`SendError`]).
//!
//! # Interrupt to task
//! The ring lives in a `static`, is split once at start-up, the producer goes to the
//! interrupt handler and the consumer stays in the main loop. On the host a thread
//! stands in for the interrupt:
//!
//! ```
//! use spindle_core::error::TryRecvError;
//! use spindle_core::queue::spsc::{Consumer, Producer, Ring};
//!
//! static mut SAMPLES: Ring<u16, 32> = Ring::new();
//!
//! // Once, at start-up, before the interrupt is enabled. On firmware, a
//! // `static_cell::ConstStaticCell` or `cortex_m::singleton!` gives the same
//! // `&'static mut` without `unsafe`.
//! // SAFETY: this is the only reference to SAMPLES ever made, and it is made once.
//! let ring: &'static mut Ring<u16, 32> = unsafe { &mut *core::ptr::addr_of_mut!(SAMPLES) };
//! let (mut tx, mut rx): (Producer<'static, u16, 32>, Consumer<'static, u16, 32>) = ring.split();
//!
//! // The "ADC interrupt": pushes one sample per tick and never waits. If the main
//! // loop falls behind, the sample is handed back and counted as lost.
//! let isr = std::thread::spawn(move || {
//!     let mut lost = 0;
//!     for sample in 0..1000u16 {
//!         if tx.try_push(sample).is_err() {
//!             lost += 1;
//!         }
//!     }
//!     lost
//!     // `tx` is dropped here: the ring is closed.
//! });
//!
//! // The main loop: takes what has arrived, until the producer is gone and the
//! // ring is drained.
//! let mut received = 0u32;
//! let mut last = None;
//! loop {
//!     match rx.try_pop() {
//!         Ok(sample) => {
//!             assert!(last.map_or(true, |l| sample > l), "in order");
//!             last = Some(sample);
//!             received += 1;
//!         }
//!         Err(TryRecvError::Empty) => std::hint::spin_loop(), // or WFI on firmware
//!         Err(_) => break,                                  // closed and drained
//!     }
//! }
//! let lost: u32 = isr.join().unwrap();
//! assert_eq!(received + lost, 1000);
//! ```

use core::fmt;
use core::marker::PhantomData;
use core::mem::{self, MaybeUninit};

#[cfg(feature = "std")]
use crate::error::{RecvError, SendError};
use crate::error::{TryRecvError, TrySendError};
use crate::loom::{AtomicUsize, Ordering, UnsafeCell};
use crate::padded::CachePadded;

/// A fixed-capacity single-producer, single-consumer ring buffer holding up to `N`
/// values of type `T`, with no heap.
///
/// Use it through its two halves from [`split`](Self::split): a [`Producer`] that
/// pushes and a [`Consumer`] that pops, each owned by one party. Every operation is
/// wait-free and uses only atomic loads and stores. See the [module
/// docs](self) for the interrupt-to-task pattern with a `static` ring.
///
/// `N` must be at least 1; `Ring<T, 0>` fails to compile when constructed, but
/// only when the constant is evaluated: `cargo build`, `cargo test` and `cargo run`
/// report it, `cargo check` (and so an editor's check-on-save) does not.
///
/// ```
/// use spindle_core::queue::spsc::Ring;
///
/// let mut ring: Ring<u32, 4> = Ring::new();
/// let (mut tx, mut rx) = ring.split();
///
/// std::thread::scope(|s| {
///     s.spawn(move || {
///         for i in 0..100 {
///             tx.push_blocking(i).unwrap();
///         }
///     });
///     for i in 0..100 {
///         assert_eq!(rx.pop_blocking(), Ok(i));
///     }
/// });
/// ```
pub struct Ring<T, const N: usize> {
    /// The consumer's index, `head`: the next item to pop (see "Index arithmetic"
    /// below). Written only by the consumer.
    head: CachePadded<AtomicUsize>,
    /// The producer's index, `tail`: the next free slot. Written only by the
    /// producer.
    tail: CachePadded<AtomicUsize>,
    /// Whether each half has been dropped, on a block of its own.
    gone: CachePadded<Gone>,
    /// Slot `i % N` holds an initialised value exactly for the indices `head..tail`.
    buf: [UnsafeCell<MaybeUninit<T>>; N],
}

/// The two "dropped" flags of a [`Ring`]: each written once, when its half goes
/// (store-only; each split resets them).
///
/// They sit on a cache-line block that nothing writes while both halves live, so
/// the producer's check on every push and the consumer's on every empty pop read a
/// line that stays in their caches. When the consumer-gone flag shared `tail`'s
/// block (until issue 13's `queue/spsc-1p1c` profile), the producer's per-push
/// load hit the line that the consumer keeps re-reading, and the row ran at 1.37
/// of rtrb (which has no such check); with the flags here, 1.05 (medians of six
/// alternating runs). The price is one more padded block per ring on targets with
/// caches (128 bytes on x86-64); 32-bit targets pad nothing.
struct Gone {
    /// Nonzero once the producer has been dropped.
    producer: AtomicUsize,
    /// Nonzero once the consumer has been dropped.
    consumer: AtomicUsize,
}

impl Gone {
    #[cfg(not(loom))]
    const fn new() -> Self {
        Self {
            producer: AtomicUsize::new(0),
            consumer: AtomicUsize::new(0),
        }
    }

    #[cfg(loom)]
    fn new() -> Self {
        Self {
            producer: AtomicUsize::new(0),
            consumer: AtomicUsize::new(0),
        }
    }
}

// SAFETY: a `&Ring` gives no access to the items (only the halves do, and a split
// needs `&mut Ring`); the halves move items between threads, hence `T: Send`.
unsafe impl<T: Send, const N: usize> Sync for Ring<T, N> {}

// Index arithmetic. When `N` is a power of two (the common case, and the fast one)
// indices run freely over all of `usize` and wrap at `usize::MAX`: `N` divides
// 2^usize::BITS, so the wrap never skips a slot, a step forward is one add, the slot
// is one mask and the fill level one subtraction. Any other `N` would skip slots at
// that wrap, so there indices run over `0..2N` instead: with two laps every fill
// level `0..=N` still has its own distance `tail - head`. Either way an index and
// its successor differ, and `head == tail` means empty, `tail == head + N` full.
impl<T, const N: usize> Ring<T, N> {
    /// Rejects `N = 0` (and an `N` so large that `2N` overflows) at compile time.
    const VALID: () = assert!(
        N > 0 && N <= usize::MAX / 2,
        "spsc::Ring<T, N> needs N >= 1 (a ring of zero slots can never hold an item)"
    );

    /// Whether `N` is a power of two: then indices run freely (see above), decided
    /// at compile time, not per call.
    const POW2: bool = N.is_power_of_two();

    /// The slot that index `i` refers to.
    #[inline(always)]
    fn slot(i: usize) -> usize {
        if Self::POW2 {
            i & (N - 1)
        } else if i >= N {
            i - N
        } else {
            i
        }
    }

    /// Index `i` moved `n <= N` places forward.
    #[inline(always)]
    fn advance(i: usize, n: usize) -> usize {
        if Self::POW2 {
            return i.wrapping_add(n);
        }
        let room = 2 * N - n;
        if i >= room {
            i - room
        } else {
            i + n
        }
    }

    /// How many places `to` is ahead of `from` (at most `N`): the fill level when
    /// `from` is the head and `to` the tail, the free room when `from` is the tail
    /// and `to` the head moved `N` forward.
    #[inline(always)]
    fn distance(from: usize, to: usize) -> usize {
        if Self::POW2 {
            to.wrapping_sub(from)
        } else if to >= from {
            to - from
        } else {
            to + (2 * N - from)
        }
    }
}

impl<T, const N: usize> Ring<T, N> {
    /// A new, empty ring. `const`, so it can initialise a `static`.
    ///
    /// ```
    /// use spindle_core::queue::spsc::Ring;
    ///
    /// static mut EVENTS: Ring<u8, 16> = Ring::new();
    /// let ring: Ring<u8, 16> = Ring::new();
    /// assert_eq!(ring.capacity(), 16);
    /// ```
    ///
    /// A ring with no slots is rejected when the program is built (`cargo build`,
    /// `cargo test`; `cargo check` does not evaluate the assertion):
    ///
    /// ```compile_fail
    /// use spindle_core::queue::spsc::Ring;
    ///
    /// let ring: Ring<u8, 0> = Ring::new();
    /// ```
    #[cfg(not(loom))]
    pub const fn new() -> Self {
        #[allow(clippy::let_unit_value)]
        let () = Self::VALID;
        Self {
            head: CachePadded(AtomicUsize::new(0)),
            tail: CachePadded(AtomicUsize::new(0)),
            gone: CachePadded(Gone::new()),
            buf: [const { UnsafeCell::new(MaybeUninit::uninit()) }; N],
        }
    }

    /// A new, empty ring (not `const` under loom, whose atomics cannot be built in
    /// a `const` context).
    #[cfg(loom)]
    pub fn new() -> Self {
        #[allow(clippy::let_unit_value)]
        let () = Self::VALID;
        Self {
            head: CachePadded(AtomicUsize::new(0)),
            tail: CachePadded(AtomicUsize::new(0)),
            gone: CachePadded(Gone::new()),
            buf: core::array::from_fn(|_| UnsafeCell::new(MaybeUninit::uninit())),
        }
    }

    /// How many items the ring holds when full: exactly `N`.
    ///
    /// ```
    /// use spindle_core::queue::spsc::Ring;
    ///
    /// assert_eq!(Ring::<u64, 3>::new().capacity(), 3);
    /// ```
    #[inline]
    pub const fn capacity(&self) -> usize {
        N
    }

    /// Splits the ring into its producing and consuming halves.
    ///
    /// Items left from an earlier split stay in the ring and are popped first. A new
    /// split re-opens a ring that was closed by dropping the previous halves.
    ///
    /// To hand the halves to an interrupt handler or a spawned thread they must
    /// borrow the ring for `'static`: split a `&'static mut Ring` (from
    /// `static_cell::ConstStaticCell`, `cortex_m::singleton!`, a `static mut` taken
    /// once at start-up as in the [module docs](self), or `Box::leak` on the host).
    /// Scoped threads can borrow a local ring.
    ///
    /// ```
    /// use spindle_core::queue::spsc::Ring;
    ///
    /// let ring: &'static mut Ring<String, 8> = Box::leak(Box::new(Ring::new()));
    /// let (mut tx, mut rx) = ring.split();
    /// let worker = std::thread::spawn(move || tx.push_blocking("hello".to_string()));
    /// assert_eq!(rx.pop_blocking().as_deref(), Ok("hello"));
    /// worker.join().unwrap().unwrap();
    /// ```
    pub fn split(&mut self) -> (Producer<'_, T, N>, Consumer<'_, T, N>) {
        // `&mut self`: any earlier halves are gone, and whatever joined their
        // threads made their stores visible, so relaxed accesses suffice.
        self.gone.0.producer.store(0, Ordering::Relaxed);
        self.gone.0.consumer.store(0, Ordering::Relaxed);
        let head = self.head.0.load(Ordering::Relaxed);
        let tail = self.tail.0.load(Ordering::Relaxed);
        let ring = &*self;
        (
            Producer {
                ring,
                tail,
                limit: Ring::<T, N>::advance(head, N),
            },
            Consumer {
                ring,
                head,
                tail_cache: tail,
                _not_auto_sync: PhantomData,
            },
        )
    }
}

impl<T, const N: usize> Default for Ring<T, N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T, const N: usize> Drop for Ring<T, N> {
    fn drop(&mut self) {
        if !mem::needs_drop::<T>() {
            return;
        }
        let mut i = self.head.0.load(Ordering::Relaxed);
        let tail = self.tail.0.load(Ordering::Relaxed);
        while i != tail {
            self.buf[Self::slot(i)].with_mut(|p| {
                // SAFETY: slots of the indices `head..tail` hold initialised values,
                // each dropped once here; `&mut self` excludes both halves.
                unsafe { (*p).assume_init_drop() }
            });
            i = Self::advance(i, 1);
        }
    }
}

impl<T, const N: usize> fmt::Debug for Ring<T, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let head = self.head.0.load(Ordering::Acquire);
        let tail = self.tail.0.load(Ordering::Acquire);
        f.debug_struct("Ring")
            .field("capacity", &N)
            .field("len", &Self::distance(head, tail))
            .finish()
    }
}

/// The pushing half of a [`Ring`]: exactly one exists per split. Not `Clone`.
///
/// Every push is wait-free and returns the value when it cannot be taken.
///
/// ```
/// use spindle_core::error::TrySendError;
/// use spindle_core::queue::spsc::Ring;
///
/// let mut ring: Ring<char, 2> = Ring::new();
/// let (mut tx, rx) = ring.split();
/// assert_eq!(tx.try_push('a'), Ok(()));
/// assert_eq!(tx.try_push('b'), Ok(()));
/// assert_eq!(tx.try_push('c'), Err(TrySendError::Full('c')));
/// drop(rx);
/// assert_eq!(tx.try_push('c'), Err(TrySendError::Closed('c')));
/// ```
pub struct Producer<'a, T, const N: usize> {
    ring: &'a Ring<T, N>,
    /// The producer's own index (the shared `tail` is a published copy).
    tail: usize,
    /// The consumer's `head` as last read, moved `N` forward: the index at which the
    /// ring is full. The free room is at least `distance(tail, limit)`; a push
    /// re-reads `head` only when `tail` has reached it (rtrb and the classic
    /// Lamport-ring optimisation do the same), so it touches the consumer's cache
    /// line once per lap at most while the consumer keeps up.
    limit: usize,
}

impl<T, const N: usize> Producer<'_, T, N> {
    /// At least `want` free slots are known, or the head is re-read: the number of
    /// slots the producer may fill now.
    #[inline(always)]
    fn writable(&mut self, want: usize) -> usize {
        let tail = self.tail;
        let mut free = Ring::<T, N>::distance(tail, self.limit);
        if free < want {
            free = Ring::<T, N>::distance(tail, self.refresh_limit(self.ring));
        }
        free
    }

    /// Re-reads the consumer's `head` and returns the new [`limit`](Self::limit).
    /// `ring` is `self.ring`, passed in so that a caller holding it in a local does
    /// not read the field again after the Acquire load.
    #[inline(always)]
    fn refresh_limit(&mut self, ring: &Ring<T, N>) -> usize {
        // Acquire pairs with the consumer's Release store of `head`: its reads of the
        // slots before `head` are done before the producer overwrites them.
        let head = ring.head.0.load(Ordering::Acquire);
        self.limit = Ring::<T, N>::advance(head, N);
        self.limit
    }

    #[inline(always)]
    fn consumer_gone(&self) -> bool {
        // Relaxed: nothing the consumer wrote is read after this; the flag only
        // says "stop".
        self.ring.gone.0.consumer.load(Ordering::Relaxed) != 0
    }

    /// Writes `value` into the slot of index `i`, which must be free.
    #[inline(always)]
    fn write(ring: &Ring<T, N>, i: usize, value: T) {
        ring.buf[Ring::<T, N>::slot(i)].with_mut(|p| {
            // SAFETY: index `i` is in `tail..head + N`, so its slot is free: the
            // consumer is done with it (its `head` store, read with Acquire, came
            // after its read) and will not read it until `tail` is published past
            // `i`. Only this producer writes slots.
            unsafe { p.write(MaybeUninit::new(value)) };
        });
    }

    /// Makes everything written before index `tail` visible to the consumer.
    /// `ring` is `self.ring` (see [`refresh_limit`](Self::refresh_limit)).
    #[inline(always)]
    fn publish(&mut self, ring: &Ring<T, N>, tail: usize) {
        self.tail = tail;
        ring.tail.0.store(tail, Ordering::Release);
    }

    /// Pushes `value` if there is room; never waits.
    ///
    /// # Errors
    /// [`TrySendError::Full`] with the value when the ring holds `N` items,
    /// [`TrySendError::Closed`] with the value when the consumer has been dropped.
    ///
    /// ```
    /// use spindle_core::error::TrySendError;
    /// use spindle_core::queue::spsc::Ring;
    ///
    /// let mut ring: Ring<u8, 1> = Ring::new();
    /// let (mut tx, mut rx) = ring.split();
    /// tx.try_push(1).unwrap();
    /// assert_eq!(tx.try_push(2), Err(TrySendError::Full(2)));
    /// assert_eq!(rx.try_pop(), Ok(1));
    /// tx.try_push(2).unwrap();
    /// ```
    #[inline]
    pub fn try_push(&mut self, value: T) -> Result<(), TrySendError<T>> {
        if self.consumer_gone() {
            return Err(TrySendError::Closed(value));
        }
        // `ring` and `tail` in locals: the Acquire load in `refresh_limit` would
        // otherwise make the compiler read the fields again after it.
        let (ring, tail) = (self.ring, self.tail);
        if tail == self.limit && tail == self.refresh_limit(ring) {
            return Err(TrySendError::Full(value));
        }
        Self::write(ring, tail, value);
        self.publish(ring, Ring::<T, N>::advance(tail, 1));
        Ok(())
    }

    /// Copies as many items from the front of `src` as fit and returns how many it
    /// copied (0 when the ring is full or the consumer has been dropped). One index
    /// update publishes them all.
    ///
    /// ```
    /// use spindle_core::queue::spsc::Ring;
    ///
    /// let mut ring: Ring<u8, 4> = Ring::new();
    /// let (mut tx, mut rx) = ring.split();
    /// assert_eq!(tx.push_slice(b"hello"), 4);
    /// let mut buf = [0; 8];
    /// assert_eq!(rx.pop_slice(&mut buf), 4);
    /// assert_eq!(&buf[..4], b"hell");
    /// ```
    pub fn push_slice(&mut self, src: &[T]) -> usize
    where
        T: Copy,
    {
        if src.is_empty() || self.consumer_gone() {
            return 0;
        }
        let n = self.writable(src.len()).min(src.len());
        if n == 0 {
            return 0;
        }
        let start = Ring::<T, N>::slot(self.tail);
        let first = n.min(N - start);
        let (a, b) = src[..n].split_at(first);
        // Two contiguous runs (before and after the end of the buffer), each a plain
        // zip so the copy compiles to a `memcpy`.
        for (cells, items) in [
            (&self.ring.buf[start..start + first], a),
            (&self.ring.buf[..b.len()], b),
        ] {
            for (cell, &v) in cells.iter().zip(items) {
                cell.with_mut(|p| {
                    // SAFETY: the `n` slots after `tail` are free (as in `write`):
                    // `n` is at most the free room just computed.
                    unsafe { p.write(MaybeUninit::new(v)) };
                });
            }
        }
        self.publish(self.ring, Ring::<T, N>::advance(self.tail, n));
        n
    }

    /// Pushes items taken from `iter` while there is room, and returns how many it
    /// pushed. It takes no item it cannot push, so pass `&mut iter` (or
    /// `iter.by_ref()`) to keep the rest. Pushes nothing once the consumer has been
    /// dropped.
    ///
    /// If the iterator panics, the items it produced in this call are leaked, never
    /// seen by the consumer.
    ///
    /// ```
    /// use spindle_core::queue::spsc::Ring;
    ///
    /// let mut ring: Ring<String, 2> = Ring::new();
    /// let (mut tx, mut rx) = ring.split();
    /// let mut words = ["a", "b", "c"].into_iter().map(String::from);
    /// assert_eq!(tx.push_iter(&mut words), 2);
    /// assert_eq!(words.next().as_deref(), Some("c"));
    /// assert_eq!(rx.try_pop().as_deref(), Ok("a"));
    /// ```
    pub fn push_iter<I: IntoIterator<Item = T>>(&mut self, iter: I) -> usize {
        if self.consumer_gone() {
            return 0;
        }
        let free = self.writable(N);
        let mut tail = self.tail;
        let mut n = 0;
        for value in iter.into_iter().take(free) {
            Self::write(self.ring, tail, value);
            tail = Ring::<T, N>::advance(tail, 1);
            n += 1;
        }
        if n > 0 {
            self.publish(self.ring, tail);
        }
        n
    }

    /// How many items could be pushed now (the consumer may free more at any time).
    ///
    /// ```
    /// use spindle_core::queue::spsc::Ring;
    ///
    /// let mut ring: Ring<u8, 4> = Ring::new();
    /// let (mut tx, _rx) = ring.split();
    /// tx.try_push(0).unwrap();
    /// assert_eq!(tx.free_len(), 3);
    /// ```
    pub fn free_len(&self) -> usize {
        let head = self.ring.head.0.load(Ordering::Acquire);
        N - Ring::<T, N>::distance(head, self.tail)
    }

    /// Whether the ring is full now (the consumer may pop at any time).
    ///
    /// ```
    /// use spindle_core::queue::spsc::Ring;
    ///
    /// let mut ring: Ring<u8, 1> = Ring::new();
    /// let (mut tx, _rx) = ring.split();
    /// assert!(!tx.is_full());
    /// tx.try_push(0).unwrap();
    /// assert!(tx.is_full());
    /// ```
    pub fn is_full(&self) -> bool {
        self.free_len() == 0
    }

    /// How many items the ring holds when full: `N`.
    ///
    /// ```
    /// use spindle_core::queue::spsc::Ring;
    ///
    /// let mut ring: Ring<u8, 5> = Ring::new();
    /// assert_eq!(ring.split().0.capacity(), 5);
    /// ```
    #[inline]
    pub const fn capacity(&self) -> usize {
        N
    }

    /// Whether the consumer has been dropped: every push will fail with
    /// [`TrySendError::Closed`].
    ///
    /// ```
    /// use spindle_core::queue::spsc::Ring;
    ///
    /// let mut ring: Ring<u8, 1> = Ring::new();
    /// let (tx, rx) = ring.split();
    /// assert!(!tx.is_closed());
    /// drop(rx);
    /// assert!(tx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.consumer_gone()
    }

    /// Pushes `value`, spinning and then yielding the thread while the ring is full.
    ///
    /// This waits by polling (the ring has no waiter list); for a producer that
    /// should sleep, use the MPMC [`Queue`](super::Queue).
    ///
    /// # Errors
    /// [`SendError`] with the value if the consumer is (or gets) dropped.
    ///
    /// ```
    /// use spindle_core::queue::spsc::Ring;
    ///
    /// let mut ring: Ring<u32, 2> = Ring::new();
    /// let (mut tx, mut rx) = ring.split();
    /// std::thread::scope(|s| {
    ///     s.spawn(move || (0..10).for_each(|i| tx.push_blocking(i).unwrap()));
    ///     let got: Vec<u32> = (0..10).map(|_| rx.pop_blocking().unwrap()).collect();
    ///     assert_eq!(got, (0..10).collect::<Vec<_>>());
    /// });
    /// ```
    #[cfg(feature = "std")]
    pub fn push_blocking(&mut self, mut value: T) -> Result<(), SendError<T>> {
        let mut round = 0u32;
        loop {
            match self.try_push(value) {
                Ok(()) => return Ok(()),
                Err(TrySendError::Full(v)) => value = v,
                Err(TrySendError::Closed(v)) => return Err(SendError(v)),
            }
            crate::wait::backoff::back_off(round);
            round = round.saturating_add(1);
        }
    }
}

impl<T, const N: usize> Drop for Producer<'_, T, N> {
    fn drop(&mut self) {
        // Release: a consumer that sees the flag (Acquire) also sees the final tail.
        self.ring.gone.0.producer.store(1, Ordering::Release);
    }
}

impl<T, const N: usize> fmt::Debug for Producer<'_, T, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Producer")
            .field("capacity", &N)
            .field("free_len", &self.free_len())
            .finish()
    }
}

/// The popping half of a [`Ring`]: exactly one exists per split. Not `Clone`.
///
/// Every pop is wait-free. After the producer is dropped, the consumer still gets
/// every item that was pushed, then `Closed` ([`TryRecvError::Closed`], [`RecvError`]).
///
/// ```
/// use spindle_core::error::TryRecvError;
/// use spindle_core::queue::spsc::Ring;
///
/// let mut ring: Ring<u8, 2> = Ring::new();
/// let (mut tx, mut rx) = ring.split();
/// assert_eq!(rx.try_pop(), Err(TryRecvError::Empty));
/// tx.try_push(7).unwrap();
/// drop(tx);
/// assert_eq!(rx.try_pop(), Ok(7));
/// assert_eq!(rx.try_pop(), Err(TryRecvError::Closed));
/// ```
pub struct Consumer<'a, T, const N: usize> {
    ring: &'a Ring<T, N>,
    /// The consumer's own index (the shared `head` is a published copy).
    head: usize,
    /// The producer's `tail` as last read: at least
    /// `distance(head, tail_cache)` items are ready.
    tail_cache: usize,
    /// Opts out of the automatic `Sync` (see the explicit impls).
    _not_auto_sync: PhantomData<*const ()>,
}

// SAFETY: the consumer moves `T`s out of the ring to whichever thread owns it, so it
// may be sent when `T` may. The producer half never reads the consumer's fields.
unsafe impl<T: Send, const N: usize> Send for Consumer<'_, T, N> {}
// SAFETY: through `&Consumer` one can only `peek` (a `&T` into the ring) and read
// indices, so sharing it across threads shares `&T`: that needs `T: Sync`.
unsafe impl<T: Send + Sync, const N: usize> Sync for Consumer<'_, T, N> {}

impl<T, const N: usize> Consumer<'_, T, N> {
    /// At least `want` ready items are known, or the tail is re-read: the number of
    /// items the consumer may take now.
    #[inline(always)]
    fn readable(&mut self, want: usize) -> usize {
        let head = self.head;
        let mut ready = Ring::<T, N>::distance(head, self.tail_cache);
        if ready < want {
            ready = Ring::<T, N>::distance(head, self.refresh_tail(self.ring));
        }
        ready
    }

    /// Re-reads the producer's `tail` into [`tail_cache`](Self::tail_cache); `ring`
    /// is `self.ring`, as in [`Producer::refresh_limit`].
    #[inline(always)]
    fn refresh_tail(&mut self, ring: &Ring<T, N>) -> usize {
        // Acquire pairs with the producer's Release store of `tail`: the slots before
        // it are written.
        self.tail_cache = ring.tail.0.load(Ordering::Acquire);
        self.tail_cache
    }

    /// Makes the slots before index `head` free for the producer.
    /// `ring` is `self.ring` (see [`Producer::refresh_limit`]).
    #[inline(always)]
    fn release(&mut self, ring: &Ring<T, N>, head: usize) {
        self.head = head;
        ring.head.0.store(head, Ordering::Release);
    }

    /// Pops the oldest item if there is one; never waits.
    ///
    /// # Errors
    /// [`TryRecvError::Empty`] when nothing is ready, [`TryRecvError::Closed`] when the
    /// producer has been dropped and every item it pushed has been popped.
    ///
    /// ```
    /// use spindle_core::error::TryRecvError;
    /// use spindle_core::queue::spsc::Ring;
    ///
    /// let mut ring: Ring<&str, 4> = Ring::new();
    /// let (mut tx, mut rx) = ring.split();
    /// tx.try_push("first").unwrap();
    /// tx.try_push("second").unwrap();
    /// assert_eq!(rx.try_pop(), Ok("first"));
    /// assert_eq!(rx.try_pop(), Ok("second"));
    /// assert_eq!(rx.try_pop(), Err(TryRecvError::Empty));
    /// ```
    #[inline]
    pub fn try_pop(&mut self) -> Result<T, TryRecvError> {
        // `ring` and `head` in locals, as in `Producer::try_push`.
        let (ring, head) = (self.ring, self.head);
        if head == self.tail_cache && head == self.refresh_tail(ring) {
            // Acquire pairs with the producer's Release store of the flag on drop,
            // which came after its last `tail` store: re-reading `tail` after seeing
            // the flag gives the final one.
            if ring.gone.0.producer.load(Ordering::Acquire) == 0 {
                return Err(TryRecvError::Empty);
            }
            if head == self.refresh_tail(ring) {
                return Err(TryRecvError::Closed);
            }
        }
        let value = ring.buf[Ring::<T, N>::slot(head)].with(|p| {
            // SAFETY: index `head` is in `head..tail` (as published with Release
            // and read with Acquire), so its slot holds an initialised value, which
            // is moved out once: `head` advances past it next.
            unsafe { p.read().assume_init() }
        });
        self.release(ring, Ring::<T, N>::advance(head, 1));
        Ok(value)
    }

    /// Copies as many of the oldest items as fit into `dst`, from its front, and
    /// returns how many it copied (0 when empty). One index update frees them all.
    ///
    /// To tell "empty for now" from "closed and drained", check
    /// [`is_closed`](Self::is_closed) first, then `pop_slice`: a closed ring from
    /// which `pop_slice` then takes nothing is done. Or use
    /// [`try_pop`](Self::try_pop), which says so itself.
    ///
    /// ```
    /// use spindle_core::queue::spsc::Ring;
    ///
    /// let mut ring: Ring<u16, 8> = Ring::new();
    /// let (mut tx, mut rx) = ring.split();
    /// tx.push_slice(&[1, 2, 3]);
    /// let mut buf = [0; 2];
    /// assert_eq!(rx.pop_slice(&mut buf), 2);
    /// assert_eq!(buf, [1, 2]);
    /// assert_eq!(rx.pop_slice(&mut buf), 1);
    /// assert_eq!(buf[0], 3);
    /// ```
    pub fn pop_slice(&mut self, dst: &mut [T]) -> usize
    where
        T: Copy,
    {
        if dst.is_empty() {
            return 0;
        }
        let n = self.readable(dst.len()).min(dst.len());
        if n == 0 {
            return 0;
        }
        let start = Ring::<T, N>::slot(self.head);
        let first = n.min(N - start);
        let (a, b) = dst[..n].split_at_mut(first);
        // Two contiguous runs, as in `push_slice`.
        for (cells, out) in [
            (&self.ring.buf[start..start + first], a),
            (&self.ring.buf[..b.len()], b),
        ] {
            for (cell, out) in cells.iter().zip(out) {
                *out = cell.with(|p| {
                    // SAFETY: the `n` slots from `head` hold initialised values (as
                    // in `try_pop`); `T: Copy`, so reading them leaves nothing to
                    // drop.
                    unsafe { p.read().assume_init() }
                });
            }
        }
        self.release(self.ring, Ring::<T, N>::advance(self.head, n));
        n
    }

    /// The oldest item, left in the ring; `None` when nothing is ready.
    ///
    /// ```
    /// use spindle_core::queue::spsc::Ring;
    ///
    /// let mut ring: Ring<u8, 2> = Ring::new();
    /// let (mut tx, mut rx) = ring.split();
    /// assert_eq!(rx.peek(), None);
    /// tx.try_push(5).unwrap();
    /// assert_eq!(rx.peek(), Some(&5));
    /// assert_eq!(rx.try_pop(), Ok(5));
    /// ```
    pub fn peek(&self) -> Option<&T> {
        if self.head == self.tail_cache && self.head == self.ring.tail.0.load(Ordering::Acquire) {
            return None;
        }
        let slot = &self.ring.buf[Ring::<T, N>::slot(self.head)];
        Some(slot.with(|p| {
            // SAFETY: the slot holds an initialised value (index `head` is before the
            // tail just read). The producer will not overwrite it, and the consumer
            // cannot pop it while this `&self` borrow lives (popping needs `&mut`).
            unsafe { (*p).assume_init_ref() }
        }))
    }

    /// How many items are ready now (the producer may push more at any time).
    ///
    /// ```
    /// use spindle_core::queue::spsc::Ring;
    ///
    /// let mut ring: Ring<u8, 4> = Ring::new();
    /// let (mut tx, rx) = ring.split();
    /// tx.push_slice(&[1, 2]);
    /// assert_eq!(rx.len(), 2);
    /// ```
    pub fn len(&self) -> usize {
        let tail = self.ring.tail.0.load(Ordering::Acquire);
        Ring::<T, N>::distance(self.head, tail)
    }

    /// Whether nothing is ready now.
    ///
    /// ```
    /// use spindle_core::queue::spsc::Ring;
    ///
    /// let mut ring: Ring<u8, 4> = Ring::new();
    /// let (_tx, rx) = ring.split();
    /// assert!(rx.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many items the ring holds when full: `N`.
    ///
    /// ```
    /// use spindle_core::queue::spsc::Ring;
    ///
    /// let mut ring: Ring<u8, 5> = Ring::new();
    /// assert_eq!(ring.split().1.capacity(), 5);
    /// ```
    #[inline]
    pub const fn capacity(&self) -> usize {
        N
    }

    /// Whether the producer has been dropped. Items it pushed may still be waiting
    /// to be popped; if this returns `true` and a later pop finds nothing, no item
    /// will ever come.
    ///
    /// ```
    /// use spindle_core::queue::spsc::Ring;
    ///
    /// let mut ring: Ring<u8, 2> = Ring::new();
    /// let (mut tx, mut rx) = ring.split();
    /// tx.try_push(1).unwrap();
    /// drop(tx);
    /// assert!(rx.is_closed());
    /// assert_eq!(rx.try_pop(), Ok(1));
    /// ```
    pub fn is_closed(&self) -> bool {
        self.ring.gone.0.producer.load(Ordering::Acquire) != 0
    }

    /// Pops the oldest item, spinning and then yielding the thread while the ring is
    /// empty.
    ///
    /// This waits by polling (the ring has no waiter list); for a consumer that
    /// should sleep, use the MPMC [`Queue`](super::Queue).
    ///
    /// # Errors
    /// [`RecvError`] once the producer has been dropped and every item it
    /// pushed has been popped.
    ///
    /// ```
    /// use spindle_core::error::RecvError;
    /// use spindle_core::queue::spsc::Ring;
    ///
    /// let mut ring: Ring<u64, 4> = Ring::new();
    /// let (mut tx, mut rx) = ring.split();
    /// std::thread::scope(|s| {
    ///     s.spawn(move || tx.push_blocking(42).unwrap()); // then `tx` is dropped
    ///     assert_eq!(rx.pop_blocking(), Ok(42));
    ///     assert_eq!(rx.pop_blocking(), Err(RecvError));
    /// });
    /// ```
    #[cfg(feature = "std")]
    pub fn pop_blocking(&mut self) -> Result<T, RecvError> {
        let mut round = 0u32;
        loop {
            match self.try_pop() {
                Ok(v) => return Ok(v),
                Err(TryRecvError::Empty) => {}
                Err(TryRecvError::Closed) => return Err(RecvError),
            }
            crate::wait::backoff::back_off(round);
            round = round.saturating_add(1);
        }
    }
}

impl<T, const N: usize> Drop for Consumer<'_, T, N> {
    fn drop(&mut self) {
        self.ring.gone.0.consumer.store(1, Ordering::Release);
    }
}

impl<T, const N: usize> fmt::Debug for Consumer<'_, T, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Consumer")
            .field("capacity", &N)
            .field("len", &self.len())
            .finish()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    /// A split ring of `N` whose indices both start at `start` (the public API
    /// always starts at 0, and reaching `usize::MAX` from there takes 2^64 pushes).
    fn ring_at<const N: usize>(start: usize) -> Ring<u64, N> {
        let ring = Ring::new();
        ring.head.0.store(start, Ordering::Relaxed);
        ring.tail.0.store(start, Ordering::Relaxed);
        ring
    }

    #[test]
    fn free_running_indices_wrap_at_usize_max() {
        // Power-of-two rings let indices wrap at usize::MAX: every fill level, the
        // full and the empty check, and batches must still come out right across it.
        let mut ring = ring_at::<4>(usize::MAX - 9);
        let (mut tx, mut rx) = ring.split();
        let (mut next_in, mut next_out) = (0u64, 0u64);
        for round in 0..12 {
            let burst = round % 4 + 1;
            for _ in 0..burst {
                assert_eq!(tx.try_push(next_in), Ok(()));
                next_in += 1;
            }
            if burst == 4 {
                assert_eq!(tx.try_push(99), Err(TrySendError::Full(99)));
                assert!(tx.is_full());
            }
            assert_eq!((rx.len(), tx.free_len()), (burst, 4 - burst));
            for _ in 0..burst {
                assert_eq!(rx.try_pop(), Ok(next_out));
                next_out += 1;
            }
            assert_eq!(rx.try_pop(), Err(TryRecvError::Empty));
        }
        let mut buf = [0; 4];
        for _ in 0..6 {
            assert_eq!(tx.push_slice(&[next_in, next_in + 1, next_in + 2]), 3);
            next_in += 3;
            assert_eq!(rx.pop_slice(&mut buf), 3);
            assert_eq!(buf[..3], [next_out, next_out + 1, next_out + 2]);
            next_out += 3;
        }
    }

    #[test]
    fn items_left_across_the_wrap_are_dropped_with_the_ring() {
        /// Counts its drops.
        struct Counted<'a>(&'a core::cell::Cell<u32>);
        impl Drop for Counted<'_> {
            fn drop(&mut self) {
                self.0.set(self.0.get() + 1);
            }
        }
        let drops = core::cell::Cell::new(0);
        let mut ring: Ring<Counted<'_>, 2> = Ring::new();
        ring.head.0.store(usize::MAX, Ordering::Relaxed);
        ring.tail.0.store(usize::MAX, Ordering::Relaxed);
        {
            let (mut tx, _rx) = ring.split();
            assert!(tx.try_push(Counted(&drops)).is_ok());
            assert!(tx.try_push(Counted(&drops)).is_ok());
        }
        assert_eq!(drops.get(), 0);
        drop(ring);
        assert_eq!(drops.get(), 2);
    }
}
