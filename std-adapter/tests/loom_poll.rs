//! Loom models of `spindle_std::poll`'s readiness protocol (`poll::readiness`):
//! the level a poller sees against senders, receivers, `close`, `set` and `clear`
//! racing on other threads. The descriptor is abstracted behind `Level`, here a
//! loom atomic that also checks it is never raised or lowered twice in a row.
//!
//! Run with `ci/loom.sh` (`RUSTFLAGS="--cfg loom"`).
#![cfg(loom)]

use loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use loom::sync::Arc;
use loom::thread;
use spindle_std::poll::readiness::{Counted, Level, Readiness};

/// The fake descriptor: `up` is what a poller would see.
#[derive(Default)]
struct Fake {
    up: AtomicBool,
}

impl Level for Fake {
    fn raise(&self) {
        assert!(!self.up.swap(true, SeqCst), "raised twice");
    }
    fn lower(&self) {
        assert!(self.up.swap(false, SeqCst), "lowered while lowered");
    }
}

/// A queue model: `items` is what it holds; `Counted` is told after each change.
struct Model {
    items: AtomicUsize,
    ready: Counted<Fake>,
}

impl Model {
    fn new() -> Arc<Self> {
        Arc::new(Self {
            items: AtomicUsize::new(0),
            ready: Counted::new(Fake::default(), 0),
        })
    }
    fn send(&self) {
        self.items.fetch_add(1, SeqCst);
        self.ready.put();
    }
    /// `try_recv`: takes one item if there is one.
    fn try_recv(&self) -> bool {
        let mut n = self.items.load(SeqCst);
        while n > 0 {
            match self.items.compare_exchange(n, n - 1, SeqCst, SeqCst) {
                Ok(_) => {
                    self.ready.take();
                    return true;
                }
                Err(now) => n = now,
            }
        }
        false
    }
    fn shown(&self) -> bool {
        self.ready.level().up.load(SeqCst)
    }
}

fn model<F: Fn() + Sync + Send + 'static>(f: F) {
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound.get_or_insert(2);
    builder.check(f);
}

/// A send and a try_recv race: once both return, the level shows the truth.
#[test]
fn send_races_try_recv() {
    model(|| {
        let q = Model::new();
        let rx = {
            let q = q.clone();
            thread::spawn(move || q.try_recv())
        };
        q.send();
        let took = rx.join().unwrap();
        assert_eq!(q.shown(), !took, "level lies after send || try_recv");
    });
}

/// Two senders and a receiver taking up to two: the level follows the count.
#[test]
fn two_senders_one_receiver() {
    model(|| {
        let q = Model::new();
        let tx = {
            let q = q.clone();
            thread::spawn(move || q.send())
        };
        let rx = {
            let q = q.clone();
            thread::spawn(move || usize::from(q.try_recv()) + usize::from(q.try_recv()))
        };
        q.send();
        tx.join().unwrap();
        let took = rx.join().unwrap();
        assert_eq!(q.shown(), took < 2);
    });
}

/// A receiver that waits for the level (as a poller does), takes the only item:
/// when its take returns, the level is down, even with the sender's own update
/// still in flight.
#[test]
fn the_receiver_that_empties_it_sees_it_lowered() {
    model(|| {
        let q = Model::new();
        let tx = {
            let q = q.clone();
            thread::spawn(move || q.send())
        };
        while !q.shown() {
            thread::yield_now();
        }
        assert!(q.try_recv(), "raised, so an item is there");
        assert!(
            !q.shown(),
            "emptied by us, nothing else sent: must be lowered"
        );
        tx.join().unwrap();
        assert!(!q.shown());
    });
}

/// close against a send and a receive: raised for good.
#[test]
fn close_races_send_and_recv() {
    model(|| {
        let q = Model::new();
        let closer = {
            let q = q.clone();
            thread::spawn(move || q.ready.close())
        };
        let rx = {
            let q = q.clone();
            thread::spawn(move || q.try_recv())
        };
        q.send();
        closer.join().unwrap();
        rx.join().unwrap();
        assert!(q.shown(), "closed: readable for good");
    });
}

/// An event's set and clear race: the level ends equal to the flag.
#[test]
fn event_set_races_clear() {
    model(|| {
        let flag = Arc::new(AtomicBool::new(false));
        let ready = Arc::new(Readiness::new(Fake::default()));
        let setter = {
            let (flag, ready) = (flag.clone(), ready.clone());
            thread::spawn(move || {
                flag.store(true, SeqCst);
                ready.sync(|| flag.load(SeqCst));
            })
        };
        flag.store(false, SeqCst);
        ready.sync(|| flag.load(SeqCst));
        setter.join().unwrap();
        assert_eq!(ready.level().up.load(SeqCst), flag.load(SeqCst));
    });
}
