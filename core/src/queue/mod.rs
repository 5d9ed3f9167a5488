//! Queues: recipe 12.3, "communicating between threads", without a heap.
//!
//! - [`Queue`]: bounded multi-producer multi-consumer, Python's `queue.Queue`:
//!   send/recv that try, await, block or time out, [`close`](QueueRef::close) in
//!   place of the book's sentinel, and `task_done`/`join`. Usable from a `static`;
//!   [`QueueRef`] is the same queue with its capacity erased.
//! - [`PriorityQueue`]: the same surface, highest priority first and FIFO among
//!   equal priorities (the book's `(-priority, index, item)` heap entries).
//! - [`Tracked`]: an item with a completion event, the book's `(data, Event)` pair:
//!   the producer waits until the consumer has processed it.
//! - [`spsc`]: a split producer/consumer ring for exactly two parties, wait-free and
//!   built on atomic loads and stores only.
//! - `UnboundedQueue` (feature `alloc`): Python's default `Queue()`, growing on the
//!   heap.
//!
//! Every failure hands your value back ([`TrySendError`], [`SendError`],
//! [`SendTimeoutError`]) or says why nothing came ([`TryRecvError`], [`RecvError`],
//! [`RecvTimeoutError`]), each call's type holding only what that call can report
//! (the table is in [`crate::error`]); nothing queued is ever lost, even across
//! `close`.

mod bounded;
mod channel;
mod error;
mod locked;
mod priority;
pub mod spsc;
mod tracked;
#[cfg(feature = "alloc")]
mod unbounded;

pub use crate::error::{
    RecvError, RecvTimeoutError, SendError, SendTimeoutError, TryRecvError, TrySendError,
};
pub use bounded::{
    Empty, LocalRing, LocalSlot, Queue, QueueCore, QueueRef, QueueStore, Ring, SharedRing,
    SharedWords, Slot, Storage,
};
pub use error::TaskDoneError;
pub use priority::PriorityQueue;
#[cfg(feature = "alloc")]
pub use tracked::Completion;
pub use tracked::{EventHandle, Tracked};
#[cfg(feature = "alloc")]
pub use unbounded::UnboundedQueue;
