//! Queues: recipe 12.3, "communicating between threads", without a heap.
//!
//! - [`Queue`]: bounded multi-producer multi-consumer, Python's `queue.Queue`:
//!   send/recv that try, await, block or time out, [`close`](QueueRef::close) in
//!   place of the book's sentinel, and `task_done`/`join`. Usable from a `static`;
//!   [`QueueRef`] is the same queue with its capacity erased.
//! - [`spsc`]: a split producer/consumer ring for exactly two parties, wait-free and
//!   built on atomic loads and stores only.
//!
//! Every failure hands your value back ([`SendError`]) or says why nothing came
//! ([`RecvError`]); nothing queued is ever lost, even across `close`.

mod bounded;
mod error;
pub mod spsc;

pub use crate::error::{RecvError, SendError};
pub use bounded::{Queue, QueueCore, QueueRef, Slot, Storage};
pub use error::TaskDoneError;
