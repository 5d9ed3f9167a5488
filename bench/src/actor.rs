//! Actor cases (recipe 12.10): request/response between two actors. One op is one
//! round trip: actor A sends `n` to actor B, B answers `n + 1`, A receives it.

use super::*;

use std::pin::pin;

use spindle_core::actor::{reply, Mailbox, Reply};
use spindle_core::raw::{NoopRawMutex, ParkingRawMutex};
use spindle_core::sched::{Scheduler, Task};

/// Mailbox capacity for every side (spindle mailbox and peer channels alike).
const CAP: usize = 16;

/// A request to the answering actor: a number and where to send `n + 1`.
type Ask = (u64, Reply<'static, NoopRawMutex, u64>);

/// spindle: two actors on one `Scheduler<2>`. A asks B with a `Reply`/`Promise`
/// pair (`reply::pair`, one `Arc` per request, as tokio's `oneshot` allocates one)
/// and awaits the promise; B answers from `Mailbox::run`.
pub fn pingpong_spindle(iters: u64) -> Duration {
    let inbox: Mailbox<NoopRawMutex, Ask, CAP> = Mailbox::new();
    let sched: Scheduler<2> = Scheduler::new();
    let b = pin!(Task::new(inbox.run(((), |_: &mut (), (n, r): Ask| {
        let _ = r.send(n + 1);
    }))));
    let addr = inbox.addr();
    let a = pin!(Task::new(async move {
        let mut n = 0u64;
        for _ in 0..iters {
            let (r, promise) = reply::pair();
            addr.send((black_box(n), r)).await.expect("actor B is open");
            n = promise.get().await.expect("actor B answers");
        }
        addr.close();
        n
    }));
    let t0 = Instant::now();
    let _hb = sched.spawn(b).expect("room for two tasks");
    let mut ha = sched.spawn(a).expect("room for two tasks");
    sched.run();
    let took = t0.elapsed();
    assert_eq!(ha.try_take(), Some(iters));
    took
}

/// tokio's current-thread runtime: B is a spawned task reading a
/// `tokio::sync::mpsc` channel; A sends a `tokio::sync::oneshot` sender with each
/// request and awaits the receiver.
pub fn pingpong_tokio(iters: u64) -> Duration {
    use tokio::sync::{mpsc, oneshot};
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a tokio runtime");
    rt.block_on(async move {
        let (tx, mut rx) = mpsc::channel::<(u64, oneshot::Sender<u64>)>(CAP);
        let t0 = Instant::now();
        let b = tokio::spawn(async move {
            while let Some((n, r)) = rx.recv().await {
                let _ = r.send(n + 1);
            }
        });
        let mut n = 0u64;
        for _ in 0..iters {
            let (r, promise) = oneshot::channel();
            tx.send((black_box(n), r)).await.expect("actor B is open");
            n = promise.await.expect("actor B answers");
        }
        drop(tx);
        b.await.expect("actor B ran");
        let took = t0.elapsed();
        assert_eq!(n, iters);
        took
    })
}

/// Two actors on two threads, over a pair of one-way mailboxes: the calling thread
/// is A and runs `run_a` (`iters` round trips, then closes B's mailbox and returns
/// the final count); a second thread is B and runs `serve_b` until it is closed.
fn thread_pingpong(
    iters: u64,
    serve_b: impl FnOnce() + Send,
    run_a: impl FnOnce() -> u64,
) -> Duration {
    let start = Barrier::new(2);
    thread::scope(|s| {
        let b = s.spawn(|| {
            start.wait();
            serve_b();
        });
        start.wait();
        let t0 = Instant::now();
        let n = run_a();
        b.join().expect("actor B panicked");
        let took = t0.elapsed();
        assert_eq!(n, iters);
        took
    })
}

/// spindle: two `Mailbox<ParkingRawMutex, u64, 16>`, `send_blocking` and
/// `recv_blocking`; B answers into A's mailbox.
pub fn thread_pingpong_spindle(iters: u64) -> Duration {
    let to_b: Mailbox<ParkingRawMutex, u64, CAP> = Mailbox::new();
    let to_a: Mailbox<ParkingRawMutex, u64, CAP> = Mailbox::new();
    thread_pingpong(
        iters,
        || {
            while let Ok(n) = to_b.recv_blocking() {
                to_a.addr().send_blocking(n + 1).expect("actor A is open");
            }
        },
        || {
            let (b, mut n) = (to_b.addr(), 0u64);
            for _ in 0..iters {
                b.send_blocking(black_box(n)).expect("actor B is open");
                n = to_a.recv_blocking().expect("actor B answers");
            }
            b.close();
            n
        },
    )
}

/// Two `crossbeam_channel::bounded(16)` channels, `send` and `recv`.
pub fn thread_pingpong_crossbeam(iters: u64) -> Duration {
    let (to_b, b_inbox) = crossbeam_channel::bounded::<u64>(CAP);
    let (to_a, a_inbox) = crossbeam_channel::bounded::<u64>(CAP);
    thread_pingpong(
        iters,
        move || {
            while let Ok(n) = b_inbox.recv() {
                to_a.send(n + 1).expect("actor A is open");
            }
        },
        move || {
            let mut n = 0u64;
            for _ in 0..iters {
                to_b.send(black_box(n)).expect("actor B is open");
                n = a_inbox.recv().expect("actor B answers");
            }
            drop(to_b);
            n
        },
    )
}
