//! Recipe 12.1, "starting and stopping threads": a named countdown thread with
//! `is_alive` and `join`, `join` with a timeout, a daemon (detached) thread, the
//! book's `CountdownTask` stopped at a safe point with a [`StopToken`], its
//! `IOTask` (a socket read with a timeout that checks for a stop between reads),
//! and the watchdog of recipe 12.5's discussion noticing a thread gone silent.
//!
//! [`StopToken`]: spindle_std::thread::StopToken

use std::io::{self, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use spindle_std::sync::Event;
use spindle_std::thread::{Builder, JoinError, ReadError, Watchdog};

use crate::{failed, ms, write_heading};

/// The book's recipe number.
pub const ID: &str = "12.1";
/// The module and example name.
pub const NAME: &str = "r12_01_threads";
/// The section title.
pub const TITLE: &str = "Threads: starting and stopping them";

/// How long the demo waits for anything that should happen at once before calling
/// it a failure (never reached when things work).
const PATIENCE: Duration = Duration::from_secs(5);

/// Runs the recipe's demos and writes the section to `out`.
///
/// ```
/// let mut out = Vec::new();
/// spindle_cookbook::r12_01_threads::run(&mut out).unwrap();
/// assert!(String::from_utf8(out).unwrap().contains("T-minus 1"));
/// ```
pub fn run(out: &mut dyn Write) -> io::Result<()> {
    write_heading(out, ID, TITLE)?;
    countdown(out)?;
    join_with_timeout(out)?;
    daemon(out)?;
    countdown_task(out)?;
    io_task(out)?;
    watchdog(out)?;
    Ok(())
}

fn spawn_failed(e: impl std::fmt::Display) -> io::Error {
    failed(format!("could not start a thread: {e}"))
}

fn join_failed(e: JoinError) -> io::Error {
    failed(format!("join failed: {e}"))
}

/// `Thread(target=countdown, args=(3,))`, `is_alive()`, `join()`.
fn countdown(out: &mut dyn Write) -> io::Result<()> {
    let go = Arc::new(Event::new());
    let g = Arc::clone(&go);
    let t = Builder::new()
        .name("countdown")
        .stack_size(256 * 1024)
        .spawn(move || {
            g.wait_blocking();
            (1..=3)
                .rev()
                .map(|n| {
                    std::thread::sleep(Duration::from_millis(2));
                    format!("T-minus {n}")
                })
                .collect::<Vec<_>>()
        })
        .map_err(spawn_failed)?;
    let alive_before = t.is_alive();
    let name = t.name().unwrap_or("?").to_owned();
    go.set();
    let lines = t.join().map_err(join_failed)?;
    writeln!(
        out,
        "Builder::new().name(\"{name}\").stack_size(256 KiB).spawn(countdown): is_alive() = {alive_before} before join"
    )?;
    writeln!(
        out,
        "  {}; join() returned them, and the handle was consumed",
        lines.join(", ")
    )
}

/// `t.join(timeout)`: here the timeout is an error value and the handle stays usable.
fn join_with_timeout(out: &mut dyn Write) -> io::Result<()> {
    let go = Arc::new(Event::new());
    let g = Arc::clone(&go);
    let mut t = Builder::new()
        .name("slow")
        .spawn(move || {
            g.wait_blocking();
            "finished"
        })
        .map_err(spawn_failed)?;
    let timeout = Duration::from_millis(10);
    let first = t.join_timeout(timeout);
    if first != Err(JoinError::TimedOut) {
        return Err(failed(format!("a blocked thread joined: {first:?}")));
    }
    let still = t.is_alive();
    go.set();
    let second = t.join_timeout(PATIENCE).map_err(join_failed)?;
    writeln!(
        out,
        "join_timeout({}) on a blocked thread: {} (is_alive() = {still}); after it is released: Ok({second:?})",
        ms(timeout),
        JoinError::TimedOut,
    )
}

/// `Thread(..., daemon=True)`: the handle is dropped and the process does not wait.
fn daemon(out: &mut dyn Write) -> io::Result<()> {
    let (tx, rx) = mpsc::channel();
    let t = Builder::new()
        .name("daemon")
        .spawn(move || {
            let _ = tx.send(());
            // Background work forever; it ends with the process.
            loop {
                std::thread::sleep(Duration::from_millis(50));
            }
        })
        .map_err(spawn_failed)?;
    t.detach();
    rx.recv_timeout(PATIENCE)
        .map_err(|_| failed("the daemon thread never ran"))?;
    writeln!(
        out,
        "daemon: a detached thread loops forever; main does not wait for it (no Rust process does)"
    )
}

/// The book's `CountdownTask`: `terminate()` sets a flag the loop checks. Here the
/// loop sleeps on the token, so the stop takes effect at once, not after a sleep.
fn countdown_task(out: &mut dyn Write) -> io::Result<()> {
    let interval = Duration::from_millis(5);
    let t = Builder::new()
        .name("countdown-task")
        .spawn_stoppable(move |stop| {
            let mut n = 1000u32;
            while !stop.is_stopped() && n > 0 {
                n -= 1; // 'T-minus', n
                let _ = stop.sleep(interval);
            }
            n
        })
        .map_err(spawn_failed)?;
    std::thread::sleep(interval * 3);
    let t0 = Instant::now();
    let left = t.stop_and_join().map_err(join_failed)?;
    let took = t0.elapsed();
    if left == 0 {
        return Err(failed("the countdown ran to the end despite terminate()"));
    }
    writeln!(
        out,
        "CountdownTask: terminate() after ~{} stopped the loop with {} left, {} later (the {} sleep woke early)",
        ms(interval * 3),
        left,
        ms(took),
        ms(interval)
    )
}

/// The book's `IOTask`: a socket with a read timeout; each timeout is a safe point.
fn io_task(out: &mut dyn Write) -> io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let mut client = TcpStream::connect(listener.local_addr()?)?;
    let (mut sock, _) = listener.accept()?;
    let poll = Duration::from_millis(10);
    sock.set_read_timeout(Some(poll))?; // sock.settimeout(...)
    let (tx, rx) = mpsc::channel();
    let reader = Builder::new()
        .name("io-task")
        .spawn_stoppable(move |stop| -> io::Result<usize> {
            let mut buf = [0u8; 8192];
            let mut total = 0;
            loop {
                match stop.read(&mut sock, &mut buf) {
                    Ok(0) | Err(ReadError::Stopped) => return Ok(total),
                    Ok(n) => {
                        total += n;
                        let _ = tx.send(n);
                    }
                    Err(ReadError::Io(e)) => return Err(e),
                }
            }
        })
        .map_err(spawn_failed)?;
    client.write_all(b"GET / HTTP/1.0\r\n\r\n")?;
    let mut got = 0;
    while got < 18 {
        got += rx
            .recv_timeout(PATIENCE)
            .map_err(|_| failed("the reader never got the request"))?;
    }
    // The peer stays connected and silent: the read keeps timing out.
    std::thread::sleep(poll * 3);
    let alive = reader.is_alive();
    let t0 = Instant::now();
    let total = reader.stop_and_join().map_err(join_failed)??;
    let took = t0.elapsed();
    drop(client);
    writeln!(
        out,
        "IOTask: read {total} bytes from 127.0.0.1, then waited on a silent peer (alive = {alive});"
    )?;
    writeln!(
        out,
        "  terminate() ended the loop {} later (read timeout {}: the token is checked between reads)",
        ms(took),
        ms(poll)
    )
}

/// Recipe 12.5's watchdog: threads pet it; the one that stops is reported by name.
fn watchdog(out: &mut dyn Write) -> io::Result<()> {
    let (tx, rx) = mpsc::channel();
    let dog = Watchdog::with_handler(move |name: &str, silent: Duration| {
        let _ = tx.send((name.to_owned(), silent));
    })
    .map_err(spawn_failed)?;
    let timeout = Duration::from_millis(20);
    let healthy = dog.register("healthy", timeout * 10);
    let stuck = dog.register("stuck", timeout);
    let release = Arc::new(Event::new());
    let r = Arc::clone(&release);
    let worker = Builder::new()
        .name("stuck")
        .spawn(move || {
            stuck.pet();
            r.wait_blocking(); // a "deadlock": no more petting
            drop(stuck);
        })
        .map_err(spawn_failed)?;
    healthy.pet();
    let (name, silent) = rx
        .recv_timeout(PATIENCE)
        .map_err(|_| failed("the watchdog never fired"))?;
    release.set();
    worker.join().map_err(join_failed)?;
    drop(healthy);
    if name != "stuck" {
        return Err(failed(format!("the watchdog blamed {name}")));
    }
    writeln!(
        out,
        "Watchdog: 'stuck' stopped petting (timeout {}); the handler ran with its name after {} of silence",
        ms(timeout),
        ms(silent)
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn run_reports_the_key_facts() {
        let mut out = Vec::new();
        super::run(&mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with("== 12.1 Threads: starting and stopping them ==\n"));
        assert!(text.contains("T-minus 3, T-minus 2, T-minus 1"));
        assert!(text.contains("is_alive() = true before join"));
        assert!(text.contains("still running after the timeout"));
        assert!(text.contains("Ok(\"finished\")"));
        assert!(text.contains("CountdownTask: terminate()"));
        assert!(text.contains("IOTask: read 18 bytes"));
        assert!(text.contains("'stuck' stopped petting"));
    }
}
