//! Shutdown, drop, bounded queues and scopes: every handle resolves.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use spindle_std::pool::{FullPolicy, Shutdown, SubmitError, TaskError, TaskState, ThreadPool};
use spindle_std::sync::Event;

const PATIENCE: Duration = Duration::from_secs(20);

fn gate() -> (Arc<Event>, impl Fn() + Send + 'static) {
    let go = Arc::new(Event::new());
    let g = go.clone();
    (go, move || {
        let _ = g.wait_timeout(PATIENCE);
    })
}

#[test]
fn shutdown_wait_runs_everything_pending() {
    let pool = ThreadPool::new(2).unwrap();
    let count = Arc::new(AtomicUsize::new(0));
    let handles: Vec<_> = (0..100)
        .map(|i| {
            let c = count.clone();
            pool.submit(move || {
                c.fetch_add(1, Ordering::SeqCst);
                i
            })
            .unwrap()
        })
        .collect();
    pool.shutdown(Shutdown::wait());
    assert_eq!(count.load(Ordering::SeqCst), 100);
    for (i, h) in handles.into_iter().enumerate() {
        assert!(h.is_done());
        assert_eq!(h.result(), Ok(i));
    }
    pool.shutdown(Shutdown::wait()); // again: harmless
}

#[test]
fn shutdown_cancel_pending_resolves_every_handle() {
    let pool = ThreadPool::new(1).unwrap();
    let (go, wait) = gate();
    let busy = pool.submit(wait).unwrap();
    let t0 = std::time::Instant::now();
    while busy.state() == TaskState::Pending && t0.elapsed() < PATIENCE {
        std::thread::yield_now();
    }
    let pending: Vec<_> = (0..10).map(|i| pool.submit(move || i).unwrap()).collect();
    pool.shutdown(Shutdown::no_wait().cancel_pending());
    for h in &pending {
        assert!(h.is_done());
    }
    go.set();
    drop(pool); // joins
    assert_eq!(busy.result(), Ok(()));
    for h in pending {
        assert_eq!(h.result(), Err(TaskError::Cancelled));
    }
}

#[test]
fn drop_runs_pending_then_joins() {
    let count = Arc::new(AtomicUsize::new(0));
    let handles: Vec<_> = {
        let pool = ThreadPool::new(3).unwrap();
        (0..50)
            .map(|_| {
                let c = count.clone();
                pool.submit(move || {
                    std::thread::sleep(Duration::from_micros(100));
                    c.fetch_add(1, Ordering::SeqCst)
                })
                .unwrap()
            })
            .collect()
    };
    assert_eq!(count.load(Ordering::SeqCst), 50);
    assert!(handles.into_iter().all(|h| h.result().is_ok()));
}

#[test]
fn submit_after_shutdown_gives_the_closure_back() {
    let pool = ThreadPool::new(1).unwrap();
    pool.shutdown(Shutdown::wait());
    assert!(pool.is_shut_down());
    match pool.submit(|| 41 + 1) {
        Err(SubmitError::ShutDown(f)) => assert_eq!(f(), 42),
        other => panic!("expected ShutDown, got {other:?}"),
    }
    let e = pool.try_submit(|| 0).unwrap_err();
    assert_eq!(e.to_string(), "the pool has been shut down");
}

#[test]
fn shutdown_from_inside_a_task_does_not_deadlock() {
    let pool = Arc::new(ThreadPool::new(2).unwrap());
    let p = pool.clone();
    let h = pool.submit(move || p.shutdown(Shutdown::wait())).unwrap();
    assert_eq!(h.result_timeout(PATIENCE), Ok(()));
    assert!(pool.is_shut_down());
}

#[test]
fn bounded_queue_reject_policy() {
    let pool = ThreadPool::builder()
        .workers(1)
        .queue_capacity(2)
        .when_full(FullPolicy::Reject)
        .build()
        .unwrap();
    let (go, wait) = gate();
    let busy = pool.submit(wait).unwrap();
    // Wait until the worker has taken the blocker off the queue.
    let t0 = std::time::Instant::now();
    while pool.queued() > 0 && t0.elapsed() < PATIENCE {
        std::thread::yield_now();
    }
    let a = pool.submit(|| 1).unwrap();
    let b = pool.submit(|| 2).unwrap();
    match pool.submit(|| 3) {
        Err(SubmitError::Full(f)) => assert_eq!(f(), 3),
        other => panic!("expected Full, got {other:?}"),
    }
    assert!(matches!(
        pool.submit_timeout(|| 4, Duration::from_millis(5)),
        Err(SubmitError::Full(_))
    ));
    go.set();
    assert_eq!((a.result(), b.result()), (Ok(1), Ok(2)));
    busy.result().unwrap();
    // Room again.
    assert_eq!(pool.submit(|| 5).unwrap().result(), Ok(5));
}

#[test]
fn bounded_queue_wait_policy_applies_back_pressure() {
    let pool = Arc::new(
        ThreadPool::builder()
            .workers(2)
            .queue_capacity(4)
            .build()
            .unwrap(),
    );
    let count = Arc::new(AtomicUsize::new(0));
    let producers: Vec<_> = (0..3)
        .map(|_| {
            let (pool, count) = (pool.clone(), count.clone());
            std::thread::spawn(move || {
                let hs: Vec<_> = (0..200)
                    .map(|_| {
                        let c = count.clone();
                        pool.submit(move || c.fetch_add(1, Ordering::SeqCst))
                            .unwrap()
                    })
                    .collect();
                hs.into_iter().all(|h| h.result().is_ok())
            })
        })
        .collect();
    for p in producers {
        assert!(p.join().unwrap());
    }
    assert_eq!(count.load(Ordering::SeqCst), 600);
    assert!(pool.queued() <= 4);
}

#[test]
fn shutdown_wakes_a_submitter_waiting_for_room() {
    let pool = Arc::new(
        ThreadPool::builder()
            .workers(1)
            .queue_capacity(1)
            .build()
            .unwrap(),
    );
    let (go, wait) = gate();
    let busy = pool.submit(wait).unwrap();
    let t0 = std::time::Instant::now();
    while pool.queued() > 0 && t0.elapsed() < PATIENCE {
        std::thread::yield_now();
    }
    let queued = pool.submit(|| 1).unwrap();
    let p = pool.clone();
    let blocked = std::thread::spawn(move || p.submit(|| 2).map(|_| ()).is_err());
    std::thread::sleep(Duration::from_millis(20));
    pool.shutdown(Shutdown::no_wait().cancel_pending());
    assert!(blocked.join().unwrap(), "the waiting submit was refused");
    assert_eq!(queued.result(), Err(TaskError::Cancelled));
    go.set();
    busy.result().unwrap();
}

#[test]
fn build_errors_are_values() {
    assert!(ThreadPool::new(0).is_err());
    let e = ThreadPool::builder().queue_capacity(0).build().unwrap_err();
    assert!(e.to_string().contains("capacity"));
}

#[test]
fn scope_borrows_and_waits() {
    let pool = ThreadPool::new(3).unwrap();
    let data: Vec<u64> = (1..=1000).collect();
    let total = AtomicUsize::new(0);
    let sums = pool.scope(|s| {
        let handles: Vec<_> = data
            .chunks(100)
            .map(|c| {
                let total = &total;
                s.submit(move || {
                    total.fetch_add(c.len(), Ordering::SeqCst);
                    c.iter().sum::<u64>()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.result().unwrap())
            .sum::<u64>()
    });
    assert_eq!(sums, 500_500);
    assert_eq!(total.load(Ordering::SeqCst), 1000);
}

#[test]
fn scope_waits_for_unjoined_and_panicking_tasks() {
    let pool = ThreadPool::new(2).unwrap();
    let hits = AtomicUsize::new(0);
    pool.scope(|s| {
        for i in 0..20 {
            let hits = &hits;
            // Dropping a handle does not cancel its task.
            drop(s.submit(move || {
                std::thread::sleep(Duration::from_micros(200));
                if i % 5 == 0 {
                    panic!("task {i}");
                }
                hits.fetch_add(1, Ordering::SeqCst);
            }));
        }
    });
    assert_eq!(hits.load(Ordering::SeqCst), 16);
}

#[test]
fn scope_on_a_shut_down_pool_cancels() {
    let pool = ThreadPool::new(1).unwrap();
    pool.shutdown(Shutdown::wait());
    let local = String::from("borrowed");
    let r = pool.scope(|s| s.submit(|| local.len()).result());
    assert_eq!(r, Err(TaskError::Cancelled));
}

#[test]
fn scope_survives_a_panicking_body() {
    let pool = ThreadPool::new(2).unwrap();
    let hits = AtomicUsize::new(0);
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        pool.scope(|s| {
            for _ in 0..10 {
                drop(s.submit(|| {
                    std::thread::sleep(Duration::from_micros(100));
                    hits.fetch_add(1, Ordering::SeqCst);
                }));
            }
            panic!("scope body");
        })
    }));
    assert!(r.is_err());
    // Every task finished before the scope unwound.
    assert_eq!(hits.load(Ordering::SeqCst), 10);
}
