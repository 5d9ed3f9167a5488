//! What the work-stealing pool changes (recipe 12.7, issue 13): jobs submitted from
//! inside tasks land on the worker's own deque and must still be stolen, counted,
//! cancelled and woken for; idle workers sleep and must wake for every submit and
//! for shutdown; map's fast path must keep panics at chunk edges in place.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use spindle_std::pool::{Shutdown, TaskError, TaskHandle, ThreadPool};
use spindle_std::sync::Event;

/// How long a test waits for something that must happen before it calls it a hang.
const PATIENCE: Duration = Duration::from_secs(20);

/// Lets idle workers run out of spinning rounds and fall asleep (no assertion
/// depends on it; it only makes the sleeping path the likely one).
fn let_workers_fall_asleep() {
    thread::sleep(Duration::from_millis(20));
}

#[test]
fn many_tasks_submitted_from_inside_tasks_all_run() {
    let pool = Arc::new(ThreadPool::new(3).unwrap());
    let ran = Arc::new(AtomicUsize::new(0));
    let parents: Vec<TaskHandle<Vec<TaskHandle<usize>>>> = (0..20)
        .map(|p| {
            let (pool2, ran) = (pool.clone(), ran.clone());
            pool.submit(move || {
                (0..100)
                    .map(|c| {
                        let ran = ran.clone();
                        pool2
                            .submit(move || {
                                ran.fetch_add(1, Ordering::SeqCst);
                                p * 1000 + c
                            })
                            .unwrap()
                    })
                    .collect()
            })
            .unwrap()
        })
        .collect();
    for (p, parent) in parents.into_iter().enumerate() {
        let children = parent.result_timeout(PATIENCE).unwrap();
        for (c, child) in children.into_iter().enumerate() {
            assert_eq!(child.result_timeout(PATIENCE), Ok(p * 1000 + c));
        }
    }
    assert_eq!(ran.load(Ordering::SeqCst), 2000);
}

#[test]
fn a_job_on_a_busy_workers_deque_is_stolen_by_a_sleeping_one() {
    // The parent submits a child (onto its own worker's deque) and then waits for
    // it: only another worker, woken from its sleep, can run the child.
    let pool = Arc::new(ThreadPool::new(2).unwrap());
    let_workers_fall_asleep();
    let p = pool.clone();
    let parent = pool
        .submit(move || {
            let child_ran = Arc::new(Event::new());
            let flag = child_ran.clone();
            let child = p.submit(move || flag.set()).unwrap();
            let waited = child_ran.wait_timeout(PATIENCE).is_ok();
            (waited, child.result_timeout(PATIENCE))
        })
        .unwrap();
    assert_eq!(parent.result_timeout(PATIENCE), Ok((true, Ok(()))));
}

#[test]
fn recursive_fan_out_counts_every_leaf() {
    fn spawn_tree(pool: &Arc<ThreadPool>, depth: u32, leaves: &Arc<AtomicUsize>) {
        if depth == 0 {
            leaves.fetch_add(1, Ordering::SeqCst);
            return;
        }
        for _ in 0..4 {
            let (p, l) = (pool.clone(), leaves.clone());
            pool.submit(move || spawn_tree(&p, depth - 1, &l)).unwrap();
        }
    }
    let pool = Arc::new(ThreadPool::new(2).unwrap());
    let leaves = Arc::new(AtomicUsize::new(0));
    spawn_tree(&pool, 5, &leaves);
    // Every task is queued before its parent returns, so wait-shutdown runs them
    // all: 4^5 leaves.
    let pool = Arc::into_inner(wait_for_sole_owner(pool)).unwrap();
    pool.shutdown(Shutdown::wait());
    assert_eq!(leaves.load(Ordering::SeqCst), 1024);
}

/// Waits (boundedly) until the tasks' clones of the pool are gone.
fn wait_for_sole_owner(pool: Arc<ThreadPool>) -> Arc<ThreadPool> {
    for _ in 0..20_000 {
        if Arc::strong_count(&pool) == 1 {
            return pool;
        }
        thread::sleep(Duration::from_millis(1));
    }
    panic!("the pool's tasks never finished");
}

#[test]
fn queued_and_cancel_pending_see_jobs_on_a_workers_own_deque() {
    let pool = Arc::new(ThreadPool::new(1).unwrap());
    let (started, go) = (Arc::new(Event::new()), Arc::new(Event::new()));
    let children: Arc<Mutex<Vec<TaskHandle<u32>>>> = Arc::default();
    let (p, s, g, kids) = (pool.clone(), started.clone(), go.clone(), children.clone());
    let parent = pool
        .submit(move || {
            for n in 0..3 {
                kids.lock().unwrap().push(p.submit(move || n).unwrap());
            }
            s.set();
            let _ = g.wait_timeout(PATIENCE);
        })
        .unwrap();
    started.wait_timeout(PATIENCE).unwrap();
    // The three children wait on the only worker's deque, behind their parent.
    assert_eq!(pool.queued(), 3);
    pool.shutdown(Shutdown::no_wait().cancel_pending());
    assert_eq!(pool.queued(), 0);
    for child in children.lock().unwrap().drain(..) {
        assert_eq!(child.result_timeout(PATIENCE), Err(TaskError::Cancelled));
    }
    go.set();
    assert_eq!(parent.result_timeout(PATIENCE), Ok(()));
}

#[test]
fn shutdown_wakes_sleeping_workers() {
    for how in [
        Shutdown::wait(),
        Shutdown::wait().cancel_pending(),
        Shutdown::no_wait(),
        Shutdown::no_wait().cancel_pending(),
    ] {
        let pool = ThreadPool::new(4).unwrap();
        assert_eq!(pool.submit(|| 1).unwrap().result_timeout(PATIENCE), Ok(1));
        let_workers_fall_asleep();
        // With `wait`, this returns only if every sleeping worker woke and exited.
        pool.shutdown(how);
        assert!(pool.is_shut_down());
        assert!(pool.submit(|| 2).is_err());
        drop(pool); // joins the workers: they must all have woken
    }
}

#[test]
fn no_lost_wake_up_when_submits_meet_falling_asleep_workers() {
    // Each round submits into a pool whose workers are at some point of going idle;
    // a lost wake-up leaves a task queued with every worker asleep, and its result
    // never comes (the timeout then fails the test instead of hanging it).
    let pool = ThreadPool::new(2).unwrap();
    for round in 0..3_000u32 {
        if round % 500 == 0 {
            let_workers_fall_asleep();
        } else if round % 7 == 0 {
            for _ in 0..round % 64 {
                thread::yield_now();
            }
        }
        let h = pool.submit(move || round).unwrap();
        assert_eq!(h.result_timeout(PATIENCE), Ok(round), "round {round}");
    }
}

#[test]
fn submits_from_several_threads_all_run() {
    let pool = Arc::new(ThreadPool::new(2).unwrap());
    let submitters: Vec<_> = (0..4u64)
        .map(|t| {
            let pool = pool.clone();
            thread::spawn(move || {
                let hs: Vec<_> = (0..500u64)
                    .map(|i| pool.submit(move || t * 10_000 + i).unwrap())
                    .collect();
                hs.into_iter()
                    .map(|h| h.result_timeout(PATIENCE).unwrap())
                    .sum::<u64>()
            })
        })
        .collect();
    let total: u64 = submitters.into_iter().map(|s| s.join().unwrap()).sum();
    let want: u64 = (0..4u64)
        .map(|t| (0..500u64).map(|i| t * 10_000 + i).sum::<u64>())
        .sum();
    assert_eq!(total, want);
}

#[test]
fn map_panics_at_chunk_edges_stay_in_place() {
    let pool = ThreadPool::new(2).unwrap();
    for chunk in [1usize, 2, 7, 64, 1000] {
        let bad = move |n: usize| n == 0 || n % chunk == 0 || n % chunk == chunk - 1 || n == 499;
        let out: Vec<_> = pool
            .map(
                move |n: usize| {
                    if bad(n) {
                        panic!("bad {n}");
                    }
                    n * 2
                },
                0..500usize,
            )
            .chunk_size(chunk)
            .collect();
        assert_eq!(out.len(), 500, "chunk {chunk}");
        for (n, got) in out.into_iter().enumerate() {
            if bad(n) {
                assert_eq!(
                    got,
                    Err(TaskError::Panicked(format!("bad {n}"))),
                    "chunk {chunk}"
                );
            } else {
                assert_eq!(got, Ok(n * 2), "chunk {chunk}");
            }
        }
    }
}
