//! # spindle-bench
//!
//! Side-by-side benchmark cases: spindle against the crates people would otherwise
//! reach for. The cases live here as plain functions so that the quick harness
//! (`cargo run --release -p spindle-bench`) and criterion (`cargo bench -p
//! spindle-bench`) run exactly the same code.
//!
//! ## Method
//!
//! A [`Case`] is one workload with a spindle [`Side`] and one or more peer sides. A
//! side is `fn(iters) -> Duration`: it performs `iters` operations and returns the
//! time they took, measured inside the function so that thread spawning and other
//! setup stay outside the timed region (threads are spawned first, meet on a
//! [`Barrier`], and only then is the clock started).
//!
//! The harness calibrates `iters` per side so that one sample lasts a few
//! milliseconds, warms both sides up, then runs rounds that *alternate* spindle and
//! peer (spindle, peer, spindle, peer, ...), so that drift on a noisy machine
//! (frequency scaling, other tenants) hits both sides alike. Each sample is
//! `elapsed / iters` in ns/op; a side's result is the *median* of its samples, and
//! the reported ratio is the median over rounds of `spindle / peer` within a
//! round: below 1 spindle is faster.
//!
//! ## Adding a case
//!
//! Write one `fn(u64) -> Duration` per side (keep the operation under
//! [`black_box`]) and add a [`Case`] to [`cases`]. Names are `area/workload`, e.g.
//! `queue/spsc-2t`, so `--filter queue` selects a whole area.

use std::hint::black_box;
use std::sync::Barrier;
use std::thread;
use std::time::{Duration, Instant};

/// One side of a case: performs `iters` operations, returns the time they took.
pub type Side = fn(iters: u64) -> Duration;

/// A peer implementation that a case compares spindle against.
#[derive(Debug, Clone, Copy)]
pub struct Peer {
    /// Shown in the report, e.g. `parking_lot::Mutex`.
    pub name: &'static str,
    /// The peer's implementation of the workload.
    pub side: Side,
}

/// One workload, with spindle's side and the peers' sides.
#[derive(Debug, Clone)]
pub struct Case {
    /// `area/workload`, e.g. `mutex/uncontended`.
    pub name: &'static str,
    /// What the case measures, and what one "op" is.
    pub about: &'static str,
    /// spindle's implementation of the workload.
    pub spindle: Side,
    /// The implementations it is compared against.
    pub peers: Vec<Peer>,
    /// Whether every side runs on the calling thread alone, so that its
    /// instruction count under callgrind is repeatable (`ci/instructions.sh`).
    pub single_thread: bool,
}

impl Case {
    fn new(name: &'static str, about: &'static str, spindle: Side) -> Self {
        Self {
            name,
            about,
            spindle,
            peers: Vec::new(),
            single_thread: false,
        }
    }

    /// Marks the case as one-thread (see [`Case::single_thread`]).
    fn single_thread(mut self) -> Self {
        self.single_thread = true;
        self
    }

    fn peer(mut self, name: &'static str, side: Side) -> Self {
        self.peers.push(Peer { name, side });
        self
    }
}

/// Every benchmark case, in report order.
pub fn cases() -> Vec<Case> {
    #[allow(unused_mut)]
    let mut cases = vec![
        Case::new(
            "mutex/uncontended",
            "one thread: lock, increment a u64, unlock",
            mutex::uncontended_spindle,
        )
        // A spin lock that can never sleep is the floor of what a lock costs, not a
        // peer of a lock that parks: spindle's row against it should stay within 1.5x.
        .peer("spin::Mutex (floor)", mutex::uncontended_spin)
        .peer("parking_lot::Mutex", mutex::uncontended_parking_lot)
        .peer("std::sync::Mutex", mutex::uncontended_std)
        .single_thread(),
        Case::new(
            "mutex/contended-2t",
            "two threads share one counter: lock, increment, unlock; ns per op over both",
            mutex::contended_spindle,
        )
        .peer("parking_lot::Mutex", mutex::contended_parking_lot)
        .peer("std::sync::Mutex", mutex::contended_std),
        Case::new(
            "event/pingpong-2t",
            "two threads bounce control over two events; one op = one round trip",
            event::pingpong_spindle,
        )
        .peer("std Condvar+Mutex", event::pingpong_std),
        Case::new(
            "semaphore/uncontended",
            "one thread: try_acquire a permit and drop it",
            semaphore::uncontended_spindle,
        )
        .peer("tokio::sync::Semaphore", semaphore::uncontended_tokio)
        .peer("async_lock::Semaphore", semaphore::uncontended_async_lock)
        .single_thread(),
        Case::new(
            "queue/try-roundtrip-1t",
            "one thread, capacity 64: try_send then try_recv of a u64; one op = both",
            queue::try_roundtrip_spindle,
        )
        .peer("crossbeam ArrayQueue", queue::try_roundtrip_crossbeam)
        .peer("heapless::mpmc::Queue", queue::try_roundtrip_heapless)
        .single_thread(),
        Case::new(
            "queue/spsc-roundtrip-1t",
            "one thread, SPSC ring of 64: try_push then try_pop of a u64; one op = both",
            queue::spsc_roundtrip_spindle,
        )
        .peer("rtrb", queue::spsc_roundtrip_rtrb)
        .peer("heapless::spsc::Queue", queue::spsc_roundtrip_heapless)
        .single_thread(),
        Case::new(
            "queue/blocking-1p1c",
            "capacity 64, one producer thread send_blocking, one consumer recv_blocking; ns per item",
            queue::blocking_1p1c_spindle,
        )
        .peer("crossbeam_channel", queue::blocking_1p1c_crossbeam)
        .peer("flume", queue::blocking_1p1c_flume)
        .peer("std mpsc::sync_channel", queue::blocking_1p1c_std),
        Case::new(
            "queue/blocking-2p2c",
            "capacity 64, two producers, two consumers (each takes half), blocking; ns per item",
            queue::blocking_2p2c_spindle,
        )
        .peer("crossbeam_channel", queue::blocking_2p2c_crossbeam)
        .peer("flume", queue::blocking_2p2c_flume),
        Case::new(
            "queue/spsc-1p1c",
            "SPSC ring of 64, producer try_push and consumer try_pop spinning; ns per item",
            queue::spsc_spindle,
        )
        .peer("rtrb", queue::spsc_rtrb)
        .peer("heapless::spsc::Queue", queue::spsc_heapless),
        Case::new(
            "queue/async-1p1c",
            "capacity 64, producer and consumer futures joined on futures' block_on; ns per item",
            queue::async_1p1c_spindle,
        )
        .peer("tokio::sync::mpsc", queue::async_1p1c_tokio)
        .peer("embassy_sync Channel", queue::async_1p1c_embassy)
        .peer("embassy_sync Channel (CS)", queue::async_1p1c_embassy_cs)
        .single_thread(),
        Case::new(
            "exchange/fanout-8",
            "one thread publishes batches of 32 u64s to 8 subscribers of one shared ring of 64 (spindle's Broadcast flavour), each drains them; one op = one message to all 8",
            exchange::fanout8_broadcast_spindle,
        )
        .peer("tokio::sync::broadcast", exchange::fanout8_tokio)
        .peer("embassy_sync PubSubChannel (CS)", exchange::fanout8_embassy)
        .single_thread(),
        Case::new(
            "exchange/fanout-8-queues",
            "as exchange/fanout-8, with spindle's queue-per-subscriber Exchange (8 queues of 64, policy Wait); its peer is the same shape by hand, 8 crossbeam channels; the shared rings are a reference for what per-subscriber queues and policies cost",
            exchange::fanout8_spindle,
        )
        .peer("8 crossbeam_channel::bounded", exchange::fanout8_crossbeam)
        // Shared rings write a message once where per-subscriber queues write it
        // eight times: the fitting comparison for them is exchange/fanout-8.
        .peer("tokio::sync::broadcast (reference)", exchange::fanout8_tokio)
        .peer("embassy_sync PubSubChannel (CS) (reference)", exchange::fanout8_embassy)
        .single_thread(),
        Case::new(
            "pool/submit-result",
            "pool of one worker per core: submit tiny tasks (batches of 100,000), then collect every result; ns per task",
            pool::submit_result_spindle,
        )
        .peer("rayon::spawn + mpsc", pool::submit_result_rayon)
        .peer("threadpool + mpsc", pool::submit_result_threadpool),
        Case::new(
            "pool/map",
            "ordered map of a ~10 ns function over 0..n collected into a Vec (spindle: map_range, in place, chunk 4096); ns per item",
            pool::map_range_spindle,
        )
        .peer("rayon par_iter().map().collect()", pool::map_rayon),
        Case::new(
            "pool/map-iter",
            "as pool/map, with spindle's iterator map (pool.map(f, 0..n).chunk_size(4096).collect_vec()), which takes any input; ns per item",
            pool::map_spindle,
        )
        .peer("rayon par_iter().map().collect()", pool::map_rayon),
        #[cfg(unix)]
        Case::new(
            "process/roundtrip",
            "one tiny task at a time, submit to result; spindle: a warm ProcessPool of 1 worker; ns per task",
            process::roundtrip_spindle,
        )
        .peer("std::process::Command per task", process::roundtrip_command),
        Case::new(
            "thread/spawn-join",
            "spawn a thread returning a u64, then join it; one op = spawn + join",
            threads::spawn_join_spindle,
        )
        .peer("std::thread::spawn", threads::spawn_join_std),
        Case::new(
            "sched/yield-switch",
            "two tasks on one thread take turns with yield_now().await; one op = one task switch",
            sched::yield_switch_spindle,
        )
        .peer("futures LocalPool", sched::yield_switch_local_pool)
        .peer("tokio current_thread", sched::yield_switch_tokio)
        .single_thread(),
        Case::new(
            "actor/pingpong",
            "two actors on one thread: A asks B for n+1 (mailbox of 16 + reply slot), awaits the answer; one op = one round trip",
            actor::pingpong_spindle,
        )
        .peer("tokio mpsc+oneshot", actor::pingpong_tokio),
        Case::new(
            "actor/thread-pingpong",
            "two actors on two threads bounce a counter over two mailboxes of 16, blocking; one op = one round trip",
            actor::thread_pingpong_spindle,
        )
        .peer("crossbeam_channel", actor::thread_pingpong_crossbeam),
        Case::new(
            "poll/wake-latency",
            "a thread sends into one of 3 queues while another is blocked waiting on all 3 (Selector over PollableQueues); ns/op = median hand-off latency; the polling loop is a reference, not a peer",
            poll::wake_median_spindle,
        )
        .peer("crossbeam_channel select!", poll::wake_median_crossbeam)
        .peer("book's 10 ms polling loop (reference)", poll::wake_median_polling_loop),
        Case::new(
            "poll/wake-latency-p99",
            "as poll/wake-latency; ns/op = p99 hand-off latency",
            poll::wake_p99_spindle,
        )
        .peer("crossbeam_channel select!", poll::wake_p99_crossbeam)
        .peer("book's 10 ms polling loop (reference)", poll::wake_p99_polling_loop),
    ];
    #[cfg(unix)]
    cases.extend(io_cases());
    // Only where a broker can be started (the bench starts its own nats-server).
    if nats::available() {
        cases.extend(nats_cases());
    }
    cases
}

/// `nats/`: the broker rows (bench/src/nats.rs).
fn nats_cases() -> Vec<Case> {
    vec![
        Case::new(
            "nats/roundtrip",
            "one ask round trip through a local nats-server (RemoteAddr::ask_timeout to Nats::serve); ns per round trip",
            nats::roundtrip_spindle,
        )
        .peer("async-nats request/reply", nats::roundtrip_async_nats),
        Case::new(
            "nats/pool-throughput",
            "tiny tasks through the distributed pool with 2 local workers (JetStream, file storage), all submitted (RemotePool::submit_all) then collected; ns per task",
            nats::pool_throughput_spindle,
        )
        .peer("ProcessPool, 2 workers (reference)", nats::pool_throughput_process),
    ]
}

/// `io/echo-throughput-k*`: requests per second are `1e9 / ns per op`.
#[cfg(unix)]
fn io_cases() -> Vec<Case> {
    const TOKIO: &str = "tokio current_thread";
    vec![
        Case::new(
            "io/echo-throughput-k1",
            "line echo server on one thread, 1 loopback connection, one client thread; one op = one GOT: answer",
            io::echo_k1_spindle,
        )
        .peer(TOKIO, io::echo_k1_tokio),
        Case::new(
            "io/echo-throughput-k16",
            "as k1 with 16 connections: one line on each, then every answer, per round; one op = one answer",
            io::echo_k16_spindle,
        )
        .peer(TOKIO, io::echo_k16_tokio),
        Case::new(
            "io/echo-throughput-k256",
            "as k1 with 256 connections: one line on each, then every answer, per round; one op = one answer",
            io::echo_k256_spindle,
        )
        .peer(TOKIO, io::echo_k256_tokio),
    ]
}

/// Times `body` on `threads` fresh threads: each runs `body(index)` after every
/// thread (and the timer) has met on a barrier; the result runs from the barrier's
/// release until the last thread has finished.
fn time_threads<F>(threads: usize, body: F) -> Duration
where
    F: Fn(usize) + Sync,
{
    let start = Barrier::new(threads + 1);
    thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|i| {
                let (start, body) = (&start, &body);
                s.spawn(move || {
                    start.wait();
                    body(i);
                })
            })
            .collect();
        start.wait();
        let t0 = Instant::now();
        for h in handles {
            h.join().expect("benchmark thread panicked");
        }
        t0.elapsed()
    })
}

/// Splits `iters` operations between `threads` workers; worker `i`'s share.
fn share(iters: u64, threads: usize, i: usize) -> u64 {
    let threads = threads as u64;
    iters / threads + u64::from((i as u64) < iters % threads)
}

/// Mutex cases.
pub mod mutex {
    use super::*;

    type SpinCoreMutex<T> = spindle_core::sync::Mutex<spindle_core::raw::SpinRawMutex, T>;

    /// Times `iters` lock-increment-unlock rounds of `lock` on one thread.
    #[inline(always)]
    fn uncontended<M>(iters: u64, m: M, bump: impl Fn(&M)) -> Duration {
        let m = black_box(m);
        let t0 = Instant::now();
        for _ in 0..iters {
            bump(black_box(&m));
        }
        let elapsed = t0.elapsed();
        black_box(&m);
        elapsed
    }

    /// spindle: core `Mutex<SpinRawMutex, u64>`, `lock_blocking`.
    pub fn uncontended_spindle(iters: u64) -> Duration {
        uncontended(iters, SpinCoreMutex::new(0u64), |m| *m.lock_blocking() += 1)
    }

    /// `spin::Mutex<u64>`.
    pub fn uncontended_spin(iters: u64) -> Duration {
        uncontended(iters, spin::Mutex::new(0u64), |m| *m.lock() += 1)
    }

    /// `parking_lot::Mutex<u64>`.
    pub fn uncontended_parking_lot(iters: u64) -> Duration {
        uncontended(iters, parking_lot::Mutex::new(0u64), |m| *m.lock() += 1)
    }

    /// `std::sync::Mutex<u64>`.
    pub fn uncontended_std(iters: u64) -> Duration {
        uncontended(iters, std::sync::Mutex::new(0u64), |m| {
            *m.lock().unwrap() += 1
        })
    }

    const THREADS: usize = 2;

    /// Times `iters` lock-increment-unlock rounds split over two threads sharing `m`.
    fn contended<M: Sync>(iters: u64, m: M, bump: impl Fn(&M) + Sync) -> Duration {
        time_threads(THREADS, |i| {
            for _ in 0..share(iters, THREADS, i) {
                bump(black_box(&m));
            }
        })
    }

    /// spindle: `spindle_std::sync::Mutex<u64>` (parking), `lock_blocking`.
    pub fn contended_spindle(iters: u64) -> Duration {
        let m = spindle_std::sync::Mutex::new(0u64);
        let d = contended(iters, &m, |m| *m.lock_blocking() += 1);
        assert_eq!(*m.lock_blocking(), iters);
        d
    }

    /// `parking_lot::Mutex<u64>`.
    pub fn contended_parking_lot(iters: u64) -> Duration {
        let m = parking_lot::Mutex::new(0u64);
        let d = contended(iters, &m, |m| *m.lock() += 1);
        assert_eq!(*m.lock(), iters);
        d
    }

    /// `std::sync::Mutex<u64>`.
    pub fn contended_std(iters: u64) -> Duration {
        let m = std::sync::Mutex::new(0u64);
        let d = contended(iters, &m, |m| *m.lock().unwrap() += 1);
        assert_eq!(*m.lock().unwrap(), iters);
        d
    }
}

/// Event cases.
pub mod event {
    use super::*;
    use std::sync::{Condvar, Mutex};

    /// The operations the ping-pong needs from an event.
    trait Flag: Sync {
        fn set(&self);
        fn clear(&self);
        fn wait(&self);
    }

    impl Flag for spindle_std::sync::Event {
        fn set(&self) {
            spindle_std::sync::Event::set(self)
        }
        fn clear(&self) {
            spindle_std::sync::Event::clear(self)
        }
        fn wait(&self) {
            self.wait_blocking()
        }
    }

    /// The event people hand-roll from std: a flag under a mutex and a condvar.
    #[derive(Default)]
    pub struct StdEvent {
        flag: Mutex<bool>,
        cond: Condvar,
    }

    impl Flag for StdEvent {
        fn set(&self) {
            *self.flag.lock().unwrap() = true;
            self.cond.notify_all();
        }
        fn clear(&self) {
            *self.flag.lock().unwrap() = false;
        }
        fn wait(&self) {
            let mut flag = self.flag.lock().unwrap();
            while !*flag {
                flag = self.cond.wait(flag).unwrap();
            }
        }
    }

    /// `iters` round trips: this thread sets `ping` and waits for `pong`; a second
    /// thread waits for `ping`, clears it and sets `pong`.
    ///
    /// The row is bimodal on a virtual machine, for both sides, because of where the
    /// OS runs the two threads: ~1.5-2 us per round trip while they share a core
    /// (two context switches), 20-150 us while they are on two cores and the
    /// parked one's core goes idle (a halted vCPU's wake-up). A sample of a few
    /// milliseconds lands in one mode or the other, so read the spread.
    fn pingpong<E: Flag>(iters: u64, ping: &E, pong: &E) -> Duration {
        let start = Barrier::new(2);
        thread::scope(|s| {
            s.spawn(|| {
                start.wait();
                for _ in 0..iters {
                    ping.wait();
                    ping.clear();
                    pong.set();
                }
            });
            start.wait();
            let t0 = Instant::now();
            for _ in 0..iters {
                ping.set();
                pong.wait();
                pong.clear();
            }
            t0.elapsed()
        })
    }

    /// spindle: two `spindle_std::sync::Event`s.
    pub fn pingpong_spindle(iters: u64) -> Duration {
        let (ping, pong) = (
            spindle_std::sync::Event::new(),
            spindle_std::sync::Event::new(),
        );
        let d = pingpong(iters, &ping, &pong);
        assert!(!ping.is_set() && !pong.is_set());
        d
    }

    /// Two [`StdEvent`]s (`Mutex<bool>` + `Condvar`).
    pub fn pingpong_std(iters: u64) -> Duration {
        pingpong(iters, &StdEvent::default(), &StdEvent::default())
    }
}

/// Semaphore cases.
pub mod semaphore {
    use super::*;

    /// spindle: `spindle_std::sync::Semaphore::try_acquire`, permit dropped.
    pub fn uncontended_spindle(iters: u64) -> Duration {
        let sem = black_box(spindle_std::sync::Semaphore::new(1));
        let t0 = Instant::now();
        for _ in 0..iters {
            let permit = black_box(&sem).try_acquire().expect("a free permit");
            black_box(&permit);
        }
        t0.elapsed()
    }

    /// `tokio::sync::Semaphore::try_acquire`, permit dropped.
    pub fn uncontended_tokio(iters: u64) -> Duration {
        let sem = black_box(tokio::sync::Semaphore::new(1));
        let t0 = Instant::now();
        for _ in 0..iters {
            let permit = black_box(&sem).try_acquire().expect("a free permit");
            black_box(&permit);
        }
        t0.elapsed()
    }

    /// `async_lock::Semaphore::try_acquire`, guard dropped.
    pub fn uncontended_async_lock(iters: u64) -> Duration {
        let sem = black_box(async_lock::Semaphore::new(1));
        let t0 = Instant::now();
        for _ in 0..iters {
            let guard = black_box(&sem).try_acquire().expect("a free permit");
            black_box(&guard);
        }
        t0.elapsed()
    }
}

pub mod actor;
pub mod exchange;
#[cfg(unix)]
pub mod io;
#[cfg(unix)]
pub mod nats;
pub mod poll;
pub mod pool;
#[cfg(unix)]
pub mod process;
pub mod queue;
pub mod sched;
pub mod threads;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_side_runs() {
        // process/ cases need a main that calls `process::init` (this test harness
        // does not); tests/process_roundtrip.rs runs them through the binary.
        for case in cases()
            .into_iter()
            .filter(|c| !c.name.starts_with("process/") && !c.name.starts_with("nats/"))
        {
            (case.spindle)(1000);
            for peer in &case.peers {
                (peer.side)(1000);
            }
        }
    }

    #[test]
    fn shares_add_up() {
        for iters in [0, 1, 2, 3, 1001] {
            assert_eq!(share(iters, 2, 0) + share(iters, 2, 1), iters);
        }
    }

    #[test]
    fn names_are_unique() {
        let mut names: Vec<_> = cases().iter().map(|c| c.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), cases().len());
    }
}
