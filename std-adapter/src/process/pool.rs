//! [`ProcessPool`]: a fixed set of worker processes fed from one queue, one driver
//! thread per worker slot. A driver hands its worker one task at a time and waits
//! for the reply; when the worker dies, times out or speaks garbage, only that
//! task fails and the driver starts a replacement for the next one.

use std::collections::VecDeque;
use std::ffi::OsString;
use std::fmt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::codec::{self, DEFAULT_FRAME_LIMIT};
use super::error::{BuildError, FrameError, SubmitError, WorkerError};
use super::message::{Call, Outcome, ToWorker};
use super::payload::Codec;
use super::pipe::{Launch, StartFailure, WorkerProcess};
use super::registry::{outcome_to_result, Task};
use super::watchdog::Watchdog;
use crate::pool::{Remote, Shutdown, TaskError, TaskHandle};

/// What the driver does with a task's handle, whatever its result type.
trait Sink: Send + Sync {
    fn start(&self) -> bool;
    fn deliver(&self, outcome: Outcome);
    fn fail(&self, e: TaskError);
}

impl<R: DeserializeOwned + Send> Sink for Remote<R> {
    fn start(&self) -> bool {
        Remote::start(self)
    }
    fn deliver(&self, outcome: Outcome) {
        self.finish(outcome_to_result(outcome, Codec::Postcard));
    }
    fn fail(&self, e: TaskError) {
        self.finish(Err(e));
    }
}

struct Job {
    id: u64,
    frame: Vec<u8>,
    sink: Arc<dyn Sink>,
}

#[derive(Default)]
struct Queue {
    jobs: VecDeque<Job>,
    closed: bool,
}

struct Shared {
    queue: Mutex<Queue>,
    ready: Condvar,
    launch: Launch,
    watchdog: Watchdog,
    task_timeout: Option<Duration>,
    max_tasks_per_child: Option<usize>,
    /// Names are checked at submit when the workers run this program's registry.
    check_names: bool,
    next_id: AtomicU64,
    pids: Mutex<Vec<Option<u32>>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    fn next_job(&self) -> Option<Job> {
        let mut q = lock(&self.queue);
        loop {
            if let Some(j) = q.jobs.pop_front() {
                return Some(j);
            }
            if q.closed {
                return None;
            }
            q = self.ready.wait(q).unwrap_or_else(PoisonError::into_inner);
        }
    }

    fn set_pid(&self, slot: usize, pid: Option<u32>) {
        if let Some(p) = lock(&self.pids).get_mut(slot) {
            *p = pid;
        }
    }

    fn start_worker(&self, slot: usize) -> Result<WorkerProcess, StartFailure> {
        let w = WorkerProcess::start(&self.launch, &self.watchdog)?;
        self.set_pid(slot, Some(w.pid()));
        Ok(w)
    }
}

/// One worker slot's loop: run queued tasks on its worker, replacing the worker
/// whenever it is lost or has served its quota.
fn drive(shared: &Shared, slot: usize, mut worker: Option<WorkerProcess>) {
    let mut served = 0usize;
    while let Some(job) = shared.next_job() {
        if !job.sink.start() {
            continue; // cancelled while queued
        }
        if worker.as_mut().is_some_and(WorkerProcess::has_exited) {
            worker = None; // died while idle: not this task's fault
        }
        let w = match worker.as_mut() {
            Some(w) => w,
            None => match shared.start_worker(slot) {
                Ok(w) => {
                    served = 0;
                    worker.insert(w)
                }
                Err(e) => {
                    shared.set_pid(slot, None);
                    job.sink.fail(TaskError::Worker(match e {
                        StartFailure::Start(why) => WorkerError::Start(why),
                        StartFailure::Init(why) => WorkerError::Init(why),
                    }));
                    continue;
                }
            },
        };
        match w.call(job.id, &job.frame, shared.task_timeout, &shared.watchdog) {
            Ok(outcome) => {
                job.sink.deliver(outcome);
                served += 1;
                if shared.max_tasks_per_child.is_some_and(|m| served >= m) {
                    if let Some(w) = worker.take() {
                        w.retire();
                    }
                    shared.set_pid(slot, None);
                }
            }
            Err(e) => {
                worker = None;
                shared.set_pid(slot, None);
                job.sink.fail(TaskError::Worker(e));
            }
        }
    }
    if let Some(w) = worker {
        w.retire();
    }
    shared.set_pid(slot, None);
}

/// Configures a [`ProcessPool`]; from [`ProcessPool::builder`].
///
/// ```no_run
/// use std::time::Duration;
/// use spindle_std::process::ProcessPool;
///
/// let pool = ProcessPool::builder()
///     .workers(4)
///     .task_timeout(Duration::from_secs(30))
///     .max_tasks_per_child(1000)
///     .build()
///     .unwrap();
/// ```
#[derive(Debug)]
pub struct Builder {
    workers: usize,
    program: Option<PathBuf>,
    args: Vec<OsString>,
    frame_limit: usize,
    start_timeout: Duration,
    task_timeout: Option<Duration>,
    max_tasks_per_child: Option<usize>,
    init: Option<Result<Call, FrameError>>,
}

impl Default for Builder {
    fn default() -> Self {
        Self {
            workers: thread::available_parallelism().map_or(1, usize::from),
            program: None,
            args: Vec::new(),
            frame_limit: DEFAULT_FRAME_LIMIT,
            start_timeout: Duration::from_secs(10),
            task_timeout: None,
            max_tasks_per_child: None,
            init: None,
        }
    }
}

impl Builder {
    /// Worker processes (default: the number of CPUs).
    pub fn workers(mut self, n: usize) -> Self {
        self.workers = n;
        self
    }

    /// The worker executable (default: this program, which must call
    /// [`init`](super::init) first thing in `main`). Another program must call
    /// `init` with a registry holding the tasks submitted.
    pub fn program(mut self, path: impl Into<PathBuf>) -> Self {
        self.program = Some(path.into());
        self
    }

    /// Command-line arguments for the workers (default none; `init` returns before
    /// they matter, so they only label the process, e.g. in `ps`).
    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<OsString>,
    {
        self.args = args.into_iter().map(Into::into).collect();
        self
    }

    /// The largest frame payload either side accepts (default 16 MiB): a larger
    /// argument fails its submit, a larger result fails its task.
    pub fn frame_limit(mut self, bytes: usize) -> Self {
        self.frame_limit = bytes;
        self
    }

    /// How long a new worker may take to answer its handshake and run the
    /// initializer (default 10 s) before it is killed and counted as not started.
    pub fn start_timeout(mut self, timeout: Duration) -> Self {
        self.start_timeout = timeout;
        self
    }

    /// The longest a task may run: a worker still busy after `timeout` is killed
    /// and its task fails with [`WorkerError::TimedOut`] (default: no limit).
    pub fn task_timeout(mut self, timeout: Duration) -> Self {
        self.task_timeout = Some(timeout);
        self
    }

    /// Replace each worker after it has run `n` tasks (Python's
    /// `max_tasks_per_child`; 0 counts as 1). Bounds what a leaking task costs.
    pub fn max_tasks_per_child(mut self, n: usize) -> Self {
        self.max_tasks_per_child = Some(n.max(1));
        self
    }

    /// Runs `task(arg)` in every worker when it starts, before any task (Python's
    /// `initializer`/`initargs`). A failure there fails the build (or, for a
    /// replacement worker, the task it was started for).
    pub fn initializer<A: Serialize>(mut self, task: Task<A, ()>, arg: A) -> Self {
        self.init = Some(postcard::to_allocvec(&arg).map_or_else(
            |e| Err(FrameError::Encode(e.to_string())),
            |arg| {
                Ok(Call {
                    task: task.name().to_owned(),
                    arg,
                    chunk: false,
                })
            },
        ));
        self
    }

    /// Starts the workers (all of them, now: a worker that cannot start fails the
    /// build) and the pool.
    pub fn build(self) -> Result<ProcessPool, BuildError> {
        if self.workers == 0 {
            return Err(BuildError::ZeroWorkers);
        }
        let own_program = self.program.is_none();
        if own_program && super::worker::registry().is_none() {
            return Err(BuildError::NotInitialized);
        }
        let program = match self.program {
            Some(p) => p,
            None => std::env::current_exe().map_err(|e| BuildError::Start(e.to_string()))?,
        };
        let init = self
            .init
            .transpose()
            .map_err(|e| BuildError::Init(e.to_string()))?;
        let launch = Launch {
            program,
            args: self.args,
            frame_limit: self.frame_limit,
            start_timeout: self.start_timeout,
            init,
        };
        let watchdog = Watchdog::start().map_err(|e| BuildError::Start(e.to_string()))?;
        let shared = Arc::new(Shared {
            queue: Mutex::new(Queue::default()),
            ready: Condvar::new(),
            launch,
            watchdog,
            task_timeout: self.task_timeout,
            max_tasks_per_child: self.max_tasks_per_child,
            check_names: own_program,
            next_id: AtomicU64::new(0),
            pids: Mutex::new(vec![None; self.workers]),
        });
        let mut workers = Vec::with_capacity(self.workers);
        for slot in 0..self.workers {
            match shared.start_worker(slot) {
                Ok(w) => workers.push(w),
                Err(e) => {
                    workers.into_iter().for_each(WorkerProcess::retire);
                    return Err(match e {
                        StartFailure::Start(why) => BuildError::Start(why),
                        StartFailure::Init(why) => BuildError::Init(why),
                    });
                }
            }
        }
        let mut drivers = Vec::with_capacity(self.workers);
        for (slot, w) in workers.into_iter().enumerate() {
            let s = shared.clone();
            let spawned = thread::Builder::new()
                .name(format!("spindle-process-{slot}"))
                .spawn(move || drive(&s, slot, Some(w)));
            match spawned {
                Ok(h) => drivers.push(h),
                Err(e) => {
                    let pool = ProcessPool {
                        shared,
                        drivers: Mutex::new(drivers),
                        workers: self.workers,
                    };
                    pool.shutdown(Shutdown::wait());
                    return Err(BuildError::Start(format!("driver thread: {e}")));
                }
            }
        }
        Ok(ProcessPool {
            shared,
            drivers: Mutex::new(drivers),
            workers: self.workers,
        })
    }
}

/// A pool of worker processes running registered [`Task`]s: Python's
/// `concurrent.futures.ProcessPoolExecutor`, minus `BrokenProcessPool`: a worker
/// that crashes, is killed or runs past the task timeout fails only its own task
/// and is replaced.
///
/// The workers are this program re-run (see [`init`](super::init)); it may already
/// run threads. Tasks and results are serde values.
///
/// ```no_run
/// use spindle_std::process::{self, ProcessPool, Registry, Task};
///
/// fn count_lines(text: String) -> usize { text.lines().count() }
/// const COUNT_LINES: Task<String, usize> = Task::new("count_lines", count_lines);
///
/// fn main() {
///     process::init(Registry::new().with(COUNT_LINES));
///     let pool = ProcessPool::new(2).unwrap();
///     let h = pool.submit(COUNT_LINES, "a\nb\n".to_string()).unwrap();
///     assert_eq!(h.result(), Ok(2));
///     let counts: Vec<_> = pool.map(COUNT_LINES, ["x".to_string(), "y\nz".to_string()]).collect();
///     assert_eq!(counts, [Ok(1), Ok(2)]);
/// }
/// ```
pub struct ProcessPool {
    shared: Arc<Shared>,
    drivers: Mutex<Vec<JoinHandle<()>>>,
    workers: usize,
}

impl ProcessPool {
    /// A pool of `workers` processes with the default settings.
    pub fn new(workers: usize) -> Result<Self, BuildError> {
        Self::builder().workers(workers).build()
    }

    /// A [`Builder`] for the other settings.
    pub fn builder() -> Builder {
        Builder::default()
    }

    /// The number of worker slots.
    pub fn workers(&self) -> usize {
        self.workers
    }

    /// The process ids of the workers running now (a slot whose worker was lost
    /// and not yet replaced has none).
    pub fn worker_pids(&self) -> Vec<u32> {
        lock(&self.shared.pids).iter().flatten().copied().collect()
    }

    /// Tasks queued and not yet taken by a worker.
    pub fn queued(&self) -> usize {
        lock(&self.shared.queue).jobs.len()
    }

    /// Whether [`shutdown`](Self::shutdown) was called.
    pub fn is_shut_down(&self) -> bool {
        lock(&self.shared.queue).closed
    }

    /// Queues `task(arg)` for a worker (Python's `executor.submit`). The argument is
    /// encoded now: one that does not serialize or is over the frame limit is
    /// refused at once and comes back in the error, as after a shutdown.
    pub fn submit<A, R>(&self, task: Task<A, R>, arg: A) -> Result<TaskHandle<R>, SubmitError<A>>
    where
        A: Serialize,
        R: DeserializeOwned + Send + 'static,
    {
        if self.shared.check_names
            && !super::worker::registry().is_some_and(|r| r.contains(task.name()))
        {
            return Err(SubmitError::NotRegistered(arg, task.name()));
        }
        match postcard::to_allocvec(&arg) {
            Ok(bytes) => self
                .submit_call(task.name(), bytes, false)
                .map_err(|e| match e {
                    Refused::ShutDown => SubmitError::ShutDown(arg),
                    Refused::Encode(e) => SubmitError::Encode(arg, e),
                }),
            Err(e) => Err(SubmitError::Encode(arg, FrameError::Encode(e.to_string()))),
        }
    }

    pub(super) fn submit_call<R>(
        &self,
        name: &str,
        arg: Vec<u8>,
        chunk: bool,
    ) -> Result<TaskHandle<R>, Refused>
    where
        R: DeserializeOwned + Send + 'static,
    {
        let id = self.shared.next_id.fetch_add(1, Ordering::Relaxed);
        let msg = ToWorker::Run {
            id,
            call: Call {
                task: name.to_owned(),
                arg,
                chunk,
            },
        };
        let frame = codec::encode(&msg, self.shared.launch.frame_limit).map_err(Refused::Encode)?;
        let remote = Arc::new(Remote::<R>::new());
        let handle = TaskHandle::new(remote.clone());
        let mut q = lock(&self.shared.queue);
        if q.closed {
            return Err(Refused::ShutDown);
        }
        q.jobs.push_back(Job {
            id,
            frame,
            sink: remote,
        });
        drop(q);
        self.shared.ready.notify_one();
        Ok(handle)
    }

    /// Stops the pool: no more submissions; queued tasks run (or, with
    /// `cancel_pending`, are cancelled); then every worker is told to exit. With
    /// `wait`, returns once all have. Every submitted handle resolves either way.
    ///
    /// ```no_run
    /// use spindle_std::pool::Shutdown;
    /// use spindle_std::process::ProcessPool;
    /// let pool = ProcessPool::new(2).unwrap();
    /// pool.shutdown(Shutdown::wait().cancel_pending());
    /// assert!(pool.is_shut_down());
    /// ```
    pub fn shutdown(&self, how: Shutdown) {
        let cancelled: Vec<Job> = {
            let mut q = lock(&self.shared.queue);
            q.closed = true;
            if how.cancels_pending() {
                q.jobs.drain(..).collect()
            } else {
                Vec::new()
            }
        };
        self.shared.ready.notify_all();
        for job in cancelled {
            job.sink.fail(TaskError::Cancelled);
        }
        if how.waits() {
            let me = thread::current().id();
            let mut drivers = lock(&self.drivers);
            let (mine, others): (Vec<_>, Vec<_>) =
                drivers.drain(..).partition(|h| h.thread().id() == me);
            for h in others {
                let _ = h.join();
            }
            *drivers = mine;
        }
    }
}

/// Why [`ProcessPool::submit_call`] refused.
pub(super) enum Refused {
    ShutDown,
    Encode(FrameError),
}

impl Drop for ProcessPool {
    /// Shuts down, running what is queued, and waits for the workers to exit.
    fn drop(&mut self) {
        self.shutdown(Shutdown::wait());
    }
}

impl fmt::Debug for ProcessPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProcessPool")
            .field("workers", &self.workers)
            .field("program", &self.shared.launch.program)
            .field("queued", &self.queued())
            .finish_non_exhaustive()
    }
}
