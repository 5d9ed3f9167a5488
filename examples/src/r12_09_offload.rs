//! Recipe 12.9, "dealing with the GIL": the book's way out is a pool that a thread
//! hands CPU-heavy work to, waiting on the result while the pool computes. Rust has
//! no GIL, but the pattern stands: an I/O thread should not do long computations
//! itself, or everything else it serves waits. Here an I/O thread reads requests
//! from a channel, offloads each one's CPU work to a [`ThreadPool`], and keeps
//! serving "heartbeats" while it waits on the handles.

use std::io::{self, Write};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use spindle_std::pool::{TaskError, ThreadPool};

use crate::{failed, ms, write_heading};

/// The book's recipe number.
pub const ID: &str = "12.9";
/// The module and example name.
pub const NAME: &str = "r12_09_offload";
/// The section title.
pub const TITLE: &str = "Offloading CPU work: an I/O thread and a pool";

/// Runs the recipe's demo and writes the section to `out`.
///
/// ```
/// let mut out = Vec::new();
/// spindle_cookbook::r12_09_offload::run(&mut out).unwrap();
/// assert!(String::from_utf8(out).unwrap().contains("offloaded"));
/// ```
pub fn run(out: &mut dyn Write) -> io::Result<()> {
    write_heading(out, ID, TITLE)?;
    const REQUESTS: u64 = 6;
    const LIMIT: u64 = 40_000;
    let workers = thread::available_parallelism()
        .map_or(2, |n| n.get())
        .min(4);
    let pool = ThreadPool::new(workers).map_err(|e| failed(format!("pool: {e}")))?;

    // Inline: the I/O thread computes every answer itself.
    let t0 = Instant::now();
    let inline: Vec<u64> = (0..REQUESTS)
        .map(|r| count_primes(LIMIT + r * 1000))
        .collect();
    let inline_time = t0.elapsed();

    // Offloaded: the I/O thread hands each request's work to the pool and, while it
    // waits, keeps doing its I/O (here: counting heartbeats every millisecond).
    let (requests, incoming) = mpsc::channel::<u64>();
    let t0 = Instant::now();
    let pool = &pool;
    let (answers, heartbeats) = thread::scope(|s| {
        let io_thread = s.spawn(move || -> Result<(Vec<u64>, u32), TaskError> {
            let mut handles = Vec::new();
            while let Ok(r) = incoming.recv() {
                let job = pool.submit(move || count_primes(LIMIT + r * 1000));
                handles.push(job.map_err(|_| TaskError::Cancelled)?);
            }
            let mut heartbeats = 0;
            let mut answers = Vec::new();
            for h in &handles {
                loop {
                    match h.result_timeout(Duration::from_millis(1)) {
                        Ok(v) => break answers.push(v),
                        Err(TaskError::TimedOut) => heartbeats += 1, // still serving I/O
                        Err(e) => return Err(e),
                    }
                }
            }
            Ok((answers, heartbeats))
        });
        for r in 0..REQUESTS {
            let _ = requests.send(r);
        }
        drop(requests);
        io_thread.join()
    })
    .map_err(|_| failed("the I/O thread panicked"))?
    .map_err(|e| failed(format!("offloaded work failed: {e}")))?;
    let offload_time = t0.elapsed();

    if answers != inline {
        return Err(failed(format!(
            "offloaded {answers:?} != inline {inline:?}"
        )));
    }
    writeln!(
        out,
        "{REQUESTS} requests, each counting the primes below {LIMIT} + 1000 r: answers {answers:?}"
    )?;
    writeln!(
        out,
        "inline on the I/O thread: {}, the thread deaf to I/O all along",
        ms(inline_time)
    )?;
    writeln!(
        out,
        "offloaded to a pool of {workers}: {}, and the I/O thread stayed live ({heartbeats} heartbeats while it waited on the handles)",
        ms(offload_time)
    )?;
    // The claim is liveness, not speed: on a machine whose cores are busy with
    // other work the pool's threads get no more CPU than the I/O thread had, so
    // the offloaded run can take as long as, or longer than, the inline one.
    writeln!(
        out,
        "  the point is the live I/O thread, not speed: offloaded took {:.2}x the inline time; \
         it is faster only when {workers} cores are free (on a busy or 1-core machine it is not)",
        offload_time.as_secs_f64() / inline_time.as_secs_f64().max(1e-9)
    )
}

/// The CPU-bound work: primes below `n`, by trial division.
fn count_primes(n: u64) -> u64 {
    (2..n)
        .filter(|&k| (2..).take_while(|d| d * d <= k).all(|d| k % d != 0))
        .count() as u64
}

#[cfg(test)]
mod tests {
    #[test]
    fn run_reports_the_key_facts() {
        let mut out = Vec::new();
        super::run(&mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with("== 12.9 Offloading CPU work: an I/O thread and a pool ==\n"));
        assert!(text.contains("offloaded to a pool of"));
    }

    #[test]
    fn primes() {
        assert_eq!(super::count_primes(10), 4);
        assert_eq!(super::count_primes(100), 25);
    }
}
