use std::pin::pin;
use std::time::Duration;

use spindle_core::sync::{WaitGroup, WaitGroupOverflow, WaitGroupUnderflow, WaitTimeoutError};

use crate::support::{Probe, P, S};

#[test]
fn done_more_than_added_is_an_error() {
    let wg: WaitGroup<S> = WaitGroup::new();
    assert_eq!(wg.done(), Err(WaitGroupUnderflow));
    wg.add(1).unwrap();
    assert_eq!(wg.done(), Ok(()));
    assert_eq!(wg.done(), Err(WaitGroupUnderflow));
    assert_eq!(wg.count(), 0);
    assert_eq!(wg.add(usize::MAX), Err(WaitGroupOverflow));
    assert_eq!(wg.count(), 0);
}

#[test]
fn waiters_wake_at_zero() {
    let wg: WaitGroup<S> = WaitGroup::new();
    wg.add(2).unwrap();
    let probe = Probe::new();
    let mut w = pin!(wg.wait());
    assert!(probe.poll(w.as_mut()).is_pending());
    wg.done().unwrap();
    assert_eq!(probe.wakes(), 0);
    wg.done().unwrap();
    assert_eq!(probe.wakes(), 1);
    assert!(probe.poll(w.as_mut()).is_ready());
}

#[test]
fn threads_and_timeout() {
    let wg: WaitGroup<P> = WaitGroup::new();
    wg.add(4).unwrap();
    assert_eq!(
        wg.wait_timeout(Duration::from_millis(2)),
        Err(WaitTimeoutError::TimedOut)
    );
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| wg.done().unwrap());
        }
        wg.wait_blocking();
    });
    assert_eq!(wg.count(), 0);
}
