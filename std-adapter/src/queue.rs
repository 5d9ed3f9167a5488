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
pub use spindle_core::queue::{EventHandle, RecvError, SendError, TaskDoneError, Tracked};

/// [`spindle_core::queue::Queue`] for OS threads: bounded MPMC, Python's
/// `queue.Queue(maxsize=N)`. `N` of 0 is refused by `cargo build`, not by
/// `cargo check` (a compile-time assertion evaluated at code generation).
pub type Queue<T, const N: usize> = core_queue::Queue<ParkingRawMutex, T, N>;
/// [`spindle_core::queue::QueueRef`] for OS threads: a [`Queue`] of any capacity.
pub type QueueRef<T> = core_queue::QueueRef<ParkingRawMutex, T>;
/// [`spindle_core::queue::PriorityQueue`] for OS threads: bounded, FIFO among equal
/// priorities (Python's `queue.PriorityQueue`, and recipe 12.3's heap of items).
pub type PriorityQueue<P, T, const N: usize> = core_queue::PriorityQueue<ParkingRawMutex, P, T, N>;
/// [`spindle_core::queue::UnboundedQueue`] for OS threads (Python's `queue.Queue()`).
pub type UnboundedQueue<T> = core_queue::UnboundedQueue<ParkingRawMutex, T>;
/// [`spindle_core::queue::Completion`] for OS threads: the event a
/// [`Tracked`] item sets once processed.
pub type Completion = core_queue::Completion<ParkingRawMutex>;
