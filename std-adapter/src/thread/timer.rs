//! [`PeriodicTimer`]: recipe 12.2's Condition-based periodic timer. A timer thread
//! counts ticks under a [`Mutex`] and wakes every waiter on a [`Condvar`]; any
//! number of threads wait for ticks, each through its own [`TickListener`], which
//! remembers the last tick it saw, so a thread that was busy during a tick gets
//! that tick once, at once, and never twice.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::builder::{Builder, SpawnError};
use super::handle::JoinHandle;
use super::stop::StopSource;
use crate::sync::{Condvar, Mutex};

struct State {
    ticks: u64,
    stopped: bool,
}

struct Shared {
    state: Mutex<State>,
    ticked: Condvar,
    interval: Duration,
}

/// A thread that ticks every `interval`; threads wait for its ticks.
///
/// The book's version toggles a flag, so a waiter that was busy while the flag
/// flipped twice never notices. Here the ticks are counted, and each
/// [`TickListener`] delivers every tick it has not yet delivered *as one*: a slow
/// thread is told how many it [`missed`](Tick::missed) instead of being handed the
/// same tick again or a burst of stale ones.
///
/// Dropping the timer stops its thread (and waits the few microseconds that takes);
/// listeners that outlive it get [`TickError::Stopped`].
///
/// ```
/// use std::time::Duration;
/// use spindle_std::thread::{spawn, PeriodicTimer};
///
/// let timer = PeriodicTimer::start(Duration::from_millis(5)).unwrap();
/// // The book's countdown and countup, synchronised on the timer.
/// let mut down = timer.listener();
/// let countdown = spawn(move || {
///     let mut seen = Vec::new();
///     for _ in 0..3 {
///         seen.push(down.wait_for_tick().unwrap().number); // 'T-minus', n
///     }
///     seen
/// })
/// .unwrap();
/// let mut up = timer.listener();
/// let countup = spawn(move || (0..2).map(|_| up.wait_for_tick().unwrap().number).max())
///     .unwrap();
/// let seen = countdown.join().unwrap();
/// assert!(seen.windows(2).all(|w| w[0] < w[1])); // each tick at most once
/// assert!(countup.join().unwrap().is_some());
/// drop(timer); // stops the timer thread
/// ```
pub struct PeriodicTimer {
    shared: Arc<Shared>,
    stop: StopSource,
    thread: Option<JoinHandle<()>>,
}

impl PeriodicTimer {
    /// Starts a timer thread (named `spindle-timer`) that ticks every `interval`.
    /// Ticks do not drift: the `n`th is due `n * interval` after the start, and if
    /// the thread falls behind by whole intervals it skips them rather than
    /// ticking in a burst.
    pub fn start(interval: Duration) -> Result<Self, TimerError> {
        if interval.is_zero() {
            return Err(TimerError::ZeroInterval);
        }
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                ticks: 0,
                stopped: false,
            }),
            ticked: Condvar::new(),
            interval,
        });
        let stop = StopSource::new();
        let token = stop.token();
        let theirs = Arc::clone(&shared);
        let thread = Builder::new()
            .name("spindle-timer")
            .spawn(move || {
                let Some(mut next) = Instant::now().checked_add(interval) else {
                    // An interval too long to represent never ticks.
                    token.wait_blocking();
                    return;
                };
                while token.sleep_until(next).is_ok() {
                    theirs.state.with_lock(|s| s.ticks += 1);
                    theirs.ticked.notify_all();
                    let now = Instant::now();
                    next = match next.checked_add(interval) {
                        Some(due) if due > now => due,
                        // Behind by a whole interval or more: skip, don't burst.
                        _ => match now.checked_add(interval) {
                            Some(due) => due,
                            None => break,
                        },
                    };
                }
            })
            .map_err(TimerError::Spawn)?;
        Ok(Self {
            shared,
            stop,
            thread: Some(thread),
        })
    }

    /// The interval between ticks.
    pub fn interval(&self) -> Duration {
        self.shared.interval
    }

    /// How many ticks there have been so far (a snapshot).
    pub fn ticks(&self) -> u64 {
        self.shared.state.with_lock(|s| s.ticks)
    }

    /// A listener for the ticks after this moment; give one to each thread that
    /// waits on the timer.
    pub fn listener(&self) -> TickListener {
        TickListener {
            shared: Arc::clone(&self.shared),
            seen: self.ticks(),
        }
    }

    /// Waits for the next tick after this moment and returns its number: the
    /// book's `wait_for_tick()`, for a caller that keeps no [`TickListener`] (and so
    /// does not hear of ticks it was too busy to wait for).
    ///
    /// ```
    /// use std::time::Duration;
    /// let timer = spindle_std::thread::PeriodicTimer::start(Duration::from_millis(2)).unwrap();
    /// let a = timer.wait_for_tick();
    /// let b = timer.wait_for_tick();
    /// assert!(b > a);
    /// ```
    pub fn wait_for_tick(&self) -> u64 {
        let mut listener = self.listener();
        match listener.wait_for_tick() {
            Ok(tick) => tick.number,
            // Unreachable while `self` lives: only dropping the timer stops it.
            Err(_) => listener.seen,
        }
    }
}

impl Drop for PeriodicTimer {
    fn drop(&mut self) {
        self.stop.stop();
        self.shared.state.with_lock(|s| s.stopped = true);
        self.shared.ticked.notify_all();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl fmt::Debug for PeriodicTimer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PeriodicTimer")
            .field("interval", &self.shared.interval)
            .field("ticks", &self.ticks())
            .finish()
    }
}

/// One waiter's view of a [`PeriodicTimer`]: it remembers the last tick it
/// delivered. Cloning copies that memory.
///
/// ```
/// use std::time::Duration;
/// use spindle_std::thread::PeriodicTimer;
///
/// let timer = PeriodicTimer::start(Duration::from_millis(2)).unwrap();
/// let mut ticks = timer.listener();
/// let first = ticks.wait_for_tick().unwrap();
/// std::thread::sleep(Duration::from_millis(10)); // busy through several ticks
/// let next = ticks.wait_for_tick().unwrap();     // returns at once
/// assert!(next.number > first.number);
/// assert_eq!(next.missed, next.number - first.number - 1);
/// ```
#[derive(Clone)]
pub struct TickListener {
    shared: Arc<Shared>,
    seen: u64,
}

impl TickListener {
    /// Waits until there is a tick this listener has not delivered, and delivers
    /// it (with the count of earlier undelivered ones as [`Tick::missed`]).
    /// [`TickError::Stopped`] once the timer is dropped and every tick delivered.
    pub fn wait_for_tick(&mut self) -> Result<Tick, TickError> {
        let seen = self.seen;
        let guard = self
            .shared
            .ticked
            .wait_until_blocking(self.shared.state.lock_blocking(), |s| {
                s.ticks > seen || s.stopped
            });
        let ticks = guard.ticks;
        drop(guard);
        self.deliver(ticks)
    }

    /// [`wait_for_tick`](Self::wait_for_tick) for at most `timeout`
    /// ([`TickError::TimedOut`] after that).
    pub fn wait_for_tick_timeout(&mut self, timeout: Duration) -> Result<Tick, TickError> {
        let seen = self.seen;
        let (guard, res) = self.shared.ticked.wait_until_timeout(
            self.shared.state.lock_blocking(),
            |s| s.ticks > seen || s.stopped,
            timeout,
        );
        let ticks = guard.ticks;
        drop(guard);
        match res {
            Ok(()) => self.deliver(ticks),
            Err(_) => Err(TickError::TimedOut),
        }
    }

    /// The undelivered tick, if there is one now; never waits
    /// ([`TickError::NotYet`] otherwise).
    pub fn try_tick(&mut self) -> Result<Tick, TickError> {
        let (ticks, stopped) = self.shared.state.with_lock(|s| (s.ticks, s.stopped));
        if ticks > self.seen || stopped {
            self.deliver(ticks)
        } else {
            Err(TickError::NotYet)
        }
    }

    /// [`wait_for_tick`](Self::wait_for_tick) as a future.
    pub async fn tick(&mut self) -> Result<Tick, TickError> {
        let seen = self.seen;
        let guard = self.shared.state.lock().await;
        let guard = self
            .shared
            .ticked
            .wait_until(guard, |s| s.ticks > seen || s.stopped)
            .await;
        let ticks = guard.ticks;
        drop(guard);
        self.deliver(ticks)
    }

    /// The number of the last tick this listener delivered (or the timer's count
    /// when the listener was made).
    pub fn last_seen(&self) -> u64 {
        self.seen
    }

    fn deliver(&mut self, ticks: u64) -> Result<Tick, TickError> {
        if ticks > self.seen {
            let tick = Tick {
                number: ticks,
                missed: ticks - self.seen - 1,
            };
            self.seen = ticks;
            Ok(tick)
        } else {
            Err(TickError::Stopped)
        }
    }
}

impl fmt::Debug for TickListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TickListener")
            .field("last_seen", &self.seen)
            .finish()
    }
}

/// A tick delivered by a [`TickListener`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tick {
    /// The tick's number: the first tick is 1.
    pub number: u64,
    /// How many ticks came and went since the listener's previous delivery without
    /// being delivered (the listener was busy); they are not delivered later.
    pub missed: u64,
}

/// Waiting for a tick did not produce one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TickError {
    /// The timer was dropped; no tick will come.
    Stopped,
    /// The timeout elapsed first.
    TimedOut,
    /// [`TickListener::try_tick`] found no undelivered tick.
    NotYet,
}

impl fmt::Display for TickError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TickError::Stopped => "the timer has stopped",
            TickError::TimedOut => "timed out waiting for a tick",
            TickError::NotYet => "no tick yet",
        })
    }
}

impl std::error::Error for TickError {}

/// A [`PeriodicTimer`] could not start.
#[derive(Debug)]
#[non_exhaustive]
pub enum TimerError {
    /// The interval was zero: the timer would tick without pause.
    ZeroInterval,
    /// The timer thread could not be started.
    Spawn(SpawnError),
}

impl fmt::Display for TimerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TimerError::ZeroInterval => f.write_str("a periodic timer needs a non-zero interval"),
            TimerError::Spawn(e) => write!(f, "the timer thread did not start: {e}"),
        }
    }
}

impl std::error::Error for TimerError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            TimerError::Spawn(e) => Some(e),
            TimerError::ZeroInterval => None,
        }
    }
}
