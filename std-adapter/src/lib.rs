//! # spindle-std
//!
//! What only an operating system has, over the types of [`spindle_core`]:
//!
//! - [`sync`], [`queue`], [`exchange`], [`actor`]: the core's primitives, queues,
//!   publish/subscribe exchange and actors with the OS-parking raw exclusion
//!   ([`sync::RawMutex`]) filled in, so desktop code writes `Mutex<T>`,
//!   `Queue<T, 64>`, `Exchange<'_, T, 8>`, `SharedRegistry<T, 8>` or
//!   `Mailbox<M, 16>` and gets spindle's try/async/blocking surface. For a core
//!   type without an alias, name [`sync::RawMutex`] as its lock parameter.
//! - [`thread`]: named threads, join with timeout, stop tokens, timers (12.1, 12.6).
//! - [`pool`]: a thread pool with futures-style handles, `map`, scoped tasks and a
//!   pooled echo server (12.7, 12.9).
//! - [`actor`]: actors on threads, request/response, a restarting supervisor (12.10).
//! - `daemon` (Unix): daemonize, pidfile, SIGTERM shutdown (12.14).
//! - [`panic`](mod@panic): the one text every module gives a caught panic.
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
pub mod exchange;
#[cfg(unix)]
pub mod io;
#[cfg(feature = "nats")]
pub mod nats;
pub mod panic;
#[cfg(unix)]
pub mod poll;
pub mod pool;
#[cfg(unix)]
pub mod process;
pub mod queue;
pub mod sync;
pub mod thread;
