//! Time for the reactor's tasks: [`Sleep`] ([`Reactor::sleep`],
//! [`Reactor::sleep_until`]) and [`Reactor::timeout`]. Timers live in the reactor,
//! which sleeps in the OS poll exactly until the earliest one is due; timers due at
//! the same instant fire in the order they were set.

use std::fmt;
use std::future::{poll_fn, Future};
use std::pin::{pin, Pin};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use super::error::Elapsed;
use super::reactor::Reactor;

/// A future that completes at a deadline: [`Reactor::sleep`]. Dropping it cancels
/// the timer.
///
/// ```
/// use std::time::Duration;
/// use spindle_core::sched::Scheduler;
/// use spindle_std::io::Reactor;
///
/// let reactor = Reactor::new().unwrap();
/// let sched: Scheduler<1> = Scheduler::new();
/// let r = reactor.clone();
/// sched.spawn_boxed(async move { r.sleep(Duration::from_millis(2)).await }).unwrap();
/// reactor.run(&sched);
/// assert_eq!(reactor.pending(), (0, 0));
/// ```
#[must_use = "a Sleep does nothing unless awaited"]
pub struct Sleep {
    reactor: Reactor,
    deadline: Instant,
    timer: Option<(Instant, u64)>,
}

impl Sleep {
    /// When it completes.
    ///
    /// ```
    /// # use std::time::{Duration, Instant};
    /// let reactor = spindle_std::io::Reactor::new().unwrap();
    /// let at = Instant::now() + Duration::from_secs(1);
    /// assert_eq!(reactor.sleep_until(at).deadline(), at);
    /// ```
    pub fn deadline(&self) -> Instant {
        self.deadline
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if Instant::now() >= self.deadline {
            if let Some(timer) = self.timer.take() {
                self.reactor.remove_timer(timer);
            }
            return Poll::Ready(());
        }
        match self.timer {
            Some(timer) if self.reactor.update_timer(timer, cx.waker()) => {}
            _ => {
                // First poll, or the timer fired a hair early (the poll's clock
                // granularity): set it again.
                let timer = self.reactor.add_timer(self.deadline, cx.waker().clone());
                self.timer = Some(timer);
            }
        }
        Poll::Pending
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        if let Some(timer) = self.timer.take() {
            self.reactor.remove_timer(timer);
        }
    }
}

impl fmt::Debug for Sleep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sleep")
            .field("deadline", &self.deadline)
            .finish_non_exhaustive()
    }
}

impl Reactor {
    /// Completes after `duration` (Python's `time.sleep` for a task: other tasks
    /// run meanwhile). A duration too large for the clock sleeps "forever" (about
    /// a century).
    ///
    /// ```
    /// # use std::time::Duration;
    /// let reactor = spindle_std::io::Reactor::new().unwrap();
    /// let nap = reactor.sleep(Duration::from_millis(5));
    /// # drop(nap);
    /// ```
    pub fn sleep(&self, duration: Duration) -> Sleep {
        let now = Instant::now();
        let deadline = now
            .checked_add(duration)
            .or_else(|| now.checked_add(Duration::from_secs(100 * 365 * 86_400)))
            .unwrap_or(now);
        self.sleep_until(deadline)
    }

    /// Completes at `deadline` (at once if it has passed).
    ///
    /// ```
    /// # use std::time::Instant;
    /// let reactor = spindle_std::io::Reactor::new().unwrap();
    /// let now = reactor.sleep_until(Instant::now());
    /// # drop(now);
    /// ```
    pub fn sleep_until(&self, deadline: Instant) -> Sleep {
        Sleep {
            reactor: self.clone(),
            deadline,
            timer: None,
        }
    }

    /// Runs `future` for at most `duration`: its output, or [`Elapsed`] (and the
    /// future is dropped) if the time ran out first. A future that is ready at
    /// once wins even against a zero duration.
    ///
    /// ```
    /// use std::time::Duration;
    /// use spindle_core::sched::Scheduler;
    /// use spindle_std::io::{Elapsed, Reactor};
    ///
    /// let reactor = Reactor::new().unwrap();
    /// let sched: Scheduler<1> = Scheduler::new();
    /// let r = reactor.clone();
    /// let out = std::rc::Rc::new(std::cell::Cell::new(None));
    /// let o = out.clone();
    /// sched.spawn_boxed(async move {
    ///     let slow = r.sleep(Duration::from_secs(3600));
    ///     o.set(Some(r.timeout(Duration::from_millis(1), slow).await));
    /// }).unwrap();
    /// reactor.run(&sched);
    /// assert_eq!(out.get(), Some(Err(Elapsed)));
    /// ```
    pub async fn timeout<F: Future>(
        &self,
        duration: Duration,
        future: F,
    ) -> Result<F::Output, Elapsed> {
        let mut future = pin!(future);
        let mut timer = self.sleep(duration);
        poll_fn(|cx| {
            if let Poll::Ready(out) = future.as_mut().poll(cx) {
                return Poll::Ready(Ok(out));
            }
            Pin::new(&mut timer).poll(cx).map(|()| Err(Elapsed))
        })
        .await
    }
}
