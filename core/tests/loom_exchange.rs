//! Loom models of the exchange's attach/detach protocol (epoch flip + in-flight
//! counts): a detach that has returned is never followed by a delivery to the
//! detached subscriber, which loom checks as a data race on the subscriber's
//! plain (non-atomic) state touched by the detacher right after `detach` returns.
//!
//! Run with `RUSTFLAGS="--cfg loom" CARGO_TARGET_DIR=target/loom cargo test -p
//! spindle-core --features std --release --test loom_exchange`.
#![cfg(loom)]

use loom::cell::UnsafeCell;
use loom::sync::atomic::AtomicUsize;
use loom::sync::atomic::Ordering::Relaxed;
use loom::thread;
use spindle_core::exchange::{Exchange, Overflow, Refused, Subscriber};
use spindle_core::raw::LoomRawMutex;
use spindle_test_support::loom_model::model;

type Ex = Exchange<'static, LoomRawMutex, u32, 2>;

/// A subscriber whose state is a plain cell: any delivery that is not ordered
/// before the detacher's later access is a data race loom reports.
struct Probe {
    /// Read (concurrently) by every delivery, written by the owner after detach.
    cell: UnsafeCell<()>,
    got: AtomicUsize,
    /// Refuse with `Full` (to model a stalled `Wait` subscriber).
    stalled: bool,
}

// SAFETY: test-only: the cell holds `()`, and loom's checker reports any access
// pattern that would be a race on real data; ordering them is the protocol's job.
unsafe impl Sync for Probe {}

impl Probe {
    fn new(stalled: bool) -> &'static Self {
        Box::leak(Box::new(Probe {
            cell: UnsafeCell::new(()),
            got: AtomicUsize::new(0),
            stalled,
        }))
    }

    /// The owner's access after detach (as if dropping or reusing it).
    fn got(&self) -> usize {
        // A write: loom reports it if any delivery's read is not ordered before it.
        self.cell.with_mut(|_| ());
        self.got.load(Relaxed)
    }
}

impl Subscriber<u32> for Probe {
    fn try_deliver(&self, _: &u32) -> Result<(), Refused> {
        if self.stalled {
            return Err(Refused::Full);
        }
        self.cell.with(|_| ());
        self.got.fetch_add(1, Relaxed);
        Ok(())
    }
}

fn leak_exchange() -> &'static Ex {
    Box::leak(Box::new(Ex::new()))
}

/// One send races one detach: the detached subscriber got the message or not, its
/// counter agrees, and the send never touches it after `detach` returns. The other
/// subscriber always gets it.
#[test]
fn detach_during_send() {
    model(|| {
        let ex = leak_exchange();
        let x = Probe::new(false);
        let y = Probe::new(false);
        let idx = ex.attach(x, Overflow::Wait).unwrap();
        let idy = ex.attach(y, Overflow::Wait).unwrap();
        let sender = thread::spawn(move || ex.try_send(1).unwrap().delivered);
        let stats = ex.detach(idx).unwrap();
        let got = x.got();
        assert!(got <= 1);
        assert_eq!(stats.delivered, got);
        let delivered = sender.join().unwrap();
        assert_eq!(delivered, 1 + got);
        assert_eq!(ex.detach(idy).unwrap().delivered, 1);
        assert_eq!(y.got(), 1);
    });
}

/// Two senders race one detach.
#[test]
fn detach_during_two_sends() {
    model(|| {
        let ex = leak_exchange();
        let x = Probe::new(false);
        let idx = ex.attach(x, Overflow::DropNewest).unwrap();
        let senders: Vec<_> = (0..2)
            .map(|n| thread::spawn(move || ex.try_send(n).unwrap().delivered))
            .collect();
        let stats = ex.detach(idx).unwrap();
        let got = x.got();
        assert_eq!(stats.delivered, got);
        let sent: usize = senders.into_iter().map(|h| h.join().unwrap()).sum();
        assert_eq!(sent, got);
    });
}

/// Attach races a send: the new subscriber gets the message or not, and its
/// counters agree once the send is over.
#[test]
fn attach_during_send() {
    model(|| {
        let ex = leak_exchange();
        let x = Probe::new(false);
        let sender = thread::spawn(move || ex.try_send(1).unwrap().delivered);
        let idx = ex.attach(x, Overflow::Wait).unwrap();
        let delivered = sender.join().unwrap();
        let stats = ex.detach(idx).unwrap();
        assert_eq!(stats.delivered, delivered);
        assert_eq!(x.got(), delivered);
    });
}

/// A blocking send waiting on a stalled `Wait` subscriber gives up when it is
/// detached, so the detach (which waits for the send) completes: no deadlock.
#[test]
fn detach_releases_a_waiting_send() {
    model(|| {
        let ex = leak_exchange();
        let x = Probe::new(true);
        let idx = ex.attach(x, Overflow::Wait).unwrap();
        let sender = thread::spawn(move || ex.send_blocking(1).unwrap());
        let stats = ex.detach(idx).unwrap();
        assert_eq!(stats.offered(), 0);
        let report = sender.join().unwrap();
        assert_eq!(report.delivered + report.dropped + report.refused, 0);
    });
}

/// A counter snapshot taken while a send runs counts only deliveries that were
/// made: the counts are added under the table lock after the deliveries.
#[test]
fn stats_never_count_ahead_of_deliveries() {
    model(|| {
        let ex = leak_exchange();
        let x = Probe::new(false);
        let idx = ex.attach(x, Overflow::Wait).unwrap();
        let sender = thread::spawn(move || ex.try_send(1).unwrap().delivered);
        let seen = ex.stats(idx).unwrap().delivered;
        assert!(seen <= x.got.load(Relaxed));
        assert_eq!(sender.join().unwrap(), 1);
        assert_eq!(ex.stats(idx).unwrap().delivered, 1);
        assert_eq!(ex.detach(idx).unwrap().delivered, 1);
    });
}
