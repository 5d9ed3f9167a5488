use std::pin::pin;
use std::time::Duration;

use spindle_core::sync::{Mutex, TryLockError, WaitTimeoutError};

use crate::support::{Probe, P, S};

#[test]
fn try_lock_reports_would_block() {
    let m: Mutex<S, i32> = Mutex::new(5);
    let g = m.try_lock().unwrap();
    assert!(m.is_locked());
    assert_eq!(m.try_lock().err(), Some(TryLockError::WouldBlock));
    assert_eq!(
        m.try_with_lock(|v| *v).err(),
        Some(TryLockError::WouldBlock)
    );
    drop(g);
    assert!(!m.is_locked());
    assert_eq!(m.try_with_lock(|v| *v), Ok(5));
}

#[test]
fn waiters_are_woken_in_fifo_order() {
    let m: Mutex<S, Vec<u32>> = Mutex::new(Vec::new());
    let held = m.try_lock().unwrap();
    let probe = Probe::new();
    let mut a = pin!(async {
        m.lock().await.push(1);
    });
    let mut b = pin!(async {
        m.lock().await.push(2);
    });
    assert!(probe.poll(a.as_mut()).is_pending());
    assert!(probe.poll(b.as_mut()).is_pending());
    drop(held);
    assert_eq!(probe.wakes(), 1, "unlock hands off to one waiter");
    assert!(probe.poll(a.as_mut()).is_ready());
    assert_eq!(probe.wakes(), 2, "a's unlock hands off to b");
    assert!(probe.poll(b.as_mut()).is_ready());
    assert_eq!(*m.try_lock().unwrap(), vec![1, 2]);
}

#[test]
fn dropped_waiter_passes_the_handoff_on() {
    let m: Mutex<S, u32> = Mutex::new(0);
    let held = m.try_lock().unwrap();
    let probe = Probe::new();
    let mut a = Box::pin(m.lock());
    let mut b = pin!(m.lock());
    assert!(probe.poll(a.as_mut()).is_pending());
    assert!(probe.poll(b.as_mut()).is_pending());
    drop(held); // wakes `a`
    drop(a); // ... which never runs: `b` must be woken instead
    assert_eq!(probe.wakes(), 2);
    match probe.poll(b.as_mut()) {
        std::task::Poll::Ready(mut g) => *g += 1,
        std::task::Poll::Pending => panic!("b was not handed the lock"),
    }
    assert_eq!(*m.try_lock().unwrap(), 1);
}

#[test]
fn lock_timeout_times_out_then_succeeds() {
    let m: Mutex<P, ()> = Mutex::new(());
    let g = m.lock_blocking();
    assert_eq!(
        m.lock_timeout(Duration::from_millis(10)).err(),
        Some(WaitTimeoutError::TimedOut)
    );
    assert!(!m.is_locked() || m.try_lock().is_err());
    drop(g);
    assert!(m.lock_timeout(Duration::from_millis(10)).is_ok());
}

#[test]
fn threads_count_exactly() {
    let m: Mutex<P, u64> = Mutex::new(0);
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                for i in 0..20_000 {
                    if i % 2 == 0 {
                        *m.lock_blocking() += 1;
                    } else {
                        m.with_lock(|v| *v += 1);
                    }
                }
            });
        }
    });
    assert_eq!(m.into_inner(), 80_000);
}

#[test]
fn guard_exposes_its_mutex_and_formats() {
    let m: Mutex<S, i32> = Mutex::new(3);
    {
        let g = m.try_lock().unwrap();
        assert!(std::ptr::eq(spindle_core::sync::MutexGuard::mutex(&g), &m));
        assert_eq!(format!("{g:?}"), "3");
        assert!(format!("{m:?}").contains("<locked>"));
    }
    assert!(format!("{m:?}").contains('3'));
    let mut m = m;
    *m.get_mut() = 4;
    assert_eq!(m.into_inner(), 4);
}
