//! spindle-core's synchronization primitives with the OS-parking raw exclusion
//! ([`ParkingRawMutex`]) chosen: the right default for OS threads.
//!
//! Every alias is the core type itself, so values pass freely between code written
//! against either crate. Where a core type you need has no alias here, name its raw
//! exclusion [`RawMutex`] (`spindle_core::sync::Mutex<RawMutex, T>`).

use spindle_core::raw::ParkingRawMutex;
use spindle_core::sync as core_sync;

pub use spindle_core::raw::ParkingRawMutex as RawMutex;
pub use spindle_core::sync::ordered;
pub use spindle_core::sync::{
    AcquireError, AcquireTimeoutError, RecvError, ReleaseError, SendError, TryAcquireError,
    TryLockError, WaitGroupError, WaitTimeoutError,
};

/// [`spindle_core::sync::Mutex`] for OS threads.
pub type Mutex<T> = core_sync::Mutex<ParkingRawMutex, T>;
/// The guard of a [`Mutex`].
pub type MutexGuard<'a, T> = core_sync::MutexGuard<'a, ParkingRawMutex, T>;
/// [`spindle_core::sync::ReentrantMutex`] for OS threads (Python's `RLock`).
pub type ReentrantMutex<T> = core_sync::ReentrantMutex<ParkingRawMutex, T>;
/// The guard of a [`ReentrantMutex`].
pub type ReentrantMutexGuard<'a, T> = core_sync::ReentrantMutexGuard<'a, ParkingRawMutex, T>;
/// [`spindle_core::sync::Semaphore`] for OS threads.
pub type Semaphore = core_sync::Semaphore<ParkingRawMutex>;
/// A permit of a [`Semaphore`] or [`BoundedSemaphore`]: released on drop.
pub type SemaphorePermit<'a> = core_sync::SemaphorePermit<'a, ParkingRawMutex>;
/// [`spindle_core::sync::BoundedSemaphore`] for OS threads.
pub type BoundedSemaphore = core_sync::BoundedSemaphore<ParkingRawMutex>;
/// [`spindle_core::sync::Event`] for OS threads.
pub type Event = core_sync::Event<ParkingRawMutex>;
/// [`spindle_core::sync::Notify`] for OS threads.
pub type Notify = core_sync::Notify<ParkingRawMutex>;
/// [`spindle_core::sync::Condvar`] for OS threads.
pub type Condvar = core_sync::Condvar<ParkingRawMutex>;
/// [`spindle_core::sync::Oneshot`] for OS threads.
pub type Oneshot<T> = core_sync::Oneshot<ParkingRawMutex, T>;
/// [`spindle_core::sync::WaitGroup`] for OS threads.
pub type WaitGroup = core_sync::WaitGroup<ParkingRawMutex>;
/// [`spindle_core::sync::ordered::OrderedMutex`] for OS threads.
pub type OrderedMutex<T> = ordered::OrderedMutex<ParkingRawMutex, T>;
/// A guard of a tuple [`ordered::acquire`] for OS threads.
pub type OrderedGuard<'a, T> = ordered::OrderedGuard<'a, ParkingRawMutex, T>;
/// The guards of an array [`ordered::acquire`] for OS threads.
pub type OrderedGuards<'a, T, const N: usize> = ordered::OrderedGuards<'a, ParkingRawMutex, T, N>;
