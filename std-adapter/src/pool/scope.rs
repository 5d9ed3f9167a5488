//! [`ThreadPool::scope`]: tasks that borrow from the caller's stack, as
//! `std::thread::scope` does for threads, run on the pool's workers.
//!
//! # Safety argument
//! The pool's workers are `'static` threads, so a scoped closure (which may borrow
//! data living only for `'scope`) is boxed and its lifetime erased to `'static`
//! before it is queued. That is sound because:
//!
//! 1. Every erased closure is owned by exactly one [`ScopedJob`], whose `Drop` first
//!    drops the closure (if it was not run) and only then marks the job done in the
//!    scope's [`WaitGroup`]. When the job runs, the closure is consumed by the call
//!    (its captures dropped, also when it panics) before the `ScopedJob` is dropped.
//! 2. The count is raised before the job is queued, and [`ThreadPool::scope`] does
//!    not return, or unwind past its frame, until the count is zero: a guard waits in
//!    its `Drop`, which runs on return and on panic alike.
//! 3. A job the pool refuses is dropped at once; a queued job is either run or
//!    cancelled (dropped) by the pool, or stays queued, in which case the scope waits
//!    forever rather than free what it borrows. No path frees the borrowed data
//!    while a closure that borrows it still exists.
//!
//! Only the closure is erased: results must be `'static`.

use std::marker::PhantomData;
use std::sync::Arc;

use super::pool::ThreadPool;
use super::task::{Runnable, Task};
use super::TaskHandle;
use crate::sync::WaitGroup;

/// A scope for tasks that borrow: see [`ThreadPool::scope`].
pub struct Scope<'scope, 'env: 'scope> {
    pool: &'scope ThreadPool,
    pending: Arc<WaitGroup>,
    _scope: PhantomData<&'scope mut &'scope ()>,
    _env: PhantomData<&'env mut &'env ()>,
}

/// Owns one erased closure. Fields drop in declaration order: the closure first,
/// then the guard that marks the job done.
struct ScopedJob<R> {
    job: Box<dyn FnOnce() -> R + Send + 'static>,
    done: DoneOnDrop,
}

/// Marks one scoped job done when dropped.
struct DoneOnDrop(Arc<WaitGroup>);

impl Drop for DoneOnDrop {
    fn drop(&mut self) {
        // Raised by one for this job before it was queued.
        let _ = self.0.done();
    }
}

/// Waits for the scope's jobs when dropped (on return and on unwind).
struct WaitOnDrop(Arc<WaitGroup>);

impl Drop for WaitOnDrop {
    fn drop(&mut self) {
        self.0.wait_blocking();
    }
}

impl ThreadPool {
    /// Runs `f` with a [`Scope`] whose tasks may borrow anything that outlives the
    /// call; returns once every task submitted in the scope has finished (or was
    /// cancelled), even if `f` panics. Don't call it from one of this pool's own
    /// tasks when every worker might be doing the same: the waiting workers would
    /// wait for each other.
    ///
    /// ```
    /// use spindle_std::pool::ThreadPool;
    ///
    /// let pool = ThreadPool::new(4).unwrap();
    /// let words = vec!["alpha".to_string(), "beta".into(), "gamma".into()];
    /// let total = pool.scope(|s| {
    ///     let handles: Vec<_> = words.iter().map(|w| s.submit(move || w.len())).collect();
    ///     handles.into_iter().map(|h| h.result().unwrap()).sum::<usize>()
    /// });
    /// assert_eq!(total, 14);
    /// drop(words); // still ours
    /// ```
    pub fn scope<'env, T>(
        &self,
        f: impl for<'scope> FnOnce(&'scope Scope<'scope, 'env>) -> T,
    ) -> T {
        let scope = Scope {
            pool: self,
            pending: Arc::new(WaitGroup::new()),
            _scope: PhantomData,
            _env: PhantomData,
        };
        // Declared after `scope`, so dropped (waiting) before it.
        let wait = WaitOnDrop(scope.pending.clone());
        let out = f(&scope);
        drop(wait);
        out
    }
}

impl<'scope> Scope<'scope, '_> {
    /// Submits a task that may borrow from the scope's environment, waiting for
    /// room in a bounded queue whatever the pool's policy. On a pool that has shut
    /// down, the task is dropped and its handle gives
    /// [`TaskError::Cancelled`](super::TaskError::Cancelled).
    ///
    /// ```
    /// use spindle_std::pool::ThreadPool;
    /// use spindle_std::sync::Mutex;
    ///
    /// let pool = ThreadPool::new(2).unwrap();
    /// let hits = Mutex::new(0);
    /// pool.scope(|s| {
    ///     for _ in 0..10 {
    ///         s.submit(|| *hits.lock_blocking() += 1);
    ///     }
    /// });
    /// assert_eq!(hits.into_inner(), 10);
    /// ```
    pub fn submit<F, R>(&'scope self, f: F) -> TaskHandle<R>
    where
        F: FnOnce() -> R + Send + 'scope,
        R: Send + 'static,
    {
        let boxed: Box<dyn FnOnce() -> R + Send + 'scope> = Box::new(f);
        // SAFETY: only the lifetime changes (same type and layout otherwise). The
        // closure is owned by a `ScopedJob` that marks the scope's wait group done
        // only after the closure has been run or dropped, and `ThreadPool::scope`
        // waits for the count to reach zero before `'scope` ends (see the module's
        // safety argument), so the closure never outlives what it borrows.
        let erased: Box<dyn FnOnce() -> R + Send + 'static> =
            unsafe { std::mem::transmute::<Box<dyn FnOnce() -> R + Send + 'scope>, _>(boxed) };
        let _ = self.pending.add(1);
        let owner = ScopedJob {
            job: erased,
            done: DoneOnDrop(self.pending.clone()),
        };
        let run = move || {
            let ScopedJob { job, done } = owner;
            // On a panic, `job`'s captures are dropped while unwinding out of the
            // call, before `done` (a local of this frame) is.
            let out = job();
            drop(done);
            out
        };
        match self.pool.submit_waiting(run) {
            Ok(h) => h,
            Err(refused) => {
                // Drops the job (and marks it done) now; the handle reads cancelled.
                let task = Arc::new(Task::new(refused.into_inner()));
                Runnable::cancel(&*task);
                TaskHandle::new(task)
            }
        }
    }
}

impl std::fmt::Debug for Scope<'_, '_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scope")
            .field("pending", &self.pending.count())
            .finish_non_exhaustive()
    }
}
