//! Polling several queues, events, sockets, signals and timers from one thread:
//! recipe 12.13 ("polling multiple thread queues"), and the `select`/`selectors`
//! half of 12.12.
//!
//! Python's recipe gives each queue a socket pair and `select`s on them; here each
//! pollable type carries a descriptor ([`FdLevel`]: an eventfd on Linux, the
//! book's socket pair elsewhere) that is readable exactly while there is something
//! to receive. No descriptor lies in either direction, whatever threads race:
//! once a `recv` that emptied a queue has returned it stops being readable, a send
//! from any thread makes it readable, and `close` makes it readable for good (the
//! [`readiness`] protocol, model-checked with loom). A [`Selector`] waits on any
//! mix of them, sockets, signals and [`Timer`]s without an async runtime, blocked
//! in the OS poll while idle.
//!
//! - [`PollableQueue`], [`PollablePriorityQueue`], [`PollableUnboundedQueue`]: the
//!   queues of [`crate::queue`] behind [`Pollable`]; a plain queue stays as fast as
//!   it was (the wrapper is a separate type).
//! - [`PollableEvent`]: readable while set.
//! - [`Selector`]: `register` (descriptors), `register_signal`, `register_timer`,
//!   `deregister` from any thread; `wait` reports [`Ready`] keys.
//!
//! ```
//! use std::time::Duration;
//! use spindle_std::poll::{PollableQueue, Selector};
//!
//! let q1: PollableQueue<u32, 8> = PollableQueue::new()?;
//! let q2: PollableQueue<u32, 8> = PollableQueue::new()?;
//! let selector = Selector::new()?;
//! selector.register(1, &q1)?;
//! selector.register(2, &q2)?;
//!
//! q2.try_send(20).unwrap();
//! let mut ready = Vec::new();
//! selector.wait(&mut ready, Some(Duration::from_secs(5)))?;
//! assert_eq!(ready.len(), 1);
//! assert_eq!(ready[0].key, 2);
//! assert_eq!(q2.try_recv(), Ok(20));
//! // Drained: no longer ready.
//! assert_eq!(selector.wait(&mut ready, Some(Duration::ZERO))?, 0);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod error;
mod event;
mod fd_level;
pub(crate) mod os_poller;
mod queue;
pub mod readiness;
mod selector;
mod shim;
mod timer;
// The epoll poller's notify latch: public only to the loom models
// (tests/loom_os_notify.rs), and not built where no poller uses it.
#[cfg(loom)]
pub mod wake_latch;
#[cfg(all(not(loom), any(target_os = "linux", target_os = "android")))]
mod wake_latch;

pub use error::{
    CreateError, DeregisterError, RecvError, RecvTimeoutError, RegisterError, SendError,
    SendTimeoutError, TryRecvError, TrySendError, WaitError,
};
pub use event::PollableEvent;
pub use fd_level::FdLevel;
pub use queue::{Pollable, PollablePriorityQueue, PollableQueue, PollableUnboundedQueue};
pub use selector::{Interest, Ready, Selector};
pub use timer::Timer;
