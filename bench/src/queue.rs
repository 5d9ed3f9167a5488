//! Queue cases: spindle's bounded MPMC [`Queue`] and SPSC [`Ring`] against the
//! channels and rings people would otherwise reach for. Every item is a `u64`, every
//! queue holds 64 of them, and one op is one item moved from a producer to a
//! consumer (or, single-threaded, one send plus one receive).
//!
//! In the threaded cases every side runs the same loop shape: producers send
//! `0..share`, consumers receive exactly their share and sum what they got, so the
//! termination (a count, no close or disconnect) costs the same on every side.

use super::*;

use crossbeam_utils::CachePadded;
use spindle_core::queue::spsc::Ring;
use spindle_core::queue::Queue;
use spindle_core::raw::{NoopRawMutex, ParkingRawMutex, SpinRawMutex};

/// Room in every queue of this module, in items.
const CAP: usize = 64;

/// Times a producer and a consumer, each on its own fresh thread, from a barrier
/// (where both threads and the timer meet) until both have finished.
fn time_pair<P, C>(producer: P, consumer: C) -> Duration
where
    P: FnOnce() + Send,
    C: FnOnce() + Send,
{
    let start = Barrier::new(3);
    let start = &start;
    thread::scope(|s| {
        let p = s.spawn(move || {
            start.wait();
            producer();
        });
        let c = s.spawn(move || {
            start.wait();
            consumer();
        });
        start.wait();
        let t0 = Instant::now();
        p.join().expect("producer panicked");
        c.join().expect("consumer panicked");
        t0.elapsed()
    })
}

/// Receives `n` items with `recv` and checks that they were `0..n` in some order
/// (their sum), so no side can drop or invent items.
#[inline(always)]
fn consume(n: u64, mut recv: impl FnMut() -> u64) {
    let mut sum = 0u64;
    for _ in 0..n {
        sum = sum.wrapping_add(black_box(recv()));
    }
    assert_eq!(sum, n.wrapping_mul(n.wrapping_sub(1)) / 2);
}

/// Sends `0..n` with `send`.
#[inline(always)]
fn produce(n: u64, mut send: impl FnMut(u64)) {
    for i in 0..n {
        send(black_box(i));
    }
}

// ---------------------------------------------------------------------------------
// queue/try-roundtrip-1t

/// Times `iters` rounds of one non-blocking send and one non-blocking receive on
/// one thread, on an otherwise empty queue.
#[inline(always)]
fn roundtrip<Q>(iters: u64, q: Q, send: impl Fn(&Q, u64), recv: impl Fn(&Q) -> u64) -> Duration {
    let q = black_box(q);
    let t0 = Instant::now();
    for i in 0..iters {
        let q = black_box(&q);
        send(q, i);
        black_box(recv(q));
    }
    t0.elapsed()
}

/// spindle: `Queue<SpinRawMutex, u64, 64>`, `try_send` + `try_recv`.
pub fn try_roundtrip_spindle(iters: u64) -> Duration {
    roundtrip(
        iters,
        Queue::<SpinRawMutex, u64, CAP>::new(),
        |q, v| q.try_send(v).expect("room"),
        |q| q.try_recv().expect("an item"),
    )
}

/// `crossbeam_queue::ArrayQueue::new(64)`, `push` + `pop`.
pub fn try_roundtrip_crossbeam(iters: u64) -> Duration {
    roundtrip(
        iters,
        crossbeam_queue::ArrayQueue::<u64>::new(CAP),
        |q, v| q.push(v).expect("room"),
        |q| q.pop().expect("an item"),
    )
}

/// `heapless::mpmc::Queue<u64, 64>` (deprecated upstream, see the `Queue` docs'
/// "Progress"), `enqueue` + `dequeue`.
#[allow(deprecated)]
pub fn try_roundtrip_heapless(iters: u64) -> Duration {
    roundtrip(
        iters,
        heapless::mpmc::Queue::<u64, CAP>::new(),
        |q, v| q.enqueue(v).expect("room"),
        |q| q.dequeue().expect("an item"),
    )
}

// ---------------------------------------------------------------------------------
// queue/blocking-1p1c

/// spindle: `Queue<ParkingRawMutex, u64, 64>`, `send_blocking` / `recv_blocking`.
pub fn blocking_1p1c_spindle(iters: u64) -> Duration {
    let q = Queue::<ParkingRawMutex, u64, CAP>::new();
    time_pair(
        || produce(iters, |v| q.send_blocking(v).expect("open")),
        || consume(iters, || q.recv_blocking().expect("an item")),
    )
}

/// `crossbeam_channel::bounded(64)`.
pub fn blocking_1p1c_crossbeam(iters: u64) -> Duration {
    let (tx, rx) = crossbeam_channel::bounded::<u64>(CAP);
    time_pair(
        move || produce(iters, |v| tx.send(v).expect("open")),
        move || consume(iters, || rx.recv().expect("an item")),
    )
}

/// `flume::bounded(64)`.
pub fn blocking_1p1c_flume(iters: u64) -> Duration {
    let (tx, rx) = flume::bounded::<u64>(CAP);
    time_pair(
        move || produce(iters, |v| tx.send(v).expect("open")),
        move || consume(iters, || rx.recv().expect("an item")),
    )
}

/// `std::sync::mpsc::sync_channel(64)`.
pub fn blocking_1p1c_std(iters: u64) -> Duration {
    let (tx, rx) = std::sync::mpsc::sync_channel::<u64>(CAP);
    time_pair(
        move || produce(iters, |v| tx.send(v).expect("open")),
        move || consume(iters, || rx.recv().expect("an item")),
    )
}

// ---------------------------------------------------------------------------------
// queue/blocking-2p2c

const PRODUCERS: usize = 2;
const CONSUMERS: usize = 2;

/// Threads `0..PRODUCERS` each send their share of `iters`; the next `CONSUMERS`
/// threads each receive their share (the shares add up on both sides).
fn mpmc<S, R>(iters: u64, send: S, recv: R) -> Duration
where
    S: Fn(u64) + Sync,
    R: Fn() -> u64 + Sync,
{
    time_threads(PRODUCERS + CONSUMERS, |i| {
        if i < PRODUCERS {
            produce(share(iters, PRODUCERS, i), &send);
        } else {
            let n = share(iters, CONSUMERS, i - PRODUCERS);
            for _ in 0..n {
                black_box(recv());
            }
        }
    })
}

/// spindle: `Queue<ParkingRawMutex, u64, 64>`, `send_blocking` / `recv_blocking`.
pub fn blocking_2p2c_spindle(iters: u64) -> Duration {
    let q = Queue::<ParkingRawMutex, u64, CAP>::new();
    let d = mpmc(
        iters,
        |v| q.send_blocking(v).expect("open"),
        || q.recv_blocking().expect("an item"),
    );
    assert!(q.is_empty());
    d
}

/// `crossbeam_channel::bounded(64)`.
pub fn blocking_2p2c_crossbeam(iters: u64) -> Duration {
    let (tx, rx) = crossbeam_channel::bounded::<u64>(CAP);
    let d = mpmc(
        iters,
        |v| tx.send(v).expect("open"),
        || rx.recv().expect("an item"),
    );
    assert!(rx.is_empty());
    d
}

/// `flume::bounded(64)`.
pub fn blocking_2p2c_flume(iters: u64) -> Duration {
    let (tx, rx) = flume::bounded::<u64>(CAP);
    let d = mpmc(
        iters,
        |v| tx.send(v).expect("open"),
        || rx.recv().expect("an item"),
    );
    assert!(rx.is_empty());
    d
}

// ---------------------------------------------------------------------------------
// queue/spsc-1p1c

/// Failed attempts in a row after which a spinning side yields its core.
///
/// Small on purpose. A spin hint (`pause`) takes about 140 cycles on current Intel
/// cores (10 on older ones), so the 128 this used to be spun ~7 us before yielding:
/// on a shared machine, whenever the other side was descheduled, every side paid
/// that per stall, and the row measured the back-off (80-180 ns per item for rtrb
/// and spindle alike, against 20-25 ns with 8-16; on a quiet machine the count
/// makes no difference, since a side waits less than a few spins for the other and
/// a yield with no other runnable thread returns at once).
const SPINS_BEFORE_YIELD: u32 = 16;

/// One failed attempt of a spin loop: a spin hint, and after [`SPINS_BEFORE_YIELD`]
/// of them in a row a `yield_now`. With a spare core per side the yield never
/// comes; without one (another process on the machine), it stops a side from
/// spinning out its time slice while the side it waits for cannot run.
#[inline(always)]
fn spin_wait(spins: &mut u32) {
    *spins += 1;
    if *spins < SPINS_BEFORE_YIELD {
        std::hint::spin_loop();
    } else {
        *spins = 0;
        thread::yield_now();
    }
}

/// Pushes `0..n` with `push`, spinning while it hands the value back (full).
#[inline(always)]
fn spin_produce<E>(n: u64, mut push: impl FnMut(u64) -> Result<(), E>) {
    for i in 0..n {
        let mut spins = 0;
        while push(black_box(i)).is_err() {
            spin_wait(&mut spins);
        }
    }
}

/// Pops `n` items with `pop`, spinning while it has none (empty).
#[inline(always)]
fn spin_consume(n: u64, mut pop: impl FnMut() -> Option<u64>) {
    consume(n, || {
        let mut spins = 0;
        loop {
            match pop() {
                Some(v) => break v,
                None => spin_wait(&mut spins),
            }
        }
    });
}

/// Runs `producer` on one fresh thread and `consumer` on another, each with its
/// half of an SPSC ring moved into a [`CachePadded`] local of its own thread: every
/// ring here keeps per-half state in the half (a cached index, its own index) that
/// it writes on every operation, and two halves captured side by side in the
/// spawned closures could share a cache-line block and bounce it between the cores,
/// by luck of allocation and differently for each crate.
fn time_spsc<P: Send, C: Send>(
    tx: P,
    rx: C,
    producer: impl FnOnce(&mut P) + Send,
    consumer: impl FnOnce(&mut C) + Send,
) -> Duration {
    time_pair(
        move || producer(&mut CachePadded::new(tx)),
        move || consumer(&mut CachePadded::new(rx)),
    )
}

/// spindle: `spsc::Ring<u64, 64>` (64 usable slots), `try_push` / `try_pop`.
pub fn spsc_spindle(iters: u64) -> Duration {
    let mut ring = Ring::<u64, CAP>::new();
    let (tx, rx) = ring.split();
    time_spsc(
        tx,
        rx,
        |tx| spin_produce(iters, |v| tx.try_push(v)),
        |rx| spin_consume(iters, || rx.try_pop().ok()),
    )
}

/// Times `iters` rounds of one push and one pop through a split SPSC ring's two
/// halves, both held by this thread (the instruction-count row: no second thread).
#[inline(always)]
fn spsc_roundtrip<P, C>(
    iters: u64,
    mut tx: P,
    mut rx: C,
    push: impl Fn(&mut P, u64),
    pop: impl Fn(&mut C) -> u64,
) -> Duration {
    let t0 = Instant::now();
    for i in 0..iters {
        push(black_box(&mut tx), i);
        black_box(pop(black_box(&mut rx)));
    }
    t0.elapsed()
}

/// spindle: `spsc::Ring<u64, 64>`, `try_push` + `try_pop` on one thread.
pub fn spsc_roundtrip_spindle(iters: u64) -> Duration {
    let mut ring = Ring::<u64, CAP>::new();
    let (tx, rx) = ring.split();
    spsc_roundtrip(
        iters,
        tx,
        rx,
        |tx, v| tx.try_push(v).expect("room"),
        |rx| rx.try_pop().expect("an item"),
    )
}

/// `rtrb::RingBuffer::new(64)`, `push` + `pop` on one thread.
pub fn spsc_roundtrip_rtrb(iters: u64) -> Duration {
    let (tx, rx) = rtrb::RingBuffer::<u64>::new(CAP);
    spsc_roundtrip(
        iters,
        tx,
        rx,
        |tx, v| tx.push(v).expect("room"),
        |rx| rx.pop().expect("an item"),
    )
}

/// `heapless::spsc::Queue<u64, 65>`, `enqueue` + `dequeue` on one thread.
pub fn spsc_roundtrip_heapless(iters: u64) -> Duration {
    let mut queue = heapless::spsc::Queue::<u64, { CAP + 1 }>::new();
    let (tx, rx) = queue.split();
    spsc_roundtrip(
        iters,
        tx,
        rx,
        |tx, v| tx.enqueue(v).expect("room"),
        |rx| rx.dequeue().expect("an item"),
    )
}

/// `rtrb::RingBuffer::new(64)`, `push` / `pop`.
pub fn spsc_rtrb(iters: u64) -> Duration {
    let (tx, rx) = rtrb::RingBuffer::<u64>::new(CAP);
    time_spsc(
        tx,
        rx,
        |tx| spin_produce(iters, |v| tx.push(v)),
        |rx| spin_consume(iters, || rx.pop().ok()),
    )
}

/// `heapless::spsc::Queue<u64, 65>`: heapless keeps one slot empty, so `N = 65`
/// gives the same 64 usable slots. `enqueue` / `dequeue`.
pub fn spsc_heapless(iters: u64) -> Duration {
    let mut queue = heapless::spsc::Queue::<u64, { CAP + 1 }>::new();
    let (tx, rx) = queue.split();
    time_spsc(
        tx,
        rx,
        |tx| spin_produce(iters, |v| tx.enqueue(v)),
        |rx| spin_consume(iters, || rx.dequeue()),
    )
}

// ---------------------------------------------------------------------------------
// queue/async-1p1c

/// Runs `producer` and `consumer` joined in one task on `futures`' single-threaded
/// `block_on`, timing the whole run (the executor is the same for every side).
fn time_async(
    producer: impl std::future::Future<Output = ()>,
    consumer: impl std::future::Future<Output = ()>,
) -> Duration {
    let t0 = Instant::now();
    futures::executor::block_on(async {
        futures::join!(producer, consumer);
    });
    t0.elapsed()
}

/// spindle: `Queue<NoopRawMutex, u64, 64>`, `send(..).await` / `recv().await`.
pub fn async_1p1c_spindle(iters: u64) -> Duration {
    let q = Queue::<NoopRawMutex, u64, CAP>::new();
    let q = &q;
    time_async(
        async move {
            for i in 0..iters {
                q.send(black_box(i)).await.expect("open");
            }
        },
        async move {
            let mut sum = 0u64;
            for _ in 0..iters {
                sum = sum.wrapping_add(black_box(q.recv().await.expect("an item")));
            }
            assert_eq!(sum, iters.wrapping_mul(iters.wrapping_sub(1)) / 2);
        },
    )
}

/// `tokio::sync::mpsc::channel(64)` (no tokio runtime: it only needs a waker).
pub fn async_1p1c_tokio(iters: u64) -> Duration {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<u64>(CAP);
    time_async(
        async move {
            for i in 0..iters {
                tx.send(black_box(i)).await.expect("open");
            }
        },
        async move {
            let mut sum = 0u64;
            for _ in 0..iters {
                sum = sum.wrapping_add(black_box(rx.recv().await.expect("an item")));
            }
            assert_eq!(sum, iters.wrapping_mul(iters.wrapping_sub(1)) / 2);
        },
    )
}

/// `embassy_sync::channel::Channel<NoopRawMutex, u64, 64>`.
pub fn async_1p1c_embassy(iters: u64) -> Duration {
    use embassy_sync::blocking_mutex::raw::NoopRawMutex as EmbassyNoop;
    let ch = embassy_sync::channel::Channel::<EmbassyNoop, u64, CAP>::new();
    let ch = &ch;
    time_async(
        async move {
            for i in 0..iters {
                ch.send(black_box(i)).await;
            }
        },
        async move {
            let mut sum = 0u64;
            for _ in 0..iters {
                sum = sum.wrapping_add(black_box(ch.receive().await));
            }
            assert_eq!(sum, iters.wrapping_mul(iters.wrapping_sub(1)) / 2);
        },
    )
}

/// `embassy_sync::channel::Channel<CriticalSectionRawMutex, u64, 64>`: embassy's
/// channel in its thread- and interrupt-safe form, the like-for-like peer of
/// spindle's queue (which is thread-safe whatever its raw exclusion). On the host
/// the critical section is `critical-section`'s std implementation (a global lock).
pub fn async_1p1c_embassy_cs(iters: u64) -> Duration {
    use embassy_sync::blocking_mutex::raw::CriticalSectionRawMutex as EmbassyCs;
    let ch = embassy_sync::channel::Channel::<EmbassyCs, u64, CAP>::new();
    let ch = &ch;
    time_async(
        async move {
            for i in 0..iters {
                ch.send(black_box(i)).await;
            }
        },
        async move {
            let mut sum = 0u64;
            for _ in 0..iters {
                sum = sum.wrapping_add(black_box(ch.receive().await));
            }
            assert_eq!(sum, iters.wrapping_mul(iters.wrapping_sub(1)) / 2);
        },
    )
}
