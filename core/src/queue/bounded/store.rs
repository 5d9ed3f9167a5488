//! Which ring a [`Queue`](super::Queue) stores its items in, chosen by the type of its
//! raw exclusion: [`QueueStore`] says it, [`Ring`] is what it chooses between.
//!
//! A queue over [`NoopRawMutex`] is `!Sync`, so only one context ever touches it: its
//! ring is a [`LocalRing`] of plain cells (a head index and a length), with no atomic
//! instruction anywhere, as cheap as embassy's `NoopRawMutex` channel. Every other
//! raw exclusion picks the [`SharedRing`], the lock-free ring of atomics that any
//! number of threads, cores and interrupt handlers may share. The choice is an
//! associated type, so it is made when the queue's code is generated, not by a
//! branch when it runs.

use mutex_traits::ScopedRawMutex;

use super::QueueRef;
use super::TaskDoneError;
use crate::error::{TryRecvError, TrySendError};
use crate::raw::{CriticalSectionRawMutex, NoopRawMutex, SpinRawMutex};

pub use super::local::{LocalRing, LocalSlot};
pub use super::shared::{SharedRing, SharedWords};

/// A raw exclusion that a [`Queue`](super::Queue) can use: it names the ring the queue
/// stores its items in.
///
/// spindle's raw exclusions implement it: [`NoopRawMutex`] picks the single-context
/// [`LocalRing`], the others the thread- and interrupt-safe [`SharedRing`]. Code that is
/// generic over the raw exclusion of a queue bounds it by this trait (it implies
/// [`ScopedRawMutex`]):
///
/// ```
/// use spindle_core::queue::{Queue, QueueRef, QueueStore};
/// use spindle_core::raw::{NoopRawMutex, SpinRawMutex};
///
/// fn drain<R: QueueStore>(q: &QueueRef<R, u32>) -> u32 {
///     let mut sum = 0;
///     while let Ok(n) = q.try_recv() {
///         sum += n;
///     }
///     sum
/// }
///
/// let local: Queue<NoopRawMutex, u32, 4> = Queue::new(); // plain cells
/// let shared: Queue<SpinRawMutex, u32, 4> = Queue::new(); // atomics
/// for n in 1..=3 {
///     local.try_send(n).unwrap();
///     shared.try_send(n).unwrap();
/// }
/// assert_eq!(drain(&local), 6);
/// assert_eq!(drain(&shared), 6);
/// ```
///
/// A raw exclusion of your own picks [`SharedRing`], which is sound for any raw
/// exclusion:
///
/// ```
/// use spindle_core::queue::{Queue, QueueStore, SharedRing};
/// use spindle_core::raw::{ConstInit, ScopedRawMutex, SpinRawMutex};
///
/// struct MyRaw(SpinRawMutex);
/// impl ConstInit for MyRaw {
///     const INIT: Self = MyRaw(SpinRawMutex::INIT);
/// }
/// // SAFETY: delegates to `SpinRawMutex`.
/// unsafe impl ScopedRawMutex for MyRaw {
///     fn try_with_lock<U>(&self, f: impl FnOnce() -> U) -> Option<U> { self.0.try_with_lock(f) }
///     fn with_lock<U>(&self, f: impl FnOnce() -> U) -> U { self.0.with_lock(f) }
///     fn is_locked(&self) -> bool { self.0.is_locked() }
/// }
/// // SAFETY: `SharedRing` suits any raw exclusion.
/// unsafe impl QueueStore for MyRaw {
///     type Ring = SharedRing;
/// }
///
/// static Q: Queue<MyRaw, u8, 2> = Queue::new(); // `Sync`, like `MyRaw`
/// Q.try_send(1).unwrap();
/// ```
///
/// # Safety
/// `Ring = LocalRing` only for a raw exclusion that is not `Sync`: a queue is `Sync`
/// when its raw exclusion is, and a [`LocalRing`]'s plain cells are only sound while
/// the compiler keeps the queue in one context.
pub unsafe trait QueueStore: ScopedRawMutex {
    /// The ring a queue over this raw exclusion stores its items in.
    type Ring: Ring;
}

// SAFETY: `NoopRawMutex` is not `Sync` (its doc test proves a `static` over it fails
// to compile), so neither is a queue over it.
unsafe impl QueueStore for NoopRawMutex {
    type Ring = LocalRing;
}

// SAFETY: `SharedRing` suits any raw exclusion.
unsafe impl QueueStore for SpinRawMutex {
    type Ring = SharedRing;
}

// SAFETY: `SharedRing` suits any raw exclusion.
unsafe impl QueueStore for CriticalSectionRawMutex {
    type Ring = SharedRing;
}

#[cfg(feature = "std")]
// SAFETY: `SharedRing` suits any raw exclusion.
unsafe impl QueueStore for crate::raw::ParkingRawMutex {
    type Ring = SharedRing;
}

#[cfg(loom)]
// SAFETY: `SharedRing` suits any raw exclusion.
unsafe impl QueueStore for crate::raw::LoomRawMutex {
    type Ring = SharedRing;
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::SharedRing {}
    impl Sealed for super::LocalRing {}
}

/// A queue's positions and flags, and (through [`Slot`](Ring::Slot)) the kind of
/// slot its items live in: [`SharedRing`] or [`LocalRing`]. Sealed; its items are
/// the queue's internals, reached through [`QueueRef`]'s methods.
pub trait Ring: Sized + sealed::Sealed {
    /// One item's storage.
    type Slot<T>: Empty;

    /// The ring's words that need no cache line of their own, kept beside the ring
    /// in the queue (so that the padding after a cache-padded ring is not wasted).
    type Words: Empty;

    /// The ring of an empty, open queue.
    #[doc(hidden)]
    #[cfg(not(loom))]
    const EMPTY: Self;

    /// The ring of an empty, open queue.
    #[doc(hidden)]
    #[cfg(loom)]
    fn empty() -> Self;

    #[doc(hidden)]
    fn try_send<R: QueueStore<Ring = Self>, T>(
        q: &QueueRef<R, T>,
        value: T,
    ) -> Result<(), TrySendError<T>>;

    #[doc(hidden)]
    fn try_recv<R: QueueStore<Ring = Self>, T>(q: &QueueRef<R, T>) -> Result<T, TryRecvError>;

    /// Marks the queue closed; `false` if it already was. (The caller wakes the
    /// waiters.)
    #[doc(hidden)]
    fn close<R: QueueStore<Ring = Self>, T>(q: &QueueRef<R, T>) -> bool;

    #[doc(hidden)]
    fn is_closed<R: QueueStore<Ring = Self>, T>(q: &QueueRef<R, T>) -> bool;

    #[doc(hidden)]
    fn len<R: QueueStore<Ring = Self>, T>(q: &QueueRef<R, T>) -> usize;

    #[doc(hidden)]
    fn task_done<R: QueueStore<Ring = Self>, T>(q: &QueueRef<R, T>) -> Result<(), TaskDoneError>;

    #[doc(hidden)]
    fn unfinished<R: QueueStore<Ring = Self>, T>(q: &QueueRef<R, T>) -> usize;

    /// Under the senders' list lock: announces a waiting sender; whether to retry.
    #[doc(hidden)]
    fn announce_sender<R: QueueStore<Ring = Self>, T>(q: &QueueRef<R, T>) -> bool;

    /// Under the receivers' list lock: announces a waiting receiver; whether to retry.
    #[doc(hidden)]
    fn announce_receiver<R: QueueStore<Ring = Self>, T>(q: &QueueRef<R, T>) -> bool;

    /// Under the joiners' list lock: announces a joiner; whether all is done.
    #[doc(hidden)]
    fn announce_joiner<R: QueueStore<Ring = Self>, T>(q: &QueueRef<R, T>) -> bool;

    #[doc(hidden)]
    fn all_done<R: QueueStore<Ring = Self>, T>(q: &QueueRef<R, T>) -> bool;

    /// Drops the items still queued (the queue is being dropped).
    #[doc(hidden)]
    fn drop_items<T>(&mut self, slots: &mut [Self::Slot<T>]);
}

/// A part of a queue that can be made empty in a `const` (how `Queue::new` fills
/// its array of slots and its ring's words).
pub trait Empty: Sized {
    /// The empty value.
    #[doc(hidden)]
    #[cfg(not(loom))]
    const EMPTY: Self;

    /// The empty value.
    #[doc(hidden)]
    #[cfg(loom)]
    fn empty() -> Self;
}

impl Empty for () {
    #[cfg(not(loom))]
    const EMPTY: Self = ();

    #[cfg(loom)]
    fn empty() -> Self {}
}
