//! # spindle-core
//!
//! Heap-free concurrency primitives for firmware and for the host, from the Python
//! Cookbook's chapter on concurrency: locks, events, semaphores, conditions, result
//! slots and latches (recipes 12.2, 12.4, 12.5, in [`sync`]), queues (12.3, [`queue`]),
//! actors (12.10, [`actor`]), publish/subscribe (12.11, [`exchange`]) and a
//! cooperative scheduler of `async` tasks (12.12, [`sched`]), built on one waiting
//! mechanism ([`wait`]).
//!
//! Every primitive offers three ways to wait, named the same way everywhere:
//!
//! | way | name | never waits? |
//! |---|---|---|
//! | try | `try_lock`, `try_acquire`, `try_recv`, ... | yes: failure hands back an error (and any value) |
//! | async | `lock().await`, `acquire().await`, `wait().await` | no: works under any executor |
//! | blocking | `lock_blocking()`, `wait_timeout(d)` | no: parks the thread (`std`) or spins (bare metal) |
//!
//! The blocking forms are the async forms driven by [`wait::block_on`], so there is one
//! implementation of each waiting protocol.
//!
//! Types are generic over a *raw exclusion* `R` (see [`raw`]) that guards their short
//! internal critical sections: pick [`raw::CriticalSectionRawMutex`] to share with
//! interrupt handlers, [`raw::SpinRawMutex`] for several cores without interrupts,
//! [`raw::NoopRawMutex`] for one context, or (with `std`) `raw::ParkingRawMutex`.
//!
//! ```
//! use spindle_core::raw::SpinRawMutex;
//! use spindle_core::sync::{Event, Mutex};
//!
//! static COUNTER: Mutex<SpinRawMutex, u32> = Mutex::new(0);
//! static READY: Event<SpinRawMutex> = Event::new();
//!
//! *COUNTER.try_lock().unwrap() += 1;
//! READY.set();
//! assert!(READY.is_set());
//! assert_eq!(*COUNTER.try_lock().unwrap(), 1);
//! ```
//!
//! ## Features
//! - `alloc`: heap-backed conveniences: `queue::UnboundedQueue`, `queue::Completion`.
//! - `std`: thread parking for blocking waits, `Duration` timeouts, thread ids as
//!   [`context`] ids, `raw::ParkingRawMutex`; implies `alloc`.
//! - `portable-atomic`: atomics through the `portable-atomic` crate.
#![no_std]
#![deny(clippy::undocumented_unsafe_blocks)]
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

#[macro_use]
mod macros;
pub(crate) mod loom;
mod padded;

pub mod actor;
pub mod context;
pub mod error;
pub mod exchange;
pub mod queue;
pub mod raw;
pub mod sched;
pub mod sync;
pub mod wait;

#[cfg(feature = "std")]
pub use std::time::Duration;
