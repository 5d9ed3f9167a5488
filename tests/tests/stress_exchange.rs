//! Stress of the exchange (recipe 12.11) on real threads: 64 subscribers, two
//! publishers, and attach/detach churn while they send. Every subscriber must see
//! exactly the messages sent while it was attached: all of those sent entirely
//! inside its attachment, none of those sent entirely outside it, each publisher's
//! messages in order without duplicates, its counters agreeing, and nothing at all
//! after its detach has returned.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::SeqCst};
use std::sync::Mutex;
use std::time::Duration;

use spindle_core::exchange::{from_fn, Exchange, FnSubscriber, Overflow, Subscriber};
use spindle_core::queue::Queue;
use spindle_core::raw::ParkingRawMutex;
use spindle_test_support::within;

const SUBSCRIBERS: usize = 64;
/// Subscribers attached for the whole run; the rest are churned.
const STABLE: usize = 16;
const CHURNERS: usize = 4;
const PUBLISHERS: usize = 2;
const MESSAGES: u64 = 100_000;

type Msg = (usize, u64);

/// Per publisher: how many sends have started and how many have returned.
struct Progress {
    started: [AtomicU64; PUBLISHERS],
    done: [AtomicU64; PUBLISHERS],
}

impl Progress {
    fn started(&self) -> [u64; PUBLISHERS] {
        std::array::from_fn(|p| self.started[p].load(SeqCst))
    }
    fn done(&self) -> [u64; PUBLISHERS] {
        std::array::from_fn(|p| self.done[p].load(SeqCst))
    }
}

/// Checks one attachment's messages from publisher `p`: strictly increasing, every
/// seq in `[must_from, must_to)` present, none outside `[may_from, may_to)`.
fn check_interval(got: &[u64], may: (u64, u64), must: (u64, u64), what: &str) {
    assert!(
        got.windows(2).all(|w| w[0] < w[1]),
        "{what}: out of order or duplicated"
    );
    if let (Some(&first), Some(&last)) = (got.first(), got.last()) {
        assert!(
            first >= may.0 && last < may.1,
            "{what}: {first}..={last} outside {may:?}"
        );
    }
    let inside = got.iter().filter(|&&s| s >= must.0 && s < must.1).count() as u64;
    assert_eq!(
        inside,
        must.1.saturating_sub(must.0),
        "{what}: missed some of {must:?}"
    );
}

fn churn_run() {
    let logs: Vec<Mutex<Vec<Msg>>> = (0..SUBSCRIBERS).map(|_| Mutex::new(Vec::new())).collect();
    let subs: Vec<FnSubscriber<_>> = logs
        .iter()
        .map(|log| from_fn(move |m: &Msg| log.lock().unwrap().push(*m)))
        .collect();
    // One queue-backed subscriber too, with a consumer, under `Wait`.
    let queue: Queue<ParkingRawMutex, Msg, 64> = Queue::new();
    let progress = Progress {
        started: std::array::from_fn(|_| AtomicU64::new(0)),
        done: std::array::from_fn(|_| AtomicU64::new(0)),
    };
    let finished = AtomicBool::new(false);
    let ex: Exchange<ParkingRawMutex, Msg, { SUBSCRIBERS + 1 }> = Exchange::new();

    let stable: Vec<_> = subs[..STABLE]
        .iter()
        .map(|s| ex.subscribe(s, Overflow::Wait).unwrap())
        .collect();
    let q_sub = ex.subscribe(&queue, Overflow::Wait).unwrap();

    std::thread::scope(|s| {
        let consumer = s.spawn(|| {
            let mut next = [0u64; PUBLISHERS];
            for _ in 0..MESSAGES * PUBLISHERS as u64 {
                let (p, seq) = queue.recv_blocking().unwrap();
                assert_eq!(seq, next[p], "queue subscriber: publisher {p} out of order");
                next[p] += 1;
            }
        });
        for p in 0..PUBLISHERS {
            let (ex, progress) = (&ex, &progress);
            s.spawn(move || {
                for seq in 0..MESSAGES {
                    progress.started[p].store(seq + 1, SeqCst);
                    let report = ex.send_blocking((p, seq)).unwrap();
                    assert_eq!(report.dropped + report.refused, 0);
                    progress.done[p].store(seq + 1, SeqCst);
                }
            });
        }
        let mut churners = Vec::new();
        for c in 0..CHURNERS {
            let (ex, progress, finished, logs, subs) = (&ex, &progress, &finished, &logs, &subs);
            churners.push(s.spawn(move || {
                let mine: Vec<usize> = (STABLE..SUBSCRIBERS)
                    .filter(|k| k % CHURNERS == c)
                    .collect();
                let mut round = 0usize;
                while !finished.load(SeqCst) {
                    let k = mine[round % mine.len()];
                    round += 1;
                    let sub: &(dyn Subscriber<Msg> + Sync) = &subs[k];
                    logs[k].lock().unwrap().clear();
                    let may_from = progress.done();
                    let guard = ex.subscribe(sub, Overflow::Wait).unwrap();
                    let must_from = progress.started();
                    for _ in 0..(round % 4) * 5 {
                        std::thread::yield_now();
                    }
                    let must_to = progress.done();
                    let stats = guard.unsubscribe();
                    let may_to = progress.started();
                    let got = logs[k].lock().unwrap().clone();
                    assert_eq!(stats.delivered, got.len(), "subscriber {k}: counters");
                    assert_eq!(stats.dropped + stats.refused, 0);
                    for p in 0..PUBLISHERS {
                        let seqs: Vec<u64> = got.iter().filter(|m| m.0 == p).map(|m| m.1).collect();
                        check_interval(
                            &seqs,
                            (may_from[p], may_to[p]),
                            (must_from[p], must_to[p]),
                            &format!("subscriber {k}, publisher {p}"),
                        );
                    }
                    // Nothing may arrive after the detach returned.
                    std::thread::yield_now();
                    assert_eq!(
                        logs[k].lock().unwrap().len(),
                        got.len(),
                        "subscriber {k}: late delivery"
                    );
                }
                round
            }));
        }
        // Let the churners run until both publishers are done.
        while progress.done().iter().any(|&d| d < MESSAGES) {
            std::thread::sleep(Duration::from_millis(1));
        }
        finished.store(true, SeqCst);
        consumer.join().unwrap();
        let rounds: usize = churners.into_iter().map(|h| h.join().unwrap()).sum();
        eprintln!("exchange churn: {rounds} attachments checked");
        assert!(rounds >= CHURNERS, "the churners never ran");
    });

    for (k, g) in stable.into_iter().enumerate() {
        let stats = g.unsubscribe();
        assert_eq!(
            stats.delivered as u64,
            MESSAGES * PUBLISHERS as u64,
            "stable {k}"
        );
        let got = logs[k].lock().unwrap();
        for p in 0..PUBLISHERS {
            let seqs: Vec<u64> = got.iter().filter(|m| m.0 == p).map(|m| m.1).collect();
            assert_eq!(
                seqs,
                (0..MESSAGES).collect::<Vec<_>>(),
                "stable {k}, publisher {p}"
            );
        }
    }
    assert_eq!(
        q_sub.unsubscribe().delivered as u64,
        MESSAGES * PUBLISHERS as u64
    );
    assert!(ex.is_empty());
}

#[test]
fn sixty_four_subscribers_with_churn() {
    within(Duration::from_secs(120), churn_run);
}
