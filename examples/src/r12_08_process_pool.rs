//! Recipe 12.8, "simple parallel programming": the book's `ProcessPoolExecutor`
//! with `submit`, `map` and `add_done_callback`, on a
//! [`ProcessPool`](spindle_std::process::ProcessPool). Rust needs no processes to
//! use every core (threads have no GIL), so the reason to reach for one here is
//! isolation: a worker may crash or be killed, and only its own task fails. The
//! demo kills a worker with SIGKILL in the middle of a task and the pool carries
//! on, where Python's pool would be a `BrokenProcessPool`.
//!
//! The workers are the running program re-run: its `main` must call
//! `spindle_std::process::init(spindle_cookbook::workers::registry())` first, as the
//! `spindle` binary and this recipe's example do.

use std::io::{self, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use spindle_std::pool::TaskState;
use spindle_std::process::{ProcessPool, Registry, Task};

use crate::{failed, ms, write_heading};

/// The book's recipe number.
pub const ID: &str = "12.8";
/// The module and example name.
pub const NAME: &str = "r12_08_process_pool";
/// The section title.
pub const TITLE: &str = "Process pools: isolated workers that survive a crash";

fn count_primes(limit: u64) -> u64 {
    (2..limit)
        .filter(|&n| (2..).take_while(|d| d * d <= n).all(|d| n % d != 0))
        .count() as u64
}
fn nap(ms: u64) -> u64 {
    std::thread::sleep(Duration::from_millis(ms));
    ms
}
fn pid(_: ()) -> u32 {
    std::process::id()
}

/// Counts the primes below its argument (the CPU work).
pub const COUNT_PRIMES: Task<u64, u64> = Task::new("r12_08.count_primes", count_primes);
/// Sleeps that many milliseconds (the task that gets its worker killed).
pub const NAP: Task<u64, u64> = Task::new("r12_08.nap", nap);
/// The worker's process id.
pub const PID: Task<(), u32> = Task::new("r12_08.pid", pid);

/// Adds this recipe's tasks to a worker registry
/// ([`crate::workers::registry`]).
pub fn register(registry: Registry) -> Registry {
    registry.with(COUNT_PRIMES).with(NAP).with(PID)
}

/// Runs the recipe's demo and writes the section to `out`. The program must have
/// called `spindle_std::process::init` with [`crate::workers::registry`]; without
/// it the pool cannot start and this returns the error.
///
/// ```no_run
/// spindle_std::process::init(spindle_cookbook::workers::registry());
/// spindle_cookbook::r12_08_process_pool::run(&mut std::io::stdout()).unwrap();
/// ```
pub fn run(out: &mut dyn Write) -> io::Result<()> {
    write_heading(out, ID, TITLE)?;
    let pool = ProcessPool::new(2).map_err(|e| failed(format!("process pool: {e}")))?;
    writeln!(
        out,
        "pool of 2 worker processes: pids {:?}",
        pool.worker_pids()
    )?;

    // submit / result: Python's `executor.submit(fn, arg).result()`.
    let t0 = Instant::now();
    let h = pool
        .submit(COUNT_PRIMES, 20_000)
        .map_err(|e| failed(e.to_string()))?;
    let n = h.result().map_err(|e| failed(e.to_string()))?;
    writeln!(
        out,
        "submit: primes below 20000 = {n} ({})",
        ms(t0.elapsed())
    )?;

    // map, in input order, 4 items per round trip.
    let limits: Vec<u64> = (1..=8).map(|k| k * 5_000).collect();
    let counts = pool
        .map(COUNT_PRIMES, limits.clone())
        .chunk_size(4)
        .collect::<Result<Vec<u64>, _>>()
        .map_err(|e| failed(e.to_string()))?;
    let expected: Vec<u64> = limits.iter().map(|&l| count_primes(l)).collect();
    if counts != expected {
        return Err(failed(format!(
            "map gave {counts:?}, expected {expected:?}"
        )));
    }
    writeln!(out, "map (chunk size 4): {counts:?}, in input order")?;

    // add_done_callback: runs on the pool's thread when each task finishes.
    let (done_tx, done_rx) = mpsc::channel();
    let fired = Arc::new(AtomicUsize::new(0));
    for (i, ms_) in [60u64, 10, 30].into_iter().enumerate() {
        let h = pool.submit(NAP, ms_).map_err(|e| failed(e.to_string()))?;
        let (tx, fired) = (done_tx.clone(), fired.clone());
        h.add_done_callback(move |state| {
            fired.fetch_add(1, Ordering::SeqCst);
            let _ = tx.send((i, state));
        });
    }
    drop(done_tx);
    let order: Vec<(usize, TaskState)> = done_rx.iter().collect();
    writeln!(
        out,
        "add_done_callback: {} callbacks ran, in completion order {:?}",
        fired.load(Ordering::SeqCst),
        order.iter().map(|(i, _)| *i).collect::<Vec<_>>()
    )?;

    // A worker killed with SIGKILL in the middle of a task.
    let long = pool
        .submit(NAP, 30_000)
        .map_err(|e| failed(e.to_string()))?;
    while long.state() != TaskState::Running {
        std::thread::yield_now();
    }
    // The other worker is idle: the task it runs tells us which one is busy.
    let idle = pool
        .submit(PID, ())
        .map_err(|e| failed(e.to_string()))?
        .result()
        .map_err(|e| failed(e.to_string()))?;
    let victim = pool
        .worker_pids()
        .into_iter()
        .find(|&p| p != idle)
        .ok_or_else(|| failed("no busy worker"))?;
    let queued: Vec<_> = (0..4u64)
        .map(|k| pool.submit(COUNT_PRIMES, 1_000 * (k + 1)))
        .collect::<Result<_, _>>()
        .map_err(|e| failed(e.to_string()))?;
    kill(Pid::from_raw(victim as i32), Signal::SIGKILL).map_err(io::Error::from)?;
    match long.result() {
        Err(e) => writeln!(out, "killed worker {victim} mid-task: the task failed: {e}")?,
        Ok(v) => return Err(failed(format!("the killed task returned {v}"))),
    }
    let after: Vec<u64> = queued
        .into_iter()
        .map(|h| h.result())
        .collect::<Result<_, _>>()
        .map_err(|e| failed(format!("a task after the kill failed: {e}")))?;
    writeln!(
        out,
        "the pool carried on: 4 queued tasks gave {after:?}; workers now {:?}",
        pool.worker_pids()
    )?;
    let again = pool
        .submit(COUNT_PRIMES, 100)
        .map_err(|e| failed(e.to_string()))?
        .result()
        .map_err(|e| failed(e.to_string()))?;
    writeln!(out, "and a new task runs: primes below 100 = {again}")?;
    // The book's own job: robots.txt hosts from gzip logs, in all three modes.
    crate::robots::demo::write_demo(out)
}
