use std::pin::pin;
use std::time::Duration;

use spindle_core::sync::{Notify, WaitTimeoutError};

use crate::support::{Probe, P, S};

#[test]
fn notify_one_before_wait_is_stored_once() {
    let n: Notify<P> = Notify::new();
    n.notify_one();
    n.notify_one(); // at most one permit is stored
    assert_eq!(n.notified_timeout(Duration::from_millis(1)), Ok(()));
    assert_eq!(
        n.notified_timeout(Duration::from_millis(5)),
        Err(WaitTimeoutError::TimedOut)
    );
}

#[test]
fn notify_one_wakes_one_notify_all_wakes_rest() {
    let n: Notify<S> = Notify::new();
    let probe = Probe::new();
    let mut a = pin!(n.notified());
    let mut b = pin!(n.notified());
    let mut c = pin!(n.notified());
    for f in [a.as_mut(), b.as_mut(), c.as_mut()] {
        assert!(probe.poll(f).is_pending());
    }
    n.notify_one();
    assert_eq!(probe.wakes(), 1);
    assert!(probe.poll(a.as_mut()).is_ready());
    assert!(probe.poll(b.as_mut()).is_pending());
    n.notify_all();
    assert!(probe.poll(b.as_mut()).is_ready());
    assert!(probe.poll(c.as_mut()).is_ready());
    // notify_all stores no permit
    let mut d = pin!(n.notified());
    assert!(probe.poll(d.as_mut()).is_pending());
}

#[test]
fn dropped_notified_future_keeps_the_notification() {
    let n: Notify<S> = Notify::new();
    let probe = Probe::new();
    let mut a = Box::pin(n.notified());
    assert!(probe.poll(a.as_mut()).is_pending());
    n.notify_one();
    drop(a); // never saw it: the notification becomes a stored permit
    let mut b = pin!(n.notified());
    assert!(probe.poll(b.as_mut()).is_ready());
}

#[test]
fn cross_thread() {
    let n: Notify<P> = Notify::new();
    std::thread::scope(|s| {
        let t = s.spawn(|| n.notified_blocking());
        std::thread::sleep(Duration::from_millis(2));
        n.notify_one();
        t.join().unwrap();
    });
}
