//! Under `futures::executor`: spindle's futures on a `ThreadPool` (tasks move
//! between its threads), on a single-threaded `LocalPool`, and under `block_on`,
//! with the two sides of each primitive on different ones; `select` against a
//! yield as the canceller.

use std::future::Future;
use std::pin::pin;

use futures::executor::{block_on, LocalPool, ThreadPool};
use futures::future::{select, Either, RemoteHandle};
use futures::task::{LocalSpawnExt, SpawnExt};
use spindle_core::sched::yield_now;
use spindle_std::sync::{Mutex, Semaphore};
use spindle_test_support::within;

use crate::scenarios::*;

/// A pool of 4 threads, so that tasks really run in parallel.
fn pool() -> ThreadPool {
    ThreadPool::builder().pool_size(4).create().unwrap()
}

/// Spawns `fut` on `pool` and returns a handle whose `.await` (or `block_on`) is
/// its output.
fn spawn<F>(pool: &ThreadPool, fut: F) -> RemoteHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send,
{
    pool.spawn_with_handle(fut).unwrap()
}

/// futures gives up with `select`: `fut` is polled, then a yield completes on the
/// second round and `fut` (the loser) is dropped. Nothing else runs meanwhile on
/// this single-threaded executor, so the outcome does not depend on timing.
struct SelectAgainstYield;

impl GiveUp for SelectAgainstYield {
    async fn give_up<F: Future>(&self, fut: F) -> Option<F::Output> {
        match select(pin!(fut), pin!(yield_now())).await {
            Either::Left((out, _)) => Some(out),
            Either::Right(((), _)) => None,
        }
    }
}

#[test]
fn queue_from_a_thread_pool_to_a_local_pool() {
    within(DEADLINE, || {
        let q = leak(Pipe::new());
        let pool = pool();
        let producer = spawn(&pool, produce(q, ITEMS));
        let mut local = LocalPool::new();
        let consumer = local.spawner().spawn_local_with_handle(consume(q)).unwrap();
        assert_in_order(&local.run_until(consumer), ITEMS);
        block_on(producer);
    });
}

#[test]
fn queue_from_block_on_to_a_thread_pool() {
    within(DEADLINE, || {
        let q = leak(Pipe::new());
        let consumer = spawn(&pool(), consume(q));
        block_on(produce(q, ITEMS));
        assert_in_order(&block_on(consumer), ITEMS);
    });
}

#[test]
fn mutex_shared_by_thread_pool_and_local_pool_tasks() {
    within(DEADLINE, || {
        let m = leak(Mutex::new(0u64));
        let pool = pool();
        let remote: Vec<_> = (0..3)
            .map(|_| spawn(&pool, add_under_lock(m, ROUNDS)))
            .collect();
        let mut local = LocalPool::new();
        for _ in 0..2 {
            local
                .spawner()
                .spawn_local(add_under_lock(m, ROUNDS))
                .unwrap();
        }
        local.run();
        remote.into_iter().for_each(block_on);
        assert_eq!(*m.try_lock().unwrap(), 5 * ROUNDS, "an update was lost");
    });
}

#[test]
fn semaphore_bounds_thread_pool_tasks() {
    within(DEADLINE, || {
        let (sem, section) = (leak(Semaphore::new(2)), leak(Section::default()));
        let pool = pool();
        let tasks: Vec<_> = (0..6)
            .map(|_| spawn(&pool, enter_bounded(sem, section, ROUNDS)))
            .collect();
        tasks.into_iter().for_each(block_on);
        section.assert_bounded(sem, 2, 6 * ROUNDS as usize);
    });
}

#[test]
fn event_ping_pong_between_a_thread_pool_and_block_on() {
    within(DEADLINE, || {
        let pp = leak(PingPong::default());
        let ponger = spawn(&pool(), pp.ponger(PINGS));
        block_on(pp.pinger(PINGS));
        block_on(ponger);
        assert_eq!(pp.rounds(), PINGS as usize);
    });
}

#[test]
fn actor_on_a_local_pool_asked_from_a_thread_pool() {
    within(DEADLINE, || {
        let inbox = leak(Inbox::new());
        let pool = pool();
        let askers: Vec<_> = (0..2)
            .map(|k| spawn(&pool, ask_squares(inbox, k * ASKS, ASKS)))
            .collect();
        let mut local = LocalPool::new();
        let actor = local
            .spawner()
            .spawn_local_with_handle(squarer(inbox))
            .unwrap();
        // The askers finish on the pool while the actor runs here; then close.
        let closer = async move {
            for a in askers {
                a.await;
            }
            inbox.close();
        };
        local.spawner().spawn_local(closer).unwrap();
        assert_eq!(local.run_until(actor), 2 * ASKS as usize);
    });
}

#[test]
fn cancelled_waits_under_futures_leave_primitives_consistent() {
    within(DEADLINE, || {
        block_on(cancelled_waits_leave_primitives_consistent(
            &SelectAgainstYield,
        ));
        let mut local = LocalPool::new();
        local.run_until(cancelled_waits_leave_primitives_consistent(
            &SelectAgainstYield,
        ));
    });
}
