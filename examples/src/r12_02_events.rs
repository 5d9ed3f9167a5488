//! Recipe 12.2, "knowing when a thread has started": an [`Event`] that a thread sets
//! once it runs, a [`Semaphore`] with no permits that releases waiting workers one at
//! a time, an `Event` wait that times out, and a [`Condvar`] that the main thread
//! waits on until the workers' log shows what it expects, and the book's
//! Condition-based [`PeriodicTimer`], with a countdown and a countup thread
//! synchronised on its ticks and a slow thread that is told what it missed.

use std::io::{self, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use spindle_std::sync::{Condvar, Event, Mutex, Semaphore, WaitGroup};
use spindle_std::thread::{Builder, PeriodicTimer, TickListener};

use crate::{failed, join, ms, write_heading};

/// The book's recipe number.
pub const ID: &str = "12.2";
/// The module and example name.
pub const NAME: &str = "r12_02_events";
/// The section title.
pub const TITLE: &str = "Events: knowing when a thread has started";

/// How long the demo waits for anything that should happen at once before calling
/// it a failure (never reached when things work).
const PATIENCE: Duration = Duration::from_secs(5);

/// Runs the recipe's demos and writes the section to `out`.
///
/// ```
/// let mut out = Vec::new();
/// spindle_cookbook::r12_02_events::run(&mut out).unwrap();
/// assert!(String::from_utf8(out).unwrap().contains("countdown is running"));
/// ```
pub fn run(out: &mut dyn Write) -> io::Result<()> {
    write_heading(out, ID, TITLE)?;
    countdown(out)?;
    started_helper(out)?;
    semaphore_workers(out)?;
    event_wakes_everyone(out)?;
    wait_with_timeout(out)?;
    periodic_timer(out)?;
    Ok(())
}

/// The book's countdown: the thread sets `started` as its first act, and the main
/// thread waits on it before saying "countdown is running".
fn countdown(out: &mut dyn Write) -> io::Result<()> {
    let started = Event::new();
    let log: Mutex<Vec<String>> = Mutex::new(Vec::new());
    let t0 = Instant::now();
    let waited = thread::scope(|s| {
        let t = s.spawn(|| {
            log.with_lock(|l| l.push("countdown thread: countdown starting".into()));
            started.set();
            for n in (1..=3).rev() {
                log.with_lock(|l| l.push(format!("countdown thread: T-minus {n}")));
                thread::sleep(Duration::from_millis(2));
            }
        });
        let wait_start = Instant::now();
        let waited = started
            .wait_timeout(PATIENCE)
            .map(|()| wait_start.elapsed())
            .map_err(|e| failed(format!("the countdown never started: {e}")));
        if waited.is_ok() {
            log.with_lock(|l| l.push("main thread: countdown is running".into()));
        }
        join(t, "countdown")?;
        waited
    })?;
    let total = t0.elapsed();
    let log = log.into_inner();
    let pos = |needle: &str| log.iter().position(|l| l.ends_with(needle));
    match (pos("countdown starting"), pos("countdown is running")) {
        (Some(a), Some(b)) if a < b => {}
        _ => {
            return Err(failed(
                "\"countdown is running\" came before the thread started",
            ))
        }
    }
    writeln!(
        out,
        "Event: main waited {} for the countdown's started event; the log:",
        ms(waited)
    )?;
    for line in &log {
        writeln!(out, "  {line}")?;
    }
    writeln!(
        out,
        "  (\"countdown starting\" always precedes \"countdown is running\"; whole run {})",
        ms(total)
    )
}

/// The same pattern as a helper: `Builder::spawn_started` hands the thread its
/// started signal, and the handle waits on it.
fn started_helper(out: &mut dyn Write) -> io::Result<()> {
    let log: Arc<Mutex<Vec<&str>>> = Arc::new(Mutex::new(Vec::new()));
    let l = Arc::clone(&log);
    let t = Builder::new()
        .name("countdown")
        .spawn_started(move |started| {
            l.with_lock(|l| l.push("countdown starting"));
            started.set(); // started_evt.set()
            thread::sleep(Duration::from_millis(1));
            l.with_lock(|l| l.push("T-minus 1"));
        })
        .map_err(|e| failed(format!("could not start the countdown: {e}")))?;
    t.wait_started_timeout(PATIENCE)
        .map_err(|e| failed(format!("the countdown never started: {e}")))?;
    log.with_lock(|l| l.push("countdown is running"));
    t.join().map_err(|e| failed(format!("countdown: {e}")))?;
    let log = log.with_lock(|l| l.clone());
    if log.first() != Some(&"countdown starting") {
        return Err(failed(format!("out of order: {log:?}")));
    }
    writeln!(
        out,
        "Builder::spawn_started + JoinHandle::wait_started: \"countdown starting\" came first, as always"
    )
}

/// The book's workers on `Semaphore(0)`: all wait, and each release lets exactly one
/// through. The main thread waits on a `Condvar` until the released worker has
/// reported, then checks that nobody else slipped through.
fn semaphore_workers(out: &mut dyn Write) -> io::Result<()> {
    const WORKERS: usize = 5;
    let sema = Semaphore::new(0);
    let worked: Mutex<Vec<usize>> = Mutex::new(Vec::new());
    let reported = Condvar::new();

    let order = thread::scope(|s| -> io::Result<Vec<usize>> {
        let handles: Vec<_> = (0..WORKERS)
            .map(|n| {
                let (sema, worked, reported) = (&sema, &worked, &reported);
                s.spawn(move || {
                    // Python's `sema.acquire()` with no release: keep the permit.
                    // (This semaphore is never closed, so the acquire always succeeds.)
                    if let Ok(permit) = sema.acquire_blocking() {
                        permit.forget();
                    }
                    worked.with_lock(|w| w.push(n)); // "Working n"
                    reported.notify_all();
                })
            })
            .collect();

        let result = release_one_at_a_time(&sema, &worked, &reported, WORKERS);
        if result.is_err() {
            // Let every worker finish so the scope can end.
            let _ = sema.add_permits(WORKERS);
        }
        for h in handles {
            join(h, "worker")?;
        }
        result
    })?;

    writeln!(
        out,
        "Semaphore(0): {WORKERS} workers waited; {WORKERS} single releases let them through one at a time:"
    )?;
    let steps: Vec<String> = order
        .iter()
        .enumerate()
        .map(|(i, n)| format!("release {} -> Working {n}", i + 1))
        .collect();
    writeln!(out, "  {}", steps.join(", "))?;
    writeln!(
        out,
        "  each release woke exactly one worker (main waited on a Condvar for each report); \
         the semaphore is FIFO among its waiters, and the worker numbers follow the order \
         the threads happened to reach acquire(), which the OS decides (it need not be 0..{WORKERS})"
    )
}

fn release_one_at_a_time(
    sema: &Semaphore,
    worked: &Mutex<Vec<usize>>,
    reported: &Condvar,
    workers: usize,
) -> io::Result<Vec<usize>> {
    // Give the workers a moment to block, so the releases are what lets them run.
    thread::sleep(Duration::from_millis(5));
    for k in 1..=workers {
        sema.add_permits(1)
            .map_err(|e| failed(format!("release failed: {e}")))?;
        let (guard, res) =
            reported.wait_until_timeout(worked.lock_blocking(), |w| w.len() >= k, PATIENCE);
        drop(guard);
        res.map_err(|e| failed(format!("no worker reported after release {k}: {e}")))?;
        // Nobody else may run on this one permit.
        thread::sleep(Duration::from_millis(1));
        let ran = worked.with_lock(|w| w.len());
        if ran != k {
            return Err(failed(format!(
                "{ran} workers ran after {k} releases of Semaphore(0)"
            )));
        }
    }
    Ok(worked.with_lock(|w| w.clone()))
}

/// Unlike a semaphore release, setting an event wakes every waiter.
fn event_wakes_everyone(out: &mut dyn Write) -> io::Result<()> {
    const WAITERS: usize = 4;
    let go = Event::new();
    let finished = WaitGroup::new();
    finished
        .add(WAITERS)
        .map_err(|e| failed(format!("wait group: {e}")))?;
    let woke = AtomicUsize::new(0);
    let elapsed = thread::scope(|s| -> io::Result<Duration> {
        let handles: Vec<_> = (0..WAITERS)
            .map(|_| {
                s.spawn(|| {
                    let ok = go.wait_timeout(PATIENCE).is_ok();
                    if ok {
                        woke.fetch_add(1, Ordering::Relaxed);
                    }
                    let _ = finished.done();
                })
            })
            .collect();
        thread::sleep(Duration::from_millis(2));
        let t0 = Instant::now();
        go.set();
        let all = finished.wait_timeout(PATIENCE);
        let elapsed = t0.elapsed();
        for h in handles {
            join(h, "event waiter")?;
        }
        all.map_err(|e| failed(format!("not every waiter woke: {e}")))?;
        Ok(elapsed)
    })?;
    let woke = woke.into_inner();
    if woke != WAITERS {
        return Err(failed(format!(
            "one set() woke {woke} of {WAITERS} waiters"
        )));
    }
    writeln!(
        out,
        "Event.set(): one set woke all {woke} waiting threads ({} until the WaitGroup saw them all)",
        ms(elapsed)
    )
}

/// `wait(timeout)` on an event nobody sets returns `False` in Python: here an error.
fn wait_with_timeout(out: &mut dyn Write) -> io::Result<()> {
    let never = Event::new();
    let timeout = Duration::from_millis(20);
    let t0 = Instant::now();
    let res = never.wait_timeout(timeout);
    let elapsed = t0.elapsed();
    match res {
        Err(e) => writeln!(
            out,
            "Event.wait(timeout={}) on an unset event: {e} after {}",
            ms(timeout),
            ms(elapsed)
        )?,
        Ok(()) => return Err(failed("an event nobody set was reported set")),
    }
    if elapsed < timeout {
        return Err(failed(format!(
            "the wait gave up early, after {}",
            ms(elapsed)
        )));
    }
    never.set();
    let t0 = Instant::now();
    never
        .wait_timeout(timeout)
        .map_err(|e| failed(format!("a set event timed out: {e}")))?;
    writeln!(
        out,
        "after set(), the same wait returns at once ({})",
        ms(t0.elapsed())
    )
}

/// The book's `PeriodicTimer`: a timer thread counts ticks under a `Mutex` and
/// `notify_all`s a `Condvar`; countdown and countup wait for ticks through their
/// own `TickListener`s. A third thread, busy through several ticks, gets the
/// pending tick once, with the rest reported as missed, not replayed.
fn periodic_timer(out: &mut dyn Write) -> io::Result<()> {
    let interval = Duration::from_millis(5);
    let timer = PeriodicTimer::start(interval).map_err(|e| failed(format!("timer: {e}")))?;
    let log: Arc<Mutex<Vec<String>>> = Arc::new(Mutex::new(Vec::new()));

    let spawn_counter = |name: &str, ticks: TickListener, lines: Vec<String>| {
        let log = Arc::clone(&log);
        let mut ticks = ticks;
        Builder::new()
            .name(name)
            .spawn(move || {
                for line in lines {
                    let tick = ticks
                        .wait_for_tick_timeout(PATIENCE)
                        .map_err(|e| e.to_string())?;
                    log.with_lock(|l| l.push(format!("tick {}: {line}", tick.number)));
                }
                Ok::<(), String>(())
            })
            .map_err(|e| failed(format!("could not start {name}: {e}")))
    };
    // countdown(3) and countup(2), synchronised on the same ticks.
    let down = spawn_counter(
        "countdown",
        timer.listener(),
        (1..=3).rev().map(|n| format!("T-minus {n}")).collect(),
    )?;
    let up = spawn_counter(
        "countup",
        timer.listener(),
        (0..2).map(|n| format!("Counting {n}")).collect(),
    )?;
    for (h, what) in [(down, "countdown"), (up, "countup")] {
        h.join()
            .map_err(|e| failed(format!("{what}: {e}")))?
            .map_err(|e| failed(format!("{what}: {e}")))?;
    }

    // A slow thread: busy through several ticks, then asks again.
    let mut slow = timer.listener();
    let first = slow
        .wait_for_tick_timeout(PATIENCE)
        .map_err(|e| failed(format!("slow listener: {e}")))?;
    let t0 = Instant::now();
    while timer.ticks() < first.number + 3 {
        if t0.elapsed() > PATIENCE {
            return Err(failed("the timer stopped ticking"));
        }
        thread::sleep(Duration::from_millis(1));
    }
    let late = slow
        .wait_for_tick_timeout(PATIENCE)
        .map_err(|e| failed(format!("slow listener: {e}")))?;
    let again = slow.try_tick();
    if again.is_ok_and(|t| t.number <= late.number) {
        return Err(failed("a tick was delivered twice"));
    }
    drop(timer); // stops the timer thread
    let after_drop = slow.wait_for_tick_timeout(PATIENCE);

    let log = log.with_lock(|l| l.clone());
    writeln!(
        out,
        "PeriodicTimer({}): countdown and countup wait for the same ticks (Condvar under the hood):",
        ms(interval)
    )?;
    let numbers = |prefix: &str| -> Vec<&str> {
        log.iter()
            .filter(|l| l.contains(prefix))
            .map(|l| l.as_str())
            .collect()
    };
    writeln!(out, "  countdown: {}", numbers("T-minus").join(", "))?;
    writeln!(out, "  countup:   {}", numbers("Counting").join(", "))?;
    writeln!(
        out,
        "  a slow thread saw tick {}, was busy, then got tick {} at once ({} missed, none delivered twice)",
        first.number, late.number, late.missed
    )?;
    match after_drop {
        Err(e) => writeln!(out, "  after the timer is dropped, waiting reports: {e}"),
        Ok(t) => Err(failed(format!("tick {} after the timer stopped", t.number))),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn run_reports_the_key_facts() {
        let mut out = Vec::new();
        super::run(&mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with("== 12.2 Events: knowing when a thread has started ==\n"));
        let start = text.find("countdown starting").unwrap();
        let running = text.find("countdown is running").unwrap();
        assert!(start < running);
        assert!(text.contains("spawn_started + JoinHandle::wait_started"));
        assert!(text.contains("release 5 -> Working"));
        assert!(text.contains("woke all 4 waiting threads"));
        assert!(text.contains("timed out after"));
        assert!(text.contains("countdown: tick"));
        assert!(text.contains("T-minus 1") && text.contains("Counting 1"));
        assert!(text.contains("none delivered twice"));
        assert!(text.contains("the timer has stopped"));
    }
}
