//! Recipe 12.12, "using generators as an alternative to threads": Python's
//! generators are Rust's `async` tasks, and the book's `TaskScheduler` is
//! spindle's cooperative [`Scheduler`]. Two demos, each printing exactly what the
//! book's Python prints:
//!
//! - [`generators`]: `countdown(10)`, `countdown(5)` and `countup(15)` taking turns
//!   (`yield` is [`yield_now`]).
//! - [`actors`]: the book's `ActorScheduler` with its `printer` and `counter`
//!   actors, each a task whose mailbox is a bounded spindle [`Queue`]. The counter
//!   "recursively" sends itself the next count, as messages, so counting down
//!   from a million takes constant stack and memory.
//!
//! - [`echo`] (the recipe's I/O half): the book's generator-based `EchoServer`,
//!   which answers each line with `GOT:` + the line, is
//!   [`spindle_std::io::echo::EchoServer`] (scheduler + reactor on one thread);
//!   here it is driven by clients that are themselves tasks of one scheduler on
//!   another thread, talking through [`spindle_std::io::TcpStream`].
//!
//! The example binary prints those outputs verbatim
//! (`cargo run -p spindle-cookbook --example r12_12_generators [actors N | echo]`);
//! the `spindle run 12.12` section summarises them.

use std::cell::RefCell;
use std::fmt;
use std::io::{self, Write};
use std::pin::pin;
use std::time::Instant;

use spindle_core::queue::Queue;
use spindle_core::raw::NoopRawMutex;
use spindle_core::sched::{yield_now, Scheduler, Task};

use crate::{failed, ms, write_heading};

/// The book's recipe number.
pub const ID: &str = "12.12";
/// The module and example name.
pub const NAME: &str = "r12_12_generators";
/// The section title.
pub const TITLE: &str = "Generators as tasks: a cooperative scheduler";

/// The count the book's actor demo starts from.
pub const BOOK_COUNT: u64 = 10_000;

/// Room in each actor's mailbox: the counter waits when the printer falls this
/// far behind.
const MAILBOX: usize = 64;

/// A writer shared by the tasks of one scheduler (one thread): lines go out in the
/// order the tasks print them, and the first I/O error is kept.
struct Console<'w> {
    out: RefCell<&'w mut dyn Write>,
    error: RefCell<Option<io::Error>>,
}

impl<'w> Console<'w> {
    fn new(out: &'w mut dyn Write) -> Self {
        Self {
            out: RefCell::new(out),
            error: RefCell::new(None),
        }
    }

    /// Python's `print`.
    fn print(&self, line: fmt::Arguments<'_>) {
        if self.error.borrow().is_some() {
            return;
        }
        if let Err(e) = writeln!(self.out.borrow_mut(), "{line}") {
            *self.error.borrow_mut() = Some(e);
        }
    }

    fn finish(self) -> io::Result<()> {
        match self.error.into_inner() {
            Some(e) => Err(e),
            None => self.out.into_inner().flush(),
        }
    }
}

/// The book's `countdown` generator.
async fn countdown(console: &Console<'_>, mut n: u32) {
    while n > 0 {
        console.print(format_args!("T-minus {n}"));
        yield_now().await;
        n -= 1;
    }
    console.print(format_args!("Blastoff!"));
}

/// The book's `countup` generator.
async fn countup(console: &Console<'_>, n: u32) {
    let mut x = 0;
    while x < n {
        console.print(format_args!("Counting up {x}"));
        yield_now().await;
        x += 1;
    }
}

/// The book's `TaskScheduler` demo: `countdown(10)`, `countdown(5)` and
/// `countup(15)` run round-robin, each until its next `yield`.
///
/// ```
/// let mut out = Vec::new();
/// spindle_cookbook::r12_12_generators::generators(&mut out).unwrap();
/// let text = String::from_utf8(out).unwrap();
/// assert!(text.starts_with("T-minus 10\nT-minus 5\nCounting up 0\nT-minus 9\n"));
/// assert_eq!(text.lines().filter(|l| *l == "Blastoff!").count(), 2);
/// ```
pub fn generators(out: &mut dyn Write) -> io::Result<()> {
    let console = Console::new(out);
    task_demo(&console)?;
    console.finish()
}

fn task_demo(console: &Console<'_>) -> io::Result<()> {
    let sched: Scheduler<3> = Scheduler::new();
    // `sched.new_task(countdown(10))`, ...: the tasks live in pinned storage.
    let a = pin!(Task::new(countdown(console, 10)));
    let b = pin!(Task::new(countdown(console, 5)));
    let c = pin!(Task::new(countup(console, 15)));
    sched.spawn(a).map_err(spawn_failed)?;
    sched.spawn(b).map_err(spawn_failed)?;
    sched.spawn(c).map_err(spawn_failed)?;
    sched.run();
    Ok(())
}

fn spawn_failed(e: impl std::fmt::Display) -> io::Error {
    failed(e.to_string())
}

/// An actor's mailbox.
type Mailbox = Queue<NoopRawMutex, u64, MAILBOX>;

/// The book's `ActorScheduler.send`: a message to a named actor. Unknown names
/// are ignored, as in the book.
struct Actors<'m> {
    named: [(&'static str, &'m Mailbox); 2],
}

impl Actors<'_> {
    async fn send(&self, name: &str, msg: u64) {
        if let Some((_, mailbox)) = self.named.iter().find(|(n, _)| *n == name) {
            // Waits while the mailbox is full; never closed here.
            let _ = mailbox.send(msg).await;
        }
    }
}

/// The book's `printer` actor.
async fn printer(console: &Console<'_>, inbox: &Mailbox) {
    while let Ok(msg) = inbox.recv().await {
        console.print(format_args!("Got: {msg}"));
    }
}

/// The book's `counter` actor.
async fn counter(actors: &Actors<'_>, inbox: &Mailbox) {
    while let Ok(n) = inbox.recv().await {
        if n == 0 {
            break;
        }
        // Send to the printer task
        actors.send("printer", n).await;
        // Send the next count to the counter task (a message, not recursion)
        actors.send("counter", n - 1).await;
    }
}

/// The book's `ActorScheduler` demo: the counter, started with `n`, sends the
/// printer `n`, `n - 1`, ... `1`; the printer prints `Got: n` for each. Runs until
/// no message is pending, like the book's `run`.
///
/// ```
/// let mut out = Vec::new();
/// spindle_cookbook::r12_12_generators::actors(&mut out, 3).unwrap();
/// assert_eq!(String::from_utf8(out).unwrap(), "Got: 3\nGot: 2\nGot: 1\n");
/// ```
pub fn actors(out: &mut dyn Write, n: u64) -> io::Result<()> {
    let console = Console::new(out);
    actor_demo(&console, n)?;
    console.finish()
}

fn actor_demo(console: &Console<'_>, n: u64) -> io::Result<()> {
    let printer_box = Mailbox::new();
    let counter_box = Mailbox::new();
    let names = Actors {
        named: [("printer", &printer_box), ("counter", &counter_box)],
    };
    let sched: Scheduler<2> = Scheduler::new();
    // `sched.new_actor('printer', printer())`, `sched.new_actor('counter', ...)`
    let p = pin!(Task::new(printer(console, &printer_box)));
    let c = pin!(Task::new(counter(&names, &counter_box)));
    sched.spawn(p).map_err(spawn_failed)?;
    sched.spawn(c).map_err(spawn_failed)?;
    // `sched.send('counter', n)`
    counter_box
        .try_send(n)
        .map_err(|_| failed("the counter's mailbox is full"))?;
    // Run as long as there are pending messages: the printer then waits for more.
    sched.run_until_stalled();
    Ok(())
}

/// Runs both demos and writes a summary section.
pub fn run(out: &mut dyn Write) -> io::Result<()> {
    write_heading(out, ID, TITLE)?;

    let mut text = Vec::new();
    let t0 = Instant::now();
    generators(&mut text)?;
    let took = t0.elapsed();
    let text = String::from_utf8(text).map_err(|e| failed(e.to_string()))?;
    let lines: Vec<&str> = text.lines().collect();
    if lines.len() != 32 || lines.iter().filter(|l| **l == "Blastoff!").count() != 2 {
        return Err(failed(format!("unexpected TaskScheduler output:\n{text}")));
    }
    writeln!(
        out,
        "TaskScheduler: countdown(10), countdown(5), countup(15) took turns at each \
         yield: {} lines in {}",
        lines.len(),
        ms(took)
    )?;
    writeln!(
        out,
        "  {} ... {}",
        lines[..4].join(" | "),
        lines[lines.len() - 1]
    )?;

    let mut count = LineCounter::default();
    let t0 = Instant::now();
    actors(&mut count, BOOK_COUNT)?;
    let took = t0.elapsed();
    if count.lines != BOOK_COUNT {
        return Err(failed(format!(
            "the printer got {} messages, expected {BOOK_COUNT}",
            count.lines
        )));
    }
    writeln!(
        out,
        "ActorScheduler: counter({BOOK_COUNT}) sent the printer {} messages through \
         {MAILBOX}-slot mailboxes in {} (constant stack: messages, not recursion)",
        count.lines,
        ms(took)
    )?;

    #[cfg(unix)]
    {
        let t0 = Instant::now();
        let run = echo_run(ECHO_CLIENTS, ECHO_LINES)?;
        let took = t0.elapsed();
        writeln!(
            out,
            "EchoServer: {} clients, all tasks of one scheduler, sent {} lines each to the \
             one-thread server and got every `GOT:` answer back in {} ({} connections, \
             {} lines answered)",
            ECHO_CLIENTS,
            ECHO_LINES,
            ms(took),
            run.report.connections,
            run.report.lines
        )?;
        writeln!(out, "  {}", run.transcripts[0][0])?;
    }
    Ok(())
}

/// Clients of the tour's echo demo.
#[cfg(unix)]
pub const ECHO_CLIENTS: usize = 8;
/// Lines each client sends in the tour's echo demo.
#[cfg(unix)]
pub const ECHO_LINES: usize = 5;

/// The longest line the demo's server takes.
#[cfg(unix)]
const ECHO_MAX_LINE: usize = 1024;

/// What [`echo_run`] saw.
#[cfg(unix)]
struct EchoRun {
    /// Per client, in client order: one line per exchange.
    transcripts: Vec<Vec<String>>,
    /// What the server logged, in its order.
    server_log: Vec<String>,
    report: spindle_std::io::echo::EchoReport,
}

/// The book's `EchoServer` demo: `clients` clients, each sending `lines` lines to
/// the one-thread echo server and checking each `GOT:` answer; prints each
/// client's exchanges (in client order), then the server's log and its summary.
///
/// ```
/// let mut out = Vec::new();
/// spindle_cookbook::r12_12_generators::echo(&mut out, 2, 2).unwrap();
/// let text = String::from_utf8(out).unwrap();
/// assert!(text.starts_with("client 0: sent \"client 0 line 0\", got \"GOT:client 0 line 0\"\n"));
/// assert!(text.contains("server: 2 connections, 4 lines answered"));
/// ```
#[cfg(unix)]
pub fn echo(out: &mut dyn Write, clients: usize, lines: usize) -> io::Result<()> {
    let run = echo_run(clients, lines)?;
    for line in run.transcripts.iter().flatten() {
        writeln!(out, "{line}")?;
    }
    for line in &run.server_log {
        writeln!(out, "server log: {line}")?;
    }
    let r = run.report;
    writeln!(
        out,
        "server: {} connections, {} lines answered, {} bytes sent back",
        r.connections, r.lines, r.bytes
    )?;
    out.flush()
}

#[cfg(unix)]
fn echo_run(clients: usize, lines: usize) -> io::Result<EchoRun> {
    use spindle_std::io::echo::EchoServer;
    use std::sync::{Arc, Mutex};

    let log = Arc::new(Mutex::new(Vec::new()));
    let server_log = log.clone();
    let server = EchoServer::bind("127.0.0.1:0")?
        .max_line(ECHO_MAX_LINE)
        .on_event(move |e| {
            if let Ok(mut log) = server_log.lock() {
                log.push(e.to_string());
            }
        });
    let addr = server.local_addr()?;
    let stop = server.stopper();
    let serving = std::thread::spawn(move || server.serve());
    let transcripts = echo_clients(addr, clients, lines);
    stop.stop();
    let report = serving
        .join()
        .map_err(|_| failed("the echo server thread panicked"))??;
    let transcripts = transcripts?;
    let server_log = log.lock().map(|l| l.clone()).unwrap_or_default();
    Ok(EchoRun {
        transcripts,
        server_log,
        report,
    })
}

/// Runs `clients` client tasks on one scheduler and reactor (this thread).
#[cfg(unix)]
fn echo_clients(
    addr: std::net::SocketAddr,
    clients: usize,
    lines: usize,
) -> io::Result<Vec<Vec<String>>> {
    use spindle_std::io::Reactor;
    use std::rc::Rc;

    const MAX_CLIENTS: usize = 64;
    if clients > MAX_CLIENTS {
        return Err(failed(format!("at most {MAX_CLIENTS} demo clients")));
    }
    let reactor = Reactor::new()?;
    let sched: Scheduler<MAX_CLIENTS> = reactor.scheduler();
    /// Per client: its transcript, once its task is over.
    type Outcomes = Rc<RefCell<Vec<Option<io::Result<Vec<String>>>>>>;
    let results: Outcomes = Rc::new(RefCell::new((0..clients).map(|_| None).collect()));
    for i in 0..clients {
        let (r, results) = (reactor.clone(), results.clone());
        sched
            .spawn_boxed(async move {
                let got = echo_client(&r, addr, i, lines).await;
                results.borrow_mut()[i] = Some(got);
            })
            .map_err(spawn_failed)?;
    }
    reactor.run(&sched);
    let results = results.take();
    results
        .into_iter()
        .map(|r| r.unwrap_or_else(|| Err(failed("a client task did not finish"))))
        .collect()
}

/// One client: `lines` lines out, each answer checked.
#[cfg(unix)]
async fn echo_client(
    reactor: &spindle_std::io::Reactor,
    addr: std::net::SocketAddr,
    i: usize,
    lines: usize,
) -> io::Result<Vec<String>> {
    use spindle_std::io::{LineReader, TcpStream};

    let stream = TcpStream::connect(reactor, addr).await?;
    let mut answers = LineReader::new(&stream);
    let mut transcript = Vec::with_capacity(lines);
    let mut back = Vec::new();
    for n in 0..lines {
        let line = format!("client {i} line {n}\n");
        stream.write_all(line.as_bytes()).await?;
        back.clear();
        answers
            .read_line(&mut back, ECHO_MAX_LINE + 4)
            .await
            .map_err(|e| failed(format!("client {i}: {e}")))?;
        let want = format!("GOT:{line}");
        if back != want.as_bytes() {
            return Err(failed(format!(
                "client {i}: sent {line:?}, got {:?}",
                String::from_utf8_lossy(&back)
            )));
        }
        transcript.push(format!(
            "client {i}: sent {:?}, got {:?}",
            line.trim_end(),
            want.trim_end()
        ));
        // Let the other clients take their turn (the book's `yield`).
        yield_now().await;
    }
    Ok(transcript)
}

/// Counts lines written to it.
#[derive(Debug, Default)]
struct LineCounter {
    lines: u64,
}

impl Write for LineCounter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.lines += buf.iter().filter(|&&b| b == b'\n').count() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
