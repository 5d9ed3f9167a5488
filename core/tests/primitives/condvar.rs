use std::pin::pin;
use std::time::Duration;

use spindle_core::sync::{Condvar, Mutex, WaitTimeoutError};

use crate::support::{Probe, P, S};

#[test]
fn wait_until_releases_the_lock_while_waiting() {
    let m: Mutex<S, u32> = Mutex::new(0);
    let c: Condvar<S> = Condvar::new();
    let probe = Probe::new();
    let mut waiter = pin!(async { *c.wait_until(m.lock().await, |v| *v >= 2).await });
    assert!(probe.poll(waiter.as_mut()).is_pending());
    assert!(!m.is_locked(), "the lock is released while waiting");
    *m.try_lock().unwrap() = 1;
    c.notify_all();
    assert!(
        probe.poll(waiter.as_mut()).is_pending(),
        "predicate still false"
    );
    *m.try_lock().unwrap() = 2;
    c.notify_one();
    assert_eq!(probe.poll(waiter.as_mut()), std::task::Poll::Ready(2));
}

#[test]
fn notification_between_check_and_wait_is_not_lost() {
    // The waiter joins the list before unlocking, so a notify sent right after the
    // unlock (before the waiter is polled again) still reaches it.
    let m: Mutex<S, bool> = Mutex::new(false);
    let c: Condvar<S> = Condvar::new();
    let probe = Probe::new();
    let mut w = pin!(async { *c.wait(m.lock().await).await });
    assert!(probe.poll(w.as_mut()).is_pending());
    *m.try_lock().unwrap() = true;
    c.notify_one();
    assert_eq!(probe.poll(w.as_mut()), std::task::Poll::Ready(true));
}

#[test]
fn timeout_returns_the_guard() {
    let m: Mutex<P, u8> = Mutex::new(0);
    let c: Condvar<P> = Condvar::new();
    let (g, r) = c.wait_until_timeout(m.lock_blocking(), |v| *v == 1, Duration::from_millis(5));
    assert_eq!(r, Err(WaitTimeoutError::TimedOut));
    assert_eq!(*g, 0);
    drop(g);
    std::thread::scope(|s| {
        s.spawn(|| {
            std::thread::sleep(Duration::from_millis(2));
            *m.lock_blocking() = 1;
            c.notify_all();
        });
        let (g, r) = c.wait_until_timeout(m.lock_blocking(), |v| *v == 1, Duration::from_secs(5));
        assert_eq!(r, Ok(()));
        assert_eq!(*g, 1);
    });
}

#[test]
fn producer_consumer_threads() {
    let m: Mutex<P, Vec<u32>> = Mutex::new(Vec::new());
    let c: Condvar<P> = Condvar::new();
    std::thread::scope(|s| {
        s.spawn(|| {
            for i in 0..1000 {
                m.lock_blocking().push(i);
                c.notify_one();
            }
        });
        let mut got = 0;
        while got < 1000 {
            let mut g = c.wait_until_blocking(m.lock_blocking(), |q| !q.is_empty());
            got += g.drain(..).count();
        }
        assert_eq!(got, 1000);
    });
}
