//! Recipe 12.7, "creating a thread pool": [`ThreadPool`] as the book's
//! `ThreadPoolExecutor`. Submitting "fetches" and collecting their results through
//! handles; the echo server whose connections a pool of N workers serves (at most N
//! at once, the rest wait in the backlog: no unbounded thread growth); and what
//! `concurrent.futures` adds: ordered `map`, `as_completed`, a panic that stays in
//! its task, cancel, and a shutdown that resolves every handle.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use spindle_std::pool::echo::EchoServer;
use spindle_std::pool::{as_completed, Shutdown, TaskError, ThreadPool};
use spindle_std::sync::Event;

use crate::{failed, ms, write_heading};

/// The book's recipe number.
pub const ID: &str = "12.7";
/// The module and example name.
pub const NAME: &str = "r12_07_thread_pool";
/// The section title.
pub const TITLE: &str = "Thread pools: a bounded set of workers";

/// How long the demo waits for anything that should happen at once before calling
/// it a failure (never reached when things work).
const PATIENCE: Duration = Duration::from_secs(10);

/// Runs the recipe's demos and writes the section to `out`.
///
/// ```
/// let mut out = Vec::new();
/// spindle_cookbook::r12_07_thread_pool::run(&mut out).unwrap();
/// assert!(String::from_utf8(out).unwrap().contains("echo server"));
/// ```
pub fn run(out: &mut dyn Write) -> io::Result<()> {
    write_heading(out, ID, TITLE)?;
    fetch(out)?;
    echo_server(out)?;
    futures_api(out)?;
    shutdown(out)?;
    Ok(())
}

fn pool(workers: usize) -> io::Result<ThreadPool> {
    ThreadPool::new(workers).map_err(|e| failed(format!("pool: {e}")))
}

fn task_failed(e: TaskError) -> io::Error {
    failed(format!("a task failed: {e}"))
}

/// The book's `fetch_url` on a pool of 10: two submissions, two `result()`s. The
/// "fetch" sleeps 20 ms (the network) and returns a page size.
fn fetch(out: &mut dyn Write) -> io::Result<()> {
    let pool = pool(10)?;
    let fetch_url = |url: &'static str| {
        move || {
            thread::sleep(Duration::from_millis(20));
            url.len() * 1000
        }
    };
    let t0 = Instant::now();
    let submit = |url| {
        pool.submit(fetch_url(url))
            .map_err(|e| failed(format!("submit: {e}")))
    };
    let a = submit("http://www.python.org")?;
    let b = submit("http://www.pypy.org")?;
    let (x, y) = (
        a.result().map_err(task_failed)?,
        b.result().map_err(task_failed)?,
    );
    writeln!(
        out,
        "submit/result: two 20 ms fetches on a pool of 10 -> {x} and {y} bytes in {} (in parallel)",
        ms(t0.elapsed())
    )
}

/// The echo server on a pool of 4 workers, 12 clients at once.
fn echo_server(out: &mut dyn Write) -> io::Result<()> {
    const WORKERS: usize = 4;
    const CLIENTS: usize = 12;
    let server = EchoServer::bind("127.0.0.1:0", WORKERS)?;
    let addr = server.local_addr()?;
    let stop = server.stopper();
    let t0 = Instant::now();
    let serving = thread::spawn(move || server.serve());
    let clients: Vec<_> = (0..CLIENTS)
        .map(|i| {
            thread::spawn(move || -> io::Result<bool> {
                let mut c = TcpStream::connect(addr)?;
                c.set_read_timeout(Some(PATIENCE))?;
                let mut ok = true;
                for round in 0..3 {
                    let msg = format!("client {i} says hello #{round}");
                    c.write_all(msg.as_bytes())?;
                    let mut back = vec![0; msg.len()];
                    c.read_exact(&mut back)?;
                    ok &= back == msg.as_bytes();
                    // Hold the connection (and its worker) a little while.
                    thread::sleep(Duration::from_millis(2));
                }
                Ok(ok)
            })
        })
        .collect();
    let mut all_ok = true;
    for c in clients {
        all_ok &= c.join().map_err(|_| failed("a client thread panicked"))??;
    }
    stop.stop();
    let report = serving
        .join()
        .map_err(|_| failed("the server thread panicked"))??;
    if !all_ok || report.connections != CLIENTS as u64 || report.peak_concurrent > WORKERS {
        return Err(failed(format!("echo server misbehaved: {report:?}")));
    }
    writeln!(
        out,
        "echo server on a pool of {WORKERS}: {CLIENTS} clients echoed {} bytes correctly in {}; at most {} served at once, the rest waited in the backlog",
        report.bytes,
        ms(t0.elapsed()),
        report.peak_concurrent
    )
}

/// `map` in order, `as_completed`, a panic in one task, a cancel.
fn futures_api(out: &mut dyn Write) -> io::Result<()> {
    let pool = pool(3)?;
    let squares: Vec<u64> = pool
        .map(|n: u64| n * n, 1..=8)
        .collect_vec()
        .map_err(task_failed)?;
    writeln!(
        out,
        "map(square, 1..=8).collect_vec(), the whole list in input order: {squares:?}"
    )?;
    // A list we already hold: map_slice borrows it and writes each result in place.
    let words = ["spindle", "threads", "pool"];
    let lengths = pool
        .map_slice(&words, 0, |w| w.len())
        .map_err(task_failed)?;
    writeln!(
        out,
        "map_slice(len, {words:?}), borrowed, results in place: {lengths:?}"
    )?;

    let handles: Vec<_> = [30u64, 5, 15]
        .into_iter()
        .map(|d| {
            pool.submit(move || {
                thread::sleep(Duration::from_millis(d));
                d
            })
        })
        .collect::<Result<_, _>>()
        .map_err(|e| failed(format!("submit: {e}")))?;
    let order: Vec<u64> = as_completed(handles)
        .map(|h| h.result())
        .collect::<Result<_, _>>()
        .map_err(task_failed)?;
    writeln!(
        out,
        "as_completed over sleeps of [30, 5, 15] ms yields {order:?} (completion order)"
    )?;

    // A deliberate panic: its report (Rust's panic hook prints one, with a
    // backtrace under RUST_BACKTRACE=1) is replaced while it runs, so the demo
    // does not look like a crash; the line below says what happened.
    let err = with_panic_report_replaced(|| {
        pool.submit(|| -> u32 { panic!("division by zero") })
            .map_err(|e| failed(format!("submit: {e}")))?
            .result()
            .err()
            .ok_or_else(|| failed("a panicking task returned a value"))
    })?;
    let after = pool
        .submit(|| 1 + 1)
        .map_err(|e| failed(format!("submit: {e}")))?
        .result()
        .map_err(task_failed)?;
    writeln!(
        out,
        "a panic stays in its task (a deliberate one, its report silenced): result() -> Err({err}); \
         the worker then computes 1 + 1 = {after}"
    )
}

/// Runs `f` with the process's panic report replaced for the pool's workers
/// (threads named `spindle-pool-N`, the default): their panics print nothing, any
/// other thread's still go to the report that was installed. Restores that report
/// afterwards. A program that expects task panics can do the same for good.
fn with_panic_report_replaced<T>(f: impl FnOnce() -> T) -> T {
    use std::panic;
    use std::sync::Arc;
    let previous: Arc<dyn Fn(&panic::PanicHookInfo<'_>) + Send + Sync> =
        Arc::from(panic::take_hook());
    let fallback = previous.clone();
    panic::set_hook(Box::new(move |info| {
        let name = std::thread::current().name().map(str::to_owned);
        if !name.is_some_and(|n| n.starts_with("spindle-pool-")) {
            fallback(info);
        }
    }));
    let out = f();
    drop(panic::take_hook());
    panic::set_hook(Box::new(move |info| previous(info)));
    out
}

/// `shutdown(wait, cancel_pending)`: the queued tasks are cancelled, the running one
/// finishes, every handle resolves.
fn shutdown(out: &mut dyn Write) -> io::Result<()> {
    let pool = pool(1)?;
    let release = Arc::new(Event::new());
    let r = release.clone();
    let running = pool
        .submit(move || {
            let _ = r.wait_timeout(PATIENCE);
        })
        .map_err(|e| failed(format!("submit: {e}")))?;
    // Let the worker pick it up.
    let t0 = Instant::now();
    while pool.queued() > 0 && t0.elapsed() < PATIENCE {
        thread::yield_now();
    }
    let pending: Vec<_> = (0..5)
        .map(|i| pool.submit(move || i))
        .collect::<Result<_, _>>()
        .map_err(|e| failed(format!("submit: {e}")))?;
    pending[0].cancel();
    pool.shutdown(Shutdown::no_wait().cancel_pending());
    release.set();
    pool.shutdown(Shutdown::wait()); // joins the workers
    let cancelled = pending
        .into_iter()
        .filter(|h| h.is_done())
        .map(|h| h.result())
        .filter(|r| *r == Err(TaskError::Cancelled))
        .count();
    running.result().map_err(task_failed)?;
    writeln!(
        out,
        "shutdown(Shutdown::no_wait().cancel_pending()), then shutdown(Shutdown::wait()): the running task finished, {cancelled} of 5 queued ones read Cancelled (one by cancel()), workers joined"
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn run_reports_the_key_facts() {
        let mut out = Vec::new();
        super::run(&mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with("== 12.7 Thread pools: a bounded set of workers ==\n"));
        assert!(text.contains("12 clients echoed"));
        assert!(text.contains("[1, 4, 9, 16, 25, 36, 49, 64]"));
        assert!(text.contains("division by zero"));
        assert!(text.contains("5 of 5 queued ones read Cancelled"));
    }
}
