//! Loom models of `Mutex` (the locked/waiting words of `lock_core.rs`, whose unlock
//! is a plain store paired with the waiter's fence, and its wait-list hand-off).
//!
//! Run with `ci/loom.sh` (`RUSTFLAGS="--cfg loom"`). A lost wake-up shows up as a
//! loom deadlock; unsynchronised access to the guarded value as a loom causality
//! error (the value is a `loom::cell::UnsafeCell`).
#![cfg(loom)]

use loom::cell::UnsafeCell;
use loom::future::block_on;
use loom::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use loom::sync::Arc;
use loom::thread;
use spindle_core::raw::LoomRawMutex;
use spindle_core::sync::{Mutex, TryLockError};
use spindle_test_support::loom_model::model;
use spindle_test_support::poll_at_most;

type Counter = Mutex<LoomRawMutex, UnsafeCell<usize>>;

fn incr(m: &Counter) {
    let g = block_on(m.lock());
    // SAFETY: the guard `g` holds the mutex, so no other thread touches the cell until it
    // is dropped (loom reports it if the lock fails to order the accesses).
    g.with_mut(|n| unsafe { *n += 1 });
}

fn read(m: &Counter) -> usize {
    let g = m.try_lock().expect("nobody else holds the lock now");
    // SAFETY: `g` holds the mutex: no writer can run concurrently with this read.
    g.with(|n| unsafe { *n })
}

/// Two threads increment under `lock().await`: no data race, no lost count, no
/// stranded waiter.
#[test]
fn lock_two_threads() {
    model(|| {
        let m = Arc::new(Counter::new(UnsafeCell::new(0)));
        let t = {
            let m = m.clone();
            thread::spawn(move || incr(&m))
        };
        incr(&m);
        t.join().unwrap();
        assert_eq!(read(&m), 2);
        assert!(!m.is_locked());
    });
}

/// The unlock's plain store against a waiter announcing itself (lock_core.rs's
/// Dekker pair over `asym_fence`, modelled as a SeqCst fence on each side): the main
/// thread holds the lock and releases it while thread W is between "I am waiting"
/// and its re-read of the lock. If neither side saw the other's store, W would
/// sleep with the lock free and nobody to wake it: a loom deadlock.
#[test]
fn unlock_races_announcing_waiter() {
    model(|| {
        let m = Arc::new(Counter::new(UnsafeCell::new(0)));
        let held = m.try_lock().unwrap();
        let w = {
            let m = m.clone();
            thread::spawn(move || incr(&m))
        };
        // SAFETY: `held` holds the mutex for the duration of the write.
        held.with_mut(|n| unsafe { *n += 1 });
        drop(held);
        w.join().unwrap();
        assert_eq!(read(&m), 2);
        assert!(!m.is_locked());
    });
}

/// Three threads increment under `lock().await`.
#[test]
fn lock_three_threads() {
    model(|| {
        let m = Arc::new(Counter::new(UnsafeCell::new(0)));
        let ts: Vec<_> = (0..2)
            .map(|_| {
                let m = m.clone();
                thread::spawn(move || incr(&m))
            })
            .collect();
        incr(&m);
        for t in ts {
            t.join().unwrap();
        }
        assert_eq!(read(&m), 3);
    });
}

/// `try_lock` mixed with `lock().await`: each successful `try_lock` counts, a failed
/// one is only `WouldBlock`, and the waiters still finish.
#[test]
fn try_lock_and_lock() {
    model(|| {
        let m = Arc::new(Counter::new(UnsafeCell::new(0)));
        let tried = {
            let m = m.clone();
            thread::spawn(move || match m.try_lock() {
                Ok(g) => {
                    // SAFETY: the guard `g` holds the mutex, so no other thread touches the
                    // cell until it is dropped (loom reports it if the lock fails to order
                    // the accesses).
                    g.with_mut(|n| unsafe { *n += 1 });
                    1
                }
                Err(e) => {
                    assert_eq!(e, TryLockError::WouldBlock);
                    0
                }
            })
        };
        let waiter = {
            let m = m.clone();
            thread::spawn(move || incr(&m))
        };
        incr(&m);
        let took = tried.join().unwrap();
        waiter.join().unwrap();
        assert_eq!(read(&m), 2 + took);
    });
}

/// The hand-off survives a cancelled waiter. The main thread holds the lock; thread
/// B's `lock()` future is polled `polls` times and then dropped, at any point
/// relative to the unlock; thread C waits with `lock().await`. C must get the lock
/// (a stranded hand-off would be a loom deadlock).
fn dropped_lock_future(polls: usize) {
    model(move || {
        let m = Arc::new(Counter::new(UnsafeCell::new(0)));
        let held = m.try_lock().unwrap();
        let quitter = {
            let m = m.clone();
            thread::spawn(move || {
                if let Some(g) = block_on(poll_at_most(m.lock(), polls)) {
                    // SAFETY: `g` holds the mutex for the duration of the write.
                    g.with_mut(|n| unsafe { *n += 10 });
                }
            })
        };
        let waiter = {
            let m = m.clone();
            thread::spawn(move || incr(&m))
        };
        drop(held);
        quitter.join().unwrap();
        waiter.join().unwrap();
        let n = read(&m);
        assert!(n == 1 || n == 11, "count {n}");
    });
}

#[test]
fn dropped_lock_future_after_one_poll() {
    dropped_lock_future(1);
}

#[test]
fn dropped_lock_future_after_two_polls() {
    dropped_lock_future(2);
}

/// A waiter that loses the lock to a barging `try_lock` after being woken goes back
/// to waiting and still finishes.
#[test]
fn barging_try_lock() {
    model(|| {
        let m = Arc::new(Counter::new(UnsafeCell::new(0)));
        let barges = Arc::new(AtomicUsize::new(0));
        let held = m.try_lock().unwrap();
        let waiter = {
            let m = m.clone();
            thread::spawn(move || incr(&m))
        };
        let barger = {
            let (m, barges) = (m.clone(), barges.clone());
            thread::spawn(move || {
                for _ in 0..2 {
                    if let Ok(g) = m.try_lock() {
                        // SAFETY: the guard `g` holds the mutex, so no other thread touches
                        // the cell until it is dropped (loom reports it if the lock fails
                        // to order the accesses).
                        g.with_mut(|n| unsafe { *n += 1 });
                        barges.fetch_add(1, Relaxed);
                    }
                    thread::yield_now();
                }
            })
        };
        drop(held);
        waiter.join().unwrap();
        barger.join().unwrap();
        assert_eq!(read(&m), 1 + barges.load(Relaxed));
    });
}
