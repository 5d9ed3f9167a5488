//! TaskHandle: results, panics, timeouts, callbacks, cancel races, `.await`.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use spindle_std::pool::{Shutdown, TaskError, TaskState, ThreadPool};
use spindle_std::sync::Event;

const PATIENCE: Duration = Duration::from_secs(20);

/// A task that blocks its worker until the returned event is set.
fn blocker(pool: &ThreadPool) -> (Arc<Event>, spindle_std::pool::TaskHandle<()>) {
    let go = Arc::new(Event::new());
    let g = go.clone();
    let h = pool
        .submit(move || {
            let _ = g.wait_timeout(PATIENCE);
        })
        .unwrap();
    // Wait until a worker runs it, so it really occupies one.
    let t0 = std::time::Instant::now();
    while h.state() == TaskState::Pending && t0.elapsed() < PATIENCE {
        std::thread::yield_now();
    }
    (go, h)
}

#[test]
fn a_panic_is_the_tasks_error_and_the_worker_survives() {
    let pool = ThreadPool::new(1).unwrap();
    for i in 0..20 {
        let bad = pool.submit(move || -> u32 { panic!("boom {i}") }).unwrap();
        assert_eq!(bad.result(), Err(TaskError::Panicked(format!("boom {i}"))));
        // Same single worker, still alive.
        assert_eq!(pool.submit(move || i * 2).unwrap().result(), Ok(i * 2));
    }
    let h = pool.submit(|| std::panic::panic_any(7u8)).unwrap();
    assert!(matches!(h.result(), Err(TaskError::Panicked(m)) if m.contains("non-string")));
}

#[test]
fn panicked_state_and_display() {
    let pool = ThreadPool::new(1).unwrap();
    let h = pool.submit(|| panic!("bad input")).unwrap();
    h.wait();
    assert_eq!(h.state(), TaskState::Panicked);
    let e = h.result().unwrap_err();
    assert_eq!(e.to_string(), "the task panicked: bad input");
    let _: &dyn std::error::Error = &e;
}

#[test]
fn result_timeout_then_value_then_taken() {
    let pool = ThreadPool::new(1).unwrap();
    let go = Arc::new(Event::new());
    let g = go.clone();
    let h = pool
        .submit(move || {
            let _ = g.wait_timeout(PATIENCE);
            11
        })
        .unwrap();
    assert_eq!(
        h.result_timeout(Duration::from_millis(5)),
        Err(TaskError::TimedOut)
    );
    assert_eq!(h.try_result(), Err(TaskError::TimedOut));
    assert!(!h.is_done());
    go.set();
    assert_eq!(h.result_timeout(PATIENCE), Ok(11));
    assert!(h.is_done());
    assert_eq!(h.try_result(), Err(TaskError::Taken));
    assert_eq!(h.result(), Err(TaskError::Taken));
}

#[test]
fn callbacks_before_and_after_completion_run_exactly_once() {
    let pool = ThreadPool::new(2).unwrap();
    for _ in 0..200 {
        let calls = Arc::new(AtomicUsize::new(0));
        let h = pool.submit(|| 5).unwrap();
        // Racing with completion: before or after, each runs once.
        for _ in 0..3 {
            let c = calls.clone();
            h.add_done_callback(move |s| {
                assert_eq!(s, TaskState::Completed);
                c.fetch_add(1, Ordering::SeqCst);
            });
        }
        h.wait();
        let c = calls.clone();
        h.add_done_callback(move |_| {
            c.fetch_add(1, Ordering::SeqCst);
        });
        // The after-completion one ran on this thread, at once; the others run
        // on the completing thread, perhaps still now.
        let t0 = std::time::Instant::now();
        while calls.load(Ordering::SeqCst) < 4 && t0.elapsed() < PATIENCE {
            std::thread::yield_now();
        }
        assert_eq!(calls.load(Ordering::SeqCst), 4);
        assert_eq!(h.result(), Ok(5));
    }
}

#[test]
fn a_callback_added_while_pending_runs_on_completion() {
    let pool = ThreadPool::new(1).unwrap();
    let (go, busy) = blocker(&pool);
    let h = pool.submit(|| 1).unwrap();
    let ran = Arc::new(AtomicUsize::new(0));
    let r = ran.clone();
    h.add_done_callback(move |_| {
        r.fetch_add(1, Ordering::SeqCst);
    });
    assert_eq!(ran.load(Ordering::SeqCst), 0);
    go.set();
    h.wait(); // callbacks run in the order added: ours first
    assert_eq!(ran.load(Ordering::SeqCst), 1);
    assert_eq!(h.result(), Ok(1));
    busy.result().unwrap();
}

#[test]
fn a_panicking_callback_is_contained() {
    let pool = ThreadPool::new(1).unwrap();
    let h = pool.submit(|| 1).unwrap();
    h.add_done_callback(|_| panic!("callback bug"));
    h.wait();
    h.add_done_callback(|_| panic!("callback bug, late"));
    assert_eq!(h.result(), Ok(1));
    assert_eq!(pool.submit(|| 2).unwrap().result(), Ok(2));
}

#[test]
fn cancel_succeeds_only_before_start() {
    let pool = ThreadPool::new(1).unwrap();
    let (go, busy) = blocker(&pool);
    let ran = Arc::new(AtomicBool::new(false));
    let r = ran.clone();
    let queued = pool
        .submit(move || r.store(true, Ordering::SeqCst))
        .unwrap();
    let state = Arc::new(std::sync::Mutex::new(None));
    let s = state.clone();
    queued.add_done_callback(move |st| *s.lock().unwrap() = Some(st));
    assert_eq!(queued.state(), TaskState::Pending);
    assert!(queued.cancel());
    assert!(queued.cancel(), "cancelling twice still reports cancelled");
    assert_eq!(*state.lock().unwrap(), Some(TaskState::Cancelled));
    assert!(!busy.cancel(), "a running task cannot be cancelled");
    go.set();
    assert_eq!(busy.result(), Ok(()));
    assert_eq!(queued.result(), Err(TaskError::Cancelled));
    pool.shutdown(Shutdown::wait());
    assert!(!ran.load(Ordering::SeqCst));
    let done = pool.submit(|| 1);
    assert!(done.is_err());
}

#[test]
fn cancel_races_with_the_worker() {
    let pool = ThreadPool::new(2).unwrap();
    let (mut cancelled, mut ran_count) = (0, 0);
    for _ in 0..500 {
        let ran = Arc::new(AtomicBool::new(false));
        let r = ran.clone();
        let callbacks = Arc::new(AtomicUsize::new(0));
        let h = pool
            .submit(move || r.store(true, Ordering::SeqCst))
            .unwrap();
        let c = callbacks.clone();
        h.add_done_callback(move |_| {
            c.fetch_add(1, Ordering::SeqCst);
        });
        let won = h.cancel();
        h.wait();
        // Callbacks run right after the task settles (as in Python, a waiter may wake
        // first): give the finishing thread a moment, then require exactly one run.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while callbacks.load(Ordering::SeqCst) == 0 && std::time::Instant::now() < deadline {
            std::thread::yield_now();
        }
        assert_eq!(callbacks.load(Ordering::SeqCst), 1);
        let ran = ran.load(Ordering::SeqCst);
        assert_ne!(won, ran, "exactly one of cancel and run wins");
        match h.result() {
            Ok(()) => {
                assert!(ran);
                ran_count += 1;
            }
            Err(TaskError::Cancelled) => {
                assert!(won);
                cancelled += 1;
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(cancelled + ran_count, 500);
}

#[test]
fn cancel_from_another_thread_while_result_waits() {
    let pool = ThreadPool::new(1).unwrap();
    let (go, busy) = blocker(&pool);
    let h = Arc::new(pool.submit(|| 3).unwrap());
    let waiter = {
        let h = h.clone();
        std::thread::spawn(move || h.result_timeout(PATIENCE))
    };
    std::thread::sleep(Duration::from_millis(5));
    assert!(h.cancel());
    assert_eq!(waiter.join().unwrap(), Err(TaskError::Cancelled));
    go.set();
    busy.result().unwrap();
}

#[test]
fn the_handle_is_a_future() {
    let pool = ThreadPool::new(2).unwrap();
    let (go, busy) = blocker(&pool);
    let h = pool.submit(|| "later".to_string()).unwrap();
    let setter = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(5));
        go.set();
    });
    let v = spindle_std::spindle_core::wait::block_on(async move { h.await.map(|s| s + "!") });
    assert_eq!(v.as_deref(), Ok("later!"));
    setter.join().unwrap();
    busy.result().unwrap();
    let done = pool.submit(|| 1).unwrap();
    done.wait();
    assert_eq!(spindle_std::spindle_core::wait::block_on(done), Ok(1));
}

#[test]
fn debug_shows_state() {
    let pool = ThreadPool::new(1).unwrap();
    let h = pool.submit(|| 1).unwrap();
    h.wait();
    assert!(format!("{h:?}").contains("Completed"));
    assert!(format!("{pool:?}").contains("workers: 1"));
}
