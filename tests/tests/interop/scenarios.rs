//! The workloads every executor runs, written once against spindle's async API
//! only, and their checks.

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};

use spindle_core::actor::{Mailbox, Reply};
use spindle_core::sched::yield_now;
use spindle_std::queue::Queue;
use spindle_std::sync::{Event, Mutex, Oneshot, RawMutex, Semaphore};

/// A generous deadline for one test: a hang (a lost wake-up) fails it instead of
/// stalling the suite. Never a speed claim.
pub const DEADLINE: std::time::Duration = std::time::Duration::from_secs(120);

/// Items through a queue per test: many times its capacity, so that both the
/// sender and the receiver wait (and are woken across executors) again and again.
pub const ITEMS: u32 = 2_000;
/// Rounds per task of the lock and semaphore workloads.
pub const ROUNDS: u64 = 200;
/// Round trips of the event ping-pong.
pub const PINGS: u32 = 200;
/// Requests to the actor, per asker.
pub const ASKS: u64 = 50;

/// A small queue, so that it is full (senders wait) and empty (receivers wait)
/// most of the time.
pub type Pipe = Queue<u32, 4>;

/// A `'static` reference to `value`, for tasks that outlive the test's stack frame
/// (tokio and embassy spawn `'static` futures). The leak is a few bytes per test.
pub fn leak<T>(value: T) -> &'static T {
    Box::leak(Box::new(value))
}

/// Sends `0..items` with `send().await`, then closes the queue.
pub async fn produce(q: &Pipe, items: u32) {
    for i in 0..items {
        q.send(i).await.unwrap();
    }
    q.close();
}

/// Receives with `recv().await` until the queue is closed and drained.
pub async fn consume(q: &Pipe) -> Vec<u32> {
    let mut got = Vec::new();
    while let Ok(v) = q.recv().await {
        got.push(v);
    }
    got
}

/// One producer and one consumer: every item arrived, once, in order.
pub fn assert_in_order(got: &[u32], items: u32) {
    assert_eq!(got.len(), items as usize, "items lost or duplicated");
    assert!(
        got.iter().copied().eq(0..items),
        "items out of order: {got:?}"
    );
}

/// Read, yield to the executor while holding the lock, write back: a lost update
/// (two tasks inside at once) shows in the final count.
pub async fn add_under_lock(m: &Mutex<u64>, rounds: u64) {
    for _ in 0..rounds {
        let mut g = m.lock().await;
        let seen = *g;
        yield_now().await;
        *g = seen + 1;
    }
}

/// Who is inside a semaphore-bounded section now, and the most ever at once.
#[derive(Debug, Default)]
pub struct Section {
    inside: AtomicUsize,
    peak: AtomicUsize,
    entries: AtomicUsize,
}

impl Section {
    /// After the tasks have finished: never more than `permits` tasks were inside
    /// at once, all `entries` happened, and every permit is back in `sem`.
    pub fn assert_bounded(&self, sem: &Semaphore, permits: usize, entries: usize) {
        assert_eq!(self.inside.load(SeqCst), 0, "a task is still inside");
        let peak = self.peak.load(SeqCst);
        assert!(
            peak <= permits,
            "{peak} tasks inside a {permits}-permit section"
        );
        assert_eq!(self.entries.load(SeqCst), entries);
        assert_eq!(sem.available_permits(), permits);
    }
}

/// Enters `section` `rounds` times, each time holding a permit of `sem` and
/// yielding inside, so that the others contend for the permits meanwhile.
pub async fn enter_bounded(sem: &Semaphore, section: &Section, rounds: u64) {
    for _ in 0..rounds {
        let _permit = sem.acquire().await;
        let now = section.inside.fetch_add(1, SeqCst) + 1;
        section.peak.fetch_max(now, SeqCst);
        section.entries.fetch_add(1, SeqCst);
        yield_now().await;
        section.inside.fetch_sub(1, SeqCst);
    }
}

/// Two events bouncing a turn between two sides: each side waits for its event,
/// clears it and sets the other's, so every round needs a wake-up that crosses
/// to the other side.
#[derive(Debug, Default)]
pub struct PingPong {
    ping: Event,
    pong: Event,
    rounds: AtomicUsize,
}

impl PingPong {
    /// The side that serves: sets `ping`, then waits for the answer.
    pub async fn pinger(&self, rounds: u32) {
        for _ in 0..rounds {
            self.ping.set();
            self.pong.wait().await;
            self.pong.clear();
            self.rounds.fetch_add(1, SeqCst);
        }
    }

    /// The side that answers each `ping` with a `pong`.
    pub async fn ponger(&self, rounds: u32) {
        for _ in 0..rounds {
            self.ping.wait().await;
            self.ping.clear();
            self.pong.set();
        }
    }

    /// Round trips the pinger completed.
    pub fn rounds(&self) -> usize {
        self.rounds.load(SeqCst)
    }
}

/// A request to the squaring actor: the number and where to answer.
pub type Ask = (u64, Reply<'static, RawMutex, u64>);
/// The actor's mailbox (recipe 12.10).
pub type Inbox = Mailbox<RawMutex, Ask, 2>;

/// The actor: answers every request with its square until the mailbox is closed
/// and drained; returns how many it answered.
pub async fn squarer(inbox: &Inbox) -> usize {
    let mut answered = 0;
    while let Ok((x, reply)) = inbox.recv().await {
        reply.send(x * x).unwrap();
        answered += 1;
    }
    answered
}

/// Asks the actor for the squares of `from..from + asks` with the core's `ask`
/// (one fresh `Oneshot` slot per request) and checks every answer.
pub async fn ask_squares(inbox: &'static Inbox, from: u64, asks: u64) {
    let slots: &'static [Oneshot<u64>] = Vec::leak((0..asks).map(|_| Oneshot::new()).collect());
    for (x, slot) in (from..).zip(slots) {
        let promise = inbox.addr().ask(slot, |reply| (x, reply)).await.unwrap();
        assert_eq!(promise.get().await.unwrap(), x * x);
    }
}

/// An executor's way to give up on a future: run it a little, then drop it
/// (tokio: `time::timeout`; futures: `select` against a yield; embassy: a bounded
/// poll). `None` if the future had not completed.
pub trait GiveUp {
    fn give_up<F: Future>(&self, fut: F) -> impl Future<Output = Option<F::Output>>;
}

/// Each primitive with a waiter given up on mid-wait (its future dropped while
/// queued): the primitive must stay consistent, i.e. the value, lock, permit or
/// event goes to the next waiter as if the dropped one had never been there.
pub async fn cancelled_waits_leave_primitives_consistent(g: &impl GiveUp) {
    // A receive given up on an empty queue takes nothing: the next value goes to
    // the next receiver.
    let q = Pipe::new();
    assert!(g.give_up(q.recv()).await.is_none(), "nothing was sent yet");
    q.send(7).await.unwrap();
    assert_eq!(q.recv().await.unwrap(), 7);

    // A send given up on a full queue puts nothing in, and frees its place in line.
    for i in 0..4 {
        q.send(i).await.unwrap();
    }
    assert!(g.give_up(q.send(99)).await.is_none(), "the queue is full");
    q.close();
    assert_in_order(&consume(&q).await, 4);

    // A lock wait given up while the lock is held leaves the lock to the next.
    let m = Mutex::new(0u64);
    let held = m.lock().await;
    assert!(g.give_up(m.lock()).await.is_none(), "the lock is held");
    drop(held);
    *m.lock().await += 1;
    assert_eq!(m.into_inner(), 1);

    // An acquire given up while no permit is free takes no permit.
    let sem = Semaphore::new(1);
    let permit = sem.acquire().await;
    assert!(
        g.give_up(sem.acquire()).await.is_none(),
        "no permit is free"
    );
    drop(permit);
    assert_eq!(sem.available_permits(), 1);
    drop(sem.acquire().await);

    // An event wait given up before the set: the next wait still sees the set.
    let ev = Event::new();
    assert!(g.give_up(ev.wait()).await.is_none(), "the event is not set");
    ev.set();
    ev.wait().await;

    // A promise given up before the answer: the answer stays in the slot.
    let slot = Oneshot::new();
    assert!(
        g.give_up(slot.recv()).await.is_none(),
        "nothing was sent yet"
    );
    slot.send(5u32).unwrap();
    assert_eq!(slot.recv().await.unwrap(), 5);
}
