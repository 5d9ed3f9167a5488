//! Under tokio's multi-thread runtime: spindle's futures spawned as tokio tasks
//! (so they move between worker threads between polls), the other side of a queue
//! or an event on a plain thread under `futures::executor::block_on`, and tokio's
//! `time::timeout` as the canceller.

use std::future::{poll_fn, Future};
use std::task::Poll;
use std::time::Duration;

use futures::executor::block_on;
use spindle_std::sync::{Mutex, Semaphore};
use spindle_test_support::within;
use tokio::runtime::{Builder, Runtime};

use crate::scenarios::*;

/// A multi-thread runtime with as many workers as tasks contend in the tests, so
/// that they really run in parallel (even on a 2-core machine).
fn runtime() -> Runtime {
    Builder::new_multi_thread()
        .worker_threads(4)
        .enable_time()
        .build()
        .unwrap()
}

/// tokio gives up with a timeout: the queue or lock is idle meanwhile (nobody else
/// runs in these scenarios), so the outcome does not depend on timing.
struct Timeout;

impl GiveUp for Timeout {
    async fn give_up<F: Future>(&self, fut: F) -> Option<F::Output> {
        tokio::time::timeout(Duration::from_millis(10), fut)
            .await
            .ok()
    }
}

#[test]
fn queue_between_tokio_tasks() {
    within(DEADLINE, || {
        let q = leak(Pipe::new());
        let rt = runtime();
        let consumer = rt.spawn(consume(q));
        let producer = rt.spawn(produce(q, ITEMS));
        rt.block_on(producer).unwrap();
        assert_in_order(&rt.block_on(consumer).unwrap(), ITEMS);
    });
}

#[test]
fn queue_from_tokio_to_a_thread_under_futures_block_on() {
    within(DEADLINE, || {
        let q = leak(Pipe::new());
        let consumer = std::thread::spawn(|| block_on(consume(q)));
        let rt = runtime();
        rt.block_on(rt.spawn(produce(q, ITEMS))).unwrap();
        assert_in_order(&consumer.join().unwrap(), ITEMS);
    });
}

#[test]
fn mutex_shared_by_tokio_tasks() {
    within(DEADLINE, || {
        let m = leak(Mutex::new(0u64));
        let rt = runtime();
        let tasks: Vec<_> = (0..4)
            .map(|_| rt.spawn(add_under_lock(m, ROUNDS)))
            .collect();
        for t in tasks {
            rt.block_on(t).unwrap();
        }
        assert_eq!(*m.try_lock().unwrap(), 4 * ROUNDS, "an update was lost");
    });
}

#[test]
fn semaphore_bounds_tokio_tasks() {
    within(DEADLINE, || {
        let (sem, section) = (leak(Semaphore::new(2)), leak(Section::default()));
        let rt = runtime();
        let tasks: Vec<_> = (0..6)
            .map(|_| rt.spawn(enter_bounded(sem, section, ROUNDS)))
            .collect();
        for t in tasks {
            rt.block_on(t).unwrap();
        }
        section.assert_bounded(sem, 2, 6 * ROUNDS as usize);
    });
}

#[test]
fn event_ping_pong_between_tokio_and_a_thread() {
    within(DEADLINE, || {
        let pp = leak(PingPong::default());
        let ponger = std::thread::spawn(|| block_on(pp.ponger(PINGS)));
        let rt = runtime();
        rt.block_on(rt.spawn(pp.pinger(PINGS))).unwrap();
        ponger.join().unwrap();
        assert_eq!(pp.rounds(), PINGS as usize);
    });
}

#[test]
fn actor_on_tokio_asked_by_tokio_tasks() {
    within(DEADLINE, || {
        let inbox = leak(Inbox::new());
        let rt = runtime();
        let actor = rt.spawn(squarer(inbox));
        let askers: Vec<_> = (0..2)
            .map(|k| rt.spawn(ask_squares(inbox, k * ASKS, ASKS)))
            .collect();
        for a in askers {
            rt.block_on(a).unwrap();
        }
        inbox.close();
        assert_eq!(rt.block_on(actor).unwrap(), 2 * ASKS as usize);
    });
}

#[test]
fn timed_out_recv_leaves_the_value_for_the_next_receiver() {
    within(DEADLINE, || {
        let q = leak(Pipe::new());
        let rt = runtime();
        // A second receiver waits on another worker, before or after the first
        // one joins the line (either order must work).
        let next = rt.spawn(async { q.recv().await.unwrap() });
        rt.block_on(async {
            let first = tokio::time::timeout(Duration::from_millis(10), q.recv()).await;
            assert!(first.is_err(), "nothing was sent yet");
            q.send(42).await.unwrap();
        });
        assert_eq!(rt.block_on(next).unwrap(), 42);
        assert!(q.is_empty());
    });
}

#[test]
fn woken_then_dropped_recv_passes_the_value_on() {
    within(DEADLINE, || {
        let q = leak(Pipe::new());
        let rt = runtime();
        rt.block_on(async {
            // The first receiver joins the line before the second exists.
            let mut first = Box::pin(q.recv());
            let polled = poll_fn(|cx| Poll::Ready(first.as_mut().poll(cx))).await;
            assert!(polled.is_pending(), "nothing was sent yet");
            let next = tokio::spawn(async { q.recv().await.unwrap() });
            // The send wakes the first receiver (first in line), which is then
            // dropped without looking: the value must reach the second.
            q.send(42).await.unwrap();
            drop(first);
            assert_eq!(next.await.unwrap(), 42);
        });
        assert!(q.is_empty());
    });
}

#[test]
fn cancelled_waits_under_tokio_leave_primitives_consistent() {
    within(DEADLINE, || {
        runtime().block_on(cancelled_waits_leave_primitives_consistent(&Timeout));
    });
}
