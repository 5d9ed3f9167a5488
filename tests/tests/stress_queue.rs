//! Stress of the bounded MPMC `Queue` on real threads: producers and consumers
//! through a small ring with the blocking forms (so both sides wait and are woken
//! often), with and without a `close` in the middle. Every item is accounted for by
//! count and checksums; a lost wake-up shows up as a hang, which the watchdog turns
//! into a failure after a generous deadline.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use spindle_core::queue::{Queue, RecvError, SendError};
use spindle_core::raw::ParkingRawMutex;
use spindle_test_support::within;

type Q = Queue<ParkingRawMutex, u64, 64>;

const PRODUCERS: u64 = 2;
const CONSUMERS: usize = 2;

/// Items through the queue per test, over all producers. Measured on a 2-core
/// machine: about 4 s per test in a debug build (what `cargo test --workspace`
/// runs), so debug and release both move the full 4,000,000.
const TOTAL: u64 = 4_000_000;

/// Count, sum and a sum of mixed hashes of a set of items: equal for two multisets
/// of distinct values only if (with overwhelming likelihood) they are the same.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Tally {
    count: u64,
    sum: u64,
    mix: u64,
}

impl Tally {
    fn add(&mut self, v: u64) {
        self.count += 1;
        self.sum = self.sum.wrapping_add(v);
        self.mix = self.mix.wrapping_add(splitmix(v));
    }

    fn merge(mut self, o: Tally) -> Tally {
        self.count += o.count;
        self.sum = self.sum.wrapping_add(o.sum);
        self.mix = self.mix.wrapping_add(o.mix);
        self
    }
}

fn splitmix(v: u64) -> u64 {
    let mut z = v.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The values producer `p` sends, in order: disjoint between producers.
fn values(p: u64) -> impl Iterator<Item = u64> {
    let per = TOTAL / PRODUCERS;
    (0..per).map(move |i| p * per + i)
}

/// Receives until `Closed`, checking that each producer's items arrive in the order
/// it sent them (one consumer sees a subsequence of each producer's sequence).
fn consume(q: &Q, received: &AtomicU64) -> Tally {
    let per = TOTAL / PRODUCERS;
    let mut last = [None::<u64>; PRODUCERS as usize];
    let mut t = Tally::default();
    loop {
        match q.recv_blocking() {
            Ok(v) => {
                let p = (v / per) as usize;
                assert!(
                    last[p].is_none_or(|l| l < v),
                    "producer {p}: {v} after {last:?}"
                );
                last[p] = Some(v);
                t.add(v);
                received.fetch_add(1, Ordering::Relaxed);
            }
            Err(RecvError::Closed) => return t,
            Err(e) => panic!("recv_blocking gave {e:?}"),
        }
    }
}

#[test]
fn two_producers_two_consumers_blocking() {
    within(Duration::from_secs(300), || {
        let q = Q::new();
        let received = AtomicU64::new(0);
        let (sent, got) = std::thread::scope(|s| {
            let consumers: Vec<_> = (0..CONSUMERS)
                .map(|_| s.spawn(|| consume(&q, &received)))
                .collect();
            let producers: Vec<_> = (0..PRODUCERS)
                .map(|p| {
                    let q = &q;
                    s.spawn(move || {
                        let mut t = Tally::default();
                        for v in values(p) {
                            q.send_blocking(v).unwrap();
                            t.add(v);
                        }
                        t
                    })
                })
                .collect();
            let sent = producers
                .into_iter()
                .map(|h| h.join().unwrap())
                .fold(Tally::default(), Tally::merge);
            // Every producer is done: close so the consumers drain and stop.
            assert!(q.close());
            let got = consumers
                .into_iter()
                .map(|h| h.join().unwrap())
                .fold(Tally::default(), Tally::merge);
            (sent, got)
        });
        let all = (0..PRODUCERS)
            .flat_map(values)
            .fold(Tally::default(), |mut t, v| {
                t.add(v);
                t
            });
        assert_eq!(sent, all);
        assert_eq!(got, all);
        assert_eq!(received.load(Ordering::Relaxed), TOTAL);
        assert!(q.is_empty());
        assert_eq!(q.try_recv(), Err(RecvError::Closed));
    });
}

#[test]
fn two_producers_two_consumers_close_midway() {
    within(Duration::from_secs(300), || {
        let q = Q::new();
        let received = AtomicU64::new(0);
        let (attempted, returned, got) = std::thread::scope(|s| {
            let consumers: Vec<_> = (0..CONSUMERS)
                .map(|_| s.spawn(|| consume(&q, &received)))
                .collect();
            // Closes once about half the items went through, while both producers
            // and both consumers are busy (and some of them waiting).
            let closer = s.spawn(|| {
                while received.load(Ordering::Relaxed) < TOTAL / 2 {
                    std::thread::yield_now();
                }
                assert!(q.close());
            });
            let producers: Vec<_> = (0..PRODUCERS)
                .map(|p| {
                    let q = &q;
                    s.spawn(move || {
                        let (mut attempted, mut returned) = (Tally::default(), Tally::default());
                        for v in values(p) {
                            attempted.add(v);
                            match q.send_blocking(v) {
                                Ok(()) => {}
                                Err(SendError::Closed(back)) => {
                                    assert_eq!(back, v, "Closed handed back another value");
                                    returned.add(back);
                                    // Closed for good: every later send fails too.
                                    assert_eq!(q.try_send(v + 1), Err(SendError::Closed(v + 1)));
                                    break;
                                }
                                Err(e) => panic!("send_blocking gave {e:?}"),
                            }
                        }
                        (attempted, returned)
                    })
                })
                .collect();
            let (attempted, returned) = producers
                .into_iter()
                .map(|h| h.join().unwrap())
                .fold((Tally::default(), Tally::default()), |(a, r), (a2, r2)| {
                    (a.merge(a2), r.merge(r2))
                });
            closer.join().unwrap();
            let got = consumers
                .into_iter()
                .map(|h| h.join().unwrap())
                .fold(Tally::default(), Tally::merge);
            (attempted, returned, got)
        });
        // Each attempted item was received exactly once or handed back.
        assert_eq!(got.merge(returned), attempted);
        assert!(got.count >= TOTAL / 2, "closed before half went through");
        assert!(returned.count <= PRODUCERS);
        assert_eq!(received.load(Ordering::Relaxed), got.count);
        assert!(q.is_empty());
        assert_eq!(q.try_recv(), Err(RecvError::Closed));
    });
}
