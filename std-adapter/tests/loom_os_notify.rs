//! Loom models of the Linux poller's wake latch (`poll::wake_latch`, under the
//! selector of recipe 12.13 and the reactor of 12.12): `notify` from other threads
//! against a poller that drains its eventfd, then clears the flag. The eventfd is
//! a loom counter (`raise` adds one, `drain` takes all), and a poller's wait is "if
//! the counter is non-zero, `after_wake`": epoll reports the eventfd exactly while
//! it is readable.
//!
//! Each model ends, once its threads are joined, with two checks. Every notifier's
//! message (published before its `notify`) was seen by the poller after a wait, or
//! a wake-up is still pending for it. And the latch is set exactly while a wake-up
//! is pending, so one more `notify` (any later one) leaves a wake-up pending. The
//! same models run against a latch built here with the wrong order (clear, then
//! drain), and must fail: they can tell.
//!
//! Run with `ci/loom.sh` (`RUSTFLAGS="--cfg loom"`).
#![cfg(loom)]

use std::io;

use loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use loom::sync::Arc;
use loom::thread;
use spindle_std::poll::wake_latch::{WakeLatch, WakeSignal};
use spindle_test_support::loom_model::model;

/// The fake eventfd: its counter, shared with the model so it can look.
#[derive(Clone, Default)]
struct Fake(Arc<AtomicUsize>);

impl Fake {
    /// What the poller would see: raises not yet drained.
    fn pending(&self) -> usize {
        self.0.load(SeqCst)
    }
}

impl WakeSignal for Fake {
    fn raise(&self) -> io::Result<()> {
        self.0.fetch_add(1, SeqCst);
        Ok(())
    }
    fn drain(&self) {
        self.0.swap(0, SeqCst);
    }
}

/// What the models need of a latch, so the same models check the real one and
/// the wrong-order one.
trait Latch: Send + Sync + 'static {
    fn with(signal: Fake) -> Self;
    fn notify(&self);
    fn after_wake(&self);
}

impl Latch for WakeLatch<Fake> {
    fn with(signal: Fake) -> Self {
        WakeLatch::new(signal)
    }
    fn notify(&self) {
        WakeLatch::notify(self).unwrap();
    }
    fn after_wake(&self) {
        WakeLatch::after_wake(self);
    }
}

/// [`WakeLatch`] with `after_wake`'s two steps swapped: clear, then drain. A
/// `notify` between them raises, the drain swallows it, and the flag stays set.
struct WrongOrder {
    signal: Fake,
    notified: AtomicBool,
}

impl Latch for WrongOrder {
    fn with(signal: Fake) -> Self {
        Self {
            signal,
            notified: AtomicBool::new(false),
        }
    }
    fn notify(&self) {
        if !self.notified.swap(true, SeqCst) {
            self.signal.raise().unwrap();
        }
    }
    fn after_wake(&self) {
        // A swap, as the real latch clears (a store would also trip loom's
        // RMW-atomicity bug, tokio-rs/loom#254, and fail for the wrong reason).
        self.notified.swap(false, SeqCst);
        self.signal.drain();
    }
}

/// One poller wait that does not block: wakes if the signal is raised.
fn wait<L: Latch>(latch: &L, signal: &Fake) {
    if signal.pending() > 0 {
        latch.after_wake();
    }
}

/// The end-of-model checks on the latch: set exactly while a wake-up is pending,
/// which one more `notify` shows (it raises exactly when none is).
fn check_quiescent<L: Latch>(latch: &L, signal: &Fake) {
    let before = signal.pending();
    latch.notify();
    let after = signal.pending();
    assert!(
        after > 0,
        "lost wake-up: the latch is set with none pending, so every later notify is lost"
    );
    assert_eq!(
        after > before,
        before == 0,
        "the latch is clear while a wake-up is pending ({before} pending)"
    );
}

/// Two notifiers, each publishing a message first, race one poller wait.
fn two_notifiers_one_wait<L: Latch>() {
    model(|| {
        let signal = Fake::default();
        let latch = Arc::new(L::with(signal.clone()));
        let sent = Arc::new([AtomicBool::new(false), AtomicBool::new(false)]);
        let notifiers: Vec<_> = (0..2)
            .map(|i| {
                let (latch, sent) = (latch.clone(), sent.clone());
                thread::spawn(move || {
                    sent[i].store(true, SeqCst);
                    latch.notify();
                })
            })
            .collect();
        wait(&*latch, &signal);
        // What the poller's caller acts on after the wait returned.
        let seen = [sent[0].load(SeqCst), sent[1].load(SeqCst)];
        for t in notifiers {
            t.join().unwrap();
        }
        for (i, seen) in seen.into_iter().enumerate() {
            assert!(
                seen || signal.pending() > 0,
                "notifier {i}'s message was missed with no wake-up pending"
            );
        }
        check_quiescent(&*latch, &signal);
    });
}

/// A wake-up is pending (one notify, with its message) when the poller starts
/// waiting twice, and a second notify races both waits: the latch is cleared and
/// may be set again between them. (The first notify is not raced so that the
/// interesting interleavings, a notify between the poller's two steps, fit in
/// `ci/loom.sh`'s two preemptions.)
fn notify_races_two_waits<L: Latch>() {
    model(|| {
        let signal = Fake::default();
        let latch = Arc::new(L::with(signal.clone()));
        let sent = Arc::new(AtomicUsize::new(1));
        latch.notify();
        let poller = {
            let (latch, signal, sent) = (latch.clone(), signal.clone(), sent.clone());
            thread::spawn(move || {
                let mut seen = 0;
                for _ in 0..2 {
                    wait(&*latch, &signal);
                    seen = sent.load(SeqCst);
                }
                seen
            })
        };
        sent.fetch_add(1, SeqCst);
        latch.notify();
        let seen = poller.join().unwrap();
        assert!(
            seen == 2 || signal.pending() > 0,
            "the poller saw {seen} of 2 messages with no wake-up pending"
        );
        check_quiescent(&*latch, &signal);
    });
}

#[test]
fn two_notifiers_race_a_wait() {
    two_notifiers_one_wait::<WakeLatch<Fake>>();
}

#[test]
fn notify_races_a_poller_waiting_twice() {
    notify_races_two_waits::<WakeLatch<Fake>>();
}

/// The point of the latch: notifies while one is pending write nothing more.
#[test]
fn racing_notifies_raise_once() {
    model(|| {
        let signal = Fake::default();
        let latch = Arc::new(WakeLatch::new(signal.clone()));
        let other = {
            let latch = latch.clone();
            thread::spawn(move || latch.notify().unwrap())
        };
        latch.notify().unwrap();
        other.join().unwrap();
        assert_eq!(signal.pending(), 1);
    });
}

#[test]
#[should_panic(expected = "lost wake-up")]
fn wrong_order_fails_two_notifiers() {
    two_notifiers_one_wait::<WrongOrder>();
}

#[test]
#[should_panic(expected = "lost wake-up")]
fn wrong_order_fails_two_waits() {
    notify_races_two_waits::<WrongOrder>();
}
