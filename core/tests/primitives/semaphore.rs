use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use spindle_core::sync::{
    AcquireError, AcquireTimeoutError, BoundedSemaphore, ReleaseError, Semaphore, TryAcquireError,
};

use crate::support::{Probe, P, S};

#[test]
fn try_acquire_counts_permits() {
    let s: Semaphore<S> = Semaphore::new(2);
    let a = s.try_acquire().unwrap();
    let b = s.try_acquire().unwrap();
    assert_eq!(s.available_permits(), 0);
    assert_eq!(s.try_acquire().err(), Some(TryAcquireError::NoPermits));
    drop(a);
    assert_eq!(s.available_permits(), 1);
    b.forget();
    assert_eq!(s.available_permits(), 1);
    s.add_permits(3).unwrap();
    assert_eq!(s.available_permits(), 4);
}

#[test]
fn zero_permit_semaphore_waits_for_release() {
    let s: Semaphore<S> = Semaphore::new(0);
    let probe = Probe::new();
    let mut a = pin!(s.acquire());
    let mut b = pin!(s.acquire());
    assert!(probe.poll(a.as_mut()).is_pending());
    assert!(probe.poll(b.as_mut()).is_pending());
    s.add_permits(1).unwrap();
    assert_eq!(probe.wakes(), 1, "one permit wakes one waiter");
    assert!(probe.poll(b.as_mut()).is_pending(), "b is second in line");
    let pa = match probe.poll(a.as_mut()) {
        std::task::Poll::Ready(p) => p.unwrap(),
        std::task::Poll::Pending => panic!("a should hold the permit"),
    };
    drop(pa);
    assert!(probe.poll(b.as_mut()).is_ready());
}

#[test]
fn add_permits_overflow_is_an_error() {
    let s: Semaphore<S> = Semaphore::new(usize::MAX);
    assert_eq!(s.available_permits(), Semaphore::<S>::MAX_PERMITS);
    assert_eq!(s.add_permits(1), Err(ReleaseError::Overflow));
    assert_eq!(s.available_permits(), Semaphore::<S>::MAX_PERMITS);
}

#[test]
fn bounded_refuses_over_release() {
    let s: BoundedSemaphore<S> = BoundedSemaphore::new(2);
    assert_eq!(s.max_permits(), 2);
    assert_eq!(s.release(), Err(ReleaseError::OverRelease { max: 2 }));
    s.try_acquire().unwrap().forget();
    assert_eq!(s.release(), Ok(()));
    assert_eq!(s.release(), Err(ReleaseError::OverRelease { max: 2 }));
    // A permit held by a live guard is the guard's to give back: `release` is
    // refused at the call, and the guard's drop later is exact.
    let p = s.try_acquire().unwrap();
    assert_eq!(s.release(), Err(ReleaseError::OverRelease { max: 2 }));
    assert_eq!(s.available_permits(), 1);
    drop(p);
    assert_eq!(s.available_permits(), 2);
    // Forgotten permits, and only those, are released, however they interleave.
    s.try_acquire().unwrap().forget();
    let held = s.try_acquire().unwrap();
    assert_eq!(s.release(), Ok(()));
    assert_eq!(s.release(), Err(ReleaseError::OverRelease { max: 2 }));
    drop(held);
    assert_eq!(s.available_permits(), 2);
    assert!(ReleaseError::OverRelease { max: 2 }
        .to_string()
        .contains("maximum 2"));
}

#[test]
fn limits_concurrency_across_threads() {
    let s: Semaphore<P> = Semaphore::new(3);
    let inside = AtomicUsize::new(0);
    let most = AtomicUsize::new(0);
    std::thread::scope(|sc| {
        for _ in 0..8 {
            sc.spawn(|| {
                for _ in 0..200 {
                    let _p = s.acquire_blocking().unwrap();
                    let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    std::hint::spin_loop();
                    inside.fetch_sub(1, Ordering::SeqCst);
                }
            });
        }
    });
    assert!(most.load(Ordering::SeqCst) <= 3);
    assert_eq!(s.available_permits(), 3);
}

#[test]
fn acquire_timeout() {
    let s: BoundedSemaphore<P> = BoundedSemaphore::new(1);
    let p = s.acquire_blocking().unwrap();
    assert_eq!(
        s.acquire_timeout(Duration::from_millis(5)).err(),
        Some(AcquireTimeoutError::TimedOut)
    );
    drop(p);
    assert!(s.acquire_timeout(Duration::from_millis(5)).is_ok());
}

#[test]
fn close_wakes_waiters_and_refuses_later_acquirers() {
    let s: Semaphore<S> = Semaphore::new(0);
    let probe = Probe::new();
    let mut a = pin!(s.acquire());
    assert!(probe.poll(a.as_mut()).is_pending());
    let held: Semaphore<S> = Semaphore::new(1);
    let permit = held.try_acquire().unwrap();
    assert!(held.close());
    assert!(s.close());
    assert!(!s.close(), "closing twice reports it");
    assert_eq!(probe.wakes(), 1, "the waiter is woken by the close");
    match probe.poll(a.as_mut()) {
        std::task::Poll::Ready(r) => assert_eq!(r.err(), Some(AcquireError::Closed)),
        std::task::Poll::Pending => panic!("a closed semaphore must not keep its waiter"),
    }
    assert_eq!(s.try_acquire().err(), Some(TryAcquireError::Closed));
    assert_eq!(s.acquire_blocking().err(), Some(AcquireError::Closed));
    assert_eq!(
        s.acquire_timeout(Duration::from_secs(5)).err(),
        Some(AcquireTimeoutError::Closed)
    );
    // A permit taken before the close is still given back.
    drop(permit);
    assert_eq!(held.available_permits(), 1);
    assert_eq!(held.try_acquire().err(), Some(TryAcquireError::Closed));
    assert_eq!(AcquireError::Closed.to_string(), "the semaphore is closed");
}

#[test]
fn close_wakes_a_blocked_thread() {
    let s: BoundedSemaphore<P> = BoundedSemaphore::new(1);
    let p = s.try_acquire().unwrap();
    std::thread::scope(|sc| {
        let waiter = sc.spawn(|| s.acquire_blocking().map(drop));
        // Whether the waiter parks before or after the close, it gets Closed.
        assert!(s.close());
        assert_eq!(waiter.join().unwrap(), Err(AcquireError::Closed));
    });
    drop(p);
}
