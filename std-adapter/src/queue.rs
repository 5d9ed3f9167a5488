//! spindle-core's queues with the OS-parking raw exclusion chosen (recipe 12.3).
//!
//! ```
//! use spindle_std::queue::Queue;
//!
//! static WORK: Queue<u32, 16> = Queue::new();
//!
//! let consumer = std::thread::spawn(|| {
//!     let mut total = 0;
//!     while let Ok(n) = WORK.recv_blocking() {
//!         total += n;
//!         WORK.task_done().unwrap();
//!     }
//!     total
//! });
//! for n in 1..=10 {
//!     WORK.send_blocking(n).unwrap();
//! }
//! WORK.join_blocking(); // every item processed
//! WORK.close();         // instead of the book's sentinel
//! assert_eq!(consumer.join().unwrap(), 55);
//! ```

use spindle_core::queue as core_queue;
use spindle_core::raw::ParkingRawMutex;

pub use spindle_core::queue::spsc;
pub use spindle_core::queue::{
    RecvError, RecvTimeoutError, SendError, SendTimeoutError, TaskDoneError, TryRecvError,
    TrySendError,
};

/// [`spindle_core::queue::Queue`] for OS threads: bounded MPMC, Python's
/// `queue.Queue(maxsize=N)`.
pub type Queue<T, const N: usize> = core_queue::Queue<ParkingRawMutex, T, N>;
/// [`spindle_core::queue::QueueRef`] for OS threads: a [`Queue`] of any capacity.
pub type QueueRef<T> = core_queue::QueueRef<ParkingRawMutex, T>;
