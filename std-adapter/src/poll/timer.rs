//! [`Timer`]: one-shot and periodic timers a [`Selector`](super::Selector) waits on
//! next to its descriptors. They live in the selector's table, not in the kernel:
//! the selector sleeps in the OS poll until the earliest deadline.

use std::time::{Duration, Instant};

/// When a timer source fires.
///
/// ```
/// use std::time::Duration;
/// use spindle_std::poll::{Selector, Timer};
///
/// let selector = Selector::new()?;
/// selector.register_timer("tick", Timer::every(Duration::from_millis(5)))?;
/// let mut ready = Vec::new();
/// selector.wait(&mut ready, None)?;
/// assert_eq!(ready[0].key, "tick");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timer {
    after: Duration,
    period: Option<Duration>,
}

impl Timer {
    /// Fires once, `after` from registration; then the key is free again.
    pub fn once(after: Duration) -> Self {
        Self {
            after,
            period: None,
        }
    }

    /// Fires every `period`, the first time one period after registration. A
    /// waiter that falls behind sees one firing for the ticks it missed (they
    /// coalesce, as a readable descriptor would). A zero period counts as 1 ms.
    pub fn every(period: Duration) -> Self {
        Self {
            after: period,
            period: Some(period.max(Duration::from_millis(1))),
        }
    }
}

/// A registered timer: its next deadline and period.
#[derive(Debug)]
pub(super) struct Armed {
    pub(super) deadline: Instant,
    period: Option<Duration>,
}

impl Armed {
    pub(super) fn start(timer: Timer, now: Instant) -> Self {
        Self {
            deadline: now + timer.after,
            period: timer.period,
        }
    }

    /// Fires if due at `now`: `Some(true)` if it stays armed (periodic, moved to
    /// its next deadline after `now`), `Some(false)` if it is spent, `None` if not
    /// due yet.
    pub(super) fn fire(&mut self, now: Instant) -> Option<bool> {
        if self.deadline > now {
            return None;
        }
        match self.period {
            None => Some(false),
            Some(period) => {
                self.deadline += period;
                if self.deadline <= now {
                    self.deadline = now + period;
                }
                Some(true)
            }
        }
    }
}
