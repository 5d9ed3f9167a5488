//! Raw exclusions: the short critical sections that guard a primitive's internal
//! state (its waiter list). The choice of raw exclusion decides *where* a primitive
//! may be used, not how long users hold it: a [`Mutex`](crate::sync::Mutex) guard can
//! be held for as long as you like whatever `R` is.
//!
//! spindle uses the [`mutex-traits`](mutex_traits) crate's [`ScopedRawMutex`] and
//! [`ConstInit`] traits, the same ones `maitake-sync` and the `mutex` crate use, so a
//! raw exclusion written for those crates works here and the other way round.
//!
//! | type | use it when | blocks by |
//! |---|---|---|
//! | [`CriticalSectionRawMutex`] | the primitive is shared with interrupt handlers | disabling interrupts (via `critical-section`) |
//! | [`SpinRawMutex`] | several cores or threads, no interrupt handlers | spinning |
//! | [`NoopRawMutex`] | one context only (the type is then `!Sync`) | nothing: no exclusion needed |
//! | [`ParkingRawMutex`] (`std`) | OS threads | parking the thread (parking_lot) |
//!
//! Recipe 12.4 (locking critical sections) is served by [`crate::sync`]; this module is
//! the layer beneath it.

pub use mutex_traits::{ConstInit, ScopedRawMutex};

/// Interrupt-safe raw exclusion: runs the critical section with interrupts masked
/// (through the `critical-section` crate, which the final binary must provide an
/// implementation for; under `std` spindle enables the crate's std implementation).
pub use mutex::raw_impls::cs::CriticalSectionRawMutex;

/// Raw exclusion for a single execution context: costs nothing, and makes the
/// primitive `!Sync` so the compiler rejects sharing it.
///
/// For one context only: one thread, one executor, or one interrupt priority. A
/// primitive over it is not `Sync`, so it cannot be a `static` (a `static` must be
/// `Sync`) nor be shared with another thread; the compiler says "`NoopRawMutex`
/// cannot be shared between threads safely". For a `static`, pick the exclusion by
/// who else uses the value: [`CriticalSectionRawMutex`] if an interrupt handler
/// does, [`SpinRawMutex`] for several cores without interrupts, or (with `std`)
/// [`ParkingRawMutex`] for OS threads.
///
/// ```
/// use spindle_core::queue::Queue;
/// use spindle_core::raw::{CriticalSectionRawMutex, NoopRawMutex};
///
/// // One context: a local value (or a field of a single-threaded task) is fine.
/// let local: Queue<NoopRawMutex, u8, 4> = Queue::new();
/// local.try_send(1).unwrap();
///
/// // A `static` must be `Sync`: use an exclusion that is.
/// static SHARED: Queue<CriticalSectionRawMutex, u8, 4> = Queue::new();
/// SHARED.try_send(2).unwrap();
/// ```
///
/// ```compile_fail
/// use spindle_core::queue::Queue;
/// use spindle_core::raw::NoopRawMutex;
/// // error[E0277]: `NoopRawMutex` cannot be shared between threads safely
/// static NOT_SYNC: Queue<NoopRawMutex, u8, 4> = Queue::new();
/// ```
pub struct NoopRawMutex(mutex::raw_impls::local::LocalRawMutex);

impl ConstInit for NoopRawMutex {
    const INIT: Self = Self(mutex::raw_impls::local::LocalRawMutex::INIT);
}

// SAFETY: every method delegates to `LocalRawMutex`, whose `ScopedRawMutex` impl
// upholds the trait's contract; the wrapper adds no state, and inherits its
// `Send` and `!Sync`.
unsafe impl ScopedRawMutex for NoopRawMutex {
    #[inline]
    fn try_with_lock<U>(&self, f: impl FnOnce() -> U) -> Option<U> {
        self.0.try_with_lock(f)
    }

    #[inline]
    fn with_lock<U>(&self, f: impl FnOnce() -> U) -> U {
        self.0.with_lock(f)
    }

    #[inline]
    fn is_locked(&self) -> bool {
        self.0.is_locked()
    }
}

/// Defines a raw exclusion as a named type over one of the `mutex` crate's
/// `RawMutex` adapters, so compiler messages and docs name it (`SpinRawMutex`, not
/// `LockApiRawMutex<spin::mutex::SpinMutex<()>>`).
macro_rules! named_raw_mutex {
    ($(#[$meta:meta])* $name:ident($inner:ty)) => {
        $(#[$meta])*
        pub struct $name($inner);

        impl ConstInit for $name {
            const INIT: Self = Self(<$inner as ConstInit>::INIT);
        }

        // SAFETY: every method delegates to `$inner`, a `RawMutex` whose mutual
        // exclusion (from a successful `lock`/`try_lock` to its `unlock`) is the
        // trait's contract; the wrapper adds no state.
        unsafe impl mutex_traits::RawMutex for $name {
            type GuardMarker = <$inner as mutex_traits::RawMutex>::GuardMarker;

            #[inline]
            fn lock(&self) {
                <$inner as mutex_traits::RawMutex>::lock(&self.0)
            }

            #[inline]
            fn try_lock(&self) -> bool {
                <$inner as mutex_traits::RawMutex>::try_lock(&self.0)
            }

            #[inline]
            unsafe fn unlock(&self) {
                // SAFETY: our caller holds this lock (the method's contract), and
                // holding it is holding `self.0`.
                unsafe { <$inner as mutex_traits::RawMutex>::unlock(&self.0) }
            }

            #[inline]
            fn is_locked(&self) -> bool {
                <$inner as mutex_traits::RawMutex>::is_locked(&self.0)
            }
        }
    };
}

named_raw_mutex! {
    /// Spinning raw exclusion (the `spin` crate's spin lock), for sharing between
    /// cores or threads when no interrupt handler touches the primitive.
    SpinRawMutex(mutex::raw_impls::lock_api_0_4::LockApiRawMutex<spin::mutex::SpinMutex<()>>)
}

#[cfg(feature = "std")]
named_raw_mutex! {
    /// OS-parking raw exclusion (parking_lot's word-sized mutex): a waiting thread
    /// sleeps instead of spinning, the right choice for OS threads. `spindle_std`
    /// calls it `spindle_std::sync::RawMutex`.
    ParkingRawMutex(mutex::raw_impls::lock_api_0_4::LockApiRawMutex<parking_lot::RawMutex>)
}

/// The raw exclusion used by loom models.
#[cfg(loom)]
pub use crate::loom::loom_raw::LoomRawMutex;
