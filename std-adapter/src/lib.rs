//! # spindle-std
//!
//! What only an operating system has, over the types of [`spindle_core`]. This first
//! layer re-exports the core's primitives and queues with the OS-parking raw
//! exclusion filled in, so desktop code writes `Mutex<T>` or `Queue<T, 64>` as it
//! would with `std` and gets spindle's try/async/blocking surface. Threads, pools, polling, processes and daemons arrive
//! with their own modules.
//!
//! ```
//! use spindle_std::sync::{Event, Mutex};
//!
//! static HITS: Mutex<u64> = Mutex::new(0);
//! static DONE: Event = Event::new();
//!
//! std::thread::spawn(|| {
//!     *HITS.lock_blocking() += 1;
//!     DONE.set();
//! });
//! DONE.wait_blocking();
//! assert_eq!(*HITS.lock_blocking(), 1);
//! ```
#![deny(clippy::undocumented_unsafe_blocks)]
#![warn(missing_docs)]

pub use spindle_core;

pub mod actor;
#[cfg(unix)]
pub mod daemon;
#[cfg(feature = "nats")]
pub mod nats;
pub mod pool;
#[cfg(unix)]
pub mod process;
pub mod queue;
pub mod sync;
pub mod thread;
