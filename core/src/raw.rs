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
pub use mutex::raw_impls::local::LocalRawMutex as NoopRawMutex;

/// Spinning raw exclusion (the `spin` crate's spin lock), for sharing between cores
/// or threads when no interrupt handler touches the primitive.
pub type SpinRawMutex = mutex::raw_impls::lock_api_0_4::LockApiRawMutex<spin::mutex::SpinMutex<()>>;

/// OS-parking raw exclusion (parking_lot's word-sized mutex): a waiting thread sleeps
/// instead of spinning, the right choice for OS threads.
#[cfg(feature = "std")]
pub type ParkingRawMutex = mutex::raw_impls::lock_api_0_4::LockApiRawMutex<parking_lot::RawMutex>;

/// The raw exclusion used by loom models.
#[cfg(loom)]
pub use crate::loom::loom_raw::LoomRawMutex;
