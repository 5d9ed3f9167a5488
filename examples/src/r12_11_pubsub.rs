//! Recipe 12.11, "implementing publish/subscribe messaging": the book's
//! [`Exchange`] with `attach`/`detach` and `send`, its `DisplayMessages` diagnostic
//! as a [`Tap`], its `subscribe()` context manager as a [`Subscription`] guard, and
//! two of its suggested extensions: named exchanges with topic patterns
//! ([`Registry`]) and, per subscriber, an [`Overflow`] policy with counters, so a
//! slow subscriber never loses a message silently. Subscribers are spindle queues
//! drained by threads, and closures.
//!
//! [`Subscription`]: spindle_core::exchange::Subscription

use std::io::{self, Write};
use std::sync::Mutex;
use std::thread;
use std::time::Instant;

use spindle_core::exchange::{from_fn, Exchange, Overflow, Registry, Stats, Tap};
use spindle_core::queue::Queue;
use spindle_core::raw::ParkingRawMutex;

use crate::{failed, join, ms, write_heading};

/// The book's recipe number.
pub const ID: &str = "12.11";
/// The module and example name.
pub const NAME: &str = "r12_11_pubsub";
/// The section title.
pub const TITLE: &str = "Publish/subscribe: exchanges, taps and topic patterns";

type Raw = ParkingRawMutex;

/// Runs the recipe's demos and writes the section to `out`.
///
/// ```
/// let mut out = Vec::new();
/// spindle_cookbook::r12_11_pubsub::run(&mut out).unwrap();
/// assert!(String::from_utf8(out).unwrap().contains("msg[1]: \"msg1\""));
/// ```
pub fn run(out: &mut dyn Write) -> io::Result<()> {
    write_heading(out, ID, TITLE)?;
    attach_send_detach(out)?;
    display_messages(out)?;
    scoped_subscription(out)?;
    overflow_policies(out)?;
    fan_out_to_threads(out)?;
    topic_patterns(out)?;
    shared_registry(out)?;
    Ok(())
}

/// `SharedRegistry` (std alias `spindle_std::exchange::SharedRegistry`): exchanges
/// named at run time (`format!`), as many as needed, handed out as `Arc`s that
/// threads can keep; a pattern subscription follows those created later.
///
/// ```
/// let mut out = Vec::new();
/// spindle_cookbook::r12_11_pubsub::shared_registry(&mut out).unwrap();
/// assert!(String::from_utf8(out).unwrap().contains("20 exchanges named at run time"));
/// ```
pub fn shared_registry(out: &mut dyn Write) -> io::Result<()> {
    use spindle_std::exchange::{Overflow, SharedRegistry};
    use spindle_std::queue::Queue;

    const ROOMS: usize = 20;
    let err = |e: spindle_std::exchange::RegistryError| failed(e.to_string());
    // A shared registry's subscribers live as long as it may (`'static`).
    static TEMPS: Queue<(usize, i32), 32> = Queue::new();
    let temps = &TEMPS;
    while temps.try_recv().is_ok() {} // a previous run's leftovers, if any
    let reg: SharedRegistry<(usize, i32), 4> = SharedRegistry::new();
    let follow = reg
        .subscribe_pattern("building/+/temp", temps, Overflow::Wait)
        .map_err(err)?;
    std::thread::scope(|s| -> io::Result<()> {
        let senders: Vec<_> = (0..ROOMS)
            .map(|room| {
                let reg = reg.clone();
                s.spawn(move || -> io::Result<()> {
                    // A run-time name: a borrowing `Registry` could not keep it.
                    let name = format!("building/room-{room}/temp");
                    let exchange = reg.exchange(&name).map_err(err)?;
                    exchange
                        .send_blocking((room, 20 + room as i32))
                        .map_err(|e| failed(e.to_string()))?;
                    Ok(())
                })
            })
            .collect();
        for h in senders {
            crate::join(h, "sender")??;
        }
        Ok(())
    })?;
    let mut got: Vec<(usize, i32)> = std::iter::from_fn(|| temps.try_recv().ok()).collect();
    got.sort_unstable();
    let followed = follow.attached();
    drop(follow);
    if got.len() != ROOMS || followed != ROOMS || reg.len() != ROOMS {
        return Err(failed(format!(
            "SharedRegistry: {} readings, {followed} followed, {} named",
            got.len(),
            reg.len()
        )));
    }
    writeln!(
        out,
        "SharedRegistry: {ROOMS} exchanges named at run time (`format!(\"building/room-{{n}}/temp\")`) \
         from {ROOMS} threads; `building/+/temp` followed all {followed} and got {} readings",
        got.len()
    )
}

fn drain<T, const N: usize>(q: &Queue<Raw, T, N>) -> Vec<T> {
    std::iter::from_fn(|| q.try_recv().ok()).collect()
}

/// The book's example: two tasks attached, two messages sent, both detached.
fn attach_send_detach(out: &mut dyn Write) -> io::Result<()> {
    let task_a: Queue<Raw, &str, 8> = Queue::new();
    let task_b: Queue<Raw, &str, 8> = Queue::new();
    let exc: Exchange<Raw, &str, 4> = Exchange::new();
    let a = exc
        .attach(&task_a, Overflow::Wait)
        .map_err(|e| failed(e.to_string()))?;
    let b = exc
        .attach(&task_b, Overflow::Wait)
        .map_err(|e| failed(e.to_string()))?;
    for msg in ["msg1", "msg2"] {
        exc.try_send(msg).map_err(|e| failed(e.to_string()))?;
    }
    let (sa, sb) = (exc.detach(a), exc.detach(b));
    let (got_a, got_b) = (drain(&task_a), drain(&task_b));
    if got_a != ["msg1", "msg2"] || got_b != got_a || exc.detach(a).is_some() {
        return Err(failed(format!(
            "attach/send/detach went wrong: {got_a:?} {got_b:?}"
        )));
    }
    writeln!(
        out,
        "attach(task_a), attach(task_b), send msg1 and msg2, detach both: task_a got {got_a:?} ({} delivered), task_b got {got_b:?} ({} delivered); detaching again finds nothing",
        sa.unwrap_or_default().delivered,
        sb.unwrap_or_default().delivered
    )
}

/// `DisplayMessages`: a tap that numbers and shows every message.
fn display_messages(out: &mut dyn Write) -> io::Result<()> {
    let lines = Mutex::new(Vec::new());
    let display = Tap::new(|n, msg: &&str| {
        if let Ok(mut l) = lines.lock() {
            l.push(format!("msg[{n}]: {msg:?}"));
        }
    });
    let exc: Exchange<Raw, &str, 2> = Exchange::new();
    let tap = exc.tap(&display).map_err(|e| failed(e.to_string()))?;
    for msg in ["msg1", "msg2", "msg3"] {
        exc.try_send(msg).map_err(|e| failed(e.to_string()))?;
    }
    drop(tap);
    let seen = display.count();
    let lines = std::mem::take(&mut *lines.lock().map_err(|_| failed("tap lock poisoned"))?);
    writeln!(out, "DisplayMessages as a Tap: {seen} messages seen")?;
    for line in &lines {
        writeln!(out, "  {line}")?;
    }
    if lines.len() != 3 {
        return Err(failed("the tap missed messages"));
    }
    Ok(())
}

/// `with exc.subscribe(task):` as a guard that detaches when dropped.
fn scoped_subscription(out: &mut dyn Write) -> io::Result<()> {
    let seen = Mutex::new(Vec::new());
    let task = from_fn(|n: &u32| {
        if let Ok(mut s) = seen.lock() {
            s.push(*n);
        }
    });
    let exc: Exchange<Raw, u32, 2> = Exchange::new();
    let stats = {
        let sub = exc
            .subscribe(&task, Overflow::Wait)
            .map_err(|e| failed(e.to_string()))?;
        exc.try_send(1).map_err(|e| failed(e.to_string()))?;
        exc.try_send(2).map_err(|e| failed(e.to_string()))?;
        sub.stats().unwrap_or_default()
    }; // detached here, even on an early return or a panic
    exc.try_send(3).map_err(|e| failed(e.to_string()))?;
    let empty = exc.is_empty();
    let seen = std::mem::take(&mut *seen.lock().map_err(|_| failed("lock poisoned"))?);
    if seen != [1, 2] || !empty {
        return Err(failed(format!("scoped subscription saw {seen:?}")));
    }
    writeln!(
        out,
        "subscribe() guard (the book's context manager): a closure saw {seen:?} ({} delivered) while subscribed, not the 3 sent after the guard dropped",
        stats.delivered
    )
}

/// A slow subscriber (a queue of 4 nobody drains yet) under each policy.
fn overflow_policies(out: &mut dyn Write) -> io::Result<()> {
    const SENT: u32 = 10;
    writeln!(out, "overflow policies, {SENT} messages to a subscriber with room for 4 (nothing lost silently):")?;
    for (policy, name) in [
        (Overflow::DropNewest, "DropNewest"),
        (Overflow::DropOldest, "DropOldest"),
        (Overflow::Error, "Error"),
    ] {
        let slow: Queue<Raw, u32, 4> = Queue::new();
        let exc: Exchange<Raw, u32, 1> = Exchange::new();
        let sub = exc
            .subscribe(&slow, policy)
            .map_err(|e| failed(e.to_string()))?;
        let mut errors = 0;
        for n in 0..SENT {
            if exc.try_send(n).is_err() {
                errors += 1;
            }
        }
        let s: Stats = sub.unsubscribe();
        let kept = drain(&slow);
        // Every message sent is either still in the queue or counted as lost.
        if (kept.len() + s.dropped + s.refused) as u32 != SENT {
            return Err(failed(format!("{name}: counters do not add up: {s:?}")));
        }
        writeln!(
            out,
            "  {name:<10}: kept {kept:?}, delivered {}, dropped {}, refused {} (send errors: {errors})",
            s.delivered, s.dropped, s.refused
        )?;
    }
    Ok(())
}

/// `Wait`: a publisher fans out to three consumer threads at their pace.
fn fan_out_to_threads(out: &mut dyn Write) -> io::Result<()> {
    const N: u64 = 20_000;
    let inboxes: [Queue<Raw, u64, 16>; 3] = std::array::from_fn(|_| Queue::new());
    let exc: Exchange<Raw, u64, 4> = Exchange::new();
    let subs = inboxes
        .iter()
        .map(|q| exc.subscribe(q, Overflow::Wait))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| failed(e.to_string()))?;
    let t0 = Instant::now();
    let sums = thread::scope(|s| {
        let consumers: Vec<_> = inboxes
            .iter()
            .map(|q| s.spawn(move || (0..N).map(|_| q.recv_blocking().unwrap_or(0)).sum::<u64>()))
            .collect();
        for n in 1..=N {
            exc.send_blocking(n).map_err(|e| failed(e.to_string()))?;
        }
        consumers
            .into_iter()
            .map(|h| join(h, "consumer"))
            .collect::<io::Result<Vec<_>>>()
    })?;
    let took = t0.elapsed();
    let delivered: Vec<usize> = subs
        .into_iter()
        .map(|s| s.unsubscribe().delivered)
        .collect();
    if sums.iter().any(|&s| s != N * (N + 1) / 2) || delivered.iter().any(|&d| d as u64 != N) {
        return Err(failed(format!(
            "fan-out lost messages: {sums:?} {delivered:?}"
        )));
    }
    writeln!(
        out,
        "Wait policy, send_blocking: {N} messages to 3 consumer threads (queues of 16): each got all {N}, in {}",
        ms(took)
    )
}

/// Named exchanges and topic patterns that follow exchanges created later.
fn topic_patterns(out: &mut dyn Write) -> io::Result<()> {
    let temps: Queue<Raw, (&str, i32), 16> = Queue::new();
    let everything = Tap::new(|_, _: &(&str, i32)| {});
    let reg: Registry<Raw, (&str, i32), 8, 4> = Registry::new();
    let err = |e: spindle_core::exchange::RegistryError| failed(e.to_string());
    let kitchen = reg.exchange("sensors/kitchen/temp").map_err(err)?;
    let t = reg
        .subscribe_pattern("sensors/+/temp", &temps, Overflow::DropOldest)
        .map_err(err)?;
    let all = reg
        .subscribe_pattern("sensors/#", &everything, Overflow::Wait)
        .map_err(err)?;
    // Created after the subscriptions: followed all the same.
    let hall = reg.exchange("sensors/hall/temp").map_err(err)?;
    let humidity = reg.exchange("sensors/hall/humidity").map_err(err)?;
    let send =
        |e: &Exchange<'_, Raw, (&str, i32), 4>, m| e.try_send(m).map_err(|e| failed(e.to_string()));
    send(kitchen, ("kitchen", 21))?;
    send(hall, ("hall", 19))?;
    send(humidity, ("hall humidity", 40))?;
    let got = drain(&temps);
    let (t_on, all_on) = (t.attached(), all.attached());
    drop((t, all));
    if got != [("kitchen", 21), ("hall", 19)] || everything.count() != 3 || !hall.is_empty() {
        return Err(failed(format!("topic patterns: {got:?}")));
    }
    writeln!(
        out,
        "Registry with patterns: `sensors/+/temp` followed {t_on} exchanges (one created later) and got {got:?}; `sensors/#` followed {all_on} and saw {} messages; {} exchanges named",
        everything.count(),
        reg.len()
    )
}
