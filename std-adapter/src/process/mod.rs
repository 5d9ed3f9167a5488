//! Process pools: recipe 12.8 ("simple parallel programming", Python's
//! `concurrent.futures.ProcessPoolExecutor`). Rust has no GIL, so in spindle a
//! process pool is for isolation: work that may crash, leak, hang, or must be
//! killed on a deadline. Unlike Python's pool, one dead worker never breaks the
//! pool (`BrokenProcessPool`): only its own task fails, saying how the worker
//! died, and a new worker takes its place.
//!
//! - [`Task<A, R>`]: a plain function with a name, declared once as a `const`;
//!   [`Registry`]: the tasks a program's workers can run.
//! - [`init`]: the first call in `main`. The workers are this program re-run with
//!   their stdin and stdout as pipes (spawn and exec, never a `fork` of a threaded
//!   process); in a worker `init` serves tasks and never returns.
//! - [`ProcessPool`]: [`submit`](ProcessPool::submit) gives the thread pool's
//!   [`TaskHandle`](crate::pool::TaskHandle) (`result`, `result_timeout`,
//!   `is_done`, `cancel`, `add_done_callback`, `.await`); [`map`](ProcessPool::map)
//!   in input order with a chunk size; an initializer, `max_tasks_per_child`, a task
//!   timeout that kills, and the thread pool's [`Shutdown`](crate::pool::Shutdown) options.
//! - [`codec`] and [`message`]: length-prefixed postcard frames and the messages
//!   they carry, independent of the transport ([`worker::respond`] is a worker's
//!   whole job on any of them). Every frame is bounded by a limit. A task's
//!   argument and result inside are in a payload [`Codec`]: postcard here, postcard
//!   or JSON in the distributed pool (`spindle_std::nats`, feature `nats`).
//!
//! ```no_run
//! use spindle_std::process::{self, ProcessPool, Registry, Task, WorkerError, WorkerExit};
//! use spindle_std::pool::TaskError;
//!
//! fn square(n: u64) -> u64 { n * n }
//! fn crash(_: ()) { std::process::abort() }
//! const SQUARE: Task<u64, u64> = Task::new("square", square);
//! const CRASH: Task<(), ()> = Task::new("crash", crash);
//!
//! fn main() {
//!     process::init(Registry::new().with(SQUARE).with(CRASH));
//!     let pool = ProcessPool::new(2).unwrap();
//!     let bad = pool.submit(CRASH, ()).unwrap();
//!     let good = pool.submit(SQUARE, 9).unwrap();
//!     assert_eq!(bad.result(), Err(TaskError::Worker(WorkerError::Died(WorkerExit::Signaled(6)))));
//!     assert_eq!(good.result(), Ok(81));
//!     assert_eq!(pool.submit(SQUARE, 3).unwrap().result(), Ok(9)); // replaced
//! }
//! ```

pub mod codec;
mod error;
mod map;
pub mod message;
mod payload;
mod pipe;
mod pool;
mod registry;
mod watchdog;
pub mod worker;

pub use error::{BuildError, FrameError, SubmitError, WorkerError, WorkerExit};
pub use map::ProcessMap;
pub use payload::Codec;
pub use pool::{Builder, ProcessPool};
pub use registry::{DuplicateTask, Registry, Task};
// The distributed pool (crate::nats) completes the same handles from the same outcomes.
#[cfg(feature = "nats")]
pub(crate) use registry::outcome_to_result;
pub use worker::init;
