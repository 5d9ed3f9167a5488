//! Exchange cases: spindle's [`Exchange`] (recipe 12.11) fanning `u64`s out to
//! eight subscribers. Its `Broadcast` flavour (`exchange/fanout-8`) runs against
//! the other shared rings, `tokio::sync::broadcast` and embassy-sync's
//! `PubSubChannel`; the queue-per-subscriber `Exchange` (`exchange/fanout-8-queues`)
//! against the same shape written by hand, eight `crossbeam_channel`s fed one by
//! one, with the shared rings as a reference. All run in their thread-safe
//! configurations (spindle and embassy use a spinning / critical-section raw mutex;
//! tokio's and crossbeam's channels are always `Sync`).
//!
//! One thread publishes a batch of `BATCH` (32) messages, then each of the eight
//! subscribers drains them, until `iters` messages have gone through; one op is
//! one message delivered to, and received by, all eight subscribers. Each side
//! buffers `CAP` (64) messages per subscriber, so no publish ever finds a subscriber
//! full and the cost measured is that of the data structure, not of waiting.

use super::*;

use embassy_sync::blocking_mutex::raw::CriticalSectionRawMutex as EmbassyCs;
use spindle_core::exchange::{Broadcast, Exchange, Overflow};
use spindle_core::queue::Queue;
use spindle_core::raw::SpinRawMutex;

/// Subscribers in every case.
const SUBS: usize = 8;
/// Messages each subscriber can hold.
const CAP: usize = 64;
/// Messages published before the subscribers drain them.
const BATCH: u64 = 32;

/// Runs `iters` messages in batches: `publish(seq)` for each message of a batch,
/// then `drain(sub)` once per subscriber per message, checking that each
/// subscriber received every message of the batch, in order.
#[inline(always)]
fn fanout(
    iters: u64,
    mut publish: impl FnMut(u64),
    mut drain: impl FnMut(usize) -> u64,
) -> Duration {
    let t0 = Instant::now();
    let mut next = 0u64;
    while next < iters {
        let end = (next + BATCH).min(iters);
        for seq in next..end {
            publish(black_box(seq));
        }
        for sub in 0..SUBS {
            for seq in next..end {
                let got = drain(sub);
                debug_assert_eq!(got, seq);
                black_box(got);
            }
        }
        next = end;
    }
    t0.elapsed()
}

/// spindle: `Exchange<SpinRawMutex, u64, 8>` with eight `Queue<SpinRawMutex, u64,
/// 64>` subscribers (policy `Wait`); `try_send` and each queue's `try_recv`.
pub fn fanout8_spindle(iters: u64) -> Duration {
    let queues: [Queue<SpinRawMutex, u64, CAP>; SUBS] = std::array::from_fn(|_| Queue::new());
    let ex: Exchange<SpinRawMutex, u64, SUBS> = Exchange::new();
    let subs: Vec<_> = queues
        .iter()
        .map(|q| ex.subscribe(q, Overflow::Wait).expect("a free slot"))
        .collect();
    let d = fanout(
        iters,
        |v| {
            let report = ex.try_send(v).expect("room");
            debug_assert_eq!(report.delivered, SUBS);
        },
        |sub| queues[sub].try_recv().expect("a message"),
    );
    for s in subs {
        assert_eq!(s.unsubscribe().delivered as u64, iters);
    }
    d
}

/// spindle's shared-ring flavour: `Broadcast<SpinRawMutex, u64, 64>` with eight
/// receivers; `try_send` and each receiver's `try_recv`. The fitting flavour for
/// both peers, which are shared rings too.
pub fn fanout8_broadcast_spindle(iters: u64) -> Duration {
    let ch: Broadcast<SpinRawMutex, u64, CAP> = Broadcast::new();
    let mut rxs: Vec<_> = (0..SUBS).map(|_| ch.subscribe()).collect();
    fanout(
        iters,
        |v| {
            let receivers = ch.try_send(v).expect("receivers");
            debug_assert_eq!(receivers, SUBS);
        },
        |sub| rxs[sub].try_recv().expect("a message"),
    )
}

/// `tokio::sync::broadcast::channel(64)` with eight receivers; `send` and
/// `try_recv`.
pub fn fanout8_tokio(iters: u64) -> Duration {
    let (tx, rx) = tokio::sync::broadcast::channel::<u64>(CAP);
    let mut rxs: Vec<_> = (0..SUBS).map(|_| rx.resubscribe()).collect();
    drop(rx);
    fanout(
        iters,
        |v| {
            tx.send(v).expect("receivers");
        },
        |sub| rxs[sub].try_recv().expect("a message"),
    )
}

/// The queue-per-subscriber fan-out written by hand, the fitting peer of
/// spindle's `Exchange`: eight `crossbeam_channel::bounded(64)` channels, a
/// `try_send` into each per message and each receiver's `try_recv`.
pub fn fanout8_crossbeam(iters: u64) -> Duration {
    let (txs, rxs): (Vec<_>, Vec<_>) = (0..SUBS)
        .map(|_| crossbeam_channel::bounded::<u64>(CAP))
        .unzip();
    fanout(
        iters,
        |v| {
            for tx in &txs {
                tx.try_send(v).expect("room");
            }
        },
        |sub| rxs[sub].try_recv().expect("a message"),
    )
}

/// `embassy_sync::pubsub::PubSubChannel<CriticalSectionRawMutex, u64, 64, 8, 1>`;
/// a publisher's `try_publish` and each subscriber's `try_next_message_pure`.
pub fn fanout8_embassy(iters: u64) -> Duration {
    let ch = embassy_sync::pubsub::PubSubChannel::<EmbassyCs, u64, CAP, SUBS, 1>::new();
    let publisher = ch.publisher().expect("a publisher slot");
    let mut subs: Vec<_> = (0..SUBS)
        .map(|_| ch.subscriber().expect("a subscriber slot"))
        .collect();
    fanout(
        iters,
        |v| publisher.try_publish(v).expect("room"),
        |sub| subs[sub].try_next_message_pure().expect("a message"),
    )
}
