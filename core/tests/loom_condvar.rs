//! Loom models of `Condvar` with spindle's `Mutex`.
//!
//! Run with `ci/loom.sh` (`RUSTFLAGS="--cfg loom"`). A lost notification shows up as
//! a loom deadlock (which aborts this test binary, so the condvar models live in a
//! binary of their own).
#![cfg(loom)]

use loom::future::block_on;
use loom::sync::Arc;
use loom::thread;
use spindle_core::raw::LoomRawMutex;
use spindle_core::sync::{Condvar, Mutex};
use spindle_test_support::loom_model::model;
use spindle_test_support::poll_at_most;

type Flag = Mutex<LoomRawMutex, bool>;
type Cv = Condvar<LoomRawMutex>;

fn consume(m: &Flag, cv: &Cv) {
    block_on(async {
        let g = cv.wait_until(m.lock().await, |f| *f).await;
        assert!(*g);
    });
}

/// A producer sets the flag under the mutex and calls `notify_all` after unlocking;
/// the consumer's `wait_until(guard, |f| *f)` finishes with the flag set.
#[test]
fn notify_all_after_unlock() {
    model(|| {
        let m = Arc::new(Flag::new(false));
        let cv = Arc::new(Cv::new());
        let producer = {
            let (m, cv) = (m.clone(), cv.clone());
            thread::spawn(move || {
                *block_on(m.lock()) = true;
                cv.notify_all();
            })
        };
        consume(&m, &cv);
        producer.join().unwrap();
    });
}

/// As above, but `notify_all` is called with the lock still held, so a woken
/// consumer's re-lock has to wait for the producer's unlock.
#[test]
fn notify_all_under_lock() {
    model(|| {
        let m = Arc::new(Flag::new(false));
        let cv = Arc::new(Cv::new());
        let producer = {
            let (m, cv) = (m.clone(), cv.clone());
            thread::spawn(move || {
                let mut g = block_on(m.lock());
                *g = true;
                cv.notify_all();
                drop(g);
            })
        };
        consume(&m, &cv);
        producer.join().unwrap();
    });
}

/// `notify_one` with two consumers: the producer notifies once per consumer.
#[test]
fn notify_one_two_consumers() {
    model(|| {
        let m = Arc::new(Flag::new(false));
        let cv = Arc::new(Cv::new());
        let producer = {
            let (m, cv) = (m.clone(), cv.clone());
            thread::spawn(move || {
                *block_on(m.lock()) = true;
                cv.notify_one();
                cv.notify_one();
            })
        };
        let other = {
            let (m, cv) = (m.clone(), cv.clone());
            thread::spawn(move || consume(&m, &cv))
        };
        consume(&m, &cv);
        producer.join().unwrap();
        other.join().unwrap();
    });
}

/// `notify_one` whose chosen waiter is cancelled. `Condvar::notify_one` documents:
/// "If its future is dropped before it re-locks, the next waiter is woken instead."
///
/// Consumer B's `wait_until` future is polled `polls` times and then dropped.
/// Consumer A waits normally. The producer sets the flag and calls `notify_one`
/// *with the lock held*, once. Each consumer that finishes passes the notification
/// on with one more `notify_one` (a chain), so a waiter that is never woken can only
/// mean a notification was swallowed: by B's cancelled future. A must finish.
fn notify_one_cancelled_waiter(polls: usize) {
    model(move || {
        let m = Arc::new(Flag::new(false));
        let cv = Arc::new(Cv::new());
        let quitter = {
            let (m, cv) = (m.clone(), cv.clone());
            thread::spawn(move || {
                let done = block_on(async {
                    let g = m.lock().await;
                    poll_at_most(cv.wait_until(g, |f| *f), polls)
                        .await
                        .is_some()
                });
                if done {
                    cv.notify_one();
                }
            })
        };
        let producer = {
            let (m, cv) = (m.clone(), cv.clone());
            thread::spawn(move || {
                let mut g = block_on(m.lock());
                *g = true;
                cv.notify_one();
                drop(g);
            })
        };
        consume(&m, &cv);
        cv.notify_one();
        quitter.join().unwrap();
        producer.join().unwrap();
    });
}

/// B is dropped after its first poll. Usually the wait list's own forwarding covers
/// this (B is still queued, or holds an unconsumed hand-off); but with 3
/// preemptions loom finds the notification arriving *during* that poll, between
/// `register` and `poll_wait`, so the poll consumes it and then waits to re-lock.
#[test]
fn notify_one_waiter_dropped_after_one_poll() {
    notify_one_cancelled_waiter(1);
}

/// B is dropped after its second poll: possibly after it consumed the notification
/// and while it waits to re-lock the mutex the producer still holds.
#[test]
fn notify_one_waiter_dropped_after_two_polls() {
    notify_one_cancelled_waiter(2);
}
