use std::pin::pin;
use std::time::Duration;

use spindle_core::sync::{Event, WaitTimeoutError};

use crate::support::{Probe, P, S};

#[test]
fn set_wakes_every_waiter_even_if_cleared() {
    let e: Event<S> = Event::new();
    let probe = Probe::new();
    let mut a = pin!(e.wait());
    let mut b = pin!(e.wait());
    assert!(probe.poll(a.as_mut()).is_pending());
    assert!(probe.poll(b.as_mut()).is_pending());
    e.set();
    e.clear();
    assert_eq!(probe.wakes(), 2);
    assert!(probe.poll(a.as_mut()).is_ready());
    assert!(probe.poll(b.as_mut()).is_ready());
    assert!(!e.is_set());
}

#[test]
fn wait_after_set_is_immediate_and_clear_rearms() {
    let e: Event<P> = Event::new();
    e.set();
    e.wait_blocking();
    assert_eq!(e.wait_timeout(Duration::from_millis(1)), Ok(()));
    e.clear();
    assert_eq!(
        e.wait_timeout(Duration::from_millis(5)),
        Err(WaitTimeoutError::TimedOut)
    );
}

#[test]
fn many_threads_wait_for_one_set() {
    let e: Event<P> = Event::new();
    std::thread::scope(|s| {
        for _ in 0..6 {
            s.spawn(|| e.wait_blocking());
        }
        std::thread::sleep(Duration::from_millis(5));
        e.set();
    });
    assert!(e.is_set());
}

#[test]
fn many_waiters_wake_in_batches() {
    // More waiters than one wake batch holds.
    let e: Event<S> = Event::new();
    let probe = Probe::new();
    let mut futs: Vec<_> = (0..100).map(|_| Box::pin(e.wait())).collect();
    for f in &mut futs {
        assert!(probe.poll(f.as_mut()).is_pending());
    }
    e.set();
    assert_eq!(probe.wakes(), 100);
    for f in &mut futs {
        assert!(probe.poll(f.as_mut()).is_ready());
    }
}
