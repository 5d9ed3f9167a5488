//! Recipe 12.10, "defining an actor task": an actor is a task that owns its state
//! and a mailbox and only handles the messages sent to it. spindle's
//! [`spindle_core::actor`] gives each actor a bounded [`Mailbox`] and its senders a
//! copyable [`Addr`]; `close()` replaces the book's `ActorExit` sentinel (the
//! actor handles what is queued, then its loop ends), and `join` is the task's or
//! thread's join handle. Demos, each printing what the book's Python prints:
//!
//! - [`print_actor`]: the book's `PrintActor` on an OS thread, and the same printer
//!   written generator-style as an `async fn` on the cooperative scheduler.
//! - [`tagged_actor`]: `TaggedActor`, with an `enum` for the tagged tuples.
//! - [`worker`]: `Worker.submit(pow, 2, 3)` with its `Result` object: a request
//!   carrying a [`Reply`], answered through a caller-owned `Oneshot` slot; and
//!   [`worker_on_a_thread`], the same `Worker` as a `spindle_std::actor` thread
//!   actor asked repeatedly (`ask_owned_blocking`, a fresh reply per request).
//! - [`supervised`]: a `spindle_std::actor::Supervisor` restarting an actor that
//!   panics on bad input, and giving up once its restarts are spent.
//!
//! The `spindle run 12.10` section also shows a full mailbox handing the message
//! back, and a ring of 10,000 actors on one scheduler passing a token around.

use std::cell::{Cell, RefCell};
use std::io::{self, Write};
use std::pin::pin;
use std::thread;
use std::time::Instant;

use spindle_core::actor::{Actor, Addr, Mailbox, Reply};
use spindle_core::error::SendError;
use spindle_core::queue::QueueRef;
use spindle_core::raw::{NoopRawMutex, ParkingRawMutex};
use spindle_core::sched::{Scheduler, Task};
use spindle_core::sync::Oneshot;

use crate::{failed, ms, write_heading};

/// The book's recipe number.
pub const ID: &str = "12.10";
/// The module and example name.
pub const NAME: &str = "r12_10_actors";
/// The section title.
pub const TITLE: &str = "Actors: mailboxes, close/join and request/response";

/// Actors in the ring demo.
pub const RING_ACTORS: usize = 10_000;
/// Laps the token makes around the ring in the `spindle run 12.10` section.
pub const RING_LAPS: u32 = 10;

/// The book's `PrintActor`: `p.send('Hello')`, `p.send('World')`, `p.close()`,
/// `p.join()`, first on a thread (as the book), then as a generator-style task.
///
/// ```
/// let mut out = Vec::new();
/// spindle_cookbook::r12_10_actors::print_actor(&mut out).unwrap();
/// assert_eq!(
///     String::from_utf8(out).unwrap(),
///     "Got: Hello\nGot: World\nGot: Hello\nGot: World\nActor terminating\n"
/// );
/// ```
pub fn print_actor(out: &mut dyn Write) -> io::Result<()> {
    // On a thread: the mailbox's blocking receive, as the book's `Queue.get`.
    let mailbox: Mailbox<ParkingRawMutex, &str, 8> = Mailbox::new();
    let printed = thread::scope(|s| {
        let p = s.spawn(|| {
            mailbox.run_blocking((Vec::new(), |lines: &mut Vec<String>, msg| {
                lines.push(format!("Got: {msg}"));
            }))
        });
        let addr = mailbox.addr();
        addr.send_blocking("Hello").map_err(send_failed)?;
        addr.send_blocking("World").map_err(send_failed)?;
        addr.close();
        p.join()
            .map(|(lines, _)| lines)
            .map_err(|_| failed("the actor thread panicked"))
    })?;
    for line in printed {
        writeln!(out, "{line}")?;
    }

    // Generator-style, on the cooperative scheduler.
    let lines = RefCell::new(Vec::new());
    let mailbox: Mailbox<NoopRawMutex, &str, 8> = Mailbox::new();
    let sched: Scheduler<1> = Scheduler::new();
    let task = pin!(Task::new(printer(mailbox.queue(), &lines)));
    sched.spawn(task).map_err(spawn_failed)?;
    let p = mailbox.addr();
    p.try_send("Hello").map_err(send_failed)?;
    p.try_send("World").map_err(send_failed)?;
    p.close();
    sched.run();
    for line in lines.take() {
        writeln!(out, "{line}")?;
    }
    Ok(())
}

/// The book's generator `print_actor`: `msg = yield` is `inbox.recv().await`,
/// `GeneratorExit` is the closed, drained mailbox.
async fn printer(inbox: &QueueRef<NoopRawMutex, &str>, lines: &RefCell<Vec<String>>) {
    while let Ok(msg) = inbox.recv().await {
        lines.borrow_mut().push(format!("Got: {msg}"));
    }
    lines.borrow_mut().push("Actor terminating".into());
}

/// The book's tagged messages: `('A', x)` and `('B', x, y)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tagged {
    /// `('A', x)`: runs `do_A(x)`.
    A(i32),
    /// `('B', x, y)`: runs `do_B(x, y)`.
    B(i32, i32),
}

/// The book's `TaggedActor`: a `match` replaces `getattr(self, 'do_' + tag)`.
#[derive(Debug, Default)]
struct TaggedActor {
    lines: Vec<String>,
}

impl TaggedActor {
    fn do_a(&mut self, x: i32) {
        self.lines.push(format!("Running A {x}"));
    }
    fn do_b(&mut self, x: i32, y: i32) {
        self.lines.push(format!("Running B {x} {y}"));
    }
}

impl Actor<Tagged> for TaggedActor {
    fn handle(&mut self, msg: Tagged) {
        match msg {
            Tagged::A(x) => self.do_a(x),
            Tagged::B(x, y) => self.do_b(x, y),
        }
    }
}

/// The book's `TaggedActor` demo: `a.send(('A', 1))`, `a.send(('B', 2, 3))`.
///
/// ```
/// let mut out = Vec::new();
/// spindle_cookbook::r12_10_actors::tagged_actor(&mut out).unwrap();
/// assert_eq!(String::from_utf8(out).unwrap(), "Running A 1\nRunning B 2 3\n");
/// ```
pub fn tagged_actor(out: &mut dyn Write) -> io::Result<()> {
    let mailbox: Mailbox<NoopRawMutex, Tagged, 4> = Mailbox::new();
    let sched: Scheduler<1> = Scheduler::new();
    let task = pin!(Task::new(mailbox.run(TaggedActor::default())));
    let mut join = sched.spawn(task).map_err(spawn_failed)?; // a.start()
    let a = mailbox.addr();
    a.try_send(Tagged::A(1)).map_err(send_failed)?;
    a.try_send(Tagged::B(2, 3)).map_err(send_failed)?;
    a.close();
    sched.run(); // a.join()
    let actor = join
        .try_take()
        .ok_or_else(|| failed("the actor did not finish"))?;
    for line in actor.lines {
        writeln!(out, "{line}")?;
    }
    Ok(())
}

/// A function the worker runs, as the book's `func`.
type Func = fn(u64, u32) -> u64;

/// The book's `(func, args, kwargs, r)` message.
type Job<'r> = (Func, u64, u32, Reply<'r, ParkingRawMutex, u64>);

/// The book's `Worker` demo: `r = worker.submit(pow, 2, 3)`, `worker.close()`,
/// `worker.join()`, `print(r.result())`. The result slot is a `Oneshot` the caller
/// owns; the worker answers through the message's `Reply`.
///
/// ```
/// let mut out = Vec::new();
/// spindle_cookbook::r12_10_actors::worker(&mut out).unwrap();
/// assert_eq!(String::from_utf8(out).unwrap(), "8\n");
/// ```
pub fn worker(out: &mut dyn Write) -> io::Result<()> {
    let result = Oneshot::new(); // outlives the mailbox whose message borrows it
    let mailbox: Mailbox<ParkingRawMutex, Job<'_>, 4> = Mailbox::new();
    let r = thread::scope(|s| {
        let w = s.spawn(|| {
            while let Ok((func, x, n, reply)) = mailbox.recv_blocking() {
                let _ = reply.send(func(x, n));
            }
        });
        let r = mailbox
            .addr()
            .ask_blocking(&result, |reply| (u64::pow as Func, 2, 3, reply))
            .map_err(|e| failed(e.to_string()))?;
        mailbox.close();
        w.join().map_err(|_| failed("the worker thread panicked"))?;
        r.get_blocking().map_err(|e| failed(e.to_string()))
    })?;
    writeln!(out, "{r}")
}

/// One ring actor: forwards the token (hops left) to the next actor; on the last
/// hop, or once its own mailbox is closed, closes the next one, so the shutdown
/// goes round the ring once.
async fn ring_node(
    inbox: &QueueRef<NoopRawMutex, u32>,
    next: Addr<'_, NoopRawMutex, u32>,
    handled: &Cell<u64>,
) {
    while let Ok(hops) = inbox.recv().await {
        handled.set(handled.get() + 1);
        if hops == 0 || next.send(hops - 1).await.is_err() {
            break;
        }
    }
    next.close();
}

/// A ring of `actors` actors on one scheduler passing a token `laps` times
/// around; returns how many messages were handled (`actors * laps + 1`).
///
/// ```
/// assert_eq!(spindle_cookbook::r12_10_actors::ring(100, 3).unwrap(), 301);
/// ```
pub fn ring(actors: usize, laps: u32) -> io::Result<u64> {
    const SLOTS: usize = RING_ACTORS;
    if actors == 0 || actors > SLOTS {
        return Err(failed(format!("a ring has 1 to {SLOTS} actors")));
    }
    let hops = u32::try_from(actors)
        .ok()
        .and_then(|a| a.checked_mul(laps))
        .ok_or_else(|| failed("too many hops"))?;
    let handled = Cell::new(0);
    let mailboxes: Vec<Mailbox<NoopRawMutex, u32, 1>> =
        (0..actors).map(|_| Mailbox::new()).collect();
    let sched: Box<Scheduler<SLOTS>> = Box::new(Scheduler::new());
    let mut tasks: Vec<_> = (0..actors)
        .map(|i| {
            let next = mailboxes[(i + 1) % actors].addr();
            Box::pin(Task::new(ring_node(mailboxes[i].queue(), next, &handled)))
        })
        .collect();
    for task in &mut tasks {
        sched.spawn(task.as_mut()).map_err(spawn_failed)?;
    }
    mailboxes[0].addr().try_send(hops).map_err(send_failed)?;
    sched.run();
    Ok(handled.get())
}

/// Runs the demos and writes a summary section.
pub fn run(out: &mut dyn Write) -> io::Result<()> {
    write_heading(out, ID, TITLE)?;

    let text = capture(print_actor)?;
    let lines: Vec<&str> = text.lines().collect();
    if lines
        != [
            "Got: Hello",
            "Got: World",
            "Got: Hello",
            "Got: World",
            "Actor terminating",
        ]
    {
        return Err(failed(format!("unexpected PrintActor output:\n{text}")));
    }
    writeln!(
        out,
        "PrintActor on a thread: {} | {}; close() ended its loop after the queued messages",
        lines[0], lines[1]
    )?;
    writeln!(
        out,
        "generator-style printer task: {}",
        lines[2..].join(" | ")
    )?;

    let text = capture(tagged_actor)?;
    writeln!(
        out,
        "TaggedActor: {}",
        text.lines().collect::<Vec<_>>().join(" | ")
    )?;

    let text = capture(worker)?;
    if text.trim() != "8" {
        return Err(failed(format!("pow(2, 3) gave {text}")));
    }
    writeln!(
        out,
        "Worker: submit(pow, 2, 3).result() -> {} (ask_blocking + a caller-owned Oneshot)",
        text.trim()
    )?;

    let answers = worker_on_a_thread(4)?;
    writeln!(
        out,
        "Worker on its own thread, asked 4 times: {answers:?} (ask_owned_blocking: a fresh reply slot per request)"
    )?;

    supervised(out)?;

    let mailbox: Mailbox<NoopRawMutex, &str, 1> = Mailbox::new();
    mailbox.addr().try_send("first").map_err(send_failed)?;
    match mailbox.addr().try_send("second") {
        Err(SendError::Full(msg)) => writeln!(
            out,
            "full mailbox: try_send gave {msg:?} back (Full); nothing is dropped"
        )?,
        other => return Err(failed(format!("expected Full, got {other:?}"))),
    }

    let t0 = Instant::now();
    let handled = ring(RING_ACTORS, RING_LAPS)?;
    let took = t0.elapsed();
    let expected = RING_ACTORS as u64 * u64::from(RING_LAPS) + 1;
    if handled != expected {
        return Err(failed(format!(
            "the ring handled {handled}, expected {expected}"
        )));
    }
    writeln!(
        out,
        "ring: {RING_ACTORS} actors on one scheduler passed a token {RING_LAPS} times \
         round in {}: {handled} messages ({RING_LAPS} laps x {RING_ACTORS} hops, plus its \
         arrival back at the first actor, which ends the ring)",
        ms(took)
    )?;
    Ok(())
}

/// The book's `Worker` as a thread actor (`spindle_std::actor`), asked `n` times:
/// `2 ** 1`, `2 ** 2`, ... Each request carries an allocated reply, so the same
/// code works however often it asks.
///
/// ```
/// let got = spindle_cookbook::r12_10_actors::worker_on_a_thread(3).unwrap();
/// assert_eq!(got, [2, 4, 8]);
/// ```
pub fn worker_on_a_thread(n: u32) -> io::Result<Vec<u64>> {
    use spindle_std::actor::{spawn_actor, Mailbox, Reply};
    use std::sync::Arc;

    type Pow = (u64, u32, Reply<u64>);
    let mailbox: Arc<Mailbox<Pow, 4>> = Arc::new(Mailbox::new());
    let worker = spawn_actor(
        "worker",
        mailbox.clone(),
        ((), |_: &mut (), (x, e, reply): Pow| {
            let _ = reply.send(x.pow(e));
        }),
    )?;
    let answers = (1..=n)
        .map(|e| {
            let promise = mailbox
                .addr()
                .ask_owned_blocking(|reply| (2, e, reply))
                .map_err(send_failed)?;
            promise.get_blocking().map_err(|e| failed(e.to_string()))
        })
        .collect::<io::Result<Vec<u64>>>();
    mailbox.close();
    let _final_state = worker.join().map_err(|e| failed(e.to_string()))?;
    answers
}

/// A `Supervisor` restarting an actor that panics on bad input (recipe 12.10's
/// actor, plus the restart the book leaves out). Its panic report is replaced
/// for the demo: the panics are deliberate.
///
/// ```
/// let mut out = Vec::new();
/// spindle_cookbook::r12_10_actors::supervised(&mut out).unwrap();
/// assert!(String::from_utf8(out).unwrap().contains("summed 7 + 8 = 15"));
/// ```
pub fn supervised(out: &mut dyn Write) -> io::Result<()> {
    use spindle_std::actor::{Mailbox, Restart, Supervisor};
    use std::sync::Arc;
    use std::time::Duration;

    let mailbox: Arc<Mailbox<i64, 8>> = Arc::new(Mailbox::new());
    let policy = Restart::OnPanic {
        max_restarts: 2,
        within: Duration::from_secs(60),
    };
    let quiet = silence_panics_of("checker");
    let handle = Supervisor::new(policy).spawn("checker", mailbox.clone(), || {
        (0i64, |sum: &mut i64, n: i64| {
            assert!(n >= 0, "negative input {n}"); // a crash, restarted with a fresh sum
            *sum += n;
        })
    })?;
    for n in [5, -1, 7, 8] {
        mailbox.addr().send_blocking(n).map_err(send_failed)?;
    }
    mailbox.close();
    let kept = handle.join().map_err(|e| failed(e.to_string()))?.0;
    writeln!(
        out,
        "Supervisor(OnPanic {{ max_restarts: 2 }}): sent 5, -1, 7, 8; the -1 crashed the actor \
         (deliberately), it was restarted with a fresh state and summed 7 + 8 = {kept}"
    )?;
    // A third crash within the window is one too many: the supervisor gives up,
    // closes the mailbox and join reports the panic.
    let mailbox: Arc<Mailbox<i64, 8>> = Arc::new(Mailbox::new());
    let handle = Supervisor::new(policy).spawn("checker", mailbox.clone(), || {
        (0i64, |_: &mut i64, n: i64| {
            assert!(n >= 0, "negative input {n}")
        })
    })?;
    for n in [-1, -2, -3] {
        // After the last restart is spent the mailbox closes: later sends come back.
        let _ = mailbox.addr().send_blocking(n);
    }
    let err = match handle.join() {
        Err(e) => e,
        Ok(_) => return Err(failed("three crashes should exhaust two restarts")),
    };
    drop(quiet);
    writeln!(
        out,
        "  three crashes within the window: it gave up after {} restarts: {err}",
        err.restarts
    )?;
    if kept != 15 || err.restarts != 2 {
        return Err(failed(format!("supervision went wrong: {kept}, {err}")));
    }
    Ok(())
}

/// Replaces the panic report for threads named `name` until the guard drops:
/// their panics print nothing; every other thread's report is unchanged.
fn silence_panics_of(name: &'static str) -> impl Drop {
    use std::panic;
    use std::sync::Arc;
    type Hook = Arc<dyn Fn(&panic::PanicHookInfo<'_>) + Send + Sync>;
    struct Restore(Option<Hook>);
    impl Drop for Restore {
        fn drop(&mut self) {
            if let Some(previous) = self.0.take() {
                drop(panic::take_hook());
                panic::set_hook(Box::new(move |info| previous(info)));
            }
        }
    }
    let previous: Hook = Arc::from(panic::take_hook());
    let fallback = previous.clone();
    panic::set_hook(Box::new(move |info| {
        if std::thread::current().name() != Some(name) {
            fallback(info);
        }
    }));
    Restore(Some(previous))
}

fn capture(demo: fn(&mut dyn Write) -> io::Result<()>) -> io::Result<String> {
    let mut text = Vec::new();
    demo(&mut text)?;
    String::from_utf8(text).map_err(|e| failed(e.to_string()))
}

fn send_failed<T>(e: SendError<T>) -> io::Error {
    failed(e.to_string())
}

fn spawn_failed<T>(e: spindle_core::sched::SpawnError<T>) -> io::Error {
    failed(e.to_string())
}
