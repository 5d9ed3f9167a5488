//! Thread pools: recipe 12.7 ("creating a thread pool", Python's
//! `concurrent.futures.ThreadPoolExecutor`) and recipe 12.9's pattern of an I/O
//! thread offloading CPU work to a pool and waiting on the handle.
//!
//! - [`ThreadPool`]: a fixed number of workers (the book's defence against thread
//!   exhaustion) and a submission queue, unbounded or bounded with a [`FullPolicy`].
//!   Inside, each worker has its own deque and steals from the others and from the
//!   shared submission queue (`queues`), and idle workers sleep until a submission wakes
//!   one (`sleep`), so workers and submitters do not meet on one lock per task.
//! - [`TaskHandle`]: Python's `Future`: [`result`](TaskHandle::result),
//!   [`result_timeout`](TaskHandle::result_timeout), [`is_done`](TaskHandle::is_done),
//!   [`add_done_callback`](TaskHandle::add_done_callback), [`cancel`](TaskHandle::cancel),
//!   and `.await`. A panic in a task becomes [`TaskError::Panicked`]; the worker lives on.
//! - [`ThreadPool::map`]: ordered, lazy, chunked, or all at once with
//!   [`Map::collect_vec`] (Python's list); for a slice or a range,
//!   [`ThreadPool::map_slice`] and [`ThreadPool::map_range`] write each result in
//!   place in the output (the only `unsafe` outside `scope`: one `Vec::set_len`,
//!   argued in `map_in_place`); [`as_completed`] and [`wait`] as
//!   in `concurrent.futures`; [`ThreadPool::scope`] for tasks that borrow.
//! - [`echo`]: the recipe's echo server, its connections served by the pool.
//!
//! Semantics worth knowing (each also in its item's docs):
//! - Done-callbacks run on the worker after the value is published, so they may
//!   not have run yet when [`TaskHandle::result`] returns.
//! - A task that waits on another task of its own pool (or submits to its own full
//!   bounded pool) can deadlock the pool, as in Python.
//! - [`ThreadPool::shutdown`] takes a [`Shutdown`] (`Shutdown::wait()`,
//!   `Shutdown::no_wait().cancel_pending()`, ...); it wakes submitters waiting for
//!   room at once.
//! - A task's panic is its handle's [`TaskError::Panicked`] with the panic's message
//!   ([`crate::panic::panic_message`], the same text threads and actors report).
//!   Rust's panic hook still prints the panic as it happens; a program that
//!   expects task panics can replace the report with `std::panic::set_hook`.
//!
//! Recipe 12.9, offloading: the thread that owns the I/O submits the CPU-heavy part
//! and waits on the handle, so the work runs on another core and the I/O thread's
//! state stays its own.
//!
//! ```
//! use spindle_std::pool::ThreadPool;
//!
//! fn checksum(data: &[u8]) -> u64 {
//!     // FNV-1a
//!     data.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3))
//! }
//!
//! let pool = ThreadPool::new(2).unwrap();
//! // The I/O thread: read a request, hand the CPU work to the pool, answer.
//! let request: Vec<u8> = (0..=255).cycle().take(1 << 16).collect();
//! let handle = pool.submit(move || checksum(&request)).unwrap();
//! // ... the I/O thread could serve other clients here ...
//! let sum = handle.result().unwrap();
//! assert_ne!(sum, 0);
//! ```

mod builder;
mod completed;
pub mod echo;
mod error;
#[cfg(loom)]
pub mod gate;
#[cfg(not(loom))]
mod gate;
mod handle;
mod map;
mod map_in_place;
#[allow(clippy::module_inception)]
mod pool;
mod queues;
mod scope;
mod shim;
mod shutdown;
#[cfg(loom)]
pub mod sleep;
#[cfg(not(loom))]
mod sleep;
mod state;
mod submit;
mod task;
mod worker;

pub use builder::{Builder, FullPolicy};
pub use completed::{as_completed, wait, AsCompleted, ReturnWhen, Waited};
pub use error::{BuildError, SubmitError, TaskError};
pub use handle::TaskHandle;
pub use map::Map;
pub use pool::ThreadPool;
pub use scope::Scope;
pub use shutdown::Shutdown;
pub use state::TaskState;
// The process pool (crate::process) and the distributed pool (crate::nats)
// complete handles from outside.
#[cfg(unix)]
pub(crate) use task::Remote;
