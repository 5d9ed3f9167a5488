//! Loom models of the thread pool's two atomic protocols (recipe 12.7):
//! `pool::sleep` (idle workers announce themselves, then sleep; a submit wakes one
//! only when one is announced) and `pool::gate` (shutdown refuses submissions, and
//! workers exit only once no submitter is still pushing). The job queues
//! (crossbeam-deque, not loom-aware) are abstracted as a count of jobs whose push
//! is a release and whose look is an acquire, no stronger than the deques promise;
//! the worker loop is the pool's (`Shared::next_job`) without its spinning rounds.
//!
//! A lost wake-up shows as a loom deadlock (a worker asleep on its condition
//! variable with a job queued and nobody left to wake it). Run with `ci/loom.sh`.
#![cfg(loom)]

use loom::sync::atomic::{AtomicUsize, Ordering};
use loom::sync::{Arc, Condvar, Mutex};
use loom::thread;
use spindle_std::pool::gate::Gate;
use spindle_std::pool::sleep::Sleep;
use spindle_test_support::loom_model::model;

/// A pool reduced to its protocols: a job count for the queues.
#[derive(Default)]
struct Pool {
    jobs: AtomicUsize,
    ran: AtomicUsize,
    gate: Gate,
    sleep: Sleep,
    /// Jobs run, for a model that waits for them without spinning.
    ran_count: Mutex<usize>,
    ran_changed: Condvar,
}

impl Pool {
    fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// `Shared::push`: through the gate, push, leave, wake one sleeper.
    fn submit(&self) -> bool {
        if !self.gate.enter() {
            return false;
        }
        self.jobs.fetch_add(1, Ordering::Release);
        self.gate.leave();
        self.sleep.wake_one();
        true
    }

    /// A worker's `find`: takes one job if the queues hold one.
    fn take(&self) -> bool {
        let mut n = self.jobs.load(Ordering::Acquire);
        while n > 0 {
            match self
                .jobs
                .compare_exchange(n, n - 1, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => return true,
                Err(now) => n = now,
            }
        }
        false
    }

    fn has_work(&self) -> bool {
        self.jobs.load(Ordering::Acquire) > 0
    }

    /// Runs a job: counts it.
    fn run(&self) {
        self.ran.fetch_add(1, Ordering::Relaxed);
        *self.ran_count.lock().unwrap() += 1;
        self.ran_changed.notify_all();
    }

    /// `Shared::work` and `next_job`: run jobs until sealed and empty.
    fn work(&self) {
        loop {
            if self.take() {
                self.run();
                continue;
            }
            if self.gate.is_sealed() {
                if self.take() {
                    self.run();
                    continue;
                }
                return;
            }
            self.sleep
                .sleep(|| self.has_work() || self.gate.is_closed());
            // After a close, `sleep` returns at once while a submitter is still in
            // the gate: the pool's worker yields between its looks, and so does this.
            thread::yield_now();
        }
    }

    /// `ThreadPool::shutdown`: close the gate, wake every sleeper.
    fn close(&self) {
        self.gate.close();
        self.sleep.close();
    }

    /// `Shared::cancel_queued`: wait out the submitters, then take what is left.
    fn cancel_queued(&self) -> usize {
        while !self.gate.is_sealed() {
            thread::yield_now();
        }
        let mut cancelled = 0;
        while self.take() {
            cancelled += 1;
        }
        cancelled
    }
}

/// The lost wake-up the sleep exists to prevent: a job submitted while the only
/// worker is going to sleep still runs before the pool is closed.
#[test]
fn submit_while_the_worker_falls_asleep() {
    model(|| {
        let pool = Pool::new();
        let p = pool.clone();
        let worker = thread::spawn(move || {
            // Runs until it has run the job; with a lost wake-up it sleeps forever.
            while !p.take() {
                p.sleep.sleep(|| p.has_work());
            }
        });
        assert!(pool.submit());
        worker.join().unwrap();
        assert_eq!(pool.jobs.load(Ordering::Relaxed), 0);
    });
}

/// Two workers falling asleep and two submits: both jobs run, whichever worker a
/// token wakes, before the pool is closed (with a lost wake-up both workers
/// sleep with a job queued, and the wait for it never ends).
#[test]
fn two_workers_two_submits() {
    model(|| {
        let pool = Pool::new();
        let workers: Vec<_> = (0..2)
            .map(|_| {
                let p = pool.clone();
                thread::spawn(move || p.work())
            })
            .collect();
        assert!(pool.submit());
        assert!(pool.submit());
        // Blocks (no spinning, which would multiply the interleavings) until both ran.
        let mut ran = pool.ran_count.lock().unwrap();
        while *ran < 2 {
            ran = pool.ran_changed.wait(ran).unwrap();
        }
        drop(ran);
        pool.close();
        for w in workers {
            w.join().unwrap();
        }
    });
}

/// One worker, a submitter thread and a shutdown on this thread (`close`, then
/// `after_close`) racing; returns whether the submit was accepted, once both
/// threads have finished.
fn race_shutdown_with_submit(after_close: impl FnOnce(&Pool)) -> (bool, Arc<Pool>) {
    let pool = Pool::new();
    let p = pool.clone();
    let worker = thread::spawn(move || p.work());
    let p = pool.clone();
    let submitter = thread::spawn(move || p.submit());
    pool.close();
    after_close(&pool);
    let accepted = submitter.join().unwrap();
    worker.join().unwrap();
    (accepted, pool)
}

/// Shutdown (wait) racing a submit: the submit is refused, or its job runs before
/// the worker exits; the worker always exits.
#[test]
fn shutdown_races_submit() {
    model(|| {
        let (accepted, pool) = race_shutdown_with_submit(|_| ());
        assert_eq!(pool.ran.load(Ordering::Relaxed), usize::from(accepted));
        assert_eq!(pool.jobs.load(Ordering::Relaxed), 0);
        assert!(!pool.submit(), "refused after shutdown");
    });
}

/// Shutdown with `cancel_pending` racing a submit and a worker: every accepted job
/// is either run or cancelled, exactly once.
#[test]
fn cancel_pending_races_submit() {
    model(|| {
        let mut cancelled = 0;
        let (accepted, pool) = race_shutdown_with_submit(|p| cancelled = p.cancel_queued());
        assert_eq!(
            pool.ran.load(Ordering::Relaxed) + cancelled,
            usize::from(accepted)
        );
    });
}
