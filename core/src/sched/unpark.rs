//! [`Unpark`]: the signal that ends an idle scheduler's wait when one of its tasks
//! is woken from outside the running loop (another thread, an interrupt handler).
//!
//! A scheduler driven by [`run_with`](super::Scheduler::run_with) idles in a hook of
//! your choosing: a wait-for-interrupt, an OS poll (recipe 12.12's `select()` loop,
//! `spindle_std::io::Reactor`). A waker called from another thread queues its task
//! at once, but only the idle hook's own wake-up source can end that wait. Give the
//! scheduler an `Unpark` when you make it ([`RunQueue::with_unpark`](super::RunQueue::with_unpark),
//! or `Scheduler::with_unpark` with `alloc`) and the run queue calls it whenever a
//! task becomes ready while the scheduler idles: the same handshake that unparks the
//! thread of [`run`](super::Scheduler::run) (see [`RunQueue`](super::RunQueue)'s
//! protocol notes), so it costs nothing while the scheduler is busy and nothing at
//! all when no `Unpark` was given.

#[cfg(feature = "alloc")]
use alloc::boxed::Box;

/// Ends a scheduler's idle wait from any thread or interrupt handler: e.g. sets
/// an event flag the wait-for-interrupt loop checks, sends an event to the core,
/// or writes the OS poller's wake-up descriptor.
///
/// Called at most once per idle period, by the waker that found the scheduler
/// idle, on the waker's thread (or in its interrupt handler). That includes wakes
/// made by the idle hook itself on the scheduler's thread (an I/O reactor firing
/// the wakers of ready sockets): an implementation for which signalling is costly
/// may skip those, since the hook returns on its own. It must not block, and must
/// not poll or spawn tasks.
///
/// Any `Fn() + Send + Sync` is an `Unpark`.
///
/// ```
/// use core::pin::pin;
/// use core::sync::atomic::{AtomicBool, Ordering};
/// use spindle_core::raw::CriticalSectionRawMutex;
/// use spindle_core::sched::{RunQueue, Scheduler, Task};
/// use spindle_core::sync::Oneshot;
///
/// static WOKEN: AtomicBool = AtomicBool::new(false);
/// fn raise() {
///     WOKEN.store(true, Ordering::Release); // on a board: also `sev()`
/// }
/// static READY: RunQueue<1> = RunQueue::with_unpark(&raise);
/// static ANSWER: Oneshot<CriticalSectionRawMutex, u32> = Oneshot::new();
///
/// let sched = Scheduler::with_run_queue(&READY).unwrap();
/// let task = pin!(Task::new(ANSWER.recv()));
/// let mut h = sched.spawn(task).unwrap();
/// let other = std::thread::spawn(|| ANSWER.send(42).unwrap());
/// // The idle hook waits until `raise` ran (a board would sleep in `wfe`).
/// sched.run_with(|| {
///     while !WOKEN.swap(false, Ordering::Acquire) {
///         core::hint::spin_loop();
///     }
/// });
/// assert_eq!(h.try_take(), Some(Ok(42)));
/// other.join().unwrap();
/// ```
pub trait Unpark: Send + Sync {
    /// A task became ready while the scheduler idles: end its idle wait.
    fn unpark(&self);
}

impl<F: Fn() + Send + Sync> Unpark for F {
    #[inline]
    fn unpark(&self) {
        self()
    }
}

/// A run queue's [`Unpark`], fixed when the queue is made.
pub(crate) enum UnparkHook {
    /// Nobody to signal but (under `std`) the parked thread of `run`.
    None,
    /// A `'static` one: no heap.
    Static(&'static dyn Unpark),
    /// An owned one (e.g. holding an OS poller's handle).
    #[cfg(feature = "alloc")]
    Boxed(Box<dyn Unpark>),
}

impl UnparkHook {
    #[inline]
    pub(crate) fn unpark(&self) {
        match self {
            Self::None => {}
            Self::Static(u) => u.unpark(),
            #[cfg(feature = "alloc")]
            Self::Boxed(u) => u.unpark(),
        }
    }
}
