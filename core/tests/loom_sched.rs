//! Loom models of the scheduler's wake/ready protocol (`spindle_core::sched`): the
//! run queue's multi-producer pushes, the `queued` flag cleared before a poll, and
//! the `sleeping` handshake before the scheduler parks.
//!
//! Run with `RUSTFLAGS="--cfg loom" CARGO_TARGET_DIR=target/loom cargo test -p
//! spindle-core --features std --release --test loom_sched`. A lost wake-up shows
//! up as a loom deadlock: the scheduler parked with a task ready and nobody left
//! to unpark it.
#![cfg(loom)]

use core::future::poll_fn;
use core::pin::pin;
use core::task::{Poll, Waker};

use loom::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use loom::sync::{Arc, Mutex};
use loom::thread;
use spindle_core::sched::{yield_now, Scheduler, Task};
use spindle_test_support::loom_model::model;

/// A one-shot signal set by another thread: the smallest waker-storing primitive.
#[derive(Default)]
struct Signal {
    set: AtomicUsize,
    waker: Mutex<Option<Waker>>,
}

impl Signal {
    fn fire(&self) {
        self.set.store(1, SeqCst);
        if let Some(w) = self.waker.lock().unwrap().take() {
            w.wake();
        }
    }

    async fn wait(&self) {
        poll_fn(|cx| {
            if self.set.load(SeqCst) != 0 {
                return Poll::Ready(());
            }
            *self.waker.lock().unwrap() = Some(cx.waker().clone());
            if self.set.load(SeqCst) != 0 {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        })
        .await
    }
}

/// A task woken from another thread while the scheduler may be about to park:
/// the `sleeping` handshake must unpark it.
#[test]
fn wake_from_another_thread_unparks_the_scheduler() {
    model(|| {
        let signal = Arc::new(Signal::default());
        let other = {
            let signal = signal.clone();
            thread::spawn(move || signal.fire())
        };
        let sched: Scheduler<1> = Scheduler::new();
        let t = pin!(Task::new(async {
            signal.wait().await;
            7
        }));
        let mut h = sched.spawn(t).unwrap();
        sched.run();
        assert_eq!(h.try_take(), Some(7));
        other.join().unwrap();
    });
}

/// Two threads wake two tasks at once: concurrent pushes onto the run queue
/// (including the consumer finding a push half done) lose neither task.
#[test]
fn concurrent_wakes_from_two_threads() {
    model(|| {
        let a = Arc::new(Signal::default());
        let b = Arc::new(Signal::default());
        let ta = {
            let a = a.clone();
            thread::spawn(move || a.fire())
        };
        let tb = {
            let b = b.clone();
            thread::spawn(move || b.fire())
        };
        let sched: Scheduler<2> = Scheduler::new();
        let done = AtomicUsize::new(0);
        let x = pin!(Task::new(async {
            a.wait().await;
            done.fetch_add(1, SeqCst);
        }));
        let y = pin!(Task::new(async {
            b.wait().await;
            done.fetch_add(1, SeqCst);
        }));
        sched.spawn(x).unwrap();
        sched.spawn(y).unwrap();
        sched.run();
        assert_eq!(done.load(SeqCst), 2);
        ta.join().unwrap();
        tb.join().unwrap();
    });
}

/// A task that yields (waking itself, on the scheduler's thread) while another
/// thread wakes it too: the `queued` flag keeps it in the queue once, and it runs
/// to the end.
#[test]
fn self_wake_races_a_remote_wake() {
    model(|| {
        let signal = Arc::new(Signal::default());
        let other = {
            let signal = signal.clone();
            thread::spawn(move || signal.fire())
        };
        let sched: Scheduler<1> = Scheduler::new();
        let t = pin!(Task::new(async {
            yield_now().await;
            signal.wait().await;
            yield_now().await;
            1
        }));
        let mut h = sched.spawn(t).unwrap();
        sched.run();
        assert_eq!(h.try_take(), Some(1));
        other.join().unwrap();
    });
}

/// A scheduler that idles in its own hook (`run_with`: here a bare `park`), which
/// only the run queue's `Unpark` ends: a wake from another thread, racing the
/// scheduler's way into idling, must fire it (else loom reports a deadlock).
#[test]
fn wake_from_another_thread_fires_the_unpark_hook() {
    model(|| {
        let signal = Arc::new(Signal::default());
        let other = {
            let signal = signal.clone();
            thread::spawn(move || signal.fire())
        };
        let me = thread::current();
        let sched: Scheduler<1> = Scheduler::with_unpark(move || me.unpark());
        let t = pin!(Task::new(async {
            signal.wait().await;
            7
        }));
        let mut h = sched.spawn(t).unwrap();
        sched.run_with(thread::park);
        assert_eq!(h.try_take(), Some(7));
        other.join().unwrap();
    });
}
