//! spindle-core on a board with no operating system to speak of: no std, no libc, no
//! allocator, our own `_start` and panic handler, and a timer signal as the one
//! interrupt (see [`board`], the program's HAL). It runs, on one cooperative
//! `spindle_core::sched::Scheduler`:
//!
//! - the ISR-to-task pattern: the timer interrupt `try_send`s each tick into a
//!   `static` `Queue<CriticalSectionRawMutex, u32, 4>`, `try_push`es it into an
//!   spsc ring's producer and `set`s two `Event`s, never blocking, never
//!   allocating, counting what did not fit; one task consumes the queue, one
//!   drains the ring;
//! - an actor with a `Mailbox` answering `ask`s (recipe 12.10);
//! - an `Exchange` fanning readings out to two subscriber tasks (12.11), its
//!   publisher paced by the timer's `Event`;
//! - the book's `TaskScheduler` demo, `countdown(10)`, `countdown(5)` and
//!   `countup(15)` taking turns (12.12);
//!
//! and idles with the board's `wait_for_event` (the WFE analogue: `rt_sigsuspend`),
//! so idle means asleep. Before the scheduler starts, `block_on_with` waits for the
//! first tick the same way.
//!
//! It prints a transcript (compared by `ci/bare-metal.sh` with
//! `ci/freestanding/expected.txt`, after normalising the counts that depend on
//! timing) and exits with 0 only if every invariant held: each tick was either
//! received or counted as not fitting, in order, and the idle loop slept rather
//! than spun.
#![no_std]
#![no_main]

mod board;

use core::cell::{Cell, RefCell};
use core::fmt::Write as _;
use core::pin::pin;
use core::sync::atomic::{AtomicBool, AtomicU32, Ordering};

use spindle_core::actor::{Mailbox, Reply};
use spindle_core::exchange::{Exchange, Overflow};
use spindle_core::queue::{spsc, Queue};
use spindle_core::raw::{CriticalSectionRawMutex, NoopRawMutex, SpinRawMutex};
use spindle_core::sched::{yield_now, RunQueue, Scheduler, Task};
use spindle_core::sync::{Event, Mutex, Oneshot};
use spindle_core::wait::block_on_with;

use board::Console;

/// Timer interrupts the program takes before the ISR stops the timer.
const TICKS: u32 = 100;
/// The timer period: 1 ms.
const PERIOD_US: i64 = 1_000;
/// The consumers of the ISR's queue and ring pause after this tick...
const PAUSE_AFTER: u32 = 40;
/// ... until the ISR reaches this one: meanwhile the queue and ring fill up and the
/// ISR's `try_send` / `try_push` hand ticks back, as `Err(Full(tick))`.
const RESUME_AT: u32 = 60;
/// Readings the exchange's publisher sends, one per timer event it sees.
const READINGS: u32 = 5;
/// Questions the actor is asked.
const ASKS: usize = 4;

// ---- state shared with the interrupt handler: statics, interrupt-safe exclusion ----

/// The ISR-to-task queue. `CriticalSectionRawMutex`: its short internal critical
/// sections mask the timer interrupt, so the ISR and the tasks may both touch it.
static TICK_QUEUE: Queue<CriticalSectionRawMutex, u32, 4> = Queue::new();
/// The lock-free ring's storage; split once in `main`.
static mut RING: spsc::Ring<u32, 4> = spsc::Ring::new();
/// The ring's producer half, handed to the ISR (the only one to lock it after
/// `main` stored it there; the ISR drops it after the last tick, closing the ring).
static PRODUCER: Mutex<CriticalSectionRawMutex, Option<spsc::Producer<'static, u32, 4>>> =
    Mutex::new(None);
/// Set by the ISR after each push into the ring.
static RING_READY: Event<CriticalSectionRawMutex> = Event::new();
/// Set by the ISR on each tick: paces the exchange's publisher.
static TICK: Event<CriticalSectionRawMutex> = Event::new();
/// Set by the ISR at tick `RESUME_AT`: the paused consumers go on.
static RESUME: Event<CriticalSectionRawMutex> = Event::new();
/// Set by the ISR on the first tick; `main` waits for it before scheduling.
static STARTED: Event<CriticalSectionRawMutex> = Event::new();

// Counters written only by the ISR (a load and a store, no read-modify-write, so
// this also works on cores without atomic RMW such as thumbv6m); read by `main`.
static TICKS_TAKEN: AtomicU32 = AtomicU32::new(0);
static QUEUE_FULL: AtomicU32 = AtomicU32::new(0);
static RING_FULL: AtomicU32 = AtomicU32::new(0);
/// Set by the ISR once the last tick is in.
static FINISHED: AtomicBool = AtomicBool::new(false);

fn bump(counter: &AtomicU32) {
    counter.store(counter.load(Ordering::Relaxed) + 1, Ordering::Relaxed);
}

/// The timer interrupt handler (the board's vector table entry). What an ISR does
/// with spindle and nothing else: try-operations only, never blocking, never
/// allocating; a value that did not fit comes back (`Err(Full(tick))`) and is
/// counted.
#[no_mangle]
fn timer_isr() {
    let tick = TICKS_TAKEN.load(Ordering::Relaxed) + 1;
    if tick > TICKS {
        return; // a signal already pending when the timer was stopped
    }
    TICKS_TAKEN.store(tick, Ordering::Relaxed);
    if TICK_QUEUE.try_send(tick).is_err() {
        bump(&QUEUE_FULL);
    }
    // `main` never holds this lock once the timer runs, so `try_lock` succeeds.
    let mut producer = PRODUCER.try_lock().ok();
    let pushed = producer
        .as_mut()
        .and_then(|p| p.as_mut())
        .is_some_and(|p| p.try_push(tick).is_ok());
    if !pushed {
        bump(&RING_FULL);
    }
    if tick == TICKS {
        board::stop_timer();
        // The end of input: the queue's consumer drains it, then sees it closed;
        // dropping the producer closes the ring the same way.
        TICK_QUEUE.close();
        if let Some(p) = producer.as_mut() {
            p.take();
        }
        FINISHED.store(true, Ordering::Release);
    }
    drop(producer);
    if tick == RESUME_AT {
        RESUME.set();
    }
    RING_READY.set();
    TICK.set();
    STARTED.set();
}

// ---- the program's runtime: entry and panic handler -------------------------

#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    let _ = writeln!(Console, "panic: {info}");
    board::exit(101)
}

/// The board's entry point: runs the program and exits with its verdict.
#[no_mangle]
fn entry() -> ! {
    let ok = run();
    board::exit(if ok { 0 } else { 1 })
}

// ---- the tasks --------------------------------------------------------------------

/// A fixed-capacity text log (no heap) that a task appends to; printed after the
/// run, in a fixed order, so the transcript does not depend on how the ISR's
/// wake-ups interleave the tasks.
type Log = RefCell<heapless::String<192>>;

fn log(log: &Log, args: core::fmt::Arguments<'_>) {
    // A full log shows as a transcript mismatch (the tail is missing).
    let _ = log.borrow_mut().write_fmt(args);
}

/// The book's `countdown` generator.
async fn countdown(mut n: u32) {
    while n > 0 {
        let _ = writeln!(Console, "T-minus {n}");
        yield_now().await;
        n -= 1;
    }
    let _ = writeln!(Console, "Blastoff!");
}

/// The book's `countup` generator.
async fn countup(n: u32) {
    let mut x = 0;
    while x < n {
        let _ = writeln!(Console, "Counting up {x}");
        yield_now().await;
        x += 1;
    }
}

/// What a consumer of a stream of ticks saw.
#[derive(Clone, Copy, Default)]
struct Seen {
    received: u32,
    last: u32,
    in_order: bool,
}

impl Seen {
    fn new() -> Self {
        Self {
            in_order: true,
            ..Self::default()
        }
    }

    fn take(&mut self, tick: u32) {
        self.in_order &= tick > self.last;
        self.last = tick;
        self.received += 1;
    }

    /// Whether this consumer should now pause (once) to let the ISR overrun it.
    fn pause_now(&self) -> bool {
        self.last >= PAUSE_AFTER && self.last < RESUME_AT && !RESUME.is_set()
    }
}

/// Consumes the ISR's queue until the ISR closes it and it is drained.
async fn queue_consumer() -> Seen {
    let mut seen = Seen::new();
    while let Ok(tick) = TICK_QUEUE.recv().await {
        seen.take(tick);
        if seen.pause_now() {
            RESUME.wait().await;
        }
    }
    seen
}

/// Drains the spsc ring whenever the ISR signals, until the ISR drops the producer.
async fn ring_drainer(mut rx: spsc::Consumer<'static, u32, 4>) -> Seen {
    let mut seen = Seen::new();
    loop {
        RING_READY.clear();
        while let Ok(tick) = rx.try_pop() {
            seen.take(tick);
            if seen.pause_now() {
                RESUME.wait().await;
            }
        }
        if rx.is_closed() {
            // Pushed before the close, after the drain above.
            while let Ok(tick) = rx.try_pop() {
                seen.take(tick);
            }
            return seen;
        }
        RING_READY.wait().await;
    }
}

/// The actor's messages: a question, with the reply slot for its answer.
enum Msg<'r> {
    Square(u32, Reply<'r, NoopRawMutex, u32>),
}

/// Asks the actor `ASKS` questions, one at a time, then closes its mailbox.
async fn asker<'r>(
    mailbox: &Mailbox<NoopRawMutex, Msg<'r>, 2>,
    slots: &'r [Oneshot<NoopRawMutex, u32>; ASKS],
    out: &Log,
) {
    let addr = mailbox.addr();
    for (x, slot) in (1u32..).zip(slots) {
        match addr.ask(slot, |r| Msg::Square(x, r)).await {
            Ok(promise) => match promise.get().await {
                Ok(y) => log(out, format_args!("actor: ask square({x}) -> {y}\n")),
                Err(e) => log(out, format_args!("actor: ask square({x}) failed: {e}\n")),
            },
            Err(e) => log(out, format_args!("actor: send failed: {e}\n")),
        }
    }
    addr.close();
}

/// A subscriber's queue. An exchange's subscribers must be `Sync`, which rules out
/// `NoopRawMutex`; a spin lock is right here: only tasks of this one scheduler
/// touch it (never the ISR), so it is never contended and cannot deadlock.
type Inbox = Queue<SpinRawMutex, u32, 4>;

/// Publishes `READINGS` readings, one per timer event, then closes the
/// subscribers' queues (the end of the stream).
async fn publisher(
    exchange: &Exchange<'_, NoopRawMutex, u32, 2>,
    subscribers: [&Inbox; 2],
    out: &Log,
) {
    let mut sent = 0;
    while sent < READINGS && !FINISHED.load(Ordering::Acquire) {
        TICK.clear();
        TICK.wait().await;
        sent += 1;
        match exchange.send(sent * 10).await {
            Ok(report) if report.is_complete() => {}
            Ok(_) => log(
                out,
                format_args!("exchange: reading {sent} not delivered to all\n"),
            ),
            Err(e) => log(out, format_args!("exchange: publish failed: {e}\n")),
        }
    }
    log(out, format_args!("exchange: published {sent} readings\n"));
    for q in subscribers {
        q.close();
    }
}

/// A subscriber: logs every reading until its queue is closed.
async fn subscriber(name: &str, inbox: &Inbox, out: &Log) {
    log(out, format_args!("exchange: subscriber {name} got"));
    while let Ok(reading) = inbox.recv().await {
        log(out, format_args!(" {reading}"));
    }
    log(out, format_args!("\n"));
}

// ---- main -------------------------------------------------------------------------

static READY: RunQueue<10> = RunQueue::new();

fn run() -> bool {
    let _ = writeln!(
        Console,
        "board: no std, no libc, no allocator; timer every {PERIOD_US} us"
    );

    // SAFETY: the only reference ever made to RING: `run` runs once, and nothing
    // else names the static.
    let ring: &'static mut spsc::Ring<u32, 4> = unsafe { &mut *core::ptr::addr_of_mut!(RING) };
    let (tx, rx) = ring.split();
    if let Ok(mut slot) = PRODUCER.try_lock() {
        *slot = Some(tx);
    }

    if !board::start_timer(PERIOD_US) {
        let _ = writeln!(Console, "board: the kernel refused the timer");
        return false;
    }
    // Blocking on bare metal: poll, and between polls sleep until an interrupt.
    block_on_with(STARTED.wait(), || {
        board::wait_for_event();
    });
    let _ = writeln!(Console, "board: first timer interrupt taken");

    // Storage for every task and message, on this stack frame: no heap.
    let reply_slots: [Oneshot<NoopRawMutex, u32>; ASKS] = core::array::from_fn(|_| Oneshot::new());
    let mailbox: Mailbox<NoopRawMutex, Msg<'_>, 2> = Mailbox::new();
    let sub_a: Inbox = Queue::new();
    let sub_b: Inbox = Queue::new();
    let exchange: Exchange<'_, NoopRawMutex, u32, 2> = Exchange::new();
    let (actor_log, exchange_log, a_log, b_log) = (
        Log::default(),
        Log::default(),
        Log::default(),
        Log::default(),
    );

    let (Ok(_a), Ok(_b)) = (
        exchange.subscribe(&sub_a, Overflow::Wait),
        exchange.subscribe(&sub_b, Overflow::Wait),
    ) else {
        let _ = writeln!(Console, "exchange: no room for two subscribers");
        return false;
    };

    let Ok(sched) = Scheduler::with_run_queue(&READY) else {
        let _ = writeln!(Console, "sched: run queue in use");
        return false;
    };
    let queue_task = pin!(Task::new(queue_consumer()));
    let ring_task = pin!(Task::new(ring_drainer(rx)));
    let actor = pin!(Task::new(mailbox.run((
        0u32,
        |handled: &mut u32, msg| match msg {
            Msg::Square(x, reply) => {
                *handled += 1;
                let _ = reply.send(x * x);
            }
        }
    ))));
    let asking = pin!(Task::new(asker(&mailbox, &reply_slots, &actor_log)));
    let publishing = pin!(Task::new(publisher(
        &exchange,
        [&sub_a, &sub_b],
        &exchange_log
    )));
    let sub_a_task = pin!(Task::new(subscriber("A", &sub_a, &a_log)));
    let sub_b_task = pin!(Task::new(subscriber("B", &sub_b, &b_log)));
    let c10 = pin!(Task::new(countdown(10)));
    let c5 = pin!(Task::new(countdown(5)));
    let u15 = pin!(Task::new(countup(15)));

    let (Ok(mut queue_seen), Ok(mut ring_seen), Ok(mut actor_done)) = (
        sched.spawn(queue_task),
        sched.spawn(ring_task),
        sched.spawn(actor),
    ) else {
        let _ = writeln!(Console, "sched: spawn failed");
        return false;
    };
    let rest = [
        sched.spawn(asking).is_ok(),
        sched.spawn(publishing).is_ok(),
        sched.spawn(sub_a_task).is_ok(),
        sched.spawn(sub_b_task).is_ok(),
        sched.spawn(c10).is_ok(),
        sched.spawn(c5).is_ok(),
        sched.spawn(u15).is_ok(),
    ];
    if rest.contains(&false) {
        let _ = writeln!(Console, "sched: spawn failed");
        return false;
    }

    // The idle hook: sleep until the next interrupt (WFE). Counted, to prove the
    // scheduler slept rather than spun.
    let (idles, sleeps) = (Cell::new(0u32), Cell::new(0u32));
    sched.run_with(|| {
        idles.set(idles.get() + 1);
        if board::wait_for_event() {
            sleeps.set(sleeps.get() + 1);
        }
    });

    // ---- the transcript after the run, in a fixed order ----
    let mut ok = true;
    let mut check = |what: &str, good: bool| {
        if !good {
            let _ = writeln!(Console, "FAILED: {what}");
            ok = false;
        }
    };
    for l in [&actor_log, &exchange_log, &a_log, &b_log] {
        let _ = Console.write_str(&l.borrow());
    }
    let handled = actor_done.try_take().map_or(0, |(n, _)| n);
    let _ = writeln!(Console, "actor: handled {handled} asks, mailbox closed");
    check("the actor answered every ask", handled as usize == ASKS);

    let ticks = TICKS_TAKEN.load(Ordering::Relaxed);
    let _ = writeln!(Console, "isr: took {ticks} timer interrupts");
    check(
        "every tick taken",
        ticks == TICKS && FINISHED.load(Ordering::Acquire),
    );
    for (name, seen, full) in [
        ("queue", queue_seen.try_take(), &QUEUE_FULL),
        ("ring", ring_seen.try_take(), &RING_FULL),
    ] {
        let seen = seen.unwrap_or_default();
        let full = full.load(Ordering::Relaxed);
        let _ = writeln!(
            Console,
            "{name}: received {}, full {full}, of {TICKS}; in order: {}",
            seen.received, seen.in_order
        );
        // Every tick was received or handed back, in order; and the pause made
        // some not fit.
        check(
            name,
            seen.received + full == TICKS && seen.in_order && full > 0,
        );
    }
    let (idles, sleeps) = (idles.get(), sleeps.get());
    let _ = writeln!(Console, "idle: called {idles} times, slept {sleeps} times");
    // A spinning idle loop would be called millions of times; a sleeping one about
    // once per tick (more only for an interrupt latched while tasks ran).
    check("idle slept, not spun", sleeps > 0 && idles <= 2 * TICKS);
    let _ = writeln!(Console, "sched: all tasks done: {}", sched.is_empty());
    check("all tasks done", sched.is_empty());
    if ok {
        let _ = writeln!(Console, "ok");
    }
    ok
}
