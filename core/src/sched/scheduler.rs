//! [`Scheduler`]: runs tasks round-robin on one thread until they are all done.

use core::cell::Cell;
use core::fmt;
use core::future::Future;
use core::marker::PhantomData;
use core::ops::Deref;
use core::pin::Pin;
use core::ptr::NonNull;
use core::task::{Context, Waker};

#[cfg(feature = "alloc")]
use alloc::{boxed::Box, sync::Arc};

use super::current::CurrentGuard;
use super::join::JoinHandle;
use super::run_queue::{Pop, RunQueue};
use super::table::{TaskEntry, TaskTable};
use super::task::{DynTask, Task};
#[cfg(feature = "alloc")]
use super::unpark::{Unpark, UnparkHook};
#[cfg(feature = "alloc")]
use super::TaskSlotsFull;
use super::{RunQueueInUse, TaskId, TaskSpawnError};
use crate::wait::Relax;

/// The run queue a scheduler uses, and its claim on it.
enum QueueOwner<const N: usize> {
    Static(&'static RunQueue<N>),
    #[cfg(feature = "alloc")]
    Shared(Arc<RunQueue<N>>),
}

impl<const N: usize> Deref for QueueOwner<N> {
    type Target = RunQueue<N>;
    #[inline]
    fn deref(&self) -> &RunQueue<N> {
        match self {
            Self::Static(q) => q,
            #[cfg(feature = "alloc")]
            Self::Shared(q) => q,
        }
    }
}

impl<const N: usize> Drop for QueueOwner<N> {
    fn drop(&mut self) {
        self.release();
    }
}

/// A cooperative scheduler of `async` tasks with `N` task slots: Python's
/// generator-based `TaskScheduler` (recipe 12.12), with `async` blocks for
/// generators and [`yield_now`](super::yield_now) for `yield`.
///
/// - Tasks run on the thread that calls [`run`](Self::run), one at a time, each
///   until it awaits something that is not ready.
/// - Order: ready tasks run first-woken, first-run; a task that yields goes behind
///   every task already ready (round-robin, like the book's `deque`).
/// - Storage: the scheduler holds pointers to [`Task`]s the caller pinned (or
///   cells of a [`TaskPool`](super::TaskPool)), so it needs no heap; with `alloc`,
///   [`spawn_boxed`](Self::spawn_boxed) boxes the future instead. A full scheduler
///   is an error value ([`TaskSpawnError::Full`]), never a panic. Tasks and scheduler
///   are linked both ways, so either may be dropped first, and tasks may borrow
///   the scheduler (to spawn more tasks).
/// - Waking is thread- and interrupt-safe: wakers only touch the [`RunQueue`]'s
///   atomics. Spawning and running happen on the scheduler's own thread (the type
///   is neither `Send` nor `Sync`), including from inside its tasks.
/// - When nothing is ready the scheduler idles: under `std`, [`run`](Self::run)
///   parks the thread (wakers unpark it); [`run_with`](Self::run_with) calls your
///   [`Relax`] instead (e.g. a WFI instruction on bare metal, an OS poll). A wake
///   from another thread or an interrupt then ends that wait only if the run queue
///   was given an [`Unpark`](super::Unpark) ([`with_unpark`](Self::with_unpark),
///   [`RunQueue::with_unpark`]); otherwise the hook must return on its own.
///
/// ```
/// use core::pin::pin;
/// use spindle_core::sched::{yield_now, RunQueue, Scheduler, Task};
///
/// async fn countdown(name: &str, mut n: u32, log: &core::cell::RefCell<Vec<String>>) {
///     while n > 0 {
///         log.borrow_mut().push(format!("{name} {n}"));
///         yield_now().await;
///         n -= 1;
///     }
/// }
///
/// let log = core::cell::RefCell::new(Vec::new());
/// static READY: RunQueue<2> = RunQueue::new();
/// let sched = Scheduler::with_run_queue(&READY).unwrap();
/// let a = pin!(Task::new(countdown("a", 2, &log)));
/// let b = pin!(Task::new(countdown("b", 2, &log)));
/// sched.spawn(a).unwrap();
/// sched.spawn(b).unwrap();
/// sched.run();
/// assert_eq!(*log.borrow(), ["a 2", "b 2", "a 1", "b 1"]);
/// ```
pub struct Scheduler<const N: usize> {
    queue: QueueOwner<N>,
    wakers: [Waker; N],
    running: Cell<bool>,
    /// Where the search for a free slot starts.
    hint: Cell<usize>,
    /// The task table is only touched on this thread.
    _local: PhantomData<*const ()>,
}

impl<const N: usize> Scheduler<N> {
    /// A scheduler on its own reference-counted run queue.
    ///
    /// ```
    /// let sched: spindle_core::sched::Scheduler<8> = spindle_core::sched::Scheduler::new();
    /// assert_eq!((sched.capacity(), sched.len()), (8, 0));
    /// ```
    ///
    /// `N = 0` is rejected at compile time (by [`RunQueue::new`]), but only when the
    /// constant is evaluated: `cargo build`, `cargo test` and `cargo run` report it,
    /// `cargo check` does not.
    #[cfg(feature = "alloc")]
    pub fn new() -> Self {
        Self::shared(RunQueue::new())
    }

    /// A scheduler on its own reference-counted run queue, whose idle hook
    /// ([`run_with`](Self::run_with)) is ended by `unpark` whenever a task becomes
    /// ready from outside the running loop (see [`Unpark`]). This is how an OS
    /// poll (`spindle_std::io::Reactor`) learns of a queue fed by another thread.
    ///
    /// ```
    /// use std::sync::{Arc, Condvar, Mutex};
    /// use spindle_core::raw::CriticalSectionRawMutex;
    /// use spindle_core::sched::Scheduler;
    /// use spindle_core::sync::Oneshot;
    ///
    /// // The idle hook sleeps on a condition variable that only `unpark` signals.
    /// let woken = Arc::new((Mutex::new(false), Condvar::new()));
    /// let w = woken.clone();
    /// let sched: Scheduler<1> = Scheduler::with_unpark(move || {
    ///     *w.0.lock().unwrap() = true;
    ///     w.1.notify_one();
    /// });
    /// let answer = Arc::new(Oneshot::<CriticalSectionRawMutex, u32>::new());
    /// let a = answer.clone();
    /// sched.spawn_boxed(async move { assert_eq!(a.recv().await, Ok(42)) }).unwrap();
    /// let sender = std::thread::spawn(move || answer.send(42).unwrap());
    /// sched.run_with(|| {
    ///     let mut set = woken.0.lock().unwrap();
    ///     while !*set {
    ///         set = woken.1.wait(set).unwrap();
    ///     }
    ///     *set = false;
    /// });
    /// sender.join().unwrap();
    /// assert!(sched.is_empty());
    /// ```
    #[cfg(feature = "alloc")]
    pub fn with_unpark(unpark: impl Unpark + 'static) -> Self {
        Self::shared(RunQueue::with_hook(UnparkHook::Boxed(Box::new(unpark))))
    }

    #[cfg(feature = "alloc")]
    fn shared(queue: RunQueue<N>) -> Self {
        let queue = Arc::new(queue);
        queue.claim();
        let wakers = core::array::from_fn(|i| queue.arc_waker(i));
        Self::build(QueueOwner::Shared(queue), wakers)
    }

    /// A scheduler on a `'static` run queue: no heap. Fails if another scheduler is
    /// using that queue.
    pub fn with_run_queue(queue: &'static RunQueue<N>) -> Result<Self, RunQueueInUse> {
        if !queue.claim() {
            return Err(RunQueueInUse);
        }
        let wakers = core::array::from_fn(|i| queue.static_waker(i));
        Ok(Self::build(QueueOwner::Static(queue), wakers))
    }

    fn build(queue: QueueOwner<N>, wakers: [Waker; N]) -> Self {
        Self {
            queue,
            wakers,
            running: Cell::new(false),
            hint: Cell::new(0),
            _local: PhantomData,
        }
    }

    #[inline]
    fn table(&self) -> &TaskTable<N> {
        &self.queue.table
    }

    /// How many tasks it can hold.
    pub const fn capacity(&self) -> usize {
        N
    }

    /// How many tasks it holds (spawned and not over).
    pub fn len(&self) -> usize {
        self.table().live.get()
    }

    /// Whether it holds no task.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Spawns the pinned `task`; it first runs after the tasks already ready.
    /// Fails with [`TaskSpawnError::Full`] if every slot is taken, or
    /// [`TaskSpawnError::Busy`] if the task was spawned before; the task comes back
    /// either way.
    pub fn spawn<'t, F: Future>(
        &self,
        task: Pin<&'t mut Task<F>>,
    ) -> Result<JoinHandle<'t, F::Output>, TaskSpawnError<Pin<&'t mut Task<F>>>> {
        if !task.is_spawnable() {
            return Err(TaskSpawnError::Busy(task));
        }
        match self.free_slot() {
            Some(slot) => Ok(self.spawn_at(slot, task.into_ref())),
            None => Err(TaskSpawnError::Full(task)),
        }
    }

    /// Boxes `future` and spawns it, detached: the scheduler owns it and frees it
    /// when it is over (or when the scheduler is dropped). Fails with
    /// [`TaskSlotsFull`] (the future comes back) if every slot is taken.
    ///
    /// The future must be `'static`, since the scheduler may drop it at any time
    /// after the values it could borrow are gone; to borrow, pin a [`Task`] instead.
    ///
    /// ```
    /// use spindle_core::sched::{yield_now, Scheduler};
    /// use std::rc::Rc;
    /// use std::cell::Cell;
    ///
    /// let hits = Rc::new(Cell::new(0));
    /// let sched: Scheduler<4> = Scheduler::new();
    /// for _ in 0..3 {
    ///     let hits = hits.clone();
    ///     sched.spawn_boxed(async move {
    ///         yield_now().await;
    ///         hits.set(hits.get() + 1);
    ///     }).unwrap();
    /// }
    /// sched.run();
    /// assert_eq!(hits.get(), 3);
    /// ```
    #[cfg(feature = "alloc")]
    pub fn spawn_boxed<F>(&self, future: F) -> Result<TaskId, TaskSlotsFull<F>>
    where
        F: Future<Output = ()> + 'static,
    {
        let Some(slot) = self.free_slot() else {
            return Err(TaskSlotsFull(future));
        };
        let task: &'static mut Task<F> = Box::leak(Box::new(Task::new(future)));
        let task: NonNull<dyn DynTask> = NonNull::from(task);
        self.occupy(slot, TaskEntry { task, boxed: true });
        Ok(TaskId(slot))
    }

    /// A free slot, if any.
    pub(crate) fn free_slot(&self) -> Option<usize> {
        let start = self.hint.get();
        let slots = &self.table().slots;
        (start..N)
            .chain(0..start)
            .find(|&i| slots[i].get().is_none())
    }

    /// Puts `task` in the free slot `slot`.
    pub(crate) fn spawn_at<'t, F: Future>(
        &self,
        slot: usize,
        task: Pin<&'t Task<F>>,
    ) -> JoinHandle<'t, F::Output> {
        let link = self.table().link(slot);
        let handle = task.attach(TaskId(slot), self.wakers[slot].clone(), link);
        let task: NonNull<dyn DynTask + 't> = NonNull::from(task.get_ref());
        // SAFETY: only the lifetime bound of the trait object changes. The table
        // uses the pointer while the task is linked, and the task is linked only
        // while it is alive: its `Drop` unlinks it (and pinning guarantees that
        // `Drop` runs before its memory is reused), so the borrows its future
        // holds are alive whenever the scheduler polls it.
        let task: NonNull<dyn DynTask> = unsafe {
            core::mem::transmute::<NonNull<dyn DynTask + 't>, NonNull<dyn DynTask>>(task)
        };
        self.occupy(slot, TaskEntry { task, boxed: false });
        handle
    }

    fn occupy(&self, slot: usize, entry: TaskEntry) {
        self.table().occupy(slot, entry);
        self.hint.set(if slot + 1 < N { slot + 1 } else { 0 });
        self.queue.wake(slot);
    }

    /// Runs until every task is over. When no task is ready it idles: under `std`
    /// the thread parks until a waker unparks it; without `std` it spins (use
    /// [`run_with`](Self::run_with) to sleep the core instead).
    ///
    /// Calling `run` from inside one of this scheduler's tasks returns at once.
    pub fn run(&self) {
        #[cfg(feature = "std")]
        {
            #[cfg(not(loom))]
            let (current, park) = (std::thread::current, std::thread::park);
            #[cfg(loom)]
            let (current, park) = (loom::thread::current, loom::thread::park);
            if self.running.get() {
                return;
            }
            self.queue.set_sleeper(Some(current()));
            self.run_loop(Some(park));
            self.queue.set_sleeper(None);
        }
        #[cfg(not(feature = "std"))]
        self.run_loop(Some(crate::wait::SpinRelax));
    }

    /// Runs until every task is over, calling `idle` whenever no task is ready (it
    /// may return early: the scheduler just looks again). On bare metal, pass your
    /// core's wait-for-interrupt; wakers called from interrupt handlers then end
    /// the wait.
    ///
    /// ```
    /// use core::pin::pin;
    /// use spindle_core::sched::{RunQueue, Scheduler, Task};
    /// use spindle_core::wait::SpinRelax;
    ///
    /// static READY: RunQueue<1> = RunQueue::new();
    /// let sched = Scheduler::with_run_queue(&READY).unwrap();
    /// let t = pin!(Task::new(async { 7 }));
    /// let mut h = sched.spawn(t).unwrap();
    /// sched.run_with(SpinRelax); // or `|| cortex_m::asm::wfi()`
    /// assert_eq!(h.try_take(), Some(7));
    /// ```
    pub fn run_with(&self, idle: impl Relax) {
        #[cfg(feature = "std")]
        self.queue.set_sleeper(None);
        self.run_loop(Some(idle));
    }

    /// Runs the ready tasks until none is ready (or none is left), then returns
    /// without idling: the number of polls made. Tasks that wait for something
    /// stay in the scheduler for a later run.
    pub fn run_until_stalled(&self) -> usize {
        self.run_loop(None::<crate::wait::SpinRelax>)
    }

    fn run_loop<R: Relax>(&self, mut idle: Option<R>) -> usize {
        if self.running.replace(true) {
            return 0;
        }
        let _running = ResetOnDrop(&self.running);
        let q = &*self.queue;
        let mut polls = 0;
        while !self.is_empty() {
            match q.pop() {
                Pop::Ready(i) => {
                    self.poll_slot(i);
                    polls += 1;
                }
                Pop::Busy => crate::loom::spin_hint(),
                Pop::Empty => {
                    let Some(idle) = idle.as_mut() else { break };
                    // Idle only if nothing was pushed since `pop` looked.
                    if q.try_sleep() {
                        idle.relax();
                        q.wake_up();
                    }
                }
            }
        }
        polls
    }

    #[inline]
    fn poll_slot(&self, i: usize) {
        self.queue.start(i);
        // A stale wake-up of a slot that is empty now.
        let Some(entry) = self.table().slots[i].get() else {
            return;
        };
        let mut cx = Context::from_waker(&self.wakers[i]);
        let ready = {
            let _current = CurrentGuard::enter(&*self.queue, i);
            // SAFETY: a task in the table is alive (see `spawn_at`; a boxed one is
            // freed only when it leaves the table) and pinned: it never moves. A
            // task cannot be dropped during its own poll (its storage is not
            // reachable from its future), and others that are dropped meanwhile
            // unlink themselves.
            unsafe { Pin::new_unchecked(entry.task.as_ref()) }
                .poll_task(&mut cx)
                .is_ready()
        };
        if ready {
            self.table().vacate(i);
            // SAFETY: the task was in the table until just now, so it is alive.
            unsafe { Self::release(entry) };
        }
    }

    /// Lets go of a task that just left the table.
    ///
    /// # Safety
    /// `entry` was in this scheduler's table until just now.
    unsafe fn release(entry: TaskEntry) {
        #[cfg(feature = "alloc")]
        if entry.boxed {
            // SAFETY: boxed entries come from `Box::leak` in `spawn_boxed` (a
            // `'static` future), and the entry just left the table: this is its
            // only release.
            drop(unsafe { Box::from_raw(entry.task.as_ptr()) });
            return;
        }
        // SAFETY: passed on from the caller: the task is alive.
        unsafe { entry.task.as_ref() }.detach();
    }
}

impl<const N: usize> Drop for Scheduler<N> {
    fn drop(&mut self) {
        // Unlink every task (borrowed ones keep their futures, unpolled; boxed
        // ones are dropped) before the table can be reused or freed.
        for i in 0..N {
            if let Some(entry) = self.table().vacate(i) {
                // SAFETY: the entry was in the table until just now. Dropping a
                // boxed future may drop other tasks: they unlink themselves from
                // slots not yet visited, or were detached already.
                unsafe { Self::release(entry) };
            }
        }
    }
}

#[cfg(feature = "alloc")]
impl<const N: usize> Default for Scheduler<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> fmt::Debug for Scheduler<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Scheduler")
            .field("capacity", &N)
            .field("tasks", &self.len())
            .field("running", &self.running.get())
            .finish()
    }
}

struct ResetOnDrop<'c>(&'c Cell<bool>);

impl Drop for ResetOnDrop<'_> {
    fn drop(&mut self) {
        self.0.set(false);
    }
}
