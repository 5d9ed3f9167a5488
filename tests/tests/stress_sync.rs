//! Cross-crate stress of the synchronization primitives on real threads: contended
//! locking mixed with timed-out (cancelled) waits, semaphores with cancellation,
//! and event ping-pong. Every loop is bounded in count; a lost wake-up shows up as
//! a hang, which the watchdog turns into a failure after a generous deadline.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use spindle_std::sync::{Event, Mutex, Semaphore, WaitTimeoutError};
use spindle_test_support::within;

#[test]
fn contended_mutex_with_cancelled_waiters() {
    within(Duration::from_secs(60), || {
        static COUNT: Mutex<u64> = Mutex::new(0);
        let timeouts = AtomicUsize::new(0);
        std::thread::scope(|s| {
            for t in 0..4 {
                let timeouts = &timeouts;
                s.spawn(move || {
                    for i in 0..20_000u32 {
                        if (i + t) % 7 == 0 {
                            // A wait that often gives up: its cancellation must pass
                            // any hand-off it received to the next waiter.
                            match COUNT.lock_timeout(Duration::from_micros(1)) {
                                Ok(mut g) => *g += 1,
                                Err(WaitTimeoutError::TimedOut) => {
                                    timeouts.fetch_add(1, Ordering::Relaxed);
                                    *COUNT.lock_blocking() += 1;
                                }
                                Err(e) => panic!("{e}"),
                            }
                        } else if i % 3 == 0 {
                            *spindle_core::wait::block_on(COUNT.lock()) += 1;
                        } else {
                            *COUNT.lock_blocking() += 1;
                        }
                    }
                });
            }
        });
        assert_eq!(*COUNT.lock_blocking(), 80_000);
    });
}

#[test]
fn semaphore_with_cancelled_acquires_loses_no_permit() {
    within(Duration::from_secs(60), || {
        static SEM: Semaphore = Semaphore::new(2);
        let inside = AtomicUsize::new(0);
        let peak = AtomicUsize::new(0);
        std::thread::scope(|s| {
            for t in 0..4 {
                let (inside, peak) = (&inside, &peak);
                s.spawn(move || {
                    for i in 0..10_000u32 {
                        let permit = if (i + t) % 5 == 0 {
                            match SEM.acquire_timeout(Duration::from_micros(1)) {
                                Ok(p) => p,
                                Err(_) => continue,
                            }
                        } else {
                            SEM.acquire_blocking().unwrap()
                        };
                        let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
                        peak.fetch_max(now, Ordering::SeqCst);
                        inside.fetch_sub(1, Ordering::SeqCst);
                        drop(permit);
                    }
                });
            }
        });
        assert!(peak.load(Ordering::SeqCst) <= 2);
        assert_eq!(SEM.available_permits(), 2, "no permit lost or duplicated");
    });
}

#[test]
fn event_ping_pong() {
    within(Duration::from_secs(60), || {
        static PING: Event = Event::new();
        static PONG: Event = Event::new();
        static STOP: AtomicBool = AtomicBool::new(false);
        const ROUNDS: u32 = 20_000;
        std::thread::scope(|s| {
            s.spawn(|| {
                for _ in 0..ROUNDS {
                    PING.wait_blocking();
                    PING.clear();
                    PONG.set();
                }
                STOP.store(true, Ordering::SeqCst);
            });
            for _ in 0..ROUNDS {
                PING.set();
                PONG.wait_blocking();
                PONG.clear();
            }
        });
        assert!(STOP.load(Ordering::SeqCst));
    });
}
