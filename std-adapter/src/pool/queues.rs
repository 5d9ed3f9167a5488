//! Where a pool's jobs wait (recipe 12.7): one shared FIFO for submissions from
//! outside the pool, and one deque per worker for jobs that its own tasks submit,
//! with stealing between them (`crossbeam-deque`).
//!
//! With one shared locked queue every worker and every submitter met on one lock
//! per job; here a submitter pushes to a lock-free queue (`crossbeam-queue`'s
//! `SegQueue`), a worker takes jobs from its own deque, then from the shared queue,
//! and a worker whose deque and the shared queue are empty steals a batch from
//! another worker's deque. Every deque is FIFO, and a worker takes one job from the
//! shared queue first every [`FAIRNESS_TICK`] jobs, so jobs run roughly in
//! submission order and nothing there waits behind an endless stream of locally
//! submitted jobs.
//!
//! # Why not `crossbeam-deque`'s `Injector`
//! It was the shared queue until issue 13's profile of `pool/submit-result`. It
//! allocates its blocks of 63 jobs with 1,520 bytes each, and glibc serves any
//! request of 1,024 bytes or more from its large bins, after first merging every
//! free chunk of its fastbins (`malloc_consolidate`). One block per 63 submissions
//! so emptied the fastbins that the pool's small tasks (120 bytes, see
//! `pool::task`) are recycled through, and each task's malloc took the slow path:
//! about 130 instructions more per task, measured under callgrind. `SegQueue`'s
//! blocks of 31 jobs are 752 bytes, a small-bin request that merges nothing. What the
//! `Injector` offered beyond that, moving a batch into the worker's deque with one
//! compare-exchange, saved little here: a `SegQueue` pop is one compare-exchange
//! too.

use std::cell::RefCell;
use std::iter;

use crossbeam_deque::{Steal, Stealer, Worker};
use crossbeam_queue::SegQueue;

use super::worker::Job;

/// Every this many jobs, a worker looks at the shared queue before its own deque.
pub(super) const FAIRNESS_TICK: u32 = 61;

/// The current thread's own deque, if it is a pool worker: which pool's (an
/// address, only ever compared) and the deque.
struct Local {
    owner: usize,
    deque: Worker<Job>,
}

thread_local! {
    static LOCAL: RefCell<Option<Local>> = const { RefCell::new(None) };
}

/// The shared queue and every worker's stealer.
pub(super) struct Queues {
    shared: SegQueue<Job>,
    stealers: Vec<Stealer<Job>>,
}

impl Queues {
    /// The queues for `workers` workers, and each worker's own deque.
    pub(super) fn new(workers: usize) -> (Self, Vec<Worker<Job>>) {
        let deques: Vec<Worker<Job>> = iter::repeat_with(Worker::new_fifo).take(workers).collect();
        let stealers = deques.iter().map(Worker::stealer).collect();
        let queues = Self {
            shared: SegQueue::new(),
            stealers,
        };
        (queues, deques)
    }

    fn id(&self) -> usize {
        self as *const Self as usize
    }

    /// Makes `deque` the current thread's own deque for this pool's jobs.
    pub(super) fn install(&self, deque: Worker<Job>) {
        let owner = self.id();
        LOCAL.with(|l| *l.borrow_mut() = Some(Local { owner, deque }));
    }

    /// Removes the current thread's deque (a worker that exits).
    pub(super) fn uninstall(&self) {
        LOCAL.with(|l| drop(l.borrow_mut().take()));
    }

    /// Queues `job`: on the current thread's own deque if it is one of this pool's
    /// workers, else on the shared queue.
    pub(super) fn push(&self, job: Job) {
        let owner = self.id();
        let rest = LOCAL.with(|l| match l.try_borrow().as_deref() {
            Ok(Some(local)) if local.owner == owner => {
                local.deque.push(job);
                None
            }
            _ => Some(job),
        });
        if let Some(job) = rest {
            self.shared.push(job);
        }
    }

    /// The next job for worker `me`, or `None` if every queue was seen empty.
    /// `tick` counts the worker's jobs, for the fairness look at the shared queue.
    /// [`Found::shared_more`] says a batch was just stolen into this worker's deque,
    /// so a sleeping worker could now steal from it.
    pub(super) fn find(&self, me: usize, tick: u32) -> Option<Found> {
        LOCAL.with(|l| {
            let local = l.borrow();
            let deque = &local.as_ref()?.deque;
            if tick % FAIRNESS_TICK == 0 {
                if let Some(job) = self.shared.pop() {
                    return Some(Found::single(job));
                }
            }
            if let Some(job) = deque.pop().or_else(|| self.shared.pop()) {
                return Some(Found::single(job));
            }
            let job = self.steal_from_others(me, deque)?;
            Some(Found {
                job,
                shared_more: !deque.is_empty(),
            })
        })
    }

    /// A batch from another worker's deque, trying them in turn from `me + 1`.
    fn steal_from_others(&self, me: usize, deque: &Worker<Job>) -> Option<Job> {
        let n = self.stealers.len();
        (1..n)
            .map(|k| &self.stealers[(me + k) % n])
            .find_map(|s| retry(|| s.steal_batch_and_pop(deque)))
    }

    /// Takes any one job from the shared queue or a worker's deque (a cancelling
    /// shutdown, from outside the workers).
    pub(super) fn take_any(&self) -> Option<Job> {
        self.shared
            .pop()
            .or_else(|| self.stealers.iter().find_map(|s| retry(|| s.steal())))
    }

    /// Whether some queue holds a job (a snapshot).
    pub(super) fn has_work(&self) -> bool {
        !self.shared.is_empty() || self.stealers.iter().any(|s| !s.is_empty())
    }

    /// Jobs in every queue (a snapshot).
    pub(super) fn len(&self) -> usize {
        self.shared.len() + self.stealers.iter().map(Stealer::len).sum::<usize>()
    }
}

/// What [`Queues::find`] found.
pub(super) struct Found {
    pub(super) job: Job,
    /// More jobs came with it into the worker's deque (a batch stolen from another
    /// worker).
    pub(super) shared_more: bool,
}

impl Found {
    fn single(job: Job) -> Self {
        Self {
            job,
            shared_more: false,
        }
    }
}

/// Runs a steal until it gives a definite answer (`Retry` means it lost a race,
/// not that the queue is empty).
fn retry(mut steal: impl FnMut() -> Steal<Job>) -> Option<Job> {
    loop {
        match steal() {
            Steal::Success(job) => return Some(job),
            Steal::Empty => return None,
            Steal::Retry => std::hint::spin_loop(),
        }
    }
}
