use std::cell::Cell;
use std::time::Duration;

use spindle_core::sync::{ReentrantMutex, TryLockError, WaitTimeoutError};

use crate::support::P;

#[test]
fn owner_relocks_others_wait() {
    let m: ReentrantMutex<P, Cell<i32>> = ReentrantMutex::new(Cell::new(0));
    let outer = m.lock_blocking();
    let inner = m.try_lock().expect("owner may re-enter");
    inner.set(inner.get() + 1);
    assert!(m.is_owned_by_current());
    std::thread::scope(|s| {
        s.spawn(|| {
            assert_eq!(m.try_lock().err(), Some(TryLockError::WouldBlock));
            assert_eq!(
                m.lock_timeout(Duration::from_millis(5)).err(),
                Some(WaitTimeoutError::TimedOut)
            );
            assert!(!m.is_owned_by_current());
        });
    });
    drop(inner);
    assert!(m.is_locked(), "still held by the outer guard");
    drop(outer);
    assert!(!m.is_locked());
    std::thread::scope(|s| {
        s.spawn(|| {
            let g = m.lock_blocking();
            g.set(g.get() + 1);
        });
    });
    assert_eq!(m.into_inner().get(), 2);
}

#[test]
fn shared_counter_across_threads() {
    let m: ReentrantMutex<P, Cell<i64>> = ReentrantMutex::new(Cell::new(0));
    let incr = |d: i64| {
        let g = m.lock_blocking();
        g.set(g.get() + d);
    };
    std::thread::scope(|s| {
        for _ in 0..3 {
            s.spawn(|| {
                for _ in 0..5_000 {
                    let _g = m.lock_blocking();
                    incr(2); // nested
                    incr(-1);
                }
            });
        }
    });
    assert_eq!(m.into_inner().get(), 15_000);
}

#[test]
fn async_lock_reenters() {
    let m: ReentrantMutex<P, Cell<u8>> = ReentrantMutex::new(Cell::new(1));
    spindle_core::wait::block_on(async {
        let a = m.lock().await;
        let b = m.lock().await;
        b.set(a.get() + 1);
    });
    assert_eq!(m.into_inner().get(), 2);
}
