//! Synchronization primitives: locks, semaphores, events, conditions, result slots
//! and latches (recipes 12.2, 12.4 and 12.5), each waiting the three spindle ways
//! (try, async, blocking; see the [crate docs](crate)).
//!
//! | Python (`threading`) | spindle |
//! |---|---|
//! | `Lock` | [`Mutex`] |
//! | `RLock` | [`ReentrantMutex`] |
//! | `Semaphore`, `BoundedSemaphore` | [`Semaphore`], [`BoundedSemaphore`] |
//! | `Event` | [`Event`] |
//! | `Condition` | [`Condvar`] (with a [`Mutex`]), [`Notify`] (signal only) |
//! | a result with an `Event` | [`Oneshot`] |
//! | joining a set of workers | [`WaitGroup`] |
//! | the book's `acquire(*locks)` | [`ordered::acquire`] |

mod asym_fence;
mod condvar;
mod error;
mod event;
mod lock_core;
mod mutex;
mod notify;
mod oneshot;
pub mod ordered;
mod reentrant;
mod semaphore;
mod wait_group;

pub use crate::error::{RecvError, RecvTimeoutError, TryRecvError, TrySendError};
pub use condvar::Condvar;
pub use error::{
    AcquireError, AcquireTimeoutError, ReleaseError, TryAcquireError, TryLockError,
    WaitGroupOverflow, WaitGroupUnderflow, WaitTimeoutError,
};
pub use event::Event;
pub use mutex::{Mutex, MutexGuard};
pub use notify::Notify;
pub use oneshot::Oneshot;
pub use reentrant::{ReentrantMutex, ReentrantMutexGuard};
pub use semaphore::{BoundedSemaphore, Semaphore, SemaphorePermit};
pub use wait_group::WaitGroup;
