//! The one waiting mechanism every spindle primitive shares.
//!
//! - [`WaitList`]: a FIFO list of waiting tasks that needs no heap and has no fixed
//!   capacity. Each waiter is a node that lives *inside the waiting future* (an
//!   intrusive, pinned node, as in maitake-sync's `WaitQueue` and tokio's `Notify`),
//!   so a thousand waiters cost a thousand futures and nothing more.
//! - [`block_on`]: drives any future to completion on the calling thread. Under `std`
//!   the thread parks between polls; without it the loop spins with a pluggable
//!   [`Relax`] (a spin-loop hint, or your core's WFE/WFI).
//!
//! Every blocking call in spindle is its `async` twin run by [`block_on`]; the
//! waiting protocol is written once.
//!
//! # How a primitive waits
//! A primitive keeps its state in an atomic word that also carries a "someone may
//! be waiting" bit. To wait, a future registers its node with
//! [`Waiter::poll_wait`], whose `ready` check runs under the list's lock and sets
//! that bit in the same atomic operation that re-reads the state. A releaser that
//! sees the bit wakes a waiter. Because both sides touch one atomic word, there is
//! no window in which a wake-up can be lost.
//!
//! Wake-ups are either *hand-offs* ([`WaitList::wake_one`]: "one resource is free")
//! or *broadcasts* ([`WaitList::wake_all`]). A future dropped after receiving a
//! hand-off but before acting on it passes the hand-off to the next waiter, so
//! cancelling a waiting future never strands the others.
//!
//! Recipes served: all of chapter 12's waits (12.2's events, 12.3's queues, 12.4's
//! locks); this module has no Python counterpart of its own.

pub(crate) mod backoff;
mod block_on;
mod list;
mod until;

#[cfg(not(feature = "std"))]
pub use block_on::block_on;
#[cfg(feature = "std")]
pub use block_on::{block_on, block_on_deadline, block_on_timeout};
pub use block_on::{block_on_with, Relax, SpinRelax};
pub use list::{WaitList, Waiter};
pub(crate) use until::wait_until;
