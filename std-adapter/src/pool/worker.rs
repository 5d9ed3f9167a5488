//! What a pool's worker threads share and do (recipe 12.7): the job queues, the
//! submission gate, the sleep, the bounded queue's room, and the loop that takes
//! jobs and runs them.

use std::sync::Arc;
use std::thread;

use crossbeam_deque::Worker;
use crossbeam_utils::CachePadded;

use super::gate::Gate;
use super::queues::{Found, Queues};
use super::sleep::Sleep;
use super::task::Runnable;
use super::FullPolicy;
use crate::sync::Semaphore;

/// What the queues hold: a task, type-erased.
pub(super) type Job = Arc<dyn Runnable>;

/// Rounds an idle worker looks for work (spinning, then yielding its core) before
/// it sleeps: sleeping and being woken cost a system call on both sides, which
/// would dominate a stream of small jobs.
const IDLE_ROUNDS: u32 = 32;
/// Of those, the rounds that spin instead of yielding.
const SPIN_ROUNDS: u32 = 6;

pub(super) struct Shared {
    pub(super) queues: Queues,
    /// Padded, as `sleep` is: the submitter writes the gate's word twice per job and
    /// reads `sleep`'s once, while workers write `sleep` and the queues' lines; on
    /// one shared line each side's writes would stall the other's reads.
    pub(super) gate: CachePadded<Gate>,
    pub(super) sleep: CachePadded<Sleep>,
    /// Free room in a bounded queue, as permits.
    pub(super) room: Option<Semaphore>,
    pub(super) capacity: Option<usize>,
    pub(super) policy: FullPolicy,
}

impl Shared {
    /// Queues a job, or gives it back if the pool is shut down.
    pub(super) fn push(&self, job: Job) -> Result<(), Job> {
        if !self.gate.enter() {
            return Err(job);
        }
        self.queues.push(job);
        self.gate.leave();
        self.sleep.wake_one();
        Ok(())
    }

    /// Refuses submissions from now on and wakes every sleeping worker.
    pub(super) fn close(&self) {
        self.gate.close();
        self.sleep.close();
    }

    /// Worker `me`'s life: run jobs until the pool is closed and every queue empty.
    pub(super) fn work(&self, me: usize, deque: Worker<Job>) {
        self.queues.install(deque);
        let mut tick = 0u32;
        while let Some(job) = self.next_job(me, tick) {
            tick = tick.wrapping_add(1);
            self.release_room();
            job.run();
        }
        self.queues.uninstall();
    }

    /// The next job, or `None` once the pool is closed and every queue is empty.
    fn next_job(&self, me: usize, tick: u32) -> Option<Job> {
        loop {
            for round in 0..IDLE_ROUNDS {
                if let Some(found) = self.queues.find(me, tick) {
                    return Some(self.found(found));
                }
                if round < SPIN_ROUNDS {
                    for _ in 0..1 << round {
                        std::hint::spin_loop();
                    }
                } else {
                    thread::yield_now();
                }
            }
            // Only here, not every round: the gate's word is written twice per
            // submission, and idle workers reading it each round pulled its line
            // away from the submitter (issue 13's `pool/submit-result`).
            if self.gate.is_sealed() {
                // No job can arrive any more: one last look, then exit.
                return self.queues.find(me, tick).map(|f| self.found(f));
            }
            self.sleep
                .sleep(|| self.queues.has_work() || self.gate.is_closed());
        }
    }

    /// A found job; if a batch came with it, a sleeping worker is woken to share
    /// it (else a worker that is descheduled could sit on jobs others could run).
    fn found(&self, found: Found) -> Job {
        if found.shared_more {
            self.sleep.wake_one();
        }
        found.job
    }

    pub(super) fn release_room(&self) {
        if let Some(room) = &self.room {
            // Never over capacity: one permit back per job taken off a queue.
            let _ = room.add_permits(1);
        }
    }

    /// Takes every job still queued and cancels it (a cancelling shutdown): first
    /// waits out submitters still pushing, so none is missed.
    pub(super) fn cancel_queued(&self) {
        while !self.gate.is_sealed() {
            thread::yield_now();
        }
        while let Some(job) = self.queues.take_any() {
            self.release_room();
            job.cancel();
        }
    }
}
