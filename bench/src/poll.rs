//! Poll cases (recipe 12.13): hand-off latency to a thread blocked waiting on
//! several queues at once. A sender stamps `Instant::now()` into one of three
//! queues (round robin) while the receiver is blocked over all three; the
//! receiver's clock at the moment it holds the item gives one latency.
//!
//! The harness reports ns/op; here a side returns `iters x` the median (or p99)
//! latency of its `iters` hand-offs, so the "ns/op" column *is* that statistic and
//! the row's value is the median over the harness's alternating samples.
//! Between hand-offs the receiver acknowledges on an untimed side channel and the
//! sender sleeps 50 us, so every hand-off finds the receiver asleep, not spinning.

use super::*;

use crossbeam_channel::{bounded, select, Receiver, Sender};
use spindle_std::poll::{PollableQueue, Ready, Selector};
use spindle_std::queue::Queue;

/// Gives the receiver time to block again before the next hand-off (sleeping, so
/// the sender does not take a core from the receiver on a small machine).
fn settle() {
    thread::sleep(Duration::from_micros(50));
}

/// `iters` times the `pct` percentile of `latencies`.
fn statistic(mut latencies: Vec<Duration>, pct: f64, iters: u64) -> Duration {
    latencies.sort_unstable();
    let i = ((latencies.len() as f64 - 1.0) * pct).round() as usize;
    latencies[i] * u32::try_from(iters).unwrap_or(u32::MAX)
}

/// Runs `iters` hand-offs: `send(i, stamp)` on this thread, `receive()` on another
/// returning each latency.
fn hand_offs(
    iters: u64,
    send: impl Fn(usize, Instant) + Sync,
    receive: impl Fn() -> Duration + Sync,
) -> Vec<Duration> {
    let (ack_tx, ack_rx): (Sender<()>, Receiver<()>) = bounded(1);
    thread::scope(|s| {
        let receiver = s.spawn(|| {
            (0..iters)
                .map(|_| {
                    let latency = receive();
                    ack_tx.send(()).expect("sender is there");
                    latency
                })
                .collect::<Vec<_>>()
        });
        for i in 0..iters as usize {
            settle();
            send(i % 3, Instant::now());
            ack_rx.recv().expect("receiver acknowledges");
        }
        receiver.join().expect("receiver panicked")
    })
}

fn spindle(iters: u64) -> Vec<Duration> {
    let queues: [PollableQueue<Instant, 4>; 3] =
        std::array::from_fn(|_| PollableQueue::new().expect("descriptors"));
    let selector = Selector::new().expect("descriptors");
    for (i, q) in queues.iter().enumerate() {
        selector.register(i, q).expect("register");
    }
    let ready = std::sync::Mutex::new(Vec::<Ready<usize>>::new());
    hand_offs(
        iters,
        |i, stamp| queues[i].try_send(stamp).expect("room"),
        || {
            let mut ready = ready.lock().expect("one receiver");
            loop {
                selector.wait(&mut ready, None).expect("wait");
                for r in ready.iter() {
                    if let Ok(stamp) = queues[r.key].try_recv() {
                        return black_box(stamp).elapsed();
                    }
                }
            }
        },
    )
}

fn crossbeam(iters: u64) -> Vec<Duration> {
    let (txs, rxs): (Vec<_>, Vec<_>) = (0..3).map(|_| bounded::<Instant>(4)).unzip();
    hand_offs(
        iters,
        |i, stamp| txs[i].try_send(stamp).expect("room"),
        || {
            let stamp = select! {
                recv(rxs[0]) -> v => v,
                recv(rxs[1]) -> v => v,
                recv(rxs[2]) -> v => v,
            }
            .expect("open");
            black_box(stamp).elapsed()
        },
    )
}

/// The book's counter-example: check every queue, sleep 10 ms, repeat.
fn polling_loop(iters: u64) -> Vec<Duration> {
    let queues: [Queue<Instant, 4>; 3] = std::array::from_fn(|_| Queue::new());
    hand_offs(
        iters,
        |i, stamp| queues[i].try_send(stamp).expect("room"),
        || loop {
            for q in &queues {
                if let Ok(stamp) = q.try_recv() {
                    return black_box(stamp).elapsed();
                }
            }
            thread::sleep(Duration::from_millis(10));
        },
    )
}

/// spindle: `Selector` over three `PollableQueue`s; median latency.
pub fn wake_median_spindle(iters: u64) -> Duration {
    statistic(spindle(iters), 0.5, iters)
}
/// crossbeam-channel: `select!` over three bounded channels; median latency.
pub fn wake_median_crossbeam(iters: u64) -> Duration {
    statistic(crossbeam(iters), 0.5, iters)
}
/// The book's 10 ms polling loop over three plain queues; median latency.
pub fn wake_median_polling_loop(iters: u64) -> Duration {
    statistic(polling_loop(iters), 0.5, iters)
}
/// spindle; p99 latency.
pub fn wake_p99_spindle(iters: u64) -> Duration {
    statistic(spindle(iters), 0.99, iters)
}
/// crossbeam-channel; p99 latency.
pub fn wake_p99_crossbeam(iters: u64) -> Duration {
    statistic(crossbeam(iters), 0.99, iters)
}
/// The book's 10 ms polling loop; p99 latency.
pub fn wake_p99_polling_loop(iters: u64) -> Duration {
    statistic(polling_loop(iters), 0.99, iters)
}
