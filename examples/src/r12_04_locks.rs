//! Recipe 12.4, "locking critical sections": the book's `SharedCounter` guarded by a
//! [`Mutex`] (Python's `Lock` in a `with` block), its `RLock` variant on a
//! [`ReentrantMutex`] whose `decr` calls `incr` while holding the lock, a
//! [`Semaphore`] that limits how many "fetches" run at once, and a
//! [`BoundedSemaphore`] refusing a release it never handed out.

use std::cell::Cell;
use std::io::{self, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use spindle_std::sync::{BoundedSemaphore, Mutex, ReentrantMutex, Semaphore};

use crate::{failed, join, ms, write_heading};

/// The book's recipe number.
pub const ID: &str = "12.4";
/// The module and example name.
pub const NAME: &str = "r12_04_locks";
/// The section title.
pub const TITLE: &str = "Locks: guarding critical sections";

/// Threads that increment, threads that decrement, and how often each does.
const INCR_THREADS: i64 = 4;
const DECR_THREADS: i64 = 2;
const OPS: i64 = 20_000;
const DECR_BY: i64 = 1;
/// What the counters must hold after the workload.
const EXPECTED: i64 = INCR_THREADS * OPS - DECR_THREADS * OPS * DECR_BY;

/// The book's `SharedCounter`: the value lives inside the lock, so it cannot be
/// touched without holding it.
///
/// ```
/// use spindle_cookbook::r12_04_locks::SharedCounter;
///
/// let c = SharedCounter::new(10);
/// c.incr(5);
/// c.decr(3);
/// assert_eq!(c.value(), 12);
/// ```
#[derive(Debug, Default)]
pub struct SharedCounter {
    value: Mutex<i64>,
}

impl SharedCounter {
    /// A counter starting at `initial`.
    pub const fn new(initial: i64) -> Self {
        Self {
            value: Mutex::new(initial),
        }
    }

    /// Adds `delta` with the lock held (Python: `with self._value_lock:`).
    pub fn incr(&self, delta: i64) {
        *self.value.lock_blocking() += delta;
    }

    /// Subtracts `delta` with the lock held.
    pub fn decr(&self, delta: i64) {
        self.value.with_lock(|v| *v -= delta);
    }

    /// The current value.
    pub fn value(&self) -> i64 {
        self.value.with_lock(|v| *v)
    }
}

/// The book's `RLock` variant: `decr` takes the lock and then calls `incr`, which
/// takes it again. A [`ReentrantMutex`] lets its owner do that; its guard gives
/// shared access, so the value sits in a `Cell`.
///
/// ```
/// use spindle_cookbook::r12_04_locks::ReentrantCounter;
///
/// let c = ReentrantCounter::new(0);
/// c.incr(5);
/// c.decr(2); // locks, then calls incr(-2), which locks again
/// assert_eq!(c.value(), 3);
/// ```
#[derive(Debug)]
pub struct ReentrantCounter {
    lock: ReentrantMutex<Cell<i64>>,
}

impl ReentrantCounter {
    /// A counter starting at `initial`.
    pub const fn new(initial: i64) -> Self {
        Self {
            lock: ReentrantMutex::new(Cell::new(initial)),
        }
    }

    /// Adds `delta` with the lock held.
    pub fn incr(&self, delta: i64) {
        let v = self.lock.lock_blocking();
        v.set(v.get() + delta);
    }

    /// Holds the lock and calls [`incr`](Self::incr) with `-delta`, re-entering it.
    pub fn decr(&self, delta: i64) {
        let _held = self.lock.lock_blocking();
        self.incr(-delta);
    }

    /// The current value.
    pub fn value(&self) -> i64 {
        self.lock.lock_blocking().get()
    }
}

impl Default for ReentrantCounter {
    fn default() -> Self {
        Self::new(0)
    }
}

/// Runs the recipe's demos and writes the section to `out`.
///
/// ```
/// let mut out = Vec::new();
/// spindle_cookbook::r12_04_locks::run(&mut out).unwrap();
/// assert!(String::from_utf8(out).unwrap().contains("observed maximum concurrency"));
/// ```
pub fn run(out: &mut dyn Write) -> io::Result<()> {
    write_heading(out, ID, TITLE)?;
    shared_counter(out)?;
    reentrant_counter(out)?;
    limited_fetches(out)?;
    bounded_release(out)?;
    Ok(())
}

/// Runs the incr/decr workload on `incr` and `decr` from several threads at once.
fn hammer(incr: &(dyn Fn(i64) + Sync), decr: &(dyn Fn(i64) + Sync)) -> io::Result<Duration> {
    let t0 = Instant::now();
    thread::scope(|s| {
        let mut handles = Vec::new();
        for _ in 0..INCR_THREADS {
            handles.push(s.spawn(|| (0..OPS).for_each(|_| incr(1))));
        }
        for _ in 0..DECR_THREADS {
            handles.push(s.spawn(|| (0..OPS).for_each(|_| decr(DECR_BY))));
        }
        handles.into_iter().try_for_each(|h| join(h, "counter"))
    })?;
    Ok(t0.elapsed())
}

fn workload() -> String {
    format!(
        "{INCR_THREADS} threads x {OPS} incr(1) and {DECR_THREADS} threads x {OPS} decr({DECR_BY})"
    )
}

fn check(what: &str, got: i64) -> io::Result<()> {
    if got == EXPECTED {
        Ok(())
    } else {
        Err(failed(format!(
            "{what} ended at {got}, expected {EXPECTED}: a lost update"
        )))
    }
}

fn shared_counter(out: &mut dyn Write) -> io::Result<()> {
    let counter = SharedCounter::new(0);
    let took = hammer(&|d| counter.incr(d), &|d| counter.decr(d))?;
    let value = counter.value();
    check("the Mutex counter", value)?;
    writeln!(
        out,
        "Lock: SharedCounter on a Mutex, {}: final value {value} (expected {EXPECTED}) in {}",
        workload(),
        ms(took)
    )
}

fn reentrant_counter(out: &mut dyn Write) -> io::Result<()> {
    let counter = ReentrantCounter::new(0);
    let took = hammer(&|d| counter.incr(d), &|d| counter.decr(d))?;
    let value = counter.value();
    check("the ReentrantMutex counter", value)?;
    writeln!(
        out,
        "RLock: ReentrantMutex counter whose decr re-enters via incr, same workload: final value {value} (expected {EXPECTED}) in {}",
        ms(took)
    )?;
    writeln!(
        out,
        "  {} re-entrant acquisitions by lock holders, none deadlocked",
        DECR_THREADS * OPS
    )
}

/// The book's `fetch_url` behind a semaphore: 10 fetches, at most 3 at once.
fn limited_fetches(out: &mut dyn Write) -> io::Result<()> {
    const FETCHES: usize = 10;
    const LIMIT: usize = 3;
    let sema = Semaphore::new(LIMIT);
    let active = AtomicUsize::new(0);
    let max_seen = AtomicUsize::new(0);
    let t0 = Instant::now();
    thread::scope(|s| {
        let handles: Vec<_> = (0..FETCHES)
            .map(|_| {
                s.spawn(|| {
                    let _permit = sema.acquire_blocking(); // `with _fetch_url_sema:` (never closed)
                    let now = active.fetch_add(1, Ordering::SeqCst) + 1;
                    max_seen.fetch_max(now, Ordering::SeqCst);
                    thread::sleep(Duration::from_millis(8)); // the "download"
                    active.fetch_sub(1, Ordering::SeqCst);
                })
            })
            .collect();
        handles.into_iter().try_for_each(|h| join(h, "fetch"))
    })?;
    let took = t0.elapsed();
    let max_seen = max_seen.into_inner();
    if max_seen > LIMIT {
        return Err(failed(format!(
            "{max_seen} fetches ran at once behind Semaphore({LIMIT})"
        )));
    }
    writeln!(
        out,
        "Semaphore({LIMIT}): {FETCHES} fetches of 8 ms each; observed maximum concurrency {max_seen} (limit {LIMIT}), all done in {}",
        ms(took)
    )?;
    writeln!(
        out,
        "  permits free afterwards: {} of {LIMIT}",
        sema.available_permits()
    )
}

/// A bounded semaphore refuses a release it never handed out (Python raises
/// `ValueError`); a plain one accepts it and grows.
fn bounded_release(out: &mut dyn Write) -> io::Result<()> {
    let bounded = BoundedSemaphore::new(2);
    for _ in 0..2 {
        bounded
            .try_acquire()
            .map_err(|e| failed(format!("bounded acquire: {e}")))?
            .forget(); // Python: sema.acquire()
    }
    for _ in 0..2 {
        bounded
            .release()
            .map_err(|e| failed(format!("a matched release was refused: {e}")))?;
    }
    match bounded.release() {
        Err(e) => writeln!(
            out,
            "BoundedSemaphore(2): 2 acquires, 2 releases ok; the 3rd release is refused: {e}"
        )?,
        Ok(()) => return Err(failed("a BoundedSemaphore accepted an extra release")),
    }
    let plain = Semaphore::new(2);
    plain
        .add_permits(1)
        .map_err(|e| failed(format!("plain release: {e}")))?;
    writeln!(
        out,
        "  a plain Semaphore(2) takes the same extra release: {} permits free now",
        plain.available_permits()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_agree_single_threaded() {
        let a = SharedCounter::new(1);
        let b = ReentrantCounter::new(1);
        a.incr(4);
        b.incr(4);
        a.decr(2);
        b.decr(2);
        assert_eq!((a.value(), b.value()), (3, 3));
    }

    #[test]
    fn run_reports_the_key_facts() {
        let mut out = Vec::new();
        run(&mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with("== 12.4 Locks: guarding critical sections ==\n"));
        assert_eq!(
            text.matches(&format!("final value {EXPECTED} (expected {EXPECTED})"))
                .count(),
            2
        );
        assert!(text.contains("(limit 3)"));
        assert!(text.contains("released more times than acquired (maximum 2 permits)"));
        assert!(text.contains("3 permits free now"));
    }
}
