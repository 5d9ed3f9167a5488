//! Under embassy-executor's std platform executor (`platform-std` +
//! `executor-thread`; `arch-std` before 0.10), the executor firmware authors run:
//! spindle's futures as `#[embassy_executor::task]`s, with the other side of each
//! primitive under tokio, a `futures` thread pool or `block_on` on another thread,
//! and a bounded poll as the canceller.
//!
//! Each test runs its own executor on a thread of its own with `run_until`, which
//! returns once that test's tasks have all finished (each counts itself off).

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::thread::JoinHandle;

use embassy_executor::{Executor, Spawner};
use futures::executor::{block_on, ThreadPool};
use futures::task::SpawnExt;
use spindle_std::sync::{Mutex, Oneshot, Semaphore};
use spindle_test_support::{poll_at_most, within};

use crate::scenarios::*;

/// The tasks of one test that have not finished yet.
type Left = &'static AtomicUsize;

/// Runs an embassy executor on a new thread: `init` spawns `tasks` tasks, each of
/// which counts itself off `Left` when done; the executor (and the thread) stops
/// once all have.
fn run_embassy(tasks: usize, init: impl FnOnce(Spawner, Left) + Send + 'static) -> JoinHandle<()> {
    let left: Left = leak(AtomicUsize::new(tasks));
    std::thread::spawn(move || {
        // `run_until` wants `&'static mut`: one small leak per test.
        let executor: &'static mut Executor = Box::leak(Box::new(Executor::new()));
        // Checked after every round of polls; the last task's count-off happens
        // inside a poll, so the executor never sleeps past it.
        executor.run_until(|spawner| init(spawner, left), || left.load(SeqCst) == 0);
    })
}

/// A multi-thread tokio runtime for the other side.
fn tokio_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap()
}

#[embassy_executor::task]
async fn producer_task(q: &'static Pipe, left: Left) {
    produce(q, ITEMS).await;
    left.fetch_sub(1, SeqCst);
}

#[embassy_executor::task]
async fn consumer_task(q: &'static Pipe, out: &'static Oneshot<Vec<u32>>, left: Left) {
    out.send(consume(q).await).unwrap();
    left.fetch_sub(1, SeqCst);
}

#[embassy_executor::task(pool_size = 3)]
async fn locker_task(m: &'static Mutex<u64>, left: Left) {
    add_under_lock(m, ROUNDS).await;
    left.fetch_sub(1, SeqCst);
}

#[embassy_executor::task(pool_size = 3)]
async fn bounded_task(sem: &'static Semaphore, section: &'static Section, left: Left) {
    enter_bounded(sem, section, ROUNDS).await;
    left.fetch_sub(1, SeqCst);
}

#[embassy_executor::task]
async fn ponger_task(pp: &'static PingPong, left: Left) {
    pp.ponger(PINGS).await;
    left.fetch_sub(1, SeqCst);
}

#[embassy_executor::task]
async fn squarer_task(inbox: &'static Inbox, answered: &'static Oneshot<usize>, left: Left) {
    answered.send(squarer(inbox).await).unwrap();
    left.fetch_sub(1, SeqCst);
}

/// embassy gives up after one poll (it has no timer here without a time driver):
/// the primitive is idle meanwhile, so the outcome does not depend on timing.
struct OnePoll;

impl GiveUp for OnePoll {
    async fn give_up<F: Future>(&self, fut: F) -> Option<F::Output> {
        poll_at_most(fut, 1).await
    }
}

#[embassy_executor::task]
async fn cancelling_task(left: Left) {
    cancelled_waits_leave_primitives_consistent(&OnePoll).await;
    left.fetch_sub(1, SeqCst);
}

#[test]
fn queue_from_embassy_to_tokio() {
    within(DEADLINE, || {
        let q = leak(Pipe::new());
        let embassy = run_embassy(1, move |s, left| s.spawn(producer_task(q, left).unwrap()));
        let rt = tokio_runtime();
        assert_in_order(&rt.block_on(rt.spawn(consume(q))).unwrap(), ITEMS);
        embassy.join().unwrap();
    });
}

#[test]
fn queue_from_block_on_to_embassy() {
    within(DEADLINE, || {
        let (q, out) = (leak(Pipe::new()), leak(Oneshot::new()));
        let embassy = run_embassy(1, move |s, left| {
            s.spawn(consumer_task(q, out, left).unwrap())
        });
        block_on(produce(q, ITEMS));
        embassy.join().unwrap();
        assert_in_order(&out.try_recv().unwrap(), ITEMS);
    });
}

#[test]
fn mutex_shared_by_embassy_and_tokio_tasks() {
    within(DEADLINE, || {
        let m = leak(Mutex::new(0u64));
        let embassy = run_embassy(3, move |s, left| {
            for _ in 0..3 {
                s.spawn(locker_task(m, left).unwrap());
            }
        });
        let rt = tokio_runtime();
        let tasks: Vec<_> = (0..2)
            .map(|_| rt.spawn(add_under_lock(m, ROUNDS)))
            .collect();
        for t in tasks {
            rt.block_on(t).unwrap();
        }
        embassy.join().unwrap();
        assert_eq!(*m.try_lock().unwrap(), 5 * ROUNDS, "an update was lost");
    });
}

#[test]
fn semaphore_bounds_embassy_and_thread_pool_tasks() {
    within(DEADLINE, || {
        let (sem, section) = (leak(Semaphore::new(2)), leak(Section::default()));
        let embassy = run_embassy(3, move |s, left| {
            for _ in 0..3 {
                s.spawn(bounded_task(sem, section, left).unwrap());
            }
        });
        let pool = ThreadPool::builder().pool_size(3).create().unwrap();
        let tasks: Vec<_> = (0..3)
            .map(|_| {
                pool.spawn_with_handle(enter_bounded(sem, section, ROUNDS))
                    .unwrap()
            })
            .collect();
        tasks.into_iter().for_each(block_on);
        embassy.join().unwrap();
        section.assert_bounded(sem, 2, 6 * ROUNDS as usize);
    });
}

#[test]
fn event_ping_pong_between_embassy_and_tokio() {
    within(DEADLINE, || {
        let pp = leak(PingPong::default());
        let embassy = run_embassy(1, move |s, left| s.spawn(ponger_task(pp, left).unwrap()));
        let rt = tokio_runtime();
        rt.block_on(rt.spawn(pp.pinger(PINGS))).unwrap();
        embassy.join().unwrap();
        assert_eq!(pp.rounds(), PINGS as usize);
    });
}

#[test]
fn actor_on_embassy_asked_from_tokio_and_block_on() {
    within(DEADLINE, || {
        let (inbox, answered) = (leak(Inbox::new()), leak(Oneshot::new()));
        let embassy = run_embassy(1, move |s, left| {
            s.spawn(squarer_task(inbox, answered, left).unwrap());
        });
        let rt = tokio_runtime();
        let from_tokio = rt.spawn(ask_squares(inbox, 0, ASKS));
        block_on(ask_squares(inbox, ASKS, ASKS));
        rt.block_on(from_tokio).unwrap();
        inbox.close();
        embassy.join().unwrap();
        assert_eq!(answered.try_recv().unwrap(), 2 * ASKS as usize);
    });
}

#[test]
fn cancelled_waits_under_embassy_leave_primitives_consistent() {
    within(DEADLINE, || {
        run_embassy(1, |s, left| s.spawn(cancelling_task(left).unwrap()))
            .join()
            .unwrap();
    });
}
