//! [`yield_now`]: the `yield` of the book's generators.

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

/// Gives the other ready tasks a turn: the task wakes itself and returns `Pending`
/// once, so the scheduler queues it behind every task that is already ready (the
/// book's `yield` inside a generator run by its `TaskScheduler`).
///
/// ```
/// use core::pin::pin;
/// use spindle_core::sched::{yield_now, RunQueue, Scheduler, Task};
///
/// static READY: RunQueue<1> = RunQueue::new();
/// let sched = Scheduler::with_run_queue(&READY).unwrap();
/// let t = pin!(Task::new(async {
///     let mut turns = 0;
///     for _ in 0..3 {
///         yield_now().await;
///         turns += 1;
///     }
///     turns
/// }));
/// let mut h = sched.spawn(t).unwrap();
/// sched.run_with(|| {});
/// assert_eq!(h.try_take(), Some(3));
/// ```
pub fn yield_now() -> YieldNow {
    YieldNow { yielded: false }
}

/// The future of [`yield_now`].
#[derive(Debug)]
#[must_use = "futures do nothing unless awaited"]
pub struct YieldNow {
    yielded: bool,
}

impl Future for YieldNow {
    type Output = ();

    #[inline]
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            return Poll::Ready(());
        }
        self.yielded = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}
