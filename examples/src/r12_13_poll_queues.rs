//! Recipe 12.13, "polling multiple thread queues": the book's `PollableQueue`
//! (a queue with a socket pair, so `select` can wait on it) and its consumer over
//! q1, q2 and q3, fed from other threads; then the same wait extended to a socket,
//! a Unix signal and a timer, which a `select` loop in Python would also take.

use std::collections::BTreeMap;
use std::io::{self, Read, Write};
use std::os::unix::net::UnixStream;
use std::thread;
use std::time::{Duration, Instant};

use spindle_std::poll::{PollableQueue, Ready, RecvError, Selector, Timer};

use crate::{failed, join, ms, write_heading};

/// The book's recipe number.
pub const ID: &str = "12.13";
/// The module and example name.
pub const NAME: &str = "r12_13_poll_queues";
/// The section title.
pub const TITLE: &str = "Polling queues: one thread waits on many";

/// A bound on each wait in the demo, so a bug shows up as an error, not a hang.
const GUARD: Option<Duration> = Some(Duration::from_secs(10));

fn err(e: impl std::fmt::Display) -> io::Error {
    failed(e.to_string())
}

/// Runs the recipe's demos and writes the section to `out`.
///
/// ```
/// let mut out = Vec::new();
/// spindle_cookbook::r12_13_poll_queues::run(&mut out).unwrap();
/// assert!(String::from_utf8(out).unwrap().contains("q1: 0 1 2"));
/// ```
pub fn run(out: &mut dyn Write) -> io::Result<()> {
    write_heading(out, ID, TITLE)?;
    book_consumer(out)?;
    mixed_sources(out)
}

/// The book's consumer: three pollable queues, producers on three threads, one
/// thread that `select`s over them and prints what it got, per queue in order.
fn book_consumer(out: &mut dyn Write) -> io::Result<()> {
    let queues: [PollableQueue<u32, 4>; 3] = [
        PollableQueue::new().map_err(err)?,
        PollableQueue::new().map_err(err)?,
        PollableQueue::new().map_err(err)?,
    ];
    let selector = Selector::new().map_err(err)?;
    for (i, q) in queues.iter().enumerate() {
        selector.register(i, q).map_err(err)?;
    }
    let mut got: BTreeMap<usize, Vec<u32>> = BTreeMap::new();
    let mut wakeups = 0;
    thread::scope(|s| -> io::Result<()> {
        let producers: Vec<_> = queues
            .iter()
            .enumerate()
            .map(|(i, q)| {
                s.spawn(move || {
                    for n in 0..3 {
                        q.send_blocking(n + 10 * i as u32).map_err(err)?;
                    }
                    q.close();
                    Ok::<(), io::Error>(())
                })
            })
            .collect();
        let mut open = queues.len();
        let mut ready: Vec<Ready<usize>> = Vec::new();
        while open > 0 {
            if selector.wait(&mut ready, GUARD).map_err(err)? == 0 {
                return Err(failed("nothing arrived within 10 s"));
            }
            wakeups += 1;
            for r in &ready {
                loop {
                    match queues[r.key].try_recv() {
                        Ok(item) => got.entry(r.key).or_default().push(item),
                        Err(RecvError::Empty) => break,
                        Err(_) => {
                            // Closed and drained (the book's producers just stop).
                            selector.deregister(&r.key).map_err(err)?;
                            open -= 1;
                            break;
                        }
                    }
                }
            }
        }
        for p in producers {
            join(p, "producer")??;
        }
        Ok(())
    })?;
    writeln!(
        out,
        "select over q1, q2, q3 fed by three threads ({wakeups} wake-ups):"
    )?;
    for (i, items) in &got {
        let items: Vec<String> = items.iter().map(u32::to_string).collect();
        writeln!(out, "  q{}: {}", i + 1, items.join(" "))?;
    }
    writeln!(
        out,
        "  each queue's descriptor is readable exactly while it holds items (or is closed)"
    )?;
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Source {
    Jobs,
    Socket,
    Hangup,
    Tick,
}

/// One wait over a queue, a socket, SIGUSR1 (raised by the demo itself) and a
/// periodic timer; no polling loop, no async runtime.
fn mixed_sources(out: &mut dyn Write) -> io::Result<()> {
    let jobs: PollableQueue<&str, 4> = PollableQueue::new().map_err(err)?;
    let (mut peer, mut socket) = UnixStream::pair()?;
    socket.set_nonblocking(true)?;
    let selector = Selector::new().map_err(err)?;
    selector.register(Source::Jobs, &jobs).map_err(err)?;
    selector.register(Source::Socket, &socket).map_err(err)?;
    selector
        .register_signal(Source::Hangup, signal_hook::consts::SIGUSR1)
        .map_err(err)?;
    selector
        .register_timer(Source::Tick, Timer::every(Duration::from_millis(2)))
        .map_err(err)?;

    let start = Instant::now();
    let mut seen: Vec<&str> = Vec::new();
    thread::scope(|s| -> io::Result<()> {
        let feeder = s.spawn(|| -> io::Result<()> {
            jobs.send_blocking("build").map_err(err)?;
            peer.write_all(b"hello from a socket")?;
            signal_hook::low_level::raise(signal_hook::consts::SIGUSR1)?;
            Ok(())
        });
        let mut ready = Vec::new();
        let mut ticks = 0;
        while seen.len() < 3 || ticks < 3 {
            if selector.wait(&mut ready, GUARD).map_err(err)? == 0 {
                return Err(failed("nothing arrived within 10 s"));
            }
            for r in &ready {
                match r.key {
                    Source::Jobs => {
                        while jobs.try_recv().is_ok() {}
                        if !seen.contains(&"queue") {
                            seen.push("queue");
                        }
                    }
                    Source::Socket => {
                        let mut buf = [0u8; 64];
                        while matches!(socket.read(&mut buf), Ok(n) if n > 0) {}
                        if !seen.contains(&"socket") {
                            seen.push("socket");
                        }
                    }
                    Source::Hangup => {
                        if !seen.contains(&"signal") {
                            seen.push("signal");
                        }
                    }
                    Source::Tick => ticks += 1,
                }
            }
        }
        join(feeder, "feeder")?
    })?;
    selector.deregister(&Source::Hangup).map_err(err)?;
    seen.sort_unstable();
    writeln!(
        out,
        "one Selector over a queue, a socket, SIGUSR1 and a 2 ms timer: got {} and 3+ ticks in {}",
        seen.join(", "),
        ms(start.elapsed())
    )?;
    writeln!(
        out,
        "  (the book's alternative, checking each queue every 10 ms, wakes 100 times a second doing nothing)"
    )?;
    Ok(())
}
