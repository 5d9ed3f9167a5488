//! Recipe 12.3, "communicating between threads": a producer and consumers on a
//! bounded [`Queue`] that the producer [`close`](spindle_std::queue::QueueRef::close)s
//! instead of putting the book's `_sentinel`, the book's thread-safe
//! [`PriorityQueue`] (highest priority first, first-come among equals),
//! `task_done`/`join`, the `(data, Event)` pair as a [`Tracked`] item whose producer
//! waits for it to be processed, a non-blocking put that logs the item it discards
//! and a `get(timeout=...)` that times out, and, beyond the book, the wait-free
//! [`spsc::Ring`] and the queue's `async` side driven by [`block_on`].

use std::io::{self, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use spindle_core::queue::{PriorityQueue, Tracked};
use spindle_core::raw::ParkingRawMutex;
use spindle_core::wait::block_on;
use spindle_std::queue::{
    spsc, Queue, QueueRef, RecvError, RecvTimeoutError, SendError, TrySendError,
};
use spindle_std::sync::{Event, Mutex};

use crate::{failed, join, ms, write_heading};

/// The book's recipe number.
pub const ID: &str = "12.3";
/// The module and example name.
pub const NAME: &str = "r12_03_queues";
/// The section title.
pub const TITLE: &str = "Queues: communicating between threads";

/// How long the demo waits for anything that should happen at once before calling
/// it a failure (never reached when things work).
const PATIENCE: Duration = Duration::from_secs(5);

/// Items the producer/consumer, spsc and async demos pass along.
const ITEMS: u64 = 10_000;
/// Their sum, `1 + 2 + ... + ITEMS`: what the receivers must add up to.
const ITEMS_SUM: u64 = ITEMS * (ITEMS + 1) / 2;

/// Closes a queue when dropped: a producer that returns early on an error still
/// lets its consumers finish (the `thread::scope` would otherwise wait for them
/// forever). Closing again after an explicit `close()` does nothing.
struct CloseOnDrop<'a, T>(&'a QueueRef<T>);

impl<T> Drop for CloseOnDrop<'_, T> {
    fn drop(&mut self) {
        self.0.close();
    }
}

/// Runs the recipe's demos and writes the section to `out`.
///
/// ```
/// let mut out = Vec::new();
/// spindle_cookbook::r12_03_queues::run(&mut out).unwrap();
/// assert!(String::from_utf8(out).unwrap().contains("queue full, discarded item 4"));
/// ```
pub fn run(out: &mut dyn Write) -> io::Result<()> {
    write_heading(out, ID, TITLE)?;
    producer_consumer(out)?;
    priority_queue(out)?;
    task_done_join(out)?;
    tracked_items(out)?;
    full_and_empty(out)?;
    spsc_ring(out)?;
    async_side(out)?;
    Ok(())
}

/// One producer sends `1..=ITEMS` through a `Queue(16)` and closes it; three
/// consumers take items until `RecvError`. Closing stops every consumer,
/// where the book's consumers had to put the sentinel back for the next one.
fn producer_consumer(out: &mut dyn Write) -> io::Result<()> {
    const CONSUMERS: usize = 3;
    let q: Queue<u64, 16> = Queue::new();
    let t0 = Instant::now();
    let (per_consumer, late) = thread::scope(|s| {
        let consumers: Vec<_> = (0..CONSUMERS)
            .map(|_| {
                s.spawn(|| {
                    let (mut count, mut sum) = (0u64, 0u64);
                    loop {
                        match q.recv_blocking() {
                            Ok(n) => {
                                count += 1;
                                sum += n;
                            }
                            Err(RecvError) => return Ok((count, sum)),
                        }
                    }
                })
            })
            .collect();
        let producer = s.spawn(|| {
            let _closer = CloseOnDrop(&q);
            for n in 1..=ITEMS {
                q.send_blocking(n)
                    .map_err(|e| failed(format!("send {n}: {e}")))?;
            }
            q.close(); // instead of `out_q.put(_sentinel)`
                       // A send after close hands the value back.
            Ok::<_, io::Error>(q.send_blocking(ITEMS + 1).err())
        });
        let late = join(producer, "producer")??;
        let per_consumer = consumers
            .into_iter()
            .map(|h| join(h, "consumer")?)
            .collect::<io::Result<Vec<_>>>()?;
        Ok::<_, io::Error>((per_consumer, late))
    })?;
    let took = t0.elapsed();
    let count: u64 = per_consumer.iter().map(|(c, _)| c).sum();
    let sum: u64 = per_consumer.iter().map(|(_, s)| s).sum();
    if count != ITEMS || sum != ITEMS_SUM {
        return Err(failed(format!(
            "consumers got {count} items summing to {sum}, expected {ITEMS} summing to {ITEMS_SUM}"
        )));
    }
    let Some(SendError(back)) = late else {
        return Err(failed("a send after close() did not give its value back"));
    };
    let split: Vec<String> = per_consumer.iter().map(|(c, _)| c.to_string()).collect();
    writeln!(
        out,
        "Queue(16) + close(): 1 producer sent {ITEMS} items then closed (no sentinel); {CONSUMERS} consumers got {count} ({}), sum {sum} = expected, nothing lost, in {}",
        split.join(" + "),
        ms(took)
    )?;
    writeln!(
        out,
        "  each consumer stopped on RecvError (closed and drained); a send after close got {back} back"
    )
}

/// The book's `PriorityQueue`: highest priority first, first-sent among equals
/// (its `(-priority, index, item)` tuples).
fn priority_queue(out: &mut dyn Write) -> io::Result<()> {
    const SENT: [(u8, &str); 6] = [
        (1, "sweep"),
        (5, "fire!"),
        (3, "lunch"),
        (1, "dust"),
        (5, "alarm"),
        (1, "mop"),
    ];
    const EXPECTED: [&str; 6] = ["fire!", "alarm", "lunch", "sweep", "dust", "mop"];
    // Everything is queued before the consumer starts, so it always has the full
    // choice and the order is deterministic.
    let q: PriorityQueue<ParkingRawMutex, u8, &str, 8> = PriorityQueue::new();
    for (priority, item) in SENT {
        q.try_send(priority, item)
            .map_err(|e| failed(format!("priority try_send: {e}")))?;
    }
    q.close();
    let order: Vec<(u8, &str)> = thread::scope(|s| {
        let consumer = s.spawn(|| {
            let mut got = Vec::new();
            while let Ok(pair) = q.recv_blocking() {
                got.push(pair);
            }
            got
        });
        join(consumer, "priority consumer")
    })?;
    let items: Vec<&str> = order.iter().map(|&(_, item)| item).collect();
    if items != EXPECTED {
        return Err(failed(format!(
            "priority order {items:?}, expected {EXPECTED:?}"
        )));
    }
    let sent: Vec<String> = SENT.iter().map(|(p, i)| format!("{i}/{p}")).collect();
    let shown: Vec<String> = order.iter().map(|(p, i)| format!("{i}/{p}")).collect();
    writeln!(
        out,
        "PriorityQueue: sent {}; received {} (highest first, FIFO among equals)",
        sent.join(" "),
        shown.join(" ")
    )
}

/// `task_done`/`join`: a worker marks each item done after "processing" it; the
/// producer's `join_blocking` returns once all of them are.
fn task_done_join(out: &mut dyn Write) -> io::Result<()> {
    const JOBS: usize = 10;
    const WORK: Duration = Duration::from_millis(1);
    let q: Queue<usize, 4> = Queue::new();
    let processed = AtomicUsize::new(0);
    let (waited, at_join, unfinished) = thread::scope(|s| {
        let worker = s.spawn(|| -> io::Result<()> {
            // If this worker fails, the producer's sends fail instead of blocking.
            let _closer = CloseOnDrop(&q);
            while let Ok(_job) = q.recv_blocking() {
                thread::sleep(WORK); // process the data
                processed.fetch_add(1, Ordering::SeqCst);
                q.task_done()
                    .map_err(|e| failed(format!("task_done: {e}")))?; // indicate completion
            }
            Ok(())
        });
        let _closer = CloseOnDrop(&q);
        for job in 0..JOBS {
            q.send_blocking(job)
                .map_err(|e| failed(format!("send job {job}: {e}")))?;
        }
        let t0 = Instant::now();
        q.join_timeout(PATIENCE)
            .map_err(|_| failed("join() did not return though the worker was running"))?;
        let waited = t0.elapsed();
        let at_join = processed.load(Ordering::SeqCst);
        let unfinished = q.unfinished();
        q.close();
        join(worker, "worker")??;
        Ok::<_, io::Error>((waited, at_join, unfinished))
    })?;
    if at_join != JOBS || unfinished != 0 {
        return Err(failed(format!(
            "join() returned with {at_join} of {JOBS} processed, {unfinished} unfinished"
        )));
    }
    let extra = q.task_done().is_err();
    if !extra {
        return Err(failed("an extra task_done() was accepted"));
    }
    writeln!(
        out,
        "task_done/join: {JOBS} jobs of ~1 ms through Queue(4); after the last send join() waited {}, returned with {at_join} of {JOBS} processed, 0 unfinished",
        ms(waited)
    )?;
    writeln!(
        out,
        "  an extra task_done() is refused (Python's ValueError)"
    )
}

/// The book's `(data, Event)` pairs: each item travels with its own event, the
/// consumer sets it when done, the producer waits on it.
fn tracked_items(out: &mut dyn Write) -> io::Result<()> {
    const WORK: Duration = Duration::from_millis(2);
    type Job = Tracked<u32, Arc<Event>>;
    let q: Queue<Job, 4> = Queue::new();
    let results: Mutex<Vec<u32>> = Mutex::new(Vec::new());
    let waits = thread::scope(|s| {
        let consumer = s.spawn(|| {
            while let Ok(mut job) = q.recv_blocking() {
                thread::sleep(WORK); // process the data
                *job.item_mut() *= 10;
                results.with_lock(|r| r.push(*job.item()));
                job.finish(); // evt.set()
            }
        });
        let _closer = CloseOnDrop(&q);
        let mut waits = Vec::new();
        for n in 1..=3u32 {
            // Make a (data, event) pair and hand it to the consumer.
            let (job, done) = Tracked::with_handle(n);
            q.send_blocking(job)
                .map_err(|e| failed(format!("send tracked {n}: {e}")))?;
            let t0 = Instant::now();
            done.wait_timeout(PATIENCE)
                .map_err(|_| failed(format!("item {n} was never processed")))?;
            let waited = t0.elapsed();
            // Its result is there the moment the producer wakes.
            if !results.with_lock(|r| r.contains(&(n * 10))) {
                return Err(failed(format!("woke for item {n} before it was processed")));
            }
            waits.push(ms(waited));
        }
        q.close();
        join(consumer, "tracked consumer")?;
        Ok(waits)
    })?;
    // The borrowed form, no heap: `Tracked::new(data, &event)`.
    let event = Event::new();
    let borrowed = Tracked::new(7u32, &event);
    let before = event.is_set();
    let item = borrowed.finish();
    if before || !event.is_set() || item != 7 {
        return Err(failed(
            "Tracked::new(_, &event).finish() did not set the event",
        ));
    }
    writeln!(
        out,
        "(data, Event) pairs: 3 items of ~2 ms sent as Tracked::with_handle; the producer waited {} for each to be processed, its result already there",
        waits.join(", ")
    )?;
    writeln!(
        out,
        "  Tracked::new(data, &event) borrows a stack Event instead: finish() set it"
    )
}

/// A non-blocking put on a full bounded queue logs and discards the item (the
/// value comes back in the error); a `get(timeout=...)` on an empty queue times out.
fn full_and_empty(out: &mut dyn Write) -> io::Result<()> {
    const TIMEOUT: Duration = Duration::from_millis(20);
    let q: Queue<u32, 4> = Queue::new();
    let mut discarded = Vec::new();
    let mut log = Vec::new();
    for item in 0..6 {
        match q.try_send(item) {
            Ok(()) => {}
            Err(TrySendError::Full(back)) => {
                log.push(format!("queue full, discarded item {back}")); // log.warning(...)
                discarded.push(back);
            }
            Err(e) => return Err(failed(format!("try_send {item}: {e}"))),
        }
    }
    if discarded != [4, 5] || q.len() != 4 {
        return Err(failed(format!(
            "discarded {discarded:?} with {} queued, expected [4, 5] with 4",
            q.len()
        )));
    }
    let drained: Vec<u32> = std::iter::from_fn(|| q.try_recv().ok()).collect();
    if drained != [0, 1, 2, 3] {
        return Err(failed(format!(
            "drained {drained:?}, expected [0, 1, 2, 3]"
        )));
    }
    let t0 = Instant::now();
    let got = q.recv_timeout(TIMEOUT);
    let took = t0.elapsed();
    if got != Err(RecvTimeoutError::TimedOut) || took < TIMEOUT {
        return Err(failed(format!(
            "recv_timeout on an empty queue gave {got:?} after {}",
            ms(took)
        )));
    }
    writeln!(
        out,
        "put_nowait: try_send of items 0-5 into a Queue(4): {} (each value came back in TrySendError::Full)",
        log.join("; ")
    )?;
    writeln!(
        out,
        "  get(timeout): recv_timeout({}) on the drained queue gave RecvTimeoutError::TimedOut after {}",
        ms(TIMEOUT),
        ms(took)
    )
}

/// Beyond the book: the wait-free single-producer, single-consumer ring.
fn spsc_ring(out: &mut dyn Write) -> io::Result<()> {
    let mut ring: spsc::Ring<u64, 64> = spsc::Ring::new();
    let (mut tx, mut rx) = ring.split();
    let t0 = Instant::now();
    let (count, sum, in_order) = thread::scope(|s| {
        let producer = s.spawn(move || -> io::Result<()> {
            for n in 1..=ITEMS {
                tx.push_blocking(n)
                    .map_err(|e| failed(format!("spsc push {n}: {e}")))?;
            }
            Ok(()) // dropping `tx` closes the ring
        });
        let (mut count, mut sum, mut last, mut in_order) = (0u64, 0u64, 0u64, true);
        while let Ok(n) = rx.pop_blocking() {
            in_order &= n == last + 1;
            last = n;
            count += 1;
            sum += n;
        }
        join(producer, "spsc producer")??;
        Ok::<_, io::Error>((count, sum, in_order))
    })?;
    let took = t0.elapsed();
    if count != ITEMS || sum != ITEMS_SUM || !in_order {
        return Err(failed(format!(
            "spsc ring delivered {count} items summing to {sum} (in order: {in_order})"
        )));
    }
    writeln!(
        out,
        "spsc::Ring(64): {count} items between two threads, all in order, sum {sum}, in {}",
        ms(took)
    )
}

/// Beyond the book: the same queue awaited, each side in its own `block_on`.
fn async_side(out: &mut dyn Write) -> io::Result<()> {
    const ASYNC_ITEMS: u64 = 1_000;
    let q: Queue<u64, 2> = Queue::new();
    let t0 = Instant::now();
    let sum = thread::scope(|s| {
        let producer = s.spawn(|| {
            let _closer = CloseOnDrop(&q);
            block_on(async {
                for n in 1..=ASYNC_ITEMS {
                    q.send(n)
                        .await
                        .map_err(|e| failed(format!("async send {n}: {e}")))?;
                }
                q.close();
                Ok::<_, io::Error>(())
            })
        });
        let sum = block_on(async {
            let mut sum = 0;
            while let Ok(n) = q.recv().await {
                sum += n;
            }
            sum
        });
        join(producer, "async producer")??;
        Ok::<_, io::Error>(sum)
    })?;
    let expected = ASYNC_ITEMS * (ASYNC_ITEMS + 1) / 2;
    if sum != expected {
        return Err(failed(format!(
            "async receiver summed {sum}, expected {expected}"
        )));
    }
    writeln!(
        out,
        "async: send().await / recv().await through Queue(2), each side under block_on: {ASYNC_ITEMS} items, sum {sum} = expected, in {}",
        ms(t0.elapsed())
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_reports_the_key_facts() {
        let mut out = Vec::new();
        run(&mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with("== 12.3 Queues: communicating between threads ==\n"));
        assert!(text.contains(&format!("sum {ITEMS_SUM} = expected, nothing lost")));
        assert!(text.contains("received fire!/5 alarm/5 lunch/3 sweep/1 dust/1 mop/1"));
        assert!(text.contains("returned with 10 of 10 processed"));
        assert!(text.contains("the producer waited"));
        assert!(text.contains("queue full, discarded item 4"));
        assert!(text.contains("queue full, discarded item 5"));
        assert!(text.contains("RecvTimeoutError::TimedOut after"));
        assert!(text.contains("all in order"));
    }
}
