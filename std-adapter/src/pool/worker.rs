//! What a pool's worker threads share and do: the submission queue, the bounded
//! queue's room, and the loop that takes tasks and runs them (recipe 12.7).

use std::sync::Arc;
use std::thread;

use spindle_core::queue::UnboundedQueue;
use spindle_core::raw::ParkingRawMutex;
use spindle_core::sync::RecvError;

use super::task::Runnable;
use super::FullPolicy;
use crate::sync::Semaphore;

/// What the queue holds: a task, type-erased.
pub(super) type Job = Arc<dyn Runnable>;

/// How many times an idle worker polls the queue before it parks.
const IDLE_POLLS: u32 = 64;

pub(super) struct Shared {
    pub(super) queue: UnboundedQueue<ParkingRawMutex, Job>,
    /// Free room in a bounded queue, as permits.
    pub(super) room: Option<Semaphore>,
    pub(super) capacity: Option<usize>,
    pub(super) policy: FullPolicy,
}

impl Shared {
    pub(super) fn work(&self) {
        while let Some(job) = self.next_job() {
            self.release_room();
            job.run();
        }
    }

    /// The next task, or `None` once the queue is closed and drained. An idle worker
    /// first polls for a while, yielding its core, before it parks: parking and
    /// being woken cost both the worker and the submitter a system call, which
    /// would dominate a stream of small tasks.
    pub(super) fn next_job(&self) -> Option<Job> {
        for round in 0..IDLE_POLLS {
            match self.queue.try_recv() {
                Ok(job) => return Some(job),
                Err(RecvError::Empty) if round < 4 => std::hint::spin_loop(),
                Err(RecvError::Empty) => thread::yield_now(),
                Err(_) => return None,
            }
        }
        self.queue.recv_blocking().ok()
    }

    pub(super) fn release_room(&self) {
        if let Some(room) = &self.room {
            // Never over capacity: one permit back per task taken off the queue.
            let _ = room.add_permits(1);
        }
    }
}
