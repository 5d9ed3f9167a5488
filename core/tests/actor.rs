//! Actors (recipe 12.10) on spindle's cooperative scheduler and on threads.

use core::pin::pin;
use std::cell::RefCell;

use spindle_core::actor::{reply, Actor, Addr, AskError, Mailbox, Reply};
use spindle_core::error::{RecvError, SendError};
use spindle_core::queue::QueueRef;
use spindle_core::raw::{NoopRawMutex, ParkingRawMutex};
use spindle_core::sched::{RunQueue, Scheduler, Task};
use spindle_core::sync::Oneshot;

/// The book's `PrintActor`, as a hand-written generator-style `async fn`.
async fn print_actor(inbox: &QueueRef<NoopRawMutex, &'static str>, out: &RefCell<Vec<String>>) {
    while let Ok(msg) = inbox.recv().await {
        out.borrow_mut().push(format!("Got: {msg}"));
    }
    out.borrow_mut().push("Actor terminating".into());
}

#[test]
fn print_actor_handles_then_terminates_on_close() {
    let out = RefCell::new(Vec::new());
    let mailbox: Mailbox<NoopRawMutex, &str, 4> = Mailbox::new();
    let sched: Scheduler<1> = Scheduler::new();
    let p = pin!(Task::new(print_actor(mailbox.queue(), &out)));
    let join = sched.spawn(p).unwrap();
    let addr = mailbox.addr();
    addr.try_send("Hello").unwrap();
    addr.try_send("World").unwrap();
    assert!(addr.close());
    sched.run();
    assert!(join.is_finished());
    assert_eq!(
        *out.borrow(),
        ["Got: Hello", "Got: World", "Actor terminating"]
    );
}

/// Heap-free: a `static` run queue, the mailbox on the stack, a sender task that
/// waits for room, and the actor's join handle.
#[test]
fn actor_without_heap() {
    static READY: RunQueue<2> = RunQueue::new();
    let sched = Scheduler::with_run_queue(&READY).unwrap();
    let mailbox: Mailbox<NoopRawMutex, u32, 2> = Mailbox::new();
    let actor = pin!(Task::new(mailbox.run((0u32, |sum: &mut u32, n| *sum += n))));
    let mut join = sched.spawn(actor).unwrap();
    let addr = mailbox.addr();
    let sender = pin!(Task::new(async move {
        for n in 1..=10 {
            addr.send(n).await.unwrap(); // waits: the mailbox holds 2
        }
        addr.close();
    }));
    sched.spawn(sender).unwrap();
    sched.run();
    assert_eq!(join.try_take().map(|(sum, _)| sum), Some(55));
}

#[derive(Debug, PartialEq)]
enum Tagged {
    A(i32),
    B(i32, i32),
}

#[derive(Default)]
struct TaggedActor {
    log: Vec<String>,
    stopped: bool,
}

impl Actor<Tagged> for TaggedActor {
    fn handle(&mut self, msg: Tagged) {
        match msg {
            Tagged::A(x) => self.log.push(format!("Running A {x}")),
            Tagged::B(x, y) => self.log.push(format!("Running B {x} {y}")),
        }
    }
    fn stopped(&mut self) {
        self.stopped = true;
    }
}

#[test]
fn tagged_actor_dispatches_by_variant() {
    let mailbox: Mailbox<NoopRawMutex, Tagged, 4> = Mailbox::new();
    let sched: Scheduler<1> = Scheduler::new();
    let task = pin!(Task::new(mailbox.run(TaggedActor::default())));
    let mut join = sched.spawn(task).unwrap();
    let a = mailbox.addr();
    a.try_send(Tagged::A(1)).unwrap();
    a.try_send(Tagged::B(2, 3)).unwrap();
    a.close();
    sched.run();
    let actor = join.try_take().unwrap();
    assert!(actor.stopped);
    assert_eq!(actor.log, ["Running A 1", "Running B 2 3"]);
}

/// The book's `Worker`: runs a function, answers through a reply slot.
enum Job<'r> {
    Pow(u64, u32, Reply<'r, NoopRawMutex, u64>),
    Ignore(Reply<'r, NoopRawMutex, u64>),
}

async fn worker(inbox: &QueueRef<NoopRawMutex, Job<'_>>) {
    while let Ok(job) = inbox.recv().await {
        match job {
            Job::Pow(x, n, reply) => {
                let _ = reply.send(x.pow(n));
            }
            Job::Ignore(reply) => drop(reply), // unanswered: the asker sees Closed
        }
    }
}

#[test]
fn worker_ask_reply_on_the_scheduler() {
    let (r1, r2, r3) = (Oneshot::new(), Oneshot::new(), Oneshot::new());
    let mailbox: Mailbox<NoopRawMutex, Job<'_>, 1> = Mailbox::new();
    let sched: Scheduler<2> = Scheduler::new();
    let w = pin!(Task::new(worker(mailbox.queue())));
    let mut wj = sched.spawn(w).unwrap();
    let addr = mailbox.addr();
    let asker = pin!(Task::new(async {
        // The mailbox holds one message: the second ask waits for room.
        let p1 = addr.ask(&r1, |r| Job::Pow(2, 3, r)).await.unwrap();
        let p2 = addr.ask(&r2, |r| Job::Pow(3, 2, r)).await.unwrap();
        let p3 = addr.ask(&r3, Job::Ignore).await.unwrap();
        let answers = (p1.get().await, p2.get().await, p3.get().await);
        addr.close();
        answers
    }));
    let mut aj = sched.spawn(asker).unwrap();
    sched.run();
    assert_eq!(aj.try_take(), Some((Ok(8), Ok(9), Err(RecvError::Closed))));
    assert_eq!(wj.try_take(), Some(()));
}

#[test]
fn try_ask_on_full_or_closed_mailbox_gives_the_message_back() {
    // Reply slots outlive the mailbox whose messages borrow them.
    let (slot, other, third) = (Oneshot::new(), Oneshot::new(), Oneshot::new());
    let mailbox: Mailbox<NoopRawMutex, Job<'_>, 1> = Mailbox::new();
    let addr = mailbox.addr();
    let p = addr.try_ask(&slot, |r| Job::Pow(2, 2, r)).unwrap();
    let Err(AskError::Send(SendError::Full(Job::Pow(2, 10, reply)))) =
        addr.try_ask(&other, |r| Job::Pow(2, 10, r))
    else {
        panic!("expected Full with the job back");
    };
    drop(reply);
    assert_eq!(other.try_recv(), Err(RecvError::Closed));
    addr.close();
    assert!(matches!(
        addr.try_ask(&third, Job::Ignore),
        Err(AskError::Send(SendError::Closed(Job::Ignore(_))))
    ));
    // The queued job is still handled after close.
    spindle_core::wait::block_on(worker(mailbox.queue()));
    assert_eq!(p.try_get(), Ok(4));
}

#[test]
fn worker_on_a_thread_with_blocking_ask() {
    type Func = fn(u64, u32) -> u64;
    static WORKER: Mailbox<
        ParkingRawMutex,
        (Func, u64, u32, Reply<'static, ParkingRawMutex, u64>),
        2,
    > = Mailbox::new();
    static R: Oneshot<ParkingRawMutex, u64> = Oneshot::new();
    let t = std::thread::spawn(|| {
        WORKER.for_each_blocking_for_test();
    });
    let r = WORKER
        .addr()
        .ask_blocking(&R, |reply| (u64::pow as Func, 2, 3, reply))
        .unwrap();
    // The static slot served its one request: asking again on it is refused
    // at the ask (it used to yield a promise that was already closed).
    assert!(matches!(
        WORKER
            .addr()
            .ask_blocking(&R, |reply| (u64::pow as Func, 3, 2, reply)),
        Err(AskError::SlotInUse)
    ));
    // Arc-based reply slots (`alloc`): the message borrows nothing.
    let mut shared = Vec::new();
    for x in 0..5u64 {
        let (reply, promise) = reply::pair();
        WORKER
            .addr()
            .send_blocking((|a: u64, _| a * 10, x, 0, reply))
            .unwrap();
        shared.push(promise);
    }
    // Or let the ask allocate the pair: as many requests as you like.
    for x in 5..8u64 {
        let promise = WORKER
            .addr()
            .ask_owned_blocking(|reply| (|a: u64, _| a * 10, x, 0, reply))
            .unwrap();
        shared.push(promise);
    }
    WORKER.addr().close();
    assert_eq!(r.get_blocking(), Ok(8));
    let got: Vec<_> = shared.iter().map(|p| p.get_blocking().unwrap()).collect();
    assert_eq!(got, [0, 10, 20, 30, 40, 50, 60, 70]);
    t.join().unwrap();
}

trait ForEachBlocking {
    fn for_each_blocking_for_test(&self);
}

impl<const N: usize> ForEachBlocking
    for Mailbox<
        ParkingRawMutex,
        (
            fn(u64, u32) -> u64,
            u64,
            u32,
            Reply<'static, ParkingRawMutex, u64>,
        ),
        N,
    >
{
    fn for_each_blocking_for_test(&self) {
        while let Ok((f, x, n, reply)) = self.recv_blocking() {
            let _ = reply.send(f(x, n));
        }
    }
}

#[test]
fn close_drains_queued_messages_then_stops() {
    let seen = RefCell::new(Vec::new());
    let mailbox: Mailbox<NoopRawMutex, u32, 8> = Mailbox::new();
    let addr = mailbox.addr();
    for n in 0..5 {
        addr.try_send(n).unwrap();
    }
    assert!(addr.close());
    assert_eq!(addr.try_send(99), Err(SendError::Closed(99)));
    assert!(addr.is_closed());
    let sched: Scheduler<1> = Scheduler::new();
    let task = pin!(Task::new(mailbox.for_each(|n| seen.borrow_mut().push(n))));
    let mut join = sched.spawn(task).unwrap();
    sched.run();
    assert_eq!(join.try_take(), Some(5));
    assert_eq!(*seen.borrow(), [0, 1, 2, 3, 4]);
    assert_eq!(mailbox.try_recv(), Err(RecvError::Closed));
}

#[test]
fn try_send_full_gives_the_message_back() {
    let mailbox: Mailbox<NoopRawMutex, String, 2> = Mailbox::new();
    let addr = mailbox.addr();
    addr.try_send("a".into()).unwrap();
    addr.try_send("b".into()).unwrap();
    match addr.try_send("c".into()) {
        Err(SendError::Full(msg)) => assert_eq!(msg, "c"),
        other => panic!("expected Full, got {other:?}"),
    }
    assert_eq!(mailbox.len(), 2);
}

#[test]
fn blocking_send_to_an_actor_on_a_thread() {
    static INBOX: Mailbox<ParkingRawMutex, u64, 1> = Mailbox::new();
    let actor = std::thread::spawn(|| INBOX.run_blocking((0u64, |s: &mut u64, n| *s += n)).0);
    for n in 1..=1000 {
        INBOX.addr().send_blocking(n).unwrap();
    }
    INBOX.addr().close();
    assert_eq!(actor.join().unwrap(), 500_500);
}

/// One ring node: forward the token (hops left) to the next actor; on 0 (or when
/// its own mailbox closes) close the next mailbox, so the shutdown travels the
/// ring once.
async fn ring_node(inbox: &QueueRef<NoopRawMutex, u32>, next: Addr<'_, NoopRawMutex, u32>) -> u32 {
    let mut handled = 0;
    while let Ok(hops) = inbox.recv().await {
        handled += 1;
        if hops == 0 {
            break;
        }
        if next.send(hops - 1).await.is_err() {
            break;
        }
    }
    next.close();
    handled
}

#[test]
fn ring_of_ten_thousand_actors() {
    const ACTORS: usize = 10_000;
    // A million hops: about 3 s in debug, 0.1 s in release.
    const LAPS: u32 = 100;
    let hops = ACTORS as u32 * LAPS;
    let mailboxes: Vec<Mailbox<NoopRawMutex, u32, 1>> =
        (0..ACTORS).map(|_| Mailbox::new()).collect();
    let sched: Box<Scheduler<ACTORS>> = Box::new(Scheduler::new());
    let mut tasks: Vec<_> = (0..ACTORS)
        .map(|i| {
            let next = mailboxes[(i + 1) % ACTORS].addr();
            Box::pin(Task::new(ring_node(mailboxes[i].queue(), next)))
        })
        .collect();
    let mut joins: Vec<_> = tasks
        .iter_mut()
        .map(|t| sched.spawn(t.as_mut()).unwrap())
        .collect();
    mailboxes[0].addr().try_send(hops).unwrap();
    sched.run();
    let handled: u32 = joins.iter_mut().map(|j| j.try_take().unwrap()).sum();
    assert_eq!(handled, hops + 1);
    assert!(mailboxes.iter().all(|m| m.is_closed() && m.is_empty()));
}

#[test]
fn a_slot_serves_one_request_until_reset() {
    let mut slot: Oneshot<NoopRawMutex, u64> = Oneshot::new();
    {
        let mailbox: Mailbox<NoopRawMutex, Job<'_>, 4> = Mailbox::new();
        let addr = mailbox.addr();
        let p = addr.try_ask(&slot, |r| Job::Pow(2, 5, r)).unwrap();
        // Claimed but not yet answered: a second ask on it is refused too.
        assert!(matches!(
            addr.try_ask(&slot, |r| Job::Pow(2, 6, r)),
            Err(AskError::SlotInUse)
        ));
        addr.close();
        spindle_core::wait::block_on(worker(mailbox.queue()));
        assert_eq!(p.try_get(), Ok(32));
    }
    slot.reset();
    let mailbox: Mailbox<NoopRawMutex, Job<'_>, 4> = Mailbox::new();
    let p = mailbox
        .addr()
        .try_ask(&slot, |r| Job::Pow(3, 3, r))
        .unwrap();
    mailbox.addr().close();
    spindle_core::wait::block_on(worker(mailbox.queue()));
    assert_eq!(p.try_get(), Ok(27));
}
